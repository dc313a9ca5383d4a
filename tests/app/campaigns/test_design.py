"""A campaign's study design: validated as a whole, changeable only in draft."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.campaigns.design import (
    DesignError,
    effective_status,
    outcome_redirect,
    panel_settings,
    validate_design,
)
from app.campaigns.operations import create_campaign, set_status, update_design
from app.extensions import db
from app.models import AuditEvent, Campaign, Quota
from surveys import EXAMPLE, load_survey

SURVEY = load_survey(EXAMPLE)
GOOD = {
    "access": "prolific",
    "completion": {"completed": {"code": "C0MPL3TE"}, "screened_out": {"code": "SCR33N"}},
    "screening": [{"item": "age_band", "deny": ["no_say"]}],
    "quotas": [
        {"name": "young", "cap": 50, "conditions": {"age_band": "under_30"}},
        {"name": "trees-arm", "cap": 80, "conditions": {"arm": "trees"}},
        {"name": "young-trees", "cap": 20, "conditions": {"age_band": "under_30", "arm": "trees"}},
    ],
    "strata": ["age_band"],
    "target_n": 400,
}


def draft(app, **design):
    with app.app_context():
        campaign = create_campaign(db.session, slug="study", survey_folder=EXAMPLE, actor="t",
                                   design=design)
        db.session.commit()
        return campaign.id


def test_a_full_design_is_stored_and_audited(app):
    cid = draft(app, **GOOD)
    with app.app_context():
        campaign = db.session.get(Campaign, cid)
        assert campaign.access == "prolific" and campaign.strata == ["age_band"]
        assert campaign.quotas[2]["conditions"] == {"age_band": "under_30", "arm": "trees"}
        update_design(db.session, campaign, {"target_n": 300, "title": "Trees 2"}, "ana")
        db.session.commit()
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (event.actor, event.action) == ("ana", "campaign.design")
        assert event.detail == "changed title, target_n"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"access": "carrier-pigeon"}, "access: one of open, invite, prolific"),
        ({"completion": {"finished": {"code": "X"}}}, "completion.finished: unknown outcome"),
        ({"completion": {"completed": {"code": "has space"}}}, "completion.completed.code"),
        ({"completion": {"completed": {"redirect": "javascript:alert(1)"}}}, "http(s) URL"),
        ({"completion": {"completed": {"redirect": "https://x.org/?a={user}"}}}, "{code} and {id}"),
        ({"screening": [{"item": "nope", "deny": ["x"]}]}, "the survey has no item 'nope'"),
        ({"screening": [{"item": "support_trees", "deny": ["x"]}]}, "not a single-choice about-you"),
        ({"strata": ["transport"]}, "'transport' is not a single-choice about-you question"),
        ({"screening": [{"item": "age_band", "allow": ["teen"]}]}, "'age_band' has no option teen"),
        ({"quotas": [{"name": "a", "cap": -1, "conditions": {"arm": "trees"}}]}, "cap is a whole"),
        ({"quotas": [{"name": "a", "cap": 5, "conditions": {"arm": "mars"}}]}, "no arm 'mars'"),
        ({"quotas": [{"name": "a", "cap": 5, "conditions": {}}]}, "one or two conditions"),
        ({"strata": ["transport_mode"]}, "no item 'transport_mode'"),
        ({"access": "panel"}, "a generic panel needs"),
        ({"access": "panel", "panel": {"id_param": "a b"}}, "panel.id_param"),
        ({"opens_at": "2026-12-01T09:00"}, "opens_at: give a time zone"),
        ({"opens_at": "2026-12-02T09:00+00:00", "closes_at": "2026-12-01T09:00+00:00"},
         "closes_at must be after opens_at"),
        ({"target_n": 0}, "target_n"),
        ({"block_size": 6}, "multiple of the arm weights"),
        ({"colour": "red"}, "unknown design field colour"),
    ],
)
def test_an_invalid_design_is_refused_with_the_reason_and_changes_nothing(app, change, message):
    cid = draft(app)
    with app.app_context():
        campaign = db.session.get(Campaign, cid)
        with pytest.raises(DesignError) as caught:
            update_design(db.session, campaign, change, "t")
        assert any(message in p for p in caught.value.problems), caught.value.problems
        db.session.rollback()
        assert db.session.get(Campaign, cid).access == "open"


def test_every_problem_is_reported_at_once():
    design = {"title": "x", "languages": ["en", "fr"], "block_size": 8, "seed": "s",
              "abandon_after_minutes": 1, "results_min_completed": 1, "access": "nope",
              "panel": None, "completion": {"won": {}}, "screening": [], "quotas": [],
              "strata": ["nope"], "end_on_failed_attention": False, "opens_at": None,
              "closes_at": None, "target_n": None}
    problems = validate_design(SURVEY, design)
    assert len(problems) == 4, problems


def test_opening_pins_the_design_and_creates_the_quota_counters(app):
    cid = draft(app, **GOOD)
    with app.app_context():
        campaign = db.session.get(Campaign, cid)
        set_status(db.session, campaign, "open", "t")
        db.session.commit()
        quotas = db.session.scalars(select(Quota).order_by(Quota.id)).all()
        assert [(q.name, q.cap, q.used) for q in quotas] == [
            ("young", 50, 0), ("trees-arm", 80, 0), ("young-trees", 20, 0)
        ]
        # The seed is pinned; target_n is an operational setting (issue 19, 4).
        with pytest.raises(DesignError, match="seed of this open campaign cannot change"):
            update_design(db.session, campaign, {"seed": "other", "target_n": 5}, "t")
        assert campaign.target_n == 400


def test_a_prolific_campaign_cannot_open_without_a_completion_code(app):
    cid = draft(app, access="prolific")
    with app.app_context():
        campaign = db.session.get(Campaign, cid)
        with pytest.raises(DesignError, match="needs a completion code"):
            set_status(db.session, campaign, "open", "t")
        assert campaign.status == "draft"


def test_redirects_fill_in_the_code_of_the_outcome(app):
    cid = draft(app, **GOOD)
    with app.app_context():
        campaign = db.session.get(Campaign, cid)
        assert panel_settings(campaign).id_param == "PROLIFIC_PID"
        assert outcome_redirect(campaign, "completed") == (
            "https://app.prolific.com/submissions/complete?cc=C0MPL3TE"
        )
        assert outcome_redirect(campaign, "over_quota") is None  # no code set
        update_design(db.session, campaign, {
            "access": "panel", "panel": {"id_param": "rid",
                                         "redirect": "https://p.example/end?s={code}&r={id}"},
        }, "t")
        assert outcome_redirect(campaign, "screened_out", "a b") == (
            "https://p.example/end?s=SCR33N&r=a%20b"
        )
        assert outcome_redirect(campaign, "screened_out") is None  # {id} unknown here


def test_the_schedule_decides_what_participants_meet(app):
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    cid = draft(app, opens_at=now + timedelta(hours=1), closes_at=now + timedelta(days=7))
    with app.app_context():
        campaign = db.session.get(Campaign, cid)
        assert effective_status(campaign, now) == "draft"
        set_status(db.session, campaign, "open", "t")
        assert effective_status(campaign, now) == "scheduled"
        assert effective_status(campaign, now + timedelta(hours=2)) == "open"
        assert effective_status(campaign, now + timedelta(days=8)) == "ended"
