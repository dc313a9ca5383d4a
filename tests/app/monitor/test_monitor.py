"""Monitor figures against a campaign built by scripted participants and counted by hand.

The fixture: one visitor who only looks at the landing page, five who
complete (one speeds through the pages, one races through the briefing, one
straight-lines, one fails the attention check), one who stops after the
"before" page and goes idle, one who consents and is still on the first
page, one who withdraws, and one screened out. Times are then set
explicitly, so every expected number below is counted from the plan, not
from the code under test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from app.export.codebook import word_count
from app.extensions import db
from app.models import Campaign, PageVisit, Participant
from app.monitor import figures as fig
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

NOW = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
SURVEY = load_survey(EXAMPLE)


def _option(item: str, index: int) -> str:
    return SURVEY.items[item].options[index].id


#: Varied Likert answers: not straight-lining.
VARIED = {"before": {"q_support_trees": _option("support_trees", 0),
                     "q_support_market": _option("support_market", 4)}}
#: The first option of every Likert question: straight-lining.
STRAIGHT = {
    "before": {"q_support_trees": _option("support_trees", 0),
               "q_support_market": _option("support_market", 0)},
    "on_module": {"q_balanced": _option("balanced", 0)},
    "after": {"q_support_trees": _option("support_trees", 0),
              "q_support_market": _option("support_market", 0)},
}
WRONG_ATTENTION = next(o.id for o in SURVEY.items["attention"].options
                       if o.code != SURVEY.items["attention"].correct)

#: name -> (overrides, seconds per question, briefing words per minute,
#:          minutes to complete, hours before NOW's hour it completed)
COMPLETERS = {
    "steady": (VARIED, 5, 200, 10, 0),
    "speeder": (VARIED, 1, 200, 4, 0),
    "skimmer": (VARIED, 5, 2000, 6, 1),
    "liner": (STRAIGHT, 5, 200, 8, 1),
    "inattentive": ({**VARIED, "after": {"q_attention": WRONG_ATTENTION}}, 5, 200, 20, 5),
}


def _words(module: str, lang: str = "en") -> int:
    return word_count(SURVEY.module(module).body[lang])


def _time_visits(pid: int, per_item: float, wpm: float, start: datetime) -> None:
    """Give each of a participant's page visits a known duration, one after the other."""
    items_on = {p.id: len(p.items) for p in SURVEY.pages}
    moment = start
    for visit in db.session.scalars(select(PageVisit).where(PageVisit.participant_id == pid)
                                    .order_by(PageVisit.id)):
        kind, _, rest = visit.step.partition(":")
        if kind == "page":
            seconds = items_on[rest.split(":")[0]] * per_item
        elif kind == "read":
            seconds = _words(rest) / wpm * 60
        else:
            continue
        visit.shown_at = moment
        if visit.submitted_at is not None:
            visit.submitted_at = moment + timedelta(seconds=seconds)
        moment += timedelta(seconds=seconds + 1)


