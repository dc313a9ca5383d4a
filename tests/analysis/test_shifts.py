"""Paired shifts against R's sleep data and an exact bootstrap/recovery check."""

from __future__ import annotations

import itertools
import math
import statistics

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.shifts import bca_mean_ci, paired_shifts, wilcoxon_signed_rank

# R's `sleep` data: extra hours of sleep, group 1 and group 2, same ten patients.
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


@pytest.fixture
def sleep():
    # "after" = group 1 and "before" = group 2 so shift = group1 - group2, as R's extra ~ group
    return pd.DataFrame({"pre": SLEEP_2, "post": SLEEP_1, "item": "sleep", "arm": "x"})


def test_paired_t_matches_r_sleep(sleep):
    # R: t.test(extra ~ group, data = sleep, paired = TRUE) (R For Dummies, dummies.com):
    # t = -4.0621, df = 9, p-value = 0.002833, CI -2.4598858 -0.7001142, mean diff -1.58
    r = paired_shifts(sleep).iloc[0]
    assert r["n"] == 10
    assert r["shift"] == pytest.approx(-1.58)
    assert r["t"] == pytest.approx(-4.0621, abs=5e-5)
    assert r["df"] == 9
    assert r["p_t"] == pytest.approx(0.002833, abs=5e-7)
    assert r["ci_low"] == pytest.approx(-2.4598858, abs=5e-8)
    assert r["ci_high"] == pytest.approx(-0.7001142, abs=5e-8)


def test_wilcoxon_matches_r_sleep(sleep):
    # R: wilcox.test(extra ~ group, data = sleep, paired = TRUE): V = 0, p-value = 0.009091
    # (one zero difference is dropped; ties -> normal approximation with continuity correction).
    r = paired_shifts(sleep).iloc[0]
    assert r["wilcoxon_v"] == 0
    assert r["wilcoxon_method"] == "normal"
    assert r["p_wilcoxon"] == pytest.approx(0.009091, abs=5e-7)
    # the same number from the closed form used by R's wilcox.test.default, written out here
    d = np.array(SLEEP_1) - np.array(SLEEP_2)
    d = d[d != 0]
    n = d.size
    r_abs = stats.rankdata(np.abs(d))
    v = r_abs[d > 0].sum()
    _, ties = np.unique(r_abs, return_counts=True)
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - (ties**3 - ties).sum() / 48)
    z = v - n * (n + 1) / 4
    z = (z - math.copysign(0.5, z)) / sigma
    assert r["p_wilcoxon"] == pytest.approx(2 * stats.norm.cdf(-abs(z)), rel=1e-12)


def test_wilcoxon_exact_branch_matches_enumeration():
    # no ties, no zeros, n < 50 -> exact p; check against full enumeration of the 2^n sign flips
    d = np.array([1.5, -0.4, 2.2, 3.1, 0.9, -1.7, 2.6, 4.0])
    v, p, method = wilcoxon_signed_rank(d)
    assert method == "exact"
    ranks = stats.rankdata(np.abs(d))
    assert v == ranks[d > 0].sum()
    all_v = np.array([sum(r for r, s in zip(ranks, signs, strict=True) if s)
                      for signs in itertools.product([0, 1], repeat=d.size)])
    mean = ranks.sum() / 2
    p_enum = np.mean(np.abs(all_v - mean) >= abs(v - mean) - 1e-9)
    assert p == pytest.approx(p_enum, rel=1e-12)


def test_pratt_keeps_zeros_in_ranking():
    d = np.array([0, 0, 1, 2, -1, 3, 2, 4, 5, 1.0])
    v_w, _, _ = wilcoxon_signed_rank(d, "wilcox")
    v_p, _, _ = wilcoxon_signed_rank(d, "pratt")
    nz = d[d != 0]
    assert v_w == stats.rankdata(np.abs(nz))[nz > 0].sum()
    assert v_p == stats.rankdata(np.abs(d))[d > 0].sum()
    assert v_p > v_w


def test_all_zero_differences_give_p_one():
    assert wilcoxon_signed_rank(np.zeros(5)) == (0.0, 1.0, "none")


