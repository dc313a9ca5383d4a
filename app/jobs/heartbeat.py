"""A running job's heartbeat, and noticing the jobs whose worker died.

While a job runs, a small thread of its worker writes ``job.heartbeat_at``
every ``PARLEY_JOB_HEARTBEAT_SECONDS`` (5) on a connection of its own, so
the heartbeat goes on while the job's own session is busy in a long
statement. A job still ``running`` whose heartbeat is older than
``PARLEY_JOB_DEAD_SECONDS`` (30) lost its worker: the process was killed
(SIGKILL, out of memory, a restart) or its host went away. Whoever looks
next (the jobs page, which reloads every few seconds while a job runs,
asking for a report again, or ``parley jobs clean``) marks it failed with
that reason and removes its partial files, so a dead job says so within a
minute and is never reused.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Job, utcnow

__all__ = ["beating", "fail_dead", "worker_name"]


def worker_name() -> str:
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{threading.current_thread().name[:24]}"


def _beat(job_id: int) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job_id, Job.status == "running")
                     .values(heartbeat_at=utcnow()))


@contextmanager
def beating(job_id: int):
    """Keep the heartbeat of job ``job_id`` going while the block runs."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    interval = app.config["PARLEY_JOB_HEARTBEAT_SECONDS"]
    stop = threading.Event()

    def loop() -> None:
        with app.app_context():
            while not stop.wait(interval):
                try:
                    _beat(job_id)
                except Exception:  # a missed beat is retried; the job itself goes on
                    app.logger.warning("job %s: heartbeat not written", job_id, exc_info=True)

    thread = threading.Thread(target=loop, name=f"parley-heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def fail_dead(session: Session, folder_of) -> int:
    """Mark failed every running job whose worker stopped beating; remove its files.

    ``folder_of(job)`` is the job's folder. Commits; returns how many.
    """
    dead_after = current_app.config["PARLEY_JOB_DEAD_SECONDS"]
    limit = utcnow() - timedelta(seconds=dead_after)
    dead = session.scalars(select(Job).where(
        Job.status == "running", Job.kind.in_(("export", "report")),
        or_(Job.heartbeat_at < limit, Job.heartbeat_at.is_(None) & (Job.created_at < limit)),
    )).all()
    for job in dead:
        last = job.heartbeat_at.strftime("%H:%M:%S UTC") if job.heartbeat_at else "never"
        shutil.rmtree(folder_of(job), ignore_errors=True)
        job.status, job.finished_at, job.file_name = "failed", utcnow(), None
        job.message = (f"The worker running this job stopped: its process ended or was "
                       f"killed (worker {job.worker or 'unknown'}, last sign of life {last}, "
                       f"nothing for over {dead_after} s). Its partial files are removed. "
                       "Ask again.")
    session.commit()
    return len(dead)
