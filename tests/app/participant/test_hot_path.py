"""The participant hot path: read-only page views, the per-process campaign cache, form classes."""

from __future__ import annotations

import re
import sqlite3

import pytest
from sqlalchemy import event, func, select

from app import create_app
from app.campaigns.operations import set_status
from app.extensions import db
from app.models import Campaign, PageVisit, Participant
from app.participant.forms import page_form
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
SHARED_KEYS = ("TESTING", "SECRET_KEY", "RATELIMIT_STORAGE_URI", "SQLALCHEMY_DATABASE_URI",
               "SQLALCHEMY_ENGINE_OPTIONS")


@pytest.fixture
def other_app(app):
    """A second app instance (another worker) on the same database."""
    other = create_app({key: app.config[key] for key in SHARED_KEYS})
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def change_status(app, status: str) -> None:
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        set_status(db.session, campaign, status, "test")
        db.session.commit()


def statements_during(app, action) -> list[str]:
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement.split(None, 1)[0].upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_a_status_change_in_one_worker_is_seen_at_once_by_another(app, other_app, make_campaign):
    slug = make_campaign()
    bot = Bot(app.test_client(), slug, SURVEY)
    bot.start()
    bot.submit_current()
    cache = app.extensions["parley_campaign_cache"]
    cached = cache[slug]
    bot.get()
    assert cache[slug] is cached  # nothing changed: the cached entry is reused

    change_status(other_app, "closed")  # the other worker closes the campaign
    response = bot.submit_current()
    assert response.status_code == 403
    assert "This survey is closed" in response.get_data(as_text=True)
    assert cache[slug] is not cached and cache[slug].campaign.status == "closed"

    change_status(other_app, "open")
    bot.get()
    assert bot.submit_current().status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Participant.step)) != "page:before"


def test_pausing_in_another_worker_stops_new_starts_at_once(app, other_app, make_campaign):
    slug = make_campaign()
    client = app.test_client()
    bot = Bot(client, slug, SURVEY)
    bot.get("")  # the landing page: the campaign is now cached in this worker
    assert 'name="agree"' in bot.html
    change_status(other_app, "paused")
    response = bot.post(f"/c/{slug}/start", {"agree": "y"})  # the form shown before the pause
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Participant)) == 0


def test_every_change_of_a_campaign_raises_its_revision(app, make_campaign):
    make_campaign(status="draft")
    with app.app_context():
        before = db.session.scalar(select(Campaign.revision))
    change_status(app, "open")
    change_status(app, "paused")
    with app.app_context():
        assert db.session.scalar(select(Campaign.revision)) == before + 2


def test_a_page_shown_twice_records_its_first_view_once_and_the_second_view_writes_nothing(
    app, make_campaign
):
    slug = make_campaign()
    bot = Bot(app.test_client(), slug, SURVEY)
    bot.start()
    with app.app_context():
        first = db.session.execute(select(PageVisit.step, PageVisit.shown_at)).all()
        seen_at = db.session.scalar(select(Participant.last_seen_at))
    assert [step for step, _ in first] == ["page:about"]

    statements = statements_during(app, bot.get)
    assert 'name="q_age_band"' in bot.html
    assert not {"INSERT", "UPDATE", "DELETE"} & set(statements), statements
    with app.app_context():
        assert db.session.execute(select(PageVisit.step, PageVisit.shown_at)).all() == first
        assert db.session.scalar(select(Participant.last_seen_at)) == seen_at

    bot.submit_current()  # the submit moves last_seen_at and records the next page once
    with app.app_context():
        visits = db.session.execute(select(PageVisit.step, PageVisit.submitted_at)).all()
        assert db.session.scalar(select(Participant.last_seen_at)) > seen_at
    assert sorted(step for step, _ in visits) == ["page:about", "page:before"]
    assert dict(visits)["page:about"] is not None


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_page_view_reads_while_another_connection_holds_the_write_lock(app, make_campaign):
    """SQLite: a GET that only reads never waits for the write lock."""
    slug = make_campaign()
    bot = Bot(app.test_client(), slug, SURVEY)
    bot.start()  # the first view of page:about is recorded here
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        # Were the view to take the write lock, it would wait the 15 s busy
        # timeout and then fail with "database is locked".
        response = bot.get()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 200
    assert 'name="q_age_band"' in bot.html


def test_form_classes_are_built_once_per_version_page_and_language(app):
    page = SURVEY.page("before")
    with app.test_request_context():
        one = page_form(page, SURVEY.items, "en", version=SURVEY.version)
        two = page_form(page, SURVEY.items, "en", version=SURVEY.version)
        german = page_form(page, SURVEY.items, "de", version=SURVEY.version)
    assert type(one) is type(two)
    assert type(german) is not type(one)
    assert german.q_support_trees.label.text == SURVEY.items["support_trees"].text["de"]


def test_cached_questions_follow_the_language_and_never_keep_an_error(app, make_campaign):
    slug = make_campaign()
    bot = Bot(app.test_client(), slug, SURVEY)
    bot.start()
    bot.submit_current()
    english = SURVEY.items["support_trees"].text["en"]
    german = SURVEY.items["support_trees"].text["de"]
    bot.get()
    assert english in bot.html
    response = bot.submit_current({"q_warmth_council": "150"})  # an error page, not cached
    assert response.status_code == 400 and 'value="150"' in bot.html
    bot.get()
    assert 'value="150"' not in bot.html and "There is a problem" not in bot.html
    bot.post(f"/c/{slug}/language", {"lang": "de"})
    assert german in bot.html and english not in bot.html
    bot.post(f"/c/{slug}/language", {"lang": "en"})
    assert english in bot.html


def _without_tokens(html: str) -> str:
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+"', r'\1TOKEN"', html)


def test_a_kept_page_is_the_page_rendered_afresh_with_this_requests_own_token(app, make_campaign):
    slug = make_campaign()
    bot = Bot(app.test_client(), slug, SURVEY)
    bot.start()
    bot.submit_current()  # a fresh page:before, not yet kept
    app.jinja_env.auto_reload = True  # as the development server: nothing kept
    bot.get()
    afresh = bot.html
    app.jinja_env.auto_reload = False
    bot.get()  # rendered and kept
    bot.get()  # from the page cache
    assert _without_tokens(bot.html) == _without_tokens(afresh)
    tokens = set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', bot.html))
    assert len(tokens) == 1 and "parley-csrf" not in bot.html
    # Another participant reaching a kept page gets their own token, one their
    # session accepts: their submit is saved.
    other = Bot(app.test_client(), slug, SURVEY)
    other.start()
    other.get()
    other.get()
    assert other.csrf() not in tokens
    before = other.current_action()
    response = other.submit_current()
    assert response.status_code == 200 and other.current_action() != before


def test_a_page_with_a_message_is_not_kept(app, make_campaign):
    slug = make_campaign()
    bot = Bot(app.test_client(), slug, SURVEY)
    bot.start()  # the resume-code notice is flashed on the first page
    assert "Your resume code is" in bot.html
    bot.get()
    assert "Your resume code is" not in bot.html
    bot.submit_current()
    bot.post(f"/c/{slug}/step/page:about", bot.answers_for("page:about"))  # already saved
    assert "already saved" in bot.html
    bot.get()
    assert "already saved" not in bot.html
