"""A display set frozen from an earlier campaign (issue 21, 5: "the frozen set can come from
an earlier campaign (a seeding pilot) or from this one's first stage").

``parley exchange freeze SLUG --from OTHER_SLUG`` and the browser's freeze page take the
pilot's approved statements with enough ratings; only a campaign of the same survey may
be the source; the set is stored with its hash and its source, and exposures dealt from
it record that hash as their pool version.
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.campaigns.surveys import survey_for
from app.exchange.cards import deal
from app.exchange.pools import pool_hash
from app.extensions import db
from app.models import (
    AuditEvent,
    Campaign,
    Exposure,
    FrozenMember,
    FrozenSet,
    Participant,
    Rating,
    Statement,
)
from surveys import FLAGSHIP

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TEXT = "Trees cool the square in summer, and every family can use the shade for free. ({n})"


def _campaign(slug: str) -> Campaign:
    return db.session.scalar(select(Campaign).where(Campaign.slug == slug))


def _person(campaign: Campaign, name: str) -> Participant:
    person = Participant(public_id=f"{campaign.slug}-{name}", campaign_id=campaign.id,
                         arm="trees_peers", module_order="trees", language="en",
                         step="thanks", status="completed")
    db.session.add(person)
    db.session.flush()
    return person


@pytest.fixture
def pilot(app, exchange_campaign):
    """Campaign ``pilot`` with statements: approved with 3 ratings, approved with 1,
    rejected with 3, pending with 3; campaign ``main`` of the same survey, none rated."""
    exchange_campaign("pilot")
    exchange_campaign("main")
    with app.app_context():
        campaign = _campaign("pilot")
        raters = [_person(campaign, f"r{k}") for k in range(3)]
        ids = {}
        for n, (name, status, rated) in enumerate([("rated", "approved", 3),
                                                  ("few", "approved", 1),
                                                  ("rejected", "rejected", 3),
                                                  ("pending", "pending", 3)]):
            author = _person(campaign, f"w{n}")
            s = Statement(campaign_id=campaign.id, participant_id=author.id, language="en",
                          proposal="trees", side="for", source_item="reflection",
                          text=TEXT.format(n=n), status=status,
                          reason="spam" if status == "rejected" else None)
            db.session.add(s)
            db.session.flush()
            ids[name] = s.id
            db.session.add_all(Rating(participant_id=r.id, statement_id=s.id, fair=1,
                                      position=1) for r in raters[:rated])
        db.session.commit()
        ids["hash"] = pool_hash([db.session.get(Statement, ids["rated"])])
    return ids


def _frozen(app) -> list[tuple]:
    with app.app_context():
        return [(s.campaign_id, s.source_campaign_id, s.pool_version, s.min_ratings,
                 sorted(db.session.scalars(select(FrozenMember.statement_id)
                                           .where(FrozenMember.frozen_set_id == s.id))))
                for s in db.session.scalars(select(FrozenSet).where(FrozenSet.kind == "frozen")
                                            .order_by(FrozenSet.id))]


def test_the_cli_freezes_the_pilots_approved_statements_with_their_hash_and_source(
        app, runner, pilot):
    out = runner.invoke(args=["exchange", "freeze", "main", "--from", "pilot",
                              "--min-ratings", "3"])
    assert out.exit_code == 0, out.output
    assert out.output.strip() == pilot["hash"]  # the hash alone, as without --from
    with app.app_context():
        main, source = _campaign("main").id, _campaign("pilot").id
        detail = db.session.scalar(select(AuditEvent.detail)
                                   .where(AuditEvent.action == "exchange.freeze"))
    # Only the approved statement with 3 ratings: not the rejected or pending ones
    # with as many, nor the approved one with 1.
    assert _frozen(app) == [(main, source, pilot["hash"], 3, [pilot["rated"]])]
    assert detail == f"1 statements from campaign pilot, sha256 {pilot['hash']}"
    again = runner.invoke(args=["exchange", "freeze", "main", "--from", "pilot",
                                "--min-ratings", "3"])
    assert again.output.strip() == pilot["hash"] and len(_frozen(app)) == 1
    # Without --from the command is what it was: this campaign's own ratings (none).
    own = runner.invoke(args=["exchange", "freeze", "main", "--min-ratings", "3"])
    assert own.exit_code == 1
    assert "no approved statement has 3 ratings" in own.output
    lower = runner.invoke(args=["exchange", "freeze", "main", "--from", "pilot",
                                "--min-ratings", "1"])
    assert lower.exit_code == 0
    assert _frozen(app)[-1][-1] == sorted([pilot["rated"], pilot["few"]])


def test_a_campaign_of_another_survey_or_the_campaign_itself_is_refused(app, runner, pilot,
                                                                        make_campaign):
    make_campaign("peace", survey=FLAGSHIP)
    other = runner.invoke(args=["exchange", "freeze", "main", "--from", "peace",
                                "--min-ratings", "1"])
    assert other.exit_code == 1
    with app.app_context():
        theirs, ours = _campaign("peace").survey_id, _campaign("main").survey_id
    assert theirs != ours
    assert (f"campaign 'peace' runs survey '{theirs}', and 'main' runs '{ours}': a display "
            "set can only come from a campaign of the same survey") in other.output
    itself = runner.invoke(args=["exchange", "freeze", "main", "--from", "main"])
    assert itself.exit_code == 1 and "is this campaign itself" in itself.output
    missing = runner.invoke(args=["exchange", "freeze", "main", "--from", "nowhere"])
    assert missing.exit_code == 1 and "no campaign 'nowhere'" in missing.output
    assert _frozen(app) == []
    with app.app_context():
        assert not db.session.scalar(select(func.count()).select_from(AuditEvent)
                                     .where(AuditEvent.action == "exchange.freeze"))


def test_exposures_dealt_from_the_pilots_set_record_its_hash(app, runner, pilot):
    assert runner.invoke(args=["exchange", "freeze", "main", "--from", "pilot",
                               "--min-ratings", "1"]).exit_code == 0
    version = pool_hash_of(app, [pilot["rated"], pilot["few"]])
    with app.app_context():
        campaign = _campaign("main")
        reader = Participant(public_id="main-reader", campaign_id=campaign.id,
                             arm="trees_peers", module_order="trees", language="en",
                             step="card:1")
        db.session.add(reader)
        db.session.flush()
        n = deal(db.session, campaign, survey_for(campaign), reader, "exchange",
                 datetime.now(UTC))
        db.session.commit()
        dealt = db.session.execute(select(Exposure.statement_id, Exposure.pool_version,
                                          Exposure.probability)
                                   .where(Exposure.participant_id == reader.id)
                                   .order_by(Exposure.statement_id)).all()
    assert n == 2
    assert [tuple(r) for r in dealt] == [(pilot["rated"], version, 1.0),
                                         (pilot["few"], version, 1.0)]


def pool_hash_of(app, ids: list[int]) -> str:
    with app.app_context():
        return pool_hash([db.session.get(Statement, i) for i in ids])


def test_the_export_lists_the_pilots_statements_without_their_authors(app, runner, pilot,
                                                                      tmp_path):
    assert runner.invoke(args=["exchange", "freeze", "main", "--from", "pilot",
                               "--min-ratings", "3"]).exit_code == 0
    with app.app_context():
        campaign = _campaign("main")
        rater = _person(campaign, "rater")
        db.session.add(Rating(participant_id=rater.id, statement_id=pilot["rated"], fair=0.5,
                              position=1))
        db.session.commit()
    out = tmp_path / "main"
    result = runner.invoke(args=["export", "main", str(out), "--include-authors"])
    assert result.exit_code == 0, result.output

    def rows(name):
        with (out / name).open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    borrowed = [r for r in rows("statements.csv") if r["statement"] == str(pilot["rated"])]
    assert [(r["text"], r["status"], r["author"]) for r in borrowed] == [
        (TEXT.format(n=0), "approved", "")]
    listed = {r["statement"] for r in rows("statements.csv")}
    assert str(pilot["few"]) not in listed and str(pilot["rejected"]) not in listed
    assert [(r["rater"], r["statement"], r["fair"]) for r in rows("ratings.csv")] == [
        ("main-rater", str(pilot["rated"]), "0.5")]
    assert [(r["pool_version"], r["statement"]) for r in rows("frozen_sets.csv")] == [
        (pilot["hash"], str(pilot["rated"]))]


def _token(client, url) -> str:
    return CSRF.search(client.get(url).get_data(as_text=True)).group(1)


def test_the_browser_freezes_from_a_pilot_the_manager_may_see(app, pilot, make_user, login,
                                                              make_campaign):
    make_campaign("peace", survey=FLAGSHIP)
    make_user("both@example.org", role="manager", campaigns=["main", "pilot", "peace"])
    make_user("main@example.org", role="manager", campaigns=["main"])
    url = "/admin/campaign/main/exchange/freeze"

    only_main = app.test_client()
    assert login(only_main, "main@example.org").status_code == 302
    page = only_main.get(url).get_data(as_text=True)
    assert 'value="pilot"' not in page  # not a member of the pilot: not offered
    refused = only_main.post(url, data={"csrf_token": _token(only_main, url),
                                        "source": "pilot", "min_ratings": "3"})
    assert refused.status_code == 400 and "Not a valid choice" in refused.get_data(as_text=True)

    client = app.test_client()
    assert login(client, "both@example.org").status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert 'value="pilot"' in page and 'value="peace"' not in page  # the same survey only
    assert "No set is frozen yet" in page
    other = client.post(url, data={"csrf_token": _token(client, url), "source": "peace",
                                   "min_ratings": "1"})
    assert other.status_code == 400
    assert _frozen(app) == []

    done = client.post(url, data={"csrf_token": _token(client, url), "source": "pilot",
                                  "min_ratings": "3"})
    assert done.status_code == 303
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f"Display set frozen: sha256 {pilot['hash']}" in page
    assert "campaign pilot" in page and pilot["hash"] in page
    with app.app_context():
        main, source = _campaign("main").id, _campaign("pilot").id
        actor = db.session.scalar(select(AuditEvent.actor)
                                  .where(AuditEvent.action == "exchange.freeze"))
    assert _frozen(app) == [(main, source, pilot["hash"], 3, [pilot["rated"]])]
    assert actor == "both@example.org"

    none = client.post(url, data={"csrf_token": _token(client, url), "source": "",
                                  "min_ratings": "3"})
    assert none.status_code == 400
    assert "Nothing was frozen: no approved statement has 3 ratings" in (
        none.get_data(as_text=True))
    assert len(_frozen(app)) == 1
