"""The exchange on the demo export: loaded from its files, known values recovered, reported.

The demo generator (analysis/synthetic_exchange.py) draws the ratings from
known per-group fairness and adds a known effect of reading peers'
arguments; ``exchange_truth.csv`` holds both. The report must find them
from the exported files alone.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from analysis import contract, load_export, write_demo_export
from analysis.exchange.effects import exchange_condition, peer_effects, statement_effects
from analysis.exchange.summary import analyse_exchange
from analysis.pipeline import analyse_export
from analysis.report import render_report
from analysis.report.sections.exchange import TOO_FEW, _display
from analysis.tidy import pairs


@pytest.fixture(scope="module")
def truth(demo_dir):
    t = pd.read_csv(demo_dir / "exchange_truth.csv")
    overall = t[t["statement"] == "all"].iloc[0]
    # rows "all" and "feedback" (test_feedback_effects.py) are the average effects
    per = t[~t["statement"].isin(["all", "feedback"])].assign(
        statement=lambda d: d["statement"].astype(int))
    return per.set_index("statement"), overall


@pytest.fixture(scope="module")
def found(demo):
    return analyse_exchange(demo)


def test_the_demo_export_has_the_six_exchange_tables_in_contract_order(demo, demo_dir):
    assert set(demo.exchange) == set(contract.EXCHANGE_COLUMNS)
    for name, columns in contract.EXCHANGE_COLUMNS.items():
        assert list(demo.exchange[name].columns)[: len(columns)] == list(columns)
    raw = (demo_dir / "statements.csv").read_text(encoding="utf-8")
    assert "\n6,en,accord," in raw and "\"'=On accord" in raw  # escaped in the file
    text = demo.exchange["statements"].set_index("statement").loc[6, "text"]
    assert text.startswith("=On accord")  # and read back as typed
    rejected = demo.exchange["statements"].query("status == 'rejected'")
    assert rejected["text"].isna().all() and rejected["reason"].notna().all()


def test_bridging_scores_recover_the_known_least_group_values(found, truth):
    per, _ = truth
    scored = found.scores[found.scores["status"] != "needs-ratings"]
    assert len(scored) >= 30
    rho = stats.spearmanr(scored["bridging"], per.loc[scored.index, "bridging"])[0]
    assert rho >= 0.8, rho
    assert found.fit.max_change <= 1e-10


def test_the_known_effect_of_peers_arguments_is_recovered(found, truth):
    _, overall = truth
    row = found.effects.query("wave == 'post' and item == @overall['item']").iloc[0]
    # the true average effect lies inside the 99% interval, and it is detected
    assert abs(row["estimate"] - overall["effect"]) <= 2.58 * row["se"], (row, overall)
    assert row["p_holm"] < 0.05
    others = found.effects.query("wave == 'post' and item != @overall['item']")
    assert (others["estimate"].abs() < 3 * others["se"]).all()  # no effect put there
    # within each opinion group too (groups from the before answers)
    by_group = found.effects_by_group.query("item == @overall['item']")
    assert set(by_group["opinion_group"]) == set(found.centres.index)
    assert (by_group["estimate"] > 0).all() and (by_group["p_holm"] < 0.05).all()
    # the statement given its own extra effect is the one found (frozen design)
    se = found.statement_effects
    assert se["estimate"].idxmax() == 1 and se.loc[1, "q"] < 0.05
    assert found.design == "frozen"


def test_peer_effects_match_an_ols_with_hc2_fitted_independently(demo):
    st, exp = demo.exchange["statements"], demo.exchange["exposures"]
    cond = exchange_condition(exp, st)
    pp = pairs(demo, ["support_accord"])
    ours = peer_effects(pp, cond, ["support_accord"]).iloc[0]
    d = pp.assign(peers=pp["participant_id"].map(cond).eq("peers").astype(float))
    d = d[pp["participant_id"].isin(cond.index)]
    ref = smf.ols("post ~ peers + pre", data=d).fit(cov_type="HC2", use_t=True)
    assert ours["estimate"] == pytest.approx(ref.params["peers"], rel=1e-10)
    assert ours["se"] == pytest.approx(ref.bse["peers"], rel=1e-10)
    assert ours["n_peers"] == int(d["peers"].sum())


def test_statement_effects_are_ols_coefficients_shrunk_toward_their_mean(demo):
    st, exp = demo.exchange["statements"], demo.exchange["exposures"]
    cond = exchange_condition(exp, st)
    peers = exp[exp["participant"].map(cond) == "peers"]
    pp = pairs(demo, ["support_accord"])
    pp = pp[pp["participant_id"].isin(cond.index)]  # peers and placebo
    # the briefing as the covariate: the crossed arm ("accord_peers") would say peers or
    # placebo, which the sum of the exposure indicators already says
    pp = pp.assign(arm=pp["arm"].str.removesuffix("_peers"))
    out = statement_effects(pp, peers, "support_accord")
    # reference: statsmodels formula with the arm and one dummy per statement
    wide = pd.crosstab(peers["participant"], peers["statement"]).clip(upper=1)
    wide.columns = [f"s{c}" for c in wide.columns]
    d = pp.set_index("participant_id")[["pre", "post", "arm"]].join(wide).fillna(0.0)
    ref = smf.ols("post ~ pre + C(arm) + " + " + ".join(wide.columns), data=d).fit(
        cov_type="HC2")
    np.testing.assert_allclose(out["se"], ref.bse[wide.columns], rtol=1e-8)
    np.testing.assert_allclose(out["estimate"], ref.params[wide.columns], rtol=1e-8)
    centre = np.average(out["estimate"], weights=1 / out["se"] ** 2)
    between = (out["shrunk"] - centre) / (out["estimate"] - centre)
    assert ((between >= 0) & (between <= 1)).all()


def test_a_live_pool_is_warned_about_and_gets_no_per_statement_effects(demo):
    tables = dict(demo.exchange)
    tables["exposures"] = tables["exposures"].assign(pool_version="live:7")
    live = analyse_exchange(dataclasses.replace(demo, exchange=tables))
    assert live.design == "live" and live.statement_effects.empty
    assert any("live pool" in n for n in live.notes)


def test_the_report_section_shows_escaped_statements_and_both_lists(demo):
    html = render_report(analyse_export(demo))
    assert '<section id="exchange"' in html and "Listening to the other side" in html
    assert "&lt;b&gt;seed&lt;/b&gt;" in html and "<b>seed</b>" not in html
    for prop in ("accord", "armistice", "strength"):
        assert f"{prop}: most bridging arguments" in html
        assert f"{prop}: most divisive arguments" in html
    assert "Intercept against slope" in html and "Statement flow" in html
    summary = html.split('<section id="summary"', 1)[1].split("</section>", 1)[0]
    assert "Listening to the other side: " in summary and "judged fair by every" in summary
    assert "changed support_accord by +" in summary


def test_a_group_with_fewer_than_five_raters_shows_too_few():
    rows = pd.DataFrame({"text": ["t"], "language": ["en"], "n_1": [12], "n_2": [4],
                         "p_1": [0.7], "p_2": [0.6], "bridging": [0.6], "se_bridging": [0.1],
                         "lower": [0.43], "status": ["mixed"]}, index=[5])
    shown = _display(rows, ["1", "2"])
    assert shown.loc[0, "fair 1"] == "0.700" and shown.loc[0, "fair 2"] == TOO_FEW
    assert shown.loc[0, "bridging"] == TOO_FEW


def test_an_export_without_an_exchange_has_no_section(tmp_path):
    folder = write_demo_export(tmp_path / "plain", n_per_arm=30, seed=2, exchange=False)
    ex = load_export(folder)
    assert ex.exchange == {} and analyse_exchange(ex) is None
    assert '<section id="exchange"' not in render_report(analyse_export(ex))
