"""A job killed with its server says so within a minute, leaves no files and is not reused.

A separate process (the server, or an RQ worker) runs a report job whose
export stage writes a partial file and then hangs; the test kills that
process with SIGKILL mid-job, as a restart or the out-of-memory killer
would. The job's heartbeat stops, so the next look at the jobs page marks
it failed with the real reason and removes its partial files, and asking
for the report again makes a new job instead of handing back the dead one.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.jobs.operations import job_folder, request_report
from app.models import Campaign, Job, utcnow
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
ROOT = Path(__file__).resolve().parents[2]

#: The worker process: the real job runner, with an export stage that hangs
#: after writing part of its file.
WORKER = textwrap.dedent("""
    import json, os, sys, time
    from pathlib import Path
    import app.jobs.exporting as exporting
    from app import create_app
    from app.jobs.runner import run_in_app

    def hanging_export(session, campaign, out, fmt, options):
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / "answers.csv").write_text("participant,item,value\\n" * 1000)
        time.sleep(600)

    exporting.export_to = hanging_export
    config = json.loads(os.environ["PARLEY_WORKER_CONFIG"])
    run_in_app(create_app(config), int(sys.argv[1]))
""")


def _worker_config(app) -> dict:
    keys = ("SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS", "SECRET_KEY",
            "RATELIMIT_STORAGE_URI", "PARLEY_JOB_HEARTBEAT_SECONDS", "PARLEY_JOB_DEAD_SECONDS")
    config = {k: app.config[k] for k in keys}
    config["PARLEY_JOBS_DIR"] = str(Path(app.instance_path) / "jobs")
    config["TESTING"] = True
    return config


def _job(app, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def _wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.2)
    raise AssertionError(f"waited {seconds} s for {what}")


def test_a_job_killed_with_its_server_fails_with_the_reason_and_no_files(app, client,
                                                                         make_campaign, make_user, login):
    app.config.update(PARLEY_JOB_HEARTBEAT_SECONDS=1, PARLEY_JOB_DEAD_SECONDS=4,
                      PARLEY_JOBS_DIR=str(Path(app.instance_path) / "jobs"))
    slug = make_campaign()
    Bot(app.test_client(), slug, SURVEY).walk()
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        job, reused = request_report(db.session, campaign, actor="test")
        db.session.commit()
        job_id, folder = job.id, job_folder(job)
    assert not reused
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "PARLEY_WORKER_CONFIG": json.dumps(_worker_config(app))}
    worker = subprocess.Popen([sys.executable, "-c", WORKER, str(job_id)], env=env, cwd=ROOT)
    try:
        _wait_for(lambda: (folder / "export" / "answers.csv").is_file(), 60, "the partial file")
        first = _job(app, job_id)
        assert first.status == "running" and first.worker and f":{worker.pid}:" in first.worker
        _wait_for(lambda: _job(app, job_id).heartbeat_at > first.heartbeat_at, 10,
                  "a heartbeat")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
    make_user()
    login(client)
    page = client.get(f"/admin/campaign/{slug}/exports").get_data(as_text=True)
    assert _job(app, job_id).status == "running"  # a few seconds: not yet given up on
    killed_at = time.monotonic()
    _wait_for(lambda: client.get(f"/admin/campaign/{slug}/exports").status_code == 200
              and _job(app, job_id).status == "failed", 30, "the job to be failed")
    assert time.monotonic() - killed_at < 4 + 5  # PARLEY_JOB_DEAD_SECONDS plus a page reload
    dead = _job(app, job_id)
    assert "worker running this job stopped" in dead.message
    assert f":{worker.pid}:" in dead.message
    assert not folder.exists()
    page = client.get(f"/admin/campaign/{slug}/exports").get_data(as_text=True)
    assert "worker running this job stopped" in page
    with app.app_context():
        again, reused = request_report(db.session, db.session.scalar(select(Campaign)),
                                       actor="test")
        db.session.commit()
        assert not reused and again.id != job_id


def test_a_dead_job_is_noticed_within_a_minute_by_default(app):
    assert app.config["PARLEY_JOB_HEARTBEAT_SECONDS"] * 3 <= app.config["PARLEY_JOB_DEAD_SECONDS"]
    assert app.config["PARLEY_JOB_DEAD_SECONDS"] + app.config["PARLEY_JOB_HEARTBEAT_SECONDS"] < 60


def test_jobs_clean_fails_dead_jobs_and_removes_what_they_left(app, runner, make_campaign):
    app.config["PARLEY_JOB_DEAD_SECONDS"] = 4
    make_campaign()
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        dead = Job(campaign_id=campaign.id, kind="export", fmt="zip", options={},
                   requested_by="test", status="running", worker="gone:1:t",
                   heartbeat_at=utcnow() - timedelta(seconds=60))
        failed = Job(campaign_id=campaign.id, kind="export", fmt="zip", options={},
                     requested_by="test", status="failed", message="earlier")
        db.session.add_all([dead, failed])
        db.session.commit()
        folders = [job_folder(dead), job_folder(failed)]
    for folder in folders:
        (folder / "part").mkdir(parents=True)
        (folder / "part" / "answers.csv").write_text("x")
    result = runner.invoke(args=["jobs", "clean"])
    assert result.exit_code == 0, result.output
    assert "marked 1 job(s) of stopped workers failed" in result.output
    assert not any(folder.exists() for folder in folders)
    assert _job(app, dead.id).status == "failed"
