"""A second-factor code signs in once, also when several requests race with it.

The concurrent test holds every request between checking the code and
claiming its time step (a barrier around ``check_code``), so all of them
have read the same last step before any writes: the widest race there is.
Only the conditional UPDATE decides, and exactly one request signs in.
"""

from __future__ import annotations

import contextlib
import re
import threading

import pyotp
from sqlalchemy import select

from app.accounts import totp
from app.extensions import db
from app.models import AuditEvent, User
from tests.conftest import sign_in

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RACERS = 4


def _owner_with_second_factor(app, make_user) -> str:
    make_user()
    secret = pyotp.random_base32()
    with app.app_context():
        user = db.session.scalar(select(User))
        user.totp_secret = secret
        db.session.commit()
    return secret


def _waiting_for_code(app, address: str):
    """A browser whose password was right and that now stands at the code page."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    response = sign_in(client)
    assert response.status_code == 302 and response.location.endswith("/admin/login/code")
    token = CSRF.search(client.get("/admin/login/code").get_data(as_text=True)).group(1)
    return client, token


def test_one_code_sent_by_several_browsers_at_once_signs_in_once(app, monkeypatch, make_user):
    secret = _owner_with_second_factor(app, make_user)
    browsers = [_waiting_for_code(app, f"192.0.2.{10 + i}") for i in range(RACERS)]
    barrier = threading.Barrier(RACERS)
    original = totp.check_code

    def check_then_wait(*args, **kwargs):
        step = original(*args, **kwargs)
        # SQLite serialises the writers, so there the barrier times out and breaks.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=3)
        return step

    monkeypatch.setattr(totp, "check_code", check_then_wait)
    code = pyotp.TOTP(secret).now()
    statuses: list[int] = []

    def send(client, token):
        response = client.post("/admin/login/code", data={"csrf_token": token, "code": code})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [302] + [400] * (RACERS - 1)
    assert sum(client.get("/admin/").status_code == 200 for client, _ in browsers) == 1
    with app.app_context():
        logins = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "account.login")
        ).all()
    assert len(logins) == 1


def test_wrong_codes_lock_the_account_from_every_address(app, make_user):
    secret = _owner_with_second_factor(app, make_user)
    for i in range(5):  # PARLEY_TOTP_ACCOUNT_LIMIT: 5 per 15 minutes, each from a new address
        client, token = _waiting_for_code(app, f"198.51.100.{i + 1}")
        response = client.post("/admin/login/code", data={"csrf_token": token, "code": "000000"
                               if pyotp.TOTP(secret).now() != "000000" else "111111"})
        assert response.status_code == 400
    client, token = _waiting_for_code(app, "203.0.113.9")
    right = pyotp.TOTP(secret).now()
    response = client.post("/admin/login/code", data={"csrf_token": token, "code": right})
    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302


def test_right_codes_do_not_count_towards_the_lockout(app, make_user):
    secret = _owner_with_second_factor(app, make_user)
    for i in range(7):
        client, token = _waiting_for_code(app, f"198.51.100.{i + 1}")
        with app.app_context():  # a fresh step each time, as a real clock would give
            user = db.session.scalar(select(User))
            user.totp_last_step = None
            db.session.commit()
        response = client.post("/admin/login/code",
                               data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
        assert response.status_code == 302, i
