"""The hostile probe's findings (issue 11), one regression test each, on both backends.

Every test here failed on the code before the fix: a 500 (NUL on
PostgreSQL, 5,000-digit numbers, a rollback on a dead connection), a
stored newline slug, a resume code in the session cookie, a bare
"Internal Server Error", a shared sign-in limit behind a proxy.
"""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import func, select

from app import create_app
from app.campaigns.operations import CampaignError, create_campaign
from app.extensions import db
from app.models import Answer, Campaign, Participant
from surveys import EXAMPLE, SurveyError, load_survey
from tests.bots import Bot
from tests.conftest import sign_in

SURVEY = load_survey(EXAMPLE)
CODE_RE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}")
CONTROL_MESSAGE = "contains control characters"


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def bot_on(client, slug: str, page_id: str) -> Bot:
    """A started participant whose current step is the page ``page_id``."""
    bot = Bot(client, slug, SURVEY)
    bot.start()
    while f"/step/page:{page_id}" not in (bot.current_action() or ""):
        assert bot.current_action(), "walked past the page"
        bot.submit_current()
    return bot


# --- 1. NUL and other control characters are refused at the edge -----------------


@pytest.mark.parametrize("path", ["/c/a%00b/", "/c/a%01b/go", "/c/town/?lang=d%00e",
                                  "/admin/login?next=%00", "/c/town/%1b"])
def test_control_characters_in_urls_get_a_clear_400(client, make_campaign, path):
    make_campaign()
    response = client.get(path)
    assert response.status_code == 400
    assert CONTROL_MESSAGE in response.get_data(as_text=True)


def test_a_nul_in_an_admin_url_gets_a_400_not_a_database_error(app, client, make_user, login):
    make_user()
    login(client)
    response = client.get("/admin/campaign/a%00b")
    assert response.status_code == 400 and CONTROL_MESSAGE in response.get_data(as_text=True)


def test_a_nul_in_the_sign_in_email_gets_a_400(app, client, make_user, login):
    make_user()
    response = login(client, email="adm\x00in@localhost")
    assert response.status_code == 400
    assert CONTROL_MESSAGE in response.get_data(as_text=True)


@pytest.mark.parametrize("text", ["a\x00b", "a\x01b", "bell\x07", "esc\x1b[31m", "del\x7f"])
def test_control_characters_in_free_text_are_refused_and_nothing_is_stored(
    app, client, make_campaign, text
):
    bot = bot_on(client, make_campaign(), "after")
    stored = count(app, Answer)
    response = bot.submit_current({**bot.answers_for("page:after"), "q_reflection": text})
    assert response.status_code == 400
    assert CONTROL_MESSAGE in response.get_data(as_text=True)
    assert count(app, Answer) == stored


def test_tabs_and_newlines_in_free_text_are_kept(app, client, make_campaign):
    bot = bot_on(client, make_campaign(), "after")
    text = "first line\r\nsecond\tcolumn"
    bot.submit_current({**bot.answers_for("page:after"), "q_reflection": text})
    with app.app_context():
        stored = db.session.scalar(select(Answer.text).where(Answer.item == "reflection"))
    assert stored == "first line\nsecond\tcolumn"


# --- 3. every parse error is a field error -------------------------------------


@pytest.mark.parametrize("field, value, message", [
    ("q_support_trees", "1" * 5000, "Choose one of the answers shown."),
    ("q_rank_plans__trees", "9" * 5000, "Choose one of the answers shown."),
    ("q_warmth_council", "1" * 5000, "Enter a number, like 25."),
    ("q_warmth_council", "1_0", "Enter a number, like 25."),
    ("q_warmth_council", "\u0661\u0662", "Enter a number, like 25."),
])
def test_huge_or_odd_numbers_are_field_errors(app, client, make_campaign, field, value, message):
    bot = bot_on(client, make_campaign(), "before")
    response = bot.submit_current({**bot.answers_for("page:before"), field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer)
                                 .where(Answer.phase == "pre")) == 0


# --- 5. a dead connection after the commit does not undo the response -----------


