"""Deliberative Poll tables: each item before, after and change per arm, against control.

After Fishkin and Luskin's result reports: every item labelled by its wording,
one row per arm (control last), the change within the arm (descriptive) and
the effect against control by the report's one primary estimator, ANCOVA,
with its interval and adjusted p, and n.
"""

from __future__ import annotations

import pandas as pd

from analysis.report.html import Page, esc, table

ID = "items"
HEADING = "Before and after, item by item"
COLS = ["arm", "n", "mean_before", "mean_after", "shift", "estimate", "ci_low", "ci_high",
        "p_holm"]
LABELS = {"mean_before": "before", "mean_after": "after",
          "shift": "change within the arm (descriptive)",
          "estimate": "effect vs control (ANCOVA)", "p_holm": "p (Holm)"}


def dp_table(page: Page, shifts: pd.DataFrame, effects: pd.DataFrame, item: str,
             caption: str) -> str:
    """The table of one item (or construct, or index) for every arm; ``effects`` is the
    ANCOVA against control (the primary estimator)."""
    sh = shifts[shifts["item"] == item][["arm", "n", "mean_before", "mean_after", "shift"]]
    if not effects.empty:
        d = effects[effects["item"] == item][["arm", "estimate", "ci_low", "ci_high", "p_holm"]]
        sh = sh.merge(d, on="arm", how="left")
    control = page.ex.control_arm
    order = {a: i for i, a in enumerate(a for a in page.ex.arms if a != control)}
    order[control] = len(order)
    sh = sh.sort_values("arm", key=lambda c: c.map(order)).assign(
        arm=lambda d: d["arm"].where(d["arm"] != control, f"{control} (control)"))
    level = f"{page.res.options.level:.0%}"
    labels = {**LABELS, "ci_low": f"{level} CI low (unadjusted)",
              "ci_high": f"{level} CI high (unadjusted)"}
    return table(sh, caption, COLS, labels, guard=("n",), min_cell=page.min_cell)


def render(page: Page) -> str | None:
    sh = page.res.shifts
    if sh.empty:
        return "<p>No item has complete before and after answers from analysed participants.</p>"
    anc = page.res.ancova
    body = ["<p>Means of the answers before and after reading and their change within each "
            "arm (descriptive: a change within one arm also holds test-retest change and "
            "everything else between the two answers), then the effect against control: "
            "ANCOVA, after ~ arm + before with HC2 errors, the unadjusted interval, and p "
            "adjusted by Holm over all items and arms. Item ids are in small type.</p>"]
    for item in pd.unique(sh["item"]):
        body.append(f"<h3>{page.label(item)}</h3>")
        body.append(dp_table(page, sh, anc, item,
                             f"{page.wording(item, 60)} ({esc(page.scale_of(item))})"))
    return "".join(body)
