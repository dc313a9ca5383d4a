"""Opinion groups (Pol.is style) on the after answers."""

from __future__ import annotations

from analysis.report import plots
from analysis.report.html import Page, figure, table

ID = "groups"
HEADING = "Opinion groups"


def render(page: Page) -> str | None:
    res = page.res
    mp = res.groups_map
    if mp is None or mp.empty:
        return None
    gi = res.groups_items
    return (figure(plots.map_plot(mp), "Opinion map of the after answers.")
            + table(res.groups_choice, "Silhouette by number of groups")
            + table(gi[gi["representative"] | gi["consensus"]],
                    "Items each group agrees on, and consensus items"))
