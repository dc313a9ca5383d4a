"""The CONSORT flow: every participant in exactly one box per stage, per arm.

CONSORT 2010 (Schulz, Altman & Moher, *BMJ* 340:c332, item 13a and the flow
diagram) asks, for each arm, how many were allocated, received the
intervention, were lost and were analysed, so that each stage's boxes add
up to the box above them. :func:`consort_flow` builds those boxes from
``participants.csv`` (arm, status, outcome), the quality flags and the
analysed sample:

1. ``allocation``: of those who consented, who left before an arm was
   chosen (screened out, over quota, withdrew, not yet allocated) and who
   was allocated, per arm;
2. ``follow-through``: of those allocated to an arm, who was screened out
   or over quota after allocation, withdrew (answers deleted), broke off or
   completed;
3. ``analysis``: of those who completed or broke off, who was excluded by a
   rule (each person under the first rule, in the order the rules were
   given, that flags them), had no weight, had no complete before/after
   pair, or was analysed.

Arrivals on the landing page who did not consent are not in the export.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.export import Export
from analysis.frames import isin_ids

__all__ = ["consort_flow", "BOXES", "UNALLOCATED"]

#: the ``arm`` of the boxes before allocation (they have no arm)
UNALLOCATED = ""
#: the boxes of each stage, in order (``excluded: <rule>`` stands for one per rule)
BOXES = {
    "consented": ("consented",),
    "allocation": ("screened out before allocation", "over quota before allocation",
                   "withdrew before allocation", "not yet allocated", "allocated"),
    "follow-through": ("screened out after allocation", "over quota after allocation",
                       "withdrew (answers deleted)", "broke off", "completed"),
    "analysis": ("excluded: <rule>", "no weight (lacks a raking variable)",
                 "no complete before/after pair", "analysed"),
}


def consort_flow(export: Export, flags: pd.DataFrame, rules: Sequence[str],
                 kept: pd.Series, analysed: pd.Series) -> pd.DataFrame:
    """The boxes of the flow diagram, per arm and in total.

    Parameters
    ----------
    export : Export
    flags : DataFrame
        :func:`analysis.quality.quality_flags` output (``participant_id`` and
        one boolean column per rule).
    rules : sequence of str
        The exclusion rules applied, in order.
    kept : Series
        Participant ids left after the rules (and with a weight, if weighted).
    analysed : Series
        Participant ids in the analysis.

    Returns
    -------
    DataFrame
        ``stage, box, arm, n``: one row per box and arm, and per box a row with
        ``arm = "total"``. Boxes before allocation have only the ``total``
        row. Within a stage each participant is in exactly one box, so per
        arm: ``allocated`` = the sum of the follow-through boxes, and
        ``completed`` + ``broke off`` = the sum of the analysis boxes.

    Examples
    --------
    >>> from analysis.synthetic import make_demo_export
    >>> from analysis.quality import quality_flags
    >>> ex, _ = make_demo_export(20, seed=1)
    >>> ids = ex.participants["participant_id"]
    >>> c = consort_flow(ex, quality_flags(ex), ["speeder"], ids, ids)
    >>> t = c[c["arm"] == "total"].set_index("box")["n"]
    >>> int(t["consented"]) == len(ex.participants) == int(t["allocated"])
    True
    """
    p = export.participants
    arm = p["arm"].astype("object").where(p["arm"].notna() & (p["arm"] != ""), UNALLOCATED)
    status = p["status"].to_numpy()
    outcome = (p["outcome"].fillna("").to_numpy() if "outcome" in p.columns
               else np.full(len(p), "", dtype=object))
    allocated = (arm != UNALLOCATED).to_numpy()
    over_quota = outcome == "over_quota"
    screened = (status == "screened_out") & ~over_quota
    withdrawn = status == "withdrawn"
    when = np.where(allocated, "after allocation", "before allocation")
    stage1 = np.select(
        [~allocated & screened, ~allocated & over_quota, ~allocated & withdrawn, ~allocated],
        BOXES["allocation"][:4], "allocated")
    stage2 = np.select(
        [screened, over_quota, withdrawn, status == "started"],
        [np.char.add("screened out ", when.astype(str)).astype(object),
         np.char.add("over quota ", when.astype(str)).astype(object),
         "withdrew (answers deleted)", "broke off"], "completed")
    rules = list(rules)
    f = flags.set_index("participant_id").reindex(p["participant_id"])
    flagged = f[rules].fillna(False).to_numpy(dtype=bool) if rules else np.zeros((len(p), 0),
                                                                                    bool)
    first = np.array([f"excluded: {rules[i]}" for i in flagged.argmax(axis=1)]
                     if rules else [], dtype=object) if len(p) else np.array([], dtype=object)
    in_analysis = allocated & np.isin(stage2, ["completed", "broke off"])
    stage3 = np.select(
        [flagged.any(axis=1) if rules else np.zeros(len(p), bool),
         ~isin_ids(p["participant_id"], kept),
         ~isin_ids(p["participant_id"], analysed)],
        [first if rules else "", "no weight (lacks a raking variable)",
         "no complete before/after pair"], "analysed")
    people = pd.DataFrame({"arm": arm.to_numpy(), "allocation": stage1,
                           "follow-through": np.where(allocated, stage2, None),
                           "analysis": np.where(in_analysis, stage3, None)})
    arms = list(dict.fromkeys([*export.arms, *(a for a in arm if a != UNALLOCATED)]))
    rows = [("consented", "consented", "total", len(p))]
    for stage in ("allocation", "follow-through", "analysis"):
        boxes = [b for b in BOXES[stage] if b != "excluded: <rule>"]
        if stage == "analysis":
            boxes = [f"excluded: {r}" for r in rules] + boxes
        counts = people.groupby([stage, "arm"]).size()
        for box in boxes:
            per_arm = [(a, int(counts.get((box, a), 0))) for a in arms]
            if not (stage == "allocation" and box != "allocated"):
                rows += [(stage, box, a, n) for a, n in per_arm]
            total = int(counts.xs(box, level=0).sum()) if box in counts.index.get_level_values(
                0) else 0
            rows.append((stage, box, "total", total))
    return pd.DataFrame(rows, columns=["stage", "box", "arm", "n"])
