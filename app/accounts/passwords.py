"""Password hashing with argon2id (argon2-cffi), and moving old hashes over.

Parameters come from the ``PARLEY_ARGON2`` setting (``time_cost``,
``memory_cost`` in KiB, ``parallelism``); argon2-cffi's defaults (RFC 9106's
low-memory profile) otherwise. A hash made with other parameters, or a
werkzeug hash (``scrypt:``/``pbkdf2:``) from before argon2, still verifies,
and :func:`verify_password` then hands back a new hash for the caller to store.
"""

from __future__ import annotations

import contextlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from werkzeug.security import check_password_hash

__all__ = ["hash_password", "verify_password", "spend_like_a_check", "UNUSABLE"]

#: Stored for an account whose owner has not set a password yet (invited):
#: no password ever matches it.
UNUSABLE = "!"


def _hasher() -> PasswordHasher:
    params = current_app.config.get("PARLEY_ARGON2") if has_app_context() else None
    return PasswordHasher(**(params or {}))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


#: A hash of a random password per argon2 setting, checked against for an
#: unknown account or one without a password, so that a sign-in takes as
#: long whether or not the account exists (no timing oracle for emails).
_DUMMY: dict[tuple, str] = {}


def spend_like_a_check(password: str) -> None:
    """Do the work of one password check, for an account that does not exist."""
    hasher = _hasher()
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _DUMMY:
        _DUMMY[key] = hasher.hash(secrets.token_urlsafe(16))
    with contextlib.suppress(VerificationError, InvalidHashError):
        hasher.verify(_DUMMY[key], password)


def verify_password(stored: str, password: str) -> tuple[bool, str | None]:
    """(matches, new hash to store or None).

    The new hash is given when the stored one is not argon2 with the current
    parameters, so every account moves to the current setting on its next
    sign-in without anyone resetting passwords.
    """
    if not stored or stored == UNUSABLE:
        spend_like_a_check(password)
        return False, None
    hasher = _hasher()
    if stored.startswith("$argon2"):
        try:
            hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False, None
        return True, hasher.hash(password) if hasher.check_needs_rehash(stored) else None
    if check_password_hash(stored, password):  # werkzeug hash from before argon2
        return True, hasher.hash(password)
    return False, None
