"""Construct scores and the knowledge index, as Deliberative Poll tables."""

from __future__ import annotations

import pandas as pd

from analysis.report.html import Page, esc, table
from analysis.report.sections.items import dp_table

ID = "constructs"
HEADING = "Constructs and knowledge"
EFFECT_COLS = ["item", "arm", "n_arm", "n_control", "estimate", "ci_low", "ci_high", "se",
               "p", "p_holm", "p_bh"]


def render(page: Page) -> str | None:
    res = page.res
    body = table(res.alpha, "Cronbach's alpha", guard=("n",), min_cell=page.min_cell)
    cs = res.construct_shifts
    if not cs.empty:
        for construct in pd.unique(cs["item"]):
            body += f"<h3>Scale score: {esc(str(construct))}</h3>"
            body += dp_table(page, cs, res.construct_ancova, construct,
                             f"Construct {construct}: mean of its items, reverse-keyed")
    ks = res.knowledge_shifts
    body += "<h3>Knowledge index</h3>"
    if ks.empty:
        body += "<p>No knowledge questions answered before and after.</p>"
    else:
        body += dp_table(page, ks, res.knowledge_ancova, "knowledge_index",
                         "Knowledge index: share correct (don't know = wrong), by arm")
    body += table(res.knowledge_ancova, "Knowledge index vs control (ANCOVA)",
                  EFFECT_COLS, guard=("n_arm", "n_control"), min_cell=page.min_cell,
                  empty="Knowledge index vs control: not estimated (no control arm or no "
                        "knowledge answers in it).")
    return body
