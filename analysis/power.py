"""Planning: power and sample size by simulation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from analysis.plan import expand_hypotheses

__all__ = ["simulate_power", "sample_size", "ancova_power", "ancova_sample_size",
           "plan_sample_size", "within_arm_correlation"]


def simulate_power(
    n: int,
    effect: float = 0.2,
    design: str = "paired",
    alpha: float = 0.05,
    correlation: float = 0.5,
    n_sims: int = 2000,
    seed: int = 0,
) -> float:
    """Power of a design by simulation.

    Parameters
    ----------
    n : int
        Participants (per arm for ``"ancova"``).
    effect : float
        Standardised effect: for ``"paired"`` the mean shift in SDs of the
        answer (each measurement has SD 1); for ``"ancova"`` the treatment
        effect on the after answer in SDs.
    design : {"paired", "ancova"}
        ``paired``: paired t test of the shift within one arm.
        ``ancova``: arm vs control, after ~ arm + before (classical OLS t test).
    alpha : float
        Two-sided level.
    correlation : float
        Correlation of before and after answers.
    n_sims : int
        Simulated studies (vectorised: all are drawn at once).

    Returns
    -------
    float
        Share of simulated studies with p < alpha.

    Notes
    -----
    Before and after are bivariate normal with SDs 1 and the given
    correlation, so the SD of the change is :math:`\\sqrt{2(1-\\rho)}` and a
    paired shift of ``effect`` SDs has :math:`d_z = effect / \\sqrt{2(1-\\rho)}`.
    """
    if design not in ("paired", "ancova"):
        raise ValueError("design must be 'paired' or 'ancova'")
    if n < 3:
        raise ValueError("n must be at least 3")
    if not -1 < correlation < 1:
        raise ValueError("correlation must be in (-1, 1)")
    rng = np.random.default_rng(seed)
    if design == "paired":
        sd_change = np.sqrt(2 * (1 - correlation))
        d = rng.normal(effect, sd_change, size=(n_sims, n))
        t = d.mean(axis=1) / (d.std(axis=1, ddof=1) / np.sqrt(n))
        p = 2 * stats.t.sf(np.abs(t), n - 1)
        return float((p < alpha).mean())
    pre = rng.standard_normal((n_sims, 2 * n))
    noise = rng.standard_normal((n_sims, 2 * n)) * np.sqrt(1 - correlation**2)
    treat = np.zeros(2 * n)
    treat[:n] = 1.0
    post = correlation * pre + noise + effect * treat
    # OLS of post on [1, treat, pre] per simulated study, vectorised via normal equations
    x = np.stack([np.ones_like(pre), np.broadcast_to(treat, pre.shape), pre], axis=2)
    xtx = np.einsum("sni,snj->sij", x, x)
    xty = np.einsum("sni,sn->si", x, post)
    beta = np.linalg.solve(xtx, xty[..., None])[..., 0]
    resid = post - np.einsum("sni,si->sn", x, beta)
    s2 = (resid**2).sum(axis=1) / (2 * n - 3)
    var_b1 = s2 * np.linalg.inv(xtx)[:, 1, 1]
    t = beta[:, 1] / np.sqrt(var_b1)
    p = 2 * stats.t.sf(np.abs(t), 2 * n - 3)
    return float((p < alpha).mean())


def sample_size(
    effect: float = 0.2,
    power: float = 0.8,
    design: str = "ancova",
    alpha: float = 0.05,
    correlation: float = 0.5,
    n_sims: int = 2000,
    seed: int = 0,
    n_max: int = 20000,
) -> dict[str, float]:
    """Smallest n (per arm for ANCOVA) reaching ``power``, by simulation and bisection.

    Returns
    -------
    dict
        ``n``, ``power`` (simulated at that n), ``design``, ``effect``.
    """
    if not 0 < power < 1:
        raise ValueError("power must be between 0 and 1")
    lo, hi = 3, 8
    while simulate_power(hi, effect, design, alpha, correlation, n_sims, seed) < power:
        lo, hi = hi, hi * 2
        if hi > n_max:
            raise ValueError(f"more than {n_max} participants needed")
    while hi - lo > max(1, lo // 100):
        mid = (lo + hi) // 2
        if simulate_power(mid, effect, design, alpha, correlation, n_sims, seed) >= power:
            hi = mid
        else:
            lo = mid
    return {"n": hi, "power": simulate_power(hi, effect, design, alpha, correlation, n_sims,
                                             seed), "design": design, "effect": effect}


def ancova_power(n_arm: int, n_control: int, effect: float, correlation: float = 0.5,
                 alpha: float = 0.05) -> float:
    """Power of the ANCOVA arm-vs-control test at the sample reached (closed form).

    Parameters
    ----------
    n_arm, n_control : int
        Participants analysed in the arm and in control.
    effect : float
        The plan's minimum effect of interest in SDs of the answer (Cohen's d).
    correlation : float
        Correlation of before and after answers.
    alpha : float
        Two-sided level (already divided for a family-wise correction).

    Notes
    -----
    Adjusting for the before answer shrinks the residual variance by
    :math:`1 - \rho^2` (Borm, Fransen & Lemmens 2007, *J. Clin. Epidemiol.*
    60:1234-1238), so the power is that of a two-sample t test with effect
    :math:`d / \\sqrt{1 - \rho^2}`, computed by statsmodels' noncentral-t
    ``TTestIndPower`` with the two-sample test's
    :math:`n_{arm} + n_{control} - 2` df (R ``pwr::pwr.t2n.test`` gives the
    same). The ANCOVA itself has one df fewer (the before answer's slope);
    that changes the power by less than 0.003 at 20 per arm and less than
    0.001 from 50 per arm on (alpha down to 0.001). It agrees
    with :func:`simulate_power` (design ``"ancova"``) within simulation error.

    Examples
    --------
    >>> round(ancova_power(100, 100, 0.3, correlation=0.0), 2)  # plain t test, d = 0.3
    0.56
    """
    from statsmodels.stats.power import TTestIndPower

    if min(n_arm, n_control) < 3 or not -1 < correlation < 1:
        return float("nan")
    d = effect / np.sqrt(1 - correlation**2)
    return float(TTestIndPower().power(effect_size=d, nobs1=n_arm, ratio=n_control / n_arm,
                                       alpha=alpha))


def ancova_sample_size(effect: float, power: float = 0.8, correlation: float = 0.5,
                       alpha: float = 0.05, n_max: int = 1_000_000) -> int:
    """Smallest n per arm (equal arms) at which :func:`ancova_power` reaches ``power``.

    Examples
    --------
    >>> ancova_sample_size(0.25, 0.8, correlation=0.6, alpha=0.05 / 12)
    284
    """
    if not 0 < power < 1:
        raise ValueError("power must be between 0 and 1")
    n = 3
    while ancova_power(n, n, effect, correlation, alpha) < power:  # doubling, then bisection
        n *= 2
        if n > n_max:
            raise ValueError(f"more than {n_max} participants per arm needed")
    lo, hi = n // 2, n
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ancova_power(mid, mid, effect, correlation, alpha) >= power:
            hi = mid
        else:
            lo = mid
    return max(hi, 3)


def within_arm_correlation(pairs, arms: Sequence[str], before: str = "pre",
                           after: str = "post", arm: str = "arm") -> float:
    """Correlation of before and after answers within arms, pooled over ``arms``.

    Both answers are centred on their arm's means before correlating, so a
    difference between the arms (the treatment effect) does not enter: this
    is the residual correlation of the ANCOVA's two variables, the
    :math:`\\rho` of :func:`ancova_power`. NaN with fewer than 3 pairs.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"arm": ["a"] * 3 + ["b"] * 3, "pre": [1, 2, 3, 1, 2, 3],
    ...                   "post": [1, 2, 3, 11, 12, 13]})
    >>> within_arm_correlation(d, ["a", "b"])  # pooled raw r is 0.17
    1.0
    """
    d = pairs[pairs[arm].isin(list(arms))][[arm, before, after]].dropna()
    if len(d) < 3:
        return float("nan")
    g = d.groupby(arm, observed=True)
    x = d[before] - g[before].transform("mean")
    y = d[after] - g[after].transform("mean")
    sxy, sxx, syy = (x * y).sum(), (x * x).sum(), (y * y).sum()
    return float(sxy / np.sqrt(sxx * syy)) if sxx > 0 and syy > 0 else float("nan")


def plan_sample_size(plan: dict, treated_arms: Sequence[str] | None = None,
                     n_sims: int = 2000, seed: int = 0,
                     exchange_arms: int | None = None) -> dict[str, Any]:
    """Participants per arm the plan needs (``parley power``).

    Parameters
    ----------
    plan : dict
        A parsed plan (:func:`analysis.plan.parse_plan`).
    treated_arms : sequence of str, optional
        The arms compared with control; needed when a hypothesis names
        ``arm = "*"`` (what ``--primary`` writes), which stands for one test
        per treated arm (:func:`analysis.plan.expand_hypotheses`).
    n_sims : int
        Simulated studies for the check of the power at the answer (0: none).
    exchange_arms : int, optional
        Arms per exchange condition when the design crosses the briefings
        with peers vs placebo (the flagship: 5 peers arms, 5 placebo arms).
        With a plan's ``[exchange]`` contrast, n per arm is raised if the
        pooled conditions would otherwise miss the plan's power.

    Returns
    -------
    dict
        ``n_per_arm``, ``power`` (closed form at that n), ``power_simulated``
        (:func:`simulate_power` at that n, NaN when ``n_sims`` is 0),
        ``alpha_per_test``, ``tests`` (the expanded family), ``hypotheses``
        (as written), ``effect``, ``correlation``, ``arms`` (the treated arms
        tested plus control) and ``total`` (``n_per_arm * arms``); with an
        ``[exchange]`` contrast also ``exchange``: a dict of ``tests``,
        ``alpha_per_test``, ``effect``, ``needed_per_condition`` (closed
        form) and, with ``exchange_arms``, ``n_per_condition`` (n per arm x
        arms per condition) and its ``power``. Then ``arms`` counts every
        arm of the crossed design (``2 * exchange_arms``).

    Notes
    -----
    Every test is an ANCOVA of one arm against control with the plan's
    minimum effect (SDs) and before/after correlation. With a family-wise
    correction (Holm, Bonferroni) each is powered at alpha / k, k the number
    of tests after expansion: the level of Holm's first step, so the answer
    is safe for every test. n is the smallest at which :func:`ancova_power`
    reaches the plan's power (Borm et al. 2007), checked by simulation.

    The exchange contrast (peers vs placebo, pooled over the briefing arms)
    is its own family: Holm over its outcomes, so each is powered at
    alpha / (number of outcomes) with the contrast's minimum effect and the
    same before/after correlation; both conditions have ``n_per_arm *
    exchange_arms`` participants.
    """
    tests = expand_hypotheses(plan, treated_arms)
    k = len(tests)
    alpha = plan["alpha"] / k if plan["correction"] in ("holm", "bonferroni") else plan["alpha"]
    effect, rho = plan["minimum_effect"], plan["correlation"]
    n = ancova_sample_size(effect, plan["power"], rho, alpha)
    n_arms = len({t["arm"] for t in tests}) + 1
    ex = plan.get("exchange")
    exchange = None
    if ex:
        ex_alpha = plan["alpha"] / len(ex["outcomes"])
        needed = ancova_sample_size(ex["minimum_effect"], plan["power"], rho, ex_alpha)
        exchange = {"tests": len(ex["outcomes"]), "alpha_per_test": ex_alpha,
                    "effect": ex["minimum_effect"], "needed_per_condition": needed}
        if exchange_arms:
            n = max(n, -(-needed // exchange_arms))
            n_arms = 2 * exchange_arms
            per = n * exchange_arms
            exchange.update(n_per_condition=per, power=ancova_power(
                per, per, ex["minimum_effect"], rho, ex_alpha))
    return {"n_per_arm": n, "exchange": exchange, "power": ancova_power(n, n, effect, rho, alpha),
            "power_simulated": (simulate_power(n, effect, "ancova", alpha, rho, n_sims, seed)
                                if n_sims else float("nan")),
            "alpha_per_test": alpha, "tests": k, "hypotheses": len(plan["hypotheses"]),
            "effect": effect, "correlation": rho, "arms": n_arms, "total": n * n_arms}
