"""The panel match on the campaign's page (issue 19): upload the panel's CSV, download it joined.

The download must be the CLI's output for the same file, byte for byte (one
writer serves both); nothing is stored (no new row, no raw id in any table,
no file written under the instance folder), a wrong file changes nothing and
says why, and the audit entry counts rows without naming an id.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.extensions import db
from app.models import AuditEvent, Participant
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
DESIGN = {"access": "prolific",
          "completion": {"completed": {"code": "C-DONE"}, "screened_out": {"code": "C-SCREEN"}},
          "screening": [{"item": "age_band", "deny": ["under_30"]}]}
DONE, SCREENED, STARTED, STRANGER = ("aaaa1111", "bbbb2222", "cccc3333", "dddd4444")
IDS = (DONE, SCREENED, STARTED)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _submissions(ids) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["Submission id", "Participant id", "Status", "Note"])
    for n, pid in enumerate(ids):
        writer.writerow([f"sub{n}", pid, "AWAITING REVIEW", 'says "hi",\nthen leaves'])
    return "\ufeff".encode() + out.getvalue().encode()  # Prolific writes a byte-order mark


@pytest.fixture
def fielded(app, runner, make_campaign):
    slug = make_campaign(design=DESIGN)
    Bot(app.test_client(), slug, SURVEY).walk(query=f"PROLIFIC_PID={DONE}")
    Bot(app.test_client(), slug, SURVEY, overrides={"about": {"q_age_band": "under_30"}}).walk(
        query=f"PROLIFIC_PID={SCREENED}")
    Bot(app.test_client(), slug, SURVEY).start(query=f"PROLIFIC_PID={STARTED}")
    assert runner.invoke(args=["followup", "open", slug]).exit_code == 0
    return slug


def _token(client, slug) -> str:
    page = client.get(f"/admin/campaign/{slug}").get_data(as_text=True)
    assert 'id="panel-match"' in page
    return CSRF.search(page).group(1)


def _post(client, slug, data: bytes, name="submissions.csv", **fields):
    return client.post(f"/admin/campaign/{slug}/panel-match.csv",
                       data={"csrf_token": _token(client, slug),
                             "submissions": (io.BytesIO(data), name), **fields},
                       content_type="multipart/form-data")


def _stored(app) -> tuple[int, int, list[str]]:
    with app.app_context():
        people = db.session.scalar(select(func.count()).select_from(Participant))
        audits = db.session.scalar(select(func.count()).select_from(AuditEvent))
        values = [str(getattr(p, c.key)) for p in db.session.scalars(select(Participant))
                  for c in Participant.__table__.columns]
        values += [f"{e.action} {e.detail}" for e in db.session.scalars(select(AuditEvent))]
    return people, audits, values


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def test_the_download_is_the_clis_output_for_the_same_file(app, runner, admin, fielded,
                                                           tmp_path):
    data = _submissions([STRANGER, DONE, SCREENED, STARTED])
    instance = Path(app.instance_path)
    before_files = _files(instance)
    people, audits, _ = _stored(app)

    response = _post(admin, fielded, data)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{fielded}-panel-match.csv"')
    assert response.headers["Cache-Control"] == "no-store"
    downloaded = response.get_data()

    submissions, out = tmp_path / "submissions.csv", tmp_path / "cli.csv"
    submissions.write_bytes(data)
    result = runner.invoke(args=["panel", "match", fielded, str(submissions), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert downloaded == out.read_bytes()

    rows = list(csv.DictReader(io.StringIO(downloaded.decode("utf-8"), newline="")))
    assert [(r["Participant id"], r["parley_found"], r["parley_status"],
             r["parley_completion_code"], r["parley_followup"]) for r in rows] == [
        (STRANGER, "no", "", "", ""),
        (DONE, "yes", "completed", "C-DONE", "not completed"),
        (SCREENED, "yes", "screened_out", "C-SCREEN", ""),
        (STARTED, "yes", "started", "", ""),
    ]
    assert rows[1]["Note"] == 'says "hi",\nthen leaves'

    # Nothing stored: nobody new, no raw id in any participant or audit row, and
    # the only new files under the instance folder are none (the upload stayed in memory).
    after_people, after_audits, values = _stored(app)
    assert after_people == people
    assert after_audits == audits + 2  # the page's match and the CLI's
    assert not any(pid in v for v in values for pid in (*IDS, STRANGER))
    assert {p for p in _files(instance) - before_files
            if not p.name.endswith((".db", ".db-wal", ".db-shm", ".sqlite"))} == set()
    with app.app_context():
        entries = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "panel.match")
                                     .order_by(AuditEvent.id)).all()
    assert [e.actor for e in entries][0] == "admin@example.org"
    assert entries[0].detail == "4 rows of a panel file, 3 matched a participant"
    assert entries[0].campaign_slug == fielded


def test_the_upload_is_never_written_to_a_temporary_file(app, admin, fielded, monkeypatch):
    """Werkzeug spools uploads over 500 KB to a temporary file; this one stays in memory."""
    import werkzeug.formparser

    def refuse(*args, **kwargs):
        raise AssertionError("a temporary file was made for the upload")

    big = _submissions([DONE] + [f"zzzz{n:06d}" for n in range(12_000)])
    assert len(big) > 600 * 1024
    boundary, body = encode_multipart({"csrf_token": _token(admin, fielded),
                                       "submissions": FileStorage(io.BytesIO(big), "s.csv")})
    monkeypatch.setattr(werkzeug.formparser, "SpooledTemporaryFile", refuse)
    response = admin.post(f"/admin/campaign/{fielded}/panel-match.csv", data=body,
                          content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 200, admin.get(response.headers["Location"]).get_data(
        as_text=True)
    assert response.get_data().count(b"\n") > 12_000


@pytest.mark.parametrize("data, name, field, message", [
    (b"who,when\r\nx,y\r\n", "s.csv", {}, "no participant id column in the file"),
    (b"", "s.csv", {}, "no participant id column in the file"),
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "s.xlsx", {},
     "this is a spreadsheet or zip file, not a CSV file"),
    (b"Participant id,x\n\x00\x01\x02", "s.csv", {}, "this is not a CSV file"),
    ("Participant id,Name\nabcd1234,Jürgen\n".encode("latin-1"), "s.csv", {},
     "this file is not UTF-8 text"),
    (b"Participant id,x\naaaa1111,y\n", "s.csv", {"id_column": "PID"},
     "looked for PID"),
])
def test_a_wrong_file_changes_nothing_and_says_why(app, admin, fielded, data, name, field,
                                                   message):
    before = _stored(app)
    response = _post(admin, fielded, data, name=name, **field)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/campaign/{fielded}#panel-match")
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing was matched" in page and message in page, page[:2000]
    assert _stored(app) == before  # no audit entry, nobody new


def test_the_id_column_can_be_named(app, admin, fielded):
    response = _post(admin, fielded, f"who,PID\nx,{DONE}\n".encode(), id_column="PID")
    assert response.status_code == 200
    row = next(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert row["parley_found"] == "yes" and row["parley_completion_code"] == "C-DONE"


def test_no_file_and_a_file_over_the_limit_are_refused(app, admin, fielded):
    before = _stored(app)
    token = _token(admin, fielded)
    none = admin.post(f"/admin/campaign/{fielded}/panel-match.csv", data={"csrf_token": token},
                      content_type="multipart/form-data")
    assert none.status_code == 303
    assert "Choose the panel" in admin.get(none.headers["Location"]).get_data(as_text=True)
    app.config["PARLEY_PANEL_MATCH_BYTES"] = 1024 * 1024
    big = _submissions([f"zzzz{n:06d}" for n in range(40_000)])
    assert len(big) > 1024 * 1024 + 64 * 1024
    boundary, body = encode_multipart({"csrf_token": token,
                                       "submissions": FileStorage(io.BytesIO(big), "s.csv")})
    response = admin.post(f"/admin/campaign/{fielded}/panel-match.csv", data=body,
                          content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 303
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "larger than 1 MB" in page
    assert _stored(app) == before


def test_without_the_security_token_nothing_happens(app, admin, fielded):
    before = _stored(app)
    response = admin.post(f"/admin/campaign/{fielded}/panel-match.csv",
                          data={"submissions": (io.BytesIO(_submissions([DONE])), "s.csv")},
                          content_type="multipart/form-data")
    assert response.status_code == 400
    assert "parley_found" not in response.get_data(as_text=True)
    assert _stored(app) == before


def test_an_analyst_sees_no_upload_and_cannot_post(app, make_user, login, fielded):
    make_user("analyst@example.org", role="analyst", campaigns=[fielded])
    client = app.test_client()
    assert login(client, "analyst@example.org").status_code == 302
    page = client.get(f"/admin/campaign/{fielded}").get_data(as_text=True)
    assert 'id="panel-match"' not in page
    token = CSRF.search(page).group(1)
    response = client.post(f"/admin/campaign/{fielded}/panel-match.csv",
                           data={"csrf_token": token,
                                 "submissions": (io.BytesIO(_submissions([DONE])), "s.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 403
