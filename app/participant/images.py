"""A survey's images, served by survey version: ``/images/<version>/<id>.<ext>``.

The version is the SHA-256 of the survey's files, images included, so the
URL names the exact bytes: a changed image makes a new version and a new
URL, and a browser (or a shared cache) may keep an image for a year without
asking again (``immutable``). No campaign slug is in the URL, so a page
rendered once per survey version (the page caches) is right for every
campaign fielding that version.

Where the bytes come from:

- a campaign that is not a draft pins the version: from that campaign's own
  copy of its survey (stored in the database, written out once per host,
  app/campaigns/survey_copy.py), public;
- otherwise, for a signed-in manager or owner: a draft they manage, or a
  survey of the library (the workbench pages through surveys that no
  campaign uses yet), with ``private`` caching only.

Anything else is 404, so an unpublished survey's images are not served to
the public.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import abort, send_file
from flask_login import current_user
from sqlalchemy import select

from app.accounts.permissions import can
from app.campaigns.cache import cached_campaign
from app.campaigns.library import known_surveys
from app.campaigns.survey_copy import copy_path
from app.campaigns.surveys import survey_folder_of
from app.extensions import db
from app.models import Campaign

__all__ = ["image", "ONE_YEAR"]

ONE_YEAR = 365 * 24 * 3600
_VERSION = re.compile(r"[0-9a-f]{64}")


def _find(survey, name: str):
    return next((i for i in survey.images.values() if i.file_name == name), None)


def _from_campaign(campaign_row, name: str) -> tuple[Path, str] | None:
    """The image file in the campaign's own copy of its survey, and its media type."""
    entry = cached_campaign(db.session, campaign_row.slug)
    found = _find(entry.survey, name) if entry is not None else None
    if found is None:
        return None
    folder = copy_path(campaign_row.id, campaign_row.survey_version)
    if not folder.is_dir():  # no copy on this host (or none stored): the campaign says where
        folder = survey_folder_of(db.session.get(Campaign, campaign_row.id))
    return folder / found.file, found.media_type


def _from_library(version: str, name: str) -> tuple[Path, str] | None:
    known = next((k for k in known_surveys() if k.listing.version == version), None)
    found = _find(known.survey, name) if known is not None else None
    return (known.folder / found.file, found.media_type) if found is not None else None


def _signed_in_designer() -> bool:
    return current_user.is_authenticated and current_user.active and current_user.role in (
        "owner", "manager")


def image(version: str, name: str):
    """The image ``name`` of survey ``version``, with a year's immutable caching."""
    if not _VERSION.fullmatch(version):
        abort(404)
    rows = db.session.execute(
        select(Campaign.id, Campaign.slug, Campaign.status, Campaign.survey_version)
        .where(Campaign.survey_version == version).order_by(Campaign.id)
    ).all()
    public = next((r for r in rows if r.status != "draft"), None)
    found = _from_campaign(public, name) if public is not None else None
    if public is None:
        if not _signed_in_designer():
            abort(404)
        draft = next((r for r in rows if can(current_user, "manage",
                                             db.session.get(Campaign, r.id))), None)
        found = _from_campaign(draft, name) if draft is not None else _from_library(version,
                                                                                     name)
    if found is None:
        abort(404)
    path, media_type = found
    response = send_file(path, mimetype=media_type, conditional=True, etag=True,
                         max_age=ONE_YEAR)
    response.cache_control.immutable = True
    if public is not None:
        response.cache_control.public = True
    else:
        response.cache_control.private = True
    return response
