"""Rankings of the proposals: first choices, Borda, Condorcet, single-peakedness."""

from __future__ import annotations

from analysis.report.html import Page, table

ID = "rankings"
HEADING = "Rankings of the proposals"


def render(page: Page) -> str | None:
    ro = page.res.ranking_options
    if ro is None or ro.empty:
        return None
    return (table(ro, "First choices and Borda scores", guard=("n",), min_cell=page.min_cell)
            + table(page.res.ranking_groups, "Condorcet winner and single-peakedness",
                    guard=("n",), min_cell=page.min_cell))
