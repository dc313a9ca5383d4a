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

    Returns
    -------
    DataFrame
        ``by`` columns, ``n_estimates``, ``mean_estimate`` (%), ``actual_share``
        (% supporting among those who answered the support item), ``gap``
        (mean estimate minus actual share, percentage points), ``ci_low``,
        ``ci_high``, ``share_overestimating``.

    Notes
    -----
    The CI treats the actual share as known (it is the sample's own share):
    :math:`gap \\pm t_{n-1} s_{est} / \\sqrt n`.
    """
    by = list(by)
    for name, frame in (("estimates", estimates), ("support", support)):
        missing = [c for c in [value, *by] if c not in frame.columns]
        if missing:
            raise ValueError(f"column(s) {missing} not in {name}")
    e = estimates.dropna(subset=[value])
    s = support.dropna(subset=[value]).assign(_sup=lambda f: (f[value] >= threshold) * 100.0)
    actual = s.groupby(by, observed=True)["_sup"].mean().rename("actual_share")
    g = e.groupby(by, observed=True)[value]
    out = pd.concat([g.size().rename("n_estimates"), g.mean().rename("mean_estimate"),
                     g.std(ddof=1).rename("_sd"), actual], axis=1).reset_index()
    out = out.dropna(subset=["n_estimates"])
    out["gap"] = out["mean_estimate"] - out["actual_share"]
    se = out["_sd"] / np.sqrt(out["n_estimates"])
    crit = stats.t.ppf(1 - (1 - level) / 2, np.maximum(out["n_estimates"] - 1, 1))
    out["ci_low"] = out["gap"] - crit * se
    out["ci_high"] = out["gap"] + crit * se
    over = e.merge(out[[*by, "actual_share"]], on=by)
    share_over = (over[value] > over["actual_share"]).groupby(
        [over[c] for c in by], observed=True).mean()
    out = out.merge(share_over.rename("share_overestimating").reset_index(), on=by, how="left")
    out["n_estimates"] = out["n_estimates"].astype("int64")
    return out.drop(columns="_sd")


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
