"""Access modes: open link, single-use invite codes, panel links with a keyed id hash."""

from __future__ import annotations

import hashlib
import hmac
import re
from concurrent.futures import ThreadPoolExecutor
from html import unescape

import pytest
from sqlalchemy import func, select

from app.campaigns.invites import create_invites, invite_link, revoke_invites
from app.extensions import db
from app.models import Campaign, Invite, Participant
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
PROLIFIC = {"access": "prolific", "completion": {"completed": {"code": "CDONE1"}}}
PID = "5f1a2b3c4d5e6f7a8b9c0d1e"


def count(app, model=Participant) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def invites(app, n: int) -> list[str]:
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        codes = create_invites(db.session, campaign, n, "test")
        db.session.commit()
        return codes


def landing_html(client, query: str) -> tuple[int, str]:
    response = client.get(f"/c/town/?{query}")
    return response.status_code, response.get_data(as_text=True)


# --- invite codes --------------------------------------------------------------------


def test_an_invite_code_starts_exactly_one_participant(app, make_campaign):
    make_campaign(design={"access": "invite"})
    code = invites(app, 1)[0]
    assert invite_link("https://survey.example.org/", _campaign(app), code) == (
        f"https://survey.example.org/c/town/?invite={code.replace('-', '')}"
    )
    bot = Bot(app.test_client(), "town", SURVEY)
    assert "Thank you" in bot.walk(query=f"invite={code}")
    with app.app_context():
        invite = db.session.scalar(select(Invite))
        participant = db.session.scalar(select(Participant))
        assert invite.participant_id == participant.id and invite.used_at is not None
        assert invite.code_hash != code and code.replace("-", "") not in invite.code_hash
    # Reuse by someone else: a clear page, nobody new.
    status, html = landing_html(app.test_client(), f"invite={code}")
    assert status == 409 and "This invitation has already been used" in html
    assert count(app) == 1


def test_a_revoked_code_cannot_start_and_a_used_one_is_not_revoked(app, make_campaign):
    make_campaign(design={"access": "invite"})
    first, second = invites(app, 2)
    Bot(app.test_client(), "town", SURVEY).start(query=f"invite={first}")
    with app.app_context():
        assert revoke_invites(db.session, _campaign(app), "test") == 1  # only the unused one
        db.session.commit()
    status, html = landing_html(app.test_client(), f"invite={second}")
    assert status == 403 and "This invitation has been withdrawn" in html
    assert count(app) == 1


@pytest.mark.parametrize("tamper", [
    lambda c: c[:-1] + ("0" if c[-1] != "0" else "1"),  # one character changed
    lambda c: c[:-2],                                     # cut short
    lambda c: "' OR 1=1 --",                              # not a code at all
])
def test_a_tampered_code_gets_a_clear_page_and_starts_nobody(app, make_campaign, tamper):
    make_campaign(design={"access": "invite"})
    code = invites(app, 1)[0]
    status, html = landing_html(app.test_client(), f"invite={tamper(code)}")
    assert status == 400 and "This invitation link does not work" in html
    assert 'name="agree"' not in html
    # Posting the start form with a forged hidden field does not help either.
    client = app.test_client()
    token = _csrf(client.get(f"/c/town/?invite={code}").get_data(as_text=True))
    response = client.post("/c/town/start", data={"csrf_token": token, "agree": "y",
                                                  "invite": tamper(code)})
    assert response.status_code == 400
    assert count(app) == 0


def test_an_invite_campaign_without_a_code_says_so(app, make_campaign):
    make_campaign(design={"access": "invite"})
    status, html = landing_html(app.test_client(), "")
    assert status == 400 and "You need a personal invitation link" in html


def test_two_tabs_with_one_invite_make_one_participant(app, make_campaign):
    make_campaign(design={"access": "invite"})
    code = invites(app, 1)[0]
    client = app.test_client()
    tabs = [_csrf(client.get(f"/c/town/?invite={code}").get_data(as_text=True)) for _ in "ab"]
    for token in tabs:
        response = client.post("/c/town/start", data={"csrf_token": token, "agree": "y",
                                                      "invite": code})
        assert response.status_code == 302 and response.location.endswith("/c/town/go")
    assert count(app) == 1


def test_one_invite_used_by_many_people_at_once_starts_one(app, make_campaign):
    make_campaign(design={"access": "invite"})
    code = invites(app, 1)[0]

    def person(_):
        client = app.test_client()
        token = _csrf(client.get(f"/c/town/?invite={code}").get_data(as_text=True))
        return client.post("/c/town/start", data={"csrf_token": token, "agree": "y",
                                                  "invite": code}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(person, range(12)))
    assert statuses == [302] + [409] * 11
    assert count(app) == 1


# --- panel links ---------------------------------------------------------------------


