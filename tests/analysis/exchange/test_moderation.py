"""Moderation fairness: rejection rates, the test of equal rates, moderators' kappa."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from analysis.exchange.moderation import (
    cohen_kappa,
    equal_rates_test,
    moderator_agreement,
    rejection_rates,
)


def test_chi_square_matches_agrestis_party_identification_table():
    # Agresti (2007), An Introduction to Categorical Data Analysis, 2nd ed., Table 2.5:
    # party identification by gender, X^2 = 30.1 on df = 2. Here as "levels" with the
    # first column playing "rejected" is not possible (3 columns), so the 2 x 3 table is
    # read transposed: levels = parties, rejected = females, decided = females + males.
    rates = pd.DataFrame({"level": ["dem", "ind", "rep"], "rejected": [762, 327, 468],
                          "decided": [762 + 484, 327 + 239, 468 + 477]})
    out = equal_rates_test(rates)
    assert out["chi2"] == pytest.approx(30.07, abs=0.01) and out["df"] == 2
    assert out["p"] < 1e-6 and out["n"] == 2757
    # and by the formula, independently
    obs = np.array([[762, 327, 468], [484, 239, 477]], float)
    exp = obs.sum(1, keepdims=True) * obs.sum(0, keepdims=True) / obs.sum()
    assert out["chi2"] == pytest.approx(((obs - exp) ** 2 / exp).sum(), rel=1e-12)


def test_kappa_matches_the_textbook_example_and_sklearn():
    # 50 items, both say yes 20, yes/no 5, no/yes 10, both no 15: kappa = 0.4
    # (the worked example of Cohen's kappa on Wikipedia, after Cohen 1960)
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    rng = np.random.default_rng(1)
    x = rng.choice(["approve", "reject", "report_hold"], 200)
    y = np.where(rng.random(200) < 0.7, x, rng.choice(["approve", "reject"], 200))
    assert cohen_kappa(x, y) == pytest.approx(cohen_kappa_score(x, y), rel=1e-12)


def test_rates_count_only_decided_participant_statements():
    st = pd.DataFrame({"statement": range(1, 8), "seed": [0, 0, 0, 0, 1, 0, 0],
                       "placebo": [0, 0, 0, 0, 0, 1, 0],
                       "status": ["approved", "rejected", "rejected", "pending", "approved",
                                  "approved", "withdrawn"]})
    groups = pd.Series({1: "left", 2: "left", 3: "right", 4: "right"})
    out = rejection_rates(st, groups).set_index("level")
    assert out.loc["left", "decided"] == 2 and out.loc["left", "rate"] == 0.5
    assert out.loc["right", "decided"] == 1 and out.loc["right", "rate"] == 1.0


def test_moderator_agreement_pairs_the_blind_second_coding(demo):
    m = demo.exchange["moderation"]
    out = moderator_agreement(m)
    assert out["n"] == int((m["second"] == 1).sum()) > 0
    first = m[m["second"] == 0].set_index("statement")["decision"]
    second = m[m["second"] == 1].set_index("statement")["decision"]
    assert out["kappa"] == pytest.approx(cohen_kappa_score(first.loc[second.index], second))
