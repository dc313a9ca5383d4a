"""Test participants of a campaign (previews): counted apart, deleted in one action.

A manager's preview starts in the journey (app.participant.preview); its
rows are ordinary participants with ``is_test`` set, which every reader of
real data leaves out. Deleting them is audited.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.audit import record_audit
from app.models import Campaign, Participant

__all__ = ["PREVIEW_STATUSES", "count_test_participants", "delete_test_participants"]

#: Campaign statuses in which a preview can be started.
PREVIEW_STATUSES = ("draft", "open", "paused")


def count_test_participants(session: Session, campaign: Campaign) -> int:
    return session.scalar(
        select(func.count()).select_from(Participant)
        .where(Participant.campaign_id == campaign.id, Participant.is_test.is_(True))
    )


def delete_test_participants(session: Session, campaign: Campaign, actor: str | None = None) -> int:
    """Delete every test participant of ``campaign`` with their answers; audited; commits.

    Returns how many were deleted. Answers and page visits go with them
    (foreign keys cascade); real participants are never touched.
    """
    n = count_test_participants(session, campaign)
    session.execute(
        delete(Participant)
        .where(Participant.campaign_id == campaign.id, Participant.is_test.is_(True))
        .execution_options(synchronize_session=False)
    )
    record_audit(session, "campaign.test_data_delete", campaign=campaign, actor=actor,
                 detail=f"{n} test participant(s)")
    session.commit()
    return n
