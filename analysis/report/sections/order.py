"""Order of the options: answers by the place an option was shown (a primacy check)."""

from __future__ import annotations

from analysis.report.html import Page, table

ID = "order"
HEADING = "Order of the options"


def render(page: Page) -> str | None:
    oe = page.res.order_effects
    if oe is None or oe.empty:
        return None
    note = ("<p>Items whose options each participant saw in an order of their own. For each "
            "option, by the place it was shown: how many answered, how many chose it (a "
            "ranking: ranked it first), the share, and for a ranking the option's mean rank. "
            "With a uniform shuffle the places are comparable groups, so a share that falls "
            "with the place is an order effect.</p>")
    return note + table(oe, "Answers by the place an option was shown", guard=("n",),
                        min_cell=page.min_cell)
