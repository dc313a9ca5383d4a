"""Every ending has its own completion code and link back to the panel."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Answer, Participant
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
PID = "60aa11bb22cc33dd44ee55ff"
CODES = {"completed": "C-DONE", "screened_out": "C-SCREEN", "over_quota": "C-FULL",
         "failed_attention": "C-ATTN", "declined": "C-NO"}
LINK = 'href="https://app.prolific.com/submissions/complete?cc={}"'


def design(**extra) -> dict:
    return {"access": "prolific",
            "completion": {outcome: {"code": code} for outcome, code in CODES.items()},
            **extra}


def finish(app, overrides=None) -> tuple[str, Participant]:
    bot = Bot(app.test_client(), "town", SURVEY, overrides=overrides or {})
    html = bot.walk(query=f"PROLIFIC_PID={PID}")
    with app.app_context():
        participant = db.session.scalar(select(Participant))
        db.session.expunge(participant)
    return html, participant


def answers_of(app, participant) -> list[tuple[str, str]]:
    with app.app_context():
        return db.session.execute(
            select(Answer.phase, Answer.item).where(Answer.participant_id == participant.id)
        ).all()


def test_completed(app, make_campaign):
    make_campaign(design=design())
    html, participant = finish(app)
    assert (participant.status, participant.outcome) == ("completed", "completed")
    assert "C-DONE" in html and LINK.format("C-DONE") in html
    assert "Go back to Prolific" in html


def test_screened_out_by_a_rule_keeps_the_answers(app, make_campaign):
    make_campaign(design=design(screening=[{"item": "age_band", "deny": ["under_30"]}]))
    html, participant = finish(app, {"about": {"q_age_band": "under_30"}})
    assert (participant.status, participant.outcome, participant.step) == (
        "screened_out", "screened_out", "thanks")
    assert "Thank you for your interest" in html and "looking for people in a different" in html
    assert "C-SCREEN" in html and LINK.format("C-SCREEN") in html
    assert {item for phase, item in answers_of(app, participant)} == {"age_band", "transport"}


def test_an_allow_rule_screens_out_an_unanswered_question(app, make_campaign):
    make_campaign(design=design(screening=[{"item": "age_band", "allow": ["over_60"]}]))
    _html, participant = finish(app, {"about": {"q_age_band": ""}})
    assert participant.outcome == "screened_out"


def test_over_quota(app, make_campaign):
    make_campaign(design=design(quotas=[
        {"name": "young", "cap": 0, "conditions": {"age_band": "under_30"}}]))
    html, participant = finish(app, {"about": {"q_age_band": "under_30"}})
    assert (participant.status, participant.outcome) == ("screened_out", "over_quota")
    assert "We already have enough answers from people like you" in html
    assert "C-FULL" in html and LINK.format("C-FULL") in html


def test_failed_attention_when_the_campaign_ends_on_it(app, make_campaign):
    make_campaign(design=design(end_on_failed_attention=True))
    html, participant = finish(app, {"after": {"q_attention": "red"}})
    assert (participant.status, participant.outcome) == ("screened_out", "failed_attention")
    assert "C-ATTN" in html and LINK.format("C-ATTN") in html
    assert ("post", "attention") in answers_of(app, participant)  # the page itself is kept


def test_a_failed_attention_check_only_ends_the_survey_when_asked(app, make_campaign):
    make_campaign(design=design())
    _html, participant = finish(app, {"after": {"q_attention": "red"}})
    assert participant.outcome == "completed"


def test_declined_consent_stores_nothing_and_gives_the_declined_code(app, make_campaign):
    make_campaign(design=design())
    client = app.test_client()
    html = client.get(f"/c/town/?PROLIFIC_PID={PID}").get_data(as_text=True)
    assert 'formaction="/c/town/decline"' in html
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post("/c/town/decline", data={"csrf_token": token, "PROLIFIC_PID": PID})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "You have chosen not to take part" in page and "Nothing has been saved" in page
    assert "C-NO" in page and LINK.format("C-NO") in page
    with app.app_context():
        assert db.session.scalar(select(Participant)) is None


@pytest.mark.parametrize("outcome", ["completed", "declined"])
def test_without_a_panel_the_code_is_shown_with_no_link(app, make_campaign, outcome):
    make_campaign(design={"completion": {outcome: {"code": "OWN-CODE"}}})
    if outcome == "completed":
        html = Bot(app.test_client(), "town", SURVEY).walk()
    else:
        client = app.test_client()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                          client.get("/c/town/").get_data(as_text=True)).group(1)
        html = client.post("/c/town/decline", data={"csrf_token": token}).get_data(as_text=True)
    assert "OWN-CODE" in html and "Go back to" not in html


def test_an_outcome_redirect_overrides_the_panel_and_may_carry_the_id(app, make_campaign):
    make_campaign(design=design(completion={
        "completed": {"code": "C-DONE", "redirect": "https://lab.example/done?c={code}&p={id}"}}))
    html, _participant = finish(app)
    assert f'href="https://lab.example/done?c=C-DONE&amp;p={PID}"' in html


def test_a_preview_holds_no_quota_place_and_is_not_a_followup_completer(app, make_campaign):
    from app.campaigns.followup import mint_codes
    from app.models import Campaign, Quota
    from app.participant.preview import start_test_participant

    make_campaign(design=design(quotas=[
        {"name": "young", "cap": 1, "conditions": {"age_band": "under_30"}}]))
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        started = start_test_participant(db.session, campaign, SURVEY, arm="trees",
                                         language="en", actor="test")
        code = started.resume_code
    client = app.test_client()
    client.set_cookie("parley_town", code.replace("-", ""), path="/c/town/")
    bot = Bot(client, "town", SURVEY, overrides={"about": {"q_age_band": "under_30"}})
    bot.get()
    while bot.current_action() is not None:
        bot.submit_current()
    assert "Thank you" in bot.html and "C-DONE" in bot.html
    with app.app_context():
        assert db.session.scalar(select(Quota.used)) == 0
        campaign = db.session.scalar(select(Campaign))
        assert mint_codes(db.session, campaign) == []
    # The one real place is still free for a real participant.
    html, _first = finish(app, {"about": {"q_age_band": "under_30"}})
    assert "C-DONE" in html
    with app.app_context():
        assert db.session.scalar(select(Quota.used)) == 1
        real = db.session.scalar(select(Participant).where(Participant.is_test.is_(False)))
        assert (real.status, real.outcome) == ("completed", "completed")
