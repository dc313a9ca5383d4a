"""Shifts by subgroup (any participant column), Benjamini-Hochberg over all subgroup tests."""

from __future__ import annotations

from analysis.report.html import Page, esc, table

ID = "subgroups"
HEADING = "Subgroups"


def render(page: Page) -> str | None:
    ss = page.res.subgroup_shifts
    col = page.res.options.subgroup
    if ss.empty or not col:
        return None
    ss = ss.assign(label=ss["item"].map(page.label))
    return (f"<p>Shifts by {esc(col)}. Many small tests: p-values are adjusted by "
            "Benjamini-Hochberg (false discovery rate) over every subgroup test in the "
            "table; read them as exploratory.</p>"
            + table(ss, f"Subgroup shifts by {col}",
                    ["label", "arm", col, "n", "shift", "ci_low", "ci_high", "p_t", "p_bh"],
                    {"label": "item", "p_bh": "p (BH)"}, guard=("n",), min_cell=page.min_cell,
                    html_cols=("label",))
            + _effects(page, col))


def _effects(page: Page, col: str) -> str:
    se = page.res.subgroup_effects
    if se is None or se.empty:
        return "<p>Subgroup effects against control: not estimated (no control arm).</p>"
    se = se.assign(label=se["item"].map(page.label))
    return table(se, f"Subgroup effects vs control by {col} (difference in differences, "
                     "Benjamini-Hochberg over all subgroup tests)",
                 ["label", "arm", col, "n_arm", "n_control", "estimate", "ci_low", "ci_high",
                  "p", "p_bh"], {"label": "item", "p_bh": "p (BH)"},
                 guard=("n_arm", "n_control"), min_cell=page.min_cell, html_cols=("label",))
