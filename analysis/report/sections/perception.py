"""Meta-perception: estimated share supporting vs the actual share in the sample."""

from __future__ import annotations

from analysis.report.html import Page, table

ID = "metaperception"
HEADING = "Meta-perception"


def render(page: Page) -> str | None:
    mp = page.res.metaperception
    if mp is None or mp.empty:
        return None
    return (table(mp, "Estimated minus actual share supporting: before the briefing pooled "
                  "over the arms, after it per arm", guard=("n_estimates", "n_support"),
                  min_cell=page.min_cell)
            + "<p>The interval of the gap carries the sampling error of both the mean "
            "estimate and the actual share in the sample, and their covariance (the same "
            "people answer both), by linearisation; se estimate is the mean estimate's "
            "own standard error.</p>")
