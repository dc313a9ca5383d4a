"""The designer's commands: ``parley survey import`` and ``parley campaign test-data delete``,
and test participants kept out of the database reader (the export views)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from analysis import load_database
from app.extensions import db
from app.models import AuditEvent, Campaign, Participant
from app.participant.preview import start_test_participant
from surveys import EXAMPLE, load_survey
from tests.app.test_load_database import database_url
from tests.bots import Bot
from tests.survey_zips import broken_zip, hostile_zips, survey_zip

SURVEY = load_survey(EXAMPLE)


def test_survey_import_stores_a_good_zip_and_lists_every_problem_of_a_bad_one(app, runner,
                                                                               tmp_path):
    store = Path(app.instance_path) / "surveys"
    bad = tmp_path / "bad.zip"
    bad.write_bytes(broken_zip())
    result = runner.invoke(args=["survey", "import", str(bad)])
    assert result.exit_code == 1
    assert "survey.toml: arms[0].modules" in result.output and "treez" in result.output
    assert not store.exists() or not any(store.iterdir())

    slip = tmp_path / "slip.zip"
    slip.write_bytes(hostile_zips()["zip slip"][0])
    result = runner.invoke(args=["survey", "import", str(slip)])
    assert result.exit_code == 1 and "'..'" in result.output and "was refused" in result.output
    assert not (tmp_path.parent / "evil.md").exists()

    good = tmp_path / "good.zip"
    good.write_bytes(survey_zip())
    result = runner.invoke(args=["survey", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert f"stored survey example (version {SURVEY.version[:12]})" in result.output
    assert [p.name for p in store.iterdir()] == [f"example-{SURVEY.version[:16]}"]
    # The printed command works as printed: the folder it names is the stored survey.
    command = result.output.strip().split("with: ")[1].replace("SLUG", "imported")
    assert command.startswith("parley campaign create imported --survey ")
    created = runner.invoke(args=command.split()[1:])
    assert created.exit_code == 0, created.output
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action)
                                 .where(AuditEvent.action == "survey.upload")) == "survey.upload"
    assert "Check the survey zip ARCHIVE" in runner.invoke(
        args=["survey", "import", "--help"]).output


def test_test_data_delete_from_the_command_line(app, runner, make_campaign):
    slug = make_campaign()
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
        for arm in ("trees", "control"):
            start_test_participant(db.session, campaign, SURVEY, arm=arm, language="en",
                                   actor="test")
    Bot(app.test_client(), slug, SURVEY).start()
    result = runner.invoke(args=["campaign", "test-data", "delete", slug])
    assert result.exit_code == 0, result.output
    assert f"deleted 2 test participant(s) of campaign '{slug}'" in result.output
    with app.app_context():
        assert db.session.scalars(select(Participant.is_test)).all() == [False]
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "campaign.test_data_delete"))
        assert event.actor.startswith("cli:") and event.detail == "2 test participant(s)"
    result = runner.invoke(args=["campaign", "test-data", "delete", "nowhere"])
    assert result.exit_code == 1 and "no campaign 'nowhere'" in result.output


def test_the_database_reader_leaves_test_participants_out(app, runner):
    with app.app_context():
        db.drop_all()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0  # creates the export views
    assert runner.invoke(args=["campaign", "create", "town", "--survey",
                               str(EXAMPLE)]).exit_code == 0
    assert runner.invoke(args=["campaign", "open", "town"]).exit_code == 0
    Bot(app.test_client(), "town", SURVEY).walk()
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "town"))
        started = start_test_participant(db.session, campaign, SURVEY, arm="trees",
                                         language="en", actor="test")
        test_id = started.participant.public_id
    tester = app.test_client()
    tester.set_cookie("parley_town", started.resume_code, path="/c/town/")
    bot = Bot(tester, "town", SURVEY)
    bot.get("go")
    while bot.current_action() is not None:
        bot.submit_current()
    with app.app_context():
        answered = db.session.scalar(select(Participant.status).where(
            Participant.public_id == test_id))
    assert answered == "completed"
    data = load_database(database_url(app), "town")
    assert len(data.participants) == 1
    assert test_id not in set(data.participants["participant_id"])
    assert test_id not in set(data.answers["participant_id"])
