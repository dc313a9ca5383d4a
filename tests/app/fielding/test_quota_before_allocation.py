"""Quota places are claimed before the arm is drawn (issue 19, 3).

A participant screened out or over quota never sees a treatment, so they
are never allocated: no arm, no allocation slot, no place in the monitor's
arm starters. The lab's study had a flow of "allocated 266" for 130 who
could be treated; these tests hold it to the people actually allocated.
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, Participant
from app.monitor import figures
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
YOUNG, OLD = {"about": {"q_age_band": "under_30"}}, {"about": {"q_age_band": "over_60"}}


def _walk(app, overrides, n=1) -> None:
    for _ in range(n):
        Bot(app.test_client(), "town", SURVEY, overrides=overrides).walk()


def _rows(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            select(Participant.outcome, Participant.arm, Participant.allocation_seq,
                   Participant.module_order).order_by(Participant.id)
        ).all()


def _starters(app) -> dict[str, int]:
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        return {row.arm: row.starters for row in figures.arm_balance(db.session, campaign)}


def test_a_participant_over_a_full_quota_is_never_allocated(app, make_campaign):
    make_campaign(design={"quotas": [
        {"name": "young", "cap": 2, "conditions": {"age_band": "under_30"}}]})
    _walk(app, YOUNG, 4)  # two complete, two find the quota full
    _walk(app, OLD, 2)  # not under the quota: they take the next slots
    rows = _rows(app)
    assert [r.outcome for r in rows] == ["completed"] * 2 + ["over_quota"] * 2 + ["completed"] * 2
    over = [r for r in rows if r.outcome == "over_quota"]
    assert all(r.arm == "" and r.allocation_seq is None and r.module_order == "" for r in over)
    # The over-quota people took no slot: the allocated ones hold 0..3, no gaps.
    assert sorted(r.allocation_seq for r in rows if r.outcome != "over_quota") == [0, 1, 2, 3]
    starters = _starters(app)
    assert sum(starters.values()) == 4
    assert starters == {a.id: sum(r.arm == a.id for r in rows) for a in SURVEY.arms}


def test_a_participant_screened_out_is_never_allocated(app, make_campaign):
    make_campaign(design={"screening": [{"item": "age_band", "deny": ["under_30"]}]})
    _walk(app, YOUNG, 2)
    _walk(app, OLD)
    rows = _rows(app)
    assert [(r.outcome, r.arm, r.allocation_seq) for r in rows[:2]] == [
        ("screened_out", "", None), ("screened_out", "", None)]
    assert rows[2].outcome == "completed" and rows[2].arm and rows[2].allocation_seq == 0
    assert sum(_starters(app).values()) == 1


def test_the_monitor_leaves_out_arms_given_before_the_rule(app, make_campaign):
    """Participants of an older campaign may carry an arm although screened out."""
    make_campaign(design={"quotas": [
        {"name": "young", "cap": 1, "conditions": {"age_band": "under_30"}}]})
    _walk(app, YOUNG, 2)
    with app.app_context():
        late = db.session.scalar(select(Participant).where(Participant.outcome == "over_quota"))
        late.arm = SURVEY.arms[0].id  # as the allocation at start used to leave it
        db.session.commit()
    assert sum(_starters(app).values()) == 1


def test_a_campaign_without_screening_or_quotas_still_allocates_at_start(app, make_campaign):
    make_campaign()
    bot = Bot(app.test_client(), "town", SURVEY)
    bot.start()
    rows = _rows(app)
    assert rows[0].arm and rows[0].allocation_seq == 0
