"""Starting a participant: a new journey, or the same one again for a returning panel id.

:func:`start` allocates the arm and module order (or leaves them to the gate),
binds an invite code and stores the participant in one transaction; the
unique keys decide races between simultaneous starts (see its docstring).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.campaigns.allocation import Allocation, allocate
from app.campaigns.tokens import hash_code, new_public_id, new_resume_code
from app.models import Campaign, Invite, Participant, utcnow
from app.participant.gate import allocates_at_gate
from app.participant.panel_resume import check_may_continue
from app.participant.steps import journey
from app.web.database import writing
from surveys import Survey

__all__ = ["Started", "start", "InviteUnavailableError", "find_by_external_id", "START_RETRIES"]

#: Attempts of a write that a concurrent one can make fail on a unique key (an
#: allocation slot taken, a step saved by another request).
START_RETRIES = 8


@dataclass(frozen=True)
class Started:
    participant: Participant
    resume_code: str
    #: True when a panel id that had started before came back: the same
    #: participant continues (with a new resume code; the old one stops working).
    continued: bool = False


class InviteUnavailableError(Exception):
    """The invite code is unknown, revoked or already used: nobody was started."""


def start(
    session: Session,
    campaign: Campaign,
    survey: Survey,
    language: str,
    *,
    invite_code: str | None = None,
    external_id_hash: str | None = None,
    panel_session: str | None = None,
    panel_ids: tuple[str | None, str | None] = (None, None),
) -> Started:
    """Create a participant (or continue the one of ``external_id_hash``); commits.

    Arm and module order are allocated here, except in a campaign with
    strata, screening rules or quotas, where they wait for the about-you
    answers (see :func:`submit_step`): nobody screened out or over quota is
    allocated. With ``invite_code`` the code is bound to the new
    participant in the same transaction, by a conditional UPDATE: a code
    that is unknown, revoked or used already raises InviteUnavailableError
    and nothing is stored. With ``external_id_hash`` (a panel id's keyed
    hash) a second start with the same id, even at the same moment, finds
    the first participant (the unique key on ``(campaign, external_id_hash)``
    decides the race) and continues it if ``panel_resume.may_continue`` lets it.

    Retries when a concurrent start took the same allocation slot (the
    unique key on ``(campaign, stratum, allocation_seq)`` says so).
    """
    for attempt in range(START_RETRIES):
        code = new_resume_code()
        try:
            with writing(session):
                if external_id_hash is not None:
                    existing = find_by_external_id(session, campaign, external_id_hash)
                    if existing is not None:
                        check_may_continue(session, existing, panel_session)
                        existing.resume_token_hash = hash_code(code)
                        return Started(existing, code, continued=True)
                if allocates_at_gate(campaign):
                    allocation = Allocation("", [], None)
                else:
                    allocation = allocate(session, campaign, survey)
                first = journey(survey, allocation.modules)[0]
                participant = Participant(
                    public_id=new_public_id(),
                    campaign_id=campaign.id,
                    arm=allocation.arm,
                    module_order="|".join(allocation.modules),
                    language=language,
                    step=first.key,
                    allocation_seq=allocation.seq,
                    replaces_id=allocation.replaces_id,
                    resume_token_hash=hash_code(code),
                    external_id_hash=external_id_hash,
                    panel_session_hash=panel_session,
                    panel_study_id=panel_ids[0], panel_session_id=panel_ids[1],
                )
                session.add(participant)
                session.flush()
                if invite_code is not None:
                    _bind_invite(session, campaign, invite_code, participant.id)
            return Started(participant, code)
        except IntegrityError:
            if attempt == START_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _bind_invite(session: Session, campaign: Campaign, code: str, participant_id: int) -> None:
    bound = session.execute(
        update(Invite)
        .where(Invite.campaign_id == campaign.id, Invite.code_hash == hash_code(code),
               Invite.participant_id.is_(None), Invite.used_at.is_(None),
               Invite.revoked_at.is_(None))
        .values(participant_id=participant_id, used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if bound != 1:
        raise InviteUnavailableError


def find_by_external_id(session: Session, campaign: Campaign, external_id_hash: str):
    return session.scalar(
        select(Participant).where(Participant.campaign_id == campaign.id,
                                  Participant.external_id_hash == external_id_hash)
    )
