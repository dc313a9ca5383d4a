"""Participant flow (CONSORT style) and the outcome rates AAPOR names for opt-in samples.

Every count comes from ``participants.csv`` (status, arm), the quality flags
and the exclusion rules, so the flow adds up: every participant is in one
row (an arm, or one of the two categories before allocation), consented =
screened out + withdrawn + broke off + completed in each row, and analysed =
completed or not, minus excluded, with at least one complete before/after
pair.

In a stratified campaign the arm is chosen after the about-you page, so a
participant screened out there, or not yet past it, has no arm
(``docs/export-format.md``): they are counted in their own rows,
:data:`SCREENED_BEFORE_ALLOCATION` and :data:`NOT_YET_ALLOCATED`, and are in
no arm's analysis.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.frames import isin_ids
from analysis.load import Export

__all__ = ["participant_flow", "outcome_rates", "SCREENED_BEFORE_ALLOCATION",
           "NOT_YET_ALLOCATED", "BEFORE_ALLOCATION"]

#: flow row of participants screened out before an arm was chosen (stratified campaigns)
SCREENED_BEFORE_ALLOCATION = "screened out before allocation"
#: flow row of participants without an arm who were not screened out: still before the
#: about-you page that allocates them, or left (or withdrew) before it
NOT_YET_ALLOCATED = "not yet allocated"
#: the flow's rows that are not arms, in the order they are shown (before ``total``)
BEFORE_ALLOCATION = (SCREENED_BEFORE_ALLOCATION, NOT_YET_ALLOCATED)

FLOW_COLUMNS = ["arm", "consented", "allocated", "screened_out", "withdrawn", "broke_off",
                "completed", "excluded", "analysed"]


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
        ``arm, consented, allocated, screened_out, withdrawn, broke_off,
        completed, excluded`` (flagged by any rule), ``excluded_<rule>`` per
        rule, ``analysed``. One row per arm of the design, then the rows
        :data:`SCREENED_BEFORE_ALLOCATION` and :data:`NOT_YET_ALLOCATED` when
        anyone has no arm, then ``total`` (the sum of the rows above it).
        ``consented`` counts participants who consented (a row in
        participants.csv); ``allocated`` those randomised to an arm (0 in
        the rows before allocation); ``broke_off`` those who started but
        neither completed, withdrew nor were screened out.

    Examples
    --------
    >>> from analysis.synthetic import make_demo_export
    >>> from analysis.quality import quality_flags
    >>> ex, _ = make_demo_export(20, seed=1)
    >>> f = participant_flow(ex, quality_flags(ex), ["speeder"], ex.participants["participant_id"])
    >>> row = f.set_index("arm").loc["total"]
    >>> int(row["consented"]) == int(row[["screened_out", "withdrawn", "broke_off",
    ...                                   "completed"]].sum())
    True
    """
    p = export.participants[["participant_id", "arm", "status"]]
    f = flags.set_index("participant_id").reindex(p["participant_id"])
    no_arm = p["arm"].isna().to_numpy()
    row = np.where(no_arm, np.where(p["status"] == "screened_out", SCREENED_BEFORE_ALLOCATION,
                                    NOT_YET_ALLOCATED), p["arm"].astype(object).to_numpy())
    frame = pd.DataFrame({
        "arm": row,
        "consented": 1,
        "allocated": ~no_arm,
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
    before = [c for c in BEFORE_ALLOCATION if (frame["arm"] == c).any()]
    arms = list(dict.fromkeys([*export.arms, *p["arm"].dropna()])) + before
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
        break_off_rate``: one row per row of ``flow``. ``started`` is the
        flow's ``consented`` (everyone with a row in participants.csv, the
        participants not yet allocated included: they started and have not
        completed).

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
    started = flow["consented"] if "consented" in flow.columns else flow["allocated"]
    eligible = started - flow["screened_out"]
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame({
            "arm": flow["arm"],
            "started": started,
            "eligible": eligible,
            "completed": flow["completed"],
            "broke_off": flow["broke_off"],
            "completion_rate": np.where(eligible > 0, flow["completed"] / eligible.where(
                eligible > 0, 1), np.nan),
            "break_off_rate": np.where(eligible > 0, flow["broke_off"] / eligible.where(
                eligible > 0, 1), np.nan),
        })
