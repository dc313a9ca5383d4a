"""Count a landing-page arrival (one UPDATE, or an INSERT the first time in an hour)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.models import Arrival, Campaign, utcnow
from app.web.database import insert_ignoring_duplicates, writing

__all__ = ["record_arrival", "hour_of"]


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def record_arrival(session: Session, campaign: Campaign) -> None:
    """Add one to this hour's arrivals, in a short write of its own.

    The INSERT ... ON CONFLICT DO NOTHING makes the hour's row exist (two
    first visitors at once cannot both create it); the UPDATE then counts.
    """
    hour = hour_of(utcnow())
    with writing(session):
        session.execute(
            insert_ignoring_duplicates(session, Arrival.__table__).values(
                campaign_id=campaign.id, hour=hour, visits=0
            )
        )
        session.execute(
            update(Arrival).where(Arrival.campaign_id == campaign.id, Arrival.hour == hour)
            .values(visits=Arrival.visits + 1)
        )
