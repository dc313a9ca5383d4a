"""The Deliberative Reason Index (Niemeyer, Veri, Dryzek and Bachtiger, APSR 2023/2024).

For every pair of participants, the Spearman correlation of their answers
to the considerations (the views items) and of their preference rankings;
a pair is intersubjectively consistent when the two correlations agree. The
index averages how close the pairs lie to the diagonal r_C = r_P.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["dri", "standardised_ranks", "MAX_FULL", "SAMPLED_PAIRS"]

#: above this many participants the pairs are sampled, not enumerated
MAX_FULL = 5000
#: pairs drawn when sampling
SAMPLED_PAIRS = 1_000_000
_BLOCK = 500


def standardised_ranks(x: np.ndarray) -> np.ndarray:
    """Each row's average ranks, centred and scaled to unit length (NaN for a constant row).

    The dot product of two such rows is their Spearman correlation.

    >>> z = standardised_ranks(np.array([[1.0, 2, 3], [3, 2, 2]]))
    >>> round(float(z[0] @ z[1]), 4)
    -0.866
    """
    order = x.argsort(axis=1, kind="stable")
    ranks = np.empty_like(x, dtype=float)
    rows = np.arange(x.shape[0])[:, None]
    ranks[rows, order] = np.arange(1, x.shape[1] + 1, dtype=float)
    # average ranks for ties: mean rank within each (row, value) group
    key = pd.DataFrame({"row": np.repeat(np.arange(x.shape[0]), x.shape[1]),
                        "value": x.ravel(), "rank": ranks.ravel()})
    ranks = key.groupby(["row", "value"])["rank"].transform("mean").to_numpy().reshape(x.shape)
    centred = ranks - ranks.mean(axis=1, keepdims=True)
    norm = np.sqrt((centred**2).sum(axis=1, keepdims=True))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, centred / norm, np.nan)


def dri(considerations: pd.DataFrame, preferences: pd.DataFrame, *, max_full: int = MAX_FULL,
        n_pairs: int = SAMPLED_PAIRS, seed: int = 0) -> dict:
    """Group and individual Deliberative Reason Index.

    Parameters
    ----------
    considerations : DataFrame
        Indexed by participant, one column per consideration (agreement
        with a statement, any ordinal scale).
    preferences : DataFrame
        Indexed by participant, one column per option: its rank (1 = first)
        or any score whose order is the preference.
    max_full : int
        Up to this many participants every pair is used; above it
        ``n_pairs`` pairs are drawn at random (with replacement, i != j).
    seed : int
        For the sampled pairs.

    Returns
    -------
    dict
        ``dri`` (group), ``individual`` (Series by participant), ``n``
        (participants used: complete answers that vary in both parts),
        ``pairs`` (pairs averaged), ``sampled`` (bool), ``dropped``.

    Notes
    -----
    With :math:`r^C_{ij}` and :math:`r^P_{ij}` the Spearman correlations of
    i's and j's considerations and preferences, the pair's distance to the
    diagonal is :math:`d_{ij} = |r^C_{ij} - r^P_{ij}| / \\sqrt 2`, and with
    :math:`\\lambda = \\sqrt 2 / 2` the index is
    :math:`DRI = (\\lambda - 2 \\bar d) / \\lambda = 1 - 2\\sqrt 2\\, \\bar d`,
    averaged over all pairs (group) or the pairs that include i
    (individual) (Niemeyer et al., "How Deliberation Happens: Enabling
    Deliberative Reason", APSR 2024, supplementary code; the unadjusted
    index). Preferences are ranks, so a lower number is a stronger
    preference for both participants alike: the sign does not matter.

    Examples
    --------
    >>> c = pd.DataFrame([[1, 2, 3, 4], [2, 1, 4, 3], [4, 3, 2, 1]], index=list("abc"))
    >>> p = pd.DataFrame([[1, 2, 3], [1, 3, 2], [3, 2, 1]], index=list("abc"))
    >>> round(dri(c, p)["dri"], 4)
    0.8667
    """
    both = considerations.index.intersection(preferences.index)
    c = considerations.loc[both].to_numpy(dtype=float)
    p = preferences.loc[both].to_numpy(dtype=float)
    complete = np.isfinite(c).all(axis=1) & np.isfinite(p).all(axis=1)
    zc, zp = standardised_ranks(c[complete]), standardised_ranks(p[complete])
    ok = np.isfinite(zc).all(axis=1) & np.isfinite(zp).all(axis=1)
    zc, zp = zc[ok], zp[ok]
    ids = both[complete][ok]
    n = ids.size
    out = {"dri": np.nan, "individual": pd.Series(dtype=float), "n": int(n), "pairs": 0,
           "sampled": False, "dropped": int(len(considerations) - n)}
    if n < 2:
        return out
    if n <= max_full:
        sums = np.zeros(n)
        for start in range(0, n, _BLOCK):  # blocks of rows, each against every participant
            stop = min(start + _BLOCK, n)
            d = np.abs(zc[start:stop] @ zc.T - zp[start:stop] @ zp.T) / np.sqrt(2)
            d[np.arange(stop - start), np.arange(start, stop)] = 0.0
            sums[start:stop] = d.sum(axis=1)
        mean_d = sums.sum() / (n * (n - 1))  # every pair counted twice, as is its size
        ind = sums / (n - 1)
        pairs = n * (n - 1) // 2
    else:
        rng = np.random.default_rng(seed)
        i = rng.integers(n, size=n_pairs)
        j = (i + rng.integers(1, n, size=n_pairs)) % n  # j != i
        d = np.abs((zc[i] * zc[j]).sum(axis=1) - (zp[i] * zp[j]).sum(axis=1)) / np.sqrt(2)
        mean_d = float(d.mean())
        sums = np.bincount(i, d, minlength=n) + np.bincount(j, d, minlength=n)
        count = np.bincount(i, minlength=n) + np.bincount(j, minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            ind = sums / count
        pairs, out["sampled"] = n_pairs, True
    out["dri"] = float(1 - 2 * np.sqrt(2) * mean_d)
    out["individual"] = pd.Series(1 - 2 * np.sqrt(2) * ind, index=ids, name="dri")
    out["pairs"] = int(pairs)
    return out
