"""``parley audit``: read and export the audit trail from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.audit.operations import record_audit
from app.audit.queries import AuditFilter, audit_query, csv_lines
from app.extensions import db

__all__ = ["audit_command"]


@click.command("audit")
@click.option("--actor", help="Start of the email (or cli:) of who acted.")
@click.option("--action", help="Start of the action, e.g. account. or campaign.open")
@click.option("--campaign", help="Campaign slug.")
@click.option("--since", help="First day, YYYY-MM-DD (UTC).")
@click.option("--until", help="Last day, YYYY-MM-DD (UTC).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, writable=True),
              help="Write the rows as CSV to this file instead of printing them.")
@with_appcontext
def audit_command(actor, action, campaign, since, until, csv_path):
    """List the audit trail, newest first, filtered; or export it as CSV."""
    f = AuditFilter({"actor": actor, "action": action, "campaign": campaign, "since": since,
                     "until": until})
    if csv_path:
        record_audit(db.session, "audit.export", detail=str(f.as_args()) or None)
        db.session.commit()
        with open(csv_path, "w", encoding="utf-8", newline="") as out:
            for line in csv_lines(db.session, audit_query(f)):
                out.write(line)
        click.echo(f"audit trail written to {csv_path}")
        return
    for e in db.session.scalars(audit_query(f).limit(1000)):
        click.echo(f"{e.at.isoformat(timespec='seconds')}\t{e.actor}\t{e.remote_addr or '-'}\t"
                   f"{e.action}\t{e.campaign_slug or '-'}\t{e.detail or ''}")
