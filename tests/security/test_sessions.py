"""A copied session cookie is dead once its account signs out or changes.

The session cookie is signed, not stored: what ends a session on the server
is the account's session token (``User.session_token``), which the cookie
names. Signing out, a password set through a link or by the console, a role
change and a deactivation give the account a new token, so every copy of
every older cookie (another tab, another device, a stolen one) stops
working at its next request.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts.operations import set_active, set_role
from app.extensions import db
from app.models import User

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _with_cookie(app, value: str):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def _sign_out(client) -> None:
    token = CSRF.search(client.get("/admin/").get_data(as_text=True)).group(1)
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302


def test_a_copied_cookie_does_not_sign_in_after_sign_out(app, client, make_user, login):
    make_user()
    login(client)
    copied = _cookie(client)
    assert _with_cookie(app, copied).get("/admin/").status_code == 200  # the copy works now
    _sign_out(client)
    replay = _with_cookie(app, copied)
    response = replay.get("/admin/")
    assert response.status_code == 302 and "/admin/login" in response.location
    assert replay.get("/admin/accounts").status_code == 302


def test_sign_out_ends_the_sessions_of_the_account_on_other_devices(app, client, make_user, login):
    make_user()
    login(client)
    laptop = app.test_client()
    login(laptop)
    _sign_out(client)
    assert laptop.get("/admin/").status_code == 302


def test_signing_in_again_after_sign_out_works(app, client, make_user, login):
    make_user()
    login(client)
    _sign_out(client)
    login(client)
    assert client.get("/admin/").status_code == 200


def test_a_role_change_or_deactivation_ends_a_copied_session(app, client, make_user, login):
    make_user()
    make_user(email="ana@example.org", role="manager")
    login(client, email="ana@example.org")
    copied = _cookie(client)
    with app.app_context():
        set_role(db.session, db.session.scalar(select(User).where(User.role == "manager")),
                 "analyst")
        db.session.commit()
    assert _with_cookie(app, copied).get("/admin/").status_code == 302
    login(client, email="ana@example.org")
    copied = _cookie(client)
    with app.app_context():
        set_active(db.session, db.session.scalar(select(User).where(User.role == "analyst")),
                   False)
        db.session.commit()
    assert _with_cookie(app, copied).get("/admin/").status_code == 302


def test_a_password_reset_from_the_console_ends_a_copied_session(app, client, runner, make_user, login):
    make_user()
    login(client)
    copied = _cookie(client)
    result = runner.invoke(args=["user", "reset-password", "admin@example.org"])
    assert result.exit_code == 0, result.output
    assert _with_cookie(app, copied).get("/admin/").status_code == 302
