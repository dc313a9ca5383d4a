"""Write a campaign export: the folder of docs/export-format.md, or one of its other formats.

Rows are streamed from the database as plain Core rows in chunks, so an
export of a large campaign never holds every answer in memory: the wide
formats build one row per participant from the same rows as they stream past
and spool them to a temporary file (app/export/wide_rows.py), which the
format writers read back a chunk at a time (app/export/formats.py).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from analysis import contract
from app.export.csv_rows import RowWriter
from app.export.exchange_tables import write_exchange_tables
from app.models import Answer, Campaign, DisplayOrder, PageVisit, Participant, utcnow
from app.web.database import read_snapshot

__all__ = ["ExportResult", "write_export", "spreadsheet_safe", "manifest",
           "PARTICIPANT_COLUMNS"]

#: participants.csv as this writer fills it: the contract's columns, then the
#: optional ones (1.3) it always writes.
PARTICIPANT_COLUMNS = [*contract.PARTICIPANT_COLUMNS, "outcome", "followup_completed_at",
                       "panel_study_id", "panel_session_id", "feedback_order"]
#: Added to participants.csv only when asked for (``--include-external-id``).
EXTERNAL_ID_COLUMN = "external_id_hash"
BATCH = 5000


@dataclass(frozen=True)
class ExportResult:
    path: Path
    participants: int
    answers: int


def spreadsheet_safe(text: str | None) -> str:
    """``text`` escaped for a spreadsheet file by the contract's rule; "" when missing.

    For CSV files outside the export folder (the audit log); the rule itself
    is ``analysis.contract.escape_formula``.
    """
    return contract.escape_formula(text) if text else ""


def _time(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def _seconds(shown, submitted) -> str:
    if not submitted:
        return ""
    if isinstance(shown, str):  # SQLite: text
        shown, submitted = datetime.fromisoformat(shown), datetime.fromisoformat(submitted)
    return _number(round((submitted - shown).total_seconds(), 3))


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _iso(raw) -> str:
    """A stored timestamp as ISO 8601 in UTC, as ``UTCDateTime`` would load it.

    SQLite stores text in SQLAlchemy's one layout, ``YYYY-MM-DD HH:MM:SS.ffffff``
    (naive UTC): that is rewritten as text, with what ``datetime.isoformat``
    gives (no fraction when it is zero), without building a datetime.
    Anything else (PostgreSQL's datetimes, other text) goes through datetime.

    Examples
    --------
    >>> _iso("2026-01-01 00:01:51.000000"), _iso("2026-01-01 00:01:51.250000")
    ('2026-01-01T00:01:51+00:00', '2026-01-01T00:01:51.250000+00:00')
    """
    if type(raw) is str and len(raw) == 26 and raw[10] == " " and raw[19] == ".":
        fraction = raw[19:]
        return f"{raw[:10]}T{raw[11:19]}{'' if fraction == '.000000' else fraction}+00:00"
    value = datetime.fromisoformat(raw) if isinstance(raw, str) else raw  # SQLite: text
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


class _Memo(dict):
    """Cells formatted once per distinct raw value: ``memo[raw]`` is the cell's text.

    An answer repeats its page's time and one of a few values, so most
    lookups hit; a miss calls ``format`` from ``__missing__``, so a hit costs
    a dict lookup and no Python call. Emptied when it grows past ``LIMIT``,
    so memory stays flat. ``None`` (a missing value) is always ``""``.
    """

    LIMIT = 20_000

    def __init__(self, format) -> None:
        super().__init__({None: ""})
        self._format = format

    def __missing__(self, raw) -> str:
        if len(self) > self.LIMIT:
            self.clear()
            self[None] = ""
        self[raw] = text = self._format(raw)
        return text


def _raw(column):
    """``column`` without its result type processing (formatted by :func:`_iso`)."""
    return type_coerce(column, NullType())


def _stream(session: Session, query, chunk: int) -> Iterator[list[list]]:
    """Rows of ``query`` as plain Core rows, fetched ``chunk`` at a time.

    No ORM object per row (building one per answer was most of an export's
    time); PostgreSQL streams through a server-side cursor.
    """
    conn = session.connection().execution_options(stream_results=True, yield_per=chunk)
    yield from conn.execute(query).partitions()


def _whose(session: Session, campaign: Campaign, include_test: bool):
    """The participants an export holds: test participants (previews) only when asked for.

    On SQLite the campaign is matched as ``campaign_id + 0``, which no index
    serves, within the campaign's range of participant ids: SQLite then walks
    those participants in id order and each one's rows through the
    ``participant_id`` index, already in the ``ORDER BY`` order. With the
    campaign index it sorted every answer in a temporary B-tree before
    returning the first row (a third of an export's time at 1M answers); the
    id range keeps a small campaign in a large database from reading every
    participant.
    """
    where = Participant.campaign_id == campaign.id
    if session.get_bind().dialect.name == "sqlite":
        lowest, highest = session.execute(
            select(func.min(Participant.id), func.max(Participant.id)).where(where)
        ).one()
        in_range = Participant.id.between(lowest, highest)
        where = (Participant.campaign_id + 0 == campaign.id) & in_range
    return where if include_test else where & Participant.is_test.is_(False)


def _participant_rows(session: Session, campaign: Campaign, chunk: int = BATCH,
                      external_id: bool = False, include_test: bool = False
                      ) -> Iterator[list[list]]:
    """Rows of participants.csv; with ``external_id`` the keyed hash of the panel id, then
    with ``include_test`` the test flag, last."""
    p = Participant
    query = (
        select(p.public_id, p.arm, p.module_order, p.language, p.status, p.step,
               _raw(p.started_at), _raw(p.completed_at), p.stratum, p.allocation_seq, p.replaced,
               p.outcome, _raw(p.followup_completed_at), p.panel_study_id, p.panel_session_id,
               p.feedback_order, p.external_id_hash, p.is_test)
        .where(_whose(session, campaign, include_test))
        .order_by(p.id)
    )
    time = _Memo(_iso)
    for rows in _stream(session, query, chunk):
        yield [
            [public_id, arm, order, lang, status, step, time[started], time[completed],
             stratum, "" if seq is None else seq, int(replaced), outcome or "",
             time[followup], spreadsheet_safe(study), spreadsheet_safe(panel_session),
             feedback or ""]
            + ([digest or ""] if external_id else []) + ([int(is_test)] if include_test else [])
            for (public_id, arm, order, lang, status, step, started, completed, stratum, seq,
                 replaced, outcome, followup, study, panel_session, feedback, digest,
                 is_test) in rows
        ]


def _answer_rows(session: Session, campaign: Campaign, chunk: int = BATCH,
                 leave_out: tuple[str, ...] = (), include_test: bool = False
                 ) -> Iterator[list[list]]:
    a = Answer
    query = (
        select(Participant.public_id, Participant.arm, a.phase, a.module, a.item, a.value,
               a.text, a.page, _raw(a.answered_at), a.seconds_on_page)
        .join(a, a.participant_id == Participant.id)
        .where(_whose(session, campaign, include_test))
        .order_by(Participant.id, a.id)
    )
    if "free_text" in leave_out:
        text_items = contract.items_where(campaign.codebook, "text_coding", "free_text")
        query = query.where(a.item.not_in(text_items))
    if "about_you" in leave_out:
        query = query.where(a.phase != "profile")
    # The contract's one escaping rule (lossless; only the typed text can start
    # with a formula prefix or an apostrophe, ids never do).
    safe = spreadsheet_safe

    number, time = _Memo(_number), _Memo(_iso)
    for rows in _stream(session, query, chunk):
        yield [
            (public_id, arm, phase, module, item, number[value], safe(text) if text else "",
             page, time[at], number[seconds])
            for public_id, arm, phase, module, item, value, text, page, at, seconds in rows
        ]


def _page_rows(session: Session, campaign: Campaign, chunk: int = BATCH,
               include_test: bool = False) -> Iterator[list[list]]:
    v = PageVisit
    query = (
        select(Participant.public_id, v.step, _raw(v.shown_at), _raw(v.submitted_at))
        .join(v, v.participant_id == Participant.id)
        .where(_whose(session, campaign, include_test))
        .order_by(Participant.id, v.id)
    )
    for rows in _stream(session, query, chunk):
        yield [
            (public_id, step, _iso(shown), _iso(submitted), _seconds(shown, submitted))
            if submitted else (public_id, step, _iso(shown), "", "")
            for public_id, step, shown, submitted in rows
        ]


def _display_rows(session: Session, campaign: Campaign, chunk: int = BATCH,
                  include_test: bool = False) -> Iterator[list[list]]:
    """Rows of display_order.csv: each item of a shuffled page as its participant saw it."""
    d = DisplayOrder
    query = (
        select(Participant.public_id, d.phase, d.module, d.page, d.item, d.position, d.options)
        .join(d, d.participant_id == Participant.id)
        .where(_whose(session, campaign, include_test))
        .order_by(Participant.id, d.id)
    )
    for rows in _stream(session, query, chunk):
        yield [[public_id, phase, module, page, item, position, options or ""]
               for public_id, phase, module, page, item, position, options in rows]


def _write_csv(path: Path, header: Iterable[str], chunks: Iterable[list[list]]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = RowWriter(f)
        writer.writerow(header)
        for rows in chunks:
            writer.writerows(rows)
            count += len(rows)
    return count


def manifest(campaign: Campaign, counts: dict[str, int], files: list[str]) -> dict:
    """The manifest of an export of ``campaign`` written now (built by the contract)."""
    return contract.build_manifest(
        campaign.codebook,
        campaign={
            "slug": campaign.slug,
            "title": campaign.title,
            "status": campaign.status,
            "opened_at": _time(campaign.opened_at) or None,
            "closed_at": _time(campaign.closed_at) or None,
            "languages": campaign.languages,
        },
        block_size=campaign.block_size,
        seed=campaign.seed,
        stratify_by=campaign.strata or None,
        rebalance_dropouts=campaign.rebalance_dropouts,
        preregistration=campaign.preregistration,
        row_counts=counts,
        files=files,
        exported_at=utcnow().isoformat(),
        plan=({"sha256": campaign.plan_sha256, "text": campaign.plan_text}
              if campaign.plan_sha256 else None),
        arm_weights=campaign.arm_weights or None,
    )


def write_export(session: Session, campaign: Campaign, out: Path, fmt: str = "csv",
                 include_external_id: bool = False, chunk: int = BATCH, *,
                 include_text: bool = True, include_profile: bool = True,
                 include_test: bool = False, include_authors: bool = False):
    """Write ``campaign`` to the folder ``out`` (created; must be empty if it exists).

    ``include_external_id`` adds the column ``external_id_hash`` to
    participants.csv: the keyed hash of a panel participant's id (never the
    id itself, which Parley does not store). Without it nothing that could
    link a row to a panel account is exported.

    Everything is written into a hidden folder beside ``out`` and renamed to
    ``out`` (or ``out.zip``) only when complete: a failed export (a database
    error, a format that cannot hold the data) leaves nothing behind, never a
    folder without its manifest or a truncated file. Rows are read and
    written ``chunk`` at a time.

    ``include_text=False`` leaves out free-text answers and
    ``include_profile=False`` the about-you (profile) answers; the manifest's
    ``left_out`` then names what is missing.

    Test participants (managers' previews) are left out unless
    ``include_test``; then participants.csv gains the column ``is_test``
    (0/1) and the manifest says ``"include_test": true``.

    A campaign with an argument exchange gets its six files
    (app/export/exchange_tables.py); ``include_authors`` adds the author's
    participant id to statements.csv (never by default).
    """
    leave_out = tuple(name for name, keep in (("free_text", include_text),
                                              ("about_you", include_profile)) if not keep)
    if fmt not in contract.EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty")
    final = out.with_name(out.name + ".zip") if fmt == "zip" else out
    if fmt == "zip" and final.exists():
        raise FileExistsError(f"{final} exists")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        with read_snapshot(session):  # consistent files; no participant is held off
            counts = _write_folder(session, campaign, work, fmt, include_external_id, chunk,
                                   leave_out, include_test, include_authors)
        if fmt == "zip":
            archive = shutil.make_archive(str(work), "zip", root_dir=work)
            Path(archive).replace(final)
        else:
            if out.exists():
                out.rmdir()  # empty, checked above
            work.rename(out)
    except BaseException:
        session.rollback()
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
        Path(str(work) + ".zip").unlink(missing_ok=True)
    session.commit()  # end the read transaction (SQLite holds its lock until then)
    return ExportResult(final, counts["participants"], counts["answers"])


def _write_folder(session: Session, campaign: Campaign, out: Path, fmt: str,
                  external_id: bool = False, chunk: int = BATCH,
                  leave_out: tuple[str, ...] = (), include_test: bool = False,
                  include_authors: bool = False) -> dict[str, int]:
    columns = (PARTICIPANT_COLUMNS + ([EXTERNAL_ID_COLUMN] if external_id else [])
               + (["is_test"] if include_test else []))
    # A campaign opened before format 1.5 stored a codebook without its type facts.
    codebook = contract.upgrade_codebook(campaign.codebook)
    wide = None
    if contract.EXPORT_FORMATS[fmt]:
        from app.export.wide_rows import WideRows

        wide = WideRows(codebook, columns, out, chunk)
    people = _participant_rows(session, campaign, chunk, external_id=external_id,
                               include_test=include_test)
    answers = _answer_rows(session, campaign, chunk, leave_out=leave_out,
                           include_test=include_test)
    if wide is not None:  # the wide table takes the same rows as the long files
        people, answers = _tee(people, wide.add_participants), _tee(answers, wide.add_answers)
    counts = {
        "participants": _write_csv(out / contract.PARTICIPANTS_FILE, columns, people),
        "answers": _write_csv(out / contract.ANSWERS_FILE, contract.ANSWER_COLUMNS, answers),
        "pages": _write_csv(out / contract.PAGES_FILE, contract.PAGE_COLUMNS,
                            _page_rows(session, campaign, chunk, include_test)),
    }
    display = _display_rows(session, campaign, chunk, include_test)
    if wide is not None:
        display = _tee(display, wide.add_orders)
    counts["display_order"] = _write_csv(out / contract.DISPLAY_ORDER_FILE,
                                         contract.DISPLAY_ORDER_COLUMNS, display)
    (out / contract.CODEBOOK_FILE).write_text(
        json.dumps(codebook, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    files = [contract.PARTICIPANTS_FILE, contract.ANSWERS_FILE, contract.PAGES_FILE,
             contract.DISPLAY_ORDER_FILE, contract.CODEBOOK_FILE]
    exchange = write_exchange_tables(session, campaign, out, include_authors=include_authors,
                                     include_test=include_test)
    counts.update(exchange)
    files += [f"{name}.csv" for name in exchange]
    if wide is not None:
        from app.export.formats import write_other_format

        files += write_other_format(out, fmt, codebook, wide, chunk)
    (out / contract.MANIFEST_FILE).write_text(
        json.dumps({**manifest(campaign, counts, files), "include_test": include_test,
                    **({"left_out": list(leave_out)} if leave_out else {})},
                   ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    return counts


def _tee(chunks: Iterator[list[list]], sink) -> Iterator[list[list]]:
    for rows in chunks:
        sink(rows)
        yield rows
