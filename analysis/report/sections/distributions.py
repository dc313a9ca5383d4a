"""Answer distributions: diverging bars, Stuart-Maxwell and McNemar tests."""

from __future__ import annotations

from analysis.report import plots
from analysis.report.html import PAIRED, Page, figure, table, unpaired
from analysis.report.sections.shifts import DESCRIPTIVE, key_items

ID = "ordinal"
HEADING = "Answer distributions"


def render(page: Page) -> str | None:
    res = page.res
    ls = res.likert_shares
    body = ""
    for item in key_items(page):
        d = ls[ls["item"] == item] if not ls.empty else ls
        if d.empty:
            continue
        d = d[d.groupby(["arm", "phase"])["n"].transform("sum") >= page.min_cell]
        if d.empty:
            continue
        body += figure(plots.likert_bars(d, page.wording(item, 50)),
                       f"Answer shares: {page.wording(item)}.")
        body += _shares(d, f"Answer shares: {page.wording(item, 60)} ({PAIRED})")
        u = res.likert_shares_unpaired
        u = u[u["item"] == item] if not u.empty else u
        body += unpaired(_shares(u, f"Answer shares, everyone who answered each phase: "
                                    f"{page.wording(item, 60)}"))
    sm = res.stuart_maxwell
    if not sm.empty:
        sm = sm.assign(label=sm["item"].map(page.label))
    body += DESCRIPTIVE
    body += table(sm, "Stuart-Maxwell test of equal before/after shares within each arm "
                  "(descriptive)",
                  ["label", "arm", "n", "statistic", "df", "p"], {"label": "item"},
                  guard=("n",), min_cell=page.min_cell, html_cols=("label",))
    mc = res.mcnemar
    if not mc.empty:
        mc = mc.assign(label=mc["item"].map(page.label))
    body += table(mc, "McNemar test on support before and after, within each arm (descriptive)",
                  ["label", "arm", "n", "threshold", "support_before", "support_after",
                   "gained", "lost", "statistic", "p", "method"], {"label": "item"},
                  guard=("n",), min_cell=page.min_cell, html_cols=("label",))
    return body


def _shares(d, caption: str) -> str:
    if d.empty:
        return table(d, caption)
    return table(d.assign(n_group=d.groupby(["arm", "phase"])["n"].transform("sum")), caption,
                 ["arm", "phase", "category", "n_group", "n", "share"],
                 {"n_group": "n in arm and phase"})
