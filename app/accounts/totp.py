"""Time-based one-time passwords (RFC 6238) with pyotp, each code accepted once.

A code is accepted for the current 30-second step and one step either side
(clock drift), and only for a step later than the last accepted one, so a
code seen over someone's shoulder cannot be used again. "Once" holds under
concurrency too: the step is claimed with a conditional UPDATE (as the
participant pages claim their steps), so of several requests carrying the
same code at the same moment exactly one signs in.
"""

from __future__ import annotations

import hmac
import time

import pyotp
from sqlalchemy import or_, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.models import User

__all__ = ["new_secret", "provisioning_uri", "check_code"]


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str, issuer: str = "Parley") -> str:
    """The otpauth:// URI an authenticator app takes (typed or pasted)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def check_code(secret: str, code: str, last_step: int | None, now: float | None = None
               ) -> int | None:
    """The accepted time step, or None. The caller stores it as the new last step."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(_utc(now))
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _utc(now: float | None):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(time.time() if now is None else now, UTC)


def accept(session: Session, user: User, code: str) -> bool:
    """Check ``code`` for ``user`` and claim its time step; True for the one request that does.

    The claim is ``UPDATE ... SET totp_last_step = step WHERE totp_last_step
    IS NULL OR totp_last_step < step``: a concurrent request with the same
    code finds the step taken (PostgreSQL re-checks the condition after the
    first writer commits; SQLite serialises writers) and is refused.
    """
    if not user.totp_secret:
        return False
    step = check_code(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    claimed = session.execute(
        update(User)
        .where(User.id == user.id,
               or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return False
    set_committed_value(user, "totp_last_step", step)  # written already, not again at commit
    return True
