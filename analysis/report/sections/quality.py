"""Data quality and weights: funnel, exclusions, time on page, Kish effective n."""

from __future__ import annotations

import pandas as pd

from analysis.report import plots
from analysis.report.html import Page, esc, figure, fmt, table

ID = "quality"
HEADING = "Data quality and weights"


def render(page: Page) -> str | None:
    res = page.res
    body = ""
    fn = res.funnel
    if fn is not None and not fn.empty:
        body += figure(plots.funnel_plot(fn), "Participants reaching each stage, by arm.")
    body += table(fn, "Completion funnel")
    body += table(res.exclusions, "Exclusions: what was excluded and why")
    body += table(res.time_on_page, "Seconds on page")
    ws = res.weights_summary
    kish = pd.DataFrame([{"weights": res.weights_used(), "n": int(res.analysed.nunique()),
                          "effective_n_kish": res.kish_n(),
                          "design_effect": float(ws["deff"].iloc[0]) if not ws.empty else 1.0}])
    body += table(kish, "Weights: Kish effective sample size and design effect")
    if not ws.empty:
        body += table(ws, "Raking weights: Kish design effect and effective n")
    body += (f"<p>Kish effective n: {fmt(res.kish_n())} ({esc(res.weights_used())}).</p>")
    return body
