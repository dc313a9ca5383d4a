"""ANCOVA with HC2 and difference in differences against outside references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.regression.tests.results.results_regression import Longley

from analysis.effects import ancova, diff_in_diff, robust_ols

SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def test_robust_ols_hc2_matches_stata_longley():
    # statsmodels' stored Stata results for the Longley data (results_regression.Longley.HC2_se)
    data = sm.datasets.longley.load()
    x_mat = sm.add_constant(np.asarray(data.exog, dtype=float), prepend=False)
    fit = robust_ols(np.asarray(data.endog, dtype=float), x_mat)
    # the stored values are rounded to 5 decimals (0.03653 has 4 significant digits)
    np.testing.assert_allclose(fit.bse, Longley().HC2_se, rtol=1.5e-4)


def _ancova_data(rng, n=120):
    arm = np.repeat(["control", "a", "b"], n)
    pre = rng.integers(1, 8, size=arm.size).astype(float)
    post = np.clip(pre + (arm == "a") * 0.8 + rng.normal(0, 1 + (arm == "b"), arm.size), 1, 7)
    return pd.DataFrame({"item": "x", "arm": arm, "pre": pre, "post": post})


def test_ancova_matches_the_hc2_sandwich_written_out():
    # independent computation: numpy least squares and the HC2 formula
    # (x_mat'x_mat)^-1 x_mat' diag(e^2 / (1 - h)) x_mat (x_mat'x_mat)^-1  (MacKinnon & White 1985)
    df = _ancova_data(np.random.default_rng(7))
    res = ancova(df).set_index("arm")
    x_mat = np.column_stack([np.ones(len(df)), df["arm"] == "a", df["arm"] == "b", df["pre"]])
    x_mat = x_mat.astype(float)
    y = df["post"].to_numpy()
    beta = np.linalg.lstsq(x_mat, y, rcond=None)[0]
    e = y - x_mat @ beta
    xtx_inv = np.linalg.inv(x_mat.T @ x_mat)
    h = np.einsum("ij,jk,ik->i", x_mat, xtx_inv, x_mat)
    cov = xtx_inv @ (x_mat.T * (e**2 / (1 - h))) @ x_mat @ xtx_inv
    assert res.loc["a", "estimate"] == pytest.approx(beta[1], rel=1e-10)
    assert res.loc["b", "estimate"] == pytest.approx(beta[2], rel=1e-10)
    assert res.loc["a", "se"] == pytest.approx(np.sqrt(cov[1, 1]), rel=1e-10)
    assert res.loc["b", "se"] == pytest.approx(np.sqrt(cov[2, 2]), rel=1e-10)
    assert res.loc["a", "df"] == len(df) - 4
    assert res.loc["a", "n_control"] == 120


def test_diff_in_diff_is_welch_on_change_scores_r_sleep():
    # R: t.test(extra ~ group, sleep) (Welch; Cookbook for R): t = -1.8608, df = 17.776,
    # p-value = 0.07939. Fed as change scores (pre = 0) of a treated arm (group 1) vs control.
    df = pd.DataFrame({"item": "sleep", "pre": 0.0, "post": SLEEP_1 + SLEEP_2,
                       "arm": ["t"] * 10 + ["control"] * 10})
    r = diff_in_diff(df).iloc[0]
    assert r["estimate"] == pytest.approx(0.75 - 2.33)
    assert r["t"] == pytest.approx(-1.8608, abs=5e-5)
    assert r["df"] == pytest.approx(17.776, abs=5e-4)
    assert r["p"] == pytest.approx(0.07939, abs=5e-6)


def test_inputs_not_modified_and_validation():
    df = _ancova_data(np.random.default_rng(1))
    copy = df.copy()
    ancova(df)
    diff_in_diff(df)
    pd.testing.assert_frame_equal(df, copy)
    with pytest.raises(ValueError, match="control 'placebo' is not a value of column 'arm'"):
        ancova(df, control="placebo")
    with pytest.raises(ValueError, match=r"\['score'\] not in data"):
        diff_in_diff(df, after="score")


def test_weighted_ancova_with_unit_weights_equals_unweighted():
    df = _ancova_data(np.random.default_rng(2)).assign(w=1.0)
    a = ancova(df)
    b = ancova(df, weights="w")
    np.testing.assert_allclose(a["estimate"], b["estimate"])
    np.testing.assert_allclose(a["se"], b["se"])


def test_ancova_with_a_constant_before_answer_fits_the_unadjusted_model():
    """With no variation before, ANCOVA reduces to the difference in after means
    (checked against the Welch/HC2 identity for one binary regressor)."""
    import numpy as np
    import pandas as pd

    from analysis.effects import ancova

    data = pd.DataFrame({
        "item": "x", "arm": ["control"] * 4 + ["a"] * 4, "pre": 3.0,
        "post": [1.0, 2.0, 3.0, 2.0, 4.0, 5.0, 3.0, 4.0],
    })
    row = ancova(data).iloc[0]
    assert row["estimate"] == pytest.approx(4.0 - 2.0)
    welch_se = np.sqrt(np.var([1, 2, 3, 2], ddof=1) / 4 + np.var([4, 5, 3, 4], ddof=1) / 4)
    assert row["se"] == pytest.approx(welch_se)
    assert np.isnan(row["slope_before"]) and "unadjusted" in row["method"]
