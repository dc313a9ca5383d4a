"""A panel id alone enters a completer's follow-up only until a follow-up page is saved.

As in the main wave (app/participant/panel_resume.py): panel ids are not secrets, so
once the follow-up has a saved page, the panel link continues it only with the panel
session id that entered it; an id alone can neither answer it nor take it over with a
fresh follow-up code.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Participant
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
DESIGN = {"access": "prolific", "completion": {"completed": {"code": "C1"},
                                                "followup": {"code": "FU2"}}}
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def _state(app) -> tuple:
    with app.app_context():
        p = db.session.scalar(select(Participant))
        return p.followup_token_hash, p.followup_step, p.followup_completed_at


def _enter(app, query: str) -> Bot:
    """Open the follow-up entry with ``query``; on its welcome, press Start."""
    bot = Bot(app.test_client(), "town", SURVEY)
    bot.get(f"followup?{query}")
    if "Start the follow-up" in bot.html:
        bot.post("/c/town/followup", dict(HIDDEN.findall(bot.html)))
    return bot


def test_after_a_saved_followup_page_the_id_alone_is_refused(app, runner, make_campaign):
    make_campaign(design=DESIGN)
    Bot(app.test_client(), "town", SURVEY).walk(query="PROLIFIC_PID=pid00001&SESSION_ID=main01")
    assert runner.invoke(args=["followup", "open", "town"]).exit_code == 0

    # Before anything is saved the id alone enters (a lost tab, a second device),
    # and a second entry with another session is still allowed.
    first = _enter(app, "PROLIFIC_PID=pid00001")
    assert first.current_action() is not None
    owner = _enter(app, "PROLIFIC_PID=pid00001&SESSION_ID=fu000001")
    assert owner.current_action() is not None
    owner.submit_current()  # the follow-up's page is saved
    assert "FU2" in owner.html
    saved = _state(app)
    assert saved[2] is not None

    # Now the id alone, or with another session, is refused and changes nothing.
    for query in ("PROLIFIC_PID=pid00001", "PROLIFIC_PID=pid00001&SESSION_ID=other001"):
        client = app.test_client()
        page = client.get(f"/c/town/followup?{query}")
        assert page.status_code == 409
        html = page.get_data(as_text=True)
        assert "Your follow-up has already begun" in html and "FU2" not in html
        assert "Start the follow-up" not in html
        start_page = client.get("/c/town/?PROLIFIC_PID=other999").get_data(as_text=True)
        form = dict(re.findall(r"(\w+)=(\w+)", query))
        form["csrf_token"] = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                                       start_page).group(1)
        posted = client.post("/c/town/followup", data=form)  # "Start", with a valid token
        assert posted.status_code == 409 and "FU2" not in posted.get_data(as_text=True)
        assert _state(app) == saved  # no fresh code minted: the owner's link still works

    # The session that entered it continues (here: to the thanks page with its code).
    again = _enter(app, "PROLIFIC_PID=pid00001&SESSION_ID=fu000001")
    assert "FU2" in again.html


def test_the_refusal_is_translated(app, runner, make_campaign):
    make_campaign(design=DESIGN, languages=["en", "de"])
    Bot(app.test_client(), "town", SURVEY).walk(query="PROLIFIC_PID=pid00002")
    assert runner.invoke(args=["followup", "open", "town"]).exit_code == 0
    owner = _enter(app, "PROLIFIC_PID=pid00002&SESSION_ID=fu000002")
    owner.submit_current()
    page = app.test_client().get("/c/town/followup?PROLIFIC_PID=pid00002&lang=de")
    assert page.status_code == 409
    html = page.get_data(as_text=True)
    assert "Ihre Nachbefragung hat bereits begonnen" in html
    assert "über Prolific" in html


def test_the_prolific_followup_link_carries_the_session_id(app, client, make_campaign,
                                                           make_user, login):
    app.config["PARLEY_BASE_URL"] = "https://survey.example.org/"
    make_campaign(design=DESIGN)
    make_user()
    login(client)
    html = client.get("/admin/campaign/town").get_data(as_text=True)
    assert ("https://survey.example.org/c/town/followup?PROLIFIC_PID={{%PROLIFIC_PID%}}"
            "&amp;STUDY_ID={{%STUDY_ID%}}&amp;SESSION_ID={{%SESSION_ID%}}") in html
