"""Exports and reports from the browser as background jobs: every format read back equals
the database, safe defaults, report reuse, errors as messages, expiry, RQ on Redis."""

from __future__ import annotations

import io
import json
import os
import re
import time
import uuid
import zipfile

import pandas as pd
import pyreadstat
import pytest
from sqlalchemy import select, update

from analysis.contract import EXPORT_FORMATS
from app.extensions import db
from app.models import Answer, AuditEvent, Job, Participant, utcnow
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
#: What the browser offers: every format of the contract (csv comes as the zip).
FORMATS = [f for f in EXPORT_FORMATS if f != "csv"]


def wait_for(app, job_id: int, timeout: float = 90) -> Job:
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            job = db.session.get(Job, job_id)
            db.session.expunge(job)
            db.session.remove()
        if job.status in ("done", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def ask(client, slug: str, url: str, data: dict):
    token = CSRF.search(client.get(f"/admin/campaign/{slug}/exports").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token.group(1), **data})


def last_job(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Job.id).order_by(Job.id.desc()))


def export(app, client, slug, fmt, **options) -> tuple[Job, bytes]:
    data = {"fmt": fmt, **{k: "y" for k, v in options.items() if v}}
    assert ask(client, slug, f"/admin/campaign/{slug}/exports", data).status_code == 303
    job = wait_for(app, last_job(app))
    assert job.status == "done", job.message
    with client.get(f"/admin/campaign/{slug}/jobs/{job.id}/download") as response:
        assert response.status_code == 200 and response.is_streamed
        return job, response.get_data()


@pytest.fixture
def campaign(app, make_campaign, make_user):
    slug = make_campaign(block_size=8)
    for k in range(4):
        Bot(app.test_client(), slug, SURVEY, overrides={
            "before": {"q_warmth_council": str(10 + k), "q_support_trees":
                       SURVEY.items["support_trees"].options[k].id},
            "after": {"q_reflection": f"=reason {k}"},
        }).walk()
    make_user()
    return slug


def db_answers(app) -> pd.DataFrame:
    with app.app_context():
        rows = db.session.execute(
            select(Participant.public_id, Answer.phase, Answer.module, Answer.item, Answer.value,
                   Answer.text).join(Answer, Answer.participant_id == Participant.id)
        ).all()
    return pd.DataFrame(rows, columns=["participant_id", "phase", "module", "item", "value", "text"])


def unzip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def test_every_browser_format_reads_back_equal_to_the_database(app, client, campaign, tmp_path, login):
    login(client)
    files = {}
    for fmt in FORMATS:
        _job, data = export(app, client, campaign, fmt, include_text=True, include_profile=True)
        archive = unzip(data)
        archive.extractall(tmp_path / fmt)
        files[fmt] = tmp_path / fmt
    expected = db_answers(app)
    # The long file: every database answer, value for value.
    long = pd.read_csv(files["zip"] / "answers.csv", keep_default_na=False, dtype=str)
    assert len(long) == len(expected)
    got = {(r.participant_id, r.phase, r.module, r.item): r.value for r in long.itertuples()}
    for r in expected.itertuples():
        value = got[(r.participant_id, r.phase, r.module, r.item)]
        if pd.isna(r.value):
            assert value == ""
        else:
            assert float(value) == r.value
    # The wide CSV against the database, cell by cell for numeric answers.
    wide = pd.read_csv(files["wide"] / "wide.csv").set_index("participant_id")
    numeric = expected[expected["value"].notna() & (expected["item"] != "transport")]
    for r in numeric.itertuples():
        column = f"{r.phase}_{r.module}__{r.item}" if r.module else f"{r.phase}__{r.item}"
        assert wide.loc[r.participant_id, column] == r.value, column
    assert sorted(wide["post__reflection"]) == [f"'=reason {k}" for k in range(4)]
    # Every other wide format holds the same table (pandas, openpyxl, pyreadstat).
    readers = {
        "parquet": lambda p: pd.read_parquet(p / "wide.parquet"),
        "xlsx": lambda p: pd.read_excel(p / "wide.xlsx", sheet_name="answers"),
        "sav": lambda p: pyreadstat.read_sav(str(p / "wide.sav"))[0],
        "dta": lambda p: pyreadstat.read_dta(str(p / "wide.dta"))[0],
    }
    reference = pd.read_csv(files["wide"] / "wide.csv")
    for fmt, read in readers.items():
        table = read(files[fmt])
        assert table.shape == reference.shape, fmt
        for i, column in enumerate(reference.columns):
            ref = reference[column]
            other = table.iloc[:, i]
            if pd.api.types.is_numeric_dtype(ref):
                assert pd.to_numeric(other).fillna(-999).tolist() == pytest.approx(
                    ref.fillna(-999).tolist()), (fmt, column)
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("export.request") == 6 and actions.count("export.download") == 6


def test_safe_defaults_leave_out_free_text_and_about_you_answers(app, client, campaign, login):
    login(client)
    _job, data = export(app, client, campaign, "zip")
    archive = unzip(data)
    answers = pd.read_csv(archive.open("answers.csv"), dtype=str, keep_default_na=False)
    assert "reflection" not in set(answers["item"])
    assert "profile" not in set(answers["phase"])
    assert json.loads(archive.read("manifest.json"))["left_out"] == ["free_text", "about_you"]


