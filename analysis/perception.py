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

    Returns
    -------
    DataFrame
        ``by`` columns, ``n_estimates``, ``mean_estimate`` (%), ``actual_share``
        (% supporting among those who answered the support item), ``gap``
        (mean estimate minus actual share, percentage points), ``ci_low``,
        ``ci_high``, ``share_overestimating``, ``weighted`` (bool).

    Notes
    -----
    The CI treats the actual share as known (it is the sample's own share):
    :math:`gap \\pm t_{n-1} SE`, with :math:`SE = s_{est} / \\sqrt n`
    unweighted and, weighted, the linearisation SE of the weighted mean
    estimate, :math:`\\sqrt{\\frac{n}{n-1} \\sum w_i^2 (e_i - \\bar e_w)^2} / \\sum w_i`
    (R ``survey::svymean``, weights-only design). Weighted, the actual share
    is the weighted share supporting: the population share the raking
    targets, which is what participants are asked to estimate.

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
    need = [value] + ([weights] if weights else [])
    e = estimates[[*by, *need]].dropna(subset=need)
    s = support[[*by, *need]].dropna(subset=need)
    e = e.assign(_w=e[weights].astype(float) if weights else 1.0)
    s = s.assign(_w=s[weights].astype(float) if weights else 1.0)
    if (e["_w"] < 0).any() or (s["_w"] < 0).any():
        raise ValueError(f"weights column {weights!r} has negative values")
    s = s.assign(_wsup=(s[value] >= threshold) * 100.0 * s["_w"])
    sg = s.groupby(by, observed=True)[["_wsup", "_w"]].sum()
    actual = (sg["_wsup"] / sg["_w"]).rename("actual_share")
    e = e.assign(_we=e["_w"] * e[value])
    eg = e.groupby(by, observed=True)
    es = eg[["_w", "_we"]].sum()
    mean = (es["_we"] / es["_w"]).rename("mean_estimate")
    n = eg.size().rename("n_estimates")
    centre = mean.reindex(pd.MultiIndex.from_frame(e[by]) if len(by) > 1 else e[by[0]])
    lin = (e["_w"] ** 2 * (e[value] - centre.to_numpy()) ** 2).groupby(
        [e[c] for c in by], observed=True).sum()
    nn = n.astype(float)
    se = (np.sqrt(nn / np.maximum(nn - 1, 1) * lin) / es["_w"]).rename("_se")
    out = pd.concat([n, mean, se, actual], axis=1).reset_index()
    out = out.dropna(subset=["n_estimates"])
    out["gap"] = out["mean_estimate"] - out["actual_share"]
    crit = stats.t.ppf(1 - (1 - level) / 2, np.maximum(out["n_estimates"] - 1, 1))
    out["ci_low"] = out["gap"] - crit * out["_se"]
    out["ci_high"] = out["gap"] + crit * out["_se"]
    over = e.merge(out[[*by, "actual_share"]], on=by)
    over["_wo"] = (over[value] > over["actual_share"]) * over["_w"]
    so = over.groupby(by, observed=True)[["_wo", "_w"]].sum()
    share_over = (so["_wo"] / so["_w"]).rename("share_overestimating")
    out = out.merge(share_over.reset_index(), on=by, how="left")
    out["n_estimates"] = out["n_estimates"].astype("int64")
    out.loc[out["n_estimates"] < 2, ["ci_low", "ci_high"]] = np.nan
    out["weighted"] = weights is not None
    return out.drop(columns="_se")


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
