"""On a full disk a job says the disk is full, not that more participants are needed."""

from __future__ import annotations

import errno

import pytest
from sqlalchemy import select

import analysis
import app.jobs.exporting as exporting
from app.extensions import db
from app.jobs.operations import job_folder, request_export, request_report, run
from app.models import Campaign, Job
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)


def _full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("stage", ["report", "report-export", "export"])
def test_a_full_disk_is_named_as_the_cause(app, make_campaign, monkeypatch, stage):
    slug = make_campaign()
    Bot(app.test_client(), slug, SURVEY).walk()
    if stage == "report":
        monkeypatch.setattr(analysis, "write_report", _full)
    else:
        monkeypatch.setattr(exporting, "export_to", _full)
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        if stage == "export":
            job = request_export(db.session, campaign, "zip", {}, actor="test")
        else:
            job, _ = request_report(db.session, campaign, actor="test")
        db.session.commit()
        run(db.session, job.id)
        job = db.session.get(Job, job.id)
        assert job.status == "failed"
        assert "disk is full" in job.message
        assert "participants" not in job.message and "data so far" not in job.message
        assert not job_folder(job).exists()
