"""Rankings of the proposals: first choices, Borda, Condorcet, single-peakedness."""

from __future__ import annotations

from analysis.report.html import PAIRED, Page, table, unpaired

ID = "rankings"
HEADING = "Rankings of the proposals"


def render(page: Page) -> str | None:
    ro = page.res.ranking_options
    if ro is None or ro.empty:
        return None
    res = page.res
    return (table(ro, f"First choices and Borda scores ({PAIRED})", guard=("n",),
                  min_cell=page.min_cell)
            + table(res.ranking_groups, f"Condorcet winner and single-peakedness ({PAIRED})",
                    guard=("n",), min_cell=page.min_cell)
            + unpaired(table(res.ranking_options_unpaired, "First choices and Borda scores, "
                             "everyone who ranked in each phase", guard=("n",),
                             min_cell=page.min_cell)
                       + table(res.ranking_groups_unpaired, "Condorcet winner and "
                               "single-peakedness, everyone who ranked in each phase",
                               guard=("n",), min_cell=page.min_cell)))
