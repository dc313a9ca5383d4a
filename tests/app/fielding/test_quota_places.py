"""Quota places as completed / held / free, and places free again after a full quota (issue 19)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.models import Campaign, Participant, Quota, utcnow
from app.monitor import figures
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
YOUNG = {"about": {"q_age_band": "under_30"}}
DESIGN = {"quotas": [{"name": "young", "cap": 3, "conditions": {"age_band": "under_30"}}],
          "abandon_after_minutes": 30}


def _row(app):
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        [row] = figures.quotas(db.session, campaign)
        return row


def test_places_are_completed_held_and_free(app, make_campaign):
    make_campaign(design=DESIGN)
    Bot(app.test_client(), "town", SURVEY, overrides=YOUNG).walk()  # completes
    holder = Bot(app.test_client(), "town", SURVEY, overrides=YOUNG)
    holder.start()
    holder.submit_current()  # past the about-you page: holds a place
    row = _row(app)
    assert (row.completed, row.held, row.free, row.cap) == (1, 1, 1, 3)
    assert row.free_again == 0  # never full


def test_places_freed_after_the_quota_was_full_are_announced(app, runner, make_campaign):
    make_campaign(design=DESIGN)
    Bot(app.test_client(), "town", SURVEY, overrides=YOUNG).walk()
    holders = [Bot(app.test_client(), "town", SURVEY, overrides=YOUNG) for _ in range(2)]
    for bot in holders:
        bot.start()
        bot.submit_current()
    assert _row(app).free == 0  # full
    with app.app_context():  # both holders go quiet past abandon_after_minutes
        db.session.execute(update(Participant).where(Participant.status == "started")
                           .values(last_seen_at=utcnow() - timedelta(hours=2)))
        db.session.commit()
    holders[0].get("withdraw")  # one withdraws: their place is free again
    holders[0].post("/c/town/withdraw", {})
    row = _row(app)
    assert (row.completed, row.held, row.free, row.free_again) == (1, 1, 1, 1)
    result = runner.invoke(args=["monitor", "town"])
    assert "quota\tyoung\t2/3\tcompleted 1\theld 1\tfree 1" in result.output
    assert "1 places are free again: add places on the panel" in result.output


def test_the_monitor_page_shows_the_split_and_the_message(app, client, make_campaign, make_user,
                                                          login):
    make_campaign(design=DESIGN)
    with app.app_context():
        db.session.execute(update(Quota).values(used=1, full_at=utcnow()))
        db.session.commit()
    make_user()
    login(client)
    html = client.get("/admin/campaign/town/monitor").get_data(as_text=True)
    assert "<th scope=\"col\">Held</th>" in html
    assert "Quota young: 2 places are free again: add places on the panel." in html
