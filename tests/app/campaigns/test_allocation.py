"""Permuted-block randomisation: balanced, reproducible from the seed, safe when concurrent."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.campaigns.allocation import arm_for_slot, module_order_for
from app.extensions import db
from app.models import Campaign, Participant, utcnow
from app.participant import starting
from surveys import EXAMPLE, load_survey

SURVEY = load_survey(EXAMPLE)
ARMS = [a.id for a in SURVEY.arms]


def start_many(app, slug: str, n: int) -> list[Participant]:
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
        for _ in range(n):
            starting.start(db.session, campaign, SURVEY, "en")
        return db.session.scalars(select(Participant).order_by(Participant.id)).all()


def test_every_block_holds_each_arm_equally_often(app, make_campaign):
    make_campaign(block_size=8)
    people = start_many(app, "town", 40)
    arms = [p.arm for p in people]
    for start in range(0, 40, 8):
        assert Counter(arms[start : start + 8]) == {arm: 2 for arm in ARMS}
    assert [p.allocation_seq for p in people] == list(range(40))


def test_arms_are_reproducible_from_the_seed_alone(app, make_campaign):
    make_campaign(seed="a1b2c3", block_size=8)
    people = start_many(app, "town", 24)
    replayed = [arm_for_slot(SURVEY, "a1b2c3", "", seq, 8) for seq in range(24)]
    assert [p.arm for p in people] == replayed
    # A different seed gives a different sequence (the seed is what decides).
    assert replayed != [arm_for_slot(SURVEY, "other", "", seq, 8) for seq in range(24)]


def test_module_order_is_counterbalanced_within_a_multi_module_arm(app, make_campaign):
    make_campaign(block_size=4)
    people = start_many(app, "town", 40)
    orders = Counter(p.module_order for p in people if p.arm == "both")
    assert orders == {"trees|market": 5, "market|trees": 5}
    single = {p.module_order for p in people if p.arm == "trees"}
    assert single == {"trees"}


def test_counterbalancing_uses_every_order_equally_for_three_modules(tmp_path):
    import shutil

    folder = tmp_path / "three"
    shutil.copytree(EXAMPLE, folder)
    toml = (folder / "survey.toml").read_text()
    assert 'modules = ["trees", "market"]' in toml
    (folder / "survey.toml").write_text(
        toml.replace('modules = ["trees", "market"]', 'modules = ["trees", "market", "control"]')
    )
    survey = load_survey(folder)
    orders = [tuple(module_order_for(survey, "s", "", "both", k)) for k in range(12)]
    assert Counter(orders) == {p: 2 for p in itertools.permutations(("trees", "market", "control"))}


def test_concurrent_starts_never_share_a_slot_and_stay_balanced(app, backend, make_campaign):
    """200 participants started from parallel threads through HTTP."""
    make_campaign(block_size=8)
    n = 200

    def one_participant(_):
        client = app.test_client()
        html = client.get("/c/town/").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        response = client.post("/c/town/start", data={"csrf_token": token, "agree": "y"})
        return response.status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(one_participant, range(n)))
    assert statuses == [302] * n
    with app.app_context():
        people = db.session.scalars(select(Participant)).all()
    assert len(people) == n
    assert sorted(p.allocation_seq for p in people) == list(range(n))
    counts = Counter(p.arm for p in people)
    assert set(counts) == set(ARMS)
    assert max(counts.values()) - min(counts.values()) <= 8
    # Each participant has exactly one arm, and it is the one the seed gives their slot.
    with app.app_context():
        seed = db.session.scalar(select(Campaign.seed))
    assert all(p.arm == arm_for_slot(SURVEY, seed, "", p.allocation_seq, 8) for p in people)


def test_rebalancing_gives_a_dropouts_arm_to_the_next_participant(app, make_campaign):
    make_campaign(block_size=4, rebalance_dropouts=True)
    people = start_many(app, "town", 4)
    with app.app_context():
        gone = db.session.get(Participant, people[1].id)
        gone.last_seen_at = utcnow() - timedelta(hours=5)
        db.session.commit()
        gone_arm = gone.arm
    after = start_many(app, "town", 1)
    newcomer = after[-1]
    assert newcomer.arm == gone_arm
    assert newcomer.allocation_seq is None
    assert newcomer.replaces_id == people[1].id
    with app.app_context():
        assert db.session.get(Participant, people[1].id).replaced is True
    # The next start draws from the seeded sequence again (slot 4), and the
    # dropout is not replaced twice.
    nxt = start_many(app, "town", 1)[-1]
    assert nxt.allocation_seq == 4


def test_without_rebalancing_dropouts_keep_their_slot(app, make_campaign):
    make_campaign(block_size=4)
    people = start_many(app, "town", 2)
    with app.app_context():
        gone = db.session.get(Participant, people[0].id)
        gone.last_seen_at = utcnow() - timedelta(days=2)
        db.session.commit()
    newcomer = start_many(app, "town", 1)[-1]
    assert newcomer.allocation_seq == 2 and newcomer.replaces_id is None


@pytest.mark.parametrize("block_size", [3, 6])
def test_block_size_must_be_a_multiple_of_the_weights(app, block_size):
    from app.campaigns.operations import CampaignError, create_campaign

    with app.app_context(), pytest.raises(CampaignError, match="multiple"):
        create_campaign(db.session, slug="x1", survey_folder=EXAMPLE, actor="t",
                        block_size=block_size)
