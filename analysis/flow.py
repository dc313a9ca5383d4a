"""Participant flow (CONSORT style) and the outcome rates AAPOR names for opt-in samples.

Every count comes from ``participants.csv`` (status), the quality flags and
the exclusion rules, so the flow adds up: started = screened out + withdrawn
+ broke off + completed, and analysed = completed or not, minus excluded,
with at least one complete before/after pair.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.load import Export
from analysis.validate import isin_ids

__all__ = ["participant_flow", "outcome_rates"]

FLOW_COLUMNS = ["arm", "allocated", "screened_out", "withdrawn", "broke_off", "completed",
                "excluded", "analysed"]


def participant_flow(
    export: Export,
    flags: pd.DataFrame,
    rules: Sequence[str],
    analysed: pd.Series,
) -> pd.DataFrame:
    """Counts of the CONSORT flow per arm, plus a row ``total``.

    Parameters
    ----------
    export : Export
    flags : DataFrame
        :func:`analysis.quality.quality_flags` output.
    rules : sequence of str
        The exclusion rules applied (flag columns).
    analysed : Series
        Participant ids in the analysis (complete pairs, not excluded).

    Returns
    -------
    DataFrame
        ``arm, allocated, screened_out, withdrawn, broke_off, completed,
        excluded`` (flagged by any rule), ``excluded_<rule>`` per rule,
        ``analysed``. ``allocated`` counts participants who consented and
        were randomised (a row in participants.csv); ``broke_off`` those who
        started but neither completed, withdrew nor were screened out.

    Examples
    --------
    >>> from analysis.synthetic import make_demo_export
    >>> from analysis.quality import quality_flags
    >>> ex, _ = make_demo_export(20, seed=1)
    >>> f = participant_flow(ex, quality_flags(ex), ["speeder"], ex.participants["participant_id"])
    >>> row = f.set_index("arm").loc["total"]
    >>> int(row["allocated"]) == int(row[["screened_out", "withdrawn", "broke_off",
    ...                                   "completed"]].sum())
    True
    """
    p = export.participants[["participant_id", "arm", "status"]]
    f = flags.set_index("participant_id").reindex(p["participant_id"])
    frame = pd.DataFrame({
        "arm": p["arm"].to_numpy(),
        "allocated": 1,
        "screened_out": (p["status"] == "screened_out").to_numpy(),
        "withdrawn": (p["status"] == "withdrawn").to_numpy(),
        "broke_off": (p["status"] == "started").to_numpy(),
        "completed": (p["status"] == "completed").to_numpy(),
    })
    rules = list(rules)
    m = f[rules].fillna(False).to_numpy(dtype=bool) if rules else np.zeros((len(p), 0), bool)
    frame["excluded"] = m.any(axis=1) if rules else False
    for i, r in enumerate(rules):
        frame[f"excluded_{r}"] = m[:, i]
    frame["analysed"] = isin_ids(p["participant_id"], analysed)
    cols = [c for c in frame.columns if c != "arm"]
    arms = list(dict.fromkeys([*export.arms, *frame["arm"]]))
    per_arm = frame.groupby("arm")[cols].sum().reindex(arms, fill_value=0)
    total = frame[cols].sum().to_frame("total").T
    out = pd.concat([per_arm, total]).astype("int64")
    out.index.name = "arm"
    return out.reset_index()


def outcome_rates(flow: pd.DataFrame) -> pd.DataFrame:
    """Completion and break-off rates per arm, named as AAPOR names them for opt-in samples.

    Returns
    -------
    DataFrame
        ``arm, started, eligible, completed, broke_off, completion_rate,
        break_off_rate``.

    Notes
    -----
    An opt-in sample has no known sampling frame, so AAPOR's response rates
    (RR1-RR6) do not apply (AAPOR *Standard Definitions*, 10th ed. 2023,
    section on opt-in and panel surveys; AAPOR Task Force on Online Panels
    2010). What can be reported, after Callegaro & DiSogra (2008, *Public
    Opinion Quarterly* 72:1008-1032), with the screened-out left out as not
    eligible:

    - completion rate = completed / eligible starters,
    - break-off rate = break-offs / eligible starters,

    where eligible starters = started - screened out. Withdrawals are
    counted apart (neither complete nor break-off). The participation rate
    AAPOR recommends for opt-in samples (usable responses / invitations)
    needs the number of invitations, which the export does not hold.

    Examples
    --------
    >>> flow = pd.DataFrame({"arm": ["a"], "allocated": [10], "screened_out": [2],
    ...                      "withdrawn": [1], "broke_off": [2], "completed": [5]})
    >>> r = outcome_rates(flow).iloc[0]
    >>> float(r["completion_rate"]), float(r["break_off_rate"])
    (0.625, 0.25)
    """
    eligible = flow["allocated"] - flow["screened_out"]
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame({
            "arm": flow["arm"],
            "started": flow["allocated"],
            "eligible": eligible,
            "completed": flow["completed"],
            "broke_off": flow["broke_off"],
            "completion_rate": np.where(eligible > 0, flow["completed"] / eligible.where(
                eligible > 0, 1), np.nan),
            "break_off_rate": np.where(eligible > 0, flow["broke_off"] / eligible.where(
                eligible > 0, 1), np.nan),
        })
