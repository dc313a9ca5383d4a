"""Pairwise choices: Bradley-Terry strengths with group slopes, and a Schulze ranking.

"Which helps you more to understand why people support X?": each choice
between two statements is a Bradley-Terry comparison whose log-odds may
depend on where the rater stands (z). The Schulze method then aggregates
the opinion groups' rankings as a social-choice check of the bridging
order (the Habermas Machine aggregates rankings the same way).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.frames import isin_ids

__all__ = ["bradley_terry", "schulze"]


def bradley_terry(pairs: pd.DataFrame, anchors: pd.DataFrame, lam: float = 1.0,
                  tol: float = 1e-10, max_iter: int = 100) -> pd.DataFrame:
    """Ridge Bradley-Terry model with a slope on the rater's anchors, by Newton's method.

    Parameters
    ----------
    pairs : DataFrame
        ``rater, left, right, chosen`` (``pairs.csv``); rows without a
        choice are left out.
    anchors : DataFrame
        Indexed by rater, the anchor columns z (raters without a row are
        left out).
    lam : float
        Ridge penalty on every strength and slope (sum-of-squares units).
    tol : float
        Stop when no parameter moves by more than this.

    Returns
    -------
    DataFrame
        Indexed by statement: ``strength`` (theta), ``slope_<column>`` (phi),
        ``n_pairs`` (comparisons it was in), ``wins``.

    Notes
    -----
    :math:`\\mathrm{logit}\\, P(\\text{left chosen}) = (\\theta_l - \\theta_r)
    + z_u^\\top (\\phi_l - \\phi_r)`, maximising
    :math:`\\ell(\\beta) - \\tfrac{\\lambda}{2} |\\beta|^2` by Newton steps
    :math:`\\beta \\leftarrow \\beta + (X^\\top W X + \\lambda I)^{-1}
    (X^\\top (y - p) - \\lambda \\beta)` (Bradley & Terry 1952; the ridge
    makes the strengths identified without a reference statement). A group
    at centre m prefers statement s with strength :math:`\\theta_s + m^\\top
    \\phi_s`.

    Examples
    --------
    >>> p = pd.DataFrame({"rater": [1, 1, 2, 2], "left": [7, 7, 8, 9], "right": [8, 9, 9, 7],
    ...                   "chosen": [7, 7, 8, 7]})
    >>> z = pd.DataFrame({"z1": [-1.0, 1.0]}, index=[1, 2])
    >>> (bradley_terry(p, z)["strength"].round(3) + 0.0).tolist()
    [0.646, 0.0, -0.646]
    """
    cols = list(anchors.columns)
    d = pairs.dropna(subset=["chosen"])
    d = d[isin_ids(d["rater"], anchors.index)]
    statements = np.sort(pd.unique(pd.concat([d["left"], d["right"]]).to_numpy()))
    n, k, m = statements.size, len(cols), len(d)
    li = np.searchsorted(statements, d["left"].to_numpy())
    ri = np.searchsorted(statements, d["right"].to_numpy())
    y = (d["chosen"].to_numpy() == d["left"].to_numpy()).astype(float)
    z = anchors.loc[d["rater"], cols].to_numpy(float)
    x = np.zeros((m, n * (1 + k)))
    rows = np.arange(m)
    x[rows, li] += 1.0
    x[rows, ri] -= 1.0
    for j in range(k):  # anchor dimensions
        x[rows, n * (1 + j) + li] += z[:, j]
        x[rows, n * (1 + j) + ri] -= z[:, j]
    beta = np.zeros(x.shape[1])
    for _ in range(max_iter):
        p = 1 / (1 + np.exp(-(x @ beta)))
        grad = x.T @ (y - p) - lam * beta
        hess = (x * (p * (1 - p))[:, None]).T @ x + lam * np.eye(x.shape[1])
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.abs(step).max() <= tol:
            break
    else:
        raise RuntimeError("bradley_terry did not converge")
    out = pd.DataFrame({"strength": beta[:n]}, index=pd.Index(statements, name="statement"))
    for j, c in enumerate(cols):
        out[f"slope_{c}"] = beta[n * (1 + j): n * (2 + j)]
    out["n_pairs"] = np.bincount(li, minlength=n) + np.bincount(ri, minlength=n)
    winner = np.where(y == 1, li, ri)
    out["wins"] = np.bincount(winner, minlength=n)
    return out


def schulze(ballots: pd.DataFrame, weights=None) -> pd.DataFrame:
    """The Schulze method over ranked ballots.

    Parameters
    ----------
    ballots : DataFrame
        One row per ballot, one column per candidate: its rank on that
        ballot (1 = first; ties allowed, missing = ranked below all others).
    weights : array-like, optional
        Voters casting each ballot (default 1).

    Returns
    -------
    DataFrame
        Indexed by candidate: ``rank`` (1 = winner; candidates beating the
        same number of others share a rank) and ``beats`` (how many others
        it beats on strongest paths), best first.

    Notes
    -----
    d[i, j] = voters ranking i above j; the strength of the strongest path
    p[i, j] is the widest path in the graph of pairwise wins (d[i, j] >
    d[j, i]), found by Floyd-Warshall; i beats j when p[i, j] > p[j, i]
    (Schulze 2011, Social Choice and Welfare 36).

    Examples
    --------
    >>> b = pd.DataFrame({"x": [1, 2, 2], "y": [2, 1, 3], "z": [3, 3, 1]})
    >>> schulze(b).index.tolist()
    ['x', 'y', 'z']
    """
    r = ballots.to_numpy(float)
    r = np.where(np.isnan(r), np.inf, r)
    w = np.ones(len(r)) if weights is None else np.asarray(weights, float)
    above = (r[:, :, None] < r[:, None, :]).astype(float)  # ballot x i x j: i above j
    d = np.einsum("b,bij->ij", w, above)
    p = np.where(d > d.T, d, 0.0)
    for k in range(p.shape[0]):  # candidates (Floyd-Warshall), not voters
        p = np.maximum(p, np.minimum(p[:, [k]], p[[k], :]))
        np.fill_diagonal(p, 0.0)
    beats = (p > p.T).sum(axis=1)
    order = np.argsort(-beats, kind="stable")
    ranks = pd.Series(beats).rank(method="min", ascending=False).astype(int).to_numpy()
    return pd.DataFrame({"rank": ranks[order], "beats": beats[order]},
                        index=pd.Index(np.asarray(ballots.columns)[order], name="candidate"))
