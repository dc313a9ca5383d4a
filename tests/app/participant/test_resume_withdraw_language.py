"""Resume on the same or another device, withdraw with deletion, switch language."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import Answer, PageVisit, Participant
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
CODE_RE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}")


def test_closing_the_browser_and_coming_back_continues_where_they_stopped(app, client, make_campaign):
    slug = make_campaign()
    bot = Bot(client, slug, SURVEY)
    bot.start()
    bot.submit_current()
    # Same browser, later: the persistent cookie brings them back to the next page.
    landing = client.get(f"/c/{slug}/").get_data(as_text=True)
    assert "Continue where you stopped" in landing
    page = client.get(f"/c/{slug}/go").get_data(as_text=True)
    assert "/step/page:before" in page


def test_a_resume_code_continues_on_another_device(app, client, make_campaign):
    slug = make_campaign()
    bot = Bot(client, slug, SURVEY)
    first_page = bot.start().get_data(as_text=True)
    code = CODE_RE.search(first_page).group(0)  # shown once after consent
    bot.submit_current()
    other = Bot(app.test_client(), slug, SURVEY)
    other.get("resume")
    response = other.post(f"/c/{slug}/resume", {"code": code.lower().replace("-", " ")})
    assert "/step/page:before" in response.get_data(as_text=True)
    # The "continue later" page shows the same code again.
    later = other.client.get(f"/c/{slug}/later").get_data(as_text=True)
    assert code in later
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Participant)) == 1


def test_a_wrong_resume_code_is_explained(app, client, make_campaign):
    slug = make_campaign()
    bot = Bot(client, slug, SURVEY)
    bot.get("resume")
    response = bot.post(f"/c/{slug}/resume", {"code": "AAAA-BBBB-CCCC-DDDD"})
    assert response.status_code == 400
    assert "We could not find that code" in response.get_data(as_text=True)


def test_the_resume_code_is_stored_only_as_a_hash(app, client, make_campaign):
    slug = make_campaign()
    code = CODE_RE.search(Bot(client, slug, SURVEY).start().get_data(as_text=True)).group(0)
    with app.app_context():
        stored = db.session.scalar(select(Participant.resume_token_hash))
    assert len(stored) == 64 and code.replace("-", "") not in stored


def test_withdrawing_deletes_every_answer_and_forgets_the_browser(app, client, make_campaign):
    slug = make_campaign()
    bot = Bot(client, slug, SURVEY)
    bot.start()
    bot.submit_current()
    bot.submit_current()
    bot.get("withdraw")
    assert "Delete my answers" in bot.html
    response = bot.post(f"/c/{slug}/withdraw", {})
    assert "Your answers were deleted" in response.get_data(as_text=True)
    with app.app_context():
        p = db.session.scalar(select(Participant))
        assert p.status == "withdrawn" and p.withdrawn_at is not None
        assert p.resume_token_hash is None
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 0
        assert db.session.scalar(select(func.count()).select_from(PageVisit)) == 0
    # The browser no longer resumes: the landing page offers a fresh start.
    assert "Start the survey" in client.get(f"/c/{slug}/").get_data(as_text=True)


def test_switching_language_mid_survey_keeps_answers_and_is_recorded(app, client, make_campaign):
    slug = make_campaign()
    bot = Bot(client, slug, SURVEY)
    bot.start()
    bot.submit_current()
    response = bot.post(f"/c/{slug}/language", {"lang": "de"})
    html = response.get_data(as_text=True)
    assert "Bevor Sie lesen" in html  # the page title from the survey, in German
    assert '<html lang="de">' in html
    bot.submit_current()
    with app.app_context():
        p = db.session.scalar(select(Participant))
        assert p.language == "de"
        phases = set(db.session.scalars(select(Answer.phase)).all())
    assert phases == {"profile", "pre"}


def test_the_landing_page_follows_the_browser_language(app, client, make_campaign):
    slug = make_campaign()
    html = client.get(f"/c/{slug}/", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(
        as_text=True
    )
    assert "Bürgerbefragung zum Marktplatz" in html
    assert "Diese kurze Umfrage" in html


def test_an_unknown_language_is_ignored(app, client, make_campaign):
    slug = make_campaign()
    html = client.get(f"/c/{slug}/?lang=xx").get_data(as_text=True)
    assert "Town square consultation" in html


def test_a_draft_campaign_is_not_found(app, client, make_campaign):
    slug = make_campaign(status="draft")
    assert client.get(f"/c/{slug}/").status_code == 404


def test_a_paused_campaign_takes_no_new_participants(app, client, make_campaign):
    slug = make_campaign(status="paused")
    html = client.get(f"/c/{slug}/").get_data(as_text=True)
    assert "not taking new participants" in html
