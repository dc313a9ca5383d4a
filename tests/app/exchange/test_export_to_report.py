"""Issue 25, done when: on a real export from the participant half, the report's
exchange section draws every table from the exported files alone.

Bots walk a campaign of the example survey with an exchange (peers against
placebo after the "trees" briefing) through the Flask test client: a first
cohort writes, a moderator approves all but one, a second cohort rates the
seeds and the approved statements from the live pool, the display set is
frozen, a third cohort rates from it. The app's own exporter writes the
files; the analysis package (which imports nothing of the app) reads them
and every number of the exchange section is checked against a count made
here from the same CSV files with the csv module.
"""

from __future__ import annotations

import csv
from collections import Counter

import numpy as np
from sqlalchemy import select

from analysis import load_export
from analysis.pipeline import analyse_export
from analysis.report import render_report
from app.exchange import moderation
from app.exchange.pools import freeze
from app.export.writer import write_export
from app.extensions import db
from app.models import Campaign, Statement
from tests.app.exchange.test_cards import ARMS
from tests.bots import Bot

FAIR = ("yes", "somewhat", "no")
CROSSED = {"design": {"arm_weights": {a: int(a in ("trees_peers", "trees_placebo"))
                                      for a in ARMS}}}


def walk(app, survey, n: int, text: str | None = None) -> None:
    """One participant, start to thanks: before answers vary with n, cards are rated by a
    rule of n and the position, the argument (when given) goes on the last page."""
    trees, market = 1 + n % 5, 5 - (n * 2) % 5
    views = {"q_warmth_council": str(10 * (n % 9)), "q_share_trees": str(7 * (n % 13)),
             "q_know_area": ("ten", "forty", "dont_know")[n % 3]}
    after = {"q_support_trees": str(1 + (n + 1) % 5), "q_support_market": str(1 + n * 3 % 5),
             "q_warmth_council": str(5 + 10 * (n % 8)), "q_share_trees": str(9 * (n % 11)),
             "q_know_area": ("ten", "forty", "dont_know")[(n + 1) % 3]}
    bot = Bot(app.test_client(), "debate", survey, overrides={
        "before": {"q_support_trees": str(trees), "q_support_market": str(market), **views},
        "after": after, "on_module": {"q_balanced": str(1 + n % 3), "q_visits": str(n % 7)},
        "write": {"q_reflection": text or ""},
    })
    bot.start("en")
    for _ in range(60):
        step = bot.current_page()
        if step is None:
            break
        if step.startswith("card:") and 'name="fair"' in bot.html:
            position = int(step.split(":")[1])
            bot.submit_current({"fair": FAIR[(n + position) % 3],
                                "agree": "agree" if trees >= 3 else "disagree"})
        else:
            bot.submit_current()
    assert "card:" not in (bot.current_page() or ""), bot.html[:300]


