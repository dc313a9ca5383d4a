"""The monitor's "arrived" counts first arrivals only (issue 19, smaller)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Arrival
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
PID = "5f1a2b3c4d5e6f7a8b9c0d1e"


def _arrivals(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.coalesce(func.sum(Arrival.visits), 0)))


def test_reloading_the_landing_page_is_one_arrival(app, make_campaign):
    make_campaign()
    browser = app.test_client()
    for _ in range(3):
        assert browser.get("/c/town/").status_code == 200
    assert _arrivals(app) == 1
    app.test_client().get("/c/town/")  # someone else
    assert _arrivals(app) == 2


def test_a_panel_id_coming_back_is_no_new_arrival(app, make_campaign):
    make_campaign(design={"access": "prolific", "completion": {"completed": {"code": "C1"}}})
    Bot(app.test_client(), "town", SURVEY).start(query=f"PROLIFIC_PID={PID}")
    assert _arrivals(app) == 1
    app.test_client().get(f"/c/town/?PROLIFIC_PID={PID}")  # the same person, another device
    assert _arrivals(app) == 1


def test_the_team_looking_at_the_link_is_no_arrival(app, client, make_campaign, make_user, login):
    make_campaign()
    make_user()
    login(client)
    client.get("/c/town/")
    assert _arrivals(app) == 0
