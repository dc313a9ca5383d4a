"""Write a campaign export: the folder of docs/export-format.md, or one of its other formats.

Rows are streamed from the database in batches, so an export of a large
campaign does not hold every answer in memory at once (the wide and binary
formats, which need the whole table, are the exception).
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.export.codebook import FORMAT_VERSION
from app.models import Answer, Campaign, PageVisit, Participant, utcnow

__all__ = ["ExportResult", "write_export", "spreadsheet_safe", "PARTICIPANT_COLUMNS",
           "ANSWER_COLUMNS", "PAGE_COLUMNS"]  # fmt: skip

PARTICIPANT_COLUMNS = [
    "participant_id", "arm", "module_order", "language", "status", "step", "started_at",
    "completed_at", "stratum", "allocation_seq", "replaced",
]  # fmt: skip
ANSWER_COLUMNS = [
    "participant_id", "arm", "phase", "module", "item", "value", "text", "page",
    "answered_at", "seconds_on_page",
]  # fmt: skip
PAGE_COLUMNS = ["participant_id", "step", "shown_at", "submitted_at", "seconds"]
BATCH = 5000
DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    participants: int
    answers: int


def spreadsheet_safe(text: str | None) -> str:
    """Prefix ``'`` to text a spreadsheet would run as a formula (OWASP CSV injection)."""
    if not text:
        return ""
    return "'" + text if text.startswith(DANGEROUS_FIRST) else text


def _time(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _participant_rows(session: Session, campaign: Campaign) -> Iterator[list]:
    query = (
        select(Participant)
        .where(Participant.campaign_id == campaign.id)
        .order_by(Participant.id)
        .execution_options(yield_per=BATCH)
    )
    for p in session.scalars(query):
        yield [
            p.public_id, p.arm, p.module_order, p.language, p.status, p.step,
            _time(p.started_at), _time(p.completed_at), p.stratum,
            "" if p.allocation_seq is None else p.allocation_seq, int(p.replaced),
        ]  # fmt: skip


def _answer_rows(session: Session, campaign: Campaign) -> Iterator[list]:
    query = (
        select(Participant.public_id, Participant.arm, Answer)
        .join(Answer, Answer.participant_id == Participant.id)
        .where(Participant.campaign_id == campaign.id)
        .order_by(Participant.id, Answer.id)
        .execution_options(yield_per=BATCH)
    )
    for public_id, arm, a in session.execute(query):
        yield [
            public_id, arm, a.phase, a.module, a.item, _number(a.value),
            spreadsheet_safe(a.text), a.page, _time(a.answered_at), _number(a.seconds_on_page),
        ]  # fmt: skip


def _page_rows(session: Session, campaign: Campaign) -> Iterator[list]:
    query = (
        select(Participant.public_id, PageVisit)
        .join(PageVisit, PageVisit.participant_id == Participant.id)
        .where(Participant.campaign_id == campaign.id)
        .order_by(Participant.id, PageVisit.id)
        .execution_options(yield_per=BATCH)
    )
    for public_id, v in session.execute(query):
        seconds = (
            round((v.submitted_at - v.shown_at).total_seconds(), 3) if v.submitted_at else None
        )
        yield [public_id, v.step, _time(v.shown_at), _time(v.submitted_at), _number(seconds)]


def _write_csv(path: Path, header: list[str], rows: Iterable[list]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def manifest(campaign: Campaign, counts: dict[str, int], files: list[str]) -> dict:
    arms = campaign.codebook["arms"]
    control = next((a["id"] for a in arms if a["control"]), None)
    return {
        "format": "parley-export",
        "format_version": FORMAT_VERSION,
        "exported_at": utcnow().isoformat(),
        "campaign": {
            "slug": campaign.slug,
            "title": campaign.title,
            "status": campaign.status,
            "opened_at": _time(campaign.opened_at) or None,
            "closed_at": _time(campaign.closed_at) or None,
            "languages": campaign.languages,
        },
        "survey": {
            "id": campaign.survey_id,
            "version": campaign.survey_version,
            "languages": campaign.codebook["survey"]["languages"],
        },
        "design": {
            "arms": arms,
            "control_arm": control,
            "block_size": campaign.block_size,
            "seed": campaign.seed,
            "stratify_by": None,
            "rebalance_dropouts": campaign.rebalance_dropouts,
        },
        "preregistration": campaign.preregistration,
        "row_counts": counts,
        "files": files,
    }


def write_export(session: Session, campaign: Campaign, out: Path, fmt: str = "csv"):
    """Write ``campaign`` to the folder ``out`` (created; must be empty if it exists).

    Everything is written into a hidden folder beside ``out`` and renamed to
    ``out`` (or ``out.zip``) only when complete: a failed export (a database
    error, a format that cannot hold the data) leaves nothing behind, never a
    folder without its manifest or a truncated file.
    """
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty")
    final = out.with_name(out.name + ".zip") if fmt == "zip" else out
    if fmt == "zip" and final.exists():
        raise FileExistsError(f"{final} exists")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        counts = _write_folder(session, campaign, work, fmt)
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


def _write_folder(session: Session, campaign: Campaign, out: Path, fmt: str) -> dict[str, int]:
    counts = {
        "participants": _write_csv(out / "participants.csv", PARTICIPANT_COLUMNS,
                                   _participant_rows(session, campaign)),
        "answers": _write_csv(out / "answers.csv", ANSWER_COLUMNS,
                              _answer_rows(session, campaign)),
        "pages": _write_csv(out / "pages.csv", PAGE_COLUMNS, _page_rows(session, campaign)),
    }  # fmt: skip
    (out / "codebook.json").write_text(
        json.dumps(campaign.codebook, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    files = ["participants.csv", "answers.csv", "pages.csv", "codebook.json"]
    if fmt not in ("csv", "zip"):
        # pandas and pyreadstat take seconds to import; only these formats need them.
        from app.export.formats import write_other_format

        files += write_other_format(out, fmt, campaign.codebook)
    (out / "manifest.json").write_text(
        json.dumps(manifest(campaign, counts, files), ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    return counts
