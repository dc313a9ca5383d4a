"""The argument exchange: statements, ratings, pairs, exposures, moderation, frozen sets.

A *statement* is a participant's argument (written after every outcome
question), a research-team seed, or a neutral placebo statement. It is shown
to other participants only once approved (seeds and placebo are approved at
load). An *exposure* is one card dealt to a participant, with the inclusion
probability of the draw and the pool it was drawn from; a *rating* is the
participant's answer to that card. See ``docs/exchange.md``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from analysis import contract
from app.models.base import Base, UTCDateTime, one_of, utcnow

__all__ = [
    "STATEMENT_STATUSES", "REASONS", "REPORT_REASONS", "DECISIONS", "DECIDER_ROLES", "AGREE",
    "POOL_KINDS", "Statement", "Rating", "Pair", "Exposure", "ModerationDecision",
    "StatementReport", "FrozenSet", "FrozenMember",
]

STATEMENT_STATUSES = contract.STATEMENT_STATUSES
#: Why a moderator rejects a statement (the export's ``reason`` codes).
REASONS = contract.REJECTION_REASONS
#: Why a participant reports a card.
REPORT_REASONS = ("incivility", "personal_data", "off_topic", "spam", "other")
DECISIONS = contract.MODERATION_DECISIONS
DECIDER_ROLES = contract.MODERATOR_ROLES
AGREE = contract.AGREE_VALUES
#: A frozen display set, or a snapshot of the live pool.
POOL_KINDS = contract.POOL_MODES


class Statement(Base):
    """One statement: a participant's (``participant_id``), a seed or a placebo one."""

    __tablename__ = "statement"
    __table_args__ = (
        # one statement per participant and source item
        UniqueConstraint("participant_id", "source_item"),
        # a seed or placebo statement is loaded once per language
        UniqueConstraint("campaign_id", "seed_key", "placebo", "language"),
        CheckConstraint(one_of("status", STATEMENT_STATUSES), name="status"),
        CheckConstraint(f"reason IS NULL OR (status = 'rejected' AND "
                        f"{one_of('reason', REASONS)})", name="reason"),
        CheckConstraint("side IS NULL OR side IN ('for', 'against')", name="side"),
        CheckConstraint("(participant_id IS NULL) = (seed_key IS NOT NULL)", name="origin"),
        CheckConstraint("NOT placebo OR seed_key IS NOT NULL", name="placebo_is_set"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    #: The author; NULL for seeds and placebo statements. Deleting the
    #: participant's data deletes their statements.
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    #: The key of a seed or placebo statement in the survey's files.
    seed_key: Mapped[str | None] = mapped_column(String(64))
    placebo: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(16))
    #: The proposal (module id) argued about; NULL for placebo statements.
    proposal: Mapped[str | None] = mapped_column(String(64))
    side: Mapped[str | None] = mapped_column(String(8))
    #: The text item the participant answered; NULL for seeds.
    source_item: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    reason: Mapped[str | None] = mapped_column(String(32))
    #: Triage: 0 (nothing found) .. 1, and the flags that made it.
    risk: Mapped[float | None] = mapped_column(Float)
    flags: Mapped[list | None] = mapped_column(JSON)
    #: MinHash signature of the text's shingles (near-duplicate triage).
    signature: Mapped[list | None] = mapped_column(JSON)
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def seed(self) -> bool:
        return self.participant_id is None and not self.placebo


class FrozenSet(Base):
    """A display set (``frozen``) or a live pool snapshot, identified by its hash."""

    __tablename__ = "frozen_set"
    __table_args__ = (
        UniqueConstraint("campaign_id", "pool_version"),
        CheckConstraint(one_of("kind", POOL_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8), default="frozen")
    #: SHA-256 of the sorted statement ids and texts (frozen), or
    #: ``live:<snapshot>`` for a live pool snapshot.
    pool_version: Mapped[str] = mapped_column(String(80))
    min_ratings: Mapped[int | None] = mapped_column(Integer)
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    frozen_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: The earlier campaign (of the same survey) whose statements the set holds,
    #: for a set frozen from a seeding pilot; None when they are this campaign's.
    source_campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign.id", ondelete="SET NULL")
    )


class FrozenMember(Base):
    """A statement of a frozen set or snapshot."""

    __tablename__ = "frozen_member"

    frozen_set_id: Mapped[int] = mapped_column(
        ForeignKey("frozen_set.id", ondelete="CASCADE"), primary_key=True
    )
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statement.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Exposure(Base):
    """One card dealt to a participant: which statement, where, with what probability."""

    __tablename__ = "exposure"
    __table_args__ = (
        UniqueConstraint("participant_id", "position"),
        UniqueConstraint("participant_id", "statement_id"),
        CheckConstraint("position >= 1", name="position"),
        CheckConstraint("probability > 0 AND probability <= 1", name="probability"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statement.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    #: Inclusion probability of this statement for this participant under the draw made.
    probability: Mapped[float] = mapped_column(Float)
    #: The frozen set's hash, or ``live:<snapshot>``.
    pool_version: Mapped[str] = mapped_column(String(80))
    dealt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Rating(Base):
    """A rater's answer to one card: fair (1, 0.5, 0) or skipped, and agree."""

    __tablename__ = "rating"
    __table_args__ = (
        UniqueConstraint("participant_id", "statement_id"),
        CheckConstraint("fair IS NULL OR fair IN (0, 0.5, 1)", name="fair"),
        CheckConstraint("(skipped AND fair IS NULL) OR (NOT skipped AND fair IS NOT NULL)",
                        name="skipped"),
        CheckConstraint(f"agree IS NULL OR {one_of('agree', AGREE)}", name="agree"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statement.id", ondelete="CASCADE"), index=True
    )
    fair: Mapped[float | None] = mapped_column(Float)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    agree: Mapped[str | None] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seconds_on_page: Mapped[float | None] = mapped_column(Float)


class Pair(Base):
    """A pairwise choice: which of two statements helps more to understand a proposal."""

    __tablename__ = "statement_pair"
    __table_args__ = (
        UniqueConstraint("participant_id", "position"),
        CheckConstraint("left_id <> right_id", name="two"),
        CheckConstraint("chosen_id IS NULL OR chosen_id IN (left_id, right_id)", name="chosen"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    left_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    right_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    #: NULL when the participant chose neither.
    chosen_id: Mapped[int | None] = mapped_column(
        ForeignKey("statement.id", ondelete="CASCADE")
    )
    proposal: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModerationDecision(Base):
    """One decision on a statement; the audit trail of moderation (never edited)."""

    __tablename__ = "moderation_decision"
    __table_args__ = (
        CheckConstraint(one_of("decision", DECISIONS), name="decision"),
        CheckConstraint(one_of("role", DECIDER_ROLES), name="role"),
        CheckConstraint(f"reason IS NULL OR {one_of('reason', REASONS)}", name="reason"),
        CheckConstraint("decision <> 'reject' OR reason IS NOT NULL", name="reject_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statement.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    role: Mapped[str] = mapped_column(String(16))
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    #: The blind second coding of the random 5% sample (it changes no status).
    second: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StatementReport(Base):
    """A participant reports a card; three reports hold the statement for review."""

    __tablename__ = "statement_report"
    __table_args__ = (
        UniqueConstraint("statement_id", "participant_id"),
        CheckConstraint(one_of("reason", REPORT_REASONS), name="reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statement.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(16))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
