"""The panel id in the link decides who the participant is (issue 19, 2).

A browser that already took part with one panel id and then opens the link
with another id (a shared lab computer; one person with two panel accounts)
starts or resumes *that* id: the resume cookie never overrides the link.
"""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from app.campaigns.panel import hash_external_id
from app.extensions import db
from app.models import Campaign, Participant
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
PROLIFIC = {"access": "prolific", "completion": {"completed": {"code": "CDONE1"}}}
FIRST, SECOND = "5f1a2b3c4d5e6f7a8b9c0d1e", "6a6a6a6a6a6a6a6a6a6a6a6a"


def _hashes(app) -> dict[str, str]:
    """Each participant's panel-id hash and status."""
    with app.app_context():
        return {p.external_id_hash: p.status
                for p in db.session.scalars(select(Participant))}


def _hash(app, pid: str) -> str:
    with app.app_context(), app.test_request_context():
        return hash_external_id(db.session.scalar(select(Campaign)), pid)


def test_a_second_panel_id_in_a_browser_that_finished_starts_that_id(app, make_campaign):
    make_campaign(design=PROLIFIC)
    client = app.test_client()
    assert "CDONE1" in Bot(client, "town", SURVEY).walk(query=f"PROLIFIC_PID={FIRST}")
    # The same browser (its resume cookie is the first person's) opens B's link.
    html = client.get(f"/c/town/?PROLIFIC_PID={SECOND}").get_data(as_text=True)
    assert "Welcome back" not in html and 'name="agree"' in html
    assert "CDONE1" not in html
    second = Bot(client, "town", SURVEY)
    second.html = html
    assert "CDONE1" in second.walk(query=f"PROLIFIC_PID={SECOND}")
    statuses = _hashes(app)
    assert statuses == {_hash(app, FIRST): "completed", _hash(app, SECOND): "completed"}


def test_the_link_resumes_its_own_id_not_the_cookies(app, make_campaign):
    make_campaign(design=PROLIFIC)
    a_browser, b_browser = app.test_client(), app.test_client()
    Bot(b_browser, "town", SURVEY).start(query=f"PROLIFIC_PID={SECOND}")  # B stops early
    # A finishes; Prolific's links carry the session id, which lets A back in from
    # a browser without A's cookie after A saved pages (issue 23, 7).
    Bot(a_browser, "town", SURVEY).walk(query=f"PROLIFIC_PID={FIRST}&SESSION_ID=sess-a")
    # B comes back on A's computer: B's own place, not A's ending.
    html = a_browser.get(f"/c/town/?PROLIFIC_PID={SECOND}").get_data(as_text=True)
    assert "Welcome back" in html and "CDONE1" not in html and 'name="agree"' not in html
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    token = unescape(re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1])
    response = a_browser.post("/c/town/start", data={**hidden, "csrf_token": token},
                              follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Thank you" not in page and "CDONE1" not in page
    assert _hashes(app) == {_hash(app, FIRST): "completed", _hash(app, SECOND): "started"}
    # The cookie now belongs to B: the next page is B's, and A's link still finds A.
    assert 'name="agree"' not in a_browser.get(f"/c/town/?PROLIFIC_PID={SECOND}").get_data(
        as_text=True
    )
    again = a_browser.get(f"/c/town/?PROLIFIC_PID={FIRST}&SESSION_ID=sess-a").get_data(
        as_text=True)
    assert "Welcome back" in again
    # A's id alone no longer continues A in a browser that is not A's.
    assert a_browser.get(f"/c/town/?PROLIFIC_PID={FIRST}").status_code == 409


def test_the_same_id_in_the_link_keeps_the_cookies_participant(app, make_campaign):
    make_campaign(design=PROLIFIC)
    client = app.test_client()
    Bot(client, "town", SURVEY).start(query=f"PROLIFIC_PID={FIRST}")
    html = client.get(f"/c/town/?PROLIFIC_PID={FIRST}").get_data(as_text=True)
    assert "Continue where you stopped" in html and 'href="/c/town/go"' in html
    assert len(_hashes(app)) == 1


def test_the_panels_study_and_session_ids_are_kept_and_exported(app, runner, make_campaign,
                                                                 tmp_path):
    """Issue 19: STUDY_ID and SESSION_ID stay with the participant (not personal data)."""
    import csv

    make_campaign(design=PROLIFIC)
    Bot(app.test_client(), "town", SURVEY).walk(
        query=f"PROLIFIC_PID={FIRST}&STUDY_ID=study-77&SESSION_ID=sess-123")
    Bot(app.test_client(), "town", SURVEY).walk(query=f"PROLIFIC_PID={SECOND}")
    with app.app_context():
        kept = db.session.execute(select(Participant.panel_study_id,
                                         Participant.panel_session_id).order_by(Participant.id)).all()
    assert [tuple(r) for r in kept] == [("study-77", "sess-123"), (None, None)]
    result = runner.invoke(args=["export", "town", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    with (tmp_path / "out" / "participants.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["panel_study_id"], r["panel_session_id"]) for r in rows] == [
        ("study-77", "sess-123"), ("", "")]
    assert not any(FIRST in v or SECOND in v for r in rows for v in r.values())
