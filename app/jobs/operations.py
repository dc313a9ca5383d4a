"""Requesting, running and cleaning up export and report jobs.

A job row is the contract between the web page and whatever runs the job
(a local worker thread by default, an RQ worker on Redis when configured,
see runner.py): the page shows its status and progress, the runner writes
the file under the instance folder's ``jobs/`` (and, with RQ workers on
several hosts, copies it into the database: storage.py) and marks it done
or failed with a message in words. Files are kept ``PARLEY_JOB_KEEP_HOURS`` and then
deleted. A report is reused while the campaign's data have not changed
(same fingerprint), so asking twice costs one analysis.
"""

from __future__ import annotations

import errno
import hashlib
import shutil
import warnings
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis import contract
from app.audit import record_audit
from app.cli_support import acting_user
from app.exchange.triage_job import run_triage_job
from app.jobs.heartbeat import beating, fail_dead, worker_name
from app.jobs.storage import discard, in_database, store, stored_ids
from app.models import Answer, Campaign, Job, Participant, utcnow

__all__ = [
    "EXPORT_FORMATS", "EXPORT_OPTIONS", "JobError", "request_export", "request_report", "run",
    "fingerprint", "job_folder", "job_file", "available", "clean_expired", "fail_stale",
]

#: Browser export formats: the contract's, except that the long CSV folder comes as a zip.
EXPORT_FORMATS = tuple(fmt for fmt in contract.EXPORT_FORMATS if fmt != "csv")
#: Export options; all off by default (safe: no test data, free text or about-you answers).
EXPORT_OPTIONS = ("include_test", "include_text", "include_profile")
#: File a format's job hands out (the wide formats keep the long files beside
#: them, so those come zipped too).
SUFFIX = {"zip": ".zip", "wide": ".zip", "parquet": ".zip", "xlsx": ".zip", "sav": ".zip",
          "dta": ".zip", "html": ".html"}


class JobError(ValueError):
    """A job request was refused; the message says why."""


def jobs_root() -> Path:
    return Path(current_app.config.get("PARLEY_JOBS_DIR") or
                Path(current_app.instance_path) / "jobs")


def job_folder(job: Job) -> Path:
    return jobs_root() / str(job.id)


def job_file(job: Job) -> Path | None:
    """The finished file on disk, or None (not done, expired or removed)."""
    if job.status != "done" or not job.file_name:
        return None
    path = job_folder(job) / job.file_name
    return path if path.is_file() else None


def available(session: Session, jobs: list[Job]) -> set[int]:
    """The ids of ``jobs`` whose finished file can be downloaded, from disk or the database."""
    done = [j for j in jobs if j.status == "done" and j.file_name]
    return {j.id for j in done if job_file(j)} | stored_ids(session, [j.id for j in done])


def fingerprint(session: Session, campaign: Campaign) -> str:
    """What the campaign's data look like now: changes with any answer, status or withdrawal."""
    p = session.execute(
        select(func.count(), func.max(Participant.id), func.max(Participant.last_seen_at),
               func.max(Participant.completed_at), func.max(Participant.withdrawn_at),
               func.count(Participant.completed_at))
        .where(Participant.campaign_id == campaign.id)
    ).one()
    a = session.execute(
        select(func.count(), func.max(Answer.id))
        .join(Participant, Participant.id == Answer.participant_id)
        .where(Participant.campaign_id == campaign.id)
    ).one()
    state = repr((campaign.id, campaign.status, campaign.survey_version, tuple(p), tuple(a)))
    return hashlib.sha256(state.encode()).hexdigest()


def request_export(session: Session, campaign: Campaign, fmt: str, options: dict,
                   actor: str | None = None) -> Job:
    if fmt not in EXPORT_FORMATS:
        raise JobError(f"unknown format {fmt!r}; choose from {', '.join(EXPORT_FORMATS)}")
    options = {k: bool(options.get(k)) for k in EXPORT_OPTIONS}
    job = Job(campaign_id=campaign.id, kind="export", fmt=fmt, options=options,
              requested_by=actor or _actor())
    session.add(job)
    session.flush()
    chosen = ", ".join(k for k, v in options.items() if v) or "safe defaults"
    record_audit(session, "export.request", campaign=campaign, actor=actor,
                 detail=f"job {job.id}: {fmt} ({chosen})")
    return job


