"""The exchange step: cards dealt once, rated once each, never an unapproved or own statement.

Participants are forced into one arm with the campaign's arm ratios (0
leaves an arm out). The example survey's exchange has 3 cards, two English
seeds (one per proposal) and three placebo statements.
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from app.exchange.routing import Pool, draw, pool_for, shares
from app.extensions import db
from app.models import Campaign, Exposure, Pair, Participant, Rating, Statement, StatementReport
from tests.app.exchange.test_moderation import add_statements
from tests.bots import Bot
from tests.security.test_xss_corpus import PAYLOADS, ActiveMarkup

ARMS = ("trees", "market", "both", "control", "trees_peers", "trees_placebo")


def only(arm: str) -> dict:
    return {"design": {"arm_weights": {a: int(a == arm) for a in ARMS}}}


def to_first_card(client, survey, slug="debate", lang="en"):
    bot = Bot(client, slug, survey)
    bot.start(lang)
    while not (bot.current_page() or "").startswith("card:"):
        assert bot.current_action(), bot.html[:300]
        bot.submit_current()
    return bot


def rows(app, model, *columns):
    with app.app_context():
        return db.session.execute(select(*columns).order_by(model.id)).all()


def approve(app, ids):
    with app.app_context():
        for sid in ids:
            db.session.get(Statement, sid).status = "approved"
        db.session.commit()


def test_the_placebo_arm_rates_the_neutral_set_once_each(app, client, exchange_campaign,
                                                         exchange_survey):
    exchange_campaign(**only("trees_placebo"))
    bot = to_first_card(client, exchange_survey)
    assert "Statement 1 of 3" in bot.html and "Libraries that open on Sunday" in bot.html
    assert "About:" not in bot.html
    for n in (1, 2, 3):
        bot.submit(f"card:{n}", {"fair": ["yes", "somewhat", "skip"][n - 1], "agree": "agree"})
    assert bot.current_page() == "page:after"
    ratings = rows(app, Rating, Rating.position, Rating.fair, Rating.skipped, Rating.agree)
    assert [tuple(r) for r in ratings] == [(1, 1.0, False, "agree"), (2, 0.5, False, "agree"),
                                           (3, None, True, "agree")]
    exposures = rows(app, Exposure, Exposure.probability, Exposure.pool_version)
    assert [e.probability for e in exposures] == [1.0, 1.0, 1.0]
    assert exposures[0].pool_version.startswith("placebo:")
    with app.app_context():
        placebo = db.session.scalars(select(Statement.placebo).join(
            Exposure, Exposure.statement_id == Statement.id)).all()
        assert placebo == [True, True, True]


def test_a_card_is_saved_once_whatever_the_browser_does(app, client, exchange_campaign,
                                                        exchange_survey):
    exchange_campaign(**only("trees_placebo"))
    bot = to_first_card(client, exchange_survey)
    page = bot.html
    bot.submit("card:1", {"fair": "no"})
    bot.html = page  # back button: the same card, posted again
    bot.submit_current({"fair": "yes"})
    assert "already saved" in bot.html
    assert [r.fair for r in rows(app, Rating, Rating.fair)] == [0.0]
    assert len(rows(app, Exposure, Exposure.id)) == 3  # dealt once


def test_a_card_without_an_answer_is_refused_and_nothing_is_saved(app, client, exchange_campaign,
                                                                  exchange_survey):
    exchange_campaign(**only("trees_placebo"))
    bot = to_first_card(client, exchange_survey)
    response = bot.submit_current({"agree": "agree"})
    assert response.status_code == 400 and 'class="error-summary"' in bot.html
    assert "Choose Yes, Somewhat, No or Skip this one." in bot.html
    assert 'value="agree" checked' in bot.html  # what was chosen stays chosen
    response = bot.submit_current({"fair": "maybe"})
    assert response.status_code == 400
    assert rows(app, Rating, Rating.id) == [] and bot.current_page() == "card:1"


def test_peers_see_only_approved_statements_never_their_own(app, client, exchange_campaign,
                                                            exchange_survey):
    exchange_campaign(**only("trees_peers"))
    ids = add_statements(app, "debate", [
        "Pending: trees would make the square a place to stay, not only to cross quickly.",
        "Approved: a market every Saturday would bring farmers and customers to the centre.",
        "Rejected: this text was rejected by a moderator and must never be shown to anyone.",
    ])
    approve(app, [ids[1]])
    with app.app_context():
        db.session.get(Statement, ids[2]).status = "rejected"
        db.session.get(Statement, ids[2]).reason = "spam"
        db.session.commit()
    bot = to_first_card(client, exchange_survey)
    seen = []
    for n in (1, 2, 3):
        seen.append(bot.html)
        bot.submit(f"card:{n}")
    pages = "\n".join(seen)
    assert "Approved: a market" in pages and "Pending:" not in pages and "Rejected:" not in pages
    assert "About: " in pages
    with app.app_context():
        dealt = db.session.execute(select(Statement.status, Exposure.probability).join(
            Exposure, Exposure.statement_id == Statement.id)).all()
        assert {d.status for d in dealt} == {"approved"} and len(dealt) == 3
        assert sorted(d.probability for d in dealt) == [1.0, 1.0, 1.0]
        campaign = db.session.scalar(select(Campaign))
        author = db.session.scalar(select(Participant).where(
            Participant.id == select(Statement.participant_id).where(
                Statement.id == ids[1]).scalar_subquery()))
        from app.campaigns.surveys import survey_for
        pool = pool_for(db.session, campaign, survey_for(campaign), author, "exchange")
        assert ids[1] not in pool.statements and pool.version.startswith("live:")


def test_a_statement_rejected_after_the_deal_is_not_shown(app, client, exchange_campaign,
                                                          exchange_survey):
    exchange_campaign(**only("trees_placebo"))
    bot = to_first_card(client, exchange_survey)
    with app.app_context():
        second = db.session.scalar(select(Exposure.statement_id).where(Exposure.position == 2))
        db.session.get(Statement, second).status = "withdrawn"
        db.session.commit()
    bot.submit("card:1", {"fair": "yes"})
    assert "This statement is no longer available" in bot.html and 'name="fair"' not in bot.html
    bot.submit("card:2", {})
    assert [tuple(r) for r in rows(app, Rating, Rating.position, Rating.skipped)] == [
        (1, False), (2, True)]


def test_three_reports_from_cards_hold_a_statement(app, client, exchange_campaign,
                                                   exchange_survey):
    exchange_campaign(**only("trees_peers"))
    (sid,) = add_statements(app, "debate", [
        "A market every Saturday would bring farmers and customers to the centre again."])
    approve(app, [sid])
    for _reporter in range(3):
        c = app.test_client()
        bot = to_first_card(c, exchange_survey)
        for n in (1, 2, 3):
            text_here = "farmers and customers" in bot.html
            bot.submit(f"card:{n}", {"fair": "no", **({"report": "incivility"} if text_here
                                                       else {})})
    with app.app_context():
        assert len(db.session.scalars(select(StatementReport.id)).all()) == 3
        assert db.session.get(Statement, sid).status == "reported"


@pytest.mark.parametrize("payload", PAYLOADS[:6])
def test_hostile_statements_are_inert_on_cards(app, client, exchange_campaign, exchange_survey,
                                               payload):
    exchange_campaign(**only("trees_peers"))
    ids = add_statements(app, "debate", [f"{payload} and a market on Saturdays!",
                                          f"{payload} trees would shade the square."])
    approve(app, ids)
    bot = to_first_card(client, exchange_survey)
    for n in (1, 2, 3):
        parser = ActiveMarkup()
        parser.feed(bot.html)
        assert parser.hits == []
        bot.submit(f"card:{n}")


def test_shares_and_the_stratified_draw_are_exact_and_reproducible():
    assert shares({"a": 5, "b": 5, "c": 5}, 10) == {"a": 4, "b": 3, "c": 3}
    assert sum(shares({"a": 2, "b": 1}, 10).values()) == 3
    pool = Pool({i: "abc"[i % 3] for i in range(30)}, "v")
    first = draw(pool, 10, random.Random("seed:deal:p1"))
    assert first == draw(pool, 10, random.Random("seed:deal:p1"))
    assert first != draw(pool, 10, random.Random("seed:deal:p2"))
    assert [c.position for c in first] == list(range(1, 11))
    per = {p: sum(1 for c in first if pool.statements[c.statement_id] == p) for p in "abc"}
    assert per == {"a": 4, "b": 3, "c": 3}  # at least cards/3 per proposal
    assert {c.probability for c in first} == {0.4, 0.3}
    # The inclusion probability is the draw's: simulated, statement 0 (in a) is drawn 40% of
    # the time (binomial SE over 4000 draws: 0.0077).
    hits = sum(any(c.statement_id == 0 for c in draw(pool, 10, random.Random(k)))
               for k in range(4000))
    assert abs(hits / 4000 - 0.4) < 4 * 0.0077


def test_a_pairwise_choice_compares_two_dealt_arguments_about_one_proposal(
        app, client, exchange_campaign, exchange_survey):
    exchange_campaign(**only("trees_peers"))
    (sid,) = add_statements(app, "debate", [
        "A market every Saturday would bring farmers and customers to the centre again."])
    approve(app, [sid])
    bot = to_first_card(client, exchange_survey)
    for n in (1, 2, 3):
        bot.submit(f"card:{n}")
    assert bot.current_page() == "pair:1"
    assert "helps you more to understand why people support" in bot.html
    assert "farmers and customers" in bot.html
    page = bot.html
    refused = bot.submit_current({})
    assert refused.status_code == 400 and "Choose one of the two, or neither." in bot.html
    bot.html = page
    bot.submit("pair:1", {"chosen": "right"})
    assert bot.current_page() == "page:after"
    bot.html = page
    bot.submit_current({"chosen": "left"})  # the back button: stored once, as first chosen
    with app.app_context():
        pairs = db.session.execute(select(Pair.left_id, Pair.right_id, Pair.chosen_id,
                                          Pair.proposal, Pair.position)).all()
        assert len(pairs) == 1
        left, right, chosen, proposal, position = pairs[0]
        assert (chosen, proposal, position) == (right, "market", 1) and sid in (left, right)
