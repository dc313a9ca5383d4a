"""Change within each arm (before vs after), descriptive, with before/after dot plots."""

from __future__ import annotations

import pandas as pd

from analysis.report import plots
from analysis.report.html import Page, figure, table

ID = "shifts"
HEADING = "Change within each arm (descriptive)"
#: what a within-arm before/after test is in a controlled design, said before its tables
DESCRIPTIVE = ("<p>The tests in this section compare each arm's answers before and after "
               "reading, within the arm. In a controlled design they are descriptive: a "
               "change within one arm also holds test-retest change and anything else between "
               "the two answers. The treatment's effect is the comparison with control "
               "(“Effects against control” and “Confirmatory results”, above).</p>")
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
    level = f"{page.res.options.level:.0%}"
    body = DESCRIPTIVE + table(
        sh, "Before/after change within each arm (descriptive)", SHIFT_COLS,
        {"label": "item", "ci_low": f"{level} CI low (unadjusted)",
         "ci_high": f"{level} CI high (unadjusted)", "boot_low": f"{level} BCa low",
         "boot_high": f"{level} BCa high", "p_t": "p (t)", "p_holm": "p (Holm)",
         "p_bh": "p (BH)", "p_wilcoxon": "p (Wilcoxon)"},
        guard=("n",), min_cell=page.min_cell, html_cols=("label",))
    for item in key_items(page):
        d = sh[(sh["item"] == item) & (sh["n"] >= page.min_cell)]
        if not d.empty:
            body += figure(plots.dots(d, page.wording(item, 50)),
                           f"Mean before and after, by arm: {page.wording(item)}.")
    return body
