"""Quotas never over-fill: 200 participants at the same moment against 50 places, over HTTP.

Each participant is a bot with its own cookie jar talking to the real app
served by werkzeug (tests/http.py); a barrier releases all their submits
at once. The database decides who gets a place (app/participant/quotas.py).
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select, update

from app.campaigns.allocation import arm_for_slot
from app.extensions import db
from app.models import Answer, Campaign, Participant, Quota, QuotaClaim, utcnow
from surveys import EXAMPLE, load_survey
from tests.bots import Bot
from tests.http import HttpClient, served

SURVEY = load_survey(EXAMPLE)
N, CAP = 200, 50
YOUNG = {"quotas": [{"name": "young", "cap": CAP, "conditions": {"age_band": "under_30"}}]}
AS_YOUNG = {"about": {"q_age_band": "under_30"}}


def at_once(bots, action) -> list:
    """Run ``action(bot)`` for every bot in its own thread, released together."""
    barrier = threading.Barrier(len(bots))

    def run(bot):
        barrier.wait(timeout=120)
        return action(bot)

    with ThreadPoolExecutor(max_workers=len(bots)) as pool:
        return list(pool.map(run, bots))


def each(bots, action) -> list:
    with ThreadPoolExecutor(max_workers=12) as pool:
        return list(pool.map(action, bots))


def to_last_page(bot: Bot) -> None:
    """Answer every page up to, not including, the 'after' (last) page."""
    while not bot.current_action().endswith("/step/page:after"):
        bot.submit_current()


def state(app) -> dict:
    with app.app_context():
        outcomes = Counter(
            db.session.execute(select(Participant.status, Participant.outcome)).all()
        )
        quota = db.session.scalar(select(Quota))
        claims = Counter(db.session.scalars(select(QuotaClaim.state)))
        per_item = dict(db.session.execute(
            select(Answer.phase + ":" + Answer.item, func.count()).group_by(Answer.phase,
                                                                           Answer.item)
        ).all())
        return {"outcomes": outcomes, "used": quota.used, "claims": claims, "answers": per_item}


def test_two_hundred_at_the_about_you_page_get_exactly_fifty_places(app, make_campaign):
    make_campaign(design=YOUNG)
    with served(app) as base:
        bots = [Bot(HttpClient(base), "town", SURVEY, overrides=AS_YOUNG) for _ in range(N)]
        each(bots, lambda b: b.start())
        at_once(bots, lambda b: b.submit_current())
        after_gate = state(app)
        inside = [b for b in bots if b.current_action() is not None]
        outside = [b for b in bots if b.current_action() is None]
        # The 50 with a place finish at the same moment too.
        each(inside, to_last_page)
        at_once(inside, lambda b: b.submit_current())
    assert after_gate["used"] == CAP and after_gate["claims"] == {"held": CAP}
    assert after_gate["outcomes"] == {("started", None): CAP, ("screened_out", "over_quota"): N - CAP}
    assert len(inside) == CAP
    assert all("enough answers from people like you" in b.html for b in outside)
    final = state(app)
    assert final["outcomes"] == {("completed", "completed"): CAP,
                                 ("screened_out", "over_quota"): N - CAP}
    assert final["used"] == CAP and final["claims"] == {"completed": CAP}
    # Nobody lost: every about-you page was saved, and every finisher's last page.
    assert final["answers"]["profile:age_band"] == N
    assert final["answers"]["post:attention"] == CAP
    assert all("Thank you" in b.html for b in inside)


def test_two_hundred_finishing_at_once_after_their_places_lapsed_fill_exactly_fifty(
    app, make_campaign
):
    """Places held by people who went quiet are passed on; at the end all 200 finish at once.

    Four waves of 50 each take the places of the previous, inactive wave
    (held places lapse after ``abandon_after_minutes``). Then everyone,
    inactive again, submits the last page at the same moment: those whose
    place was passed on claim one again, and exactly 50 complete in quota.
    """
    make_campaign(design=YOUNG)
    long_ago = utcnow() - timedelta(hours=3)

    def everyone_goes_quiet():
        with app.app_context():
            db.session.execute(update(Participant).values(last_seen_at=long_ago))
            db.session.commit()

    bots: list[Bot] = []
    with served(app) as base:
        for _wave in range(N // CAP):
            everyone_goes_quiet()
            wave = [Bot(HttpClient(base), "town", SURVEY, overrides=AS_YOUNG) for _ in range(CAP)]
            each(wave, lambda b: b.start())
            each(wave, lambda b: b.submit_current())
            assert all(b.current_action() is not None for b in wave), "a place did not lapse"
            each(wave, to_last_page)
            bots += wave
        assert state(app)["used"] == CAP
        everyone_goes_quiet()
        at_once(bots, lambda b: b.submit_current())
    final = state(app)
    assert final["outcomes"] == {("completed", "completed"): CAP,
                                 ("screened_out", "over_quota"): N - CAP}
    assert final["used"] == CAP and final["claims"] == {"completed": CAP}
    assert final["answers"]["post:attention"] == N  # every last page was saved
    done = sum("Thank you for your interest" not in b.html and "Thank you" in b.html for b in bots)
    assert done == CAP


def test_arm_caps_and_cells_hold_under_concurrent_submits(app, make_campaign):
    """An arm cap and a cell of (answer x arm), 80 about-you pages at one moment."""
    make_campaign(block_size=8, design={"quotas": [
        {"name": "trees-arm", "cap": 6, "conditions": {"arm": "trees"}},
        {"name": "young-market", "cap": 4,
         "conditions": {"age_band": "under_30", "arm": "market"}},
    ]})
    n = 80
    with served(app) as base:
        bots = [Bot(HttpClient(base), "town", SURVEY, overrides=AS_YOUNG) for _ in range(n)]
        each(bots, lambda b: b.start())
        at_once(bots, lambda b: b.submit_current())
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        rows = db.session.execute(
            select(Participant.arm, Participant.outcome, Participant.allocation_seq)
        ).all()
        used = dict(db.session.execute(select(Quota.name, Quota.used)).all())
    # Every slot of the sequence was drawn once, over-quota draws included, so
    # the sequence moved on past a full arm (issue 19, 3) ...
    assert sorted(seq for _, _, seq in rows) == list(range(n))
    slots = Counter(arm_for_slot(SURVEY, campaign.seed, "", seq, 8, campaign.arm_weights)
                    for _, _, seq in rows)
    assert slots == {"trees": 20, "market": 20, "both": 20, "control": 20}  # 8-blocks
    # ... but a participant over quota is never allocated to an arm.
    assert Counter(arm for arm, outcome, _ in rows if outcome == "over_quota") == {"": 30}
    kept = Counter(arm for arm, outcome, _ in rows if outcome is None)
    assert kept == {"trees": 6, "market": 4, "both": 20, "control": 20}
    assert used == {"trees-arm": 6, "young-market": 4}
    assert Counter(o for _, o, _ in rows) == {None: 50, "over_quota": 30}