def test_a_report_is_reused_while_the_data_do_not_change(app, client, make_campaign, make_user, login):
    campaign = make_campaign("reported", block_size=8, seed="5eed" * 8)
    for k in range(8):  # two per arm, answers that move (as in test_security's report test)
        Bot(app.test_client(), campaign, SURVEY, overrides={
            "before": {"q_support_trees": str(1 + (k * 3) % 5), "q_warmth_council": str(10 * k)},
            "after": {"q_support_trees": str(1 + k % 5), "q_warmth_council": str(5 + 9 * k)},
        }).walk()
    make_user()
    login(client)
    url = f"/admin/campaign/{campaign}/report"
    ask(client, campaign, url, {})
    first = wait_for(app, last_job(app))
    assert first.status == "done", first.message
    with client.get(f"/admin/campaign/{campaign}/jobs/{first.id}/download") as response:
        assert response.mimetype == "text/html" and b"<svg" in response.get_data()
    page = ask(client, campaign, url, {})
    assert last_job(app) == first.id  # reused: no new job
    assert "is reused" in client.get(page.location).get_data(as_text=True)
    Bot(app.test_client(), campaign, SURVEY).walk()  # new data
    ask(client, campaign, url, {})
    assert last_job(app) != first.id


def test_a_report_of_an_empty_campaign_is_a_message_not_a_server_error(app, client,
                                                                        make_campaign, make_user, login):
    slug = make_campaign("empty")
    make_user()
    login(client)
    response = ask(client, slug, f"/admin/campaign/{slug}/report", {})
    assert response.status_code == 303
    page = client.get(response.location)
    assert page.status_code == 200
    assert "No participant has finished yet" in page.get_data(as_text=True)
    assert last_job(app) is None  # nothing to run


def test_a_report_job_that_fails_shows_its_reason_on_the_page(app, client, make_campaign,
                                                              monkeypatch, make_user, login):
    import analysis

    def broken(*_args, **_kwargs):
        raise ValueError("no control participant is left")

    monkeypatch.setattr(analysis, "write_report", broken)
    slug = make_campaign("few")
    Bot(app.test_client(), slug, SURVEY).walk()
    make_user()
    login(client)
    ask(client, slug, f"/admin/campaign/{slug}/report", {})
    job = wait_for(app, last_job(app))
    assert job.status == "failed"
    html = client.get(f"/admin/campaign/{slug}/exports").get_data(as_text=True)
    assert "no control participant is left" in html
    assert "The report cannot be drawn from the data so far" in html


def test_files_are_removed_when_they_expire(app, client, campaign, login):
    login(client)
    job, _data = export(app, client, campaign, "dta")
    with app.app_context():
        db.session.execute(update(Job).values(expires_at=utcnow()))
        db.session.commit()
    page = client.get(f"/admin/campaign/{campaign}/exports").get_data(as_text=True)
    assert "expired" in page
    assert client.get(f"/admin/campaign/{campaign}/jobs/{job.id}/download").status_code == 404
    assert not (app.instance_path and os.path.exists(os.path.join(app.instance_path, "jobs",
                                                                  str(job.id), "town-dta.zip")))


def test_jobs_run_on_rq_when_configured(app, client, campaign, login):
    import redis
    from rq import SimpleWorker

    from app.jobs.runner import rq_queue

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis not reachable on 127.0.0.1:6379: {exc}")
        pytest.skip(f"Redis not reachable on 127.0.0.1:6379: {exc}")
    app.config.update(PARLEY_JOBS="rq", PARLEY_RQ_QUEUE=f"parley-test-{uuid.uuid4().hex}")
    login(client)
    ask(client, campaign, f"/admin/campaign/{campaign}/exports", {"fmt": "wide"})
    job_id = last_job(app)
    with app.app_context():
        assert db.session.get(Job, job_id).status == "queued"  # waits for a worker
        db.session.commit()  # SQLite: leave the write lock to the worker
        queue = rq_queue(app)
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        queue.delete(delete_jobs=True)
    assert wait_for(app, job_id, timeout=5).status == "done"


def test_downloads_are_sent_from_the_file_on_disk(app, client, campaign, monkeypatch, login):
    """send_file gets the path of the finished file: nothing is read into a BytesIO."""
    from pathlib import Path

    import app.jobs.views as views

    given = []
    real = views.send_file
    monkeypatch.setattr(views, "send_file", lambda f, **kw: given.append(f) or real(f, **kw))
    login(client)
    export(app, client, campaign, "zip")
    assert len(given) == 1 and isinstance(given[0], Path) and given[0].is_file()


def test_test_participants_are_left_out_unless_asked_for(app, client, campaign, login):
    with app.app_context():
        first = db.session.scalar(select(Participant).order_by(Participant.id))
        first.is_test = True
        db.session.commit()
    login(client)
    _job, data = export(app, client, campaign, "zip")
    assert len(pd.read_csv(unzip(data).open("participants.csv"))) == 3
    _job, data = export(app, client, campaign, "zip", include_test=True)
    people = pd.read_csv(unzip(data).open("participants.csv"))
    assert len(people) == 4 and people["is_test"].sum() == 1


def test_a_job_whose_worker_is_gone_is_marked_failed(app, client, campaign, login):
    from datetime import timedelta

    app.config["PARLEY_JOBS"] = "rq"  # queued, and no worker runs in this test
    app.config["PARLEY_RQ_QUEUE"] = f"parley-test-{uuid.uuid4().hex}"
    login(client)
    try:
        ask(client, campaign, f"/admin/campaign/{campaign}/exports", {"fmt": "zip"})
    except Exception as exc:  # noqa: BLE001 - no Redis here: make the job by hand
        pytest.skip(f"Redis not reachable: {exc}")
    with app.app_context():
        db.session.execute(update(Job).values(created_at=utcnow() - timedelta(hours=2)))
        db.session.commit()
    page = client.get(f"/admin/campaign/{campaign}/exports").get_data(as_text=True)
    assert "No worker finished this in time" in page
    with app.app_context():
        from app.jobs.runner import rq_queue

        rq_queue(app).delete(delete_jobs=True)
