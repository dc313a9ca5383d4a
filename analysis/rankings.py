"""Rankings of the proposals: first choices, Borda, Condorcet, single-peakedness."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["rank_matrix", "ranking_summary", "condorcet_winner", "single_peakedness",
           "single_peaked_baseline"]


def rank_matrix(text: pd.Series, options: Sequence[str]) -> np.ndarray:
    """Positions (0 = ranked first) of each option, one row per ranking.

    ``text`` holds rankings as option ids joined with ``|`` (the contract's
    coding). A ranking is valid when it names each option exactly once and
    nothing else: ``a|b|c`` for options a, b, c. Rows that do not (a missing
    or repeated option, an unknown one, more or fewer than k entries:
    ``a|b``, ``a|b|c|c``, ``a|b|c|d``) are NaN, so every statistic counts
    them as invalid.

    Examples
    --------
    >>> rank_matrix(pd.Series(["b|a|c", "a|b|c|c", "a|b|c|d"]), ["a", "b", "c"])[:, 0]
    array([ 1., nan, nan])
    """
    # A study has a few distinct rankings (k! at most) given thousands of times: each
    # distinct text is parsed once and its row copied to every answer that gave it.
    codes, distinct = pd.factorize(pd.Series(text).astype("str"))
    pos = np.full((len(codes), len(options)), np.nan)
    given = codes >= 0
    pos[given] = _parse(pd.Series(distinct, dtype="str"), list(options))[codes[given]]
    return pos


def _parse(text: pd.Series, options: list) -> np.ndarray:
    """:func:`rank_matrix` of rankings given as text, each row parsed."""
    parts = text.str.split("|", expand=True)
    k = len(options)
    pos = np.full((len(text), k), np.nan)
    entries = parts.notna().sum(axis=1).to_numpy()  # before any column is cut off
    if parts.shape[1] != k:
        parts = parts.reindex(columns=range(k))
    for j, opt in enumerate(options):
        hit = (parts == opt).to_numpy()
        found = hit.any(axis=1)
        pos[found, j] = hit[found].argmax(axis=1)
    bad = (entries != k) | np.isnan(pos).any(axis=1) | (
        np.sort(np.nan_to_num(pos, nan=-1), axis=1) != np.arange(k)).any(axis=1)
    pos[bad] = np.nan
    return pos


def _rows(pos: np.ndarray, weights) -> tuple[np.ndarray, np.ndarray]:
    """Complete rankings and their weights (ones when unweighted)."""
    w = np.ones(pos.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    if w.shape[0] != pos.shape[0]:
        raise ValueError("weights must have one value per ranking")
    ok = ~np.isnan(pos).any(axis=1) & ~np.isnan(w)
    if (w[ok] < 0).any():
        raise ValueError("weights must be non-negative")
    return pos[ok], w[ok]


def condorcet_winner(pos: np.ndarray, options: Sequence[str], weights=None) -> str | None:
    """Option that beats every other in pairwise majority, or ``None``.

    With ``weights`` (one per ranking) the pairwise majorities are weighted:
    option i beats j when the weight of rankings putting i above j exceeds the
    weight putting j above i.
    """
    pos, w = _rows(pos, weights)
    k = len(options)
    for i in range(k):
        if all(w @ (pos[:, i] < pos[:, j]) > w @ (pos[:, j] < pos[:, i])
               for j in range(k) if j != i):
            return options[i]
    return None


def single_peakedness(pos: np.ndarray, options: Sequence[str],
                      weights=None) -> tuple[float, str]:
    """Proximity to single-peakedness (List, Luskin, Fishkin & McLean 2013).

    Returns
    -------
    (share, axis)
        The largest share of rankings that are single-peaked on one ordering
        (axis) of the options, and that axis (ids joined with ``<``).

    Notes
    -----
    A ranking is single-peaked on an axis when, for every j, its top j options
    are adjacent on the axis. The measure is the share of single-peaked
    rankings on the axis that maximises it (a weighted share when ``weights``
    are given). Axes and their mirror images are the same, so k!/2 axes are
    tried.
    """
    pos, w = _rows(pos, weights)
    if pos.shape[0] == 0 or w.sum() == 0:
        return np.nan, ""
    k = len(options)
    order = np.argsort(pos, axis=1)  # option index at each rank
    best, best_axis = -1.0, ""
    for axis in itertools.permutations(range(k)):
        if axis[0] > axis[-1]:
            continue
        place = np.empty(k, dtype=int)
        place[list(axis)] = np.arange(k)
        loc = place[order]  # axis position of the option at each rank
        lo = np.minimum.accumulate(loc, axis=1)
        hi = np.maximum.accumulate(loc, axis=1)
        ok = ((hi - lo) == np.arange(k)).all(axis=1)
        share = float(w @ ok / w.sum())
        if share > best:
            best, best_axis = share, "<".join(options[i] for i in axis)
    return best, best_axis


def single_peaked_baseline(k: int) -> float:
    """Share of uniformly random rankings of k options single-peaked on a given axis.

    Notes
    -----
    A ranking is single-peaked on an axis exactly when, read from the last
    place up, each option is at an end of the part of the axis not yet
    ranked: two choices for each of the last k - 1 places and one for the
    first, so :math:`2^{k-1}` of the :math:`k!` rankings are single-peaked on
    any one axis (Black 1948; the count is in Escoffier, Lang & Öztürk 2008,
    "Single-peaked consistency and its complexity", ECAI). Under random
    rankings ("impartial culture") the share is :math:`2^{k-1} / k!`: 2/3 for
    three options, 1/3 for four, 2/15 for five. The measure of
    :func:`single_peakedness` takes the best of the k!/2 axes, so on a finite
    random sample it lies somewhat above this (the maximum of several
    estimates of the same share); the baseline is its limit.

    Examples
    --------
    >>> single_peaked_baseline(3), single_peaked_baseline(4)
    (0.6666666666666666, 0.3333333333333333)
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    return 2 ** (k - 1) / math.factorial(k)


