"""Meta-perception: estimated share supporting vs the actual share in the sample."""

from __future__ import annotations

from analysis.report.html import PAIRED, Page, table, unpaired

ID = "metaperception"
HEADING = "Meta-perception"


def render(page: Page) -> str | None:
    mp = page.res.metaperception
    if mp is None or mp.empty:
        return None
    return (table(mp, "Estimated minus actual share supporting: before the briefing pooled "
                  f"over the arms, after it per arm ({PAIRED})",
                  guard=("n_estimates", "n_support"), min_cell=page.min_cell)
            + unpaired(table(page.res.metaperception_unpaired, "Estimated minus actual share "
                             "supporting, everyone who answered each phase",
                             guard=("n_estimates", "n_support"), min_cell=page.min_cell))
            + "<p>The interval of the gap carries the sampling error of both the mean "
            "estimate and the actual share in the sample, and their covariance (the same "
            "people answer both), by linearisation; se estimate is the mean estimate's "
            "own standard error.</p>")
