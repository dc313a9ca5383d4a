"""Routing in the seeding stage: priority to statements short of the rater's group's
ratings (then a bonus under 10 ratings), shares per proposal, exact inclusion probabilities."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from sqlalchemy import select

from app.campaigns.surveys import survey_for
from app.exchange.routing import Pool
from app.exchange.seeding import opinion_groups, routed_draw
from app.extensions import db
from app.models import Answer, Campaign, Participant

POOL = Pool({i: "abc"[i % 3] for i in range(12)}, "live:x")  # 4 statements per proposal


def test_statements_short_of_the_groups_ratings_come_first():
    by_group = Counter({(sid, "a"): 5 for sid in range(12)})
    by_group[(3, "a")] = 0  # proposal a: only statement 3 lacks group a's ratings
    by_group[(4, "a")] = 1  # proposal b: statement 4 lacks them most
    total = Counter({sid: 20 for sid in range(12)})
    cards = routed_draw(POOL, 3, "a", by_group, total, random.Random(1))
    assert sorted(c.statement_id for c in cards if c.probability == 1.0)[:2] == [3, 4]
    assert sorted(POOL.statements[c.statement_id] for c in cards) == ["a", "b", "c"]
    # Proposal c: all four tied, one drawn: probability 1/4 each.
    assert [c.probability for c in cards if POOL.statements[c.statement_id] == "c"] == [0.25]


def test_the_other_groups_ratings_do_not_count_and_the_bonus_breaks_ties():
    by_group = Counter({(sid, "b"): 9 for sid in range(12)})  # group b rated everything
    total = Counter({sid: 30 for sid in range(12)})
    total[0] = total[1] = total[2] = 2  # under 10 ratings: the bonus
    cards = routed_draw(POOL, 3, "a", by_group, total, random.Random(7))
    assert sorted(c.statement_id for c in cards) == [0, 1, 2]
    assert {c.probability for c in cards} == {1.0}


def test_probabilities_are_exact_they_sum_to_the_shares_and_match_simulation():
    by_group = Counter({(0, "a"): 0, (3, "a"): 0, (6, "a"): 2, (9, "a"): 2})  # proposal a
    total = Counter({sid: 0 for sid in range(12)})
    cards = routed_draw(POOL, 6, "a", by_group, total, random.Random(3))
    share = {p: sum(c.probability for c in cards if POOL.statements[c.statement_id] == p)
             for p in "abc"}
    # Two cards per proposal. a: statements 0 and 3 lack group a's ratings (probability 1
    # each); b and c: four-way ties for two places, 1/2 each (over all four: 2 = the share).
    assert share == {"a": 2.0, "b": 1.0, "c": 1.0}
    assert {c.probability for c in cards if POOL.statements[c.statement_id] == "a"} == {1.0}
    # Simulated: statement 1 (proposal b, four-way tie for two places) is dealt 50% of the
    # time; binomial SE over 4000 deals 0.0079.
    hits = sum(any(c.statement_id == 1 for c in routed_draw(POOL, 6, "a", by_group, total,
                                                            random.Random(k)))
               for k in range(4000))
    assert abs(hits / 4000 - 0.5) < 4 * 0.0079
    first = routed_draw(POOL, 6, "a", by_group, total, random.Random("s"))
    assert first == routed_draw(POOL, 6, "a", by_group, total, random.Random("s"))


@pytest.fixture
def answered(app, exchange_campaign):
    exchange_campaign()
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        ids = {}
        for k, (trees, market) in enumerate([(5, 1), (4, 2), (5, 2), (1, 5), (2, 4), (1, 4)]):
            p = Participant(public_id=f"g{k}", campaign_id=campaign.id, arm="trees_peers",
                            module_order="trees", language="en", step="card:1")
            db.session.add(p)
            db.session.flush()
            ids[k] = p.id
            db.session.add_all([
                Answer(participant_id=p.id, phase="pre", item="support_trees", value=trees,
                       page="before"),
                Answer(participant_id=p.id, phase="pre", item="support_market", value=market,
                       page="before")])
        db.session.commit()
        return ids


def test_opinion_groups_split_by_the_first_component_of_the_anchors(app, answered):
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        groups = opinion_groups(db.session, campaign, survey_for(campaign))
    assert [groups[answered[k]] for k in range(6)] == ["a", "a", "a", "b", "b", "b"]


def test_too_few_answers_make_one_group(app, exchange_campaign):
    exchange_campaign()
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        assert opinion_groups(db.session, campaign, survey_for(campaign)) == {}
