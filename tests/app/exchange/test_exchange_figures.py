"""The monitor's exchange figures: statement flow, rejections by reason, ratings, coverage."""

from __future__ import annotations

from sqlalchemy import select

from app.campaigns.surveys import survey_for
from app.exchange import moderation
from app.exchange.figures import exchange_figures
from app.extensions import db
from app.models import Campaign, Participant, Rating, Statement
from tests.app.exchange.test_moderation import add_statements


def test_flow_reasons_ratings_and_coverage(app, client, exchange_campaign, make_campaign,
                                           make_user, login):
    exchange_campaign()
    ids = add_statements(app, "debate", [f"Statement number {k} about trees and the market."
                                         for k in range(5)])
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        moderation.decide(db.session, campaign, ids[0], "approve", None, None, role="owner")
        moderation.decide(db.session, campaign, ids[1], "reject", "spam", None, role="owner")
        moderation.decide(db.session, campaign, ids[2], "reject", "spam", None, role="owner")
        db.session.get(Statement, ids[3]).status = "withdrawn"
        raters = [Participant(public_id=f"r{k}", campaign_id=campaign.id, arm="trees_peers",
                              module_order="trees", language="en", step="thanks")
                  for k in range(41)]
        db.session.add_all(raters)
        db.session.flush()
        db.session.add_all(Rating(participant_id=r.id, statement_id=ids[0], fair=1, position=1)
                           for r in raters)
        db.session.add(Rating(participant_id=raters[0].id, statement_id=ids[4], skipped=True,
                              position=2))  # a skip is not a rating
        db.session.commit()
        f = exchange_figures(db.session, campaign, survey_for(campaign))
    assert (f.written, f.waiting, f.approved, f.withdrawn) == (5, 1, 1, 1)
    assert f.rejected == {"incivility": 0, "personal_data": 0, "off_topic": 0, "spam": 2,
                          "duplicate": 0, "not_argument": 0}
    assert f.pool == 1 + 2 * 2  # the approved statement and two seeds in English and German
    assert [(s[0], s[3]) for s in f.statements if s[0] == ids[0]] == [(ids[0], 41)]
    assert f.coverage == {40: 1, 80: 0}
    make_user("owner@example.org", role="owner")
    assert login(client, "owner@example.org").status_code == 302
    page = client.get("/admin/campaign/debate/monitor").get_data(as_text=True)
    assert "Argument exchange" in page and "Rejected statements by reason" in page
    make_campaign("plain")
    assert "Argument exchange" not in client.get("/admin/campaign/plain/monitor").get_data(
        as_text=True)
