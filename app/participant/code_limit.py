"""The rate limit on guessing participant codes: invite codes and follow-up codes.

Like the resume form (``PARLEY_RESUME_LIMIT``), the pages that take an
invite code (the landing page and the start form) or a follow-up code (the
follow-up pages) are limited per address by ``PARLEY_CODE_LIMIT``, one limit
shared by all of them. Only requests that carry a code and are refused for
it (400, 403, 404, 409) count, so a class behind one address opening their
valid links is not slowed, while guessing stops after a few tries; once the
limit is reached every request with a code from that address answers 429
until the window passes.
"""

from __future__ import annotations

from flask import current_app, request

from app.extensions import limiter

__all__ = ["code_limit", "REFUSED"]

#: Statuses of a request whose code was wrong, used, revoked or unknown.
REFUSED = frozenset({400, 403, 404, 409})


def _carries_no_code() -> bool:
    return not (request.values.get("invite") or request.form.get("code")
                or (request.view_args or {}).get("code"))


code_limit = limiter.shared_limit(
    lambda: current_app.config["PARLEY_CODE_LIMIT"],
    scope="participant-codes",
    exempt_when=_carries_no_code,
    deduct_when=lambda response: response.status_code in REFUSED,
)
