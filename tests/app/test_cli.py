"""The `parley` commands operators use."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect, select

from app.accounts.passwords import verify_password
from app.extensions import db
from app.models import AuditEvent, Campaign, User
from surveys import EXAMPLE


def test_survey_check_reports_ok(runner):
    result = runner.invoke(args=["survey", "check", str(EXAMPLE)])
    assert result.exit_code == 0
    assert result.output.startswith("example: OK (12 items, 4 pages, 3 modules, 4 arms")


def test_survey_check_lists_problems_with_file_and_place(runner, tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(EXAMPLE, folder)
    toml = (folder / "survey.toml").read_text()
    (folder / "survey.toml").write_text(toml.replace('type = "thermometer"', 'type = "thermo"'))
    result = runner.invoke(args=["survey", "check", str(folder)])
    assert result.exit_code == 1
    assert "survey.toml: items[4] (warmth_council).type: unknown item type 'thermo'" in result.output


def test_campaign_lifecycle_through_the_cli_is_audited(app, runner):
    out = runner.invoke(args=["campaign", "create", "trial", "--survey", str(EXAMPLE),
                              "--languages", "de,en"])
    assert out.exit_code == 0, out.output
    assert runner.invoke(args=["campaign", "open", "trial"]).output == "campaign 'trial' is now open\n"
    assert runner.invoke(args=["campaign", "pause", "trial"]).exit_code == 0
    assert runner.invoke(args=["campaign", "close", "trial"]).exit_code == 0
    listing = runner.invoke(args=["campaign", "list"]).output
    assert listing.startswith("trial\tclosed\texample@")
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        assert campaign.languages == ["de", "en"]
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["campaign.create", "campaign.open", "campaign.paused", "campaign.closed"]


def test_a_draft_campaign_cannot_be_closed(runner):
    runner.invoke(args=["campaign", "create", "trial", "--survey", str(EXAMPLE)])
    result = runner.invoke(args=["campaign", "close", "trial"])
    assert result.exit_code == 1 and "a draft campaign cannot become closed" in result.output


def test_exporting_into_an_existing_export_says_so_without_a_traceback(runner, tmp_path):
    runner.invoke(args=["campaign", "create", "trial", "--survey", str(EXAMPLE)])
    out = tmp_path / "trial"
    assert runner.invoke(args=["export", "trial", str(out)]).exit_code == 0
    again = runner.invoke(args=["export", "trial", str(out)])
    assert again.exit_code == 1
    assert again.exception is None or isinstance(again.exception, SystemExit)
    assert f"Error: {out} exists and is not empty; choose a new folder" in again.output
    assert "Traceback" not in again.output
    zipped = tmp_path / "zipped"
    assert runner.invoke(args=["export", "trial", str(zipped), "--format", "zip"]).exit_code == 0
    twice = runner.invoke(args=["export", "trial", str(zipped), "--format", "zip"])
    assert twice.exit_code == 1 and f"Error: {zipped}.zip exists;" in twice.output


def test_campaign_create_refuses_an_unknown_language(runner):
    result = runner.invoke(args=["campaign", "create", "t2", "--survey", str(EXAMPLE),
                                 "--languages", "fr"])
    assert result.exit_code == 1 and "no language fr" in result.output


def test_user_create_stores_a_hash_not_the_password(app, runner):
    result = runner.invoke(args=["user", "create", "ops@example.org", "--role", "analyst"],
                           input="s3cret-pass\ns3cret-pass\n")
    assert result.exit_code == 0
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.role == "analyst"
        assert user.password_hash.startswith("$argon2id$")
        assert "s3cret-pass" not in user.password_hash
        assert verify_password(user.password_hash, "s3cret-pass")[0]
        assert not verify_password(user.password_hash, "wrong")[0]


def test_migrations_create_the_same_schema_as_the_models(app, runner):
    with app.app_context():
        db.drop_all()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {"campaign", "participant", "answer", "page_visit", "user_account",
            "audit_event", "alembic_version"} <= tables
    # alembic check compares the migrated schema with the models and exits
    # non-zero on any difference (a model changed without a migration).
    check = runner.invoke(args=["db", "check"])
    assert check.exit_code == 0, check.output


def test_every_migration_downgrades_and_upgrades_again(app, runner):
    """The whole chain down to an empty database and back, so no downgrade is
    left untried (0014's batch rebuild of participant was refused by SQLite
    while the export views read it)."""
    with app.app_context():
        db.drop_all()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    down = runner.invoke(args=["db", "downgrade", "base"])
    assert down.exit_code == 0, down.output
    with app.app_context():
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert runner.invoke(args=["db", "check"]).exit_code == 0


def test_the_parley_console_script_is_installed_and_lists_the_commands(tmp_path):
    parley = Path(sys.executable).parent / "parley"
    env = {**os.environ, "PARLEY_SECRET_KEY": "k", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    result = subprocess.run([str(parley), "--help"], capture_output=True, text=True, check=False,
                            env=env)
    for command in ("run", "db", "survey", "campaign", "export", "user", "analyse", "demo-data"):
        assert f"  {command} " in result.stdout, result.stdout


def test_every_parley_command_says_what_it_does_in_help(app):
    """Commands made in a loop (campaign open|pause|close|archive, user activate|deactivate,
    followup open|close) had empty help: click reads the docstring when decorating."""
    import click

    def walk(group, path):
        for name, command in group.commands.items():
            yield f"{path} {name}", command
            if isinstance(command, click.Group):
                yield from walk(command, f"{path} {name}")

    ctx = click.Context(app.cli)
    silent = [path for path, command in walk(app.cli, "parley")
              if not command.get_short_help_str(limit=200) and not path.startswith("parley limiter")]
    assert silent == []
    group = app.cli.get_command(ctx, "campaign")
    assert group.get_command(ctx, "pause").get_short_help_str() == "Make campaign SLUG paused."
