"""Confirmatory results: exactly the tests the analysis plan names, apart from the rest."""

from __future__ import annotations

import pandas as pd

from analysis.report import plots
from analysis.report.html import Page, esc, figure, finite, table

ID = "confirmatory"
HEADING = "Confirmatory results"
EFFECT_COLS = ["label", "arm", "n_arm", "n_control", "estimate", "ci_low", "ci_high", "se",
               "p", "p_holm", "p_bh"]


def render(page: Page) -> str | None:
    plan = page.res.plan or {}
    if not plan.get("primary_items"):
        return None
    anc = page.t.get("ancova", pd.DataFrame())
    head = (f'<div class="confirmatory"><p>Preregistered primary items: '
            f"{esc(', '.join(plan['primary_items']))}. Family: "
            f"{esc(str(plan.get('family') or 'primary'))}. These are the confirmatory tests; "
            "everything else in this report is exploratory.</p>")
    if anc.empty or not anc["confirmatory"].any():
        return head + "<p>No confirmatory test could be computed with this data.</p></div>"
    conf = anc[anc["confirmatory"]].assign(label=lambda d: d["item"].map(page.label))
    ok = conf[conf[["n_arm", "n_control"]].min(axis=1).ge(page.min_cell)
              & conf["estimate"].map(finite) & conf["ci_low"].map(finite)]
    body = head
    if not ok.empty:
        body += figure(plots.forest(ok, [f"{page.wording(i, 30)} · {a}" for i, a in
                                         zip(ok["item"], ok["arm"], strict=True)],
                                    "Confirmatory effects vs control",
                                    "Difference from control, scale points (95% CI)"),
                       "ANCOVA effects of each arm against control on the primary items.")
    body += table(conf, "Confirmatory ANCOVA effects (adjusted within the primary family)",
                  EFFECT_COLS, {"label": "item"}, guard=("n_arm", "n_control"),
                  min_cell=page.min_cell, html_cols=("label",))
    return body + "</div>"
