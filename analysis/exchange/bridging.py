"""The anchored bridging model: which arguments every opinion group finds fair.

Community Notes (Wojcik et al. 2022, arXiv 2210.15723) learns a rater factor
and a note factor together, a non-convex fit that needs dozens of ratings per
rater. Parley measures each rater's position *before* treatment (the anchor
``z``), so the rater factor is fixed to it and the model becomes a convex
ridge regression with one optimum, reached here by block coordinate descent
to a parameter change of at most ``1e-10``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.exchange.bridging_solver import solve
from analysis.frames import isin_ids

__all__ = ["BridgingFit", "bridging_fit", "LAMBDAS", "STATUSES", "nearest_centre"]

#: the penalties of the model (sum-of-squares units)
LAMBDAS = {"lam_c": 5.0, "lam_f": 5.0, "lam_a": 3.0, "lam_mu": 1.0}
#: a statement's status, in the order they are decided
STATUSES = ("needs-ratings", "bridging", "divisive", "mixed")
_Z90 = 1.645


@dataclass(frozen=True)
class BridgingFit:
    """The fitted anchored bridging model (returned by :func:`bridging_fit`).

    Attributes
    ----------
    mu : float
        The overall intercept.
    raters : DataFrame
        Indexed by rater: ``intercept`` (a_u), ``n_ratings`` (W_u) and the
        anchor columns (z_u).
    statements : DataFrame
        Indexed by statement: ``intercept`` (c_n), ``slope_<column>`` (f_n),
        ``n_ratings`` (W_n), ``anchor_ss`` (S_n).
    cov : ndarray
        ``(statements, 1 + d, 1 + d)``: Cov(c_n, f_n) = sigma^2 A_n^-1, rows
        in the order of ``statements``.
    sigma2, rss, edf : float
        Residual variance, residual sum of squares, effective degrees of freedom.
    n_ratings : int
        Ratings used (R).
    sweeps : int
        Coordinate-descent sweeps run (after the conjugate-gradient start).
    cg_steps : int
        Conjugate-gradient steps of the start (see :func:`bridging_fit`).
    max_change : float
        The largest change of any parameter in the last sweep.
    lambdas : dict
        The penalties used.
    columns : list of str
        The anchor columns (dimensions of z).
    """

    mu: float
    raters: pd.DataFrame
    statements: pd.DataFrame
    cov: np.ndarray = field(repr=False)
    sigma2: float
    rss: float
    edf: float
    n_ratings: int
    sweeps: int
    cg_steps: int
    max_change: float
    lambdas: dict
    columns: list
    #: each used rating's rater and statement, as row numbers of ``raters`` and ``statements``
    _codes: tuple = field(repr=False)

    def scores(self, centres: pd.DataFrame, groups: pd.Series | None = None, *,
               min_ratings: int = 20, min_per_group: int = 5,
               min_groups: int = 2) -> pd.DataFrame:
        """Predicted fairness per opinion group, bridging score and status per statement.

        Parameters
        ----------
        centres : DataFrame
            Indexed by group; the anchor columns: each group's centre m_g on
            the z scale.
        groups : Series, optional
            Rater -> group, to count ratings per group for the status. By
            default each rater belongs to the nearest centre (Euclidean in z).
        min_ratings, min_per_group, min_groups : int
            A statement "needs ratings" until it has ``min_ratings`` ratings
            with at least ``min_per_group`` from each of at least
            ``min_groups`` groups.

        Returns
        -------
        DataFrame
            Indexed by statement: ``intercept``, ``slope_<column>`` for each
            anchor column, ``n_ratings``, ``bridging``, ``lower``,
            ``p_<group>`` and ``se_<group>`` for each group, then ``spread``
            (max minus min of the p), ``n_<group>`` (ratings from the group)
            and ``status``.

        Notes
        -----
        .. math::

            p_{ng} = \\mu + c_n + m_g^\\top f_n, \\qquad
            SE_{ng} = \\sqrt{v_g^\\top \\mathrm{Cov}(c_n, f_n)\\, v_g},\\ v_g = (1, m_g)

            \\mathrm{bridging}_n = \\min_g p_{ng}, \\qquad
            \\mathrm{lower}_n = \\min_g (p_{ng} - 1.645\\, SE_{ng})

        (the uncertainty of mu is left out: it is common to every statement).
        Status: ``needs-ratings`` (above), else ``bridging`` when
        lower >= 0.5, else ``divisive`` when spread >= 0.4, else ``mixed``.

        Examples
        --------
        >>> import pandas as pd
        >>> ratings = pd.DataFrame({"rater": [1, 1, 2, 2, 3, 3],
        ...                         "statement": ["a", "b", "a", "b", "a", "b"],
        ...                         "rating": [1, 0, 1, 1, 0.5, 0]})
        >>> z = pd.DataFrame({"z1": [-1.0, 1.0, 0.0]}, index=[1, 2, 3])
        >>> fit = bridging_fit(ratings, z)
        >>> t = fit.scores(pd.DataFrame({"z1": [-1.0, 1.0]}, index=["left", "right"]))
        >>> t.round(3)[["bridging", "p_left", "p_right", "status"]]
                   bridging  p_left  p_right         status
        statement
        a             0.536   0.583    0.536  needs-ratings
        b             0.252   0.252    0.492  needs-ratings
        """
        missing = [c for c in self.columns if c not in centres.columns]
        if missing:
            raise ValueError(f"centres lack the anchor column(s) {missing}")
        if centres.empty or centres.index.has_duplicates:
            raise ValueError("centres need at least one group, each once")
        m = centres[self.columns].to_numpy(dtype=float)
        if not np.isfinite(m).all():
            raise ValueError("centres must be finite numbers")
        st = self.statements
        f = st[[f"slope_{c}" for c in self.columns]].to_numpy()
        p = self.mu + st["intercept"].to_numpy()[:, None] + f @ m.T
        v = np.hstack([np.ones((m.shape[0], 1)), m])
        se = np.sqrt(np.einsum("gi,nij,gj->ng", v, self.cov, v))
        labels = [str(g) for g in centres.index]
        out = st[["intercept", *[f"slope_{c}" for c in self.columns], "n_ratings"]].copy()
        out["bridging"] = p.min(axis=1)
        out["lower"] = (p - _Z90 * se).min(axis=1)
        for k, g in enumerate(labels):
            out[f"p_{g}"] = p[:, k]
            out[f"se_{g}"] = se[:, k]
        out["spread"] = p.max(axis=1) - p.min(axis=1)
        counts = self._group_counts(centres, groups)
        for g in labels:
            out[f"n_{g}"] = counts[g].to_numpy()
        enough = ((counts.to_numpy() >= min_per_group).sum(axis=1) >= min_groups) & (
            out["n_ratings"].to_numpy() >= min_ratings)
        out["status"] = np.select(
            [~enough, out["lower"].to_numpy() >= 0.5, out["spread"].to_numpy() >= 0.4],
            list(STATUSES[:3]), STATUSES[3])
        return out

    def _group_counts(self, centres: pd.DataFrame, groups: pd.Series | None) -> pd.DataFrame:
        """Statement x group: how many of its ratings came from each group.

        Counted on the fit's integer codes (one ``bincount``), not by
        cross-tabulating the ids: the rater bootstrap scores 50 refits.
        """
        labels = [str(x) for x in centres.index]
        if groups is None:
            z = self.raters[self.columns].to_numpy()
            g = nearest_centre(z, centres[self.columns].to_numpy(dtype=float))
        else:  # a rater without a group, or in a group not among the centres, is not counted
            g = pd.Index(labels).get_indexer(groups.astype(str).reindex(self.raters.index))
        u, n = self._codes
        of_rating = g[u]
        kept = of_rating >= 0
        k, n_n = len(labels), len(self.statements)
        counts = np.bincount(n[kept] * k + of_rating[kept], minlength=n_n * k)
        return pd.DataFrame(counts.reshape(n_n, k), index=self.statements.index, columns=labels)


def nearest_centre(z: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre (Euclidean) for each row of ``z``.

    >>> nearest_centre(np.array([[-2.0], [0.1], [3.0]]), np.array([[-1.0], [1.0]]))
    array([0, 1, 1])
    """
    d2 = ((z[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return d2.argmin(axis=1)


def bridging_fit(ratings: pd.DataFrame, anchors: pd.DataFrame, *, lam_c: float = 5.0,
                 lam_f: float = 5.0, lam_a: float = 3.0, lam_mu: float = 1.0,
                 tol: float = 1e-10, max_sweeps: int = 100_000) -> BridgingFit:
    """Fit the anchored bridging model to fairness ratings.

    Parameters
    ----------
    ratings : DataFrame
        Columns ``rater``, ``statement``, ``rating`` (0, 0.5 or 1; rows with
        a missing rating, i.e. skips, are left out). Not changed.
    anchors : DataFrame
        Indexed by rater, one numeric column per anchor dimension (z_u: the
        standardised scores on the first d principal components of the
        before answers, :func:`analysis.exchange.anchors.anchor_scores`).
        Every rater needs a row.
    lam_c, lam_f, lam_a, lam_mu : float
        Ridge penalties on the statement intercepts, statement slopes, rater
        intercepts and the overall intercept.
    tol : float
        Stop when no parameter moved by more than this in a sweep.
    max_sweeps : int
        Raise ``RuntimeError`` when not converged after this many sweeps.

    Returns
    -------
    BridgingFit

    Notes
    -----
    The model, for rating y_un of statement n by rater u with anchor z_u:

    .. math::

        y_{un} = \\mu + a_u + c_n + z_u^\\top f_n + e_{un}

        L = \\sum e^2 + \\lambda_c \\sum_n c_n^2 + \\lambda_f \\sum_n |f_n|^2
            + \\lambda_a \\sum_u a_u^2 + \\lambda_\\mu \\mu^2

    L is convex; it is minimised by exact block coordinate descent over two
    blocks. Statements: :math:`(c_n, f_n) = A_n^{-1} (\\sum r, \\sum z_u r)`
    with :math:`r = y - \\mu - a_u` and
    :math:`A_n = [[W_n + \\lambda_c, \\sum z_u^\\top], [\\sum z_u, \\sum z_u z_u^\\top
    + \\lambda_f I]]`. Raters and mu jointly, in closed form, with
    :math:`r = y - c_n - z_u^\\top f_n` and :math:`s_u = \\sum_n r`:
    :math:`\\mu = \\sum_u \\frac{\\lambda_a s_u}{W_u + \\lambda_a} /
    (\\lambda_\\mu + \\sum_u \\frac{\\lambda_a W_u}{W_u + \\lambda_a})`,
    :math:`a_u = (s_u - W_u \\mu) / (W_u + \\lambda_a)`. Sweeps run until no
    parameter moves by more than ``tol``. W counts ratings (per statement,
    per rater). Uncertainty:

    .. math::

        \\mathrm{Cov}(c_n, f_n) = \\sigma^2 A_n^{-1}, \\quad
        \\sigma^2 = \\mathrm{RSS} / (R - \\mathrm{edf})

        \\mathrm{edf} = \\sum_u \\frac{W_u}{W_u + \\lambda_a}
          + \\sum_n \\Big[\\frac{W_n}{W_n + \\lambda_c} + \\frac{S_n}{S_n + \\lambda_f}\\Big] + 1

    with :math:`S_n = \\sum_{u \\to n} |z_u|^2`. Source: the model as stated
    in Parley's exchange design (Community Notes' matrix factorisation with
    the rater factor fixed to the measured position).

    Examples
    --------
    >>> import pandas as pd
    >>> ratings = pd.DataFrame({"rater": [1, 1, 2, 2, 3], "statement": [7, 8, 7, 8, 7],
    ...                         "rating": [1, 0, 1, 0.5, 0.5]})
    >>> z = pd.DataFrame({"z1": [-1.0, 1.0, 0.5]}, index=[1, 2, 3])
    >>> fit = bridging_fit(ratings, z)
    >>> round(fit.mu, 4), fit.statements["n_ratings"].tolist(), fit.max_change <= 1e-10
    (0.4035, [3, 2], True)
    """
    d, cols, u, n, y, raters, statements = _prepare(ratings, anchors)
    zall = anchors.loc[raters].to_numpy(dtype=float)
    return fit_codes(cols, u, n, y, raters, statements, zall, lam_c=lam_c, lam_f=lam_f,
                     lam_a=lam_a, lam_mu=lam_mu, tol=tol, max_sweeps=max_sweeps)


def fit_codes(cols, u, n, y, raters, statements, zall, *, lam_c: float = 5.0,
              lam_f: float = 5.0, lam_a: float = 3.0, lam_mu: float = 1.0, tol: float = 1e-10,
              max_sweeps: int = 100_000) -> BridgingFit:
    """:func:`bridging_fit` on validated codes: rating i is ``y[i]`` by rater
    ``raters[u[i]]`` (anchor ``zall[u[i]]``) of statement ``statements[n[i]]``,
    both code sets dense from 0 and in sorted order of the ids (the rater
    bootstrap's refits start here)."""
    fit = solve(u, n, y, zall, lam_c=lam_c, lam_f=lam_f, lam_a=lam_a, lam_mu=lam_mu, tol=tol,
                max_sweeps=max_sweeps)
    theta = fit.theta
    st = pd.DataFrame({"intercept": theta[:, 0]}, index=pd.Index(statements, name="statement"))
    for k, c in enumerate(cols):
        st[f"slope_{c}"] = theta[:, 1 + k]
    st["n_ratings"] = fit.w_n.astype(int)
    st["anchor_ss"] = fit.s_n
    rt = pd.DataFrame({"intercept": fit.a, "n_ratings": fit.w_u.astype(int)},
                      index=pd.Index(raters, name="rater"))
    for k, c in enumerate(cols):
        rt[c] = zall[:, k]
    return BridgingFit(
        mu=fit.mu, raters=rt, statements=st, cov=fit.sigma2 * fit.a_inv, sigma2=fit.sigma2,
        rss=fit.rss, edf=fit.edf, n_ratings=int(y.size), sweeps=fit.sweeps,
        cg_steps=fit.cg_steps, max_change=fit.max_change,
        lambdas={"lam_c": lam_c, "lam_f": lam_f, "lam_a": lam_a, "lam_mu": lam_mu},
        columns=cols, _codes=(u, n),
    )


def _prepare(ratings: pd.DataFrame, anchors: pd.DataFrame):
    """Validated codes and values of the ratings (skips dropped) and anchors."""
    missing = [c for c in ("rater", "statement", "rating") if c not in ratings.columns]
    if missing:
        raise ValueError(f"ratings lack the column(s) {missing}")
    cols = [str(c) for c in anchors.columns]
    if not cols:
        raise ValueError("anchors need at least one column (a dimension of z)")
    if anchors.index.has_duplicates:
        raise ValueError("anchors must have one row per rater")
    z = anchors.to_numpy(dtype=float)
    if not np.isfinite(z).all():
        raise ValueError("anchors must be finite numbers (impute before fitting)")
    rated = ratings[ratings["rating"].notna()]
    y = rated["rating"].to_numpy(dtype=float)
    if not np.isin(y, (0.0, 0.5, 1.0)).all():
        raise ValueError("ratings must be 0, 0.5 or 1")
    if y.size == 0:
        raise ValueError("no ratings to fit")
    u_codes, raters = pd.factorize(rated["rater"], sort=True)
    n_codes, statements = pd.factorize(rated["statement"], sort=True)
    unknown = ~isin_ids(pd.Series(raters), anchors.index)
    if unknown.any():
        raise ValueError(f"{int(unknown.sum())} rater(s) have no anchor, e.g. "
                         f"{list(raters[unknown][:3])}")
    return (len(cols), cols, u_codes, n_codes, y, raters, statements)
