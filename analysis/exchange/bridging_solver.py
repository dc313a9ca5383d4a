"""The anchored bridging model's solver, on integer codes (:mod:`analysis.exchange.bridging`).

With the rater factor fixed to the measured anchor the model is a convex
ridge regression; this module minimises it: a conjugate-gradient start on
the rater block, then exact block coordinate descent to a parameter change
of at most ``tol``. It knows codes and arrays only; ids, tables and scores
are :mod:`analysis.exchange.bridging`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Solution", "solve"]


@dataclass(frozen=True)
class Solution:
    """The optimum: ``mu``, rater intercepts ``a``, statement ``theta`` (c_n, f_n), the
    statement blocks' inverses ``a_inv``, ``sigma2``, ``rss``, ``edf``, the weights
    ``w_u``, ``w_n`` and anchor sums of squares ``s_n``, and how it was reached."""

    mu: float
    a: np.ndarray
    theta: np.ndarray
    a_inv: np.ndarray
    sigma2: float
    rss: float
    edf: float
    w_u: np.ndarray
    w_n: np.ndarray
    s_n: np.ndarray
    sweeps: int
    cg_steps: int
    max_change: float


def solve(u: np.ndarray, n: np.ndarray, y: np.ndarray, zall: np.ndarray, *, lam_c: float,
          lam_f: float, lam_a: float, lam_mu: float, tol: float, max_sweeps: int) -> Solution:
    """Minimise the model's penalised loss: rating i is ``y[i]`` by rater ``u[i]``
    (anchor ``zall[u[i]]``) of statement ``n[i]``; both code sets dense from 0.
    The equations are in :func:`analysis.exchange.bridging.bridging_fit`."""
    d = zall.shape[1]
    zr = zall[u]
    n_u, n_n, big_r = zall.shape[0], int(n.max()) + 1 if n.size else 0, y.size
    w_u = np.bincount(u, minlength=n_u).astype(float)
    w_n = np.bincount(n, minlength=n_n).astype(float)
    q = 1 + d
    feats = np.vstack([np.ones(big_r), zr.T])  # (1 + d, R), rows contiguous: 1, z_u
    a_mat = np.empty((n_n, q, q))
    for i in range(q):  # q <= 3 features, not ratings
        for j in range(i, q):
            a_mat[:, i, j] = a_mat[:, j, i] = np.bincount(n, feats[i] * feats[j], minlength=n_n)
    s_n = np.trace(a_mat[:, 1:, 1:], axis1=1, axis2=2).copy()
    a_mat[:, 0, 0] += lam_c
    a_mat[:, range(1, q), range(1, q)] += lam_f
    a_inv = np.linalg.inv(a_mat)
    shrink_u = lam_a / (w_u + lam_a)
    mu_den = lam_mu + float((shrink_u * w_u).sum())

    def statements_given(r):  # exact statement block for residuals r = y - mu - a_u
        b = np.column_stack([np.bincount(n, feats[i] * r, minlength=n_n) for i in range(q)])
        return np.einsum("nij,nj->ni", a_inv, b)

    def raters_given(r):  # exact (mu, a) block for residuals r = y - c_n - z_u f_n
        s_u = np.bincount(u, r, minlength=n_u)
        m = float((shrink_u * s_u).sum()) / mu_den
        return m, (s_u - w_u * m) / (w_u + lam_a)

    mu, a, cg_steps = _schur_cg(y, u, n, feats, a_inv, w_u, lam_a, lam_mu, statements_given)
    theta = statements_given(y - mu - a[u])
    sweeps, change = 0, np.inf
    while change > tol:
        if sweeps >= max_sweeps:
            raise RuntimeError(f"bridging_fit did not converge in {max_sweeps} sweeps "
                               f"(last change {change:.3g})")
        sweeps += 1
        mu_new, a_new = raters_given(y - _statement_part(feats, theta, n))
        theta_new = statements_given(y - mu_new - a_new[u])
        change = max(abs(mu_new - mu), float(np.abs(a_new - a).max()),
                     float(np.abs(theta_new - theta).max()))
        mu, a, theta = mu_new, a_new, theta_new
    e = y - mu - a[u] - _statement_part(feats, theta, n)
    rss = float(e @ e)
    edf = float((w_u / (w_u + lam_a)).sum() + (w_n / (w_n + lam_c)).sum()
                + (s_n / (s_n + lam_f)).sum() + 1.0)
    if big_r - edf <= 0:
        raise ValueError(f"too few ratings ({big_r}) for the model's {edf:.1f} degrees of freedom")
    sigma2 = rss / (big_r - edf)
    return Solution(mu=mu, a=a, theta=theta, a_inv=a_inv, sigma2=sigma2, rss=rss, edf=edf,
                    w_u=w_u, w_n=w_n, s_n=s_n, sweeps=sweeps, cg_steps=cg_steps,
                    max_change=float(change))


def _statement_part(feats: np.ndarray, theta: np.ndarray, n: np.ndarray) -> np.ndarray:
    """c_n + z_u . f_n for each rating (``feats``: rows 1 and z_u; ``theta``: c_n, f_n)."""
    out = theta[:, 0][n]
    for i in range(1, feats.shape[0]):  # the anchor dimensions, not ratings
        out += feats[i] * theta[:, i][n]
    return out


def _schur_cg(y, u, n, feats, a_inv, w_u, lam_a, lam_mu, statements_given, rtol=1e-13,
              max_steps=2000):
    """(mu, a) at the optimum by preconditioned conjugate gradients on the rater block.

    The statement block is eliminated exactly (its Schur complement), and
    the rater block's own Hessian (an arrowhead: mu and the diagonal of a) is
    the preconditioner. Returns ``mu, a, steps``.
    """
    n_u, big_r = w_u.size, y.size

    def fitted(x):  # X_R x: mu + a_u for each rating
        return x[0] + x[1:][u]

    def project(v):  # X_R' v
        return np.concatenate([[v.sum()], np.bincount(u, v, minlength=n_u)])

    def schur(x):  # (H_RR - H_RS H_SS^-1 H_SR) x
        fx = fitted(x)
        theta = statements_given(fx)
        h = np.concatenate([[lam_mu * x[0]], lam_a * x[1:]]) + project(fx)
        return h - project(_statement_part(feats, theta, n))

    den = big_r + lam_mu - float((w_u**2 / (w_u + lam_a)).sum())

    def precondition(r):  # H_RR^-1 r, the arrowhead solved in closed form
        m = (r[0] - float((w_u * r[1:] / (w_u + lam_a)).sum())) / den
        return np.concatenate([[m], (r[1:] - w_u * m) / (w_u + lam_a)])

    theta0 = statements_given(y)
    b = project(y) - project(_statement_part(feats, theta0, n))
    x = np.zeros(n_u + 1)
    r = b.copy()
    zr = precondition(r)
    p = zr.copy()
    rz = float(r @ zr)
    stop = rtol**2 * rz
    steps = 0
    while rz > stop and steps < max_steps:
        steps += 1
        sp = schur(p)
        alpha = rz / float(p @ sp)
        x += alpha * p
        r -= alpha * sp
        zr = precondition(r)
        rz, rz_old = float(r @ zr), rz
        p = zr + (rz / rz_old) * p
    return float(x[0]), x[1:], steps
