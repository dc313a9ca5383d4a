"""Synthetic fairness ratings with known bridging values (tests, demo data, benchmarks).

Three opinion camps on an anchor axis rate statements No / Somewhat / Yes
(0, 0.5, 1). Each statement has a true mean rating in each camp; its true
bridging value is the least of them. :func:`simulate_fairness` draws the
raters, the balanced ratings and the truth; ``analysis.synthetic_exchange_tables``
(below) turns them into the exchange files of a demo export.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["SimulatedFairness", "simulate_fairness", "CAMP_CENTRES"]

#: the camps' centres on the raw anchor axis (before standardising)
CAMP_CENTRES = (-1.2, 0.0, 1.2)
_CUTS = (1 / 3, 2 / 3)


@dataclass(frozen=True)
class SimulatedFairness:
    """Simulated ratings and the truth behind them.

    Attributes
    ----------
    ratings : DataFrame
        ``rater, statement, rating`` (0, 0.5, 1).
    anchors : DataFrame
        Indexed by rater: ``z1`` (the standardised position).
    groups : Series
        Rater -> camp (1, 2, 3).
    centres : DataFrame
        Indexed by camp: ``z1``, the camp's centre (its raters' mean) on the
        standardised scale.
    truth : DataFrame
        Indexed by statement: ``p_1, p_2, p_3`` (true mean rating per camp)
        and ``bridging`` (their minimum).
    """

    ratings: pd.DataFrame
    anchors: pd.DataFrame
    groups: pd.Series
    centres: pd.DataFrame
    truth: pd.DataFrame


def simulate_fairness(n_statements: int = 60, per_statement: int = 40,
                      raters_per_camp: int = 100, seed: int = 0, *, link: str = "ordinal",
                      noise: float = 0.3) -> SimulatedFairness:  # fmt: skip
    """Three camps rate statements; each statement gets ``per_statement`` balanced ratings.

    Parameters
    ----------
    n_statements, per_statement, raters_per_camp : int
        Sizes; ratings per statement are split as evenly as possible over
        the camps, raters drawn at random within a camp.
    seed : int
        Everything is drawn from ``numpy.random.default_rng(seed)``.
    link : {"ordinal", "linear"}
        ``ordinal``: a rater's latent judgement ``q_n + b_n z_u + eta_{n,camp}
        + lean_u + N(0, noise^2)`` is cut at 1/3 and 2/3 into No / Somewhat /
        Yes (the model is then only an approximation). ``linear``: the
        rating is the mean of two Bernoulli draws with probability
        ``q_n + b_n z_u + lean_u`` (clipped to [0.02, 0.98]), so its
        expectation is exactly linear in z, as the model assumes.

    Returns
    -------
    SimulatedFairness

    Notes
    -----
    Camps sit at :data:`CAMP_CENTRES` with rater spread 0.45 (sd); q_n ~
    U(0.3, 0.8), b_n ~ +-U(0, 0.25), eta ~ N(0, 0.04^2), lean_u ~ N(0, 0.1^2).
    The truth is the camp's mean expected rating over its raters (ordinal:
    the exact expectation under the normal noise), and bridging its minimum
    over camps.

    Examples
    --------
    >>> sim = simulate_fairness(n_statements=6, per_statement=12, raters_per_camp=10)
    >>> len(sim.ratings), sim.ratings.groupby("statement").size().unique().tolist()
    (72, [12])
    """
    if link not in ("ordinal", "linear"):
        raise ValueError("link must be 'ordinal' or 'linear'")
    if per_statement > 3 * raters_per_camp:
        raise ValueError("more ratings per statement than raters")
    rng = np.random.default_rng(seed)
    centres = np.asarray(CAMP_CENTRES)
    camp = np.repeat(np.arange(3), raters_per_camp)
    z = centres[camp] + rng.normal(0, 0.45, camp.size)
    lean = rng.normal(0, 0.1, camp.size)
    q = rng.uniform(0.3, 0.8, n_statements)
    b = rng.uniform(0.0, 0.25, n_statements) * rng.choice([-1, 1], n_statements)
    eta = rng.normal(0, 0.04, (n_statements, 3))
    if link == "ordinal":
        mean = q[:, None] + b[:, None] * z[None, :] + eta[:, camp] + lean[None, :]
        ey = 0.5 * (stats.norm.sf((_CUTS[0] - mean) / noise)
                    + stats.norm.sf((_CUTS[1] - mean) / noise))  # fmt: skip
    else:
        mean = np.clip(q[:, None] + b[:, None] * z[None, :] + lean[None, :], 0.02, 0.98)
        ey = mean
    truth_g = np.stack([ey[:, camp == g].mean(axis=1) for g in range(3)], axis=1)
    base, extra = divmod(per_statement, 3)
    picks = []
    for g in range(3):  # three camps, each draws its raters for every statement at once
        members = np.flatnonzero(camp == g)
        k = base + (1 if g < extra else 0)
        pick = rng.random((n_statements, members.size)).argsort(axis=1)[:, :k]
        picks.append(np.column_stack([np.repeat(np.arange(n_statements), k),
                                      members[pick].ravel()]))  # fmt: skip
    sn = np.vstack(picks)
    sn = sn[np.lexsort((sn[:, 1], sn[:, 0]))]
    m = mean[sn[:, 0], sn[:, 1]]
    if link == "ordinal":
        latent = m + rng.normal(0, noise, len(sn))
        y = np.where(latent < _CUTS[0], 0.0, np.where(latent < _CUTS[1], 0.5, 1.0))
    else:
        y = 0.5 * ((rng.random(len(sn)) < m).astype(float) + (rng.random(len(sn)) < m))
    zs_mean, zs_sd = z.mean(), z.std(ddof=1)
    camp_mean = np.bincount(camp, z) / np.bincount(camp)
    raters = pd.Index(np.arange(camp.size), name="rater")
    statements = pd.Index(np.arange(n_statements), name="statement")
    truth = pd.DataFrame(truth_g, index=statements, columns=["p_1", "p_2", "p_3"])
    truth["bridging"] = truth_g.min(axis=1)
    return SimulatedFairness(
        ratings=pd.DataFrame({"rater": sn[:, 1], "statement": sn[:, 0], "rating": y}),
        anchors=pd.DataFrame({"z1": (z - zs_mean) / zs_sd}, index=raters),
        groups=pd.Series(camp + 1, index=raters, name="group"),
        centres=pd.DataFrame({"z1": (camp_mean - zs_mean) / zs_sd},
                             index=pd.Index([1, 2, 3], name="group")),  # fmt: skip
        truth=truth,
    )
