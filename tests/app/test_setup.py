"""First-run set-up (``parley run`` / ``./run.sh``) and edited shipped surveys.

The README promises that a release which edits the flagship survey makes
``./run.sh`` open a new campaign beside the old one (never mixing two survey
versions in one campaign), and that set-up is idempotent: running it again
changes nothing. These tests hold ``prepare_flagship`` to both promises, on a
copy of the flagship folder that the test edits the way a release would.
"""

from __future__ import annotations

import shutil

from sqlalchemy import select

from app.extensions import db
from app.models import Campaign
from app.setup import FLAGSHIP_SLUG, prepare_flagship
from surveys import FLAGSHIP
from tests.conftest import reset_schema


def campaigns() -> dict[str, tuple[str, str]]:
    """Slug -> (survey version, status), read in a transaction that is then ended.

    (SQLite takes the write lock when a transaction begins, and set-up runs the
    migrations on a connection of its own, as ``parley run`` does.)
    """
    rows = db.session.scalars(select(Campaign).order_by(Campaign.id))
    found = {c.slug: (c.survey_version, c.status) for c in rows}
    db.session.rollback()
    return found


def test_an_edited_shipped_survey_opens_one_new_campaign_and_set_up_stays_idempotent(app, tmp_path):
    folder = tmp_path / "peace_in_europe"
    shutil.copytree(FLAGSHIP, folder)
    with app.app_context():
        reset_schema()  # prepare_flagship builds the schema with the migrations

        first = prepare_flagship(folder)
        assert first.slug == FLAGSHIP_SLUG
        assert first.admin_password  # shown once, on the first run
        (old_version, status) = campaigns()[FLAGSHIP_SLUG]
        assert status == "open"

        again = prepare_flagship(folder)
        assert again.slug == FLAGSHIP_SLUG and again.admin_password is None
        assert list(campaigns()) == [FLAGSHIP_SLUG]

        # A release edits a briefing: the survey's version (hash of its files) changes.
        briefing = folder / "modules" / "accord.en.md"
        briefing.write_text(briefing.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        edited = prepare_flagship(folder)
        assert edited.slug == f"{FLAGSHIP_SLUG}-2"
        found = campaigns()
        new_version, new_status = found[f"{FLAGSHIP_SLUG}-2"]
        assert new_version != old_version and new_status == "open"
        assert found[FLAGSHIP_SLUG][0] == old_version  # the old campaign keeps its version

        # Running set-up again on the edited release reuses that campaign.
        assert prepare_flagship(folder).slug == f"{FLAGSHIP_SLUG}-2"
        assert list(campaigns()) == [FLAGSHIP_SLUG, f"{FLAGSHIP_SLUG}-2"]

        # A second edited release opens a third campaign, once.
        briefing.write_text(briefing.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        assert prepare_flagship(folder).slug == f"{FLAGSHIP_SLUG}-3"
        assert prepare_flagship(folder).slug == f"{FLAGSHIP_SLUG}-3"
        assert len(campaigns()) == 3
