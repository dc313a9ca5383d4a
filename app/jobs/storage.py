"""Where finished export and report files are kept: this host's disk, or the database.

``PARLEY_JOB_FILES`` chooses. ``"disk"`` keeps a finished file in the jobs
folder (``PARLEY_JOBS_DIR``, else the instance folder's ``jobs/``), where
the web process that serves the download must also see it: right with the
embedded thread runner, or with RQ workers when that folder is a disk all
hosts mount. ``"database"`` copies the finished file into ``job_file_chunk``
in pieces of ``CHUNK`` bytes, in the transaction that marks the job done,
and removes it from the worker's disk; any host then streams it back piece by
piece. Unset, it is ``"database"`` when jobs go to RQ (a worker may run on
another host) and no shared ``PARLEY_JOBS_DIR`` is named, else ``"disk"``.
The file is always built on the worker's disk first: the writers need a
folder, and a failed job leaves nothing in the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from app.models import Job, JobFileChunk

__all__ = ["CHUNK", "in_database", "store", "stored_ids", "chunks", "discard"]

#: Size of one stored piece: big enough that a 1 GB file is a thousand rows,
#: small enough that a download holds one piece in memory at a time.
CHUNK = 4 * 1024 * 1024


def in_database() -> bool:
    """True if finished files go into the database (see the module's docstring)."""
    mode = current_app.config.get("PARLEY_JOB_FILES")
    if not mode:
        rq = current_app.config["PARLEY_JOBS"] == "rq"
        mode = "database" if rq and not current_app.config.get("PARLEY_JOBS_DIR") else "disk"
    if mode not in ("disk", "database"):
        raise ValueError(f"PARLEY_JOB_FILES is {mode!r}; use 'disk' or 'database'")
    return mode == "database"


def store(session: Session, job: Job, path: Path) -> None:
    """Copy the file at ``path`` into the job's pieces (not committed), one piece in memory."""
    discard(session, job.id)
    with path.open("rb") as f:
        seq = 0
        while piece := f.read(CHUNK):
            # A Core insert: the session keeps no object holding the bytes.
            session.execute(insert(JobFileChunk).values(job_id=job.id, seq=seq, data=piece))
            seq += 1


def stored_ids(session: Session, job_ids: list[int]) -> set[int]:
    """Which of ``job_ids`` have a file in the database."""
    if not job_ids:
        return set()
    return set(session.scalars(select(JobFileChunk.job_id).distinct()
                               .where(JobFileChunk.job_id.in_(job_ids), JobFileChunk.seq == 0)))


def chunks(session: Session, job_id: int) -> Iterator[bytes]:
    """The job's file, one piece per query (never the whole file in memory)."""
    seq = 0
    while True:
        piece = session.scalar(select(JobFileChunk.data).where(JobFileChunk.job_id == job_id,
                                                               JobFileChunk.seq == seq))
        if piece is None:
            return
        yield piece
        seq += 1


def discard(session: Session, job_id: int) -> int:
    """Delete the job's stored pieces; returns how many there were."""
    return session.execute(delete(JobFileChunk).where(JobFileChunk.job_id == job_id)).rowcount
