"""Polarisation of one item's answers: spread, bimodality, Esteban-Ray, distances."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["bimodality_coefficient", "esteban_ray", "polarisation_measures", "group_distance"]


def bimodality_coefficient(x) -> float:
    """Sample bimodality coefficient (SAS 1990; Pfister et al. 2013).

    Notes
    -----
    :math:`BC = \\frac{g^2 + 1}{k + \\frac{3 (n-1)^2}{(n-2)(n-3)}}` with *g* the
    sample skewness and *k* the sample excess kurtosis, both bias-corrected
    (``scipy.stats.skew/kurtosis(bias=False)``). BC > 5/9 (the value of a
    uniform distribution) suggests bimodality; a normal distribution gives 1/3.
    Needs n >= 4 and some spread; otherwise NaN.
    """
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n < 4 or np.ptp(x) == 0:
        return np.nan
    g = stats.skew(x, bias=False)
    k = stats.kurtosis(x, fisher=True, bias=False)
    return float((g**2 + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))))


def esteban_ray(x, alpha: float = 1.6, lo: float | None = None, hi: float | None = None) -> float:
    """Esteban-Ray (1994) polarisation index of discrete answers.

    Parameters
    ----------
    x : array
        Answers (each distinct value is a group).
    alpha : float
        Polarisation sensitivity, in [0, 1.6] (Esteban & Ray 1994); 0 gives the
        Gini mean difference (times the mean), 1.6 the most polarisation-sensitive.
    lo, hi : float, optional
        Scale ends; answers are rescaled to [0, 1] so the index compares across
        scales. Default: the observed range.

    Notes
    -----
    :math:`ER = \\sum_i \\sum_j \\pi_i^{1+\\alpha} \\pi_j |y_i - y_j|` with
    :math:`\\pi_i` the share of answers at value :math:`y_i` (scaled to [0, 1]),
    normalising constant K = 1. Its maximum, two equal masses at the ends,
    is :math:`2 \\cdot 0.5^{2+\\alpha}`.
    """
    if not 0 <= alpha <= 1.6:
        raise ValueError("alpha must be in [0, 1.6]")
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return np.nan
    lo = x.min() if lo is None else lo
    hi = x.max() if hi is None else hi
    if hi == lo:
        return 0.0
    y, c = np.unique((x - lo) / (hi - lo), return_counts=True)
    p = c / c.sum()
    return float(np.sum(p[:, None] ** (1 + alpha) * p[None, :] * np.abs(y[:, None] - y[None, :])))


def polarisation_measures(
    data: pd.DataFrame,
    value: str = "value",
    by: Sequence[str] = ("item", "arm", "phase"),
    scale: pd.DataFrame | None = None,
    alpha: float = 1.6,
) -> pd.DataFrame:
    """Polarisation measures per group.

    Parameters
    ----------
    data : DataFrame
        Long answers.
    value : str
        Numeric answer column.
    by : sequence of str
        Grouping columns; must include ``item`` when ``scale`` is given.
    scale : DataFrame, optional
        ``item, scale_min, scale_max`` (``Export.items``) for the midpoint and
        the Esteban-Ray rescaling; default: observed range per group.
    alpha : float
        Esteban-Ray sensitivity.

    Returns
    -------
    DataFrame
        ``by`` columns, ``n``, ``mean``, ``sd``, ``bimodality``, ``esteban_ray``,
        ``dist_midpoint`` (mean absolute distance from the scale midpoint, as a
        share of the half-range: 0 all at the midpoint, 1 all at the ends),
        ``share_extreme`` (answers at either end).
    """
    by = list(by)
    missing = [c for c in [value, *by] if c not in data.columns]
    if missing:
        raise ValueError(f"column(s) {missing} not in data")
    d = data[[*by, value]].dropna(subset=[value])
    if scale is not None:
        if "item" not in by:
            raise ValueError("by must include 'item' when scale is given")
        d = d.merge(scale[["item", "scale_min", "scale_max"]], on="item", how="left")
    rows = []
    for key, sub in d.groupby(by, observed=True, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        x = sub[value].to_numpy(dtype=float)
        if scale is not None:
            lo, hi = float(sub["scale_min"].iloc[0]), float(sub["scale_max"].iloc[0])
        else:
            lo, hi = float(x.min()), float(x.max())
        mid, half = (lo + hi) / 2, (hi - lo) / 2
        rows.append({
            **dict(zip(by, key, strict=True)),
            "n": x.size,
            "mean": x.mean(),
            "sd": x.std(ddof=1) if x.size > 1 else np.nan,
            "bimodality": bimodality_coefficient(x),
            "esteban_ray": esteban_ray(x, alpha, lo, hi),
            "dist_midpoint": np.mean(np.abs(x - mid)) / half if half > 0 else np.nan,
            "share_extreme": np.mean((x == lo) | (x == hi)),
        })
    return pd.DataFrame(rows, columns=[*by, "n", "mean", "sd", "bimodality", "esteban_ray",
                                       "dist_midpoint", "share_extreme"])


def group_distance(
    data: pd.DataFrame,
    value: str,
    group: str,
    a,
    b,
    by: Sequence[str] = ("item", "phase"),
    level: float = 0.95,
) -> pd.DataFrame:
    """Distance between two subgroups' mean answers (for example left vs right).

    Returns
    -------
    DataFrame
        ``by`` columns, ``mean_a``, ``mean_b``, ``distance`` (a - b), ``se``
        (Welch), ``ci_low``, ``ci_high``, ``n_a``, ``n_b``.
    """
    by = list(by)
    missing = [c for c in [value, group, *by] if c not in data.columns]
    if missing:
        raise ValueError(f"column(s) {missing} not in data")
    d = data[data[group].isin([a, b])].dropna(subset=[value])
    g = d.groupby([*by, group], observed=True)[value].agg(["mean", "var", "count"])
    g = g.unstack(group)
    out = pd.DataFrame(index=g.index)
    out["mean_a"], out["mean_b"] = g[("mean", a)], g[("mean", b)]
    out["n_a"], out["n_b"] = g[("count", a)], g[("count", b)]
    va, vb = g[("var", a)] / out["n_a"], g[("var", b)] / out["n_b"]
    out["distance"] = out["mean_a"] - out["mean_b"]
    out["se"] = np.sqrt(va + vb)
    dfree = (va + vb) ** 2 / (va**2 / (out["n_a"] - 1) + vb**2 / (out["n_b"] - 1))
    crit = stats.t.ppf(1 - (1 - level) / 2, dfree)
    out["ci_low"] = out["distance"] - crit * out["se"]
    out["ci_high"] = out["distance"] + crit * out["se"]
    return out.reset_index()
