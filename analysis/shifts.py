"""Paired before/after shifts per item x arm (and any subgroup).

The input is one row per participant and item with a before and an after
column (see :func:`analysis.tidy.pairs`); each group of rows (by default
``item`` x ``arm``) gets one row of results.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.inputs import check_frame
from analysis.weights import values_and_weights

__all__ = ["paired_shifts", "bca_mean_ci", "wilcoxon_signed_rank"]


def wilcoxon_signed_rank(d: np.ndarray, zero_method: str = "wilcox") -> tuple[float, float, str]:
    """Wilcoxon signed-rank test of paired differences ``d`` against zero.

    Parameters
    ----------
    d : array
        Differences (after - before).
    zero_method : {"wilcox", "pratt"}
        ``"wilcox"`` (default, as R's ``wilcox.test``) drops zero differences
        before ranking; ``"pratt"`` ranks them and then drops their ranks.

    Returns
    -------
    V : float
        Sum of the ranks of the positive differences (R's ``V``).
    p : float
        Two-sided p-value.
    method : str
        ``"exact"`` or ``"normal"``.

    Notes
    -----
    The p method follows R: the exact null distribution when fewer than 50
    non-zero differences remain and there are neither ties nor zeros;
    otherwise the normal approximation with the tie-corrected variance and a
    continuity correction of 0.5 (``scipy.stats.wilcoxon`` with
    ``method="approx", correction=True``). All differences zero gives
    ``V = 0``, ``p = 1``.

    Examples
    --------
    >>> v, p, method = wilcoxon_signed_rank([1.2, 2.4, 1.3, 1.3, 0.0, 1.0, 1.8, 0.8, 4.6, 1.4])
    >>> v, round(p, 4), method
    (45.0, 0.0091, 'normal')
    """
    if zero_method not in ("wilcox", "pratt"):
        raise ValueError("zero_method must be 'wilcox' or 'pratt'")
    d = np.asarray(d, dtype=float)
    d = d[~np.isnan(d)]
    nz = d[d != 0]
    if nz.size == 0:
        return 0.0, 1.0, "none"
    if zero_method == "wilcox":
        ranks = stats.rankdata(np.abs(nz))
        v = float(ranks[nz > 0].sum())
    else:
        ranks = stats.rankdata(np.abs(d))
        v = float(ranks[d > 0].sum())
    has_ties = np.unique(np.abs(nz)).size < nz.size
    has_zeros = nz.size < d.size
    if nz.size < 50 and not has_ties and not has_zeros:
        res = stats.wilcoxon(nz, zero_method="wilcox", method="exact")
        return v, float(res.pvalue), "exact"
    res = stats.wilcoxon(d, zero_method=zero_method, correction=True, method="approx")
    return v, float(res.pvalue), "normal"


def bca_mean_ci(
    d: np.ndarray, n_boot: int = 2000, level: float = 0.95, rng=None, weights=None
) -> tuple[float, float]:
    """Bias-corrected and accelerated bootstrap CI of a mean, resampling rows.

    Parameters
    ----------
    d : array
        One value per participant (for paired data: the difference, so the
        participant's pair is resampled as a unit).
    n_boot : int
        Bootstrap resamples.
    level : float
        Confidence level.
    rng : numpy Generator or int, optional
    weights : array, optional
        Survey weights, one per value: the statistic is then the weighted
        mean :math:`\\sum w d / \\sum w`, and each participant keeps their
        weight when resampled (weights are not recomputed per resample).

    Returns
    -------
    (low, high)

    Notes
    -----
    Resampling *n* rows with replacement only matters through how often each
    distinct row (value, and weight when weighted) is drawn, so the resample
    counts of the *k* distinct rows are drawn from a multinomial(n, counts / n):
    the same distribution as resampling rows, at a cost of O(k) rather than
    O(n) per resample. BCa (Efron 1987): ``z0 = Phi^-1(share of bootstrap
    means below the estimate, ties counted half)``; acceleration from the
    jackknife, ``a = sum (m - m_i)^3 / (6 (sum (m - m_i)^2)^1.5)`` with
    ``m_i`` the leave-one-out (weighted) means; the interval takes the
    ``Phi(z0 + (z0 + z_q) / (1 - a (z0 + z_q)))`` quantiles of the bootstrap
    means (linear interpolation, as ``scipy.stats.bootstrap``). With all
    weights equal the result is the unweighted one (same draws).
    """
    rng = np.random.default_rng(rng)
    d, w = values_and_weights(d, weights, "d")
    n = d.size
    if n < 2 or w.sum() == 0:
        return np.nan, np.nan
    if weights is None:
        values, counts = np.unique(d, return_counts=True)
        wts = np.ones_like(values)
    else:  # distinct (value, weight) rows; weights equal up to float error (raking
        # to a sample's own shares) are one weight, so they draw as equal weights do
        # and -0.0 is 0.0 (unique over rows compares bytes, so it would split them)
        scale = w.mean() if w.mean() > 0 else 1.0
        key = np.round(w / scale, 12) * scale
        rows, counts = np.unique(np.column_stack([d + 0.0, key + 0.0]), axis=0,
                                 return_counts=True)
        values, wts = rows[:, 0], rows[:, 1]
    theta = (w @ d) / w.sum()
    if np.unique(values).size == 1:
        return theta, theta
    draws = rng.multinomial(n, counts / n, size=n_boot)
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = (draws @ (wts * values)) / (draws @ wts)
    boot = boot[np.isfinite(boot)]
    # ties with theta within float error (discrete answers tie often): the weighted and
    # unweighted sums differ in the last bit, which must not move z0
    tol = 1e-12 * max(1.0, abs(theta))
    below = (boot < theta - tol).mean() + 0.5 * (np.abs(boot - theta) <= tol).mean()
    z0 = stats.norm.ppf(below)
    sw, swd = w.sum(), w @ d
    with np.errstate(divide="ignore", invalid="ignore"):
        jack = (swd - wts * values) / (sw - wts)  # leave-one-out mean per distinct row
    if not np.all(np.isfinite(jack)):
        return np.nan, np.nan
    diff = (counts @ jack) / n - jack
    num = counts @ diff**3
    den = 6.0 * (counts @ diff**2) ** 1.5
    a = num / den if den > 0 else 0.0
    alpha = (1 - level) / 2
    z = stats.norm.ppf([alpha, 1 - alpha])
    q = stats.norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z)))
    if not np.all(np.isfinite(q)) or boot.size == 0:
        return np.nan, np.nan
    low, high = np.percentile(boot, q * 100)
    return float(low), float(high)


def paired_shifts(
    data: pd.DataFrame,
    before: str = "pre",
    after: str = "post",
    by: Sequence[str] = ("item", "arm"),
    *,
    weights: str | None = None,
    level: float = 0.95,
    zero_method: str = "wilcox",
    n_boot: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Before/after statistics for each group of paired answers.

    Parameters
    ----------
    data : DataFrame
        One row per participant and item with numeric ``before`` and
        ``after`` columns (rows with a missing value are dropped).
    before, after : str
        Column names of the two measurements.
    by : sequence of str
        Grouping columns (default item x arm; add any participant column for
        subgroups). ``()`` treats all rows as one group.
    weights : str, optional
        Column of survey weights; means, SDs, the shift, its CI, the t test,
        the effect sizes (from the weighted mean and SDs), the BCa interval
        (of the weighted mean shift) and the shares moving up/down are then
        weighted (see Notes). The Wilcoxon signed-rank test stays unweighted:
        it is a test on ranks with no standard design-based version.
    level : float
        Confidence level of the intervals.
    zero_method : {"wilcox", "pratt"}
        Zero handling of the Wilcoxon signed-rank test.
    n_boot : int
        Bootstrap resamples for the BCa interval (0 to skip it).
    seed : int
        Seed for the bootstrap.

    Returns
    -------
    DataFrame
        One row per group: the ``by`` columns, then

        ``n`` complete pairs; ``mean_before``, ``sd_before``, ``mean_after``,
        ``sd_after``; ``shift`` mean of after - before; ``se``; ``ci_low``,
        ``ci_high`` (t interval); ``t``, ``df``, ``p_t`` (paired t, two-sided);
        ``wilcoxon_v`` (sum of positive ranks), ``p_wilcoxon``,
        ``wilcoxon_method`` (``exact`` or ``normal``); ``d_z``; ``g_av``;
        ``boot_low``, ``boot_high`` (BCa); ``share_up``, ``share_down``,
        ``share_same``; ``weighted`` (bool).

    Notes
    -----
    With differences :math:`d_i = after_i - before_i`, mean :math:`\\bar d`
    and SD :math:`s_d`:

    - :math:`t = \\bar d / (s_d / \\sqrt n)`, df = n - 1; CI
      :math:`\\bar d \\pm t_{1-\\alpha/2, n-1} s_d / \\sqrt n`.
    - Cohen's :math:`d_z = \\bar d / s_d` (Lakens 2013, eq. 6): the shift in
      units of the SD of the *change*; it drives power.
    - Hedges' :math:`g_{av} = J \\bar d / ((s_{before} + s_{after}) / 2)` with
      :math:`J = 1 - 3 / (4 (n - 1) - 1)` (Lakens 2013, eqs. 10 and 4 with
      df = n - 1): the shift in units of the average SD of the two
      measurements, comparable to between-subjects effect sizes.
    - Weighted: :math:`\\bar d_w = \\sum w_i d_i / \\sum w_i`,
      :math:`\\widehat{Var}(\\bar d_w) = \\frac{n}{n-1} \\sum w_i^2 (d_i - \\bar d_w)^2 /
      (\\sum w_i)^2` (linearisation, as R ``survey::svymean`` for a
      one-stage design with replacement); the t reference keeps df = n - 1.
      Weighted SDs: :math:`\\sqrt{\\frac{n}{n-1} \\sum w_i (x_i - \\bar x_w)^2 / \\sum w_i}`
      (R ``survey::svyvar``); shares moving up/down are weighted shares.
    - Wilcoxon and BCa: see :func:`wilcoxon_signed_rank` and :func:`bca_mean_ci`
      (weighted: participants resampled with their weights held fixed).

    Examples
    --------
    Student's sleep data (R's ``sleep``; ``t.test(paired = TRUE)`` gives
    t = 4.0621, p = 0.002833):

    >>> import pandas as pd
    >>> d = pd.DataFrame({"item": "sleep", "arm": "drug",
    ...                   "pre": [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0],
    ...                   "post": [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]})
    >>> r = paired_shifts(d, n_boot=200)
    >>> r[["item", "n", "shift", "t", "p_t"]].round(4).to_dict("records")
    [{'item': 'sleep', 'n': 10, 'shift': 1.58, 't': 4.0621, 'p_t': 0.0028}]
    """
    by = list(by)
    cols = [before, after, *by] + ([weights] if weights else [])
    check_frame(data, cols)
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    if zero_method not in ("wilcox", "pratt"):
        raise ValueError("zero_method must be 'wilcox' or 'pratt'")
    for c in (before, after) + ((weights,) if weights else ()):
        if not pd.api.types.is_numeric_dtype(data[c]):
            raise ValueError(f"column {c!r} must be numeric")
    df = data[cols].dropna(subset=[before, after]).copy()
    weighted = bool(weights)
    if weights:
        if (df[weights] < 0).any() or df[weights].isna().any():
            raise ValueError(f"weights column {weights!r} has negative or missing values")
    else:
        weights = "_w"
        df[weights] = 1.0
    df["_d"] = df[after] - df[before]
    keys = by if by else (lambda _: 0)
    w = df[weights]
    df["_wd"] = w * df["_d"]
    df["_wb"] = w * df[before]
    df["_wa"] = w * df[after]
    g = df.groupby(keys, sort=True, observed=True)
    # group sums, vectorised over rows
    df["_up"] = (df["_d"] > 0) * w
    df["_down"] = (df["_d"] < 0) * w
    sums = g[[weights, "_wd", "_wb", "_wa", "_up", "_down"]].sum()
    n = g.size()
    sw = sums[weights]
    mean_d = sums["_wd"] / sw
    mean_b = sums["_wb"] / sw
    mean_a = sums["_wa"] / sw
    # second moments around the group means (broadcast back by group codes)
    codes = g.ngroup().to_numpy()
    md = mean_d.to_numpy()[codes]
    mb = mean_b.to_numpy()[codes]
    ma = mean_a.to_numpy()[codes]
    wv = df[weights].to_numpy()
    dev = pd.DataFrame({
        "code": codes,
        "ssd": wv * (df["_d"].to_numpy() - md) ** 2,
        "ssb": wv * (df[before].to_numpy() - mb) ** 2,
        "ssa": wv * (df[after].to_numpy() - ma) ** 2,
        "lin": wv**2 * (df["_d"].to_numpy() - md) ** 2,
        "w2": wv**2,
    }).groupby("code").sum()
    dev.index = n.index
    nn = n.to_numpy(dtype=float)
    # weighted SDs use the frequency-weight convention scaled to n: sum w (x-m)^2 / sum w * n/(n-1)
    corr = nn / np.maximum(nn - 1, 1)
    sd_d = np.sqrt(dev["ssd"] / sw * corr)
    sd_b = np.sqrt(dev["ssb"] / sw * corr)
    sd_a = np.sqrt(dev["ssa"] / sw * corr)
    se = np.sqrt(corr * dev["lin"] / sw**2)
    dfree = nn - 1
    tcrit = stats.t.ppf(1 - (1 - level) / 2, np.maximum(dfree, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = mean_d / se
        p_t = 2 * stats.t.sf(np.abs(t), np.maximum(dfree, 1))
        d_z = mean_d / sd_d
        j = 1 - 3 / (4 * dfree - 1)
        g_av = j * mean_d / ((sd_b + sd_a) / 2)
    res = pd.DataFrame({
        "n": n.astype("int64"),
        "mean_before": mean_b,
        "sd_before": sd_b,
        "mean_after": mean_a,
        "sd_after": sd_a,
        "shift": mean_d,
        "se": se,
        "ci_low": mean_d - tcrit * se,
        "ci_high": mean_d + tcrit * se,
        "t": t,
        "df": dfree,
        "p_t": p_t,
    })
    small = nn < 2
    res.loc[small, ["sd_before", "sd_after", "se", "ci_low", "ci_high", "t", "p_t"]] = np.nan
    # per-group tests that need sorting or resampling (a loop over groups, not rows)
    rng = np.random.default_rng(seed)
    groups = [grp.to_numpy() for _, grp in g["_d"]]
    group_w = [grp.to_numpy() for _, grp in g[weights]] if weighted else [None] * len(groups)
    wil = [wilcoxon_signed_rank(x, zero_method) for x in groups]
    res["wilcoxon_v"] = [v for v, _, _ in wil]
    res["p_wilcoxon"] = [p for _, p, _ in wil]
    res["wilcoxon_method"] = [m for _, _, m in wil]
    res["d_z"] = d_z.replace([np.inf, -np.inf], np.nan)
    res["g_av"] = g_av.replace([np.inf, -np.inf], np.nan)
    if n_boot:
        ci = [bca_mean_ci(x, n_boot, level, rng, weights=gw)
              for x, gw in zip(groups, group_w, strict=True)]
        res["boot_low"] = [lo for lo, _ in ci]
        res["boot_high"] = [hi for _, hi in ci]
    else:
        res["boot_low"] = np.nan
        res["boot_high"] = np.nan
    res["share_up"] = sums["_up"] / sw
    res["share_down"] = sums["_down"] / sw
    res["share_same"] = 1 - res["share_up"] - res["share_down"]
    res["weighted"] = weighted
    res = res.reset_index()
    if not by:
        res = res.drop(columns=res.columns[0])
    return res
