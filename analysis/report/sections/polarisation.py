"""Polarisation before and after."""

from __future__ import annotations

from analysis.report.html import PAIRED, Page, table, unpaired

ID = "polarisation"
HEADING = "Polarisation"


def render(page: Page) -> str | None:
    pol = page.res.polarisation
    if pol is None or pol.empty:
        return "<p>No Likert or thermometer answers to describe.</p>"
    return _table(page, pol, f"Polarisation by item and phase ({PAIRED})") + unpaired(
        _table(page, page.res.polarisation_unpaired,
               "Polarisation by item and phase, everyone who answered each phase"))


def _table(page: Page, pol, caption: str) -> str:
    if pol.empty:
        return table(pol, caption)
    pol = pol.assign(label=pol["item"].map(page.label))
    cols = ["label"] + [c for c in pol.columns if c not in ("item", "label")]
    return table(pol, caption, cols, {"label": "item"},
                 guard=("n",), min_cell=page.min_cell, html_cols=("label",))
