"""Preview and test mode: a manager takes a campaign as a participant.

A test participant is an ordinary participant row with ``is_test`` set, so
the preview runs the real pages, steps and storage. What keeps test runs
out of the data is that every reader of real data leaves them out:
allocation (no slot in the seeded sequence, never counted or replaced),
the thanks-page results, the monitor figures, the export (unless
``include_test``) and the database export views. Test rows can be deleted
in one action, which the audit log records.
"""

from __future__ import annotations

import secrets

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.audit import record_audit
from app.campaigns.operations import CampaignError
from app.models import Campaign, Participant
from app.participant.allocation import module_order_for
from app.participant.operations import Started
from app.participant.steps import journey
from app.participant.tokens import hash_code, new_public_id, new_resume_code
from surveys import Survey

__all__ = ["PREVIEW_STATUSES", "start_test_participant", "delete_test_participants",
           "count_test_participants"]  # fmt: skip

#: Campaign statuses in which a preview can be started.
PREVIEW_STATUSES = ("draft", "open", "paused")


def start_test_participant(
    session: Session, campaign: Campaign, survey: Survey, *, arm: str, language: str, actor: str
) -> Started:
    """Create a test participant in ``arm`` speaking ``language``; audited; commits.

    The module order is one of the arm's counterbalanced orders, drawn at
    random (not from the campaign's sequence, which test runs never touch).
    """
    if campaign.status not in PREVIEW_STATUSES:
        raise CampaignError(f"a {campaign.status} campaign cannot be previewed")
    if arm not in {a.id for a in survey.arms}:
        raise CampaignError(f"the survey has no arm '{arm}'")
    if language not in campaign.languages:
        raise CampaignError(f"the campaign does not offer language '{language}'")
    modules = module_order_for(survey, secrets.token_hex(8), "test", arm, secrets.randbelow(720))
    code = new_resume_code()
    participant = Participant(
        public_id=new_public_id(),
        campaign_id=campaign.id,
        arm=arm,
        module_order="|".join(modules),
        language=language,
        step=journey(survey, modules)[0].key,
        allocation_seq=None,
        resume_token_hash=hash_code(code),
        is_test=True,
    )
    session.add(participant)
    session.flush()
    record_audit(session, "campaign.preview", campaign=campaign, actor=actor,
                 detail=f"test participant {participant.public_id}, arm {arm}, "
                        f"language {language}")  # fmt: skip
    session.commit()
    return Started(participant, code)


def count_test_participants(session: Session, campaign: Campaign) -> int:
    return session.scalar(
        select(func.count()).select_from(Participant)
        .where(Participant.campaign_id == campaign.id, Participant.is_test.is_(True))
    )  # fmt: skip


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
