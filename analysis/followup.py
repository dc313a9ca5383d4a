"""Follow-up persistence: how much of the before/after shift is still there at follow-up."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.effects import diff_in_diff
from analysis.multiplicity import adjust_pvalues

__all__ = ["persistence"]


def persistence(triples: pd.DataFrame, control: str | None, level: float = 0.95
                ) -> pd.DataFrame:
    """Means before, after and at follow-up per item and arm, the share of the shift kept.

    Parameters
    ----------
    triples : DataFrame
        ``participant_id, arm, item, pre, post, followup`` with all three answers.
    control : str or None
        Control arm: the follow-up change of each arm is compared with control's.

    Returns
    -------
    DataFrame
        ``item, arm, n, mean_pre, mean_post, mean_followup, shift_post``
        (post - pre), ``shift_followup`` (follow-up - pre), ``persisted``
        (shift_followup / shift_post; NaN when the shift after reading is
        zero), and against control: ``estimate`` (the arm's follow-up change
        minus control's, difference in differences with Welch's t, as
        :func:`analysis.effects.diff_in_diff`), ``ci_low, ci_high, p, p_holm``.

    Examples
    --------
    >>> t = pd.DataFrame({"participant_id": list("abcd"), "arm": ["x"] * 4, "item": "q",
    ...                   "pre": [1, 2, 3, 2], "post": [3, 4, 5, 4], "followup": [2, 3, 4, 3]})
    >>> float(persistence(t, None)["persisted"].iloc[0])
    0.5
    """
    g = triples.groupby(["item", "arm"], sort=False)
    out = g.agg(n=("pre", "size"), mean_pre=("pre", "mean"), mean_post=("post", "mean"),
                mean_followup=("followup", "mean")).reset_index()
    out["shift_post"] = out["mean_post"] - out["mean_pre"]
    out["shift_followup"] = out["mean_followup"] - out["mean_pre"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["persisted"] = np.where(out["shift_post"].abs() > 1e-12,
                                    out["shift_followup"] / out["shift_post"], np.nan)
    if control and (triples["arm"] == control).any() and triples["arm"].nunique() > 1:
        did = diff_in_diff(triples, before="pre", after="followup", control=control,
                           level=level)
        did = adjust_pvalues(did, "p", family=None)
        out = out.merge(did[["item", "arm", "estimate", "ci_low", "ci_high", "p", "p_holm"]],
                        on=["item", "arm"], how="left")
    return out
