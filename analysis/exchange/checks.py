"""Checks beside the bridging scores: other rankings, reliability, calibration, sensitivity.

None of these replaces the anchored model; each says how far to trust it:
Pol.is' group-informed consensus on the agree answers, the learned
Community Notes factor, split-half reliability, a rater bootstrap of the
standard errors, and the scores under other penalties.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.exchange.bridging import bridging_fit, fit_codes
from analysis.frames import isin_ids

__all__ = ["polis_consensus", "learned_factor", "split_half", "rater_bootstrap",
           "penalty_sensitivity"]


def polis_consensus(ratings: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Group-informed consensus (Pol.is) of each statement from the agree answers.

    Parameters
    ----------
    ratings : DataFrame
        ``rater, statement, agree`` (``agree``/``disagree``/``unsure``; empty
        answers left out).
    groups : Series
        Rater -> opinion group.

    Returns
    -------
    DataFrame
        Indexed by statement: ``agree_<group>`` (smoothed agree share) per
        group and ``consensus`` (their product).

    Notes
    -----
    Pol.is multiplies over groups the agree rate smoothed with a Laplace
    prior, (A + 1) / (S + 2). Here the prior is Jeffreys' Beta(1/2, 1/2):
    :math:`\\hat p_g = (A_g + 1/2) / (S_g + 1)`, with A agrees and S answers
    (``unsure`` counts as an answer, not an agree) from group g;
    consensus = :math:`\\prod_g \\hat p_g`.

    Examples
    --------
    >>> r = pd.DataFrame({"rater": [1, 2, 3, 4], "statement": [9, 9, 9, 9],
    ...                   "agree": ["agree", "agree", "disagree", "agree"]})
    >>> polis_consensus(r, pd.Series({1: "a", 2: "a", 3: "b", 4: "b"})).round(4).iloc[0].tolist()
    [0.8333, 0.5, 0.4167]
    """
    d = ratings[ratings["agree"].notna()]
    g = d["rater"].map(groups)
    d = d.assign(group=g.astype(str).to_numpy(), yes=(d["agree"] == "agree").to_numpy(float))
    d = d[g.notna().to_numpy()]
    agg = d.groupby(["statement", "group"])["yes"].agg(["sum", "count"])
    share = ((agg["sum"] + 0.5) / (agg["count"] + 1.0)).unstack("group")
    labels = sorted(share.columns)
    share = share[labels].fillna(0.5)  # no answers from a group: the prior mean
    out = share.add_prefix("agree_")
    out["consensus"] = share.prod(axis=1)
    return out


def learned_factor(ratings: pd.DataFrame, lam_i: float = 5.0, lam_f: float = 1.0,
                   iterations: int = 300, seed: int = 0,
                   ) -> tuple[pd.Series, pd.DataFrame]:
    """The Community Notes model with a *learned* one-dimensional rater factor.

    Parameters
    ----------
    ratings : DataFrame
        ``rater, statement, rating``.
    lam_i, lam_f : float
        Ridge penalties on the intercepts and on the factors (sum-of-squares
        units; Community Notes penalises intercepts 5 times the factors).
    iterations : int
        Alternating sweeps (the model is not convex: a fixed budget, not a
        convergence claim).

    Returns
    -------
    (Series, DataFrame)
        The raters' factor g_u, and by statement ``intercept`` and ``factor``.

    Notes
    -----
    :math:`y_{un} = \\mu + a_u + c_n + g_u h_n + e`, fitted by alternating
    exact ridge solves: raters' (a_u, g_u) given the statements, statements'
    (c_n, h_n) given the raters (2 x 2 systems per rater or statement), mu as
    the mean residual (Wojcik et al. 2022, arXiv 2210.15723).

    Examples
    --------
    >>> from analysis.synthetic_exchange import simulate_fairness
    >>> sim = simulate_fairness(n_statements=40, per_statement=60, raters_per_camp=30)
    >>> g, _ = learned_factor(sim.ratings)
    >>> bool(abs(np.corrcoef(g, sim.anchors.loc[g.index, "z1"])[0, 1]) > 0.7)
    True
    """
    u, raters = pd.factorize(ratings["rater"], sort=True)
    n, statements = pd.factorize(ratings["statement"], sort=True)
    y = ratings["rating"].to_numpy(float)
    rng = np.random.default_rng(seed)
    g = rng.normal(0, 0.1, raters.size)
    a, c = np.zeros(raters.size), np.zeros(statements.size)
    h = rng.normal(0, 0.1, statements.size)
    mu = float(y.mean())
    for _ in range(iterations):
        a, g = _two_by_two(u, raters.size, y - mu - c[n], h[n], lam_i, lam_f)
        c, h = _two_by_two(n, statements.size, y - mu - a[u], g[u], lam_i, lam_f)
        mu = float((y - a[u] - c[n] - g[u] * h[n]).mean())
    return (pd.Series(g, index=pd.Index(raters, name="rater"), name="factor"),
            pd.DataFrame({"intercept": c, "factor": h},
                         index=pd.Index(statements, name="statement")))


def _two_by_two(idx, size, r, x, lam_i, lam_f):
    """Per group k: argmin sum (r - b0 - b1 x)^2 + lam_i b0^2 + lam_f b1^2, by bincount."""
    s1 = np.bincount(idx, minlength=size) + lam_i
    sx = np.bincount(idx, x, minlength=size)
    sxx = np.bincount(idx, x * x, minlength=size) + lam_f
    sr = np.bincount(idx, r, minlength=size)
    sxr = np.bincount(idx, x * r, minlength=size)
    det = s1 * sxx - sx * sx
    return (sxx * sr - sx * sxr) / det, (s1 * sxr - sx * sr) / det


