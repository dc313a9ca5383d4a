"""Sign-in takes as long for an unknown email as for a known one with a wrong password.

Before, an unknown account was refused without hashing (7 ms against
160 ms), so the time told which emails have accounts. Now an unknown email,
and an invited account without a password yet, are checked against a dummy
argon2 hash with the installation's parameters.
"""

from __future__ import annotations

import statistics
import time

import pytest
from argon2 import PasswordHasher

from app.accounts.operations import authenticate, create_user
from app.extensions import db


def test_every_refusal_costs_one_argon2_check(app, monkeypatch, make_user):
    make_user()
    with app.app_context():
        create_user(db.session, "invited@example.org", "analyst")  # no password yet
        db.session.commit()
    checks = []
    original = PasswordHasher.verify

    def counting(self, hash_, password):
        checks.append(hash_)
        return original(self, hash_, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    with app.app_context():
        for email in ("admin@example.org", "nobody@example.org", "invited@example.org"):
            checks.clear()
            assert authenticate(db.session, email, "wrong password!") is None
            assert len(checks) == 1, email
        db.session.rollback()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sign_in_time_does_not_say_whether_an_account_exists(app, client, make_user, login):
    app.config["PARLEY_ARGON2"] = {}  # the production parameters (argon2-cffi's defaults)
    make_user()

    def took(email: str) -> float:
        started = time.perf_counter()
        response = login(client, email=email, password="not the password")
        assert response.status_code == 400
        return time.perf_counter() - started

    took("nobody@example.org")  # the dummy hash is made once per process
    # Four of each, interleaved (nine sign-ins stay under the limit of ten a minute).
    known, unknown = [], []
    for _ in range(4):
        known.append(took("admin@example.org"))
        unknown.append(took("nobody@example.org"))
    known, unknown = statistics.median(known), statistics.median(unknown)
    assert 0.5 < unknown / known < 2, f"known {known * 1000:.0f} ms, unknown {unknown * 1000:.0f} ms"
