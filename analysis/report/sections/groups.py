"""Opinion groups (Pol.is style) on the after answers."""

from __future__ import annotations

import pandas as pd

from analysis.groups import CLEAR_GROUPS
from analysis.report import plots
from analysis.report.html import Page, esc, figure, table

ID = "groups"
HEADING = "Opinion groups"


def render(page: Page) -> str | None:
    res = page.res
    mp = res.groups_map
    if mp is None or mp.empty:
        return None
    gi = res.groups_items
    return (_verdict(res.groups_verdict)
            + figure(plots.map_plot(mp), "Opinion map of the after answers.")
            + table(res.groups_choice, "Silhouette and gap statistic by number of groups")
            + table(gi[gi["representative"] | gi["consensus"]],
                    "Items each group agrees on, and consensus items"))


def _verdict(verdict: pd.DataFrame) -> str:
    """The verdict first: are there groups at all (gap statistic), and how many."""
    if verdict is None or verdict.empty:
        return ""
    v = verdict.iloc[0]
    if v["verdict"] == CLEAR_GROUPS:
        return (f"<p><strong>Verdict: clear groups ({int(v['k'])}).</strong> The gap "
                "statistic (Tibshirani, Walther &amp; Hastie 2001) finds more structure "
                f"than uniform reference data for {int(v['k'])} groups; mean silhouette "
                f"{v['silhouette']:.2f}.</p>")
    return (f"<p><strong>Verdict: {esc(v['verdict'])}.</strong> The gap statistic "
            "(Tibshirani, Walther &amp; Hastie 2001) finds no more groups in the after "
            "answers than in uniform reference data, so the split below "
            f"({int(v['k'])} groups, the best mean silhouette, {v['silhouette']:.2f}) "
            "describes regions of the map, not distinct opinion groups. Silhouettes "
            "alone always name a best split, on pure noise too.</p>")
