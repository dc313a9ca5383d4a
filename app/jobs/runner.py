"""Where jobs run: RQ on Redis when configured, else a worker thread in the web process.

``PARLEY_JOBS`` chooses: ``"thread"`` (the embedded default: one background
thread per process, nothing to install or start), ``"rq"`` (production:
jobs go to the Redis queue ``PARLEY_RQ_QUEUE`` at ``PARLEY_REDIS_URL``
and ``parley jobs worker`` runs them, on any host), or ``"inline"`` (run
before the request returns; for debugging).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, wait

from flask import Flask, current_app

from app.extensions import db
from app.jobs.operations import run

__all__ = ["enqueue", "run_in_app", "rq_queue", "wait_for_threads"]

_threads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parley-job")
#: Jobs handed to the worker thread and not finished yet.
_pending: set[Future] = set()


def run_in_app(app: Flask, job_id: int) -> None:
    """Run one job with its own app context and database session."""
    with app.app_context():
        try:
            run(db.session, job_id)
        finally:
            db.session.remove()


def rq_queue(app: Flask):
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(app.config["PARLEY_REDIS_URL"])
    return Queue(app.config["PARLEY_RQ_QUEUE"], connection=connection)


def enqueue(job_id: int) -> None:
    """Hand a committed, queued job to the configured runner."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    mode = app.config["PARLEY_JOBS"]
    if mode == "rq":
        rq_queue(app).enqueue("app.jobs.tasks.run_job", job_id,
                              job_timeout=app.config["PARLEY_JOB_TIMEOUT_SECONDS"])
    elif mode == "inline":
        run(db.session, job_id)
    else:
        future = _threads.submit(run_in_app, app, job_id)
        _pending.add(future)
        future.add_done_callback(_pending.discard)


def wait_for_threads(timeout: float | None = None) -> bool:
    """Wait until the worker thread has finished every job handed to it; True if it has.

    A job still running when its app's engine is disposed (a test ending, a
    process shutting down) would open a connection nobody closes; callers
    that dispose the engine wait here first.
    """
    done, not_done = wait(list(_pending), timeout=timeout)
    return not not_done
