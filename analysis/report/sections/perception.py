"""Meta-perception: estimated share supporting vs the actual share in the sample."""

from __future__ import annotations

from analysis.report.html import Page, table

ID = "metaperception"
HEADING = "Meta-perception"


def render(page: Page) -> str | None:
    mp = page.res.metaperception
    if mp is None or mp.empty:
        return None
    return table(mp, "Estimated minus actual share supporting", guard=("n",),
                 min_cell=page.min_cell)