def ranking_summary(
    data: pd.DataFrame,
    options: Sequence[str],
    text: str = "text",
    by: Sequence[str] = ("phase", "arm"),
    weights: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """First-choice shares, Borda scores and collective properties per group.

    Parameters
    ----------
    data : DataFrame
        One row per ranking answer.
    options : sequence of str
        Option ids (codebook order).
    text : str
        Column with the ``|``-joined ranking.
    by : sequence of str
        Grouping columns.
    weights : str, optional
        Column of survey weights: shares, Borda and mean ranks become weighted
        means over the rankings, the Condorcet comparison uses weighted
        pairwise majorities and the single-peaked share is a weighted share.

    Returns
    -------
    per_option : DataFrame
        ``by`` columns, ``option``, ``first_share`` (share ranking it first),
        ``borda`` (mean Borda score: k - 1 points for first ... 0 for last),
        ``mean_rank`` (1 = first).
    per_group : DataFrame
        ``by`` columns, ``n`` (valid rankings), ``n_invalid`` (answers whose
        text is not a valid ranking, see :func:`rank_matrix`; left out of
        every statistic), ``condorcet_winner`` (or None), ``borda_winner``,
        ``single_peaked_share``, ``single_peaked_axis``,
        ``single_peaked_baseline`` (:func:`single_peaked_baseline`: the share
        expected of random rankings), ``single_peaked_excess`` (share minus
        baseline), ``weighted`` (bool).

    Notes
    -----
    With integer weights every result equals that of the unweighted
    rankings each repeated as often as its weight.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.rankings import ranking_summary
    >>> df = pd.DataFrame({"text": ["a|b", "b|a", "b|a"], "phase": "pre", "arm": "x"})
    >>> ranking_summary(df, ["a", "b"])[0]["first_share"].round(3).tolist()
    [0.333, 0.667]
    """
    by = list(by)
    missing = [c for c in [text, *by] + ([weights] if weights else []) if c not in data.columns]
    if missing:
        raise ValueError(f"column(s) {missing} not in data")
    options = list(options)
    k = len(options)
    baseline = single_peaked_baseline(k)
    per_opt, per_group = [], []
    for key, sub in data.groupby(by, observed=True, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        pos = rank_matrix(sub[text], options)
        invalid = int((np.isnan(pos).any(axis=1) & sub[text].notna().to_numpy()).sum())
        pos, w = _rows(pos, sub[weights].to_numpy(dtype=float) if weights else None)
        n = pos.shape[0]
        sw = w.sum()
        keyd = dict(zip(by, key, strict=True))
        ok = n > 0 and sw > 0
        borda = w @ (k - 1 - pos) / sw if ok else np.full(k, np.nan)
        first = w @ (pos == 0) / sw if ok else np.full(k, np.nan)
        mean_rank = w @ pos / sw + 1 if ok else np.full(k, np.nan)
        for j, opt in enumerate(options):
            per_opt.append({**keyd, "option": opt, "first_share": first[j],
                            "borda": borda[j], "mean_rank": mean_rank[j]})
        sp, axis = single_peakedness(pos, options, w)
        per_group.append({**keyd, "n": n, "n_invalid": invalid,
                          "condorcet_winner": condorcet_winner(pos, options, w),
                          "borda_winner": options[int(np.argmax(borda))] if ok else None,
                          "single_peaked_share": sp, "single_peaked_axis": axis,
                          "single_peaked_baseline": baseline,
                          "single_peaked_excess": sp - baseline,
                          "weighted": weights is not None})
    return pd.DataFrame(per_opt), pd.DataFrame(per_group)
