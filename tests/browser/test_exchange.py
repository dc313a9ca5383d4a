"""The argument exchange in a real browser: a participant writes, a moderator approves in
the queue with the keyboard shortcut, a second participant rates it on a 360 px screen;
axe-core finds no violation on any new page (the card, the queue, the queue list, the
page to withdraw what one wrote)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.passwords import hash_password
from app.extensions import db
from app.models import CampaignMember, Rating, Statement, User
from tests.browser.conftest import FREE_TEXT, BrowserParticipant
from tests.browser.test_admin import scan, sign_in
from tests.exchange_survey import with_exchange

pytestmark = pytest.mark.browser

ARMS = ("trees", "market", "both", "control", "trees_peers", "trees_placebo")
WRITTEN = FREE_TEXT + " And trees make the square cooler for everyone who waits there."


def walk_with_cards(person: BrowserParticipant, found: dict, name: str, text: str = "") -> list:
    """Walk to the thanks page; rate every card with the keyboard (Somewhat, Agree)."""
    shown = []
    for _ in range(60):
        key = person.step()
        if key is None:
            return shown
        if key.startswith("card:"):
            shown.append(person.page.inner_text("main"))
            if key == "card:1":
                scan(person.page, f"{name}: card", found)
            if person.page.query_selector("#fair-2"):
                person.tick("#fair-2")
                person.tick("#agree-1")
            person.submit()
        elif key.startswith("pair:"):
            if person.page.query_selector("#chosen-1"):
                scan(person.page, f"{name}: pair", found)
                person.tick("#chosen-1")
            person.submit()
        elif key == "page:write":
            person.type_into("#q_reflection", text)
            person.submit()
        else:
            person.answer_current()
    raise AssertionError("no thanks page")


def test_write_moderate_and_rate(live_server, new_page, tmp_path):
    folder = with_exchange(tmp_path / "survey")
    url = live_server.campaign("debate", folder, design={
        "arm_weights": {a: int(a == "trees_peers") for a in ARMS}})
    app = live_server.app
    from surveys import load_survey

    survey = load_survey(folder)
    found: dict = {}
    writer = BrowserParticipant(new_page(), url, survey, how="keyboard")
    writer.open()
    writer.consent()
    walk_with_cards(writer, found, "writer", WRITTEN)
    writer.page.goto(f"{live_server.url}/c/debate/exchange/statement")
    assert WRITTEN in writer.page.inner_text("main")
    scan(writer.page, "what you wrote", found)

    with app.app_context():
        campaign_id = db.session.scalar(select(Statement.campaign_id))
        mod = User(email="mod@example.org", role="moderator",
                   password_hash=hash_password("moderator passphrase"))
        db.session.add(mod)
        db.session.flush()
        db.session.add(CampaignMember(campaign_id=campaign_id, user_id=mod.id))
        db.session.commit()
    moderator = new_page()
    sign_in(moderator, live_server.url, "mod@example.org", "moderator passphrase")
    assert moderator.url.endswith("/admin/moderation")
    scan(moderator, "queue list", found)
    moderator.click("a[href$='/admin/campaign/debate/moderation']")
    assert WRITTEN in moderator.inner_text("main")
    scan(moderator, "queue", found)
    with moderator.expect_navigation():  # j focuses the first statement, a approves it
        moderator.keyboard.press("j")
        moderator.keyboard.press("a")
    assert "approve" in moderator.inner_text("main")
    with app.app_context():
        assert db.session.scalar(select(Statement.status).where(
            Statement.participant_id.is_not(None))) == "approved"

    rater = BrowserParticipant(new_page(viewport={"width": 360, "height": 740}), url, survey,
                               how="keyboard")
    rater.open()
    rater.consent()
    cards = walk_with_cards(rater, found, "rater 360px", "")
    assert any(WRITTEN in c for c in cards), cards
    with app.app_context():
        rated = db.session.execute(select(Statement.text, Rating.fair).join(
            Rating, Rating.statement_id == Statement.id)).all()
        assert (WRITTEN, 0.5) in [tuple(r) for r in rated]
    assert {k: v for k, v in found.items() if v} == {}


def test_the_followup_feedback_page_at_360px_without_javascript(live_server, new_page, tmp_path):
    """The feedback step (app/exchange/feedback.py): axe-core clean at 360 px, in English and
    German, and its Continue works with JavaScript off."""
    from app.models import Campaign, Participant
    from app.participant import followup as fu
    from tests.app.exchange.test_feedback import population, public_id_with

    folder = with_exchange(tmp_path / "survey")
    live_server.campaign("debate", folder)
    app = live_server.app
    with app.app_context():
        seed = db.session.scalar(select(Campaign.seed))
    made = population(app, "debate", public_id_with(seed, "before"))
    found: dict = {}
    for lang in ("en", "de"):
        with app.app_context():
            db.session.get(Participant, made["me"]).language = lang
            db.session.commit()
        page = new_page(viewport={"width": 360, "height": 740})
        page.goto(f"{live_server.url}/c/debate/followup/{made['code']}")
        if lang == "en":
            with page.expect_navigation():
                page.click("form[action$='/start'] button[type=submit]")
        assert page.get_attribute("form[action*='/step/']", "action").endswith(
            fu.FOLLOWUP_FEEDBACK)
        assert page.get_attribute("html", "lang") == lang
        scan(page, f"feedback {lang} 360px", found)
    quiet = new_page(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    quiet.goto(f"{live_server.url}/c/debate/followup/{made['code']}")
    with quiet.expect_navigation():
        quiet.click("form[action*='/step/'] button[type=submit]")
    with app.app_context():
        step = db.session.get(Participant, made["me"]).followup_step
    assert step == "followup:after"
    assert {k: v for k, v in found.items() if v} == {}
