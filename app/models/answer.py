"""Answers and page visits: what was asked, when, and what came back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from analysis.contract import PHASES
from app.models.base import Base, UTCDateTime, one_of, utcnow

__all__ = ["Answer", "PageVisit"]


class Answer(Base):
    """One answer: participant x phase x module x item, never two."""

    __tablename__ = "answer"
    __table_args__ = (
        UniqueConstraint("participant_id", "phase", "module", "item"),
        CheckConstraint(one_of("phase", PHASES), name="phase"),
        CheckConstraint("value IS NOT NULL OR text IS NOT NULL", name="has_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    phase: Mapped[str] = mapped_column(String(16))
    #: Module id for phase "module"; "" otherwise (not NULL, so the unique key holds).
    module: Mapped[str] = mapped_column(String(64), default="")
    item: Mapped[str] = mapped_column(String(64))
    value: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)
    page: Mapped[str] = mapped_column(String(64))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Server time from first showing the page to its accepted submit.
    seconds_on_page: Mapped[float | None] = mapped_column(Float)


class PageVisit(Base):
    """When a step was first shown and when it was submitted (then it is locked)."""

    __tablename__ = "page_visit"
    __table_args__ = (UniqueConstraint("participant_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[str] = mapped_column(String(200))
    shown_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
