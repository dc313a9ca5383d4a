"""A self-contained, accessible HTML report of one export, section by section.

The page is the list :data:`SECTIONS`, rendered in order: each section is a
module of :mod:`analysis.report.sections` with ``ID``, ``HEADING`` and
``render(page)`` (HTML, or ``None`` to leave the section out). Plots are
inline SVG with a text alternative and their numbers in a table beside
them; tables have captions and header scopes; the page needs no JavaScript
and reflows to 360 px. Numbers pass through :func:`analysis.report.html.fmt`
and :func:`analysis.report.html.table`, which never print NaN or infinity
and show "too few participants" for cells below the minimum size.
"""

from __future__ import annotations

from pathlib import Path

from analysis.pipeline import Options, Results, analyse_export
from analysis.report.html import MIN_CELL, Page, esc
from analysis.report.sections import (
    checks,
    confirmatory,
    constructs,
    distributions,
    effects,
    exchange,
    flow,
    followup,
    freetext,
    groups,
    items,
    methods,
    order,
    perception,
    polarisation,
    quality,
    rankings,
    shifts,
    subgroups,
    summary,
)

__all__ = ["write_report", "render_report", "SECTIONS", "MIN_CELL"]

#: The report, top to bottom. A new section is a module in ``sections/`` added here.
SECTIONS = [
    summary,
    flow,
    checks,
    confirmatory,
    effects,
    items,
    shifts,
    subgroups,
    distributions,
    constructs,
    followup,
    polarisation,
    rankings,
    order,
    perception,
    groups,
    exchange,
    freetext,
    quality,
    methods,
]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;
margin:0 auto;max-width:72rem;padding:1rem;color:#1b1b1b;background:#fff}
h1{font-size:1.7rem}h2{font-size:1.35rem;margin-top:2.2rem;border-top:2px solid #ddd;
padding-top:1rem}h3{font-size:1.1rem}
.table-wrap{overflow-x:auto;max-width:100%;margin:.5rem 0 1.5rem}
.table-wrap:focus{outline:3px solid #1d70b8}
table{border-collapse:collapse;font-size:.85rem;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border-bottom:1px solid #ccc;padding:.25rem .5rem;text-align:right;vertical-align:top}
th[scope=col]{background:#f3f2f1}th[scope=col]:first-child{text-align:left}th[scope=row],td.text{text-align:left}
td.too-few{color:#505a5f;font-style:italic}
small.id{font-size:.75em;color:#505a5f;font-family:ui-monospace,monospace}
figure{margin:1rem 0;max-width:100%;overflow-x:auto}dd,code,p,li{overflow-wrap:anywhere}
figure svg{display:block;max-width:100%;height:auto}
figcaption{font-size:.9rem;color:#333}
.note{background:#fff7d6;border-left:4px solid #b58100;padding:.5rem .8rem}
.confirmatory{border-left:4px solid #1d70b8;padding-left:.8rem}
.flow{max-width:40rem}
.exchange-pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:1rem}
nav ul{columns:2 14rem}dt{font-weight:600}
@media (max-width:40rem){body{padding:.5rem}h1{font-size:1.4rem}}
"""


def _heading(module, page: Page) -> str:
    custom = getattr(module, "heading", None)
    return custom(page) if custom else module.HEADING


def render_report(res: Results, min_cell: int | None = None) -> str:
    """HTML text of the report for an :class:`analysis.pipeline.Results`."""
    ex = res.export
    page = Page(res, min_cell=min_cell if min_cell is not None else res.options.min_cell,
                lang=(ex.codebook.get("survey") or {}).get("languages", ["en"])[0])
    camp = ex.manifest.get("campaign") or {}
    title = f"Parley analysis: {camp.get('title') or camp.get('slug')}"
    f = res.flow_counts()  # the flow diagram's boxes, so the header agrees with it
    parts = [f"<h1>{esc(title)}</h1>",
             f"<p>{f['started']:,} participants started (consented), {f['allocated']:,} were "
             f"allocated to arms and {f['completed']:,} completed; {f['excluded']:,} were "
             f"excluded by the rules and {f['analysed']:,} are analysed (see Participant "
             f"flow). Arms: {esc(', '.join(ex.arms)) or 'none'}. Exported "
             f"{esc(str(ex.manifest.get('exported_at')))}.</p>"]
    for note in res.notes:
        parts.append(f'<p class="note">{esc(note)}</p>')
    for module in SECTIONS:
        body = module.render(page)
        if body is None:
            continue
        ident, heading = module.ID, _heading(module, page)
        page.sections.append((ident, heading))
        parts.append(f'<section id="{ident}" aria-labelledby="{ident}-h">'
                     f'<h2 id="{ident}-h">{esc(heading)}</h2>{body}</section>')
    nav = "<nav aria-label='Contents'><ul>" + "".join(
        f'<li><a href="#{i}">{esc(h)}</a></li>' for i, h in page.sections) + "</ul></nav>"
    parts.insert(2, nav)
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{esc(title)}</title><style>{_CSS}</style></head><body><main>"
            + "".join(parts) + "</main></body></html>")


def write_report(export_path, out_html, **options) -> Path:
    """Analyse an export and write the HTML report.

    Parameters
    ----------
    export_path : str or Path
        Export folder or zip.
    out_html : str or Path
        File to write.
    **options
        Fields of :class:`analysis.pipeline.Options` (``margins``,
        ``exclusions``, ``n_boot``, ``subgroup``, ``family``, ``seed``,
        ``min_cell``, ``plan`` ...).

    Returns
    -------
    Path
        ``out_html``.
    """
    res = analyse_export(export_path, Options(**options))
    out = Path(out_html)
    out.write_text(render_report(res), encoding="utf-8")
    return out
