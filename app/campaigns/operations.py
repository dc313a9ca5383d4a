"""Write operations on campaigns, each recorded in the audit log."""

from __future__ import annotations

import hashlib
import re
import secrets
import tomllib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import record_audit
from app.campaigns.allocation import default_block_size
from app.campaigns.design import (
    DESIGN_FIELDS,
    CampaignError,
    DesignError,
    merged_design,
    opening_problems,
)
from app.campaigns.settings import change_settings
from app.campaigns.survey_copy import survey_files
from app.campaigns.surveys import (
    load_cached,
    stored_survey_path,
    survey_folder_of,
    survey_for,
)
from app.exchange.operations import load_seeds
from app.export.codebook import build_codebook
from app.models import Campaign, Quota, utcnow
from surveys import Survey

__all__ = ["create_campaign", "set_status", "audit", "update_design", "apply_schedules",
           "set_followup_status",
           "CampaignError", "DesignError", "TRANSITIONS"]

#: Used with fullmatch: ``^...$`` with match() would allow a final "\n".
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")

#: Allowed status changes.
TRANSITIONS = {
    "draft": {"open"},
    "open": {"paused", "closed"},
    "paused": {"open", "closed"},
    "closed": {"archived", "open"},
    "archived": set(),
}




def audit(session: Session, actor: str, action: str, campaign: Campaign | None, detail=None):
    """Kept for existing callers: new code calls :func:`app.audit.record_audit`."""
    record_audit(session, action, campaign=campaign, detail=detail, actor=actor)


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
    design: dict | None = None,
) -> Campaign:
    """Create a draft campaign pinned to the survey's current version.

    ``design`` may set any key of ``app.campaigns.design.DESIGN_FIELDS``
    (access mode, completion codes, quotas, ...); the whole design is
    validated as by :func:`update_design`. Raises CampaignError (DesignError
    with every problem for an invalid design). Does not commit.
    """
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        raise CampaignError("a slug is 2-63 lowercase letters, digits or hyphens")
    if session.scalar(select(Campaign.id).where(Campaign.slug == slug)) is not None:
        raise CampaignError(f"a campaign '{slug}' exists already")
    survey = load_cached(Path(survey_folder).resolve())
    if preregistration:
        missing = [i for i in preregistration.get("primary_items", []) if i not in survey.items]
        if missing:
            raise CampaignError(f"pre-registered items not in the survey: {', '.join(missing)}")
    languages = languages or list(survey.languages)
    campaign = Campaign(
        slug=slug,
        survey_path=stored_survey_path(survey_folder),
        survey_id=survey.id,
        survey_version=survey.version,
        preregistration=preregistration,
        codebook=build_codebook(survey),
        survey_files=survey_files(Path(survey_folder).resolve()),
        status="draft",
        **DEFAULT_DESIGN,
    )
    first = languages[0] if languages[0] in survey.languages else survey.default_language
    given = {
        "title": title or survey.title[first],
        "languages": languages,
        "block_size": block_size or default_block_size(survey),
        "seed": seed or secrets.token_hex(16),
        "rebalance_dropouts": rebalance_dropouts,
        "results_min_completed": results_min_completed,
        **(design or {}),
    }
    for field, value in merged_design(campaign, given, survey).items():
        setattr(campaign, field, value)
    session.add(campaign)
    session.flush()
    load_seeds(session, campaign, survey)
    audit(session, actor, "campaign.create", campaign, f"survey {survey.id} {survey.version}")
    return campaign


#: A new campaign's design before the caller's choices (validated together with them).
DEFAULT_DESIGN = {
    "title": "", "languages": [], "block_size": 1, "seed": "", "rebalance_dropouts": False,
    "abandon_after_minutes": 120, "results_min_completed": 30, "show_results": False,
    "access": "open", "panel": None,
    "completion": {}, "screening": [], "quotas": [], "strata": [],
    "end_on_failed_attention": False, "opens_at": None, "closes_at": None, "target_n": None,
    "arm_weights": None,
}


