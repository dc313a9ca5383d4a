"""Landing-page arrivals per campaign and hour: the top of the funnel.

A counter, not a row per visit: an arrival is anonymous (no cookie, no
address is kept), and one row per hour stays small whatever the traffic.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime

__all__ = ["Arrival"]


class Arrival(Base):
    __tablename__ = "arrival"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True
    )
    #: Start of the UTC hour.
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    #: Landing pages shown to visitors who had not started yet.
    visits: Mapped[int] = mapped_column(default=0)