def test_a_prolific_link_stores_only_the_keyed_hash_of_the_id(app, make_campaign):
    make_campaign(design=PROLIFIC)
    bot = Bot(app.test_client(), "town", SURVEY)
    html = bot.walk(query=f"PROLIFIC_PID={PID}&STUDY_ID=s1&SESSION_ID=x9")
    assert "CDONE1" in html
    assert 'href="https://app.prolific.com/submissions/complete?cc=CDONE1"' in html
    with app.app_context():
        participant = db.session.scalar(select(Participant))
        key = app.config["PARLEY_EXTERNAL_ID_KEY"]
        assert key and key != app.config["SECRET_KEY"]
        expected = hmac.new(key.encode(), f"town:{PID}".encode(), hashlib.sha256).hexdigest()
        assert participant.external_id_hash == expected
        # The raw id is nowhere in the participant's row.
        row = {c.name: getattr(participant, c.key) for c in Participant.__table__.columns}
        assert not any(PID in str(v) for v in row.values())
    assert (app.instance_path + "/external_id_key") and _mode(app) == 0o600


def test_the_same_panel_id_twice_continues_the_same_participant(app, make_campaign):
    make_campaign(design=PROLIFIC)
    first = Bot(app.test_client(), "town", SURVEY)
    first.start(query=f"PROLIFIC_PID={PID}&STUDY_ID=s1&SESSION_ID=x9")
    first.submit_current()  # the about-you page is saved
    with app.app_context():
        step = db.session.scalar(select(Participant.step))
    # Later, on another device, the panel sends them back with the same id (and
    # their session id: after a saved page the id alone is not enough, issue 23, 7).
    other = app.test_client()
    status, html = landing_html(other, f"PROLIFIC_PID={PID}&STUDY_ID=s1&SESSION_ID=x9")
    assert status == 200 and "Welcome back" in html and 'name="agree"' not in html
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    response = other.post("/c/town/start", data={**hidden, "csrf_token": _csrf(html)},
                          follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Your new resume code is" in page
    assert count(app) == 1
    with app.app_context():
        assert db.session.scalar(select(Participant.step)) == step  # carried on, not restarted


def test_two_tabs_with_one_panel_id_make_one_participant(app, make_campaign):
    make_campaign(design=PROLIFIC)

    def tab(_):
        client = app.test_client()
        html = client.get(f"/c/town/?PROLIFIC_PID={PID}").get_data(as_text=True)
        return client.post("/c/town/start", data={"csrf_token": _csrf(html), "agree": "y",
                                                  "PROLIFIC_PID": PID}).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert set(pool.map(tab, range(6))) == {302}
    assert count(app) == 1


@pytest.mark.parametrize("query", ["", "STUDY_ID=s1", "PROLIFIC_PID=", "PROLIFIC_PID=a%20b",
                                   "PROLIFIC_PID=" + "x" * 200, "prolific_pid=abc"])
def test_a_panel_link_without_a_valid_id_gets_a_clear_page(app, make_campaign, query):
    make_campaign(design=PROLIFIC)
    client = app.test_client()
    status, html = landing_html(client, query)
    assert status == 400
    assert "Your participant ID is missing from this link" in html
    assert "Go back to Prolific and open the survey from there" in html
    token = _csrf(client.get(f"/c/town/?PROLIFIC_PID={PID}").get_data(as_text=True))
    response = client.post("/c/town/start", data={"csrf_token": token, "agree": "y"})
    assert response.status_code == 400
    assert count(app) == 0


def test_an_mturk_preview_shows_the_task_without_starting(app, make_campaign):
    make_campaign(design={"access": "mturk"})
    status, html = landing_html(app.test_client(), "assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE")
    assert status == 200 and "Accept the task to take part" in html
    html = Bot(app.test_client(), "town", SURVEY).walk(
        query="workerId=A1B2C3&assignmentId=3X4Y&hitId=H1"
    )
    assert "Thank you" in html and count(app) == 1


def test_a_generic_panel_uses_its_own_parameter_and_redirect(app, make_campaign):
    make_campaign(design={"access": "panel", "panel": {
        "id_param": "rid", "redirect": "https://panel.example/end?status={code}&rid={id}"},
        "completion": {"completed": {"code": "OK"}}})
    html = Bot(app.test_client(), "town", SURVEY).walk(query="rid=r-77")
    assert 'href="https://panel.example/end?status=OK&amp;rid=r-77"' in html


def test_the_external_id_key_must_not_be_the_session_secret(app, make_campaign):
    make_campaign(design=PROLIFIC)
    app.config["PARLEY_EXTERNAL_ID_KEY"] = app.config["SECRET_KEY"]
    with pytest.raises(RuntimeError, match="must differ from the session secret"):
        app.test_client().get(f"/c/town/?PROLIFIC_PID={PID}")


def test_a_withdrawn_panel_participant_cannot_start_again(app, make_campaign):
    make_campaign(design=PROLIFIC)
    bot = Bot(app.test_client(), "town", SURVEY)
    bot.start(query=f"PROLIFIC_PID={PID}")
    bot.get("withdraw")
    bot.post("/c/town/withdraw", {})
    status, html = landing_html(app.test_client(), f"PROLIFIC_PID={PID}")
    assert status == 409 and "You have left this survey" in html
    assert count(app) == 1


# --- helpers -------------------------------------------------------------------------


def _campaign(app) -> Campaign:
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        db.session.expunge(campaign)
        return campaign


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    return unescape(match.group(1))


def _mode(app) -> int:
    import os
    import stat

    return stat.S_IMODE(os.stat(os.path.join(app.instance_path, "external_id_key")).st_mode)
