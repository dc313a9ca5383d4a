"""Stratified permuted blocks: the arm is chosen after the about-you page, within the stratum."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

from sqlalchemy import select, update

from analysis import analyse_export, load_database, load_export
from analysis.report import write_report
from app.campaigns.allocation import arm_for_slot
from app.extensions import db
from app.models import Campaign, Participant, utcnow
from surveys import EXAMPLE, load_survey
from tests.analysis.test_report_cases import BAD, _visible_text
from tests.app.participant.test_quota_concurrency import at_once, each
from tests.app.test_load_database import database_url
from tests.bots import Bot
from tests.http import HttpClient, served

SURVEY = load_survey(EXAMPLE)
ARMS = [a.id for a in SURVEY.arms]
AGES = ["under_30", "from_30_to_59", "over_60", ""]  # "" = not answered


def people(app) -> list[Participant]:
    with app.app_context():
        found = db.session.scalars(select(Participant).order_by(Participant.id)).all()
        db.session.expunge_all()
        return found


def test_concurrent_allocation_is_balanced_within_each_stratum_and_reproducible(
    app, make_campaign
):
    make_campaign(seed="strata-seed", block_size=8, design={"strata": ["age_band"]})
    n = 160
    with served(app) as base:
        bots = [Bot(HttpClient(base), "town", SURVEY,
                    overrides={"about": {"q_age_band": AGES[i % len(AGES)]}})
                for i in range(n)]
        each(bots, lambda b: b.start())
        assert {p.arm for p in people(app)} == {""}  # no arm before the about-you page
        at_once(bots, lambda b: b.submit_current())
    everyone = people(app)
    by_stratum = defaultdict(list)
    for p in everyone:
        by_stratum[p.stratum].append(p)
    assert set(by_stratum) == {f"age_band={a}" for a in AGES}
    for stratum, members in by_stratum.items():
        assert len(members) == n // len(AGES)
        # Every slot of the stratum's sequence used once, and each arm is the seed's.
        assert sorted(p.allocation_seq for p in members) == list(range(len(members)))
        assert all(p.arm == arm_for_slot(SURVEY, "strata-seed", stratum, p.allocation_seq, 8)
                   for p in members)
        # Balanced within the stratum at every moment of its sequence (block of 8, 4 arms).
        ordered = sorted(members, key=lambda p: p.allocation_seq)
        for k in range(1, len(ordered) + 1):
            counts = Counter(p.arm for p in ordered[:k])
            assert max(counts.get(a, 0) for a in ARMS) - min(counts.get(a, 0) for a in ARMS) <= 2
    # The module order follows the arm, and the journey goes on to the "before" page.
    assert all(p.module_order and p.step == "page:before" for p in everyone)


def test_the_completers_balance_rule_works_within_the_stratum(app, make_campaign):
    make_campaign(block_size=4, rebalance_dropouts=True, design={"strata": ["age_band"]})

    def arrive(age: str) -> Participant:
        bot = Bot(app.test_client(), "town", SURVEY, overrides={"about": {"q_age_band": age}})
        bot.start()
        bot.submit_current()
        return people(app)[-1]

    young = [arrive("under_30") for _ in range(4)]
    old = [arrive("over_60") for _ in range(2)]
    with app.app_context():
        db.session.execute(update(Participant).where(Participant.id == young[1].id)
                           .values(last_seen_at=utcnow() - timedelta(hours=5)))
        db.session.commit()
    # A newcomer of another stratum does not take the young dropout's arm ...
    newcomer_old = arrive("over_60")
    assert newcomer_old.replaces_id is None and newcomer_old.allocation_seq == 2
    # ... a young newcomer does.
    newcomer_young = arrive("under_30")
    assert newcomer_young.replaces_id == young[1].id and newcomer_young.arm == young[1].arm
    assert newcomer_young.stratum == "age_band=under_30" and newcomer_young.allocation_seq is None
    assert old[0].stratum == "age_band=over_60"


def test_screened_out_participants_take_no_slot(app, make_campaign):
    make_campaign(design={"strata": ["age_band"],
                          "screening": [{"item": "age_band", "deny": ["under_30"]}]})
    for age in ("under_30", "over_60", "under_30", "over_60"):
        bot = Bot(app.test_client(), "town", SURVEY, overrides={"about": {"q_age_band": age}})
        bot.start()
        bot.submit_current()
    found = people(app)
    assert [(p.status, p.arm != "", p.allocation_seq) for p in found] == [
        ("screened_out", False, None), ("started", True, 0),
        ("screened_out", False, None), ("started", True, 1),
    ]
    with app.app_context():
        assert db.session.scalar(select(Campaign.strata)) == ["age_band"]


def test_a_stratified_campaign_with_people_before_allocation_gives_a_report(
    app, runner, make_campaign, tmp_path
):
    # Issue #19 item 1: the screened-out participant and the one still on the about-you
    # page have an empty arm in the export; the report must open, count them in their own
    # flow rows and leave them out of every arm.
    with app.app_context():
        db.drop_all()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0  # the export views too
    make_campaign(design={"strata": ["age_band"],
                          "screening": [{"item": "age_band", "deny": ["under_30"]}]})
    for _ in range(4):
        Bot(app.test_client(), "town", SURVEY, overrides={"about": {"q_age_band": "over_60"}}).walk()
    screened = Bot(app.test_client(), "town", SURVEY,
                   overrides={"about": {"q_age_band": "under_30"}})
    screened.start()
    screened.submit_current()
    Bot(app.test_client(), "town", SURVEY).start()  # not yet allocated
    assert sorted((p.status, p.arm) for p in people(app))[-2:] == [
        ("screened_out", ""), ("started", "")]
    out = tmp_path / "export"
    assert runner.invoke(args=["export", "town", str(out)]).exit_code == 0
    ex = load_export(out)
    assert ex.participants["arm"].isna().sum() == 2
    from_db = load_database(database_url(app), "town")  # the app's "" is missing there too
    assert from_db.participants["arm"].isna().sum() == 2
    assert set(from_db.answers["arm"].dropna()) == set(ex.answers["arm"].dropna())
    res = analyse_export(ex, n_boot=0)
    flow = res["flow"].set_index("arm")
    assert flow.loc["screened out before allocation", ["consented", "allocated",
                                                      "screened_out"]].tolist() == [1, 0, 1]
    assert flow.loc["not yet allocated", ["consented", "allocated", "broke_off"]].tolist() == [
        1, 0, 1]
    assert flow.loc["total", "consented"] == 6 and flow.loc["total", "allocated"] == 4
    assert flow.drop("total").sum()["consented"] == 6  # one row per person
    report = write_report(out, tmp_path / "report.html", n_boot=0)
    html = report.read_text(encoding="utf-8")
    assert "screened out before allocation: n = 1" in html
    assert "not yet allocated: n = 1" in html
    assert not BAD.search(_visible_text(html))
