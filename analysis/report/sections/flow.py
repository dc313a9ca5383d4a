"""Participant flow: the CONSORT diagram (SVG, numbers in text; boxes that add up per arm)
and completion among starters."""

from __future__ import annotations

import pandas as pd

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


def _counts(consort: pd.DataFrame) -> pd.DataFrame:
    """Boxes x arms (``total`` last), in the order of the stages."""
    c = consort.assign(order=range(len(consort)))
    wide = c.pivot_table(index=["stage", "box"], columns="arm", values="n", aggfunc="sum",
                         sort=False)
    order = c.groupby(["stage", "box"], sort=False)["order"].min().sort_values().index
    arms = [a for a in pd.unique(c["arm"]) if a != "total"] + ["total"]
    return wide.reindex(index=order, columns=arms)


def _lines(counts: pd.DataFrame, stage: str, arms: list[str], control: str | None,
           per_arm: tuple[str, ...] = ()) -> list[str]:
    rows = counts.loc[stage]
    out = []
    for box, row in rows.iterrows():
        if row["total"] == 0 and box not in per_arm:
            continue
        out.append(f"{box}: n = {int(row['total']):,}")
        if box in per_arm:
            out += [f"  {a}{' (control)' if a == control else ''}: {int(row[a]):,}"
                    for a in arms if pd.notna(row.get(a))]
    return out


def flow_svg(consort: pd.DataFrame, control: str | None) -> str:
    """The flow as boxes stacked top to bottom (fits a phone), every number as text.

    One box per stage; within a stage each participant is counted once, so a
    stage's lines add up to the box above it (the table beside it has every
    box per arm).
    """
    counts = _counts(consort)
    arms = [a for a in counts.columns if a != "total"]
    consented = int(counts.loc[("consented", "consented"), "total"])
    before = _lines(counts, "allocation", arms, control, ("allocated",))
    boxes = [
        [f"Consented (rows in the export): n = {consented:,}"],
        ["Allocation (of those who consented):"] + [f"  {line}" for line in before],
        ["Follow-through (of those allocated):"] + [
            f"  {line}" for line in _lines(counts, "follow-through", arms, control,
                                            ("completed",))],
        ["Not analysed (of those who completed or broke off):"] + [
            f"  {line}" for line in _lines(counts.drop(("analysis", "analysed")), "analysis",
                                            arms, control)],
        [f"Analysed (complete before/after answers): n = "
         f"{int(counts.loc[('analysis', 'analysed'), 'total']):,}"] + [
            f"  {a}{' (control)' if a == control else ''}: "
            f"{int(counts.loc[('analysis', 'analysed'), a]):,}" for a in arms],
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
    desc = ". ".join("; ".join(line.strip() for line in lines) for lines in boxes)
    return (f'<svg class="flow" role="img" aria-labelledby="flow-t flow-d" '
            f'viewBox="0 0 400 {y + 4}" width="100%" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="flow-t">Participant flow</title><desc id="flow-d">{esc(desc)}</desc>'
            + "".join(parts) + "</svg>")


def render(page: Page) -> str | None:
    consort = page.res.consort
    if consort.empty:
        return None
    rules = list(page.res.options.exclusions)
    words = {f"excluded: {r}": f"excluded: {RULE_WORDS.get(r, r)}" for r in rules}
    consort = consort.assign(box=consort["box"].replace(words))
    body = [f"<figure>{flow_svg(consort, page.ex.control_arm)}<figcaption>Participant flow "
            "(CONSORT 2010 style): within each stage every participant is in exactly one box, "
            "so the boxes add up to the one above, per arm. Arrivals on the landing page who "
            "did not consent are not in the export. A participant flagged by several "
            "exclusion rules is counted under the first rule listed (the Exclusions table in "
            "Data quality counts every flag).</figcaption></figure>"]
    counts = _counts(consort).reset_index()
    counts = counts.assign(stage=counts["stage"].where(~counts["stage"].duplicated(), ""))
    counts.columns = [str(c) for c in counts.columns]
    for a in counts.columns[2:]:
        counts[a] = counts[a].astype("Int64")
    body.append(table(counts, "Participant flow by arm: each stage's boxes add up to the box "
                      "above", labels={page.ex.control_arm or "": f"{page.ex.control_arm} "
                                       "(control)"}))
    rates = page.res.rates
    body.append(table(rates, "Completion and break-off among starters (opt-in sample)",
                      ["arm", "started", "eligible", "completed", "broke_off",
                       "completion_rate", "break_off_rate"],
                      {"completion_rate": "completion among starters",
                       "break_off_rate": "break-off rate"},
                      guard=("eligible",), min_cell=page.min_cell))
    body.append("<p>Completion among starters = completed ÷ eligible starters, break-off "
                "rate = break-offs ÷ eligible starters (screened-out participants "
                "are not eligible), as Callegaro &amp; DiSogra (2008) report opt-in samples. "
                "These are not AAPOR's completion rate, whose denominator is the invitations; "
                "AAPOR's response rates (RR1–RR6) do not apply either: an opt-in sample has no "
                "sampling frame, and the export does not hold the number of invitations.</p>")
    return "".join(body)
