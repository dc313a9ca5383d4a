"""Weighted estimates: against R `survey` outputs, hand computations, and equal weights.

R values: Survey.jl's `test/r_reference/*.csv` (github.com/xKDR/Survey.jl), written by its
`generate_fixtures.R` with R survey 4.5 from `data(api)`; the 200 rows of `apistrat` we use
are in reference/apistrat.csv (see reference/README.md). Point estimates of svymean,
svyvar and svyby depend only on the weights, not on the strata of those designs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import ordinal, perception, polarisation, quality, rankings
from analysis.pipeline import analyse_export
from analysis.shifts import bca_mean_ci, paired_shifts
from analysis.weights import weighted_mean

APISTRAT = pd.read_csv(Path(__file__).parent / "reference" / "apistrat.csv")
# svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat): "strat_w"
R_MEAN_API00 = 662.287363159321          # est_basic.csv, strat_w, svymean(~api00)
R_VAR_API00 = 15190.5862058273           # variance.csv, strat_w, svyvar(~api00)
R_SHARES = {("awards", "No"): 0.361063935949422, ("awards", "Yes"): 0.638936064050579,
            ("stype", "E"): 0.713755237067748, ("stype", "H"): 0.121892157602242,
            ("stype", "M"): 0.164352605330011}  # proportions.csv, strat_w, svymean(~factor)
# svydesign(id = ~1, strata = ~stype, fpc = ~fpc, data = apistrat): weights fpc / n_h
R_DOMAIN_MEANS = {"No": 633.734912337968, "Yes": 678.422405668124}  # domain.csv, strat_fpc,
# svyby(~api00, ~awards, design, svymean)


def test_weighted_mean_and_sd_match_r_survey():
    p = polarisation.polarisation_measures(APISTRAT.assign(item="api00"), value="api00",
                                           by=("item",), weights="pw").iloc[0]
    assert p["mean"] == pytest.approx(R_MEAN_API00, rel=1e-12)
    assert p["sd"] ** 2 == pytest.approx(R_VAR_API00, rel=1e-12)
    assert bool(p["weighted"])
    m = weighted_mean(APISTRAT, "api00", "pw").iloc[0]
    assert m["mean"] == pytest.approx(R_MEAN_API00, rel=1e-12)


@pytest.mark.parametrize("variable", ["awards", "stype"])
def test_weighted_category_shares_match_r_survey(variable):
    sh = ordinal.category_shares(APISTRAT, value=variable, by=(), weights="pw")
    for _, row in sh.iterrows():
        assert row["share"] == pytest.approx(R_SHARES[(variable, row["category"])], rel=1e-12)
    assert sh["n"].sum() == 200 and bool(sh["weighted"].all())


def test_weighted_group_distance_matches_r_survey_domain_means_and_hand_se():
    n_h = APISTRAT["stype"].map(APISTRAT["stype"].value_counts())
    d = APISTRAT.assign(w=APISTRAT["fpc"] / n_h, item="api00", phase="x")
    r = polarisation.group_distance(d, "api00", "awards", "No", "Yes", weights="w").iloc[0]
    assert r["mean_a"] == pytest.approx(R_DOMAIN_MEANS["No"], rel=1e-12)
    assert r["mean_b"] == pytest.approx(R_DOMAIN_MEANS["Yes"], rel=1e-12)
    # SE by hand: each subgroup's svymean linearisation variance (weights-only design)
    var = {}
    for lvl, g in d.groupby("awards"):
        w, y = g["w"].to_numpy(), g["api00"].to_numpy()
        ybar = (w * y).sum() / w.sum()
        var[lvl] = len(g) / (len(g) - 1) * ((w * (y - ybar)) ** 2).sum() / w.sum() ** 2
    assert r["se"] == pytest.approx(np.sqrt(var["No"] + var["Yes"]), rel=1e-12)


def _moments_by_hand(x, w):
    """Bias-corrected G1, G2 from the moments of the data repeated w times, n = len(x)."""
    rep = np.repeat(x, w)
    n = len(x)
    g1 = stats.skew(rep, bias=True)
    g2 = stats.kurtosis(rep, fisher=True, bias=True)
    big_g1 = g1 * np.sqrt(n * (n - 1)) / (n - 2)
    big_g2 = (n - 1) * ((n + 1) * g2 + 6) / ((n - 2) * (n - 3))
    return (big_g1**2 + 1) / (big_g2 + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))


def test_weighted_bimodality_uses_weighted_moments():
    rng = np.random.default_rng(5)
    x = rng.integers(1, 8, size=60).astype(float)
    w = rng.integers(1, 5, size=60)
    ours = polarisation.bimodality_coefficient(x, w)
    assert ours == pytest.approx(_moments_by_hand(x, w), rel=1e-10)
    assert ours != pytest.approx(polarisation.bimodality_coefficient(x), rel=1e-3)
    # unweighted still equals the scipy / R psych type-2 formula
    g = stats.skew(x, bias=False)
    k = stats.kurtosis(x, bias=False)
    n = x.size
    assert polarisation.bimodality_coefficient(x) == pytest.approx(
        (g**2 + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))), rel=1e-12)


def test_weighted_shares_equal_repeated_answers():
    # Esteban-Ray, distance from the midpoint and share at the ends depend on shares only:
    # integer weights give the values of the answers repeated that often
    x = np.array([1, 2, 4, 6, 7, 7, 3.0])
    w = np.array([3, 1, 2, 1, 4, 2, 1])
    rep = np.repeat(x, w)
    assert polarisation.esteban_ray(x, 1.6, 1, 7, weights=w) == pytest.approx(
        polarisation.esteban_ray(rep, 1.6, 1, 7), rel=1e-12)
    scale = pd.DataFrame({"item": ["q"], "scale_min": [1.0], "scale_max": [7.0]})
    pw = polarisation.polarisation_measures(pd.DataFrame({"item": "q", "value": x, "w": w}),
                                            by=("item",), scale=scale, weights="w").iloc[0]
    pr = polarisation.polarisation_measures(pd.DataFrame({"item": "q", "value": rep}),
                                            by=("item",), scale=scale).iloc[0]
    for col in ("mean", "esteban_ray", "dist_midpoint", "share_extreme"):
        assert pw[col] == pytest.approx(pr[col], rel=1e-12), col
    assert pw["dist_midpoint"] == pytest.approx(
        (3 * 1 + 1 * 2 / 3 + 2 * 0 + 1 * 2 / 3 + 4 * 1 + 2 * 1 + 1 / 3) / 14)


def test_weighted_rankings_equal_repeated_rankings():
    votes = ["a|b|c", "b|c|a", "c|b|a", "c|a|b", "b|a|c"]
    w = [3, 2, 2, 1, 1]
    df = pd.DataFrame({"text": votes, "w": np.array(w, dtype=float), "phase": "pre", "arm": "x"})
    rep = pd.DataFrame({"text": np.repeat(votes, w), "phase": "pre", "arm": "x"})
    ow, gw = rankings.ranking_summary(df, ["a", "b", "c"], weights="w")
    orep, grep = rankings.ranking_summary(rep, ["a", "b", "c"])
    pd.testing.assert_frame_equal(ow, orep)
    cols = ["condorcet_winner", "borda_winner", "single_peaked_share", "single_peaked_axis"]
    pd.testing.assert_frame_equal(gw[cols], grep[cols])
    assert gw.iloc[0]["n"] == 5 and bool(gw.iloc[0]["weighted"])
    # by hand: a is first with weight 3 of 9; Borda of b = (3*1 + 2*2 + 2*1 + 1*0 + 1*2) / 9
    o = ow.set_index("option")
    assert o.loc["a", "first_share"] == pytest.approx(3 / 9)
    assert o.loc["b", "borda"] == pytest.approx(11 / 9)
    # weights change the Condorcet winner: unweighted, b beats a 3-2 and c 3-2
    _, gu = rankings.ranking_summary(df, ["a", "b", "c"])
    assert gu.iloc[0]["condorcet_winner"] == "b"
    _, gw2 = rankings.ranking_summary(df.assign(w=[5.0, 1, 1, 1, 1]), ["a", "b", "c"],
                                      weights="w")
    assert gw2.iloc[0]["condorcet_winner"] == "a"


def test_weighted_metaperception_by_hand():
    est = pd.DataFrame({"phase": "pre", "value": [30.0, 50.0, 80.0], "w": [1.0, 3.0, 2.0]})
    sup = pd.DataFrame({"phase": "pre", "value": [6, 2, 5, 1], "w": [2.0, 1.0, 1.0, 4.0]})
    r = perception.metaperception_gap(est, sup, threshold=5, weights="w").iloc[0]
    mean = (30 + 150 + 160) / 6
    actual = 100 * (2 + 1) / 8
    assert r["mean_estimate"] == pytest.approx(mean)
    assert r["actual_share"] == pytest.approx(actual)
    assert r["gap"] == pytest.approx(mean - actual)
    se = np.sqrt(3 / 2 * (1 * (30 - mean) ** 2 + 9 * (50 - mean) ** 2 + 4 * (80 - mean) ** 2)) / 6
    assert r["se_estimate"] == pytest.approx(se)  # the estimate's own SE (survey::svymean)
    # the gap's SE carries the actual share's error too (issue #20); without participant
    # ids the two samples are independent: 7 participants, linearised terms by hand
    ze = np.array([1 * (30 - mean), 3 * (50 - mean), 2 * (80 - mean)]) / 6
    zs = -np.array([2 * (100 - actual), 1 * (0 - actual), 1 * (100 - actual),
                    4 * (0 - actual)]) / 8
    se_gap = np.sqrt(7 / 6 * ((ze**2).sum() + (zs**2).sum()))
    assert r["se"] == pytest.approx(se_gap) and r["se"] > r["se_estimate"]
    assert r["ci_high"] - r["gap"] == pytest.approx(stats.t.ppf(0.975, 6) * se_gap)
    assert r["share_overestimating"] == pytest.approx(5 / 6)  # 50 and 80 exceed 37.5


def test_weighted_paired_shifts_shares_and_bca():
    df = pd.DataFrame({"item": "q", "arm": "a", "pre": [3, 3, 4, 5, 2.0],
                       "post": [4, 3, 3, 6, 2.0], "w": [2.0, 1, 1, 3, 1]})
    r = paired_shifts(df, weights="w", n_boot=0).iloc[0]
    assert r["share_up"] == pytest.approx(5 / 8) and r["share_down"] == pytest.approx(1 / 8)
    assert r["share_same"] == pytest.approx(2 / 8)
    assert r["shift"] == pytest.approx((2 - 1 + 3) / 8)


def test_weighted_bca_agrees_with_scipy_bootstrap():
    # scipy.stats.bootstrap resamples (d, w) pairs and recomputes the weighted mean; BCa
    rng = np.random.default_rng(8)
    d = rng.integers(-3, 4, size=200).astype(float)
    w = rng.choice([0.6, 1.0, 1.7], size=200)
    ours = bca_mean_ci(d, n_boot=40000, rng=1, weights=w)
    ref = stats.bootstrap((d, w), lambda x, v, axis=-1: (x * v).sum(axis) / v.sum(axis),
                          paired=True, n_resamples=40000, method="BCa",
                          rng=np.random.default_rng(2)).confidence_interval
    assert ours[0] == pytest.approx(ref.low, abs=0.02)
    assert ours[1] == pytest.approx(ref.high, abs=0.02)


def _drop_weighted(frame):
    return frame.drop(columns=[c for c in ("weighted",) if c in frame.columns])


EQUAL = 2.5  # a constant weight that is not 1


@pytest.mark.parametrize("name", ["shares", "polarisation", "distance", "rankings", "meta",
                                  "shifts", "bca"])
def test_equal_weights_give_the_unweighted_estimates(name):
    rng = np.random.default_rng(11)
    n = 120
    long = pd.DataFrame({"item": np.repeat(["x", "y"], n), "phase": np.tile(["pre", "post"], n),
                         "arm": "a", "value": rng.integers(1, 8, 2 * n).astype(float),
                         "side": rng.choice(["l", "r"], 2 * n), "w": EQUAL})
    scale = pd.DataFrame({"item": ["x", "y"], "scale_min": 1.0, "scale_max": 7.0})
    if name == "shares":
        a = ordinal.category_shares(long)
        b = ordinal.category_shares(long, weights="w")
    elif name == "polarisation":
        a = polarisation.polarisation_measures(long, by=("item", "phase"), scale=scale)
        b = polarisation.polarisation_measures(long, by=("item", "phase"), scale=scale,
                                               weights="w")
    elif name == "distance":
        a = polarisation.group_distance(long, "value", "side", "l", "r")
        b = polarisation.group_distance(long, "value", "side", "l", "r", weights="w")
    elif name == "rankings":
        perms = np.array(["a|b|c", "a|c|b", "b|a|c", "b|c|a", "c|a|b", "c|b|a"])
        r = long.assign(text=perms[rng.integers(0, 6, 2 * n)])
        a = pd.concat(rankings.ranking_summary(r, ["a", "b", "c"]), axis=1)
        b = pd.concat(rankings.ranking_summary(r, ["a", "b", "c"], weights="w"), axis=1)
    elif name == "meta":
        est = long.assign(value=rng.uniform(0, 100, 2 * n))
        a = perception.metaperception_gap(est, long)
        b = perception.metaperception_gap(est, long, weights="w")
    elif name == "shifts":
        pairs = pd.DataFrame({"item": "x", "arm": "a", "pre": long["value"][:n].to_numpy(),
                              "post": long["value"][n:].to_numpy(), "w": EQUAL})
        a = paired_shifts(pairs, n_boot=500, seed=3)
        b = paired_shifts(pairs, weights="w", n_boot=500, seed=3)
    else:
        x = long["value"].to_numpy()
        a = pd.DataFrame([bca_mean_ci(x, 2000, rng=4)])
        b = pd.DataFrame([bca_mean_ci(x, 2000, rng=4, weights=np.full(x.size, EQUAL))])
    pd.testing.assert_frame_equal(_drop_weighted(a), _drop_weighted(b), rtol=1e-9)


def test_pipeline_weights_every_descriptive_table(demo, tmp_path):
    # margins equal to the analysed sample's own arm shares: raking leaves every weight at 1,
    # so the weighted analysis must reproduce the unweighted one table by table
    plain = analyse_export(demo, n_boot=100)
    kept, _ = quality.apply_exclusions(plain["flags"], plain.options.exclusions)
    arms = demo.participants.set_index("participant_id").loc[kept, "arm"].value_counts()
    margins = tmp_path / "margins.csv"
    pd.DataFrame({"variable": "arm", "level": arms.index, "share": arms.to_numpy()}).to_csv(
        margins, index=False)
    weighted = analyse_export(demo, n_boot=100, margins=str(margins))
    assert weighted["weights_summary"].iloc[0]["deff"] == pytest.approx(1.0)
    for name in ("shifts", "ancova", "did", "likert_shares", "polarisation", "ranking_options",
                 "ranking_groups", "metaperception", "knowledge_shifts", "construct_shifts"):
        a, b = plain[name], weighted[name]
        assert not a.empty, name
        if "weighted" in b.columns:
            assert bool(b["weighted"].all()), name
        drop = [c for c in ("weighted", "method") if c in a.columns]
        pd.testing.assert_frame_equal(a.drop(columns=drop), b.drop(columns=drop), rtol=1e-7,
                                      check_dtype=False, obj=name)


def test_pipeline_uses_the_raking_weights(demo, tmp_path):
    # unequal weights (the demo margins): the report's answer shares and polarisation are
    # the functions applied with the raking weights of the analysed participants
    from analysis.synthetic import demo_margins
    from analysis.tidy import clean_values, profile_table
    from analysis.weights import rake

    path = tmp_path / "margins.csv"
    demo_margins().to_csv(path, index=False)
    res = analyse_export(demo, n_boot=0, margins=str(path))
    kept, _ = quality.apply_exclusions(res["flags"], res.options.exclusions)
    prof = profile_table(demo)
    usable = prof[prof["participant_id"].isin(kept)].dropna(subset=["country", "age_band"])
    w = pd.Series(rake(usable, demo_margins()).to_numpy(), index=usable["participant_id"])
    assert res["weights_summary"].iloc[0]["deff"] > 1.01
    clean = clean_values(demo)
    clean = clean[clean["participant_id"].isin(w.index) & clean["phase"].isin(["pre", "post"])]
    clean = clean.assign(weight=clean["participant_id"].map(w))
    items = demo.items
    likert = clean[clean["item"].isin(res["likert_shares"]["item"])]
    # the report's tables use the paired sample (answered before and after), the
    # unpaired view is kept beside them (issue #20)
    pd.testing.assert_frame_equal(res["likert_shares_unpaired"],
                                  ordinal.category_shares(likert, weights="weight"))
    pd.testing.assert_frame_equal(res["likert_shares"],
                                  ordinal.category_shares(_paired(likert), weights="weight"))
    numeric = clean[clean["item"].isin(items.loc[items["type"].isin(["likert", "thermometer"]),
                                                 "item"])]
    expected = polarisation.polarisation_measures(numeric, by=("item", "phase"), scale=items,
                                                  weights="weight")
    pd.testing.assert_frame_equal(res["polarisation_unpaired"], expected)
    expected = polarisation.polarisation_measures(_paired(numeric), by=("item", "phase"),
                                                  scale=items, weights="weight")
    pd.testing.assert_frame_equal(res["polarisation"], expected)
    unweighted = polarisation.polarisation_measures(_paired(numeric), by=("item", "phase"),
                                                    scale=items)
    assert not np.allclose(expected["mean"], unweighted["mean"])


def _paired(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of participants with a value for the item both before and after."""
    ok = frame.dropna(subset=["value"])
    phases = ok.groupby(["participant_id", "item"])["phase"].nunique()
    both = phases[phases == 2].index
    return ok[pd.MultiIndex.from_frame(ok[["participant_id", "item"]]).isin(both)]
