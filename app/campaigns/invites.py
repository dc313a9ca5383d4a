"""Single-use invitation codes: create, revoke, list, and check one at the door.

A code is 16 characters of Crockford base32 (80 random bits, the same
alphabet as resume codes) shown in groups of four; only its SHA-256 is
stored. A personal link is ``<base>/c/<slug>/?invite=<code>``. The code
starts exactly one participant: the start transaction binds it with a
conditional UPDATE (``... WHERE participant_id IS NULL AND revoked_at IS
NULL``), and ``invite.participant_id`` is unique, so two tabs or two people
with the same link can never both start (app.participant.starting.start).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.audit import record_audit
from app.campaigns.design import CampaignError
from app.campaigns.tokens import hash_code, new_resume_code, normalise
from app.models import Campaign, Invite, utcnow

__all__ = ["create_invites", "revoke_invites", "list_invites", "find_invite", "invite_link",
           "invite_counts", "InviteRow", "MAX_INVITES_PER_CALL"]

MAX_INVITES_PER_CALL = 100_000


@dataclass(frozen=True)
class InviteRow:
    """One invite as an administrator sees it (never the code: only its hash is kept)."""

    id: int
    state: str  # "unused", "used" or "revoked"
    created_at: object
    used_at: object
    revoked_at: object


def invite_link(base_url: str, campaign: Campaign, code: str) -> str:
    return f"{base_url.rstrip('/')}/c/{campaign.slug}/?invite={normalise(code)}"


def create_invites(session: Session, campaign: Campaign, n: int, actor: str) -> list[str]:
    """Make ``n`` new codes for an invite campaign; returns the codes (shown once). No commit."""
    if campaign.access != "invite":
        raise CampaignError(f"campaign '{campaign.slug}' uses {campaign.access} access, "
                            f"not invite codes (parley campaign edit --access invite)")
    if campaign.status in ("closed", "archived"):
        raise CampaignError(f"campaign '{campaign.slug}' is {campaign.status}")
    if not 1 <= n <= MAX_INVITES_PER_CALL:
        raise CampaignError(f"make 1 to {MAX_INVITES_PER_CALL} codes at a time")
    codes = [new_resume_code() for _ in range(n)]
    session.add_all(Invite(campaign_id=campaign.id, code_hash=hash_code(c)) for c in codes)
    session.flush()
    record_audit(session, "invites.create", campaign=campaign, detail=f"{n} codes", actor=actor)
    return codes


def revoke_invites(session: Session, campaign: Campaign, actor: str,
                   codes: list[str] | None = None,
                   ids: list[int] | None = None) -> int:
    """Revoke the given codes or invite ids (all unused ones when both are None).

    Returns how many were revoked. A used code stays used: its participant
    goes on. The ids are those of :func:`list_invites` (the browser's list
    and its CSV name each code's id, since only the code's hash is kept).
    No commit.
    """
    query = update(Invite).where(
        Invite.campaign_id == campaign.id, Invite.used_at.is_(None), Invite.revoked_at.is_(None)
    )
    if codes is not None:
        query = query.where(Invite.code_hash.in_([hash_code(c) for c in codes]))
    if ids is not None:
        query = query.where(Invite.id.in_(ids))
    count = session.execute(
        query.values(revoked_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    chosen = codes is not None or ids is not None
    detail = f"{count} codes" + ("" if chosen else " (all unused)")
    record_audit(session, "invites.revoke", campaign=campaign, detail=detail, actor=actor)
    return count


def list_invites(session: Session, campaign: Campaign) -> list[InviteRow]:
    rows = session.scalars(
        select(Invite).where(Invite.campaign_id == campaign.id).order_by(Invite.id)
    )
    return [InviteRow(i.id, i.state, i.created_at, i.used_at, i.revoked_at) for i in rows]


def invite_counts(session: Session, campaign: Campaign) -> dict[str, int]:
    """How many codes are unused, used and revoked."""
    used = Invite.used_at.is_not(None)
    revoked = Invite.revoked_at.is_not(None) & Invite.used_at.is_(None)
    row = session.execute(
        select(func.count(), func.count().filter(used), func.count().filter(revoked))
        .select_from(Invite).where(Invite.campaign_id == campaign.id)
    ).one()
    return {"unused": row[0] - row[1] - row[2], "used": row[1], "revoked": row[2]}


def find_invite(session: Session, campaign: Campaign, code: str) -> Invite | None:
    """The invite of ``code`` in ``campaign``, or None for an unknown or mistyped code."""
    if not code or len(normalise(code)) != 16:
        return None
    return session.scalar(
        select(Invite).where(Invite.campaign_id == campaign.id,
                             Invite.code_hash == hash_code(code))
    )
