"""Live figures for the admin dashboard: funnel and arm balance, from SQL aggregates."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Campaign, Participant

__all__ = ["CampaignFigures", "figures"]


@dataclass(frozen=True)
class CampaignFigures:
    by_status: dict[str, int]
    #: arm -> {status -> count}
    by_arm: dict[str, dict[str, int]]

    @property
    def started(self) -> int:
        return sum(self.by_status.values())


def figures(session: Session, campaign: Campaign) -> CampaignFigures:
    rows = session.execute(
        select(Participant.arm, Participant.status, func.count())
        .where(Participant.campaign_id == campaign.id)
        .group_by(Participant.arm, Participant.status)
    ).all()
    by_status: dict[str, int] = {}
    by_arm: dict[str, dict[str, int]] = {}
    for arm, status, n in rows:
        by_status[status] = by_status.get(status, 0) + n
        by_arm.setdefault(arm, {})[status] = n
    return CampaignFigures(by_status, dict(sorted(by_arm.items())))
