"""``parley exchange ...``: the moderation queue and freezing a display set (fixed interface).

    parley exchange queue SLUG                         # pending statements: ID<TAB>text
    parley exchange moderate SLUG ID --approve | --reject REASON
    parley exchange freeze SLUG [--min-ratings 80]     # prints the frozen set's hash
    parley exchange freeze SLUG --from OTHER_SLUG [--min-ratings 80]   # from a seeding pilot
    parley exchange freeze SLUG --statement ID [--statement ID ...]   # a chosen list

Commands run with the operator's database access (shell access is an
owner's): decisions are recorded with the role ``owner`` and the operating
system account as the actor in the audit trail.
"""

from __future__ import annotations

import re

import click
from flask.cli import with_appcontext

from app.cli_support import acting_user, campaign_or_fail
from app.exchange import moderation
from app.exchange.pools import PoolError, freeze
from app.extensions import db
from app.models import REASONS

__all__ = ["exchange_group"]

#: Line breaks and tabs inside a text would break "one statement a line".
_BREAKS = re.compile(r"[\t\r\n\v\f\x85\u2028\u2029]+")


@click.group("exchange")
def exchange_group():
    """The argument exchange: moderation queue and display sets."""



@exchange_group.command("queue")
@click.argument("slug")
@with_appcontext
def queue_command(slug):
    """Print the statements waiting for a decision, riskiest first: ID<TAB>text."""
    campaign = campaign_or_fail(slug)
    entries = moderation.queue(db.session, campaign)
    db.session.commit()
    for entry in entries:
        click.echo(f"{entry.id}\t{_BREAKS.sub(' ', entry.text)}")


@exchange_group.command("moderate")
@click.argument("slug")
@click.argument("statement_id", type=int)
@click.option("--approve", is_flag=True, help="Approve the statement.")
@click.option("--reject", "reason", type=click.Choice(REASONS), help="Reject it, for this reason.")
@with_appcontext
def moderate_command(slug, statement_id, approve, reason):
    """Approve a statement, or reject it with a reason code."""
    if approve == bool(reason):
        raise click.UsageError("give exactly one of --approve or --reject REASON")
    campaign = campaign_or_fail(slug)
    try:
        recorded = moderation.decide(db.session, campaign, statement_id,
                                     "approve" if approve else "reject", reason, None,
                                     actor=acting_user(), role="owner")
    except moderation.ModerationError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"statement {statement_id}: {recorded}")


@exchange_group.command("freeze")
@click.argument("slug")
@click.option("--min-ratings", default=80, show_default=True, type=click.IntRange(min=1),
              help="Freeze every approved statement with at least this many ratings.")
@click.option("--from", "source_slug", metavar="OTHER_SLUG",
              help="Take the statements and their ratings from an earlier campaign of the "
                   "same survey (a seeding pilot).")
@click.option("--statement", "statement_ids", metavar="ID", type=int, multiple=True,
              help="Freeze this approved statement (repeat for a chosen list) instead of "
                   "those with --min-ratings ratings.")
@with_appcontext
def freeze_command(slug, min_ratings, source_slug, statement_ids):
    """Freeze the display set; print its SHA-256 (the exposures' pool_version)."""
    campaign = campaign_or_fail(slug)
    source = campaign_or_fail(source_slug) if source_slug else None
    try:
        frozen = freeze(db.session, campaign, min_ratings=min_ratings, actor=acting_user(),
                        source=source, statement_ids=list(statement_ids) or None)
    except PoolError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(frozen.pool_version)
