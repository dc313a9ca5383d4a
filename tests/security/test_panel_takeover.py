"""Knowing someone's panel id is not enough to continue as them once they saved a page.

Panel ids are not secrets (the panel and the researchers see them). Before,
opening the panel link with a victim's id in a new browser continued the
victim, and the victim's own cookie stopped working. Now the id alone
starts or resumes only a participant who has saved no page; after that a
new browser also needs the panel's session id (``SESSION_ID`` on Prolific,
``assignmentId`` on MTurk) or the resume code, and the page says how to
continue. Tested on the landing page and on the start form (the form can
be posted without the page).
"""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Participant
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
PROLIFIC = {"access": "prolific", "completion": {"completed": {"code": "CDONE1"}}}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VICTIM = "PROLIFIC_PID=victim-5f3a&STUDY_ID=s1&SESSION_ID=sess-victim-91"


def _resume_hash(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Participant.resume_token_hash))


def _start(client, query: str):
    """What an attacker does: the landing page, then the start form with the id."""
    landing = client.get(f"/c/town/?{query}")
    html = landing.get_data(as_text=True)
    token = CSRF.search(html).group(1)
    fields = dict(pair.split("=", 1) for pair in query.split("&"))
    posted = client.post("/c/town/start", data={"csrf_token": token, "agree": "y", **fields})
    return landing, posted


def _victim_saved_a_page(app) -> Bot:
    victim = Bot(app.test_client(), "town", SURVEY)
    victim.start(query=VICTIM)
    victim.submit_current()  # the about-you page is saved
    return victim


def test_the_panel_id_alone_does_not_continue_someone_who_saved_a_page(app, make_campaign):
    make_campaign(design=PROLIFIC)
    victim = _victim_saved_a_page(app)
    before = _resume_hash(app)
    for query in ("PROLIFIC_PID=victim-5f3a",
                  "PROLIFIC_PID=victim-5f3a&STUDY_ID=s1&SESSION_ID=guessed-1"):
        attacker = app.test_client()
        landing, posted = _start(attacker, query)
        assert landing.status_code == 409 and posted.status_code == 409
        page = posted.get_data(as_text=True)
        assert "Continue with your resume code" in page and "/c/town/resume" in page
        assert attacker.get("/c/town/go").status_code != 200  # no participant in that browser
    # Nothing changed for the victim: same code, and their browser carries on.
    assert _resume_hash(app) == before
    assert victim.client.get("/c/town/go").status_code == 200
    victim.submit_current()
    with app.app_context():
        assert db.session.scalar(select(Participant.step)) != "page:about"


def test_the_panel_session_id_continues_them_on_another_device(app, make_campaign):
    make_campaign(design=PROLIFIC)
    _victim_saved_a_page(app)
    laptop = app.test_client()
    landing, posted = _start(laptop, VICTIM)
    assert landing.status_code == 200 and "Welcome back" in landing.get_data(as_text=True)
    assert posted.status_code == 302
    assert laptop.get("/c/town/go").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Participant.id).where(Participant.id > 1)) is None


def test_the_resume_code_continues_them_on_another_device(app, make_campaign):
    make_campaign(design=PROLIFIC)
    victim = Bot(app.test_client(), "town", SURVEY)
    victim.start(query=VICTIM)
    code = re.search(r"([A-Z0-9]{4}(?:-[A-Z0-9]{4}){2,})", victim.html).group(1)
    victim.submit_current()
    phone = Bot(app.test_client(), "town", SURVEY)
    phone.get("resume")
    phone.post("/c/town/resume", {"code": code})
    assert phone.current_page() is not None and phone.current_page() != "page:about"


def test_before_any_saved_page_the_id_alone_resumes(app, make_campaign):
    make_campaign(design=PROLIFIC)
    Bot(app.test_client(), "town", SURVEY).start(query=VICTIM)  # consented, saved nothing
    other = app.test_client()
    landing, posted = _start(other, "PROLIFIC_PID=victim-5f3a")
    assert landing.status_code == 200 and posted.status_code == 302
    assert other.get("/c/town/go").status_code == 200