def split_half(ratings: pd.DataFrame, anchors: pd.DataFrame, centres: pd.DataFrame,
               seed: int = 0) -> dict:
    """Reliability of the bridging scores: two random halves of the raters.

    Returns ``{"r_half": Spearman between the halves' scores, "reliability":
    Spearman-Brown 2r / (1 + r), "statements": n}`` over statements scored in both.

    Notes
    -----
    Spearman-Brown prophecy for doubling the ratings: :math:`\\rho = 2r / (1 + r)`
    (Spearman 1910; Brown 1910).
    """
    raters = np.sort(ratings["rater"].unique())
    half = np.random.default_rng(seed).permutation(raters.size) < raters.size // 2
    first = set(raters[half])
    mask = isin_ids(ratings["rater"], sorted(first))
    one = bridging_fit(ratings[mask], anchors).scores(centres)["bridging"]
    two = bridging_fit(ratings[~mask], anchors).scores(centres)["bridging"]
    both = one.index.intersection(two.index)
    r = float(stats.spearmanr(one[both], two[both])[0])
    return {"r_half": r, "reliability": 2 * r / (1 + r), "statements": int(both.size)}


def rater_bootstrap(ratings: pd.DataFrame, anchors: pd.DataFrame, centres: pd.DataFrame,
                    n_boot: int = 50, seed: int = 0) -> pd.DataFrame:
    """Bootstrap SE of each statement's bridging score, resampling raters.

    Returns, by statement, ``se_model`` (the SE of the least convinced
    group's prediction), ``se_boot`` (SD of the bridging score over
    ``n_boot`` refits on raters drawn with replacement; a rater drawn twice
    enters twice under two ids) and ``ratio`` (boot / model).
    """
    fit = bridging_fit(ratings, anchors)
    base = fit.scores(centres)
    groups = [str(g) for g in centres.index]
    p = base[[f"p_{g}" for g in groups]].to_numpy()
    se = base[[f"se_{g}" for g in groups]].to_numpy()[np.arange(len(base)), p.argmin(axis=1)]
    rng = np.random.default_rng(seed)
    raters = np.sort(ratings["rater"].unique())  # a rater who only skipped can be drawn too
    # Each draw is assembled from the base fit's codes (the ratings it used,
    # skips left out): rater by rater in the order drawn, each rater's
    # ratings in their order, so every refit sees what rebuilding the table
    # from the ids would give it, without building it.
    u, n = fit._codes
    y = ratings.loc[ratings["rating"].notna(), "rating"].to_numpy(dtype=float)
    code_of = pd.Index(fit.raters.index).get_indexer(raters)  # -1: only skips
    rows = np.argsort(u, kind="stable")
    count = np.bincount(u, minlength=len(fit.raters))
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    zall = fit.raters[fit.columns].to_numpy()
    n_statements = len(fit.statements)
    draws = []
    for b in range(n_boot):  # refits, not ratings
        # raters drawn with replacement, as positions (the draws of rng.choice)
        pick = code_of[rng.integers(0, raters.size, size=raters.size)]
        pick = pick[pick >= 0]
        k = count[pick]
        take = rows[np.repeat(first[pick] - np.concatenate([[0], np.cumsum(k)[:-1]]), k)
                    + np.arange(k.sum())]
        # the statements rated in the draw, renumbered from 0 (np.unique's codes, by
        # counting: a few hundred statements, not a sort of every rating)
        seen = np.bincount(n[take], minlength=n_statements) > 0
        used = np.flatnonzero(seen)
        n_b = (np.cumsum(seen) - 1)[n[take]]
        refit = fit_codes(fit.columns, np.repeat(np.arange(pick.size), k), n_b, y[take],
                          pd.Index(np.arange(pick.size), name="rater"),
                          fit.statements.index[used], zall[pick], **fit.lambdas)
        draws.append(refit.scores(centres)["bridging"].rename(b))
    boot = pd.concat(draws, axis=1).reindex(base.index)
    out = pd.DataFrame({"se_model": se, "se_boot": boot.std(axis=1, ddof=1)}, index=base.index)
    out["ratio"] = out["se_boot"] / out["se_model"]
    return out


def penalty_sensitivity(ratings: pd.DataFrame, anchors: pd.DataFrame, centres: pd.DataFrame,
                        lams=(2.0, 5.0, 10.0)) -> pd.DataFrame:
    """Bridging scores with lam_c = lam_f = lam for each lam, and their rank agreement.

    Returns, per lam, ``lam``, ``spearman_vs_5`` (rank correlation with the
    scores at the stated 5), ``mean_bridging`` and ``n_bridging`` (status
    ``bridging``).
    """
    base = bridging_fit(ratings, anchors).scores(centres)
    rows = []
    for lam in lams:  # a few refits
        t = bridging_fit(ratings, anchors, lam_c=lam, lam_f=lam).scores(centres)
        rows.append({"lam": lam,
                     "spearman_vs_5": float(stats.spearmanr(t["bridging"], base["bridging"])[0]),
                     "mean_bridging": float(t["bridging"].mean()),
                     "n_bridging": int((t["status"] == "bridging").sum())})
    return pd.DataFrame(rows)
