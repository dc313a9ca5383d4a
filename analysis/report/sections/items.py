"""Deliberative Poll tables: each item before, after and change per arm, against control.

After Fishkin and Luskin's result reports: every item labelled by its wording,
one row per arm (control last), the change in the arm minus the change in
control (difference in differences) with its interval and adjusted p, and n.
"""

from __future__ import annotations

import pandas as pd

from analysis.report.html import Page, esc, table

ID = "items"
HEADING = "Before and after, item by item"
COLS = ["arm", "n", "mean_before", "mean_after", "shift", "estimate", "ci_low", "ci_high",
        "p_holm"]
LABELS = {"mean_before": "before", "mean_after": "after", "shift": "change",
          "estimate": "change vs control", "ci_low": "95% CI low", "ci_high": "95% CI high",
          "p_holm": "p (Holm)"}


def dp_table(page: Page, shifts: pd.DataFrame, did: pd.DataFrame, item: str,
             caption: str) -> str:
    """The table of one item (or construct, or index) for every arm."""
    sh = shifts[shifts["item"] == item][["arm", "n", "mean_before", "mean_after", "shift"]]
    if not did.empty:
        d = did[did["item"] == item][["arm", "estimate", "ci_low", "ci_high", "p_holm"]]
        sh = sh.merge(d, on="arm", how="left")
    control = page.ex.control_arm
    order = {a: i for i, a in enumerate(a for a in page.ex.arms if a != control)}
    order[control] = len(order)
    sh = sh.sort_values("arm", key=lambda c: c.map(order)).assign(
        arm=lambda d: d["arm"].where(d["arm"] != control, f"{control} (control)"))
    return table(sh, caption, COLS, LABELS, guard=("n",), min_cell=page.min_cell)


def render(page: Page) -> str | None:
    sh = page.res.shifts
    if sh.empty:
        return "<p>No item has complete before and after answers from analysed participants.</p>"
    did = page.res.did
    body = ["<p>Means of the answers before and after reading, their change, and the "
            "change in each arm minus the change in control (difference in differences, "
            "Welch t, 95% CI, p adjusted by Holm over all items and arms). Item ids are in "
            "small type.</p>"]
    for item in pd.unique(sh["item"]):
        body.append(f"<h3>{page.label(item)}</h3>")
        body.append(dp_table(page, sh, did, item,
                             f"{page.wording(item, 60)} ({esc(page.scale_of(item))})"))
    return "".join(body)
