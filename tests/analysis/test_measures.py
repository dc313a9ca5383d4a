"""Ordinal tests, constructs, polarisation, rankings, perception, groups, quality, weights, power."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels
from scipy import stats
from statsmodels.stats.power import TTestIndPower, TTestPower

from analysis import constructs, groups, ordinal, perception, polarisation, power, quality, rankings
from analysis import weights as wts
from analysis.synthetic import make_demo_data, make_demo_export

R_RESULTS = pd.read_csv(Path(statsmodels.__file__).parent / "stats" / "tests" / "results"
                        / "contingency_table_r_results.csv")
# the tables of statsmodels/stats/tests/test_contingency_tables.py, whose R results are above
TABLES = [np.array([[23, 15], [19, 31]]),
          np.array([[144, 33, 84, 126], [2, 4, 14, 29], [0, 2, 6, 25], [0, 0, 1, 5]]),
          np.array([[20, 10, 5], [3, 30, 15], [0, 5, 40]])]


def _long_from_table(table, codes):
    i, j = np.indices(table.shape)
    reps = table.ravel()
    return pd.DataFrame({"pre": np.repeat(np.array(codes)[i.ravel()], reps),
                         "post": np.repeat(np.array(codes)[j.ravel()], reps),
                         "item": "x", "arm": "a"})


@pytest.mark.parametrize("k", [1, 2])
def test_stuart_maxwell_matches_r(k):
    df = _long_from_table(TABLES[k], list(range(1, TABLES[k].shape[0] + 1)))
    r = ordinal.stuart_maxwell(df).iloc[0]
    assert r["statistic"] == pytest.approx(R_RESULTS.loc[k, "homog_stat"], rel=1e-10)
    assert r["df"] == R_RESULTS.loc[k, "homog_df"]


@pytest.mark.parametrize("position", [0, 1, 3])
def test_stuart_maxwell_drops_a_category_nobody_moved_into_or_out_of(position):
    """Issue 10: a category with only diagonal counts made the covariance singular (NaN).

    R's ``coin::mh_test`` takes the Moore-Penrose inverse of the covariance and
    its rank as df (Hothorn, Hornik, van de Wiel & Zeileis 2006, *A Lego system for
    conditional inference*, Am. Stat. 60:257-263, section 3), so a category with no
    off-diagonal counts adds nothing: its value on the 4 x 4 table below is coin's
    value on the 3 x 3 table without it, R's homog_stat of statsmodels' stored R
    results for ``TABLES[2]``, with df 2 (not 3, and not NaN).
    """
    table = np.insert(np.insert(TABLES[2], position, 0, axis=0), position, 0, axis=1)
    table[position, position] = 17  # only kept: nobody moved into or out of it
    df = _long_from_table(table, [1, 2, 3, 4])
    r = ordinal.stuart_maxwell(df).iloc[0]
    assert r["statistic"] == pytest.approx(R_RESULTS.loc[2, "homog_stat"], rel=1e-10)
    assert r["df"] == R_RESULTS.loc[2, "homog_df"] == 2
    assert r["p"] == pytest.approx(stats.chi2.sf(R_RESULTS.loc[2, "homog_stat"], 2), rel=1e-9)
    assert r["n"] == table.sum()


def test_mcnemar_matches_r():
    df = _long_from_table(TABLES[0], [1, 5])  # 1 = not supporting, 5 = supporting
    chi = ordinal.mcnemar_support(df, threshold=5, exact=False).iloc[0]
    assert chi["p"] == pytest.approx(R_RESULTS.loc[0, "homog_cont_p"], rel=1e-10)
    assert (chi["gained"], chi["lost"]) == (15, 19)
    ex = ordinal.mcnemar_support(df, threshold=5, exact=True).iloc[0]
    assert ex["p"] == pytest.approx(R_RESULTS.loc[0, "homog_binom_p"], rel=1e-10)
    assert ex["support_before"] == pytest.approx((19 + 31) / 88)


def test_category_shares_and_transitions():
    df = pd.DataFrame({"item": "x", "arm": "a", "phase": ["pre"] * 4 + ["post"] * 4,
                       "value": [1, 1, 2, 3, 2, 2, 3, 3]})
    sh = ordinal.category_shares(df, categories=[1, 2, 3, 4])
    pre = sh[sh["phase"] == "pre"].set_index("category")
    assert list(pre["share"]) == [0.5, 0.25, 0.25, 0.0]
    tm = ordinal.transition_matrix(pd.DataFrame({"pre": [1, 1, 2], "post": [2, 1, 2]}),
                                   normalize="row")
    assert tm.loc[1, 2] == 0.5 and tm.loc[2, 2] == 1.0


def test_cronbach_alpha_by_hand():
    # tests/analysis/reference/cronbach_hand.md: alpha = 46/49
    data = np.array([[1, 2, 2], [2, 2, 3], [3, 4, 3], [4, 4, 5]], dtype=float)
    long = pd.DataFrame({"participant_id": np.repeat(np.arange(4), 3),
                         "item": np.tile(["i1", "i2", "i3"], 4), "value": data.ravel()})
    r = constructs.cronbach_alpha(long).iloc[0]
    assert r["alpha"] == pytest.approx(46 / 49, rel=1e-12)
    # covariance form, independently: k c / (v + (k - 1) c)
    cov = np.cov(data, rowvar=False)
    v, c = np.mean(np.diag(cov)), cov[~np.eye(3, dtype=bool)].mean()
    assert r["alpha"] == pytest.approx(3 * c / (v + 2 * c), rel=1e-12)


REFERENCE = Path(__file__).parent / "reference"


def test_cronbach_alpha_matches_r_psych_on_pingouins_questionnaire():
    # reference/cronbach_alpha.csv: pingouin's dataset "cronbach_alpha" (15 subjects x 10
    # items, from real-statistics.com); pingouin tests/test_reliability.py asserts
    # alpha = 0.592, the value of R psych::alpha, to three decimals.
    long = pd.read_csv(REFERENCE / "cronbach_alpha.csv")
    r = constructs.cronbach_alpha(long, subject="Subj", item="Items", value="Scores").iloc[0]
    assert round(r["alpha"], 3) == 0.592
    assert (r["k"], r["n"]) == (10, 15)


def test_cronbach_alpha_listwise_matches_r_psych_complete_cases():
    # reference/cronbach_wide_missing.csv: pingouin's dataset "cronbach_wide_missing" (12
    # subjects x 11 binary items, 3 with a missing answer); pingouin tests/test_reliability.py
    # gives R psych::alpha(data[complete.cases(data), ]) = 0.801695 (six decimals), which is
    # our listwise deletion.
    wide = pd.read_csv(REFERENCE / "cronbach_wide_missing.csv")
    long = wide.rename_axis("subject").reset_index().melt(
        id_vars="subject", var_name="item", value_name="value")
    r = constructs.cronbach_alpha(long, subject="subject").iloc[0]
    assert round(r["alpha"], 6) == 0.801695
    assert (r["k"], r["n"]) == (11, 9)


def test_construct_scores_apply_reverse_keying(demo):
    s = constructs.construct_scores(demo)
    a = demo.answers
    one = s.iloc[0]
    raw = a[(a["participant_id"] == one["participant_id"]) & (a["phase"] == one["phase"])
            & a["item"].isin(["trust_1", "trust_2", "trust_3"])].set_index("item")["value"]
    assert one["score"] == pytest.approx((raw["trust_1"] + raw["trust_2"] + 6 - raw["trust_3"]) / 3)
    assert (s["n_items"] == 3).all()


def test_knowledge_index_counts_dont_know_as_wrong(demo):
    k = constructs.knowledge_index(demo)
    a = demo.answers
    pid = k.iloc[0]["participant_id"]
    ph = k.iloc[0]["phase"]
    got = a[(a["participant_id"] == pid) & (a["phase"] == ph)].set_index("item")["value"]
    expect = (int(got["know_finland"] == 2) + int(got["know_korea"] == 2)) / 2
    assert k.iloc[0]["index"] == expect
    assert set(k["index"].dropna()) <= {0.0, 0.5, 1.0}


def test_bimodality_coefficient_reference_values():
    # Pfister et al. (2013): BC of a uniform is 5/9 (.555), of a normal 1/3
    n = 200_001
    assert polarisation.bimodality_coefficient(np.linspace(0, 1, n)) == pytest.approx(5 / 9,
                                                                                        abs=1e-4)
    q = stats.norm.ppf((np.arange(1, n + 1) - 0.5) / n)
    assert polarisation.bimodality_coefficient(q) == pytest.approx(1 / 3, abs=2e-3)
    # two equal point masses: skew 0, excess kurtosis -> -2, BC -> 1
    assert polarisation.bimodality_coefficient(np.repeat([0.0, 1.0], 5000)) == pytest.approx(
        1, abs=1e-3)
    assert np.isnan(polarisation.bimodality_coefficient([1, 1, 1, 1, 1]))


def test_bimodality_coefficient_matches_pfister_examples():
    # reference/bimodality_pfister.csv: the two example distributions of Pfister et al. (2013),
    # Front. Psychol. 4:700, as given (counts of the values 1..11) in the documented example of
    # R mousetrap::bimodality_coefficient (man/bimodality_coefficient.Rd): BC = .34 for the
    # unimodal one (a) and .79 for the bimodal one (b), two decimals.
    ref = pd.read_csv(REFERENCE / "bimodality_pfister.csv")
    a = np.repeat(ref["value"], ref["count_a"])
    b = np.repeat(ref["value"], ref["count_b"])
    assert round(polarisation.bimodality_coefficient(a), 2) == 0.34
    assert round(polarisation.bimodality_coefficient(b), 2) == 0.79


def test_esteban_ray_by_hand():
    # two equal masses at the ends: 2 * 0.5^(1+a) * 0.5 * 1
    assert polarisation.esteban_ray([0, 1] * 50, alpha=1.6) == pytest.approx(2 * 0.5**3.6)
    # 0, .5, 1 with shares .25, .5, .25 and alpha = 1: .03125 + .0625 + .03125
    assert polarisation.esteban_ray([0, 0.5, 0.5, 1], alpha=1.0) == pytest.approx(0.125)
    assert polarisation.esteban_ray([3, 3, 3], lo=1, hi=7) == 0.0
    with pytest.raises(ValueError, match="alpha must be"):
        polarisation.esteban_ray([1, 2], alpha=2)


def test_polarisation_and_group_distance():
    df = pd.DataFrame({"item": "x", "phase": "pre", "value": [1, 1, 7, 7, 4, 4.0],
                       "side": ["l", "l", "r", "r", "l", "r"]})
    scale = pd.DataFrame({"item": ["x"], "scale_min": [1.0], "scale_max": [7.0]})
    p = polarisation.polarisation_measures(df, by=("item", "phase"), scale=scale).iloc[0]
    assert p["dist_midpoint"] == pytest.approx(4 / 6)  # |x - 4| / 3 = 1,1,1,1,0,0
    assert p["share_extreme"] == pytest.approx(4 / 6)
    d = polarisation.group_distance(df, "value", "side", "l", "r").iloc[0]
    assert d["distance"] == pytest.approx(2 - 6)
    assert d["se"] == pytest.approx(np.sqrt(np.var([1, 1, 4], ddof=1) / 3
                                            + np.var([7, 7, 4], ddof=1) / 3))


def test_esteban_ray_on_a_common_grid_compares_across_scales():
    # Exact values from the formula of Esteban & Ray (1994), K = 1, alpha = 1.6.
    # Own points: uniform answers on k points give (k + 1) / (3 k^(1 + alpha)), falling with
    # k (issue #20: 0.030, 0.017, 0.0002). On the five-group grid every uniform gives the
    # 5-point value, (5 + 1) / (3 * 5^2.6).
    er = polarisation.esteban_ray
    for k in (5, 7, 101):
        assert er(np.arange(k), lo=0, hi=k - 1) == pytest.approx((k + 1) / (3 * k**2.6))
        assert er(np.arange(k), lo=0, hi=k - 1, groups=5) == pytest.approx(6 / (3 * 5**2.6))
    # a 5-point scale is its own grid: the same value as before
    x5 = [1, 1, 2, 3, 5, 5, 5, 4]
    assert er(x5, lo=1, hi=5, groups=5) == pytest.approx(er(x5, lo=1, hi=5))
    # a bimodal thermometer: about 0 on its own 101 points, the two-ends maximum 2 * 0.5^3.6
    # on the grid when the answers sit in the two outer fifths
    rng = np.random.default_rng(1)
    thermo = np.r_[rng.integers(0, 20, 50), rng.integers(81, 101, 50)]
    assert er(thermo, lo=0, hi=100) < 0.01
    assert er(thermo, lo=0, hi=100, groups=5) == pytest.approx(2 * 0.5**3.6)
    assert er([0] * 5 + [100] * 5, lo=0, hi=100, groups=5) == pytest.approx(2 * 0.5**3.6)
    # 7 points on 5 groups, by hand: point 2 of 7 covers [1/7, 2/7]; 0.4 of it lies in the
    # first fifth [0, 0.2] and 0.6 in the second (positions 0 and 0.25)
    by_hand = 0.4**2.6 * 0.6 * 0.25 + 0.6**2.6 * 0.4 * 0.25
    assert er([2, 2, 2], lo=1, hi=7, groups=5) == pytest.approx(by_hand)
    # the table uses the grid
    df = pd.DataFrame({"item": ["t"] * 101 + ["l"] * 5, "phase": "pre",
                       "value": np.r_[np.arange(101), np.arange(1, 6)]})
    scale = pd.DataFrame({"item": ["t", "l"], "scale_min": [0.0, 1.0], "scale_max": [100.0, 5.0]})
    pm = polarisation.polarisation_measures(df, by=("item", "phase"), scale=scale)
    assert pm["esteban_ray"].tolist() == pytest.approx([6 / (3 * 5**2.6)] * 2)


def test_rankings_by_hand():
    votes = ["a|b|c"] * 3 + ["b|c|a"] * 2 + ["c|b|a"] * 2
    df = pd.DataFrame({"text": votes, "phase": "pre", "arm": "x"})
    per_opt, per_group = rankings.ranking_summary(df, ["a", "b", "c"])
    o = per_opt.set_index("option")
    assert o.loc["a", "first_share"] == pytest.approx(3 / 7)
    assert list(o["borda"]) == pytest.approx([6 / 7, 9 / 7, 6 / 7])
    g = per_group.iloc[0]
    assert g["condorcet_winner"] == "b"
    assert g["single_peaked_share"] == 1.0
    cycle = pd.DataFrame({"text": ["a|b|c", "b|c|a", "c|a|b"], "phase": "pre", "arm": "x"})
    _, cg = rankings.ranking_summary(cycle, ["a", "b", "c"])
    assert cg.iloc[0]["condorcet_winner"] is None
    assert cg.iloc[0]["single_peaked_share"] == pytest.approx(2 / 3)
    pos = rankings.rank_matrix(pd.Series(["a|b", "a|a|b", "c|b|a"]), ["a", "b", "c"])
    assert np.isnan(pos[:2]).all() and list(pos[2]) == [2, 1, 0]


def test_malformed_rankings_are_invalid_and_counted():
    # Issue #20's case, counted by hand. Valid: b|a|c, b|c|a, c|b|a, a|b|c. Borda (2/1/0
    # points): a = 1+0+0+2 = 3, b = 2+2+1+1 = 6, c = 0+1+2+0 = 3; pairwise b beats a 3:1
    # and c 3:1, so b is the Condorcet and Borda winner, and all four are single-peaked on
    # a<b<c. Cut to three entries the malformed ones would read a|c|b, a|b|c, a|b|c and
    # make a the winner of both (a beats b 4:3, c 4:3) with single-peaked share 6/7.
    valid = ["b|a|c", "b|c|a", "c|b|a", "a|b|c"]
    malformed = ["a|c|b|b", "a|b|c|d", "a|b|c|c"]
    df = pd.DataFrame({"text": valid + malformed + [None], "phase": "pre", "arm": "x"})
    per_opt, per_group = rankings.ranking_summary(df, ["a", "b", "c"])
    g = per_group.iloc[0]
    assert (g["n"], g["n_invalid"]) == (4, 3)  # a missing answer is not an invalid one
    assert g["condorcet_winner"] == "b" and g["borda_winner"] == "b"
    assert g["single_peaked_share"] == 1.0
    assert list(per_opt["borda"]) == pytest.approx([3 / 4, 6 / 4, 3 / 4])
    pos = rankings.rank_matrix(pd.Series(malformed + ["a|b", "a|a|b|c", "c|b|a"]),
                               ["a", "b", "c"])
    assert np.isnan(pos[:5]).all() and list(pos[5]) == [2, 1, 0]
    assert rankings.condorcet_winner(pos, ["a", "b", "c"]) == "c"  # only the valid one


def test_single_peaked_baseline_is_the_share_of_random_rankings():
    # Exact value 2^(k-1) / k! (Black 1948: read from the last place up, each option sits at
    # an end of the unranked part of the axis), checked by enumerating every ranking of k
    # options and counting those single-peaked on the axis 0 < 1 < ... < k-1.
    for k in (2, 3, 4, 5):
        perms = list(itertools.permutations(range(k)))
        sp = 0
        for order in perms:  # order[r] = option at rank r
            ok = all(max(order[: j + 1]) - min(order[: j + 1]) == j for j in range(k))
            sp += ok
        assert rankings.single_peaked_baseline(k) == pytest.approx(sp / len(perms))
    assert rankings.single_peaked_baseline(3) == pytest.approx(2 / 3)
    votes = ["a|b|c"] * 3 + ["b|c|a"] * 2 + ["c|b|a"] * 2
    _, g = rankings.ranking_summary(pd.DataFrame({"text": votes, "phase": "pre", "arm": "x"}),
                                    ["a", "b", "c"])
    assert g.iloc[0]["single_peaked_baseline"] == pytest.approx(2 / 3)
    assert g.iloc[0]["single_peaked_excess"] == pytest.approx(1 / 3)


def test_metaperception_interval_carries_the_actual_shares_error():
    # References: (1) everyone answered both items: scipy's one-sample t interval of the
    # paired differences e_i - s_i (s_i = 100 when supporting); (2) some answered only one:
    # statsmodels OLS of the stacked answers on "is a support answer" with a cluster-robust
    # (CR0) covariance by participant, times G / (G - 1), G participants: its slope is
    # -(gap) and its variance the gap's.
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    n = 80
    ids = np.arange(n)
    sup_v = rng.integers(1, 8, n).astype(float)
    est_v = np.clip(40 + 20 * (sup_v >= 5) + rng.normal(0, 15, n), 0, 100)
    est = pd.DataFrame({"participant_id": ids, "phase": "pre", "value": est_v})
    sup = pd.DataFrame({"participant_id": ids, "phase": "pre", "value": sup_v})
    r = perception.metaperception_gap(est, sup, threshold=5).iloc[0]
    d = est_v - 100.0 * (sup_v >= 5)
    ci = stats.ttest_1samp(d, 0).confidence_interval(0.95)
    assert (r["gap"], r["ci_low"], r["ci_high"]) == pytest.approx((d.mean(), ci.low, ci.high))
    assert r["se"] == pytest.approx(d.std(ddof=1) / np.sqrt(n))
    # partial overlap: 20 answered only the estimate, 15 only the support item
    e2, s2 = est.iloc[:60], sup.iloc[20:]
    r2 = perception.metaperception_gap(e2, s2, threshold=5).iloc[0]
    y = np.r_[e2["value"], 100.0 * (s2["value"] >= 5)]
    x = sm.add_constant(np.r_[np.zeros(len(e2)), np.ones(len(s2))])
    g = np.r_[e2["participant_id"], s2["participant_id"]]
    fit = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": g, "use_correction": False})
    groups_n = len(np.unique(g))
    assert r2["gap"] == pytest.approx(-fit.params[1])
    assert r2["se"] == pytest.approx(np.sqrt(fit.cov_params()[1, 1] * groups_n / (groups_n - 1)))
    assert r2["ci_high"] - r2["gap"] == pytest.approx(stats.t.ppf(0.975, groups_n - 1) * r2["se"])
    assert r2["se"] > r2["se_estimate"]  # the actual share's error enters


def test_metaperception_gap_by_hand():
    est = pd.DataFrame({"phase": "pre", "value": [30.0, 50.0]})
    sup = pd.DataFrame({"phase": "pre", "value": [6, 2, 5, 1]})
    r = perception.metaperception_gap(est, sup, threshold=5).iloc[0]
    assert (r["mean_estimate"], r["actual_share"], r["gap"]) == (40, 50, -10)
    assert r["share_overestimating"] == 0.0


def test_affective_distance():
    d = pd.DataFrame({"participant_id": ["p", "p"], "arm": "a", "phase": "pre",
                      "item": ["t1", "t2"], "value": [80.0, 30.0]})
    out = perception.affective_distance(d, "t1", "t2")
    assert out.iloc[0]["value"] == 50 and out.iloc[0]["item"] == "affective_distance"


def test_opinion_groups_find_two_camps_and_the_consensus():
    rng = np.random.default_rng(0)
    n = 120
    camp = np.repeat([0, 1], n // 2)
    items = {"a": np.where(camp == 0, 5, 1), "b": np.where(camp == 0, 1, 5),
             "c": np.where(camp == 0, 4, 2), "agree_all": np.full(n, 5)}
    long = pd.concat([pd.DataFrame({"participant_id": np.arange(n), "item": k,
                                    "value": np.clip(v + rng.normal(0, 0.6, n), 1, 5)})
                      for k, v in items.items()])
    scale = pd.DataFrame({"item": list(items), "scale_min": 1.0, "scale_max": 5.0})
    res = groups.opinion_groups(long, scale, k_range=(2, 3, 4))
    assert res["choice"].loc[res["choice"]["silhouette"].idxmax(), "k"] == 2
    m = res["map"].set_index("participant_id")["group"]
    assert pd.crosstab(m, camp).to_numpy().max(axis=1).tolist() == [60, 60]
    it = res["items"]
    assert set(it.loc[it["consensus"], "item"]) == {"agree_all"}
    rep = it[it["representative"] & ~it["consensus"]]
    assert sorted(rep["item"]) == ["a", "b"] or sorted(rep["item"]) == ["a", "b", "c"]


def test_quality_flags_find_the_generated_speeders():
    d = make_demo_data(150, seed=3, speeder_rate=0.05)
    ex, _ = make_demo_export(150, seed=3, speeder_rate=0.05)
    f = quality.quality_flags(ex)
    flagged = set(f.loc[f["speeder"], "participant_id"])
    true = set(d.speeders)
    assert len(true & flagged) >= 0.9 * len(true)
    assert len(flagged - true) <= 0.01 * len(f)
    kept, log = quality.apply_exclusions(f, ["speeder", "failed_attention"])
    assert log.set_index("rule").loc["any", "flagged"] == len(f) - len(kept)
    assert log.set_index("rule").loc["speeder", "flagged"] == len(flagged)
    with pytest.raises(ValueError, match="unknown rule"):
        quality.apply_exclusions(f, ["slow"])


def test_funnel_counts_are_monotone(demo):
    fn = quality.funnel(demo)
    started = {}
    for arm, g in fn.groupby("arm"):
        s = g.set_index("stage")["n"]
        assert s["started"] >= s["profile"] >= s["before"] >= s["module"] >= s["after"]
        started[arm] = s["started"]
    # 200 per briefing, split at random between the arm and its _peers twin
    for briefing in ("accord", "armistice", "strength", "all", "control"):
        assert started[briefing] + started[f"{briefing}_peers"] == 200
        assert started[briefing] > 0 and started[f"{briefing}_peers"] > 0
    assert (quality.time_on_page(demo)["median"] > 0).all()


def test_raking_reproduces_kalton_table_b():
    # R survey tests/kalton.Rout.save, table B: rake() weight / sample count per cell
    # (Kalton & Flores-Cervantes 2003). Cells ordered as expand.grid(a = 1:4, b = 1:3).
    a = np.tile([1, 2, 3, 4], 3)
    b = np.repeat([1, 2, 3], 4)
    sample = np.array([20, 50, 100, 30, 40, 140, 50, 100, 40, 310, 50, 70])
    pop = np.array([80, 60, 170, 55, 40, 150, 60, 165, 55, 340, 200, 125])
    data = pd.DataFrame({"a": np.repeat(a, sample).astype(str), "b": np.repeat(b, sample)})
    margins = pd.concat([
        pd.DataFrame({"variable": "a", "level": [str(i) for i in range(1, 5)],
                      "share": [pop[a == i].sum() for i in range(1, 5)]}),
        pd.DataFrame({"variable": "b", "level": [str(i) for i in range(1, 4)],
                      "share": [pop[b == i].sum() for i in range(1, 4)]})])
    w = wts.rake(data, margins)
    ratio = (w * pop.sum() / sample.sum()).groupby([data["a"], data["b"]]).first()
    table_b = np.array([[1.81, 1.45, 2.02], [1.08, 0.87, 1.21], [2.20, 1.76, 2.45],
                        [1.83, 1.47, 2.04]])
    np.testing.assert_array_equal(np.round(ratio.unstack().to_numpy(), 2), table_b)
    assert w.mean() == pytest.approx(1.0)


def test_raking_errors_are_clear():
    data = pd.DataFrame({"sex": ["f", "m", "x"]})
    m = pd.DataFrame({"variable": "sex", "level": ["f", "m"], "share": [0.5, 0.5]})
    with pytest.raises(ValueError, match=r"level\(s\) \['x'\] of respondents are not"):
        wts.rake(data, m)
    with pytest.raises(ValueError, match="not in data"):
        wts.rake(data, m.assign(variable="age"))
    with pytest.raises(ValueError, match="no respondents"):
        wts.rake(data.iloc[:1], m)


def test_kish_and_weighted_mean_by_hand():
    k = wts.kish([1, 1, 2, 4])
    assert k["n_eff"] == pytest.approx(64 / 22) and k["deff"] == pytest.approx(4 * 22 / 64)
    df = pd.DataFrame({"y": [1.0, 2, 3, 4], "w": [1.0, 1, 2, 4]})
    r = wts.weighted_mean(df, "y", "w").iloc[0]
    ybar = (1 + 2 + 6 + 16) / 8
    assert r["mean"] == pytest.approx(ybar)
    lin = sum(w**2 * (y - ybar) ** 2 for y, w in zip(df["y"], df["w"], strict=True))
    assert r["se"] == pytest.approx(np.sqrt(4 / 3 * lin / 64))


def test_power_simulation_agrees_with_analytic_power():
    # statsmodels' analytic t-test power as the outside reference
    sim = power.simulate_power(200, effect=0.2, design="paired", correlation=0.5, n_sims=4000)
    analytic = TTestPower().power(effect_size=0.2 / np.sqrt(2 * 0.5), nobs=200, alpha=0.05)
    assert sim == pytest.approx(analytic, abs=0.03)
    sim = power.simulate_power(150, effect=0.3, design="ancova", correlation=0.6, n_sims=3000)
    # ANCOVA ~ two-sample t on residual SD sqrt(1 - rho^2)
    analytic = TTestIndPower().power(effect_size=0.3 / np.sqrt(1 - 0.36), nobs1=150, alpha=0.05)
    assert sim == pytest.approx(analytic, abs=0.03)
    n = power.sample_size(effect=0.3, power=0.8, design="paired", correlation=0.5, n_sims=1000)
    assert 80 <= n["n"] <= 100 and n["power"] >= 0.8  # analytic: 90


@pytest.mark.parametrize(
    "call",
    [lambda d: ordinal.stuart_maxwell(d), lambda d: ordinal.mcnemar_support(d),
     lambda d: polarisation.polarisation_measures(d, value="pre", by=("item",)),
     lambda d: wts.weighted_mean(d, "pre", "post"),
     lambda d: ordinal.category_shares(d, value="pre", by=("arm",))],
)
def test_functions_do_not_modify_their_input(call):
    d = _long_from_table(TABLES[2], [1, 2, 3]).assign(post=lambda f: f["post"].astype(float))
    copy = d.copy()
    call(d)
    pd.testing.assert_frame_equal(d, copy)


def test_the_sample_size_example_in_the_docs_holds():
    # docs/analysis.md: "sample_size(effect=0.2, power=0.8, design='paired', correlation=0.5)
    # needs about 199"; reference statsmodels TTestPower (198.2 at d_z = 0.2 / sqrt(2 (1 -
    # 0.5)) = 0.2). "sample_size(effect=0.2, power=0.8) about 296 per arm": TTestIndPower at
    # 0.2 / sqrt(1 - 0.25) (295.3) and the closed form ancova_sample_size.
    paired = power.sample_size(effect=0.2, power=0.8, design="paired", correlation=0.5)
    assert TTestPower().solve_power(0.2, alpha=0.05, power=0.8) == pytest.approx(198.15, abs=0.01)
    assert abs(paired["n"] - 199) <= 8  # bisection on 2000 simulated studies per n
    ref = TTestIndPower().solve_power(0.2 / np.sqrt(0.75), alpha=0.05, power=0.8)
    assert power.ancova_sample_size(0.2, 0.8, correlation=0.5) == int(np.ceil(ref)) == 296
    assert abs(power.sample_size(effect=0.2, power=0.8)["n"] - 296) <= 8