def update_design(session: Session, campaign: Campaign, changes: dict, actor: str,
                  survey: Survey | None = None) -> Campaign:
    """Change a campaign's design (any keys of DESIGN_FIELDS); does not commit.

    Validates the whole resulting design against the pinned survey. Raises
    DesignError listing every problem, and changes nothing, when a key is
    unknown or the result is invalid. A draft may change anything (one
    audit event naming the changed fields); an opened campaign (open,
    paused, closed) only its operational settings, each change audited with
    its old and new value (app.campaigns.settings); an archived one nothing.
    """
    if campaign.status == "archived":
        raise DesignError(["an archived campaign cannot change"])
    merged = merged_design(campaign, changes, survey or survey_for(campaign))
    if campaign.status != "draft":
        change_settings(session, campaign, merged, actor)
        return campaign
    changed = [f for f in DESIGN_FIELDS if merged[f] != getattr(campaign, f)]
    for field in changed:
        setattr(campaign, field, merged[field])
    if changed:
        record_audit(session, "campaign.design", campaign=campaign,
                     detail="changed " + ", ".join(changed), actor=actor)
    return campaign


def set_status(session: Session, campaign: Campaign, status: str, actor: str) -> None:
    """Move a campaign to ``status`` if the transition is allowed.

    Opening a draft pins its design: it refuses a design that cannot field
    (for example a Prolific campaign without a completion code) and creates
    the quota counters (app.models.Quota).
    """
    if status not in TRANSITIONS[campaign.status]:
        raise CampaignError(f"a {campaign.status} campaign cannot become {status}")
    if status == "open" and campaign.status == "draft":
        problems = opening_problems(campaign)
        if problems:
            raise DesignError(problems)
        _ensure_quota_rows(session, campaign)
    previous, campaign.status = campaign.status, status
    if status == "open" and campaign.opened_at is None:
        campaign.opened_at = utcnow()
        freeze_plan(campaign)
    if status == "closed":
        campaign.closed_at = utcnow()
    audit(session, actor, f"campaign.{status}", campaign, f"{previous} -> {status}")


#: File name of the analysis plan beside the survey definition.
PLAN_FILE = "plan.toml"


def freeze_plan(campaign: Campaign) -> None:
    """Store the survey folder's analysis plan (text and SHA-256) as it is at opening.

    The plan is read once, when the campaign first opens, and never again:
    editing plan.toml afterwards does not change what the export says was
    planned (the report lists such a change as a deviation). A survey without
    a plan leaves both columns empty. The text must be valid TOML; its
    content is checked by the analysis (``analysis.plan``).
    """
    path = survey_folder_of(campaign) / PLAN_FILE
    if not path.is_file():
        return
    text = path.read_text(encoding="utf-8")
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CampaignError(f"{path}: the analysis plan is not valid TOML ({exc})") from None
    except RecursionError:
        raise CampaignError(f"{path}: the analysis plan nests arrays or tables too "
                            "deeply") from None
    campaign.plan_text = text
    campaign.plan_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()


def _ensure_quota_rows(session: Session, campaign: Campaign) -> None:
    """Create the counter row of each designed quota (when the campaign opens)."""
    existing = set(session.scalars(select(Quota.name).where(Quota.campaign_id == campaign.id)))
    for quota in campaign.quotas or []:
        if quota["name"] not in existing:
            session.add(Quota(campaign_id=campaign.id, name=quota["name"], cap=quota["cap"],
                              conditions=dict(quota["conditions"]), used=0))
    session.flush()


def apply_schedules(session: Session, actor: str) -> list[str]:
    """Close every open or paused campaign whose ``closes_at`` has passed; returns their slugs.

    Participants meet the schedule without this (``Campaign.is_open`` reads
    it on every request); this records the closing as a status change in the
    audit log (``parley campaign tick``, e.g. from cron). Opening is not
    automatic in the same way: an operator opens (pins) the design, and an
    ``opens_at`` in the future keeps the open campaign waiting until then.
    Does not commit.
    """
    due = session.scalars(
        select(Campaign).where(Campaign.status.in_(("open", "paused")),
                               Campaign.closes_at.is_not(None),
                               Campaign.closes_at <= utcnow())
    ).all()
    for campaign in due:
        set_status(session, campaign, "closed", actor)
    return [c.slug for c in due]


def set_followup_status(session: Session, campaign: Campaign, status: str, actor: str) -> None:
    """Open or close the follow-up wave ("open" or "closed"); does not commit.

    The wave is independent of the campaign's own status: a closed campaign
    (no new participants) can run its follow-up weeks later.
    """
    if status not in ("open", "closed"):
        raise CampaignError("the follow-up wave is either open or closed")
    if campaign.status == "draft":
        raise CampaignError("a draft campaign has no participants to follow up")
    previous, campaign.followup_status = campaign.followup_status, status
    record_audit(session, f"followup.{status}", campaign=campaign,
                 detail=f"{previous} -> {status}", actor=actor)
