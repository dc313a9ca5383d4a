"""What erasing participants' personal data removes besides their answers.

Shared by the retention purge, an owner's deletion on request and a
participant's own withdrawal, so the three cannot drift apart. Answers and
page times are deleted by the callers; this removes what links a person to
data elsewhere:

- the randomisation stratum (it is made of about-you answers, e.g.
  ``age_band=under_30``): set to ``""`` with no sequence slot, so the
  tombstone still counts in its arm but no longer says who the person is;
- quota claims (a claim says which quota's conditions the person met);
- the link from their invite code to them (the code stays used);
- what they wrote, rated or reported in the argument exchange;
- the order in which their shuffled pages showed items and options (it
  goes with the answers it belongs to);
- export and report files of the campaign, finished or partial (a job
  killed with its server leaves a partial folder behind): they hold the
  answers.
"""

from __future__ import annotations

import shutil

from sqlalchemy import Select, delete, select, update
from sqlalchemy.orm import Session

from app.jobs.operations import job_folder
from app.jobs.storage import discard
from app.models import (
    DisplayOrder,
    Exposure,
    Invite,
    Job,
    Pair,
    Participant,
    QuotaClaim,
    Rating,
    Statement,
    StatementReport,
    utcnow,
)

__all__ = ["erase_links", "remove_campaign_files", "flush_deleted", "job_folders"]


def erase_links(session: Session, ids: Select) -> None:
    """Remove strata, quota claims, invite links, exchange data and display orders of ``ids``."""
    session.execute(delete(QuotaClaim).where(QuotaClaim.participant_id.in_(ids)))
    session.execute(
        update(Invite).where(Invite.participant_id.in_(ids)).values(participant_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Participant).where(Participant.id.in_(ids), Participant.stratum != "")
        .values(stratum="", allocation_seq=None)
        .execution_options(synchronize_session=False)
    )
    for model in (Rating, Pair, Exposure, StatementReport, Statement, DisplayOrder):
        session.execute(delete(model).where(model.participant_id.in_(ids)))


def job_folders(session: Session, campaign_id: int) -> list:
    """The job folders of the campaign that exist on disk (finished or partial)."""
    jobs = session.scalars(select(Job).where(Job.campaign_id == campaign_id))
    return [folder for folder in map(job_folder, jobs) if folder.exists()]


def remove_campaign_files(session: Session, campaign_id: int) -> int:
    """Delete every job folder of the campaign, partial ones too; returns how many existed."""
    removed = 0
    for job in session.scalars(select(Job).where(Job.campaign_id == campaign_id)):
        folder = job_folder(job)
        on_disk = folder.exists()
        if on_disk:
            shutil.rmtree(folder, ignore_errors=True)
        # A file kept in the database (app/jobs/storage.py) goes too.
        if discard(session, job.id) or on_disk:
            removed += 1
        if job.file_name is not None:
            job.file_name = None
            job.expires_at = utcnow()
    return removed


def flush_deleted(session: Session) -> None:
    """On SQLite, move the write-ahead log into the database file and truncate it.

    With ``secure_delete`` (app.database) deleted rows are zeroed in their
    pages, but the log still holds the pages as they were until it is
    checkpointed and truncated; call this after the deleting transaction
    committed. (PostgreSQL keeps deleted rows in its files until VACUUM
    reuses the space; see docs/retention.md.)
    """
    engine = session.get_bind()
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()
