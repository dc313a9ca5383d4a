"""A failed report job states its real cause (issue 19, 1).

The lab's report failed because the analysis refused the export (an empty
``arm``), and the page said "Try again when more people have taken part":
wrong, and it sent them waiting for data that would not help. Each stage's
failure now says what failed; only an error of the statistics on the data
so far says so.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from sqlalchemy import select

import analysis
from app.extensions import db
from app.jobs import exporting
from app.models import Job
from surveys import EXAMPLE, load_survey
from tests.bots import Bot
from tests.conftest import sign_in

SURVEY = load_survey(EXAMPLE)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
MORE_PEOPLE = "when more people have taken part"


def _failed_report(app, client, make_user, slug: str) -> tuple[Job, str]:
    Bot(app.test_client(), slug, SURVEY).walk()
    make_user()
    sign_in(client)
    token = CSRF.search(client.get(f"/admin/campaign/{slug}/exports").get_data(as_text=True))[1]
    client.post(f"/admin/campaign/{slug}/report", data={"csrf_token": token})
    deadline = time.monotonic() + 90
    while True:
        with app.app_context():
            job = db.session.scalar(select(Job).order_by(Job.id.desc()))
            db.session.expunge(job)
        if job.status in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert job.status == "failed"
    return job, client.get(f"/admin/campaign/{slug}/exports").get_data(as_text=True)


def test_an_export_the_analysis_refuses_is_a_fault_not_a_lack_of_data(app, client,
                                                                      make_campaign,
                                                                      monkeypatch, make_user):
    """A real ExportError from load_export: the export's manifest disagrees with its rows."""
    written = exporting.export_to

    def export_then_break(session, campaign, out, fmt, options):
        result = written(session, campaign, out, fmt, options)
        manifest = json.loads((out / "manifest.json").read_text())
        manifest["row_counts"] = {key: n + 1 for key, n in manifest["row_counts"].items()}
        (out / "manifest.json").write_text(json.dumps(manifest))
        return result

    monkeypatch.setattr(exporting, "export_to", export_then_break)
    job, html = _failed_report(app, client, make_user, make_campaign("lab"))
    assert job.message.startswith("The analysis refused the campaign's export; this is a fault "
                                  "in Parley, not a lack of data")
    assert "participants.csv: has 1 rows but manifest.json row_counts" in job.message
    assert MORE_PEOPLE not in html and "from the data so far" not in html
    assert "participants.csv: has 1 rows but manifest.json row_counts" in html


def test_a_programming_error_in_the_report_names_itself(app, client, make_campaign,
                                                        monkeypatch, make_user):
    def broken(*_args, **_kwargs):
        raise KeyError("arm")

    monkeypatch.setattr(analysis, "write_report", broken)
    job, html = _failed_report(app, client, make_user, make_campaign("lab"))
    assert job.message == ("The report failed on an error in Parley, not on the data (please "
                           "report it; the server log has the details): KeyError: 'arm'")
    assert MORE_PEOPLE not in html and "from the data so far" not in html


def test_a_failed_export_stage_says_the_export_failed(app, client, make_campaign, monkeypatch, make_user):
    def unwritable(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(exporting, "export_to", unwritable)
    job, html = _failed_report(app, client, make_user, make_campaign("lab"))
    assert job.message == ("The export the report reads failed: PermissionError: [Errno 13] "
                           "Permission denied")
    assert "from the data so far" not in html


@pytest.mark.parametrize("error", ["too few participants or items for opinion groups"])
def test_only_an_error_of_the_statistics_is_about_the_data_so_far(app, client, make_campaign,
                                                                  monkeypatch, error, make_user):
    def too_few(*_args, **_kwargs):
        raise ValueError(error)

    monkeypatch.setattr(analysis, "write_report", too_few)
    job, html = _failed_report(app, client, make_user, make_campaign("lab"))
    assert job.message == f"The report cannot be drawn from the data so far: {error}"
    assert f"failed: The report cannot be drawn from the data so far: {error}" in html
