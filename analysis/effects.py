"""Treatment effects against the control arm: ANCOVA (primary) and difference in differences.

Both take the before/after pairs frame (one row per participant and item,
see :func:`analysis.tidy.pairs`) and return one row per item x treated arm.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from analysis.inputs import check_frame

__all__ = ["ancova", "diff_in_diff", "robust_ols"]


def robust_ols(y: np.ndarray, x_mat: np.ndarray, weights: np.ndarray | None = None,
               cov_type: str = "HC2"):
    """Least squares with a heteroskedasticity-consistent covariance.

    Thin wrapper over ``statsmodels`` ``OLS``/``WLS`` ``.fit(cov_type=..., use_t=True)``:
    inference uses the t distribution with the residual degrees of freedom
    (as R's ``lmtest::coeftest(fit, vcov = sandwich::vcovHC(fit, "HC2"))``).

    Notes
    -----
    HC2 (MacKinnon & White 1985):
    :math:`(X'X)^{-1} X' \\mathrm{diag}(e_i^2 / (1 - h_{ii})) X (X'X)^{-1}`, with
    :math:`h_{ii}` the leverages. For a single binary regressor it equals the
    unequal-variance (Welch) standard error of the difference in means.
    """
    model = sm.OLS(y, x_mat) if weights is None else sm.WLS(y, x_mat, weights=weights)
    return model.fit(cov_type=cov_type, use_t=True)


def ancova(
    data: pd.DataFrame,
    before: str = "pre",
    after: str = "post",
    group: str = "arm",
    control: str = "control",
    by: Sequence[str] = ("item",),
    *,
    weights: str | None = None,
    cov_type: str = "HC2",
    level: float = 0.95,
) -> pd.DataFrame:
    """Effect of each arm against control on the after answer, adjusting for before.

    Fits, within each ``by`` group, ``after ~ C(group, Treatment(control)) + before``
    by least squares (weighted when ``weights`` is given) and reports each arm's
    coefficient with heteroskedasticity-robust (default HC2) standard errors.

    Parameters
    ----------
    data : DataFrame
        One row per participant and item with ``before``, ``after``, ``group``.
    before, after, group : str
        Column names.
    control : str
        Value of ``group`` that is the control arm.
    by : sequence of str
        One model per group (default per item).
    weights : str, optional
        Column of survey weights (WLS).
    cov_type : str
        Covariance estimator passed to statsmodels (``"HC2"`` default; ``"HC3"``,
        ``"HC1"``, ``"nonrobust"`` ...).
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        ``by`` columns, ``arm``, ``estimate`` (adjusted difference in mean after
        answer, arm minus control), ``se``, ``ci_low``, ``ci_high``, ``t``,
        ``df`` (residual df), ``p``, ``n_arm``, ``n_control``, ``slope_before``,
        ``method``. When the before answer is constant within a group the
        model drops it (``slope_before`` NaN, and ``method`` says so). An arm
        with a single participant has an estimate but no ``se``, CI, ``t`` or
        ``p`` (NaN): its HC2 variance is undefined (leverage 1).

    Notes
    -----
    Model: :math:`y_i = \\alpha + \\sum_k \\tau_k T_{ik} + \\beta x_i + e_i`, with
    :math:`T_{ik}` the indicator of arm *k* and *x* the before answer. Under
    randomisation :math:`\\tau_k` estimates the average effect of arm *k* on
    the after answer, and the adjustment for *x* only removes noise; the
    robust covariance keeps the inference valid when arms differ in
    variance (Lin 2013). One model per group includes all arms, so arms share
    the slope :math:`\\beta`.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"item": "q", "arm": ["a"] * 4 + ["control"] * 4,
    ...                   "pre": [3, 4, 2, 5, 3, 4, 2, 5], "post": [5, 5, 4, 6, 3, 5, 2, 5]})
    >>> ancova(d)[["item", "arm", "estimate"]].round(3).to_dict("records")
    [{'item': 'q', 'arm': 'a', 'estimate': 1.25}]
    """
    by = list(by)
    cols = [before, after, group, *by] + ([weights] if weights else [])
    check_frame(data, cols, group=group, control=control)
    df = data[cols].dropna(subset=[before, after, group])
    rows = []
    groups = df.groupby(by, sort=True, observed=True) if by else [((), df)]
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        arms = [a for a in sorted(pd.unique(sub[group])) if a != control]
        n_ctrl = int((sub[group] == control).sum())
        if not arms or n_ctrl == 0:
            continue
        dummies = (sub[group].to_numpy()[:, None] == np.array(arms)[None, :]).astype(float)
        x = sub[before].to_numpy(dtype=float)
        # A before answer that is the same for everyone carries no information
        # and would make the design singular: fit the unadjusted model then.
        adjusted = bool(np.ptp(x) > 0)
        columns = [np.ones(len(sub)), dummies] + ([x] if adjusted else [])
        x_mat = np.column_stack(columns)
        y = sub[after].to_numpy(dtype=float)
        if len(sub) <= x_mat.shape[1]:
            continue
        w = sub[weights].to_numpy(dtype=float) if weights else None
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # An arm of one participant has leverage 1: HC2 divides by 1 - h = 0 and
            # its variance is undefined (rounding makes it 0, NaN or negative). Its
            # se, CI, t and p become NaN (not a warning that stops a report); the
            # report shows such a cell as too small anyway.
            warnings.simplefilter("ignore", RuntimeWarning)
            fit = robust_ols(y, x_mat, w, cov_type)
            ci = fit.conf_int(alpha=1 - level)
            se, tvals, pvals = fit.bse, fit.tvalues, fit.pvalues
        bad = ~np.isfinite(se) | (se <= 0)
        for k, arm in enumerate(arms, start=1):
            # one participant: the arm's variance cannot be estimated at all
            undefined = bool(bad[k]) or dummies[:, k - 1].sum() < 2
            rows.append({
                **dict(zip(by, key, strict=True)),
                "arm": arm,
                "estimate": fit.params[k],
                "se": np.nan if undefined else se[k],
                "ci_low": np.nan if undefined else ci[k, 0],
                "ci_high": np.nan if undefined else ci[k, 1],
                "t": np.nan if undefined else tvals[k],
                "df": fit.df_resid,
                "p": np.nan if undefined else pvals[k],
                "n_arm": int(dummies[:, k - 1].sum()),
                "n_control": n_ctrl,
                "slope_before": fit.params[-1] if adjusted else np.nan,
                "method": f"ANCOVA ({'WLS' if weights else 'OLS'}, {cov_type})"
                + ("" if adjusted else "; before constant, unadjusted"),
            })
    return pd.DataFrame(rows, columns=[*by, "arm", "estimate", "se", "ci_low", "ci_high", "t",
                                       "df", "p", "n_arm", "n_control", "slope_before",
                                       "method"])


def diff_in_diff(
    data: pd.DataFrame,
    before: str = "pre",
    after: str = "post",
    group: str = "arm",
    control: str = "control",
    by: Sequence[str] = ("item",),
    *,
    weights: str | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Difference in differences: each arm's mean shift minus the control arm's.

    Parameters
    ----------
    As :func:`ancova`.

    Returns
    -------
    DataFrame
        ``by`` columns, ``arm``, ``shift_arm``, ``shift_control``, ``estimate``
        (their difference), ``se``, ``ci_low``, ``ci_high``, ``t``, ``df``,
        ``p``, ``n_arm``, ``n_control``, ``method``.

    Notes
    -----
    With change scores :math:`d = after - before`, the estimate is
    :math:`\\bar d_{arm} - \\bar d_{control}`, tested with Welch's unequal
    variance t test: :math:`SE = \\sqrt{s_a^2/n_a + s_c^2/n_c}` and
    Welch-Satterthwaite df
    :math:`(s_a^2/n_a + s_c^2/n_c)^2 / ((s_a^2/n_a)^2/(n_a-1) + (s_c^2/n_c)^2/(n_c-1))`.
    With weights, means are weighted, each arm's variance of the mean is the
    linearisation estimate (see :func:`analysis.shifts.paired_shifts`), which
    takes the place of :math:`s^2/n` in the SE and the Welch-Satterthwaite df
    (with equal weights both reduce to Welch's test).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"item": "q", "arm": ["a"] * 4 + ["control"] * 4,
    ...                   "pre": [3, 4, 2, 5, 3, 4, 2, 5], "post": [5, 5, 4, 6, 3, 5, 2, 5]})
    >>> diff_in_diff(d)[["item", "arm", "estimate"]].to_dict("records")
    [{'item': 'q', 'arm': 'a', 'estimate': 1.25}]
    """
    by = list(by)
    cols = [before, after, group, *by] + ([weights] if weights else [])
    check_frame(data, cols, group=group, control=control)
    df = data[cols].dropna(subset=[before, after, group]).copy()
    df["_d"] = df[after] - df[before]
    w = df[weights] if weights else pd.Series(1.0, index=df.index)
    df["_w"] = w
    df["_wd"] = w * df["_d"]
    keys = [*by, group]
    g = df.groupby(keys, sort=True, observed=True)
    s = g[["_w", "_wd"]].sum()
    n = g.size()
    mean = s["_wd"] / s["_w"]
    codes = g.ngroup().to_numpy()
    dev = df["_d"].to_numpy() - mean.to_numpy()[codes]
    ww = df["_w"].to_numpy()
    lin = pd.Series(ww**2 * dev**2).groupby(codes).sum().to_numpy()
    nn = n.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if weights:
            var_mean = nn / (nn - 1) * lin / s["_w"].to_numpy() ** 2
        else:
            var = pd.Series(dev**2).groupby(codes).sum().to_numpy() / (nn - 1)
            var_mean = var / nn
    cell = pd.DataFrame({"n": nn, "mean": mean.to_numpy(), "vm": var_mean}, index=n.index)
    cell = cell.reset_index()
    ctrl = cell[cell[group] == control].drop(columns=group)
    trt = cell[cell[group] != control]
    m = trt.merge(ctrl, on=by, suffixes=("", "_c")) if by else trt.merge(ctrl, how="cross",
                                                                          suffixes=("", "_c"))
    est = m["mean"] - m["mean_c"]
    se = np.sqrt(m["vm"] + m["vm_c"])
    with np.errstate(divide="ignore", invalid="ignore"):
        # Welch-Satterthwaite df; weighted, with the linearisation variances
        dfree = (m["vm"] + m["vm_c"]) ** 2 / (
            m["vm"] ** 2 / (m["n"] - 1) + m["vm_c"] ** 2 / (m["n_c"] - 1)
        )
        t = est / se
        p = 2 * stats.t.sf(np.abs(t), dfree)
        crit = stats.t.ppf(1 - (1 - level) / 2, dfree)
    out = m[by].copy()
    out["arm"] = m[group].to_numpy()
    out["shift_arm"] = m["mean"]
    out["shift_control"] = m["mean_c"]
    out["estimate"] = est
    out["se"] = se
    out["ci_low"] = est - crit * se
    out["ci_high"] = est + crit * se
    out["t"] = t
    out["df"] = dfree
    out["p"] = p
    out["n_arm"] = m["n"].astype("int64")
    out["n_control"] = m["n_c"].astype("int64")
    out["method"] = "difference in differences (Welch)" if not weights else \
        "difference in differences (weighted, linearised SE)"
    return out.reset_index(drop=True)