def test_effect_sizes_follow_lakens_2013(sleep):
    r = paired_shifts(sleep).iloc[0]
    # Lakens (2013) eq. 7: d_z = t / sqrt(n), with R's t
    assert r["d_z"] == pytest.approx(-4.0621 / math.sqrt(10), abs=2e-5)
    # eq. 10 (d_av) with Hedges' correction J = 1 - 3 / (4 df - 1), df = n - 1;
    # SDs from Python's statistics module
    sd_av = (statistics.stdev(SLEEP_1) + statistics.stdev(SLEEP_2)) / 2
    j = 1 - 3 / (4 * 9 - 1)
    assert r["g_av"] == pytest.approx(j * -1.58 / sd_av, rel=1e-12)
    assert r["sd_before"] == pytest.approx(statistics.stdev(SLEEP_2), rel=1e-12)


def test_bca_agrees_with_scipy_bootstrap():
    # scipy.stats.bootstrap(method="BCa") is an independent implementation (row resampling)
    rng = np.random.default_rng(3)
    x = rng.integers(-3, 4, size=150).astype(float)
    ours = bca_mean_ci(x, n_boot=40000, rng=1)
    ref = stats.bootstrap((x,), np.mean, n_resamples=40000, method="BCa",
                          rng=np.random.default_rng(2)).confidence_interval
    assert ours[0] == pytest.approx(ref.low, abs=0.02)
    assert ours[1] == pytest.approx(ref.high, abs=0.02)


def test_shares_and_groups(sleep):
    r = paired_shifts(sleep).iloc[0]
    assert (r["share_up"], r["share_down"]) == (0.0, 0.9)
    assert r["share_same"] == pytest.approx(0.1)
    two = pd.concat([sleep, sleep.assign(arm="y", post=sleep["pre"] + 1.0)])
    res = paired_shifts(two)
    assert list(res["arm"]) == ["x", "y"]
    assert res.loc[1, "shift"] == pytest.approx(1.0)
    assert res.loc[1, "share_up"] == 1.0


def test_input_frame_is_not_modified(sleep):
    before = sleep.copy()
    paired_shifts(sleep, n_boot=100)
    pd.testing.assert_frame_equal(sleep, before)


def test_unit_weights_equal_unweighted_and_frequency_weights_equal_repeats(sleep):
    plain = paired_shifts(sleep, n_boot=0).iloc[0]
    unit = paired_shifts(sleep.assign(w=1.0), weights="w", n_boot=0).iloc[0]
    for c in ("shift", "se", "ci_low", "ci_high", "sd_before", "sd_after", "t", "p_t"):
        assert unit[c] == pytest.approx(plain[c], rel=1e-12)
    w = np.array([1, 2, 1, 3, 1, 1, 2, 1, 1, 1.0])
    weighted = paired_shifts(sleep.assign(w=w), weights="w", n_boot=0).iloc[0]
    rep = sleep.loc[sleep.index.repeat(w.astype(int))]
    assert weighted["shift"] == pytest.approx(np.mean(rep["post"] - rep["pre"]))
    assert weighted["mean_before"] == pytest.approx(rep["pre"].mean())
    # linearisation variance, written out: n/(n-1) sum w^2 (d - dbar)^2 / (sum w)^2
    d = np.array(SLEEP_1) - np.array(SLEEP_2)
    dbar = np.average(d, weights=w)
    var = 10 / 9 * np.sum(w**2 * (d - dbar) ** 2) / w.sum() ** 2
    assert weighted["se"] == pytest.approx(math.sqrt(var), rel=1e-12)
    assert bool(weighted["weighted"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"before": "nope"}, r"column\(s\) \['nope'\] not in data"),
        ({"by": ("item", "country")}, r"\['country'\] not in data"),
        ({"level": 1.5}, "level must be between 0 and 1"),
        ({"zero_method": "zsplit"}, "zero_method must be"),
        ({"weights": "item"}, "column 'item' must be numeric"),
    ],
)
def test_bad_arguments_raise_clear_errors(sleep, kwargs, message):
    with pytest.raises(ValueError, match=message):
        paired_shifts(sleep, **kwargs)


def test_not_a_dataframe():
    with pytest.raises(ValueError, match="must be a pandas DataFrame"):
        paired_shifts({"pre": [1], "post": [2]})
