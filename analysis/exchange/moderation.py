"""Is moderation where one side is silenced? Rejection rates by group, agreement of moderators.

Participants' statements are approved or rejected before anyone reads
them; the report shows the rejection rate by the author's opinion group and
language with a test of equal rates, and Cohen's kappa on the random sample
coded twice, blind.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["rejection_rates", "equal_rates_test", "cohen_kappa", "moderator_agreement"]


def rejection_rates(statements: pd.DataFrame, by: pd.Series | str) -> pd.DataFrame:
    """Rejected share of the decided participant statements, per level of ``by``.

    Parameters
    ----------
    statements : DataFrame
        ``statements.csv``: ``statement, seed, placebo, status`` (and ``by``).
    by : str or Series
        A column of ``statements`` (``language``) or a Series statement ->
        level (the author's opinion group).

    Returns
    -------
    DataFrame
        ``level, decided, rejected, rate``; only participants' statements
        (not seeds or placebo) that were approved or rejected.

    Examples
    --------
    >>> st = pd.DataFrame({"statement": [1, 2, 3], "seed": 0, "placebo": 0,
    ...                    "status": ["approved", "rejected", "rejected"],
    ...                    "language": ["en", "en", "de"]})
    >>> rejection_rates(st, "language").to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'level': 'de', 'decided': 1, 'rejected': 1, 'rate': 1.0},
     {'level': 'en', 'decided': 2, 'rejected': 1, 'rate': 0.5}]
    """
    own = statements[(statements["seed"] == 0) & (statements["placebo"] == 0)
                     & statements["status"].isin(["approved", "rejected"])]
    level = own[by] if isinstance(by, str) else own["statement"].map(by)
    d = pd.DataFrame({"level": level.astype("string").to_numpy(),
                      "rejected": (own["status"] == "rejected").to_numpy(int)}).dropna()
    out = d.groupby("level")["rejected"].agg(decided="count", rejected="sum").reset_index()
    out["rate"] = out["rejected"] / out["decided"]
    return out


def equal_rates_test(rates: pd.DataFrame) -> dict:
    """Pearson's chi-square test that every level has the same rejection rate.

    Returns ``{"chi2", "df", "p", "n"}`` (NaN with fewer than 2 levels or
    no rejection at all).

    Notes
    -----
    On the levels x (rejected, approved) table,
    :math:`X^2 = \\sum (O - E)^2 / E` with :math:`E = row \\cdot col / n`,
    df = levels - 1, no continuity correction (R's
    ``chisq.test(correct = FALSE)``). With expected counts under 5 the
    chi-square approximation is rough; the report says so.
    """
    table = np.column_stack([rates["rejected"], rates["decided"] - rates["rejected"]])
    n = int(table.sum())
    if table.shape[0] < 2 or (table.sum(axis=0) == 0).any():
        return {"chi2": np.nan, "df": np.nan, "p": np.nan, "n": n, "min_expected": np.nan}
    chi2, p, df, expected = stats.chi2_contingency(table, correction=False)
    return {"chi2": float(chi2), "df": int(df), "p": float(p), "n": n,
            "min_expected": float(expected.min())}


def cohen_kappa(first, second) -> float:
    """Cohen's kappa of two codings of the same items.

    Notes
    -----
    :math:`\\kappa = (p_o - p_e) / (1 - p_e)`, with :math:`p_o` the share
    coded alike and :math:`p_e = \\sum_k p_{1k} p_{2k}` from each coder's
    marginal shares (Cohen 1960).

    Examples
    --------
    >>> round(cohen_kappa(["yes"] * 25 + ["no"] * 25,
    ...                   ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15), 3)
    0.4
    """
    a, b = np.asarray(first, dtype=object), np.asarray(second, dtype=object)
    if a.size != b.size or a.size == 0:
        raise ValueError("two codings of the same, non-empty set of items are needed")
    levels = np.unique(np.concatenate([a, b]).astype(str))
    ia = np.searchsorted(levels, a.astype(str))
    ib = np.searchsorted(levels, b.astype(str))
    po = float((ia == ib).mean())
    pe = float((np.bincount(ia, minlength=levels.size) / a.size)
               @ (np.bincount(ib, minlength=levels.size) / b.size))
    return np.nan if pe == 1 else (po - pe) / (1 - pe)


def moderator_agreement(moderation: pd.DataFrame) -> dict:
    """Kappa between the first decision and the blind second coding of the same statements.

    Returns ``{"kappa", "agreement", "n"}``: ``n`` statements coded twice
    (``second == 1``); the first coding is the earliest decision with
    ``second == 0``. Decisions are compared as approve / reject.
    """
    m = moderation[moderation["decision"].isin(["approve", "reject"])]
    m = m.sort_values("decided_at", kind="stable")
    first = m[m["second"] == 0].drop_duplicates("statement").set_index("statement")["decision"]
    second = m[m["second"] == 1].drop_duplicates("statement").set_index("statement")["decision"]
    both = first.index.intersection(second.index)
    if both.size == 0:
        return {"kappa": np.nan, "agreement": np.nan, "n": 0}
    a, b = first.loc[both].to_numpy(), second.loc[both].to_numpy()
    return {"kappa": cohen_kappa(a, b), "agreement": float((a == b).mean()), "n": int(both.size)}