@pytest.fixture
def built(app, make_campaign):
    slug = make_campaign(block_size=8)
    bots = {}
    app.test_client().get(f"/c/{slug}/")  # a visitor who only looks
    for name, (overrides, *_rest) in COMPLETERS.items():
        bots[name] = Bot(app.test_client(), slug, SURVEY, overrides=overrides)
        bots[name].walk()
    # Stops after the "before" page (two pages submitted) and goes idle.
    dropout = Bot(app.test_client(), slug, SURVEY, overrides=VARIED)
    dropout.start()
    dropout.submit_current()
    dropout.submit_current()
    # Consents, still on the first page.
    Bot(app.test_client(), slug, SURVEY).start()
    # Answers the first page, then withdraws.
    leaver = Bot(app.test_client(), slug, SURVEY)
    leaver.start()
    leaver.submit_current()
    leaver.get("withdraw")
    leaver.post(f"/c/{slug}/withdraw", {})
    # A tester (preview): counted apart, in no other figure.
    Bot(app.test_client(), slug, SURVEY).walk()
    # Screened out (set directly: the example survey has no screening rule).
    screened = Bot(app.test_client(), slug, SURVEY)
    screened.start()
    screened.submit_current()
    with app.app_context():
        rows = db.session.execute(select(Participant.id, Participant.arm, Participant.status,
                                         Participant.module_order)
                                  .order_by(Participant.id)).all()
        ids = [r.id for r in rows]
        names = [*COMPLETERS, "dropout", "waiting", "leaver", "tester", "screened"]
        by_name = dict(zip(names, rows, strict=True))
        db.session.execute(update(Participant).where(Participant.id == by_name["tester"].id)
                           .values(is_test=True))
        db.session.execute(update(Participant).where(Participant.id == by_name["screened"].id)
                           .values(status="screened_out", outcome="screened_out"))
        hour = NOW.replace(minute=0)
        for name, (_o, per_item, wpm, minutes, hours_ago) in COMPLETERS.items():
            done = hour - timedelta(hours=hours_ago) + timedelta(minutes=10)
            p = db.session.get(Participant, by_name[name].id)
            p.completed_at, p.started_at = done, done - timedelta(minutes=minutes)
            _time_visits(p.id, per_item, wpm, p.started_at)
        for name in ("dropout", "waiting", "screened"):
            p = db.session.get(Participant, by_name[name].id)
            _time_visits(p.id, 5, 200, NOW - timedelta(hours=3))
            p.last_seen_at = NOW - timedelta(hours=3 if name == "dropout" else 0, minutes=1)
        db.session.commit()
    assert len(ids) == 10
    return {"slug": slug, "arm": {n: r.arm for n, r in by_name.items()},
            "first_module": {n: r.module_order.split("|")[0] for n, r in by_name.items()}}


def _campaign():
    return db.session.scalar(select(Campaign))


def test_the_funnel_counts_every_stage(app, built):
    with app.app_context():
        f = fig.funnel(db.session, _campaign())
    # arrived: 9 visitors who consented, 1 who only looked, and the tester (a landing page
    # shown to a tester cannot be told apart: it is an arrival)
    assert (f.arrived, f.consented, f.started, f.in_progress, f.completed, f.withdrawn,
            f.test) == (11, 9, 7, 2, 5, 1, 1)
    # started: 5 completers + dropout + screened (the leaver's pages went with the withdrawal)
    assert f.screened_out == {"screened_out": 1}


def test_the_dashboard_and_the_campaign_page_show_the_same_funnel(app, client, built, make_user, login):
    make_user()
    login(client)
    dashboard = client.get("/admin/").get_data(as_text=True)
    page = client.get(f"/admin/campaign/{built['slug']}").get_data(as_text=True)
    monitor = client.get(f"/admin/campaign/{built['slug']}/monitor").get_data(as_text=True)
    for html in (dashboard, page, monitor):
        assert '<td data-stage="started">7</td>' in html
        assert '<td data-stage="completed">5</td>' in html


def test_drop_off_per_page(app, built):
    with app.app_context():
        c = _campaign()
        rows = {r.step: r for r in fig.page_dropoff(db.session, c, SURVEY, now=NOW)}
    # The participant's own first module: an arm of two modules shows them in an
    # order drawn per participant (the test failed whenever "market" came first).
    dropout_module = f"read:{built['first_module']['dropout']}"
    assert rows["page:about"].reached == 8  # everyone but the leaver (their visits went)
    assert rows["page:about"].here_now == 1  # the one still on the first page
    assert rows[dropout_module].stopped_here == 1
    assert sum(r.stopped_here for r in rows.values()) == 1
    assert sum(r.here_now for r in rows.values()) == 1


def test_durations_are_median_and_90th_percentile_of_completers(app, built):
    with app.app_context():
        d = fig.durations(db.session, _campaign())
    # minutes 4, 6, 8, 10, 20: median 8; p90 at rank 3.6 -> 10 + 0.6 x 10 = 16
    assert (d.n, d.median_minutes, d.p90_minutes) == (5, pytest.approx(8), pytest.approx(16))


