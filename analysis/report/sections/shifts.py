"""Attitude shifts within each arm (before vs after), with before/after dot plots."""

from __future__ import annotations

import pandas as pd

from analysis.report import plots
from analysis.report.html import Page, figure, table

ID = "shifts"
HEADING = "Attitude shifts (before vs after)"
SHIFT_COLS = ["label", "arm", "n", "mean_before", "mean_after", "shift", "ci_low", "ci_high",
              "boot_low", "boot_high", "p_t", "p_holm", "p_bh", "p_wilcoxon", "d_z", "g_av",
              "share_up", "share_down", "share_same"]


def key_items(page: Page) -> list[str]:
    sh = page.res.shifts
    plan = page.res.plan or {}
    seen = set(sh["item"]) if not sh.empty else set()
    primary = [i for i in plan.get("primary_items") or [] if i in seen]
    return primary or list(pd.unique(sh["item"]))[:3] if not sh.empty else []


def render(page: Page) -> str | None:
    sh = page.res.shifts
    if sh.empty:
        return "<p>No complete before/after pairs.</p>"
    sh = sh.assign(label=sh["item"].map(page.label))
    body = table(sh, "Before/after shifts per item and arm", SHIFT_COLS, {"label": "item"},
                 guard=("n",), min_cell=page.min_cell, html_cols=("label",))
    for item in key_items(page):
        d = sh[(sh["item"] == item) & (sh["n"] >= page.min_cell)]
        if not d.empty:
            body += figure(plots.dots(d, page.wording(item, 50)),
                           f"Mean before and after, by arm: {page.wording(item)}.")
    return body