def test_a_connection_lost_after_a_saved_page_still_answers_with_the_next_page(
    app, client, make_campaign
):
    """The rollback at teardown fails on a dead connection; the saved page stays saved."""
    from flask import request

    armed, killed = [], []

    @app.after_request
    def kill_the_connection(response):
        # After the view committed, the request reads once more (as a real
        # request may) and then its connection dies: PostgreSQL terminates
        # the backend; on SQLite the file handle is closed under SQLAlchemy.
        if armed and not killed and request.method == "POST":
            db.session.execute(select(func.count()).select_from(Participant))
            raw = db.session.connection().connection.dbapi_connection
            if db.engine.dialect.name == "postgresql":
                import sqlalchemy as sa

                from tests.conftest import PG_URL

                other = sa.create_engine(PG_URL)
                with other.connect() as conn:
                    conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"),
                                 {"pid": raw.info.backend_pid})
                other.dispose()
            else:
                raw.close()
            killed.append(True)
        return response

    bot = bot_on(client, make_campaign(), "about")
    armed.append(True)
    response = client.post(bot.current_action(), data={"csrf_token": bot.csrf(),
                                                       **bot.answers_for("page:about")})
    assert killed
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/go")
    assert count(app, Answer) == len(SURVEY.page("about").items)
    page = client.get("/c/town/go")  # the next request gets a fresh connection
    assert page.status_code == 200 and "/step/page:before" in page.get_data(as_text=True)


# --- 6. sign-in limits behind a reverse proxy; memory storage with workers -------


def _proxied_logins(app, addresses: list[str]) -> list[int]:
    statuses = []
    for address in addresses:
        c = app.test_client()
        c.environ_base["REMOTE_ADDR"] = "10.0.0.1"  # the proxy, for every request
        c.environ_base["HTTP_X_FORWARDED_FOR"] = address
        statuses.append(sign_in(c, password="wrong").status_code)
    return statuses


def test_behind_a_trusted_proxy_each_client_has_its_own_sign_in_limit(backend, request, tmp_path, make_user):
    app = _fresh_app(backend, request, tmp_path, PARLEY_TRUSTED_PROXIES=1)
    make_user()
    try:
        statuses = _proxied_logins(app, ["192.0.2.1"] * 10 + ["192.0.2.2"])
        assert statuses == [400] * 11  # the second client is not locked out by the first
        statuses = _proxied_logins(app, ["192.0.2.1"])
        assert statuses == [429]
    finally:
        _drop(app)


def test_without_the_proxy_setting_forwarded_addresses_are_ignored(backend, request, tmp_path, make_user):
    app = _fresh_app(backend, request, tmp_path)
    make_user()
    try:
        # X-Forwarded-For is not trusted by default: a client cannot dodge the
        # limit by inventing addresses.
        statuses = _proxied_logins(app, [f"192.0.2.{k}" for k in range(11)])
        assert statuses == [400] * 10 + [429]
    finally:
        _drop(app)


