"""``parley jobs ...``: the RQ worker and cleaning up old files."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db
from app.jobs.operations import clean_expired, fail_stale

__all__ = ["jobs_group"]


@click.group("jobs")
def jobs_group():
    """Background exports and reports."""


@jobs_group.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def jobs_worker(burst):
    """Run export and report jobs from Redis (with PARLEY_JOBS = "rq")."""
    from rq import SimpleWorker

    from app.jobs.runner import rq_queue

    queue = rq_queue(current_app)
    # SimpleWorker runs jobs in this process: no fork sharing database connections.
    SimpleWorker([queue], connection=queue.connection).work(burst=burst)


@jobs_group.command("clean")
@with_appcontext
def jobs_clean():
    """Delete the files of jobs older than PARLEY_JOB_KEEP_HOURS, and of failed or dead jobs."""
    dead = fail_stale(db.session)
    click.echo(f"marked {dead} job(s) of stopped workers failed; removed the files of "
               f"{clean_expired(db.session)} expired or failed job(s)")
