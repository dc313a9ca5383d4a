"""Operational settings stay editable after opening, audited (issue 19, 4).

A mistyped completion code or an extended deadline must not need a new
campaign (which splits the data); what comparability needs stays pinned.
Fixed interface: ``parley campaign edit SLUG --completion-code OUTCOME=CODE``
works also when open, audited.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Campaign, Quota
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
PROLIFIC = {"access": "prolific", "completion": {"completed": {"code": "C0DE-TYPO"}},
            "quotas": [{"name": "young", "cap": 1, "conditions": {"age_band": "under_30"}}]}
YOUNG = {"about": {"q_age_band": "under_30"}}


def _settings_events(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "campaign.settings").order_by(AuditEvent.id)).all()


@pytest.mark.parametrize("status", ["open", "paused"])
def test_the_completion_code_changes_when_open_and_is_audited(app, runner, make_campaign,
                                                              status):
    slug = make_campaign(design=PROLIFIC, status=status)
    result = runner.invoke(args=["campaign", "edit", slug, "--completion-code",
                                 "completed=CDONE42"])
    assert result.exit_code == 0, result.output
    assert _settings_events(app) == [
        'completion: {"completed": {"code": "C0DE-TYPO"}} -> {"completed": {"code": "CDONE42"}}'
    ]
    if status == "open":  # the next participant to finish gets the new code
        html = Bot(app.test_client(), slug, SURVEY).walk(query="PROLIFIC_PID=p1")
        assert "CDONE42" in html and "C0DE-TYPO" not in html


def test_schedule_target_and_quota_caps_change_when_open(app, runner, make_campaign):
    slug = make_campaign(design=PROLIFIC)
    Bot(app.test_client(), slug, SURVEY, overrides=YOUNG).walk(query="PROLIFIC_PID=p1")
    result = runner.invoke(args=["campaign", "edit", slug, "--closes-at", "2030-01-31T18:00+00:00",
                                 "--target-n", "300", "--quota", "young:5:age_band=under_30"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        assert campaign.target_n == 300 and campaign.closes_at.year == 2030
        assert db.session.scalar(select(Quota.cap)) == 5
    [detail] = _settings_events(app)
    assert "closes_at: (none) -> 2030-01-31T18:00+00:00" in detail
    assert "target_n: (none) -> 300" in detail and "quota young cap: 1 -> 5" in detail
    # The raised cap takes the next young participant in.
    html = Bot(app.test_client(), slug, SURVEY, overrides=YOUNG).walk(query="PROLIFIC_PID=p2")
    assert "We already have enough answers" not in html


@pytest.mark.parametrize(("args", "message"), [
    (["--seed", "other"], "seed of this open campaign cannot change"),
    (["--block-size", "16"], "block_size of this open campaign cannot change"),
    (["--strata", "age_band"], "strata of this open campaign cannot change"),
    (["--deny", "age_band=over_60"], "screening of this open campaign cannot change"),
    (["--quota", "young:1:age_band=over_60"], "can change their caps only"),
    (["--quota", "young:0:age_band=under_30"], "cannot be below the 1 places"),
])
def test_what_comparability_needs_stays_pinned(app, runner, make_campaign, args, message):
    slug = make_campaign(design=PROLIFIC)
    Bot(app.test_client(), slug, SURVEY, overrides=YOUNG).start(query="PROLIFIC_PID=p1")
    with app.app_context():  # hold the quota's one place
        db.session.execute(db.update(Quota).values(used=1))
        db.session.commit()
    result = runner.invoke(args=["campaign", "edit", slug, *args])
    assert result.exit_code != 0 and message in result.output
    assert _settings_events(app) == []
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        assert (campaign.seed, campaign.strata, campaign.screening) != ("other", ["age_band"], [])


def test_an_archived_campaign_changes_nothing(app, runner, make_campaign):
    slug = make_campaign(design=PROLIFIC, status="closed")
    runner.invoke(args=["campaign", "archive", slug])
    result = runner.invoke(args=["campaign", "edit", slug, "--completion-code", "completed=X1"])
    assert result.exit_code != 0 and "an archived campaign cannot change" in result.output


def test_the_campaign_page_shows_the_change_history(app, client, runner, make_campaign, make_user, login):
    slug = make_campaign(design=PROLIFIC)
    runner.invoke(args=["campaign", "edit", slug, "--completion-code", "completed=CDONE42"])
    make_user()
    login(client)
    html = client.get(f"/admin/campaign/{slug}").get_data(as_text=True)
    history = html[html.index('id="change-history"'):html.index('id="audit-log"')]
    assert "cli:" in history and "CDONE42" in history and "C0DE-TYPO" in history


def _design_page(client, slug: str) -> str:
    return client.get(f"/admin/campaign/{slug}/design").get_data(as_text=True)


def _settings_post(html: str) -> dict:
    """Every input of the settings form as the page fills it (a browser without JavaScript)."""
    form = html[html.index('id="settings"'):]
    form = form[:form.index("</form>")]
    fields = dict(re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', form))
    fields.update({name: "y" for name in re.findall(r'<input[^>]*checked[^>]*name="([^"]+)"', form)})
    return {k: unescape(v) for k, v in fields.items()}


def test_an_open_campaigns_design_page_is_a_summary_and_a_settings_form(app, client,
                                                                        make_campaign, make_user, login):
    slug = make_campaign(design=PROLIFIC)
    make_user()
    login(client)
    html = _design_page(client, slug)
    assert "Pinned when the campaign opened" in html and 'name="seed"' not in html
    assert 'name="weight_trees"' not in html and 'name="strata"' not in html
    data = _settings_post(html)
    assert data["code_completed"] == "C0DE-TYPO" and data["quota_0_cap"] == "1"
    data.update(code_completed="CDONE42", quota_0_cap="3", show_results="y",
                closes_at="2030-01-31T18:00")
    response = client.post(f"/admin/campaign/{slug}/design", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        assert campaign.completion["completed"]["code"] == "CDONE42"
        assert campaign.show_results is True and campaign.closes_at.year == 2030
        assert db.session.scalar(select(Quota.cap)) == 3
        assert campaign.seed and campaign.access == "prolific"  # untouched
    [detail] = _settings_events(app)
    assert "CDONE42" in detail and "quota young cap: 1 -> 3" in detail
    assert "show_results: False -> True" in detail


def test_posting_a_pinned_field_to_an_open_campaign_changes_nothing(app, client, make_campaign, make_user, login):
    slug = make_campaign(design=PROLIFIC)
    make_user()
    login(client)
    data = _settings_post(_design_page(client, slug))
    with app.app_context():
        seed = db.session.scalar(select(Campaign.seed))
    client.post(f"/admin/campaign/{slug}/design", data={**data, "seed": "forged",
                                                        "block_size": "99"})
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        assert (campaign.seed, campaign.block_size) != ("forged", 99) and campaign.seed == seed
