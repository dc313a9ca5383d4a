"""Background jobs that build export files and analysis reports for the browser."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow

__all__ = ["Job", "JobFileChunk", "JOB_STATUSES", "JOB_KINDS"]

JOB_STATUSES = ("queued", "running", "done", "failed")
#: "triage": the exchange's automatic checks of new statements (app/exchange/triage_job.py).
JOB_KINDS = ("export", "report", "triage")


class Job(Base):
    """One requested export or report: its state, progress and finished file."""

    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        CheckConstraint("kind IN ('export', 'report', 'triage')", name="kind"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        Index("ix_job_campaign_created", "campaign_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    #: Export format (zip, wide, parquet, xlsx, sav, dta) or "html" for a report.
    fmt: Mapped[str] = mapped_column(String(16))
    #: Export options: include_test, include_text, include_sensitive.
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    #: Percent done, shown on the page while the job runs.
    progress: Mapped[int] = mapped_column(default=0)
    #: Why a job failed, in words for the person who asked for it.
    message: Mapped[str | None] = mapped_column(Text)
    #: File name under the jobs folder once done (removed when it expires).
    file_name: Mapped[str | None] = mapped_column(String(255))
    #: What the data looked like when the job ran; a report is reused while it matches.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    requested_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: After this the file is deleted and the job shows as expired.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Written every few seconds by the worker running the job (app/jobs/heartbeat.py);
    #: a running job whose heartbeat stopped lost its worker.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Which worker runs it: host, process id and thread.
    worker: Mapped[str | None] = mapped_column(String(120))


class JobFileChunk(Base):
    """A piece of a finished job's file, kept in the database (app/jobs/storage.py).

    With RQ workers on several hosts the host that made a file is not the one
    asked for it, and hosts share the database and nothing else; so a finished
    file is stored here in order (``seq``) and streamed back piece by piece.
    """

    __tablename__ = "job_file_chunk"

    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"),
                                        primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
