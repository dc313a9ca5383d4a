"""Checks beside the bridging scores, each against a hand computation or a textbook value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.exchange.checks import (
    learned_factor,
    penalty_sensitivity,
    polis_consensus,
    rater_bootstrap,
    split_half,
)
from analysis.synthetic_exchange import simulate_fairness


def test_polis_consensus_uses_the_jeffreys_prior_per_group():
    # group a: 3 agrees of 4 answers (one unsure); group b: 0 of 2
    r = pd.DataFrame({"rater": [1, 2, 3, 4, 5, 6, 7], "statement": 3,
                      "agree": ["agree", "agree", "agree", "unsure", "disagree", "disagree",
                                None]})
    groups = pd.Series({1: "a", 2: "a", 3: "a", 4: "a", 5: "b", 6: "b", 7: "b"})
    out = polis_consensus(r, groups).loc[3]
    assert out["agree_a"] == pytest.approx(3.5 / 5)  # (A + 1/2) / (S + 1)
    assert out["agree_b"] == pytest.approx(0.5 / 3)
    assert out["consensus"] == pytest.approx(3.5 / 5 * 0.5 / 3)


def test_split_half_reliability_is_the_spearman_brown_step_up():
    sim = simulate_fairness(seed=2)
    half = split_half(sim.ratings, sim.anchors, sim.centres, seed=1)
    r = half["r_half"]
    # Spearman-Brown for a doubled test: r = 0.6 gives 0.75 (Lord & Novick 1968, eq. 5.13.1)
    assert half["reliability"] == pytest.approx(2 * r / (1 + r))
    assert 0.5 < half["reliability"] <= 1 and half["statements"] == 60


def test_the_rater_bootstrap_agrees_with_the_model_standard_errors():
    sim = simulate_fairness(seed=3, link="linear")
    boot = rater_bootstrap(sim.ratings, sim.anchors, sim.centres, n_boot=40, seed=2)
    assert 0.7 <= boot["ratio"].median() <= 1.3, boot["ratio"].median()


def test_the_learned_factor_finds_the_opinion_axis_only_with_many_ratings_per_rater():
    dense = simulate_fairness(n_statements=80, per_statement=45, raters_per_camp=30, seed=4)
    assert dense.ratings.groupby("rater").size().mean() >= 30
    g, _ = learned_factor(dense.ratings)
    assert abs(np.corrcoef(g, dense.anchors.loc[g.index, "z1"])[0, 1]) >= 0.8


def test_scores_barely_move_between_penalties_two_and_ten():
    sim = simulate_fairness(seed=5)
    out = penalty_sensitivity(sim.ratings, sim.anchors, sim.centres)
    assert out["lam"].tolist() == [2.0, 5.0, 10.0]
    assert out.loc[1, "spearman_vs_5"] == pytest.approx(1.0)
    assert (out["spearman_vs_5"] > 0.95).all()