def test_several_workers_with_in_memory_limits_refuse_to_start(tmp_path):
    from app.web.security import ConfigurationError

    config = {"TESTING": True, "SECRET_KEY": "x",
              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}",
              "RATELIMIT_STORAGE_URI": "memory://", "PARLEY_WORKERS": 2}
    with pytest.raises(ConfigurationError, match="PARLEY_RATELIMIT_STORAGE_URI=redis"):
        create_app(config)
    create_app({**config, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"})  # accepted
    create_app({**config, "PARLEY_WORKERS": 1})  # one worker: memory is fine


def test_the_environment_sets_proxies_and_workers(monkeypatch, tmp_path):
    from app.web.security import ConfigurationError

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite'}")
    monkeypatch.setenv("PARLEY_SECRET_KEY", "x" * 32)
    monkeypatch.setenv("PARLEY_TRUSTED_PROXIES", "2")
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    monkeypatch.delenv("PARLEY_RATELIMIT_STORAGE_URI", raising=False)
    with pytest.raises(ConfigurationError, match="PARLEY_WORKERS=4"):
        create_app()
    monkeypatch.setenv("PARLEY_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379")
    app = create_app()
    assert app.config["PARLEY_TRUSTED_PROXIES"] == "2"
    assert type(app.wsgi_app).__name__ == "ProxyFix" and app.wsgi_app.x_for == 2
    monkeypatch.setenv("PARLEY_TRUSTED_PROXIES", "two")
    with pytest.raises(ConfigurationError, match="whole number"):
        create_app()


def _fresh_app(backend, request, tmp_path, **extra):
    from tests.conftest import database_config, reset_schema

    config = {"TESTING": True, "SECRET_KEY": "k", "RATELIMIT_STORAGE_URI": "memory://",
              **database_config(backend, request, tmp_path), **extra}
    app = create_app(config)
    with app.app_context():
        reset_schema()
        db.create_all()
    return app


def _drop(app):
    from tests.conftest import reset_schema

    with app.app_context():
        db.session.remove()
        reset_schema()
        db.engine.dispose()


# --- 7. the resume form is rate-limited --------------------------------------------


def test_the_resume_form_is_rate_limited(app, client, make_campaign):
    slug = make_campaign()
    bot = Bot(client, slug, SURVEY)
    bot.get("resume")
    responses = [bot.post(f"/c/{slug}/resume", {"code": f"AAAA-BBBB-CCCC-{k:04d}"},
                          follow=False) for k in range(21)]
    assert [r.status_code for r in responses] == [400] * 20 + [429]
    assert "Too many attempts" in responses[-1].get_data(as_text=True)
    assert client.get(f"/c/{slug}/resume").status_code == 200  # reading the form is not limited


# --- 8. slugs and ids match in full ------------------------------------------------


@pytest.mark.parametrize("slug", ["nl-slug\n", "nl-slug\r", "a\n", "ok-\nslug"])
def test_a_slug_with_a_newline_is_refused(app, slug):
    with app.app_context(), pytest.raises(CampaignError, match="a slug is"):
        create_campaign(db.session, slug=slug, survey_folder=EXAMPLE, actor="test")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_the_cli_refuses_a_slug_with_a_newline(runner):
    result = runner.invoke(args=["campaign", "create", "nl-slug\n", "--survey", str(EXAMPLE)])
    assert result.exit_code != 0 and "a slug is" in result.output


def test_survey_ids_and_languages_with_a_final_newline_are_refused(tmp_path):
    import shutil

    folder = tmp_path / "s"
    shutil.copytree(EXAMPLE, folder)
    toml = folder / "survey.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('id = "age_band"', 'id = "age_band\\n"', 1), encoding="utf-8")
    with pytest.raises(SurveyError) as caught:
        load_survey(folder)
    assert any("'id' must be lowercase" in str(p) for p in caught.value.problems)


# --- 10. the resume code never travels in the session cookie --------------------


def _session_payload(client) -> str:
    import base64
    import zlib

    cookie = client.get_cookie("session")
    if cookie is None:
        return ""
    data = cookie.value
    compressed = data.startswith(".")
    raw = data.lstrip(".").split(".")[0]
    raw += "=" * (-len(raw) % 4)
    payload = base64.urlsafe_b64decode(raw)
    return (zlib.decompress(payload) if compressed else payload).decode()


def test_the_resume_code_is_shown_but_never_put_in_the_session_cookie(app, client, make_campaign):
    slug = make_campaign()
    bot = Bot(client, slug, SURVEY)
    bot.get("")
    response = bot.post(f"/c/{slug}/start", {"agree": "y"}, follow=False)
    code = client.get_cookie(f"parley_{slug}", path=f"/c/{slug}/").value
    assert code not in _session_payload(client).replace("-", "")
    page = client.get(f"/c/{slug}/go").get_data(as_text=True)
    shown = CODE_RE.search(page).group(0)  # shown on the first page, once
    assert shown.replace("-", "") == code
    assert code not in _session_payload(client).replace("-", "")
    assert not CODE_RE.search(client.get(f"/c/{slug}/go").get_data(as_text=True))
    assert response.status_code == 302


def test_the_thanks_page_shows_the_resume_code(app, client, make_campaign):
    slug = make_campaign()
    html = Bot(client, slug, SURVEY).walk()
    code = client.get_cookie(f"parley_{slug}", path=f"/c/{slug}/").value
    assert "Thank you" in html
    assert CODE_RE.search(html).group(0).replace("-", "") == code


# --- 11. a server error page of our own, with a request id in page and log ---------


@pytest.mark.parametrize("lang, safe", [
    ("en", "Your saved answers are safe"),
    ("de", "Ihre gespeicherten Antworten sind sicher"),
    ("uk", "Ваші збережені відповіді в безпеці"),
    ("ru", "Ваши сохранённые ответы в безопасности"),
])
def test_a_server_error_says_answers_are_safe_and_shows_a_logged_request_id(
    app, client, make_campaign, monkeypatch, caplog, lang, safe
):
    from app.participant import operations
    from surveys import FLAGSHIP

    slug = make_campaign(slug="peace", survey=FLAGSHIP)
    Bot(client, slug, SURVEY).start(lang)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken(*_args, **_kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(operations, "current_step", broken)
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = client.get(f"/c/{slug}/go")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert safe in html and "Internal Server Error" not in html
    assert f'href="/c/{slug}/go"' in html  # how to continue
    rid = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{12}", rid) and rid in html
    logged = [r for r in caplog.records if r.exc_info and "simulated bug" in str(r.exc_info[1])]
    assert logged and f"[request {rid}]" in logged[0].getMessage()


# --- also: downloads are never cached; bidi controls are stripped from survey texts ---


def test_export_and_report_downloads_are_sent_with_no_store(app, client, make_campaign, make_user, login):
    slug = make_campaign()
    make_user()
    login(client)
    app.config["PARLEY_JOBS"] = "inline"
    from tests.app.jobs.test_jobs import ask, last_job

    ask(client, slug, f"/admin/campaign/{slug}/exports", {"fmt": "zip"})
    with client.get(f"/admin/campaign/{slug}/jobs/{last_job(app)}/download") as export:
        assert export.status_code == 200 and export.headers["Cache-Control"] == "no-store"


def test_bidi_controls_are_stripped_from_survey_texts_at_load(tmp_path):
    import shutil

    folder = tmp_path / "s"
    shutil.copytree(EXAMPLE, folder)
    toml = folder / "survey.toml"
    text = toml.read_text(encoding="utf-8")
    title = re.search(r'^title\.en = "([^"]*)"', text, re.M).group(1)
    toml.write_text(text.replace(f'title.en = "{title}"',
                                 f'title.en = "\u202e{title}\u2066x\u2069"', 1),
                    encoding="utf-8")
    survey = load_survey(folder)
    assert survey.title["en"] == f"{title}x"
    for item in survey.items.values():
        for words in item.text.values():
            assert not re.search("[\u202a-\u202e\u2066-\u2069]", words)


# --- 4. the report download explains instead of failing ----------------------------


def test_the_report_of_a_campaign_without_participants_is_a_message_not_a_500(
    app, client, make_campaign, make_user, login
):
    slug = make_campaign()
    make_user()
    login(client)
    from tests.app.jobs.test_jobs import ask

    response = ask(client, slug, f"/admin/campaign/{slug}/report", {})
    page = client.get(response.location)
    assert page.status_code == 200
    assert "No participant has finished yet" in page.get_data(as_text=True)


def test_the_report_without_a_control_participant_is_a_message_not_a_500(
    app, client, make_campaign, make_user, login
):
    from sqlalchemy import update

    slug = make_campaign(block_size=8)
    Bot(app.test_client(), slug, SURVEY).walk()
    with app.app_context():  # one finished participant, in a treatment arm whatever was drawn
        db.session.execute(update(Participant).values(arm="trees", module_order="trees"))
        db.session.commit()
    make_user()
    login(client)
    from tests.app.jobs.test_jobs import ask, last_job, wait_for

    ask(client, slug, f"/admin/campaign/{slug}/report", {})
    job = wait_for(app, last_job(app))
    page = client.get(f"/admin/campaign/{slug}/exports")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # Either the analysis copes (the report engineer's fix) or the page says why not.
    assert job.status == "done" or "The report cannot be drawn from the data so far" in html


def test_a_commit_that_reports_a_lost_connection_after_saving_still_answers_saved(
    app, client, make_campaign, monkeypatch
):
    """The server committed, then the connection died before it said so (issue 11, 5)."""
    import flask_sqlalchemy.session as fsa_session
    from sqlalchemy.exc import OperationalError

    bot = bot_on(client, make_campaign(), "about")
    real_commit = fsa_session.Session.commit
    fired = []

    def commit_then_lose_the_connection(self):
        real_commit(self)
        if fired:
            return
        with db.engine.connect() as conn:  # did this commit store the page?
            step = conn.execute(select(Participant.step)).scalar()
        if step != "page:about":
            fired.append(True)
            raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(fsa_session.Session, "commit", commit_then_lose_the_connection)
    response = client.post(bot.current_action(), data={"csrf_token": bot.csrf(),
                                                       **bot.answers_for("page:about")})
    monkeypatch.undo()
    assert fired
    assert response.status_code == 302 and response.headers["Location"].endswith("/go")
    assert count(app, Answer) == len(SURVEY.page("about").items)
    assert "/step/page:before" in client.get("/c/town/go").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/admin/accounts/{}/role", "/admin/accounts/{}/active",
                                  "/admin/accounts/{}/reset"])
def test_an_id_beyond_the_integer_column_gets_a_404_not_a_database_error(app, client, path, make_user, login):
    # Found by tests/fuzz on PostgreSQL: 2**31 in the URL reached the query, which
    # PostgreSQL refused ("integer out of range"), and the owner saw a server error.
    make_user()
    login(client)
    html = client.get("/admin/accounts").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    for user_id, status in ((2**31 - 1, 404), (2**31, 404), (10**30, 404)):
        response = client.post(path.format(user_id), data={"csrf_token": token, "role": "analyst"})
        assert response.status_code == status, (user_id, response.status_code)
