"""Fuzzing every participant and admin form and URL (issue 11), on both backends.

Asserts, for every request: no 5xx answer, no error or traceback in the log
(``log_watch``), and nothing stored from invalid input: a page submit is
stored whole or not at all, and a request carrying a control character
changes no table. Figures (requests tried by area and status) are printed
in the terminal summary.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import Answer, Campaign, Participant
from app.participant.steps import journey
from surveys import EXAMPLE, load_survey
from tests.bots import Bot
from tests.fuzz.conftest import FIGURES, fuzz_settings
from tests.fuzz.strategies import (
    FORBIDDEN_IN_VALUES,
    any_value,
    finite_or_none,
    multi,
    nasty_text,
    path_segment,
    query_string,
)

pytestmark = pytest.mark.fuzz
SURVEY = load_survey(EXAMPLE)
NAME_RE = re.compile(r'name="([^"]+)"')


def valid_values(item) -> list[str]:
    widget = item.kind.widget
    if widget in ("scale", "ranking"):  # a point of the scale, a rank
        return [str(k) for k in range(1, len(item.options) + 1)]
    if widget == "number":
        lo, hi = item.kind.limits(item)
        return [str(int(lo)), str(int((lo + hi) // 2)), str(int(hi))]
    if item.kind.text_coding == "free_text":
        return ["A plain answer.", "line one\r\nline two"]
    return [o.id for o in item.options]


def page_fields(page) -> dict[str, list[str]]:
    fields = {}
    for item_id in page.items:
        item = SURVEY.items[item_id]
        if item.kind.widget == "ranking":
            for o in item.options:
                fields[f"q_{item.id}__{o.id}"] = valid_values(item)
        else:
            fields[f"q_{item.id}"] = valid_values(item)
    return fields


def table_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
            for t in db.metadata.sorted_tables}


def has_forbidden(pairs) -> bool:
    return any(FORBIDDEN_IN_VALUES.search(k) or FORBIDDEN_IN_VALUES.search(v) for k, v in pairs)


# --- participant pages: whole or nothing ------------------------------------------------


def test_page_submits_store_the_whole_page_or_nothing(app, make_campaign, log_watch):
    slug = make_campaign()
    client = app.test_client()
    bot = Bot(client, slug, SURVEY)
    bot.start()
    token = bot.csrf()
    with app.app_context():
        participant = db.session.scalar(sa.select(Participant))
        pid, steps = participant.id, [s for s in journey(SURVEY, participant.modules)
                                      if s.kind == "page"]

    @st.composite
    def submission(draw):
        step = draw(st.sampled_from(steps))
        fields = page_fields(step.page)
        # valid: a page a participant could send; one_bad: one field hostile; chaos: any
        mode = draw(st.sampled_from(["valid", "one_bad", "one_bad", "chaos"]))
        bad = draw(st.sampled_from(sorted(fields)))
        pairs = []
        for name, valid in fields.items():
            if mode == "valid" or (mode == "one_bad" and name != bad):
                values = [draw(st.sampled_from(valid))]
            else:
                values = draw(multi(any_value(valid)))
            pairs += [(name, v) for v in (values or [])]
        if mode == "chaos" and draw(st.booleans()):
            pairs.append((draw(nasty_text), draw(nasty_text)))
        csrf = draw(st.sampled_from(["valid"] * 8 + ["missing", "garbage"]))
        if csrf == "valid":
            pairs.append(("csrf_token", token))
        elif csrf == "garbage":
            pairs.append(("csrf_token", draw(nasty_text)))
        return step, draw(st.permutations(pairs))

    @given(submission())
    @fuzz_settings(scale=2)
    def check(case):
        step, pairs = case
        with app.app_context():  # put the participant on this page, with nothing stored for it
            db.session.execute(sa.update(Participant).where(Participant.id == pid).values(
                step=step.key, status="started", completed_at=None))
            db.session.execute(sa.delete(Answer).where(
                Answer.participant_id == pid, Answer.page == step.page.id,
                Answer.module == step.module))
            db.session.commit()
        response = client.post(f"/c/{slug}/step/{step.key}", data=MultiDict(pairs))
        FIGURES[("participant page submit", response.status_code)] += 1
        assert response.status_code < 500, response.get_data(as_text=True)[:500]
        with app.app_context():
            now = db.session.scalar(sa.select(Participant.step).where(Participant.id == pid))
            stored = db.session.execute(sa.select(Answer.item, Answer.value, Answer.text).where(
                Answer.participant_id == pid, Answer.page == step.page.id,
                Answer.module == step.module)).all()
        if has_forbidden(pairs):
            assert response.status_code == 400 and now == step.key and not stored
        if now == step.key:  # refused: nothing of the page stored
            assert not stored, (pairs, stored)
            FIGURES["page submits refused, nothing stored"] += 1
        else:  # accepted: every item answered is stored, cleanly
            items = {i for i in step.page.items}
            assert {item for item, _v, _t in stored} <= items
            for _item, value, text in stored:
                assert finite_or_none(value)
                assert text is None or not FORBIDDEN_IN_VALUES.search(text)
            FIGURES["page submits accepted, whole page stored"] += 1

    check()


# --- every URL and form of the app ----------------------------------------------------


def _routes(app) -> list:
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def test_every_url_and_form_survives_hostile_input(app, make_campaign, log_watch, make_user, login):
    slug = make_campaign()
    make_user()
    admin = app.test_client()
    assert login(admin).status_code == 302
    anonymous = app.test_client()
    Bot(anonymous, slug, SURVEY).start()  # a participant cookie, so participant views run deep
    names = set()
    for client, path in ((admin, "/admin/"), (admin, f"/admin/campaign/{slug}"),
                         (admin, "/admin/accounts"), (anonymous, f"/c/{slug}/go"),
                         (anonymous, f"/c/{slug}/resume"), (anonymous, f"/c/{slug}/withdraw")):
        names |= set(NAME_RE.findall(client.get(path).get_data(as_text=True)))
    tokens = {}
    for who, client in (("admin", admin), ("participant", anonymous)):
        html = client.get("/admin/login" if who == "admin" else f"/c/{slug}/resume")
        tokens[who] = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                                html.get_data(as_text=True)).group(1)
    rules = _routes(app)
    # Destructive forms are left to their own tests: signing out or deactivating the
    # fuzzing account would only make the rest of the run shallow.
    rules = [r for r in rules if not any(x in r.rule for x in ("logout", "active", "reset"))]

    @st.composite
    def request(draw):
        rule = draw(st.sampled_from(rules))
        path = rule.rule
        for arg in rule.arguments:
            conv = rule._converters[arg].__class__.__name__
            if conv == "IntegerConverter":
                value = str(draw(st.one_of(st.integers(0, 3), st.integers())).__abs__())
            elif arg == "slug":
                value = draw(st.one_of(st.just(slug), path_segment))
            else:
                value = draw(path_segment)
            path = re.sub(rf"<(?:[^:>]+:)?{arg}>", value, path)
        method = draw(st.sampled_from(sorted((rule.methods or {"GET"}) - {"HEAD", "OPTIONS"})))
        who = draw(st.sampled_from(["admin", "participant"]))
        pairs = []
        if method == "POST":
            for name in draw(st.lists(st.sampled_from(sorted(names)), max_size=6)):
                pairs.append((name, draw(st.one_of(nasty_text, any_value(["1", "open"])))))
            if draw(st.integers(0, 9)):
                pairs.append(("csrf_token", tokens[who]))
        return method, path, draw(query_string), who, pairs

    @given(request())
    @fuzz_settings(scale=4)
    def check(case):
        method, path, query, who, pairs = case
        client = admin if who == "admin" else anonymous
        with app.app_context():
            before = table_counts()
            statuses = db.session.scalars(sa.select(Campaign.status)).all()
        url = path + ("?" + query if query else "")
        response = client.open(url, method=method, data=MultiDict(pairs) if pairs else None)
        FIGURES[(f"{who} {method}", response.status_code)] += 1
        assert response.status_code < 500, (url, pairs, response.get_data(as_text=True)[:300])
        if has_forbidden(pairs) or FORBIDDEN_IN_VALUES.search(query or ""):
            assert response.status_code == 400
            with app.app_context():
                assert table_counts() == before
                assert db.session.scalars(sa.select(Campaign.status)).all() == statuses

    check()


# --- raw bodies: invalid UTF-8, wrong content types, oversized, duplicated keys --------

BODIES = st.one_of(
    st.binary(max_size=300),
    st.just(b"q_age_band=%ff%fe&q_age_band=under_30&csrf_token=%00"),
    st.just(b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\x00\r\n--x"),
    st.just(b"{\"q_age_band\": [1, 2, {\"$ne\": null}]}"),
    st.just(b"a=" + b"9" * (300 * 1024)),  # over MAX_CONTENT_LENGTH
)
CONTENT_TYPES = st.sampled_from([
    "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=latin-1",
    "multipart/form-data; boundary=x", "multipart/form-data", "application/json",
    "text/plain", "application/octet-stream", "", "multipart/form-data; boundary=",
])


def test_raw_bodies_of_any_type_and_size_are_refused_cleanly(app, make_campaign, log_watch):
    slug = make_campaign()
    client = app.test_client()
    bot = Bot(client, slug, SURVEY)
    bot.start()
    targets = [bot.current_action(), f"/c/{slug}/start", f"/c/{slug}/resume",
               f"/c/{slug}/language", f"/c/{slug}/withdraw", "/admin/login"]

    @given(st.sampled_from(targets), BODIES, CONTENT_TYPES)
    @fuzz_settings()
    def check(path, body, content_type):
        with app.app_context():
            before = table_counts()
        response = client.post(path, data=body, content_type=content_type or None)
        FIGURES[("raw body POST", response.status_code)] += 1
        assert response.status_code < 500
        with app.app_context():
            after = table_counts()
        changed = {t for t in after if after[t] != before[t]}
        # Only a page visit or an audit line may appear; never an answer or a participant.
        assert not changed & {"answer", "participant"}, changed

    check()


# --- report downloads on live data that the analysis cannot draw ------------------------


def test_report_downloads_on_empty_and_control_less_campaigns_never_fail(
    app, make_campaign, log_watch, make_user, login
):
    from tests.app.jobs.test_jobs import ask, last_job, wait_for

    empty = make_campaign(slug="empty")
    lonely = make_campaign(slug="lonely", block_size=8)
    Bot(app.test_client(), lonely, SURVEY).walk()
    with app.app_context():
        db.session.execute(sa.update(Participant).values(arm="trees", module_order="trees"))
        db.session.commit()
    make_user()
    admin = app.test_client()
    login(admin)
    for slug in (empty, lonely):
        before = last_job(app)
        response = ask(admin, slug, f"/admin/campaign/{slug}/report", {})
        FIGURES[("report request", response.status_code)] += 1
        assert response.status_code == 303
        if last_job(app) != before:  # a job was queued: it ends done or failed, never hangs
            job = wait_for(app, last_job(app))
            FIGURES[f"report jobs {job.status}"] += 1
            assert job.status in ("done", "failed")
        page = admin.get(f"/admin/campaign/{slug}/exports")
        FIGURES[("report jobs page", page.status_code)] += 1
        assert page.status_code == 200