def read(path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_exchange_section_is_drawn_from_the_exported_files_alone(
        app, exchange_campaign, exchange_survey, tmp_path):
    exchange_campaign(**CROSSED)
    for n in range(6):  # the writers
        walk(app, exchange_survey, n, f"Writer {n}: the market brings people to the square "
                                      f"every week and pays for the upkeep of it ({n}).")
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        own = db.session.scalars(select(Statement.id).where(
            Statement.participant_id.is_not(None)).order_by(Statement.id)).all()
        assert len(own) == 6
        for sid in own[:-1]:
            moderation.decide(db.session, campaign, sid, "approve", None, None, role="owner")
        moderation.decide(db.session, campaign, own[-1], "reject", "off_topic", None,
                          role="owner")
        db.session.commit()
    for n in range(6, 18):  # the raters of the seeding stage (live pool)
        walk(app, exchange_survey, n)
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        freeze(db.session, campaign, min_ratings=1)
        db.session.commit()
    for n in range(18, 26):  # the treated stage: cards from the frozen set
        walk(app, exchange_survey, n)
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        write_export(db.session, campaign, tmp_path / "export")
    folder = tmp_path / "export"

    # --- counts made here from the exported files ------------------------------------
    statements = read(folder / "statements.csv")
    ratings = read(folder / "ratings.csv")
    exposures = read(folder / "exposures.csv")
    people = read(folder / "participants.csv")
    placebo_ids = {s["statement"] for s in statements if s["placebo"] == "1"}
    written = [s for s in statements if s["seed"] == "0" and s["placebo"] == "0"]
    status = Counter(s["status"] for s in written)
    fair = [r for r in ratings if r["fair"] != ""]
    peer_fair = [r for r in fair if r["statement"] not in placebo_ids]
    exposed = {}
    for e in exposures:
        exposed.setdefault(e["participant"], set()).add(e["statement"] in placebo_ids)
    n_placebo = sum(kinds == {True} for kinds in exposed.values())
    n_peers = len(exposed) - n_placebo
    arms = Counter(p["arm"] for p in people)
    assert n_peers == arms["trees_peers"] and n_placebo == arms["trees_placebo"]
    assert n_peers >= 5 and n_placebo >= 5 and len(people) == 26

    # --- the report's analysis of the same files ---------------------------------------
    export = load_export(folder)
    res = analyse_export(export, n_boot=0, exclusions=())  # everyone: bots may look fast
    x = res.exchange
    flow = dict(zip(res.exchange_flow["stage"], res.exchange_flow["n"], strict=True))
    assert flow["written by participants"] == len(written) == 6
    assert flow["participants' statements approved"] == status["approved"] == 5
    assert flow["participants' statements rejected"] == status["rejected"] == 1
    assert flow["rejected: off_topic"] == 1
    assert flow["seeds (research team)"] == sum(s["seed"] == "1" and s["placebo"] == "0"
                                                for s in statements)
    assert flow["placebo statements"] == len(placebo_ids)
    assert flow["rated (at least one fairness rating)"] == len({r["statement"] for r in fair})
    frozen = {r["statement"] for r in read(folder / "frozen_sets.csv")
              if not r["pool_version"].startswith("live:")}
    assert flow["in the frozen display set"] == len(frozen) > 0
    # the bridging model used every fairness rating of an argument (every rater has anchors)
    diag = dict(zip(res.exchange_diagnostics["quantity"], res.exchange_diagnostics["value"],
                    strict=True))
    assert diag["ratings used"] == len(peer_fair)
    assert diag["raters"] == len({r["rater"] for r in peer_fair})
    per_statement = Counter(int(r["statement"]) for r in peer_fair)
    scores = res.exchange_scores.set_index("statement")
    assert scores["n_ratings"].to_dict() == dict(per_statement)
    # the effects count the participants the exposures put in each condition
    live = any(e["pool_version"].startswith("live:") for e in exposures)
    assert x.design == ("live" if live else "frozen")
    effects = res.exchange_effects.query("wave == 'post' and item == 'support_trees'").iloc[0]
    if live:  # block fixed effects: the snapshot in force when each one started
        snapshot, block, order = {}, {}, sorted(
            (p for p in people if p["participant_id"] in exposed),
            key=lambda p: (p["started_at"], int(p["allocation_seq"]), p["participant_id"]))
        for e in exposures:
            if e["statement"] not in placebo_ids:
                snapshot[e["participant"]] = e["pool_version"]
        last = next(snapshot[p["participant_id"]] for p in order
                    if p["participant_id"] in snapshot)
        for p in order:
            last = block[p["participant_id"]] = snapshot.get(p["participant_id"], last)
        size = Counter(block.values())  # one alone in a block says nothing about the effect
        inside = [pid for pid, b in block.items() if size[b] > 1]
        n_placebo = sum(exposed[pid] == {True} for pid in inside)
        n_peers = len(inside) - n_placebo
        assert effects["blocks"] == sum(n > 1 for n in size.values())
    assert (effects["n_peers"], effects["n_placebo"]) == (n_peers, n_placebo)
    assert np.isfinite(effects["estimate"]) and np.isfinite(effects["se"])
    # moderation: decided and rejected statements by language, from statements.csv
    rates = res.exchange_moderation.query("by == 'language'").set_index("level")
    decided = [s for s in written if s["status"] in ("approved", "rejected")]
    assert rates.loc["en", "decided"] == len(decided)
    assert rates.loc["en", "rejected"] == status["rejected"]
    html = render_report(res)
    section = html.split('<section id="exchange"', 1)[1].split("</section>", 1)[0]
    assert "Statement flow" in section and "Effect of reading peers" in section
