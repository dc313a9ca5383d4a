"""Bots walk the exchange concurrently over real HTTP, on both backends, in both languages.

Every card is saved exactly once even when each bot submits it twice at the
same moment (a double click); nobody is dealt their own or an unapproved
statement; the exposures are what the campaign's seed reproduces.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from app.campaigns.surveys import survey_for
from app.exchange.routing import deal_seed, draw, pool_for
from app.extensions import db
from app.models import Campaign, Exposure, Participant, Rating, Statement
from tests.app.exchange.test_cards import only
from tests.app.exchange.test_moderation import add_statements
from tests.bots import Bot
from tests.http import HttpClient, served

N = 12


def test_concurrent_raters_save_each_card_once(app, exchange_campaign, exchange_survey):
    exchange_campaign(**only("trees_peers"))
    ids = add_statements(app, "debate", [
        "Approved: a market every Saturday would bring farmers and customers to the centre.",
        "Pending: this has not been moderated and must not reach anyone at all, ever.",
    ])
    with app.app_context():
        db.session.get(Statement, ids[0]).status = "approved"
        db.session.commit()
    def walk(k: int) -> list[str]:
        bot = Bot(HttpClient(base), "debate", exchange_survey)
        bot.start("de" if k % 2 else "en")
        seen = []
        while bot.current_action():
            key = bot.current_page()
            if key.startswith("card:"):
                seen.append(bot.html)
                form = bot.html
                rated = 'name="fair"' in form  # German has two statements for three cards
                bot.submit_current({"fair": "yes", "agree": "agree"} if rated else {})
                bot.html = form  # the same card posted again: a double click
                bot.submit_current({"fair": "no"} if rated else {})
                bot.get("go")
            else:
                bot.submit_current()
        return seen

    with served(app) as base, ThreadPoolExecutor(max_workers=6) as pool:
        pages = list(pool.map(walk, range(N)))
    everything = "\n".join("\n".join(p) for p in pages)
    assert "Pending:" not in everything
    with app.app_context():
        writers = 2  # the statements' authors (add_statements)
        assert db.session.scalar(select(func.count()).select_from(Participant)) == N + writers
        # every card saved once, with the first answer: three in English, two in German
        # (two seeds; the third card said there were no more statements)
        per_rater = Counter(db.session.scalars(select(Rating.participant_id)))
        assert sorted(per_rater.values()) == [2] * (N // 2) + [3] * (N // 2)
        assert set(db.session.scalars(select(Rating.fair))) == {1.0}
        dealt = db.session.execute(
            select(Exposure.participant_id, Statement.status, Statement.participant_id,
                   Statement.language, Participant.language)
            .join(Statement, Statement.id == Exposure.statement_id)
            .join(Participant, Participant.id == Exposure.participant_id)).all()
        assert len(dealt) == 2.5 * N
        assert all(d[1] == "approved" and d[2] != d[0] and d[3] == d[4] for d in dealt)


def test_placebo_exposures_are_reproduced_from_the_seed(app, exchange_campaign,
                                                        exchange_survey):
    exchange_campaign(**only("trees_placebo"))
    with served(app) as base:
        for k in range(4):
            Bot(HttpClient(base), "debate", exchange_survey).walk("de" if k % 2 else "en")
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        survey = survey_for(campaign)
        for person in db.session.scalars(select(Participant)).all():
            stored = db.session.execute(select(Exposure.statement_id, Exposure.probability)
                                        .where(Exposure.participant_id == person.id)
                                        .order_by(Exposure.position)).all()
            pool = pool_for(db.session, campaign, survey, person, "exchange_placebo")
            again = draw(pool, survey.exchange.cards, deal_seed(campaign, person))
            assert [tuple(r) for r in stored] == [(c.statement_id, c.probability)
                                                  for c in again]
