"""A participant: arm, module order, language, progress and resume token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from analysis.contract import STATUSES
from app.models.base import Base, UTCDateTime, one_of, utcnow

__all__ = ["Participant", "PARTICIPANT_STATUSES", "OUTCOMES"]

#: The export contract's statuses (participants.csv).
PARTICIPANT_STATUSES = STATUSES
#: How a participant's journey ended; each has its own completion code and redirect.
#: ("declined" has no row: declining consent stores nothing.)
OUTCOMES = ("completed", "screened_out", "over_quota", "failed_attention", "declined")


class Participant(Base):
    __tablename__ = "participant"
    __table_args__ = (
        # One slot of the seeded allocation sequence per participant: two
        # concurrent starts can never draw the same slot.
        UniqueConstraint("campaign_id", "stratum", "allocation_seq"),
        CheckConstraint(one_of("status", PARTICIPANT_STATUSES), name="status"),
        Index("ix_participant_campaign_status", "campaign_id", "status"),
        # The same panel id coming back continues the same participant.
        UniqueConstraint("campaign_id", "external_id_hash"),
        CheckConstraint(
            "outcome IS NULL OR outcome IN "
            "('completed', 'screened_out', 'over_quota', 'failed_attention')",
            name="outcome",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random public id used in exports; not derived from anything personal.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    arm: Mapped[str] = mapped_column(String(64))
    #: Realised module order, ids joined with "|".
    module_order: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="started")
    #: Key of the next step to do (see app.participant.steps).
    step: Mapped[str] = mapped_column(String(200))
    #: Randomisation stratum ("" when not stratified).
    stratum: Mapped[str] = mapped_column(String(100), default="")
    #: Position in the stratum's seeded sequence; null for a dropout replacement.
    allocation_seq: Mapped[int | None]
    #: For a replacement: the dropped-out participant whose arm this one took.
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"), unique=True
    )
    #: True once a later participant took over this participant's arm.
    replaced: Mapped[bool] = mapped_column(default=False)
    #: SHA-256 of the resume token (the token itself lives only in the
    #: participant's cookie or on their note).
    resume_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A manager's preview run (app.participant.preview): never counted in
    #: allocation, quotas, results, monitors or exports unless asked for.
    is_test: Mapped[bool] = mapped_column(default=False, server_default=false())

    #: Why the journey ended: completed, screened_out, over_quota or failed_attention.
    outcome: Mapped[str | None] = mapped_column(String(20))
    #: HMAC-SHA256 of the panel's participant id with the server's external-id key
    #: (app.campaigns.panel); the id itself is never stored.
    external_id_hash: Mapped[str | None] = mapped_column(String(64))
    #: Keyed hash of the panel's session id (Prolific SESSION_ID, MTurk
    #: assignmentId) the participant started with: with it, the panel link
    #: alone resumes them in a new browser after they saved a page
    #: (app/participant/panel_resume.py).
    panel_session_hash: Mapped[str | None] = mapped_column(String(64))
    #: The panel's study and session (submission) ids from the start link:
    #: Prolific's STUDY_ID and SESSION_ID, MTurk's hitId and assignmentId. Not
    #: personal data; exported as panel_study_id / panel_session_id (issue 19).
    panel_study_id: Mapped[str | None] = mapped_column(String(128))
    panel_session_id: Mapped[str | None] = mapped_column(String(128))
    #: SHA-256 of the personal follow-up code (app.participant.followup).
    followup_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Keyed hash of the panel session id that entered the follow-up by panel id
    #: (app/participant/panel_resume.py): after a saved follow-up page, the panel
    #: id alone continues the follow-up only with this session id.
    followup_session_hash: Mapped[str | None] = mapped_column(String(64))
    #: Next follow-up step ("followup:<page>" or "followup:thanks"); null before starting it.
    followup_step: Mapped[str | None] = mapped_column(String(200))
    followup_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followup_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Where the follow-up's feedback page comes (app.exchange.feedback): "before"
    #: or "after" the re-asked questions, randomised from the campaign's seed when
    #: the follow-up starts, or "none" (no exchange); null before starting it.
    feedback_order: Mapped[str | None] = mapped_column(String(8))

    @property
    def allocated(self) -> bool:
        """False while a stratified campaign waits for the profile page to choose the arm."""
        return bool(self.arm)

    @property
    def modules(self) -> list[str]:
        return self.module_order.split("|") if self.module_order else []
