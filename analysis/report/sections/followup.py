"""Follow-up persistence: before, after and follow-up means per arm, the share kept."""

from __future__ import annotations

from analysis.report.html import Page, table

ID = "followup"
HEADING = "Follow-up: did the shift last?"


def render(page: Page) -> str | None:
    fu = page.res.followup
    if fu is None or fu.empty:
        return None
    fu = fu.assign(label=fu["item"].map(page.label))
    cols = ["label", "arm", "n", "mean_pre", "mean_post", "mean_followup", "shift_post",
            "shift_followup", "persisted", "estimate", "ci_low", "ci_high", "p_holm"]
    return ("<p>Participants who answered before, after and in the follow-up wave. "
            "“Share kept” is the change at follow-up divided by the change right after "
            "reading (1 = all of it, 0 = none; – when there was no change to keep). "
            "“Follow-up change vs control” is the arm's change from before to follow-up "
            "minus control's (difference in differences, Welch t, Holm-adjusted p).</p>"
            + table(fu, "Persistence of the shift at follow-up", cols,
                    {"label": "item", "mean_pre": "before", "mean_post": "after",
                     "mean_followup": "follow-up", "shift_post": "change after reading",
                     "shift_followup": "change at follow-up", "persisted": "share kept",
                     "estimate": "follow-up change vs control", "p_holm": "p (Holm)"},
                    guard=("n",), min_cell=page.min_cell, html_cols=("label",)))
