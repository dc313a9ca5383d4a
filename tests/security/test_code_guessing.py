"""Invite and follow-up codes cannot be guessed at speed, and a guess is no arrival.

A probe tried 10,700 invite codes a minute from one address, and every
landing view counted as an arrival on the monitor. Refused codes now count
against ``PARLEY_CODE_LIMIT`` (20 a minute per address, shared by the
invite and follow-up pages), valid ones do not, and a refused invite code
is not an arrival.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.campaigns.invites import create_invites
from app.extensions import db
from app.models import Arrival, Campaign
from surveys import EXAMPLE, load_survey
from tests.app.participant.test_followup import complete, links, run
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
LIMIT = 20  # PARLEY_CODE_LIMIT: 20 per minute


def _arrivals(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.coalesce(func.sum(Arrival.visits), 0)))


def test_guessing_invite_codes_is_limited_and_counts_no_arrivals(app, make_campaign):
    make_campaign(design={"access": "invite"})
    with app.app_context():
        codes = create_invites(db.session, db.session.scalar(select(Campaign)), 2, "test")
        db.session.commit()
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    statuses = [guesser.get(f"/c/town/?invite=AAAA-BBBB-{i:04d}").status_code
                for i in range(LIMIT + 5)]
    assert statuses[:LIMIT] == [400] * LIMIT and set(statuses[LIMIT:]) == {429}
    # Even a right code waits now, from that address; elsewhere it works.
    assert guesser.get(f"/c/town/?invite={codes[0]}").status_code == 429
    assert _arrivals(app) == 0
    assert "Thank you" in Bot(app.test_client(), "town", SURVEY).walk(query=f"invite={codes[0]}")
    assert _arrivals(app) == 1


def test_valid_invite_codes_from_one_address_are_not_limited(app, make_campaign):
    make_campaign(design={"access": "invite"})
    with app.app_context():
        codes = create_invites(db.session, db.session.scalar(select(Campaign)), LIMIT + 5, "test")
        db.session.commit()
    classroom = app.test_client()  # one address, many pupils
    assert {classroom.get(f"/c/town/?invite={c}").status_code for c in codes} == {200}


def test_guessing_followup_codes_is_limited(app, runner, make_campaign, tmp_path):
    make_campaign(design={"completion": {"followup": {"code": "FU-OK"}}})
    complete(app, 1)
    link = links(runner, tmp_path)[0]["link"]
    assert run(runner, "followup", "open", "town").exit_code == 0
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "203.0.113.8"
    statuses = [guesser.get(f"/c/town/followup/ZZZZ-ZZZZ-{i:04d}").status_code
                for i in range(LIMIT + 3)]
    assert statuses[:LIMIT] == [404] * LIMIT and set(statuses[LIMIT:]) == {429}
    assert app.test_client().get("/c/town/" + link.split("/c/town/", 1)[1]).status_code == 200
