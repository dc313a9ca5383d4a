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

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.campaigns.design import outcome_code, panel_settings
from app.campaigns.panel import EXTERNAL_ID_RE, hash_external_id
from app.models import Campaign, Participant

__all__ = ["MATCH_COLUMNS", "ID_COLUMNS", "id_column_of", "match_submissions"]

#: Columns added to each of the panel's rows.
MATCH_COLUMNS = ("parley_found", "parley_status", "parley_outcome", "parley_completion_code",
                 "parley_followup", "parley_bonus")
#: Where panels put the participant's id, tried in this order after the campaign's
#: own id parameter (Prolific's export says "Participant id"; MTurk's "WorkerId").
ID_COLUMNS = ("Participant id", "participant_id", "PROLIFIC_PID", "WorkerId", "workerId")


def id_column_of(campaign: Campaign, header: list[str], given: str | None = None) -> str:
    """The column of ``header`` that holds the panel id; ValueError naming the candidates."""
    panel = panel_settings(campaign)
    candidates = [given] if given else [*([panel.id_param] if panel else []), *ID_COLUMNS]
    for name in candidates:
        if name in header:
            return name
    raise ValueError(f"no participant id column in the file (looked for "
                     f"{', '.join(candidates)}; name it with --id-column)")


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
