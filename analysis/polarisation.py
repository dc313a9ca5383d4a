"""Polarisation of one item's answers: spread, bimodality, Esteban-Ray, distances."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.weights import values_and_weights

__all__ = ["bimodality_coefficient", "esteban_ray", "polarisation_measures", "group_distance",
           "ER_GROUPS"]

#: Esteban-Ray's common grid in the report: five groups, the points of a 5-point scale
#: (a 7-point item or a 0-100 thermometer is read on the same five; see esteban_ray)
ER_GROUPS = 5


def bimodality_coefficient(x, weights=None) -> float:
    """Sample bimodality coefficient (SAS 1990; Pfister et al. 2013).

    Parameters
    ----------
    x : array
        Values (missing values are dropped).
    weights : array, optional
        Survey weights, one per value; default unweighted.

    Notes
    -----
    :math:`BC = \\frac{G_1^2 + 1}{G_2 + \\frac{3 (n-1)^2}{(n-2)(n-3)}}` with
    :math:`G_1` the sample skewness and :math:`G_2` the sample excess kurtosis,
    both bias-corrected: from the central moments :math:`m_k`,
    :math:`g_1 = m_3 / m_2^{3/2}`, :math:`g_2 = m_4 / m_2^2 - 3`,
    :math:`G_1 = g_1 \\sqrt{n(n-1)} / (n-2)` and
    :math:`G_2 = (n-1)((n+1) g_2 + 6) / ((n-2)(n-3))` (unweighted: the same
    as ``scipy.stats.skew/kurtosis(bias=False)`` and R ``psych::skew/kurtosi``
    type 2). With weights the moments are weighted,
    :math:`m_k = \\sum w_i (x_i - \\bar x_w)^k / \\sum w_i` (they estimate the
    population's moments) and *n* in the corrections stays the number of
    values. BC > 5/9 (the value of a uniform distribution) suggests
    bimodality; a normal distribution gives 1/3. Needs n >= 4 and some
    spread; otherwise NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from analysis.polarisation import bimodality_coefficient
    >>> counts = [2, 26, 14, 6, 2, 0, 2, 6, 14, 26, 2]  # Pfister et al. (2013), Fig. 1b
    >>> round(bimodality_coefficient(np.repeat(np.arange(1, 12), counts)), 2)
    0.79
    """
    x, w = values_and_weights(x, weights, "the values")
    n = x.size
    if n < 4 or np.ptp(x) == 0 or w.sum() == 0:
        return np.nan
    p = w / w.sum()
    dev = x - p @ x
    dev2 = dev * dev  # products, not dev**3 and dev**4: numpy's general power is slow
    m2, m3, m4 = p @ dev2, p @ (dev2 * dev), p @ (dev2 * dev2)
    if m2 <= 0:
        return np.nan
    g1 = m3 / m2**1.5
    g2 = m4 / m2**2 - 3
    big_g1 = g1 * np.sqrt(n * (n - 1)) / (n - 2)
    big_g2 = (n - 1) * ((n + 1) * g2 + 6) / ((n - 2) * (n - 3))
    return float((big_g1**2 + 1) / (big_g2 + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))))


def esteban_ray(x, alpha: float = 1.6, lo: float | None = None, hi: float | None = None,
                weights=None, groups: int | None = None) -> float:
    """Esteban-Ray (1994) polarisation index of discrete answers.

    Parameters
    ----------
    x : array
        Answers.
    alpha : float
        Polarisation sensitivity ("identification"), in [0, 1.6] (Esteban &
        Ray 1994). At 0 the index is the mean absolute difference
        :math:`E|Y - Y'|` of two answers drawn at random (rescaled; twice the
        mean times the Gini coefficient); larger values weigh large groups more.
    lo, hi : float, optional
        Scale ends; answers are rescaled to [0, 1]. Default: the observed range.
    weights : array, optional
        Survey weights, one per answer; the shares are then weighted shares.
    groups : int, optional
        ``None`` (default): each distinct answer is a group. An integer G:
        the answers are first put on a common grid of G equal groups (see
        Notes), so the index compares across scales with different numbers
        of points.

    Notes
    -----
    :math:`ER = \\sum_i \\sum_j \\pi_i^{1+\\alpha} \\pi_j |y_i - y_j|` with
    :math:`\\pi_i` the (weighted) share of answers in group i at position
    :math:`y_i \\in [0, 1]`, normalising constant K = 1. Its maximum, two
    equal masses at the ends, is :math:`2 \\cdot 0.5^{2+\\alpha}` (0.1649 at
    alpha = 1.6).

    With one group per answer the index depends on the number of points of
    the scale: groups are smaller on a finer scale, so uniform answers give
    :math:`(k+1) / (3 k^{1+\\alpha})` on k points (0.030 on 5, 0.017 on 7,
    0.0002 on 101) and a 0-100 thermometer reads about 0. ``groups = G``
    removes that: a scale of k equally spaced points is read as k equal
    intervals of [0, 1] (point j covers [j/k, (j+1)/k]); each answer's share
    is split over the G equal intervals [g/G, (g+1)/G] in proportion to the
    overlap, and group g sits at :math:`g / (G-1)`. A scale of G points is
    unchanged, uniform answers on any scale give uniform shares and so
    :math:`(G+1) / (3 G^{1+\\alpha})` (0.0305 for G = 5), and answers at the two
    ends of any scale give the maximum. Answers off the scale's integer grid
    (non-integer values or ends) go whole to the interval holding them.

    Examples
    --------
    >>> from analysis.polarisation import esteban_ray
    >>> round(esteban_ray([1, 1, 7, 7], alpha=1.6, lo=1, hi=7), 4)  # 2 * 0.5 ** 3.6
    0.1649
    >>> round(esteban_ray(range(101), lo=0, hi=100), 4)  # uniform thermometer, own points
    0.0002
    >>> round(esteban_ray(range(101), lo=0, hi=100, groups=5), 4)  # as uniform on 5 points
    0.0305
    """
    if not 0 <= alpha <= 1.6:
        raise ValueError("alpha must be in [0, 1.6]")
    if groups is not None and groups < 2:
        raise ValueError("groups must be at least 2")
    x, w = values_and_weights(x, weights, "the values")
    if x.size == 0 or w.sum() == 0:
        return np.nan
    lo = x.min() if lo is None else lo
    hi = x.max() if hi is None else hi
    if hi == lo:
        return 0.0
    y, inverse = np.unique((x - lo) / (hi - lo), return_inverse=True)
    p = np.bincount(inverse, weights=w, minlength=y.size) / w.sum()
    if groups is not None:
        y, p = _on_grid(y, p, lo, hi, groups)
    return float(np.sum(p[:, None] ** (1 + alpha) * p[None, :] * np.abs(y[:, None] - y[None, :])))


def _on_grid(y: np.ndarray, p: np.ndarray, lo: float, hi: float,
             groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Shares ``p`` at positions ``y`` in [0, 1] moved onto ``groups`` equal groups."""
    span = hi - lo
    steps = y * span
    on_grid = float(span).is_integer() and np.allclose(steps, np.round(steps))
    edges = np.arange(groups + 1) / groups
    if on_grid:
        k = int(round(span)) + 1
        j = np.round(steps)
        left, right = j / k, (j + 1) / k
        overlap = np.clip(np.minimum(right[:, None], edges[None, 1:])
                          - np.maximum(left[:, None], edges[None, :-1]), 0, None) * k
    else:
        g = np.minimum((y * groups).astype(int), groups - 1)
        overlap = np.zeros((y.size, groups))
        overlap[np.arange(y.size), g] = 1.0
    return np.arange(groups) / (groups - 1), p @ overlap


def _weighted_sd(x: np.ndarray, w: np.ndarray) -> float:
    """SD with the convention of R ``survey::svyvar``: n/(n-1) sum w (x - m)^2 / sum w."""
    n = x.size
    if n < 2 or w.sum() == 0:
        return np.nan
    m = w @ x / w.sum()
    return float(np.sqrt(n / (n - 1) * (w @ (x - m) ** 2) / w.sum()))


def polarisation_measures(
    data: pd.DataFrame,
    value: str = "value",
    by: Sequence[str] = ("item", "arm", "phase"),
    scale: pd.DataFrame | None = None,
    alpha: float = 1.6,
    weights: str | None = None,
    er_groups: int | None = ER_GROUPS,
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
    weights : str, optional
        Column of survey weights; every measure is then weighted (see Notes).
        Rows with a missing weight are dropped.
    er_groups : int or None
        Esteban-Ray on a common grid of this many groups (default
        :data:`ER_GROUPS` = 5), so the index compares across items with 5,
        7 or 101 points (:func:`esteban_ray`, ``groups``); ``None``: each
        distinct answer is a group.

    Returns
    -------
    DataFrame
        ``by`` columns, ``n``, ``mean``, ``sd``, ``bimodality``, ``esteban_ray``,
        ``dist_midpoint`` (mean absolute distance from the scale midpoint, as a
        share of the half-range: 0 all at the midpoint, 1 all at the ends),
        ``share_extreme`` (answers at either end), ``weighted`` (bool).

    Notes
    -----
    Unweighted: the sample mean, SD (n - 1), :func:`bimodality_coefficient`,
    :func:`esteban_ray`, mean of :math:`|x - mid| / half` and the share at
    either end. Weighted (raking weights *w*): the weighted mean; the SD with
    R ``survey::svyvar``'s convention,
    :math:`\\sqrt{\\frac{n}{n-1} \\sum w_i (x_i - \\bar x_w)^2 / \\sum w_i}`;
    the bimodality coefficient from weighted moments; Esteban-Ray on weighted
    shares; the weighted mean distance from the midpoint and weighted share
    at the ends. With all weights equal each equals its unweighted value.
    """
    by = list(by)
    missing = [c for c in [value, *by] + ([weights] if weights else []) if c not in data.columns]
    if missing:
        raise ValueError(f"column(s) {missing} not in data")
    d = data[[*by, value] + ([weights] if weights else [])].dropna(
        subset=[value] + ([weights] if weights else []))
    if scale is not None:
        if "item" not in by:
            raise ValueError("by must include 'item' when scale is given")
        # looked up per group, not merged onto every answer (a copy of all rows)
        bounds = {it: (lo, hi) for it, lo, hi in zip(
            scale["item"], scale["scale_min"], scale["scale_max"], strict=True)}
    rows = []
    for key, sub in d.groupby(by, observed=True, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        x = sub[value].to_numpy(dtype=float)
        w = sub[weights].to_numpy(dtype=float) if weights else np.ones_like(x)
        if (w < 0).any():
            raise ValueError(f"weights column {weights!r} has negative values")
        if scale is not None:
            lo, hi = (float(b) for b in bounds.get(key[by.index("item")], (np.nan, np.nan)))
        else:
            lo, hi = float(x.min()), float(x.max())
        mid, half = (lo + hi) / 2, (hi - lo) / 2
        sw = w.sum()
        rows.append({
            **dict(zip(by, key, strict=True)),
            "n": x.size,
            "mean": w @ x / sw,
            "sd": _weighted_sd(x, w),
            "bimodality": bimodality_coefficient(x, w),
            "esteban_ray": esteban_ray(x, alpha, lo, hi, weights=w, groups=er_groups),
            "dist_midpoint": (w @ np.abs(x - mid)) / sw / half if half > 0 else np.nan,
            "share_extreme": w @ ((x == lo) | (x == hi)) / sw,
            "weighted": weights is not None,
        })
    return pd.DataFrame(rows, columns=[*by, "n", "mean", "sd", "bimodality", "esteban_ray",
                                       "dist_midpoint", "share_extreme", "weighted"])


def group_distance(
    data: pd.DataFrame,
    value: str,
    group: str,
    a,
    b,
    by: Sequence[str] = ("item", "phase"),
    level: float = 0.95,
    weights: str | None = None,
) -> pd.DataFrame:
    """Distance between two subgroups' mean answers (for example left vs right).

    Parameters
    ----------
    data : DataFrame
        Long answers with the ``group`` column.
    value, group : str
        Numeric answer column and the subgroup column.
    a, b
        The two levels of ``group`` to compare (distance = a - b).
    by : sequence of str
        Grouping columns.
    level : float
        Confidence level.
    weights : str, optional
        Column of survey weights: weighted means and linearisation SEs.

    Returns
    -------
    DataFrame
        ``by`` columns, ``mean_a``, ``mean_b``, ``distance`` (a - b), ``se``,
        ``ci_low``, ``ci_high``, ``n_a``, ``n_b``, ``weighted`` (bool).

    Notes
    -----
    Unweighted: Welch's standard error :math:`\\sqrt{s_a^2/n_a + s_b^2/n_b}`
    and Welch-Satterthwaite df. Weighted: each subgroup's mean is
    :math:`\\sum w y / \\sum w` with the linearisation variance of
    :func:`analysis.weights.weighted_mean` (R ``survey::svymean`` for a
    weights-only design, within the subgroup); the two variances replace
    :math:`s^2/n` in the same formulas. With equal weights the two coincide.
    """
    by = list(by)
    missing = [c for c in [value, group, *by] + ([weights] if weights else [])
               if c not in data.columns]
    if missing:
        raise ValueError(f"column(s) {missing} not in data")
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    d = data[data[group].isin([a, b])].dropna(subset=[value] + ([weights] if weights else []))
    d = d.assign(_w=d[weights].astype(float) if weights else 1.0, _all=0)
    if (d["_w"] < 0).any():
        raise ValueError(f"weights column {weights!r} has negative values")
    d["_wy"] = d["_w"] * d[value]
    keys = [*(by or ["_all"]), group]
    g = d.groupby(keys, observed=True)
    s = g[["_w", "_wy"]].sum()
    s["mean"] = s["_wy"] / s["_w"]
    s["count"] = g.size()
    dev = d["_w"] ** 2 * (d[value] - s["mean"].reindex(
        pd.MultiIndex.from_frame(d[keys])).to_numpy()) ** 2
    s["lin"] = dev.groupby([d[k] for k in keys], observed=True).sum()
    nn = s["count"].astype(float)
    # variance of the (weighted) mean; equals s^2 / n when all weights are equal
    s["vmean"] = nn / (nn - 1) * s["lin"] / s["_w"] ** 2
    wide = s[["mean", "count", "vmean"]].unstack(group)
    out = pd.DataFrame(index=wide.index)
    out["mean_a"], out["mean_b"] = wide[("mean", a)], wide[("mean", b)]
    out["n_a"], out["n_b"] = wide[("count", a)], wide[("count", b)]
    va, vb = wide[("vmean", a)], wide[("vmean", b)]
    out["distance"] = out["mean_a"] - out["mean_b"]
    out["se"] = np.sqrt(va + vb)
    dfree = (va + vb) ** 2 / (va**2 / (out["n_a"] - 1) + vb**2 / (out["n_b"] - 1))
    crit = stats.t.ppf(1 - (1 - level) / 2, dfree)
    out["ci_low"] = out["distance"] - crit * out["se"]
    out["ci_high"] = out["distance"] + crit * out["se"]
    out["weighted"] = weights is not None
    out = out.reset_index()
    return out.drop(columns="_all") if not by else out