def test_completions_per_hour(app, built):
    with app.app_context():
        hours = fig.completions_per_hour(db.session, _campaign(), hours=6, now=NOW)
    assert [n for _, n in hours] == [1, 0, 0, 0, 2, 2]
    assert hours[-1][0] == NOW.replace(minute=0)


def test_language_split(app, built):
    with app.app_context():
        assert fig.languages(db.session, _campaign()) == [("en", 9, 5), ("de", 0, 0)]


def test_arm_balance_expected_against_actual(app, built):
    with app.app_context():
        arms = {a.arm: a for a in fig.arm_balance(db.session, _campaign())}
    # "screened" carries an arm (set directly, as allocation at start used to
    # leave it) but was screened out before any treatment: not a starter of
    # any arm (issue 19, 3).
    starters = ["steady", "speeder", "skimmer", "liner", "inattentive", "dropout"]
    for arm, row in arms.items():
        assert row.starters == sum(built["arm"][n] == arm for n in starters)
        assert row.completers == sum(built["arm"][n] == arm for n in COMPLETERS)
        assert row.expected_starters == pytest.approx(6 / 4)
        assert row.expected_completers == pytest.approx(5 / 4)


def test_data_quality_flags_by_arm(app, built):
    with app.app_context():
        rows = {q.arm: q for q in fig.quality(db.session, _campaign(), SURVEY)}
    flagged = {"page_speeders": "speeder", "fast_readers": "skimmer",
               "straightliners": "liner", "failed_attention": "inattentive"}
    for attribute, who in flagged.items():
        for arm, row in rows.items():
            assert getattr(row, attribute) == int(built["arm"][who] == arm), (attribute, arm)
    assert sum(r.participants for r in rows.values()) == 7


def test_briefing_words_are_counted_as_a_reader_sees_them():
    text = "## Costs\n\nThe **accord** would take *many* years; Russia's reform—not guaranteed.\n"
    assert word_count(text) == 11  # Costs The accord would take many years Russia's reform not guaranteed


def test_the_monitor_page_refreshes_itself_and_draws_svg_with_text(app, client, built, make_user, login):
    make_user()
    login(client)
    html = client.get(f"/admin/campaign/{built['slug']}/monitor").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="30">' in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in html
    assert "<desc" in html and "completed: 5" in html
    assert "<script" not in html
    off = client.get(f"/admin/campaign/{built['slug']}/monitor?refresh=off").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in off


def test_an_empty_campaign_has_a_monitor_with_zeros(app, client, make_campaign, make_user, login):
    slug = make_campaign()
    make_user()
    login(client)
    response = client.get(f"/admin/campaign/{slug}/monitor")
    assert response.status_code == 200 and '<td data-stage="consented">0</td>' in response.get_data(
        as_text=True)


def test_quota_fill_and_strata(app, make_campaign):
    from app.models import Quota

    slug = make_campaign("strata", block_size=8)
    for _ in range(3):
        Bot(app.test_client(), slug, SURVEY).walk()
    with app.app_context():
        c = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
        db.session.add_all([Quota(campaign_id=c.id, name="young", cap=10, used=2,
                                  conditions={"age_band": "under_30"}),
                            Quota(campaign_id=c.id, name="all", cap=3, used=3, conditions={})])
        people = db.session.scalars(select(Participant).order_by(Participant.id)).all()
        for p, stratum in zip(people, ["under_30", "under_30", "from_30_to_59"], strict=True):
            p.stratum = stratum
        db.session.commit()
        quotas = [(q.name, q.used, q.cap) for q in fig.quotas(db.session, c)]
        strata = fig.strata(db.session, c)
        arms = [p.arm for p in people]
    assert quotas == [("all", 3, 3), ("young", 2, 10)]
    assert sum(strata["under_30"].values()) == 2 and sum(strata["from_30_to_59"].values()) == 1
    assert strata["from_30_to_59"] == {arms[2]: 1}
