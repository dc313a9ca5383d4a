"""Fielding records: invite codes, quota counters and the claims on them.

The *design* of a study (access mode, quotas, screening, codes) lives on the
campaign as plain data (see app.campaigns.design). These tables hold what
fielding it produces and what the database must guard:

- ``Invite``: one single-use code, stored only as its SHA-256; a conditional
  UPDATE binds it to the one participant it started.
- ``Quota``: one counter row per quota of an open campaign. ``used`` counts
  held and completed places; the CHECK ``used <= cap`` makes over-filling
  impossible even for a faulty caller, and the claim is a conditional UPDATE
  (``used = used + 1 WHERE used < cap``) in the transaction that saves the
  page, so concurrent claims queue on the row and exactly ``cap`` succeed.
- ``QuotaClaim``: which participant holds (or filled) which place, so a
  place can be released when its holder drops out.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow

__all__ = ["Invite", "Quota", "QuotaClaim"]


class Invite(Base):
    """A single-use invitation code of an ``invite`` campaign."""

    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of the normalised code; the code itself is only in the CSV handed out.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when the code started a participant; never cleared.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The participant the code started (unique: a code starts one participant only).
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"), unique=True
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def state(self) -> str:
        if self.used_at is not None:
            return "used"
        return "revoked" if self.revoked_at is not None else "unused"


class Quota(Base):
    """Counter of one quota of an open campaign (made when the campaign opens)."""

    __tablename__ = "quota"
    __table_args__ = (
        UniqueConstraint("campaign_id", "name"),
        CheckConstraint("used >= 0 AND used <= cap", name="within_cap"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    cap: Mapped[int]
    #: Who falls under the quota: {item id or "arm": option id or arm id}, all must match.
    conditions: Mapped[dict] = mapped_column(JSON)
    #: Places held or filled (QuotaClaim rows of this quota).
    used: Mapped[int] = mapped_column(default=0)
    #: When the last free place was last taken (the quota was full): places
    #: free after that are "free again" and the panel needs more places.
    full_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuotaClaim(Base):
    """A participant's place in a quota: held while they take part, then completed."""

    __tablename__ = "quota_claim"
    __table_args__ = (
        UniqueConstraint("quota_id", "participant_id"),
        CheckConstraint("state IN ('held', 'completed')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quota_id: Mapped[int] = mapped_column(ForeignKey("quota.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default="held")
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
