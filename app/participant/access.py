"""Who may start: the access mode's check at the door, before any participant exists.

``admission(session, campaign, values)`` reads the request's arguments (the
link) or the start form's hidden fields and says whether a new participant
may start, and with which invite code or panel id, or which page explains
why not. Nothing here writes: the invite is bound, and the panel id's hash
stored, by ``starting.start`` in the transaction that creates the
participant.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.campaigns.design import panel_settings
from app.campaigns.invites import find_invite
from app.campaigns.panel import hash_external_id, is_mturk_preview, panel_id_from
from app.models import Campaign, Participant

__all__ = ["Admission", "admission", "target_reached", "INVITE_PARAM"]

#: Query parameter (and hidden form field) of a personal invite link.
INVITE_PARAM = "invite"


@dataclass(frozen=True)
class Admission:
    #: None if a participant may start (or continue); else the reason, one of
    #: invite_missing, invite_invalid, invite_revoked, invite_used,
    #: panel_id_missing, mturk_preview, withdrawn.
    problem: str | None = None
    invite_code: str | None = None
    external_id: str | None = None
    external_id_hash: str | None = None
    #: The participant this panel id started before (they continue).
    returning: Participant | None = None
    #: Hidden fields the start form must carry to keep this admission.
    carry: tuple[tuple[str, str], ...] = ()


def admission(session: Session, campaign: Campaign, values) -> Admission:
    """Check the link's invite code or panel id against the campaign's access mode."""
    if campaign.access == "invite":
        code = (values.get(INVITE_PARAM) or "").strip()
        if not code:
            return Admission("invite_missing")
        invite = find_invite(session, campaign, code)
        if invite is None:
            return Admission("invite_invalid")
        if invite.used_at is not None:
            return Admission("invite_used")
        if invite.revoked_at is not None:
            return Admission("invite_revoked")
        return Admission(invite_code=code, carry=((INVITE_PARAM, code),))
    settings = panel_settings(campaign)
    if settings is None:
        return Admission()
    if is_mturk_preview(campaign, values):
        return Admission("mturk_preview")
    external_id = panel_id_from(campaign, values)
    if external_id is None:
        return Admission("panel_id_missing")
    digest = hash_external_id(campaign, external_id)
    returning = session.scalar(
        select(Participant).where(Participant.campaign_id == campaign.id,
                                  Participant.external_id_hash == digest)
    )
    if returning is not None and returning.status == "withdrawn":
        return Admission("withdrawn")
    carry = [(settings.id_param, external_id)]
    carry += [(p, values[p][:128]) for p in settings.extra_params if values.get(p)]
    return Admission(external_id=external_id, external_id_hash=digest, returning=returning,
                     carry=tuple(carry))


def target_reached(session: Session, campaign: Campaign) -> bool:
    """True once the campaign has its ``target_n`` completed participants."""
    if not campaign.target_n:
        return False
    done = session.scalar(
        select(func.count()).select_from(Participant)
        .where(Participant.campaign_id == campaign.id, Participant.status == "completed",
               Participant.is_test.is_(False))
    )
    return done >= campaign.target_n
