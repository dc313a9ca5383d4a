"""Running results on the thanks page are opt-in, off by default (issue 19, 5).

Shown by default after 30 completes, with no off switch, they contaminated
the lab's follow-up wave and estimate items and gave the design away.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Campaign
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
SHOWN = "Where participants stand so far"
WAITING = "Results will appear here once enough people have taken part."


def _finish(app, slug: str) -> str:
    return Bot(app.test_client(), slug, SURVEY).walk()


def test_a_new_campaign_shows_no_results_however_many_finish(app, make_campaign):
    slug = make_campaign(results_min_completed=1)
    pages = [_finish(app, slug) for _ in range(3)]
    assert all("Thank you" in page for page in pages)
    assert not any(SHOWN in page or WAITING in page for page in pages)
    with app.app_context():
        assert db.session.scalar(select(Campaign.show_results)) is False


def test_switched_on_the_results_appear(app, make_campaign):
    slug = make_campaign(results_min_completed=1, design={"show_results": True})
    assert SHOWN in _finish(app, slug)


def test_the_cli_switches_results_on_and_off(app, runner, make_campaign):
    slug = make_campaign(status="draft", results_min_completed=1)
    result = runner.invoke(args=["campaign", "edit", slug, "--show-results"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(Campaign.show_results)) is True
    result = runner.invoke(args=["campaign", "edit", slug, "--no-show-results"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(Campaign.show_results)) is False
        details = db.session.scalars(select(AuditEvent.detail)
                                     .where(AuditEvent.action == "campaign.design")).all()
    assert details == ["changed show_results", "changed show_results"]


def test_the_designer_says_why_results_are_off(app, client, make_campaign, make_user, login):
    slug = make_campaign(status="draft")
    make_user()
    login(client)
    html = client.get(f"/admin/campaign/{slug}/design").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="show_results"[^>]*>', html)[0]
    assert "checked" not in box
    assert "Show running results to participants on the thanks page" in html
    assert "results seen at the end can change answers in a follow-up wave" in html


def test_the_migration_keeps_existing_campaigns_showing_results(app, runner, make_campaign):
    """Campaigns made before the switch keep what their participants saw; new ones start off."""
    with app.app_context():
        db.drop_all()
    before = runner.invoke(args=["db", "upgrade", "0012_moderator_role"])
    assert before.exit_code == 0, before.output
    with app.app_context():  # a campaign row as the schema before 0013 held it
        table = sa.Table("campaign", sa.MetaData(), autoload_with=db.engine)
        assert "show_results" not in table.columns
        row = {c.name: _sample(c.type) for c in table.columns
               if not c.nullable and c.server_default is None and not c.primary_key}
        row.update(slug="old", title="Old", status="open")
        db.session.execute(table.insert().values(**row))
        db.session.commit()
    upgraded = runner.invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    make_campaign("new")
    with app.app_context():
        rows = dict(db.session.execute(select(Campaign.slug, Campaign.show_results)).all())
    assert rows == {"old": True, "new": False}


def _sample(kind):
    """A value of the column type ``kind`` for a row the test only needs to exist."""
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 8
    if isinstance(kind, sa.DateTime):
        return datetime.now(UTC)
    if isinstance(kind, sa.JSON):
        return []
    return "x"
