"""Write operations on campaigns, each recorded in the audit log."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.campaigns.surveys import load_cached, stored_survey_path
from app.export.codebook import build_codebook
from app.models import AuditEvent, Campaign, utcnow
from app.participant.allocation import default_block_size

__all__ = ["create_campaign", "set_status", "audit", "CampaignError", "TRANSITIONS"]

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")

#: Allowed status changes.
TRANSITIONS = {
    "draft": {"open"},
    "open": {"paused", "closed"},
    "paused": {"open", "closed"},
    "closed": {"archived", "open"},
    "archived": set(),
}


class CampaignError(ValueError):
    """A campaign operation was refused; the message says why."""


def audit(session: Session, actor: str, action: str, campaign: Campaign | None, detail=None):
    session.add(
        AuditEvent(actor=actor, action=action, campaign_id=campaign.id if campaign else None,
                   detail=detail)
    )  # fmt: skip


def create_campaign(
    session: Session,
    *,
    slug: str,
    survey_folder: str | Path,
    actor: str,
    title: str | None = None,
    languages: list[str] | None = None,
    block_size: int | None = None,
    rebalance_dropouts: bool = False,
    results_min_completed: int = 30,
    seed: str | None = None,
    preregistration: dict | None = None,
) -> Campaign:
    """Create a draft campaign pinned to the survey's current version."""
    if not SLUG_RE.match(slug):
        raise CampaignError("a slug is 2-63 lowercase letters, digits or hyphens")
    if session.scalar(select(Campaign.id).where(Campaign.slug == slug)) is not None:
        raise CampaignError(f"a campaign '{slug}' exists already")
    survey = load_cached(Path(survey_folder).resolve())
    languages = languages or list(survey.languages)
    unknown = [lang for lang in languages if lang not in survey.languages]
    if unknown:
        raise CampaignError(f"the survey has no language {', '.join(unknown)}")
    weights = sum(arm.weight for arm in survey.arms)
    block_size = block_size or default_block_size(survey)
    if block_size % weights:
        raise CampaignError(f"block size must be a multiple of the arm weights' sum ({weights})")
    if preregistration:
        missing = [i for i in preregistration.get("primary_items", []) if i not in survey.items]
        if missing:
            raise CampaignError(f"pre-registered items not in the survey: {', '.join(missing)}")
    campaign = Campaign(
        slug=slug,
        title=title or survey.title[languages[0]],
        survey_path=stored_survey_path(survey_folder),
        survey_id=survey.id,
        survey_version=survey.version,
        seed=seed or secrets.token_hex(16),
        block_size=block_size,
        rebalance_dropouts=rebalance_dropouts,
        languages=languages,
        results_min_completed=results_min_completed,
        preregistration=preregistration,
        codebook=build_codebook(survey),
        status="draft",
    )
    session.add(campaign)
    session.flush()
    audit(session, actor, "campaign.create", campaign, f"survey {survey.id} {survey.version}")
    return campaign


def set_status(session: Session, campaign: Campaign, status: str, actor: str) -> None:
    """Move a campaign to ``status`` if the transition is allowed."""
    if status not in TRANSITIONS[campaign.status]:
        raise CampaignError(f"a {campaign.status} campaign cannot become {status}")
    previous, campaign.status = campaign.status, status
    if status == "open" and campaign.opened_at is None:
        campaign.opened_at = utcnow()
    if status == "closed":
        campaign.closed_at = utcnow()
    audit(session, actor, f"campaign.{status}", campaign, f"{previous} -> {status}")
