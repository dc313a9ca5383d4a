"""Nothing lost, nothing duplicated: double submits, back button, two tabs, bad input."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Answer, Participant
from surveys import EXAMPLE, load_survey
from tests.bots import Bot, auto_answer

SURVEY = load_survey(EXAMPLE)


def answers_in_db(app) -> list[tuple]:
    with app.app_context():
        return sorted(
            db.session.execute(
                select(Answer.phase, Answer.module, Answer.item, Answer.value, Answer.text)
            ).all()
        )


def participant(app) -> Participant:
    with app.app_context():
        return db.session.scalar(select(Participant))


def page_answers(page_id: str, **overrides) -> dict:
    answers = {}
    for item_id in SURVEY.page(page_id).items:
        answers.update(auto_answer(SURVEY.items[item_id]))
    answers.update(overrides)
    return answers


def started_bot(client, slug) -> Bot:
    bot = Bot(client, slug, SURVEY)
    bot.start()
    return bot


def test_submitting_a_page_twice_stores_it_once(app, client, make_campaign):
    bot = started_bot(client, make_campaign())
    first = bot.current_action()
    token = bot.csrf()
    bot.submit_current()
    stored = answers_in_db(app)
    again = client.post(first, data={"csrf_token": token, **page_answers("about")},
                        follow_redirects=True)
    html = again.get_data(as_text=True)
    assert answers_in_db(app) == stored
    assert "already saved" in html
    assert "/step/page:before" in html  # sent on to the right next page
    assert participant(app).step == "page:before"


def test_back_button_after_a_locked_phase_cannot_change_before_answers(app, client, make_campaign):
    bot = started_bot(client, make_campaign())
    bot.submit_current()  # about
    before_form = bot.html
    token = bot.csrf()
    bot.submit_current(page_answers("before", q_support_trees="2"))
    bot.submit_current()  # first briefing read: the pre phase is behind
    stored = answers_in_db(app)
    assert ("pre", "", "support_trees", 2.0, None) in stored
    # The browser's back button shows the old "before" page; the participant changes an answer.
    assert 'name="q_support_trees"' in before_form
    resubmit = client.post("/c/town/step/page:before",
                           data={"csrf_token": token, **page_answers("before", q_support_trees="5")},
                           follow_redirects=True)
    assert answers_in_db(app) == stored
    assert "can no longer be changed" in resubmit.get_data(as_text=True)


def test_two_tabs_first_submit_wins_and_the_second_is_told(app, client, make_campaign):
    bot = started_bot(client, make_campaign())
    bot.submit_current()
    tab_one = tab_two = bot.current_action()
    token = bot.csrf()
    client.post(tab_one, data={"csrf_token": token, **page_answers("before", q_support_trees="1")})
    second = client.post(tab_two, data={"csrf_token": token,
                                        **page_answers("before", q_support_trees="5")},
                         follow_redirects=True)
    values = [v for ph, _m, item, v, _t in answers_in_db(app) if item == "support_trees"]
    assert values == [1.0]
    assert "already saved" in second.get_data(as_text=True)


def test_simultaneous_double_submits_store_the_page_exactly_once(app, make_campaign):
    slug = make_campaign()
    client = app.test_client()
    bot = started_bot(client, slug)
    action, token = bot.current_action(), bot.csrf()
    cookies = {c.key: c.value for c in client._cookies.values()}
    barrier = threading.Barrier(4)
    statuses = []

    def submit():
        c = app.test_client()
        for key, value in cookies.items():
            c.set_cookie(key, value, path="/c/town/" if key.startswith("parley_") else "/")
        barrier.wait()
        statuses.append(c.post(action, data={"csrf_token": token, **page_answers("about")}).status_code)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [302, 303, 303, 303]
    rows = answers_in_db(app)
    assert len(rows) == len(SURVEY.page("about").items)
    assert participant(app).step == "page:before"


def test_out_of_range_value_shows_a_clear_message_and_stores_nothing(app, client, make_campaign):
    bot = started_bot(client, make_campaign())
    bot.submit_current()
    stored = answers_in_db(app)
    response = bot.submit_current(page_answers("before", q_warmth_council="150"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html
    assert "Enter a number from 0 to 100." in html
    assert 'href="#q_warmth_council"' in html  # the summary links to the field
    assert 'value="150"' in html  # what was typed is shown again
    assert answers_in_db(app) == stored
    assert participant(app).step == "page:before"


def test_a_missing_required_answer_stores_nothing_from_the_rest_of_the_page(app, client, make_campaign):
    bot = started_bot(client, make_campaign())
    bot.submit_current()
    answers = page_answers("before")
    del answers["q_support_market"]
    response = bot.submit_current(answers)
    assert response.status_code == 400
    assert "Select an answer." in response.get_data(as_text=True)
    assert not [r for r in answers_in_db(app) if r[0] == "pre"]


def test_tampered_option_value_is_refused(app, client, make_campaign):
    bot = started_bot(client, make_campaign())
    bot.submit_current()
    response = bot.submit_current(page_answers("before", q_know_area="fifty",
                                               q_support_trees="9"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert html.count("Choose one of the answers shown.") >= 2
    assert not [r for r in answers_in_db(app) if r[0] == "pre"]


def test_tampered_ranking_with_duplicate_ranks_is_refused(app, client, make_campaign):
    bot = started_bot(client, make_campaign())
    bot.submit_current()
    response = bot.submit_current(page_answers("before", q_rank_plans__trees="1",
                                               q_rank_plans__market="1"))
    assert response.status_code == 400
    assert "different rank from 1 to 2" in response.get_data(as_text=True)
    assert not [r for r in answers_in_db(app) if r[0] == "pre"]


def test_posting_to_a_future_step_stores_nothing(app, client, make_campaign):
    bot = started_bot(client, make_campaign())
    response = bot.post("/c/town/step/page:after", page_answers("after"))
    assert "not available yet" in response.get_data(as_text=True)
    assert answers_in_db(app) == []
    assert participant(app).step == "page:about"


def test_posting_to_an_unknown_step_stores_nothing(app, client, make_campaign):
    bot = started_bot(client, make_campaign())
    response = bot.post("/c/town/step/page:nonexistent", {"q_x": "1"})
    assert "not available yet" in response.get_data(as_text=True)
    assert answers_in_db(app) == []


def test_an_expired_csrf_token_stores_nothing_and_says_why(app, client, make_campaign):
    app.config["WTF_CSRF_TIME_LIMIT"] = 1
    bot = started_bot(client, make_campaign())
    time.sleep(2.1)
    response = bot.submit_current()
    html = response.get_data(as_text=True)
    assert "security check expired" in html
    assert answers_in_db(app) == []
    assert 'name="q_age_band"' in html  # the same page again, ready to answer


def test_a_missing_csrf_token_is_refused(app, client, make_campaign):
    started_bot(client, make_campaign())
    response = client.post("/c/town/step/page:about", data=page_answers("about"),
                           follow_redirects=True)
    assert "security check expired" in response.get_data(as_text=True)
    assert answers_in_db(app) == []


def test_starting_without_consent_explains_and_creates_no_participant(app, client, make_campaign):
    make_campaign()
    bot = Bot(client, "town", SURVEY)
    bot.get("")
    response = bot.post("/c/town/start", {})
    assert response.status_code == 400
    assert "Tick the box to agree" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Participant)) == 0


def test_a_closed_campaign_refuses_submits_and_keeps_what_was_saved(app, client, make_campaign):
    from app.campaigns.operations import set_status
    from app.models import Campaign

    bot = started_bot(client, make_campaign())
    bot.submit_current()
    stored = answers_in_db(app)
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        set_status(db.session, campaign, "closed", "test")
        db.session.commit()
    response = bot.submit_current()
    assert response.status_code == 403
    assert "This survey is closed" in response.get_data(as_text=True)
    assert answers_in_db(app) == stored


def test_posting_to_the_thanks_step_after_finishing_changes_nothing(app, client, make_campaign):
    bot = Bot(client, make_campaign(), SURVEY)
    bot.walk()
    stored = answers_in_db(app)
    response = bot.post("/c/town/step/thanks", {"q_support_trees": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Thank you" in html and "not available" not in html
    assert answers_in_db(app) == stored
    assert participant(app).status == "completed"


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_database_restart_between_pages_loses_nothing(app, client, make_campaign):
    """PostgreSQL drops every connection (as on a restart); the next page reconnects."""
    import sqlalchemy as sa

    from tests.conftest import PG_URL

    bot = started_bot(client, make_campaign())
    bot.submit_current()
    stored = answers_in_db(app)
    name = app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["application_name"]
    killer = sa.create_engine(PG_URL)
    with killer.connect() as conn:
        killed = conn.execute(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = :name"
        ), {"name": name}).scalar()
    killer.dispose()
    assert killed >= 1
    bot.get()
    bot.submit_current()
    after = answers_in_db(app)
    assert set(stored) <= set(after)
    assert len(after) == len(stored) + len(SURVEY.page("before").items)
