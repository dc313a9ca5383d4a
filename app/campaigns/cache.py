"""Campaigns and their surveys cached per process, checked against the database per request.

A participant page needs its campaign (status, languages, design) and the
pinned survey on every request; loading the row and checking the survey's
files each time cost more than the rest of the request. So each app keeps
the campaign (without its codebook) and its survey in memory, keyed by slug,
and every request reads only ``campaign.revision``: the database raises it
on any change of the row (app/models/campaign.py), so a status change made
by any worker, host or command is seen by every other one at its next
request. The survey's files are checked against the pinned version when the
entry is (re)built, not on every request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.campaigns.surveys import survey_for
from app.models import Campaign
from surveys import Survey

__all__ = ["CachedCampaign", "cached_campaign", "current_entry"]

_KEY = "parley_campaign_cache"


@dataclass(frozen=True)
class CachedCampaign:
    #: Detached copy; give it to ``session.merge(..., load=False)`` before use.
    campaign: Campaign
    revision: int
    survey: Survey
    #: Rendered pages of this revision (app/participant/page_cache.py): they
    #: go with the entry, so a change of the campaign drops them too.
    pages: dict = field(default_factory=dict, compare=False)


def cached_campaign(session: Session, slug: str) -> CachedCampaign | None:
    """The campaign ``slug`` and its survey, fresh as of this request; None if none."""
    row = session.execute(
        select(Campaign.id, Campaign.revision).where(Campaign.slug == slug)
    ).first()
    return current_entry(session, slug, row)


def current_entry(session: Session, slug: str, row) -> CachedCampaign | None:
    """The cache entry of ``slug``, given its ``row`` (``id``, ``revision``) read just now.

    For callers that read the revision together with other rows in one
    statement (app/participant/lookup.py); ``row`` None: no such campaign.
    """
    cache: dict[str, CachedCampaign] = current_app.extensions.setdefault(_KEY, {})
    if row is None:
        cache.pop(slug, None)
        return None
    hit = cache.get(slug)
    if hit is not None and hit.campaign.id == row.id and hit.revision == row.revision:
        return hit
    campaign = session.scalar(
        select(Campaign).where(Campaign.id == row.id).execution_options(populate_existing=True)
    )
    if campaign is None:  # deleted between the two reads
        cache.pop(slug, None)
        return None
    entry = CachedCampaign(campaign, campaign.revision, survey_for(campaign))
    session.expunge(campaign)
    cache[slug] = entry
    return entry
