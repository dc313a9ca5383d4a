"""The order in which a participant was shown a page's items and an item's options (issue 22)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from analysis.contract import PHASES
from app.models.base import Base, one_of

__all__ = ["DisplayOrder"]


class DisplayOrder(Base):
    """One item of a shuffled page as one participant saw it; written with the page's answers.

    A row for every item of a page whose items are shuffled, and for every
    item whose options are (answered or not), so a skipped item's place is
    known too. The order can be
    recomputed from the campaign's seed (surveys/display_order.py); it is
    stored all the same, so the export says what was shown, not what a
    later version of the code would compute.
    """

    __tablename__ = "display_order"
    __table_args__ = (
        UniqueConstraint("participant_id", "phase", "module", "item"),
        CheckConstraint(one_of("phase", PHASES), name="phase"),
        CheckConstraint("position >= 1", name="position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    phase: Mapped[str] = mapped_column(String(16))
    #: Module id for phase "module"; "" otherwise (as in ``answer``).
    module: Mapped[str] = mapped_column(String(64), default="")
    page: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(64))
    #: 1-based place of the item on the page as shown.
    position: Mapped[int]
    #: The option ids as shown, joined with "|"; null when the options were not shuffled.
    options: Mapped[str | None] = mapped_column(Text)
