"""A campaign keeps its own copy of its survey (issue 19).

Editing a survey's files on disk (or upgrading Parley when a shipped survey
changed) used to stop every participant of a running campaign halfway with
"Survey unavailable". A campaign now serves from the copy stored with it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import select

from app.campaigns.cache import cached_campaign
from app.campaigns.survey_copy import COPIES_FOLDER
from app.extensions import db
from app.models import Campaign, Participant
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)


def _another_host(app) -> None:
    """What a restarted process or a second app host sees: no cache, no copy on its disk."""
    app.extensions.pop("parley_campaign_cache", None)
    shutil.rmtree(Path(app.instance_path) / COPIES_FOLDER, ignore_errors=True)


def test_editing_the_files_on_disk_changes_nothing_for_a_running_campaign(app, make_campaign,
                                                                          tmp_path):
    folder = tmp_path / "town-survey"
    shutil.copytree(EXAMPLE, folder)
    make_campaign(survey=folder)
    halfway = Bot(app.test_client(), "town", SURVEY)
    halfway.start()
    halfway.submit_current()
    # The team edits the survey (a changed title, even a broken file), then deletes it.
    toml = folder / "survey.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("Town square consultation",
                                                             "Something else"), encoding="utf-8")
    _another_host(app)
    halfway.get()
    assert "Survey unavailable" not in halfway.html
    shutil.rmtree(folder)
    _another_host(app)
    for _ in range(30):  # the rest of the journey, page by page
        if "Thank you" in halfway.html:
            break
        halfway.submit_current()
    assert "Thank you" in halfway.html
    newcomer = Bot(app.test_client(), "town", SURVEY)
    assert "Thank you" in newcomer.walk() and "Something else" not in newcomer.html
    with app.app_context():
        statuses = db.session.scalars(select(Participant.status)).all()
        assert statuses == ["completed", "completed"]
        assert cached_campaign(db.session, "town").survey.version == SURVEY.version


def test_the_copy_is_stored_in_the_database(app, make_campaign):
    make_campaign()
    with app.app_context():
        files = db.session.scalar(select(Campaign.survey_files))
    assert "survey.toml" in files and all(isinstance(v, str) for v in files.values())


def test_existing_campaigns_get_their_copy_in_the_migration(app, runner, make_campaign,
                                                            tmp_path):
    with app.app_context():
        db.drop_all()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    make_campaign("kept")
    folder = tmp_path / "gone"
    shutil.copytree(EXAMPLE, folder)
    make_campaign("moved", survey=folder)
    shutil.rmtree(folder)  # its folder is gone before the upgrade: no copy can be made
    with app.app_context():  # as before 0017: no copies
        db.session.execute(sa.update(Campaign).values(survey_files=None))
        db.session.commit()
    assert runner.invoke(args=["db", "downgrade", "0016_quota_full_at"]).exit_code == 0
    upgraded = runner.invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    with app.app_context():
        copies = dict(db.session.execute(select(Campaign.slug, Campaign.survey_files)).all())
    assert "survey.toml" in copies["kept"] and copies["moved"] is None
