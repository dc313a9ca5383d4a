"""What every ``parley`` command shares: the campaign a slug names, and who is acting.

Commands run with the operator's database access (README: shell access is an
owner's), so the acting user is the operating-system account, written into
the audit trail as ``cli:<user>``.
"""

from __future__ import annotations

import getpass

import click
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign

__all__ = ["campaign_or_fail", "acting_user"]


def campaign_or_fail(slug: str) -> Campaign:
    """The campaign called ``slug``, or stop the command with a message that says what to do."""
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        raise click.ClickException(f"no campaign '{slug}' (see: parley campaign list)")
    return campaign


def acting_user() -> str:
    """Who runs a ``parley`` command: ``cli:<operating-system user>``."""
    return f"cli:{getpass.getuser()}"
