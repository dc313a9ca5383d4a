"""Pairwise choices: Bradley-Terry against an independent optimiser, Schulze against Wikipedia."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize

from analysis.exchange.pairwise import bradley_terry, schulze


def test_schulze_reproduces_the_worked_example_of_the_wikipedia_article():
    # en.wikipedia.org/wiki/Schulze_method, "Example": 45 voters, 5 candidates;
    # the strongest paths give the order E > A > C > B > D, winner E.
    orders = [(5, "ACBED"), (5, "ADECB"), (8, "BEDAC"), (3, "CABED"), (7, "CAEBD"),
              (2, "CBADE"), (7, "DCEBA"), (8, "EBADC")]
    ballots = pd.DataFrame([{c: o.index(c) + 1 for c in "ABCDE"} for _, o in orders])
    out = schulze(ballots, [w for w, _ in orders])
    assert out.index.tolist() == ["E", "A", "C", "B", "D"]
    assert out["rank"].tolist() == [1, 2, 3, 4, 5]


def test_bradley_terry_is_the_penalised_logistic_optimum_found_by_scipy():
    rng = np.random.default_rng(5)
    raters = np.arange(120)
    z = pd.DataFrame({"z1": rng.normal(size=120)}, index=raters)
    theta, phi = np.array([0.8, 0.2, -0.1, -0.9]), np.array([0.5, -0.4, 0.0, 0.1])
    rows = []
    for r in raters:  # a test fixture: two choices per rater
        for _ in range(2):
            a, b = rng.choice(4, 2, replace=False)
            eta = theta[a] - theta[b] + z.loc[r, "z1"] * (phi[a] - phi[b])
            chosen = a if rng.random() < 1 / (1 + np.exp(-eta)) else b
            rows.append((r, a + 10, b + 10, chosen + 10))
    pairs = pd.DataFrame(rows, columns=["rater", "left", "right", "chosen"])
    lam = 2.0
    ours = bradley_terry(pairs, z, lam=lam)
    # independently: the same penalised log-likelihood minimised by scipy's BFGS
    li, ri = pairs["left"].to_numpy() - 10, pairs["right"].to_numpy() - 10
    y = (pairs["chosen"] == pairs["left"]).to_numpy(float)
    zz = z.loc[pairs["rater"], "z1"].to_numpy()

    def loss(b):
        eta = b[li] - b[ri] + zz * (b[4 + li] - b[4 + ri])
        return np.sum(np.logaddexp(0, eta) - y * eta) + lam / 2 * np.sum(b**2)

    ref = optimize.minimize(loss, np.zeros(8), method="BFGS", options={"gtol": 1e-10})
    np.testing.assert_allclose(ours["strength"], ref.x[:4], atol=1e-6)
    np.testing.assert_allclose(ours["slope_z1"], ref.x[4:], atol=1e-6)
    assert ours["n_pairs"].sum() == 2 * len(pairs)
    assert ours["strength"].idxmin() == 13  # the clearly weakest statement is found


def test_choices_without_an_answer_are_left_out():
    p = pd.DataFrame({"rater": [1, 1, 2], "left": [7, 8, 7], "right": [8, 9, 9],
                      "chosen": [7, None, 9]})
    out = bradley_terry(p, pd.DataFrame({"z1": [0.0, 1.0]}, index=[1, 2]))
    assert out["n_pairs"].sum() == 4 and out["wins"].sum() == 2
    assert out["wins"].to_dict() == {7: 1, 8: 0, 9: 1}
