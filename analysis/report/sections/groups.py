"""Opinion groups (Pol.is style) on the after answers."""

from __future__ import annotations

import pandas as pd

from analysis.report import plots
from analysis.report.html import Page, figure, table

ID = "groups"
HEADING = "Opinion groups"


def render(page: Page) -> str | None:
    t = page.t
    mp = t.get("groups_map", pd.DataFrame())
    if mp is None or mp.empty:
        return None
    gi = t["groups_items"]
    return (figure(plots.map_plot(mp), "Opinion map of the after answers.")
            + table(t["groups_choice"], "Silhouette by number of groups")
            + table(gi[gi["representative"] | gi["consensus"]],
                    "Items each group agrees on, and consensus items"))
