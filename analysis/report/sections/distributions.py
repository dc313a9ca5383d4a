"""Answer distributions: diverging bars, Stuart-Maxwell and McNemar tests."""

from __future__ import annotations

from analysis.report import plots
from analysis.report.html import Page, figure, table
from analysis.report.sections.shifts import key_items

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
        body += table(d.assign(n_group=d.groupby(["arm", "phase"])["n"].transform("sum")),
                      f"Answer shares: {page.wording(item, 60)}",
                      ["arm", "phase", "category", "n_group", "n", "share"],
                      {"n_group": "n in arm and phase"})
    sm = res.stuart_maxwell
    if not sm.empty:
        sm = sm.assign(label=sm["item"].map(page.label))
    body += table(sm, "Stuart-Maxwell test of equal before/after shares",
                  ["label", "arm", "n", "statistic", "df", "p"], {"label": "item"},
                  guard=("n",), min_cell=page.min_cell, html_cols=("label",))
    mc = res.mcnemar
    if not mc.empty:
        mc = mc.assign(label=mc["item"].map(page.label))
    body += table(mc, "McNemar test on support",
                  ["label", "arm", "n", "threshold", "support_before", "support_after",
                   "gained", "lost", "statistic", "p", "method"], {"label": "item"},
                  guard=("n",), min_cell=page.min_cell, html_cols=("label",))
    return body
