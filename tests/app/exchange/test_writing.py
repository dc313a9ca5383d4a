"""Writing: a participant's argument becomes a pending statement with the page that holds it.

The statement is saved in the page's own transaction, argues for the
proposal the participant ranked last, is never stored twice, can be
withdrawn from the thanks page, and goes with the participant's data.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Participant, Statement
from surveys import FLAGSHIP
from tests.bots import Bot
from tests.security.test_xss_corpus import PAYLOADS, ActiveMarkup

TEXT = "Trees cost little, and the shade would make the square usable in July."


def statements(app):
    with app.app_context():
        return db.session.execute(
            select(Statement.participant_id, Statement.proposal, Statement.side,
                   Statement.language, Statement.source_item, Statement.status, Statement.text)
            .where(Statement.participant_id.is_not(None)).order_by(Statement.id)
        ).all()


def walk_to_write(client, survey, lang="en", rank=("market", "trees")):
    bot = Bot(client, "debate", survey, overrides={
        "before": {f"q_rank_plans__{o}": str(k) for k, o in enumerate(rank, 1)},
        "after": {f"q_rank_plans__{o}": str(k) for k, o in enumerate(rank, 1)},
    })
    bot.start(lang)
    while bot.current_page() != "page:write":
        assert bot.current_action(), bot.html[:400]
        bot.submit_current()
    return bot


def test_the_argument_becomes_a_pending_statement_about_the_proposal_ranked_last(
        app, client, exchange_campaign, exchange_survey):
    exchange_campaign()
    bot = walk_to_write(client, exchange_survey, lang="de", rank=("trees", "market"))
    bot.submit("page:write", {"q_reflection": TEXT})
    rows = statements(app)
    assert [(r.proposal, r.side, r.language, r.source_item, r.status, r.text) for r in rows] == [
        ("market", "for", "de", "reflection", "pending", TEXT)]


def test_submitting_the_page_twice_stores_one_statement(app, client, exchange_campaign,
                                                        exchange_survey):
    exchange_campaign()
    bot = walk_to_write(client, exchange_survey)
    form_html = bot.html
    bot.submit("page:write", {"q_reflection": TEXT})
    bot.html = form_html  # the back button: the same form, posted again
    bot.submit_current({"q_reflection": TEXT + " Again."})
    assert [r.text for r in statements(app)] == [TEXT]


def test_an_empty_answer_makes_no_statement(app, client, exchange_campaign, exchange_survey):
    exchange_campaign()
    bot = walk_to_write(client, exchange_survey)
    bot.submit("page:write", {"q_reflection": ""})
    assert statements(app) == []
    assert "See or withdraw what you wrote" not in bot.html


def test_the_thanks_page_links_to_withdrawing_the_statement(app, client, exchange_campaign,
                                                            exchange_survey):
    exchange_campaign()
    bot = walk_to_write(client, exchange_survey)
    bot.submit("page:write", {"q_reflection": TEXT})
    assert "See or withdraw what you wrote" in bot.html
    bot.get("exchange/statement")
    assert TEXT in bot.html
    bot.post("/c/debate/exchange/statement", {})
    assert "What you wrote has been withdrawn" in bot.html
    assert [(r.status, r.text) for r in statements(app)] == [("withdrawn", "")]
    bot.get("go")
    assert "See or withdraw what you wrote" not in bot.html


def test_withdrawing_needs_the_csrf_token(app, client, exchange_campaign, exchange_survey):
    exchange_campaign()
    bot = walk_to_write(client, exchange_survey)
    bot.submit("page:write", {"q_reflection": TEXT})
    response = client.post("/c/debate/exchange/statement", data={})
    assert response.status_code == 400
    assert [r.status for r in statements(app)] == ["pending"]


def test_the_statement_page_needs_a_participant(client, exchange_campaign):
    exchange_campaign()
    assert client.get("/c/debate/exchange/statement").status_code == 404
    assert client.get("/c/nowhere/exchange/statement").status_code == 404


def test_withdrawing_from_the_survey_deletes_the_statement(app, client, exchange_campaign,
                                                           exchange_survey):
    exchange_campaign()
    bot = walk_to_write(client, exchange_survey)
    bot.submit("page:write", {"q_reflection": TEXT})
    bot.get("withdraw")
    bot.post("/c/debate/withdraw", {})
    assert statements(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Participant)) == 1


def test_seeds_and_placebo_are_loaded_approved_with_the_campaign(app, exchange_campaign):
    exchange_campaign()
    with app.app_context():
        rows = db.session.execute(
            select(Statement.seed_key, Statement.placebo, Statement.language, Statement.status)
        ).all()
    # two seeds and three placebo statements, in English and German
    assert len(rows) == (2 + 3) * 2
    assert {r.status for r in rows} == {"approved"}
    assert sum(r.placebo for r in rows) == 6


@pytest.mark.parametrize("payload", PAYLOADS[:6])
def test_hostile_text_is_stored_as_written_and_shown_inert(app, client, exchange_campaign,
                                                           exchange_survey, payload):
    exchange_campaign()
    bot = walk_to_write(client, exchange_survey)
    text = f"{payload} {TEXT}"
    bot.submit("page:write", {"q_reflection": text})
    assert [r.text for r in statements(app)] == [text.strip()]
    bot.get("exchange/statement")
    parser = ActiveMarkup()
    parser.feed(bot.html)
    assert parser.hits == []


@pytest.mark.parametrize("lang, phrase", [
    ("en", "always without your name"), ("de", "immer ohne Ihren Namen"),
    ("uk", "завжди без вашого імені"), ("ru", "всегда без вашего имени"),
])
def test_the_flagship_consent_says_texts_may_be_shown_and_withdrawn(lang, phrase):
    text = (FLAGSHIP / f"consent.{lang}.md").read_text(encoding="utf-8")
    assert phrase in text
    assert {"en": "withdraw what you wrote", "de": "Text jederzeit zurückziehen",
            "uk": "відкликати свій текст", "ru": "отозвать свой текст"}[lang] in text
