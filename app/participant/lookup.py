"""What a participant request needs from the database, read in one statement.

Every participant request needs its campaign's ``revision`` (to check this
process's cached copy, app/campaigns/cache.py), the participant of the
resume cookie, and, for a page view, whether the first view of their
current step is recorded. Three queries cost three round trips on
PostgreSQL and most of a page view's SQLAlchemy time on either backend, so
one prebuilt statement (built once at import, only its parameters change)
reads all three: the campaign, outer-joined with the participant whose
resume-code hash matches, with an EXISTS on the page visit of the
participant's current step.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from app.campaigns.cache import CachedCampaign, current_entry
from app.campaigns.tokens import hash_code
from app.models import Campaign, PageVisit, Participant

__all__ = ["Visit", "visit"]

_SHOWN = (
    select(PageVisit.id)
    .where(PageVisit.participant_id == Participant.id, PageVisit.step == Participant.step)
    .exists()
)

_STATEMENT = (
    select(Campaign.id, Campaign.revision, Participant, _SHOWN.label("shown"))
    .select_from(Campaign)
    .outerjoin(
        Participant,
        and_(
            Participant.campaign_id == Campaign.id,
            Participant.resume_token_hash == bindparam("code_hash"),
        ),
    )
    .where(Campaign.slug == bindparam("slug"))
)


@dataclass(frozen=True)
class Visit:
    """The campaign (cached, current) and the participant of a request."""

    found: CachedCampaign | None
    participant: Participant | None
    #: Whether the first view of the participant's current step is recorded.
    shown: bool


def visit(session: Session, slug: str, code: str) -> Visit:
    """The campaign ``slug`` (None if none) and the participant of resume code ``code``."""
    # No code: a hash that matches nobody (NULL never equals), as find_by_code.
    code_hash = hash_code(code) if code else None
    row = session.execute(_STATEMENT, {"slug": slug, "code_hash": code_hash}).first()
    found = current_entry(session, slug, row)
    if found is None:
        return Visit(None, None, False)
    participant = row.Participant
    return Visit(found, participant, bool(row.shown) if participant is not None else False)
