"""Adjust p-values over a family of tests (Holm, Benjamini-Hochberg)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

__all__ = ["adjust_pvalues", "bonferroni_intervals", "METHODS"]

#: our short names -> statsmodels ``multipletests`` method names
METHODS = {"holm": "holm", "bh": "fdr_bh", "bonferroni": "bonferroni", "by": "fdr_by"}


def adjust_pvalues(
    data: pd.DataFrame,
    p: str = "p",
    family: str | Sequence[str] | None = None,
    methods: Sequence[str] = ("holm", "bh"),
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Add adjusted p-values (and rejections) beside the raw ones.

    Parameters
    ----------
    data : DataFrame
        One row per test.
    p : str
        Column of raw p-values. Missing p-values take no part and stay missing.
    family : str or sequence of str, optional
        Column(s) whose values define the families; each family is adjusted
        separately. ``None``: all rows form one family.
    methods : sequence of {"holm", "bh", "bonferroni", "by"}
        Adjustments to add.
    alpha : float
        Level for the ``reject_<method>`` columns.

    Returns
    -------
    DataFrame
        A copy of ``data`` with ``p_<method>`` and ``reject_<method>`` columns
        and ``family_size`` (number of non-missing p-values in the row's family).

    Notes
    -----
    For m ordered p-values :math:`p_{(1)} \\le \\dots \\le p_{(m)}`:

    - Holm (1979): :math:`\\tilde p_{(i)} = \\max_{j \\le i} \\min(1, (m - j + 1) p_{(j)})`;
      controls the family-wise error rate.
    - Benjamini-Hochberg (1995):
      :math:`\\tilde p_{(i)} = \\min_{j \\ge i} \\min(1, m p_{(j)} / j)`;
      controls the false discovery rate under independence or positive
      dependence.

    Computed with ``statsmodels.stats.multitest.multipletests``, except Holm,
    computed here by the formula above: statsmodels' Holm runs a full
    ``gc.collect()`` on every call, which with a large export loaded cost
    0.5-1 s per family in the report (issue 24, 4); tests check it against
    statsmodels.

    Examples
    --------
    >>> import pandas as pd
    >>> r = adjust_pvalues(pd.DataFrame({"p": [0.01, 0.04, 0.03]}))
    >>> r[["p", "p_holm", "p_bh"]].round(3).to_dict("list")
    {'p': [0.01, 0.04, 0.03], 'p_holm': [0.03, 0.06, 0.06], 'p_bh': [0.03, 0.04, 0.04]}
    """
    if p not in data.columns:
        raise ValueError(f"column {p!r} not in data")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ValueError(f"unknown method(s) {unknown}; choose from {sorted(METHODS)}")
    if not 0 < alpha < 1:
        raise ValueError("alpha must be between 0 and 1")
    fam_cols = [family] if isinstance(family, str) else list(family or [])
    missing = [c for c in fam_cols if c not in data.columns]
    if missing:
        raise ValueError(f"family column(s) {missing} not in data")
    pv = pd.to_numeric(data[p], errors="coerce")
    if ((pv < 0) | (pv > 1)).any():
        raise ValueError(f"column {p!r} has values outside [0, 1]")
    out = data.copy()
    keys = (
        pd.Series(0, index=data.index)
        if not fam_cols
        else data.groupby(fam_cols, dropna=False, sort=False).ngroup()
    )
    for m in methods:
        out[f"p_{m}"] = np.nan
        out[f"reject_{m}"] = False
    out["family_size"] = 0
    for _, idx in keys.groupby(keys).groups.items():
        sub = pv.loc[idx].dropna()
        out.loc[idx, "family_size"] = len(sub)
        if sub.empty:
            continue
        for m in methods:
            if m == "holm":
                reject, adj = _holm(sub.to_numpy(), alpha)
            else:
                reject, adj, _, _ = multipletests(sub.to_numpy(), alpha=alpha,
                                                  method=METHODS[m])
            out.loc[sub.index, f"p_{m}"] = adj
            out.loc[sub.index, f"reject_{m}"] = reject
    return out


def _holm(p: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """(reject, adjusted) by Holm's step-down: what ``multipletests(method="holm")`` gives.

    Rejecting where the adjusted p-value is at most ``alpha`` is the step-down
    rule (reject up to the first ordered p-value above alpha / (m - j + 1)),
    since the adjusted values never fall along the order.
    """
    order = np.argsort(p)
    m = p.size
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(np.maximum.accumulate(p[order] * np.arange(m, 0, -1)), 1.0)
    return adjusted <= alpha, adjusted


def bonferroni_intervals(data: pd.DataFrame, k: int, level: float = 0.95,
                         estimate: str = "estimate", se: str = "se",
                         df: str = "df") -> pd.DataFrame:
    """Bonferroni-adjusted confidence intervals: each of ``k`` tests at ``1 - (1 - level)/k``.

    The interval is ``estimate ± t(1 - (1 - level) / (2k), df) · se``, the
    simultaneous intervals that go with Bonferroni-adjusted p-values (they
    cover all ``k`` parameters together with probability at least ``level``).

    Returns
    -------
    DataFrame
        A copy of ``data`` with ``ci_low_adj`` and ``ci_high_adj``.

    Examples
    --------
    >>> d = pd.DataFrame({"estimate": [1.0], "se": [0.5], "df": [30.0]})
    >>> r = bonferroni_intervals(d, k=5)
    >>> round(float(r["ci_high_adj"].iloc[0] - 1.0) / 0.5, 3)  # t(0.995, 30), t table
    2.75
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    out = data.copy()
    q = stats.t.ppf(1 - (1 - level) / (2 * k), out[df].to_numpy(dtype=float))
    half = q * out[se].to_numpy(dtype=float)
    out["ci_low_adj"] = out[estimate].to_numpy(dtype=float) - half
    out["ci_high_adj"] = out[estimate].to_numpy(dtype=float) + half
    return out
