"""Account operations: create, invite, sign in, change role, deactivate, reset, membership.

Plain functions on a session; each records itself in the audit trail and
leaves the commit to the caller, so a change and its record land together.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.accounts.passwords import UNUSABLE, hash_password, verify_password
from app.audit import record_audit
from app.models import ROLES, AccountToken, Campaign, CampaignMember, User, utcnow
from app.models.user import new_session_token

__all__ = [
    "AccountError", "create_user", "find_user", "authenticate", "issue_link", "use_link",
    "link_user", "set_role", "set_active", "add_member", "remove_member", "MIN_PASSWORD",
    "end_sessions",
]

#: Shortest password accepted (NIST SP 800-63B asks for at least 8).
MIN_PASSWORD = 10


class AccountError(ValueError):
    """An account operation was refused; the message says why."""


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")


def create_user(session: Session, email: str, role: str, password: str | None = None) -> User:
    """A new account; without ``password`` it cannot sign in until a link sets one."""
    email = email.strip().lower()
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if "@" not in email or len(email) > 254:
        raise AccountError("give an email address")
    if find_user(session, email) is not None:
        raise AccountError(f"{email} exists already")
    if password is not None:
        check_password_rules(password)
    user = User(email=email, role=role,
                password_hash=hash_password(password) if password else UNUSABLE)
    session.add(user)
    session.flush()
    record_audit(session, "account.create", detail=f"{email} as {role}")
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active account with this email and password, or None (recorded either way).

    On success a hash made with old parameters (or an old algorithm) is
    replaced by a current argon2id hash.
    """
    user = find_user(session, email)
    # An unknown email costs a password check too (against a dummy hash), so
    # the time of a refusal does not say whether the account exists.
    ok, new_hash = verify_password(user.password_hash if user else "", password)
    if not ok or not user.active:
        record_audit(session, "account.login_failed", actor=email.strip()[:254] or "(empty)",
                     detail="inactive account" if ok else None)
        return None
    if new_hash:
        user.password_hash = new_hash
    return user


def issue_link(session: Session, user: User, purpose: str, hours: int) -> str:
    """A one-time token for a set-password link, valid ``hours``; earlier links stop working."""
    session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    token = secrets.token_urlsafe(32)
    session.add(AccountToken(user_id=user.id, token_hash=_hash_token(token), purpose=purpose,
                             expires_at=utcnow() + timedelta(hours=hours)))
    record_audit(session, f"account.{purpose}", detail=f"link for {user.email}, valid {hours} h")
    return token


def link_user(session: Session, token: str) -> User | None:
    """The account a still-valid link belongs to (for showing the form), or None."""
    row = session.scalar(select(AccountToken).where(AccountToken.token_hash == _hash_token(token)))
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return session.get(User, row.user_id)


def use_link(session: Session, token: str, password: str) -> User:
    """Set the password through a link, once: a conditional UPDATE claims the link."""
    check_password_rules(password)
    now = utcnow()
    claimed = session.execute(
        update(AccountToken)
        .where(AccountToken.token_hash == _hash_token(token), AccountToken.used_at.is_(None),
               AccountToken.expires_at > now)
        .values(used_at=now)
        .returning(AccountToken.user_id)
    ).scalar_one_or_none()
    if claimed is None:
        raise AccountError("this link has expired or was used already; ask an owner for a new one")
    user = session.get(User, claimed)
    user.password_hash = hash_password(password)
    end_sessions(user)
    record_audit(session, "account.password_set", actor=user.email, detail="through a link")
    return user


def end_sessions(user: User) -> None:
    """Every open session of ``user`` ends (their cookies name the old token)."""
    user.session_token = new_session_token()


def set_role(session: Session, user: User, role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    _keep_an_owner(session, user, role=role)
    previous, user.role = user.role, role
    end_sessions(user)
    record_audit(session, "account.role", detail=f"{user.email}: {previous} -> {role}")


def set_active(session: Session, user: User, active: bool) -> None:
    if not active:
        _keep_an_owner(session, user, active=False)
    user.active = active
    end_sessions(user)
    record_audit(session, "account.activate" if active else "account.deactivate",
                 detail=user.email)


def _keep_an_owner(session: Session, user: User, role: str = "owner", active: bool = True):
    """Refuse the change that would leave no active owner to manage accounts."""
    if user.role != "owner" or (role == "owner" and active):
        return
    others = session.scalar(
        select(User.id).where(User.role == "owner", User.active.is_(True), User.id != user.id)
        .limit(1)
    )
    if others is None:
        raise AccountError("this is the last active owner; make another owner first")


def add_member(session: Session, campaign: Campaign, user: User) -> bool:
    """Make ``user`` a member of ``campaign``; False if they were one already."""
    key = {"campaign_id": campaign.id, "user_id": user.id}
    if session.get(CampaignMember, key) is not None:
        return False
    session.add(CampaignMember(**key))
    record_audit(session, "campaign.member_add", campaign=campaign, detail=user.email)
    return True


def remove_member(session: Session, campaign: Campaign, user: User) -> bool:
    row = session.get(CampaignMember, {"campaign_id": campaign.id, "user_id": user.id})
    if row is None:
        return False
    session.delete(row)
    record_audit(session, "campaign.member_remove", campaign=campaign, detail=user.email)
    return True