def request_report(session: Session, campaign: Campaign, actor: str | None = None
                   ) -> tuple[Job, bool]:
    """(job, reused): the report of the data as they are now, reusing one already made.

    Jobs whose worker died are failed first (``fail_stale``), so a dead job is
    never handed back as "being made".
    """
    fail_stale(session)
    now_print = fingerprint(session, campaign)
    existing = session.scalars(
        select(Job).where(Job.campaign_id == campaign.id, Job.kind == "report",
                          Job.fingerprint == now_print, Job.status.in_(("queued", "running",
                                                                          "done")))
        .order_by(Job.id.desc())
    ).all()
    ready = available(session, existing)
    for job in existing:
        if job.status != "done" or job.id in ready:
            record_audit(session, "report.request", campaign=campaign, actor=actor,
                         detail=f"job {job.id} reused: the data have not changed")
            return job, True
    job = Job(campaign_id=campaign.id, kind="report", fmt="html", options={},
              fingerprint=now_print, requested_by=actor or _actor())
    session.add(job)
    session.flush()
    record_audit(session, "report.request", campaign=campaign, actor=actor,
                 detail=f"job {job.id}")
    return job, False


def _actor() -> str:
    try:
        from flask_login import current_user

        if current_user.is_authenticated:
            return current_user.email
    except RuntimeError:
        pass
    return acting_user()


def _progress(session: Session, job: Job, percent: int, status: str = "running") -> None:
    job.progress, job.status = percent, status
    session.commit()


def run(session: Session, job_id: int) -> None:
    """Build the job's file. Any failure becomes the job's message, never an exception."""
    job = session.get(Job, job_id)
    if job is None or job.status != "queued":
        return
    if job.kind == "triage":  # no file: flags on the campaign's new statements
        try:
            run_triage_job(session, job)
        except Exception:
            current_app.logger.exception("job %s failed", job_id)
        return
    campaign = session.get(Campaign, job.campaign_id)
    folder = job_folder(job)
    job.heartbeat_at, job.worker = utcnow(), worker_name()
    _progress(session, job, 5)
    try:
        with beating(job_id):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True, mode=0o700)
            if job.kind == "export":
                name = _run_export(session, job, campaign, folder)
            else:
                name = _run_report(session, job, campaign, folder)
            shared = in_database()
            if shared:  # committed below with the job's "done"
                store(session, session.get(Job, job_id), folder / name)
    except Exception as exc:  # the person who asked reads this: no traceback, no 500
        session.rollback()
        current_app.logger.exception("job %s failed", job_id)
        shutil.rmtree(folder, ignore_errors=True)
        job = session.get(Job, job_id)
        job.status, job.message, job.finished_at = "failed", _explain(exc), utcnow()
        session.commit()
        return
    job = session.get(Job, job_id)
    job.file_name, job.status, job.progress = name, "done", 100
    job.finished_at = utcnow()
    job.expires_at = job.finished_at + timedelta(hours=current_app.config["PARLEY_JOB_KEEP_HOURS"])
    session.commit()
    if shared:  # every host reads it from the database now
        shutil.rmtree(folder, ignore_errors=True)


class _StageFailedError(Exception):
    """A job stage failed; the message says which stage and the real cause."""


def _explain(exc: Exception) -> str:
    if _disk_full(exc):
        return ("The server's disk is full, so the file could not be written. Free some "
                "space (or ask the administrator to), then ask again.")
    if isinstance(exc, _StageFailedError):
        return str(exc)
    return f"The export failed: {_first_line(exc)}"


