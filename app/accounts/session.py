"""Admin sessions end after a period without activity.

The signed session cookie carries the time of the last request; a request
after more than ``PARLEY_SESSION_IDLE_MINUTES`` signs the person out, even if
an old cookie is replayed (the check is on the server, not only the cookie's
expiry). Owners can be required to use a second factor
(``PARLEY_REQUIRE_TOTP_FOR_OWNERS``): until they set it up, every admin page
sends them to the set-up page.
"""

from __future__ import annotations

import time

from flask import Flask, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

__all__ = ["configure_sessions"]

#: Pages a signed-in owner without a required second factor may still open.
TOTP_SETUP_ALLOWED = {"accounts.totp_setup", "accounts.logout", "static"}


def configure_sessions(app: Flask) -> None:
    app.config.setdefault("PARLEY_SESSION_IDLE_MINUTES", 30)
    app.config.setdefault("PARLEY_REQUIRE_TOTP_FOR_OWNERS", False)

    @app.before_request
    def _expire_idle_sessions():
        if "_user_id" not in session:
            return None  # participants and anonymous visitors: nothing to do
        now = int(time.time())
        idle = app.config["PARLEY_SESSION_IDLE_MINUTES"] * 60
        seen = session.get("seen", now)
        if now - seen > idle:
            logout_user()
            session.pop("seen", None)
            flash("You were signed out after a period without activity. Please sign in again.",
                  "info")
            return redirect(url_for("accounts.login", next=request.path))
        session["seen"] = now
        if (
            app.config["PARLEY_REQUIRE_TOTP_FOR_OWNERS"]
            and current_user.is_authenticated
            and current_user.role == "owner"
            and not current_user.totp_secret
            and request.endpoint not in TOTP_SETUP_ALLOWED
        ):
            flash("This installation requires owners to use a second factor: set it up now.",
                  "info")
            return redirect(url_for("accounts.totp_setup"))
        return None
