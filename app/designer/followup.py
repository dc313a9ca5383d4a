"""The follow-up wave in the browser: the numbers its page shows.

Opening, closing and minting links are the same operations the CLI calls
(``set_followup_status``, ``write_links_csv``); this module only counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Campaign, Participant

__all__ = ["FollowupCounts", "followup_counts"]


@dataclass(frozen=True)
class FollowupCounts:
    completers: int  # who can be followed up (real participants who completed)
    with_link: int  # completers holding a follow-up code
    started: int
    answered: int  # completers who finished the follow-up


def followup_counts(session: Session, campaign: Campaign) -> FollowupCounts:
    """One query: completers, and how far the follow-up has reached them."""
    row = session.execute(
        select(func.count(),
               func.count(Participant.followup_token_hash),
               func.count(Participant.followup_started_at),
               func.count(Participant.followup_completed_at))
        .where(Participant.campaign_id == campaign.id, Participant.status == "completed",
               Participant.is_test.is_(False))
    ).one()  # fmt: skip
    return FollowupCounts(*row)
