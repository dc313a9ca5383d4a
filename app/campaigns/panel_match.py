"""Join a panel's own submissions file with each participant's outcome (issue 19).

To approve submissions and pay bonuses, a lab has the panel's export (Prolific's
submissions CSV, an MTurk batch file, ...) and needs Parley's view of each
person. Parley never stored the panel ids, only their keyed hashes, so each id
in the file is hashed with the campaign's key (app.campaigns.panel) and
looked up; the file's rows come back, in their order and with all their
columns, joined with Parley's columns. Nothing is stored: the ids live in the
panel's file and in the output only.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import record_audit
from app.campaigns.design import outcome_code, panel_settings
from app.campaigns.panel import EXTERNAL_ID_RE, hash_external_id
from app.models import Campaign, Participant

__all__ = ["MATCH_COLUMNS", "ID_COLUMNS", "MatchFileError", "id_column_of", "match_submissions",
           "write_match", "decode_submissions"]

#: Columns added to each of the panel's rows.
MATCH_COLUMNS = ("parley_found", "parley_status", "parley_outcome", "parley_completion_code",
                 "parley_followup", "parley_bonus")
#: Where panels put the participant's id, tried in this order after the campaign's
#: own id parameter (Prolific's export says "Participant id"; MTurk's "WorkerId").
ID_COLUMNS = ("Participant id", "participant_id", "PROLIFIC_PID", "WorkerId", "workerId")


class MatchFileError(ValueError):
    """The uploaded or given file is not a panel's CSV (its message says why); nothing changed."""


def id_column_of(campaign: Campaign, header: list[str], given: str | None = None,
                 hint: str = "name it with --id-column") -> str:
    """The column of ``header`` that holds the panel id; MatchFileError naming the candidates."""
    panel = panel_settings(campaign)
    candidates = [given] if given else [*([panel.id_param] if panel else []), *ID_COLUMNS]
    for name in candidates:
        if name in header:
            return name
    raise MatchFileError(f"no participant id column in the file (looked for "
                         f"{', '.join(candidates)}; {hint})")


def decode_submissions(data: bytes) -> str:
    """The text of an uploaded file, or MatchFileError saying what it is instead.

    Panels write UTF-8 CSV (Prolific with a byte-order mark); a spreadsheet or
    zip, or text in another encoding, is refused with what to do instead.
    """
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise MatchFileError("this is a spreadsheet or zip file, not a CSV file: "
                             "download the panel's export as CSV and upload that")
    if b"\x00" in data:
        raise MatchFileError("this is not a CSV file (it holds binary data)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MatchFileError("this file is not UTF-8 text: save it as CSV (UTF-8) "
                             "and upload it again") from None


def write_match(session: Session, campaign: Campaign, source: TextIO, target: TextIO,
                id_column: str | None = None, hint: str = "name it with --id-column",
                actor: str | None = None) -> tuple[int, int]:
    """Write the panel's CSV ``source`` joined with Parley's columns to ``target``.

    Returns (rows matched, rows). The one writer of ``parley panel match`` and
    the campaign page's download, so both give the same bytes for a file.
    Audited (how many rows and matches, never an id); the caller commits.
    Raises MatchFileError before writing anything when no id column is found,
    and while writing when the file stops being CSV (the caller discards
    what was written then).
    """
    reader = csv.DictReader(source)
    try:
        header = list(reader.fieldnames or [])
        column = id_column_of(campaign, header, id_column, hint)
        writer = csv.DictWriter(target, [*header, *MATCH_COLUMNS], extrasaction="ignore")
        writer.writeheader()
        found = total = 0
        for row in match_submissions(session, campaign, reader, column):
            writer.writerow(row)
            total += 1
            found += row["parley_found"] == "yes"
    except csv.Error as exc:
        raise MatchFileError(f"this is not a CSV file the panel wrote ({exc})") from None
    record_audit(session, "panel.match", campaign=campaign, actor=actor,
                 detail=f"{total} rows of a panel file, {found} matched a participant")
    return found, total


def match_submissions(session: Session, campaign: Campaign, rows: Iterable[dict],
                      id_column: str) -> Iterable[dict]:
    """Each row of the panel's file with :data:`MATCH_COLUMNS` added (nothing is written).

    ``parley_found`` is ``yes`` when the id started in this campaign, else ``no``;
    ``parley_followup`` is ``completed``, ``not completed`` (the wave is or was
    open) or empty; ``parley_bonus`` is empty: no survey computes a bonus yet.
    """
    has_followup = campaign.followup_status != "none"
    for row in rows:
        external_id = (row.get(id_column) or "").strip()
        participant = None
        if EXTERNAL_ID_RE.match(external_id):
            participant = session.scalar(
                select(Participant).where(
                    Participant.campaign_id == campaign.id,
                    Participant.external_id_hash == hash_external_id(campaign, external_id),
                )
            )
        yield {**row, **_columns(campaign, participant, has_followup)}


def _columns(campaign: Campaign, participant: Participant | None, has_followup: bool) -> dict:
    if participant is None:
        return dict.fromkeys(MATCH_COLUMNS, "") | {"parley_found": "no"}
    outcome = participant.outcome or ""
    followup = ""
    if has_followup and participant.status == "completed":
        followup = "completed" if participant.followup_completed_at else "not completed"
    return {
        "parley_found": "yes",
        "parley_status": participant.status,
        "parley_outcome": outcome,
        "parley_completion_code": (outcome_code(campaign, outcome) or "") if outcome else "",
        "parley_followup": followup,
        "parley_bonus": "",
    }
