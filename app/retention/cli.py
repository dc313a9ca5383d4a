"""``parley purge``, ``parley campaign retention`` and ``parley participant delete``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.cli_support import campaign_or_fail
from app.extensions import db
from app.jobs.operations import clean_expired
from app.retention.erasure import flush_deleted
from app.retention.operations import (
    RetentionError,
    delete_participant_data,
    find_participant,
    purge,
    set_retention,
)

__all__ = ["purge_command", "retention_command", "participant_group"]



@click.command("purge")
@click.option("--dry-run", is_flag=True, help="List what would be deleted; change nothing.")
@with_appcontext
def purge_command(dry_run):
    """Delete the data of campaigns past their retention period (see docs/retention.md).

    Answers (free text and about-you answers included), page times,
    resume/follow-up code hashes, external-id hashes and export files go;
    an anonymous row per participant and the audit trail stay. Run it
    daily from cron or a systemd timer.
    """
    done = purge(db.session, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    for counts in done:
        click.echo(f"{counts.slug}: {verb} {counts.describe()}")
    if not done:
        click.echo("no campaign is past its retention period")
    if not dry_run:
        clean_expired(db.session)


@click.command("retention")
@click.argument("slug")
@click.argument("days")
@with_appcontext
def retention_command(slug, days):
    """Keep campaign SLUG's data DAYS days after closing ("none": until decided)."""
    campaign = campaign_or_fail(slug)
    try:
        value = None if days == "none" else int(days)
        set_retention(db.session, campaign, value)
    except (ValueError, RetentionError) as exc:
        raise click.ClickException(f"DAYS is a whole number of days or 'none' ({exc})") from None
    db.session.commit()
    click.echo(f"campaign '{slug}' keeps its data "
               f"{'until someone decides' if value is None else f'{value} days after closing'}")


@click.group("participant")
def participant_group():
    """One participant's data (their right to have it deleted)."""


@participant_group.command("delete")
@click.argument("slug")
@click.option("--code", help="The participant's resume code.")
@click.option("--external-id", help="The participant's panel id.")
@with_appcontext
def participant_delete(slug, code, external_id):
    """Delete the answers of the participant of SLUG with this resume code or panel id."""
    if bool(code) == bool(external_id):
        raise click.ClickException("give --code or --external-id (one of them)")
    campaign = campaign_or_fail(slug)
    participant = find_participant(db.session, campaign, code=code, external_id=external_id)
    if participant is None:
        raise click.ClickException("no participant of this campaign has that code or id")
    counts = delete_participant_data(db.session, campaign, participant,
                                     "resume code" if code else "external id")
    db.session.commit()
    flush_deleted(db.session)
    click.echo(f"deleted the data of {participant.public_id}: {counts.describe()}")
