"""The analysis plan is frozen when a campaign opens, and the export carries it (issue 10.6)."""

from __future__ import annotations

import hashlib
import json
import shutil

from app.extensions import db
from app.models import Campaign
from surveys import EXAMPLE, FLAGSHIP


def test_opening_stores_the_plan_text_and_hash_and_the_export_carries_them(
    app, runner, make_campaign, tmp_path
):
    slug = make_campaign(survey=FLAGSHIP)
    text = (FLAGSHIP / "plan.toml").read_text(encoding="utf-8")
    with app.app_context():
        c = db.session.execute(db.select(Campaign).where(Campaign.slug == slug)).scalar_one()
        assert c.plan_text == text
        assert c.plan_sha256 == hashlib.sha256(text.encode()).hexdigest()
    out = tmp_path / "exports" / "x"
    assert runner.invoke(args=["export", slug, str(out)]).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["plan"] == {"sha256": hashlib.sha256(text.encode()).hexdigest(),
                                "text": text}


def test_a_plan_edited_after_opening_does_not_change_what_was_frozen(
    app, make_campaign, tmp_path
):
    folder = tmp_path / "survey"
    shutil.copytree(EXAMPLE, folder)
    (folder / "plan.toml").write_text(
        '[[hypotheses]]\nid = "H1"\nitem = "support_trees"\ndirection = "any"\n')
    slug = make_campaign(survey=folder, status="draft")
    from app.campaigns.operations import set_status

    with app.app_context():
        c = db.session.execute(db.select(Campaign).where(Campaign.slug == slug)).scalar_one()
        assert c.plan_sha256 is None  # a draft has not frozen anything yet
        set_status(db.session, c, "open", "test")
        db.session.commit()
        frozen = c.plan_sha256
        (folder / "plan.toml").write_text("# changed later\n")
        set_status(db.session, c, "paused", "test")
        set_status(db.session, c, "open", "test")
        db.session.commit()
        assert c.plan_sha256 == frozen and frozen is not None


def test_a_survey_without_a_plan_exports_plan_null(app, runner, make_campaign, tmp_path):
    slug = make_campaign()
    out = tmp_path / "exports" / "x"
    assert runner.invoke(args=["export", slug, str(out)]).exit_code == 0
    assert json.loads((out / "manifest.json").read_text())["plan"] is None
