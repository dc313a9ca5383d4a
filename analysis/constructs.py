"""Scales built from several items: scores with reverse keying, Cronbach's alpha, knowledge."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.load import Export
from analysis.tidy import clean_values, knowledge_scores

__all__ = ["construct_scores", "cronbach_alpha", "knowledge_index"]


def cronbach_alpha(
    data: pd.DataFrame,
    subject: str = "participant_id",
    item: str = "item",
    value: str = "value",
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """Cronbach's alpha of the items in ``data`` (per ``by`` group).

    Parameters
    ----------
    data : DataFrame
        Long format: one row per subject x item (reverse-keyed items already
        flipped, see :func:`analysis.tidy.clean_values`).
    subject, item, value : str
        Column names.
    by : sequence of str
        Grouping columns (for example ``phase``, ``construct``).

    Returns
    -------
    DataFrame
        ``by`` columns, ``alpha``, ``k`` (items), ``n`` (subjects with every item).

    Notes
    -----
    :math:`\\alpha = \\frac{k}{k-1} (1 - \\sum_j s_j^2 / s_T^2)` with
    :math:`s_j^2` the item variances and :math:`s_T^2` the variance of the
    sum score (Cronbach 1951), on subjects who answered every item
    (listwise deletion), variances with n - 1.
    """
    by = list(by)
    cols = [subject, item, value, *by]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise ValueError(f"column(s) {missing} not in data")
    rows = []
    groups = data.groupby(by, observed=True, sort=True) if by else [((), data)]
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        wide = sub.pivot_table(index=subject, columns=item, values=value, aggfunc="first")
        wide = wide.dropna()
        k, n = wide.shape[1], wide.shape[0]
        alpha = np.nan
        if k >= 2 and n >= 2:
            item_var = wide.var(ddof=1).sum()
            total_var = wide.sum(axis=1).var(ddof=1)
            alpha = k / (k - 1) * (1 - item_var / total_var) if total_var > 0 else np.nan
        rows.append({**dict(zip(by, key, strict=True)), "alpha": alpha, "k": k, "n": n})
    return pd.DataFrame(rows, columns=[*by, "alpha", "k", "n"])


def construct_scores(export: Export, min_share: float = 1.0) -> pd.DataFrame:
    """Scale score per participant x phase x construct (mean of its items).

    Parameters
    ----------
    export : Export
    min_share : float
        Share of the construct's items that must be answered for a score
        (default 1: all of them).

    Returns
    -------
    DataFrame
        ``participant_id, arm, phase, construct, score, n_items`` where score is
        the mean of the items after reverse keying (``min + max - value``)
        and with substantive non-answers missing.
    """
    if not 0 < min_share <= 1:
        raise ValueError("min_share must be in (0, 1]")
    t = export.items
    members = t[t["construct"].notna()][["item", "construct"]]
    if members.empty:
        return pd.DataFrame(columns=["participant_id", "arm", "phase", "construct", "score",
                                     "n_items"])
    a = clean_values(export, reverse=True)
    a = a.loc[a["item"].isin(members["item"]), ["participant_id", "arm", "phase", "item",
                                                 "value"]].merge(members, on="item")
    g = a.groupby(["participant_id", "arm", "phase", "construct"], observed=True)["value"]
    out = g.agg(score="mean", n_items="count").reset_index()
    size = members.groupby("construct").size()
    need = np.ceil(out["construct"].map(size) * min_share)
    out.loc[out["n_items"] < need, "score"] = np.nan
    return out


def knowledge_index(export: Export, items: Sequence[str] | None = None) -> pd.DataFrame:
    """Share of knowledge questions answered correctly, per participant x phase.

    "Don't know" (and any wrong option) scores 0. Only participants who
    answered every knowledge item in the phase get an index.

    Returns
    -------
    DataFrame
        ``participant_id, arm, phase, index, n_items``.
    """
    s = knowledge_scores(export, items)
    if s.empty:
        return pd.DataFrame(columns=["participant_id", "arm", "phase", "index", "n_items"])
    k = s["item"].nunique() if items is None else len(list(items))
    g = s.groupby(["participant_id", "arm", "phase"], observed=True)["correct"]
    out = g.agg(index="mean", n_items="count").reset_index()
    out.loc[out["n_items"] < k, "index"] = np.nan
    return out
