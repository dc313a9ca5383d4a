"""``parley`` commands of the survey library and test data: import a survey zip, delete previews."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.audit import record_audit
from app.campaigns.surveys import uploaded_surveys_folder
from app.campaigns.testdata import delete_test_participants
from app.campaigns.upload_store import record
from app.campaigns.uploads import Limits, UploadError, store_survey_zip, stored_folder
from app.cli_support import campaign_or_fail
from app.extensions import db
from surveys import SurveyError

__all__ = ["register_library_commands"]


@click.command("import")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def survey_import(archive: Path):
    """Check the survey zip ARCHIVE and store it with the uploaded surveys.

    The same checks as the browser upload: size, file count and path limits,
    then the survey loader. Prints every problem and stores nothing if any.
    """
    limits = Limits(**current_app.config.get("PARLEY_SURVEY_UPLOAD_LIMITS", {}))
    try:
        with archive.open("rb") as stream:
            survey = store_survey_zip(stream, uploaded_surveys_folder(), limits)
    except UploadError as exc:
        for message in exc.messages:
            click.echo(message, err=True)
        raise click.ClickException(f"{archive} was refused") from None
    except SurveyError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s) in {archive}") from None
    folder = stored_folder(uploaded_surveys_folder(), survey)
    record(db.session, folder, survey.version)  # every app host offers it (upload_store.py)
    record_audit(db.session, "survey.upload", detail=f"{survey.id} {survey.version} "
                 f"from {archive.name}")
    db.session.commit()
    if folder.is_relative_to(Path.cwd()):
        folder = folder.relative_to(Path.cwd())
    # Print the folder: `campaign create --survey` needs it and the name carries the version.
    click.echo(f"stored survey {survey.id} (version {survey.version[:12]}) in {folder}; create a "
               f"campaign on it in the browser (Surveys) or with: parley campaign create SLUG "
               f"--survey {folder}")


@click.group("test-data")
def test_data_group():
    """Test participants (previews) of a campaign."""


@test_data_group.command("delete")
@click.argument("slug")
@with_appcontext
def test_data_delete(slug: str):
    """Delete every test participant of campaign SLUG and their answers (audited)."""
    campaign = campaign_or_fail(slug)
    n = delete_test_participants(db.session, campaign)
    click.echo(f"deleted {n} test participant(s) of campaign '{slug}'")


def register_library_commands(campaign_group: click.Group, survey_group: click.Group) -> None:
    campaign_group.add_command(test_data_group)
    survey_group.add_command(survey_import)
