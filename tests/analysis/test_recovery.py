"""Recovery on synthetic data with exactly known effects (bounded, seeded simulation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.effects import ancova, diff_in_diff
from analysis.shifts import paired_shifts
from analysis.synthetic import make_demo_data

REPS = 200
ITEMS = ["support_accord", "therm_negotiators"]


def _pairs(answers: pd.DataFrame, items) -> pd.DataFrame:
    a = answers[answers["phase"].isin(["pre", "post"]) & answers["item"].isin(items)]
    w = a.pivot_table(index=["participant_id", "arm", "item"], columns="phase",
                      values="value", aggfunc="first").reset_index()
    return w.dropna(subset=["pre", "post"])


@pytest.fixture(scope="module")
def simulation():
    """REPS independent campaigns (accord vs control, 60 per arm, no speeders)."""
    shifts, effects, truth = [], [], None
    for rep in range(REPS):
        d = make_demo_data(60, seed=1000 + rep, arms=("accord", "control"), speeder_rate=0.0)
        pairs = _pairs(d.answers, ITEMS).astype({"pre": float, "post": float})
        shifts.append(paired_shifts(pairs, n_boot=400, seed=rep).assign(rep=rep))
        effects.append(ancova(pairs).assign(rep=rep, kind="ancova"))
        effects.append(diff_in_diff(pairs).assign(rep=rep, kind="did"))
        truth = d.truth
    return pd.concat(shifts), pd.concat(effects), truth


def _covered(frame, low, high, true):
    return (frame[low] <= true) & (true <= frame[high])


def _binomial_ok(hits: int, n: int, p: float = 0.95) -> bool:
    # two-sided 99.9% acceptance region of Binomial(n, 0.95): fails ~1 in 1000 runs by chance
    lo, hi = stats.binom.ppf([0.0005, 0.9995], n, p)
    return lo <= hits <= hi


@pytest.mark.parametrize("item", ITEMS)
@pytest.mark.parametrize("arm", ["accord", "control"])
def test_t_interval_covers_the_true_shift(simulation, item, arm):
    shifts, _, truth = simulation
    true = truth.set_index(["arm", "item"]).loc[(arm, item), "true_shift"]
    rows = shifts[(shifts["item"] == item) & (shifts["arm"] == arm)]
    assert len(rows) == REPS
    hits = int(_covered(rows, "ci_low", "ci_high", true).sum())
    assert _binomial_ok(hits, REPS), f"{hits}/{REPS} t intervals cover {true}"


def test_bca_interval_covers_the_true_shift(simulation):
    shifts, _, truth = simulation
    t = truth.set_index(["arm", "item"])["true_shift"]
    true = t.reindex(pd.MultiIndex.from_frame(shifts[["arm", "item"]])).to_numpy()
    hits = int(((shifts["boot_low"] <= true) & (true <= shifts["boot_high"])).sum())
    # BCa with n = 60 is known to undercover slightly; accept 91-99 % over 800 intervals
    assert 0.91 * len(shifts) <= hits <= 0.99 * len(shifts), hits


@pytest.mark.parametrize("kind", ["ancova", "did"])
def test_effect_intervals_cover_the_true_effect(simulation, kind):
    _, effects, truth = simulation
    true = truth.set_index(["arm", "item"])["true_effect_vs_control"]
    for item in ITEMS:
        rows = effects[(effects["kind"] == kind) & (effects["item"] == item)]
        tv = true.loc[("accord", item)]
        hits = int(_covered(rows, "ci_low", "ci_high", tv).sum())
        assert _binomial_ok(hits, REPS), f"{kind} {item}: {hits}/{REPS} cover {tv}"


def test_ancova_recovers_a_known_effect_without_bias(simulation):
    _, effects, truth = simulation
    for item in ITEMS:
        rows = effects[(effects["kind"] == "ancova") & (effects["item"] == item)]
        tv = truth.set_index(["arm", "item"]).loc[("accord", item), "true_effect_vs_control"]
        assert tv > 0
        # mean of 200 estimates is within 3 Monte Carlo standard errors of the truth
        mc_se = rows["estimate"].std() / np.sqrt(REPS)
        assert abs(rows["estimate"].mean() - tv) < 3 * mc_se
        # and ANCOVA is at least as precise as difference in differences here
        did = effects[(effects["kind"] == "did") & (effects["item"] == item)]
        assert rows["estimate"].std() <= did["estimate"].std() * 1.02


def test_large_sample_ancova_hits_the_effect():
    d = make_demo_data(3000, seed=5, arms=("accord", "control"),
                       effects={("accord", "support_accord"): 0.8})
    pairs = _pairs(d.answers, ["support_accord"])
    res = ancova(pairs.astype({"pre": float, "post": float})).iloc[0]
    tv = d.truth.set_index(["arm", "item"]).loc[("accord", "support_accord"),
                                                "true_effect_vs_control"]
    assert res["ci_low"] < tv < res["ci_high"]
    assert abs(res["estimate"] - tv) < 0.1
