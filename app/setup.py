"""First-run set-up used by ``parley run``: database, admin account, flagship campaign.

Idempotent: the second run changes nothing and prints the same link.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select

from app.campaigns.operations import create_campaign, set_status
from app.campaigns.surveys import load_cached
from app.extensions import db
from app.models import Campaign, User

__all__ = ["SetupReport", "prepare_flagship", "ADMIN_EMAIL"]

ADMIN_EMAIL = "admin@localhost"
FLAGSHIP_SLUG = "peace-in-europe"


@dataclass(frozen=True)
class SetupReport:
    slug: str
    admin_email: str
    #: Only on the run that created the account; never stored in clear.
    admin_password: str | None


def prepare_flagship(folder: Path, slug: str = FLAGSHIP_SLUG) -> SetupReport:
    upgrade()  # create or migrate the schema
    password = None
    if db.session.scalar(select(User.id).limit(1)) is None:
        password = secrets.token_urlsafe(12)
        user = User(email=ADMIN_EMAIL, role="owner")
        user.set_password(password)
        db.session.add(user)
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    survey = load_cached(folder)
    if campaign is not None and campaign.survey_version != survey.version:
        # The shipped survey was edited (a new release): never mix versions in
        # one campaign. The old one keeps its data (and its stored codebook,
        # so it stays exportable); a new campaign opens beside it.
        n = 2
        while db.session.scalar(select(Campaign.id).where(Campaign.slug == f"{slug}-{n}")):
            n += 1
        slug = f"{slug}-{n}"
        campaign = None
    if campaign is None:
        campaign = create_campaign(db.session, slug=slug, survey_folder=folder, actor="setup")
    if campaign.status in ("draft", "paused"):
        set_status(db.session, campaign, "open", "setup")
    db.session.commit()
    return SetupReport(slug, ADMIN_EMAIL, password)
