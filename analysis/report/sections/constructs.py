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
    t = page.t
    body = table(t.get("alpha"), "Cronbach's alpha", guard=("n",), min_cell=page.min_cell)
    cs = t.get("construct_shifts", pd.DataFrame())
    if not cs.empty:
        cdid = t.get("construct_did", pd.DataFrame())
        for construct in pd.unique(cs["item"]):
            body += f"<h3>Scale score: {esc(str(construct))}</h3>"
            body += dp_table(page, cs, cdid, construct,
                             f"Construct {construct}: mean of its items, reverse-keyed")
    ks = t.get("knowledge_shifts", pd.DataFrame())
    body += "<h3>Knowledge index</h3>"
    if ks.empty:
        body += "<p>No knowledge questions answered before and after.</p>"
    else:
        body += dp_table(page, ks, t.get("knowledge_did", pd.DataFrame()), "knowledge_index",
                         "Knowledge index: share correct (don't know = wrong), by arm")
    body += table(t.get("knowledge_ancova"), "Knowledge index vs control (ANCOVA)",
                  EFFECT_COLS, guard=("n_arm", "n_control"), min_cell=page.min_cell,
                  empty="Knowledge index vs control: not estimated (no control arm or no "
                        "knowledge answers in it).")
    return body
