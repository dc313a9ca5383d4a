"""Meta-perception (estimated vs actual support) and affective (thermometer) measures."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["metaperception_gap", "affective_distance"]


def metaperception_gap(
    estimates: pd.DataFrame,
    support: pd.DataFrame,
    threshold: float = 5,
    by: Sequence[str] = ("phase",),
    value: str = "value",
    level: float = 0.95,
    weights: str | None = None,
    subject: str = "participant_id",
) -> pd.DataFrame:
    """Estimated share supporting minus the actual share supporting in the sample.

    Parameters
    ----------
    estimates : DataFrame
        Answers to the estimate item (0-100 %), long, with the ``by`` columns.
    support : DataFrame
        Answers to the support item the estimate refers to, with the ``by`` columns.
    threshold : float
        Support answer at or above which a participant counts as supporting.
    by : sequence of str
        Grouping columns (``phase``; add ``arm`` to compare arms).
    value : str
        Answer column of both frames.
    level : float
        Confidence level.
    weights : str, optional
        Column of survey weights in both frames (rows without a weight are
        dropped): the mean estimate, the actual share and the share
        overestimating are then weighted.
    subject : str
        Participant column. When both frames have it, a participant's
        estimate and support answer are paired in the variance (they are
        correlated); otherwise the two samples are taken as independent.

    Returns
    -------
    DataFrame
        ``by`` columns, ``n_estimates``, ``n_support``, ``mean_estimate`` (%),
        ``actual_share`` (% supporting among those who answered the support
        item), ``gap`` (mean estimate minus actual share, percentage points),
        ``se`` (of the gap), ``ci_low``, ``ci_high``, ``se_estimate`` (of the
        mean estimate alone), ``share_overestimating``, ``weighted`` (bool).

    Notes
    -----
    Both terms of the gap are estimates from the sample, so the interval
    carries the sampling error of both and their covariance: by
    linearisation, participant i contributes
    :math:`z_i = w_i (e_i - \\bar e) / \\sum_E w - w_i (s_i - \\hat p) / \\sum_S w`
    (each term only when i answered that item; :math:`s_i` = 100 when
    supporting, else 0), and
    :math:`SE^2 = \\frac{n}{n-1} \\sum_i z_i^2` over the n participants with
    any answer, with :math:`t_{n-1}` (R ``survey::svycontrast`` of the two
    domain means, weights-only design, uses the same terms). Unweighted and
    when everyone answered both items this is the paired t interval of
    :math:`e_i - s_i`; with no one in common it is close to
    :math:`s_e^2 / n_E + \\hat p (100 - \\hat p) / n_S`. Treating the
    actual share as known (``se_estimate``) understates the uncertainty.
    Weighted, the actual share is the weighted share supporting: the
    population share the raking targets, which is what participants are
    asked to estimate.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.perception import metaperception_gap
    >>> est = pd.DataFrame({"phase": "pre", "value": [30.0, 50.0]})
    >>> sup = pd.DataFrame({"phase": "pre", "value": [6, 2, 5, 1]})
    >>> metaperception_gap(est, sup, threshold=5)["gap"].tolist()
    [-10.0]
    """
    by = list(by)
    for name, frame in (("estimates", estimates), ("support", support)):
        missing = [c for c in [value, *by] + ([weights] if weights else [])
                   if c not in frame.columns]
        if missing:
            raise ValueError(f"column(s) {missing} not in {name}")
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    paired = subject in estimates.columns and subject in support.columns
    need = [value] + ([weights] if weights else [])
    e = estimates[[*by, *need] + ([subject] if paired else [])].dropna(subset=need)
    s = support[[*by, *need] + ([subject] if paired else [])].dropna(subset=need)
    e = e.assign(_w=e[weights].astype(float) if weights else 1.0, _src="e")
    s = s.assign(_w=s[weights].astype(float) if weights else 1.0, _src="s",
                 **{value: (s[value] >= threshold) * 100.0})
    if (e["_w"] < 0).any() or (s["_w"] < 0).any():
        raise ValueError(f"weights column {weights!r} has negative values")
    if not paired:  # every row its own participant
        e = e.assign(_id=np.arange(len(e)))
        s = s.assign(_id=np.arange(len(e), len(e) + len(s)))
        subject = "_id"
    rows = []
    s_groups = dict(iter(s.groupby(by, observed=True, sort=False)))
    for key, eg in e.groupby(by, observed=True, sort=True):
        sg = s_groups.get(key)
        if sg is None or sg["_w"].sum() == 0 or eg["_w"].sum() == 0:
            continue
        key = key if isinstance(key, tuple) else (key,)
        we, ws = eg["_w"].to_numpy(), sg["_w"].to_numpy()
        ev, sv = eg[value].to_numpy(dtype=float), sg[value].to_numpy(dtype=float)
        mean, actual = we @ ev / we.sum(), ws @ sv / ws.sum()
        ze = we * (ev - mean) / we.sum()
        zs = -ws * (sv - actual) / ws.sum()
        z = pd.concat([pd.Series(ze, index=eg[subject].to_numpy()),
                       pd.Series(zs, index=sg[subject].to_numpy())]).groupby(level=0).sum()
        n, n_e = len(z), len(ev)
        se = np.sqrt(n / (n - 1) * (z**2).sum()) if n > 1 else np.nan
        se_e = np.sqrt(n_e / (n_e - 1) * (ze**2).sum()) if n_e > 1 else np.nan
        crit = stats.t.ppf(1 - (1 - level) / 2, n - 1) if n > 1 else np.nan
        gap = mean - actual
        ok = n_e >= 2
        rows.append({**dict(zip(by, key, strict=True)), "n_estimates": n_e,
                     "n_support": len(sv), "mean_estimate": mean, "actual_share": actual,
                     "gap": gap, "se": se,
                     "ci_low": gap - crit * se if ok else np.nan,
                     "ci_high": gap + crit * se if ok else np.nan,
                     "se_estimate": se_e,
                     "share_overestimating": we @ (ev > actual) / we.sum(),
                     "weighted": weights is not None})
    return pd.DataFrame(rows, columns=[*by, "n_estimates", "n_support", "mean_estimate",
                                       "actual_share", "gap", "se", "ci_low", "ci_high",
                                       "se_estimate", "share_overestimating", "weighted"])


def affective_distance(
    data: pd.DataFrame, item_a: str, item_b: str, item: str = "item", value: str = "value",
    subject: Sequence[str] = ("participant_id", "arm", "phase"),
) -> pd.DataFrame:
    """Per participant and phase, the absolute gap between two thermometers.

    Useful as an affective-polarisation score: warmth toward one camp minus
    warmth toward the other, in absolute value (0-100). The result has the
    long layout (``item`` = ``"affective_distance"``), so it can go through
    :func:`analysis.tidy` style pairing and :func:`analysis.shifts.paired_shifts`.
    """
    subject = list(subject)
    missing = [c for c in [item, value, *subject] if c not in data.columns]
    if missing:
        raise ValueError(f"column(s) {missing} not in data")
    d = data[data[item].isin([item_a, item_b])]
    w = d.pivot_table(index=subject, columns=item, values=value, aggfunc="first")
    if item_a not in w.columns or item_b not in w.columns:
        raise ValueError(f"no answers to both {item_a!r} and {item_b!r}")
    out = (w[item_a] - w[item_b]).abs().dropna().rename(value).reset_index()
    out[item] = "affective_distance"
    return out
