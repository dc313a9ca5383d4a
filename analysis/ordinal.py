"""Ordinal and categorical items: shares, transitions, marginal homogeneity, McNemar."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import chi2
from statsmodels.stats.contingency_tables import mcnemar

from analysis.inputs import check_frame

__all__ = ["category_shares", "transition_matrix", "stuart_maxwell", "mcnemar_support"]


def category_shares(
    data: pd.DataFrame,
    value: str = "value",
    by: Sequence[str] = ("item", "arm", "phase"),
    categories: Sequence | None = None,
    weights: str | None = None,
) -> pd.DataFrame:
    """Share of answers in each category, per group.

    Parameters
    ----------
    data : DataFrame
        Long answers (one row per answer).
    value : str
        Column with the category (code or label); missing values are dropped.
    by : sequence of str
        Grouping columns.
    categories : sequence, optional
        All categories to report (so empty ones show as 0); default: those seen.
    weights : str, optional
        Column of survey weights (non-negative); rows with a missing weight
        are dropped. The share is then the weighted share.

    Returns
    -------
    DataFrame
        ``by`` columns, ``category``, ``n`` (answers in the category), ``total``
        (answers in the group), ``share`` and ``weighted`` (bool).

    Notes
    -----
    Unweighted: ``share = n / total``. Weighted:
    :math:`\\sum_{i \\in c} w_i / \\sum_i w_i` over the group's answers, the
    point estimate of R ``survey::svymean(~factor(value), design)``; ``n``
    and ``total`` stay counts of answers.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.ordinal import category_shares
    >>> df = pd.DataFrame({"value": [1, 1, 2], "w": [1.0, 1.0, 2.0]})
    >>> category_shares(df, by=(), weights="w")["share"].tolist()
    [0.5, 0.5]
    """
    by = list(by)
    check_frame(data, [value, *by] + ([weights] if weights else []))
    d = data[[*by, value] + ([weights] if weights else [])].dropna(
        subset=[value] + ([weights] if weights else []))
    if weights and (d[weights] < 0).any():
        raise ValueError(f"weights column {weights!r} has negative values")
    d = d.assign(_w=d[weights].astype(float) if weights else 1.0, _all=0)
    keys = by or ["_all"]
    cats = list(categories) if categories is not None else sorted(pd.unique(d[value]))
    g = d.groupby([*keys, value], observed=True)
    counts = g.size().unstack(value, fill_value=0).reindex(columns=cats, fill_value=0)
    wsum = g["_w"].sum().unstack(value, fill_value=0.0).reindex(columns=cats, fill_value=0.0)
    counts.columns.name = wsum.columns.name = "category"
    long = counts.stack().rename("n").reset_index()
    long["total"] = long.groupby(keys, observed=True)["n"].transform("sum")
    ws = wsum.stack().to_numpy()
    wt = pd.Series(ws).groupby([long[k] for k in keys], observed=True).transform("sum")
    long["share"] = ws / wt.to_numpy()
    long["weighted"] = weights is not None
    return long.drop(columns="_all") if not by else long


def transition_matrix(
    data: pd.DataFrame,
    before: str = "pre",
    after: str = "post",
    categories: Sequence | None = None,
    normalize: str | None = None,
) -> pd.DataFrame:
    """Cross-table of before (rows) by after (columns) answers.

    Parameters
    ----------
    normalize : {None, "row", "all"}
        ``None`` counts; ``"row"`` share of each before-category moving to each
        after-category; ``"all"`` share of all pairs.

    Examples
    --------
    >>> import pandas as pd
    >>> transition_matrix(pd.DataFrame({"pre": [1, 1, 2, 2], "post": [1, 2, 2, 2]}))
    post  1  2
    pre
    1     1  1
    2     0  2
    """
    check_frame(data, [before, after])
    if normalize not in (None, "row", "all"):
        raise ValueError("normalize must be None, 'row' or 'all'")
    d = data[[before, after]].dropna()
    cats = list(categories) if categories is not None else sorted(
        set(pd.unique(d[before])) | set(pd.unique(d[after])))
    # counted with numpy (bincount of row x column positions): the same table as
    # pd.crosstab(...).reindex(cats, cats), without its groupby machinery per group
    idx = pd.Index(cats)
    i, j, k = idx.get_indexer(d[before]), idx.get_indexer(d[after]), len(idx)
    ok = (i >= 0) & (j >= 0)
    counts = np.bincount(i[ok] * k + j[ok], minlength=k * k).reshape(k, k).astype(np.int64)
    tab = pd.DataFrame(counts, index=pd.Index(cats, name=before),
                       columns=pd.Index(cats, name=after))
    if normalize == "row":
        tab = tab.div(tab.sum(axis=1).replace(0, np.nan), axis=0)
    elif normalize == "all":
        tab = tab / tab.to_numpy().sum()
    return tab


def stuart_maxwell(
    data: pd.DataFrame,
    before: str = "pre",
    after: str = "post",
    by: Sequence[str] = ("item", "arm"),
    categories: Sequence | None = None,
) -> pd.DataFrame:
    """Stuart-Maxwell test that the before and after category shares are equal.

    Returns
    -------
    DataFrame
        ``by`` columns, ``n``, ``statistic``, ``df``, ``p``.

    Notes
    -----
    With the k x k table N of before x after counts, ``d`` the differences
    of row and column margins and ``S`` their covariance
    (:math:`S_{ii} = n_{i.} + n_{.i} - 2 n_{ii}`, :math:`S_{ij} = -(n_{ij} + n_{ji})`),
    :math:`X^2 = d' S^{+} d` ~ chi-square with rank(S) df (Stuart 1955,
    Maxwell 1970). ``S^+`` is the Moore-Penrose inverse, as in R's
    ``coin::mh_test``: when every category is linked to the others by
    someone moving, rank(S) = k - 1 and this is the classical statistic on
    k - 1 margins (statsmodels ``SquareTable.homogeneity()``, R ``coin``).

    A category nobody moved into or out of (only diagonal counts, or never
    used) adds a zero row and column to ``S``; it is dropped from the
    group's table first, so ``df`` counts only categories with movement.
    With no movement at all the statistic is undefined (NaN).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"pre": [1, 1, 2, 2, 3, 3], "post": [2, 2, 1, 2, 3, 3],
    ...                    "item": "x", "arm": "a"})
    >>> r = stuart_maxwell(df).iloc[0]  # category 3: only kept, dropped
    >>> int(r["df"]), round(float(r["statistic"]), 4)
    (1, 0.3333)
    """
    by = list(by)
    check_frame(data, [before, after, *by])
    rows = []
    groups = data.groupby(by, observed=True, sort=True) if by else [((), data)]
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        tab = transition_matrix(sub, before, after, categories)
        counts = tab.to_numpy(dtype=float)
        off = counts - np.diag(np.diag(counts))
        moved = (off.sum(axis=0) + off.sum(axis=1)) > 0
        res = {"n": int(counts.sum()), "statistic": np.nan, "df": np.nan, "p": np.nan}
        if moved.sum() >= 2:
            off = off[np.ix_(moved, moved)]
            d = off.sum(axis=1) - off.sum(axis=0)
            cov = -(off + off.T)
            np.fill_diagonal(cov, off.sum(axis=1) + off.sum(axis=0))
            df = int(np.linalg.matrix_rank(cov))
            statistic = float(d @ np.linalg.pinv(cov) @ d)
            res.update(statistic=statistic, df=df, p=float(chi2.sf(statistic, df)))
        rows.append({**dict(zip(by, key, strict=True)), **res})
    return pd.DataFrame(rows, columns=[*by, "n", "statistic", "df", "p"])


def mcnemar_support(
    data: pd.DataFrame,
    before: str = "pre",
    after: str = "post",
    threshold: float = 5,
    by: Sequence[str] = ("item", "arm"),
    exact: bool | None = None,
) -> pd.DataFrame:
    """McNemar test on support dichotomised at ``value >= threshold``.

    Parameters
    ----------
    threshold : float
        An answer at or above it counts as support (5 on a 7-point scale:
        "somewhat support" or more).
    exact : bool, optional
        Exact binomial test of the discordant pairs; ``None`` (default) uses
        it when there are fewer than 25 discordant pairs, else the chi-square
        statistic with continuity correction (R's ``mcnemar.test`` default).

    Returns
    -------
    DataFrame
        ``by`` columns, ``n``, ``support_before``, ``support_after`` (shares),
        ``gained`` (pairs not supporting before, supporting after), ``lost``,
        ``statistic``, ``p``, ``method``.

    Notes
    -----
    With b = gained and c = lost: :math:`X^2 = (|b - c| - 1)^2 / (b + c)`, 1 df;
    exact: two-sided binomial test of b out of b + c with p = 1/2.
    """
    by = list(by)
    check_frame(data, [before, after, *by])
    d = data[[*by, before, after]].dropna(subset=[before, after])
    rows = []
    groups = d.groupby(by, observed=True, sort=True) if by else [((), d)]
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        pre = sub[before].to_numpy() >= threshold
        post = sub[after].to_numpy() >= threshold
        b = int((~pre & post).sum())
        c = int((pre & ~post).sum())
        table = np.array([[int((~pre & ~post).sum()), b], [c, int((pre & post).sum())]])
        use_exact = (b + c < 25) if exact is None else exact
        if b + c == 0:
            stat, p, method = np.nan, 1.0, "no discordant pairs"
        else:
            r = mcnemar(table, exact=use_exact, correction=True)
            stat, p = float(r.statistic), float(r.pvalue)
            method = "exact binomial" if use_exact else "chi-square, continuity corrected"
        rows.append({**dict(zip(by, key, strict=True)), "n": len(sub),
                     "support_before": pre.mean(), "support_after": post.mean(),
                     "gained": b, "lost": c, "statistic": stat, "p": p, "method": method})
    return pd.DataFrame(rows, columns=[*by, "n", "support_before", "support_after", "gained",
                                       "lost", "statistic", "p", "method"])
