"""First-run set-up used by ``parley run``: database, admin account, flagship campaign.

Idempotent: the second run changes nothing and prints the same link.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select

from app.accounts.passwords import hash_password
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
        user = User(email=ADMIN_EMAIL, role="owner", password_hash=hash_password(password))
        db.session.add(user)
    survey = load_cached(folder)
    # The campaign of this survey version is the first of slug, slug-2,
    # slug-3, ... that pins it. When the shipped survey was edited (a new
    # release) none does: never mix versions in one campaign. The old ones
    # keep their data (and their stored codebooks, so they stay exportable);
    # a new campaign opens at the first free slug, once, and later runs find it.
    candidate, n = slug, 1
    while campaign := db.session.scalar(select(Campaign).where(Campaign.slug == candidate)):
        if campaign.survey_version == survey.version:
            break
        n += 1
        candidate = f"{slug}-{n}"
    slug = candidate
    if campaign is None:
        campaign = create_campaign(db.session, slug=slug, survey_folder=folder, actor="setup")
    if campaign.status in ("draft", "paused"):
        set_status(db.session, campaign, "open", "setup")
    db.session.commit()
    return SetupReport(slug, ADMIN_EMAIL, password)
