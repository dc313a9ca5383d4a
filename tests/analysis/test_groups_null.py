"""Opinion groups on noise: the gap statistic's null benchmark and the "no clear groups" verdict.

References: Tibshirani, Walther & Hastie (2001), *Estimating the number of
clusters in a data set via the gap statistic*, JRSS B 63:411-423, section 6,
simulations (a) "null model in 10 dimensions: 200 points uniform over the unit
hypercube" (the gap chose 1 in 49 of 50 runs) and (b) "three clusters in two
dimensions: standard normals of 25, 25 and 50 points centred at (0, 0),
(0, 5) and (5, -3)" (3 in 50 of 50); and the exact value of W_1, the total
sum of squares.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import groups
from analysis.pipeline import analyse_export
from analysis.report import render_report


def _chosen(x: np.ndarray, seed: int, k_max: int = 5) -> int:
    g = groups.gap_statistic(x, k_max=k_max, seed=seed)
    return int(g.loc[g["chosen"], "k"].iloc[0])


def test_the_gap_statistic_on_the_papers_simulations():
    null, three = [], []
    for s in range(5):
        rng = np.random.default_rng(100 + s)
        null.append(_chosen(rng.uniform(size=(200, 10)), s))
        x = np.r_[rng.normal(size=(25, 2)), rng.normal(size=(25, 2)) + [0, 5],
                  rng.normal(size=(50, 2)) + [5, -3]]
        three.append(_chosen(x, s))
    assert null == [1] * 5 and three == [3] * 5
    g = groups.gap_statistic(x, seed=0)
    assert g.loc[0, "log_w"] == pytest.approx(np.log(((x - x.mean(axis=0)) ** 2).sum()))
    assert (g["gap_se"] > 0).all() and g["chosen"].sum() == 1


def _long(x: np.ndarray) -> pd.DataFrame:
    cols = [f"i{j}" for j in range(x.shape[1])]
    return (pd.DataFrame(x, columns=cols).rename_axis("participant_id").reset_index()
            .melt(id_vars="participant_id", var_name="item", value_name="value"))


def test_noise_yields_no_clear_groups_and_camps_yield_clear_ones():
    rng = np.random.default_rng(5)
    n, k = 600, 12
    scale = pd.DataFrame({"item": [f"i{j}" for j in range(k)], "scale_min": 1.0,
                          "scale_max": 7.0})
    noise = groups.opinion_groups(_long(rng.integers(1, 8, size=(n, k))), scale)
    v = noise["verdict"].iloc[0]
    assert v["verdict"] == groups.NO_CLEAR_GROUPS and v["k_gap"] == 1
    # the silhouettes alone would still have named groups, at a noise-level score
    assert v["k_silhouette"] >= 2 and 0.25 < v["silhouette"] < 0.45
    assert noise["choice"]["k"].tolist() == [1, 2, 3, 4, 5]
    centres = np.array([[2] * 6 + [6] * 6, [6] * 6 + [2] * 6, [4] * 12])
    x = np.clip(np.round(centres[rng.integers(0, 3, n)] + rng.normal(0, 0.8, (n, k))), 1, 7)
    camps = groups.opinion_groups(_long(x), scale)
    v = camps["verdict"].iloc[0]
    assert v["verdict"] == groups.CLEAR_GROUPS and v["k"] == v["k_gap"] == 3


def test_the_report_shows_the_verdict(demo):
    res = analyse_export(demo, n_boot=0)
    v = res.groups_verdict.iloc[0]
    assert v["verdict"] in (groups.CLEAR_GROUPS, groups.NO_CLEAR_GROUPS)
    html = render_report(res)
    assert f"Verdict: {v['verdict']}" in html


def test_the_gap_statistic_without_spread_is_one_group_and_warns_nothing():
    # Identical answers: W_k is 0 for every k, so the paper's log W_k is
    # undefined; there is nothing to split, one group (filterwarnings=error
    # would fail on numpy's divide-by-zero warning, as it did before).
    g = groups.gap_statistic(np.ones((30, 3)), seed=0)
    assert g["k"].tolist() == [1] and g["chosen"].tolist() == [True]


def test_the_gap_statistic_on_two_answer_patterns_finds_two_groups():
    # Two distinct answer patterns, 20 people each: W_2 = 0, so Gap(2) is
    # +inf (a perfect split) and the paper's rule chooses k = 2; k-means is
    # not asked for more groups than there are distinct points.
    x = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0]]), 20, axis=0)
    g = groups.gap_statistic(x, seed=0)
    assert g["k"].tolist() == [1, 2]
    assert int(g.loc[g["chosen"], "k"].iloc[0]) == 2


def test_answers_without_two_directions_of_spread_are_refused_in_words():
    # a pilot where everyone answered alike (the housing study's bots): PCA's shares of
    # variance would divide by zero; the report then says why it shows no groups
    scale = pd.DataFrame({"item": [f"i{j}" for j in range(4)], "scale_min": 1, "scale_max": 7})
    alike = np.tile([2, 5, 3, 6], (12, 1))
    with pytest.raises(ValueError, match="fewer than two directions"):
        groups.opinion_groups(_long(alike), scale)
    one_line = np.outer(np.arange(12) % 7 + 1, [1, 1, 1, 1])  # spread along one line only
    with pytest.raises(ValueError, match="fewer than two directions"):
        groups.opinion_groups(_long(one_line), scale)
