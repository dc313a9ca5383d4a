"""Polarisation before and after."""

from __future__ import annotations

from analysis.report.html import Page, table

ID = "polarisation"
HEADING = "Polarisation"


def render(page: Page) -> str | None:
    pol = page.res.polarisation
    if pol is None or pol.empty:
        return "<p>No Likert or thermometer answers to describe.</p>"
    pol = pol.assign(label=pol["item"].map(page.label))
    cols = ["label"] + [c for c in pol.columns if c not in ("item", "label")]
    return table(pol, "Polarisation by item and phase", cols, {"label": "item"},
                 guard=("n",), min_cell=page.min_cell, html_cols=("label",))
