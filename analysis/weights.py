"""Survey weights: raking to population margins, weighted means, Kish design effect."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["read_margins", "rake", "kish", "weighted_mean", "values_and_weights"]


def read_margins(path: str | Path) -> pd.DataFrame:
    """Read population margins from a CSV with columns ``variable, level, share``.

    ``share`` may be a proportion or a count (``count`` column instead of
    ``share`` is accepted); shares are normalised within each variable.
    """
    m = pd.read_csv(path, dtype={"variable": "str", "level": "str"})
    return _check_margins(m, str(path))


def _check_margins(m: pd.DataFrame, where: str = "margins") -> pd.DataFrame:
    if "count" in m.columns and "share" not in m.columns:
        m = m.rename(columns={"count": "share"})
    missing = [c for c in ("variable", "level", "share") if c not in m.columns]
    if missing:
        raise ValueError(f"{where}: missing column(s) {missing} (need variable, level, share)")
    m = m[["variable", "level", "share"]].copy()
    m["level"] = m["level"].astype("str")
    if (pd.to_numeric(m["share"], errors="coerce").isna()).any() or (m["share"] < 0).any():
        raise ValueError(f"{where}: share must be a non-negative number")
    if m.duplicated(["variable", "level"]).any():
        raise ValueError(f"{where}: a (variable, level) pair is repeated")
    m["share"] = m["share"] / m.groupby("variable")["share"].transform("sum")
    return m


def rake(
    data: pd.DataFrame,
    margins: pd.DataFrame,
    base_weights: str | None = None,
    max_iter: int = 100,
    tol: float = 1e-10,
    bounds: tuple[float, float] | None = None,
) -> pd.Series:
    """Raking (iterative proportional fitting) of weights to population margins.

    Parameters
    ----------
    data : DataFrame
        One row per respondent, with a column per margin variable.
    margins : DataFrame
        ``variable, level, share`` (see :func:`read_margins`).
    base_weights : str, optional
        Column of starting weights (default 1).
    max_iter, tol : int, float
        Stop when the largest relative change of any weight is below ``tol``.
    bounds : (low, high), optional
        Trim weights (relative to their mean) to this range after each pass.

    Returns
    -------
    Series
        Weights aligned to ``data.index``, scaled to mean 1 (sum = n).

    Raises
    ------
    ValueError
        Unknown variable, a respondent level missing from the margins, a
        margin level with no respondents, or no convergence.

    Notes
    -----
    Deming & Stephan (1940): repeat, for each variable v, multiply every
    weight in level l by :math:`T_{vl} / \\sum_{i \\in l} w_i`, with
    :math:`T_{vl}` the target total (share times the weight sum), until
    stable. Vectorised: per-level sums by ``np.bincount``.
    """
    margins = _check_margins(margins)
    variables = list(pd.unique(margins["variable"]))
    missing = [v for v in variables if v not in data.columns]
    if missing:
        raise ValueError(f"margin variable(s) {missing} not in data")
    n = len(data)
    w = (data[base_weights].to_numpy(dtype=float) if base_weights else np.ones(n)).copy()
    codes, targets = [], []
    for v in variables:
        m = margins[margins["variable"] == v]
        levels = list(m["level"])
        col = data[v].astype("str").where(data[v].notna())
        code = pd.Index(levels).get_indexer(col.fillna("\x00"))
        bad = (code < 0)
        if bad.any():
            seen = sorted(set(col[bad].dropna()))
            raise ValueError(f"variable {v!r}: level(s) {seen} of respondents are not in the "
                             f"margins" if seen else f"variable {v!r} has missing values")
        empty = np.bincount(code, minlength=len(levels)) == 0
        if empty.any():
            raise ValueError(f"variable {v!r}: no respondents in level(s) "
                             f"{[lv for lv, e in zip(levels, empty, strict=True) if e]}")
        codes.append(code)
        targets.append(m["share"].to_numpy())
    total = w.sum()
    for _ in range(max_iter):
        old = w.copy()
        for code, share in zip(codes, targets, strict=True):
            sums = np.bincount(code, weights=w, minlength=share.size)
            w = w * (share * total / sums)[code]
        if bounds is not None:
            mean = w.mean()
            w = np.clip(w, bounds[0] * mean, bounds[1] * mean)
        if np.max(np.abs(w - old) / old) < tol:
            break
    else:
        raise ValueError(f"raking did not converge in {max_iter} iterations")
    return pd.Series(w * n / w.sum(), index=data.index, name="weight")


def kish(weights) -> dict[str, float]:
    """Kish (1965) design effect of unequal weights and the effective sample size.

    :math:`deff = n \\sum w^2 / (\\sum w)^2`, :math:`n_{eff} = (\\sum w)^2 / \\sum w^2`.

    Examples
    --------
    >>> k = kish([1, 1, 2, 2])
    >>> k["n"], round(float(k["deff"]), 4), round(float(k["n_eff"]), 4)
    (4, 1.1111, 3.6)
    """
    w = np.asarray(weights, dtype=float)
    w = w[~np.isnan(w)]
    if (w < 0).any():
        raise ValueError("weights must be non-negative")
    s, s2 = w.sum(), (w**2).sum()
    return {"n": int(w.size), "deff": w.size * s2 / s**2, "n_eff": s**2 / s2}


def weighted_mean(
    data: pd.DataFrame, value: str, weights: str, by: Sequence[str] = ()
) -> pd.DataFrame:
    """Weighted mean with a linearisation standard error, per group.

    Returns
    -------
    DataFrame
        ``by`` columns, ``n``, ``mean``, ``se``, ``n_eff``, ``deff``.

    Notes
    -----
    :math:`\\bar y_w = \\sum w y / \\sum w`;
    :math:`SE^2 = \\frac{n}{n-1} \\sum w_i^2 (y_i - \\bar y_w)^2 / (\\sum w)^2`,
    the with-replacement linearisation variance R's ``survey::svymean`` gives
    for a design with weights only (``svydesign(ids = ~1, weights = ~w)``).
    """
    by = list(by)
    missing = [c for c in [value, weights, *by] if c not in data.columns]
    if missing:
        raise ValueError(f"column(s) {missing} not in data")
    d = data[[*by, value, weights]].dropna().copy()
    d["_wy"] = d[weights] * d[value]
    d["_w2"] = d[weights] ** 2
    g = d.groupby(by, observed=True) if by else d.assign(_all=0).groupby("_all")
    s = g[[weights, "_wy", "_w2"]].sum()
    n = g.size()
    mean = s["_wy"] / s[weights]
    codes = g.ngroup().to_numpy()
    dev = d[weights].to_numpy() ** 2 * (d[value].to_numpy() - mean.to_numpy()[codes]) ** 2
    lin = pd.Series(dev).groupby(codes).sum().to_numpy()
    nn = n.to_numpy(dtype=float)
    out = pd.DataFrame({"n": n.astype("int64"), "mean": mean,
                        "se": np.sqrt(nn / (nn - 1) * lin / s[weights].to_numpy() ** 2),
                        "n_eff": s[weights] ** 2 / s["_w2"],
                        "deff": nn * s["_w2"] / s[weights] ** 2})
    out = out.reset_index()
    return out.drop(columns="_all") if not by else out


def values_and_weights(x, weights=None, name: str = "values") -> tuple[np.ndarray, np.ndarray]:
    """Values and weights (ones when unweighted) with missing pairs dropped.

    Raises ``ValueError`` when the lengths differ or a weight is negative.
    """
    x = np.asarray(x, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != x.shape:
        raise ValueError(f"weights must have the same length as {name}")
    ok = ~np.isnan(x) & ~np.isnan(w)
    x, w = x[ok], w[ok]
    if (w < 0).any():
        raise ValueError("weights must be non-negative")
    return x, w
