"""Accounts, their campaign memberships and their one-time set-password links."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow

__all__ = ["User", "CampaignMember", "AccountToken", "ROLES", "TOKEN_PURPOSES"]

#: owner: everything, manages accounts; manager: runs the campaigns they belong
#: to; analyst: reads monitors, exports and reports of their campaigns;
#: moderator: sees only the exchange's moderation queue of their campaigns.
ROLES = ("owner", "manager", "analyst", "moderator")
#: What a one-time account link is for.
TOKEN_PURPOSES = ("invite", "reset")


def new_session_token() -> str:
    return secrets.token_hex(16)


class User(UserMixin, Base):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("role IN ('owner', 'manager', 'analyst', 'moderator')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: argon2id hash (made and checked by app.accounts.passwords); older werkzeug
    #: hashes are replaced on the next successful sign-in. "!" for "no password yet".
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="analyst")
    #: A deactivated account cannot sign in and its open sessions end.
    active: Mapped[bool] = mapped_column(default=True)
    #: What the session cookie names instead of the id: a new value (on password
    #: reset, role change, deactivation) ends every open session of the account.
    session_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_session_token)
    #: Base32 TOTP secret once the second factor is set up, else null.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: Last accepted TOTP time step, so one code cannot be used twice.
    totp_last_step: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active



class CampaignMember(Base):
    """A manager or analyst may see and act on this campaign (owners see all)."""

    __tablename__ = "campaign_member"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccountToken(Base):
    """A one-time, expiring link to set a password (invitation or reset).

    Only the SHA-256 of the token is stored; the token itself is in the link.
    """

    __tablename__ = "account_token"
    __table_args__ = (
        CheckConstraint("purpose IN ('invite', 'reset')", name="purpose"),
        Index("ix_account_token_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Set when the link is used; a used link never works again.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
