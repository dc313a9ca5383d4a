"""Participant flow: a CONSORT-style diagram (SVG, numbers in text) and AAPOR-named rates."""

from __future__ import annotations

import pandas as pd

from analysis.flow import BEFORE_ALLOCATION
from analysis.report.html import Page, esc, table

ID = "flow"
HEADING = "Participant flow"
RULE_WORDS = {"speeder": "speeders", "failed_attention": "failed attention check",
              "straightliner": "straight-liners", "incomplete": "did not complete"}


def _box(y: int, lines: list[str], height: int) -> str:
    text = "".join(f'<text x="20" y="{y + 24 + 20 * i}" font-size="15">{esc(line)}</text>'
                   for i, line in enumerate(lines))
    return (f'<rect x="4" y="{y}" width="392" height="{height}" rx="6" fill="#f3f2f1" '
            f'stroke="#505a5f"/>{text}')


def flow_svg(flow: pd.DataFrame, rules: list[str], control: str | None) -> str:
    """The flow as boxes stacked top to bottom (fits a phone), every number as text."""
    rows = flow.set_index("arm")
    total = rows.loc["total"]
    arms = flow[~flow["arm"].isin(["total", *BEFORE_ALLOCATION])]
    before = [f"  {c}: n = {rows.loc[c, 'consented']:,}" for c in BEFORE_ALLOCATION
              if c in rows.index]
    consented = total.get("consented", total["allocated"])
    # the losses after allocation: the rows before allocation are counted in their box
    after = total - rows.loc[[c for c in BEFORE_ALLOCATION if c in rows.index]].sum()
    boxes = [
        [f"Started: consented, n = {consented:,}"] + before
        + ([f"Allocated: n = {total['allocated']:,}"] if before else []),
        [f"Screened out: n = {after['screened_out']:,}",
         f"Withdrew (data deleted): n = {after['withdrawn']:,}",
         f"Broke off before the end: n = {after['broke_off']:,}"],
        ["Allocated to arms:"] + [
            f"  {a}{' (control)' if a == control else ''}: {n:,}"
            for a, n in zip(arms["arm"], arms["allocated"], strict=True)],
        [f"Completed: n = {total['completed']:,}"],
        [f"Excluded by the rules: n = {total['excluded']:,}"] + [
            f"  {RULE_WORDS.get(r, r)}: {total.get(f'excluded_{r}', 0):,}" for r in rules],
        [f"Analysed (complete before/after answers): n = {total['analysed']:,}"] + [
            f"  {a}: {n:,}" for a, n in zip(arms["arm"], arms["analysed"], strict=True)],
    ]
    parts, y = [], 0
    for i, lines in enumerate(boxes):
        h = 16 + 20 * len(lines)
        parts.append(_box(y, lines, h))
        y += h
        if i < len(boxes) - 1:
            parts.append(f'<path d="M200 {y} v18" stroke="#1b1b1b" stroke-width="2"/>'
                         f'<path d="M194 {y + 12} l6 8 l6 -8" fill="none" stroke="#1b1b1b" '
                         'stroke-width="2"/>')
            y += 22
    desc = ". ".join("; ".join(lines) for lines in boxes)
    return (f'<svg class="flow" role="img" aria-labelledby="flow-t flow-d" '
            f'viewBox="0 0 400 {y + 4}" width="100%" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="flow-t">Participant flow</title><desc id="flow-d">{esc(desc)}</desc>'
            + "".join(parts) + "</svg>")


def render(page: Page) -> str | None:
    fl = page.res.flow
    if fl is None or fl.empty:
        return None
    rules = list(page.res.options.exclusions)
    body = [f'<figure>{flow_svg(fl, rules, page.ex.control_arm)}<figcaption>Participant flow '
            "(CONSORT style). Arrivals on the landing page who did not consent are not in "
            "the export.</figcaption></figure>"]
    labels = {f"excluded_{r}": f"excluded: {RULE_WORDS.get(r, r)}" for r in rules}
    body.append(table(fl, "Participant flow by arm", labels=labels))
    rates = page.res.rates
    body.append(table(rates, "Completion and break-off rates (opt-in sample)",
                      ["arm", "started", "eligible", "completed", "broke_off",
                       "completion_rate", "break_off_rate"],
                      {"completion_rate": "completion rate", "break_off_rate": "break-off rate"},
                      guard=("eligible",), min_cell=page.min_cell))
    body.append("<p>Rates as AAPOR names them for opt-in samples (Standard Definitions; "
                "Callegaro &amp; DiSogra 2008): completion rate = completed ÷ eligible "
                "starters, break-off rate = break-offs ÷ eligible starters (screened-out "
                "participants are not eligible). Response rates (RR1–RR6) do not apply: an "
                "opt-in sample has no sampling frame. The participation rate (usable "
                "responses ÷ invitations) needs the number of invitations, which the export "
                "does not hold.</p>")
    return "".join(body)