def _disk_full(exc: BaseException | None) -> bool:
    """True if ``exc`` or an error that caused it is "no space left on device" (or quota)."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _first_line(exc: BaseException) -> str:
    """The error's first line; with its type when the message alone would not say it
    (a KeyError's message is only the missing key)."""
    text = str(exc).strip()
    line = text.splitlines()[0][:300] if text else ""
    if line and isinstance(exc, ValueError):
        return line
    return f"{type(exc).__name__}: {line}" if line else type(exc).__name__


def _report_failure(exc: Exception, export_error: type, plan_error: type) -> _StageFailedError:
    """Say why a report failed (issue 19, 1): the data so far, or a fault that more data
    will not cure. Only an error of the statistics on the data (a ValueError such as "too
    few participants for opinion groups") is a matter of the data so far; an export the
    analysis refuses, a plan it cannot use, or any other error is a fault to report."""
    text = _first_line(exc)
    if isinstance(exc, export_error):
        return _StageFailedError("The analysis refused the campaign's export; this is a fault "
                                 "in Parley, not a lack of data (please report it): "
                                 f"{text}")
    if isinstance(exc, plan_error):
        return _StageFailedError(f"The campaign's analysis plan cannot be used: {text}")
    if type(exc) is ValueError:
        return _StageFailedError(f"The report cannot be drawn from the data so far: {text}")
    return _StageFailedError("The report failed on an error in Parley, not on the data "
                             "(please report it; the server log has the details): "
                             f"{text}")


def _run_export(session: Session, job: Job, campaign: Campaign, folder: Path) -> str:
    from app.jobs.exporting import export_to

    options, fmt, slug = dict(job.options), job.fmt, campaign.slug
    _progress(session, job, 10)
    out = folder / f"{slug}-{fmt}"
    export_to(session, campaign, out, fmt, options)
    _progress(session, session.get(Job, job.id), 80)
    if fmt == "zip":
        return out.with_name(out.name + ".zip").name
    archive = shutil.make_archive(str(out), "zip", root_dir=out)
    shutil.rmtree(out)
    return Path(archive).name


def _run_report(session: Session, job: Job, campaign: Campaign, folder: Path) -> str:
    # pandas, statsmodels and matplotlib load here, in the worker, never at web start-up.
    from analysis import ExportError, write_report
    from analysis.plan import PlanError
    from app.jobs.exporting import export_to

    _progress(session, job, 10)
    try:
        export_to(session, campaign, folder / "export", "csv", {})
    except Exception as exc:
        raise _StageFailedError(f"The export the report reads failed: {_first_line(exc)}") from exc
    _progress(session, session.get(Job, job.id), 40)
    name = f"{campaign.slug}-report.html"
    # Warnings are not failures: numpy's on tiny groups (a zero variance, an
    # empty arm; the report states what it could not estimate) and pandas'
    # deprecations. (Test runs turn warnings into errors, which would fail a
    # live report at random.)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy's numerical and pandas' deprecation warnings
        try:
            write_report(folder / "export", folder / name)
        except Exception as exc:
            raise _report_failure(exc, ExportError, PlanError) from exc
    shutil.rmtree(folder / "export", ignore_errors=True)
    return name


def fail_stale(session: Session) -> int:
    """Jobs whose worker is gone, marked failed so the page stops waiting; returns how many.

    A running job whose heartbeat stopped (app/jobs/heartbeat.py) is failed
    with that reason within ``PARLEY_JOB_DEAD_SECONDS``; a job still queued
    after the job timeout found no worker (a restart killed the thread, or
    no RQ worker runs). Either way its partial files are removed.
    """
    dead = fail_dead(session, job_folder)
    limit = utcnow() - timedelta(seconds=current_app.config["PARLEY_JOB_TIMEOUT_SECONDS"])
    stale = session.scalars(select(Job).where(Job.status.in_(("queued", "running")),
                                              Job.created_at < limit)).all()
    for job in stale:
        shutil.rmtree(job_folder(job), ignore_errors=True)
        job.status, job.finished_at = "failed", utcnow()
        job.message = ("No worker finished this in time (the server restarted, or no "
                       "'parley jobs worker' is running). Ask again.")
    session.commit()
    return dead + len(stale)


def clean_expired(session: Session) -> int:
    """Delete the files of expired jobs, and what failed jobs left behind; returns how many.

    Job rows stay. A failed job's folder (the partial files of a job that
    failed, or whose worker was killed) is removed too.
    """
    n = 0
    for job in session.scalars(select(Job).where(Job.expires_at < utcnow(),
                                                 Job.file_name.is_not(None))):
        shutil.rmtree(job_folder(job), ignore_errors=True)
        discard(session, job.id)
        job.file_name = None
        n += 1
    for job in session.scalars(select(Job).where(Job.status == "failed")):
        if job_folder(job).exists():
            shutil.rmtree(job_folder(job), ignore_errors=True)
            n += 1
    session.commit()
    return n
