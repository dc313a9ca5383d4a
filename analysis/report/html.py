"""Building blocks of the report page: numbers, tables, inline SVG figures, the guards.

Every number reaches the page through :func:`fmt`, so nothing infinite or
NaN is ever printed, and every table through :func:`table`, which shows
"too few participants" instead of the statistics of a row whose count is
below the minimum cell size (:data:`MIN_CELL` unless the caller says).
"""

from __future__ import annotations

import html
import io
import math
import re
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from analysis.results import Results  # noqa: E402

__all__ = ["MIN_CELL", "TOO_FEW", "Page", "fmt", "p_text", "table", "svg", "figure", "esc",
           "plt"]

#: Default minimum cell size: an estimate from fewer participants is not
#: shown. Ten is the smallest cell many statistical offices publish (for
#: example the UK Office for National Statistics' disclosure guidance) and
#: below it a mean shift's interval is too wide to read anything from.
MIN_CELL = 10
TOO_FEW = "too few participants"
NOT_COMPUTABLE = "–"

esc = html.escape

#: columns whose values are whole numbers even when stored as floats (answer codes,
#: thresholds, degrees of freedom of a chi-square): printed 1, 2, not 1.000, 2.000
WHOLE_NUMBER_COLUMNS = ("category", "threshold", "df", "k", "group", "scale_min", "scale_max")


@dataclass
class Page:
    """What every section needs: the results, the guard and the item wording."""

    res: Results
    min_cell: int = MIN_CELL
    lang: str = "en"
    #: (id, heading) of the sections rendered so far, for the contents list
    sections: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ex(self):
        return self.res.export

    def wording(self, item: str, limit: int = 90) -> str:
        """The item's wording, shortened at a word boundary (plain text)."""
        texts = {i["id"]: i.get("text") or {} for i in self.ex.codebook["items"]}
        text = texts.get(item) or {}
        words = text.get(self.lang) or next(iter(text.values()), None) or item
        if len(words) <= limit:
            return words
        cut = words[:limit].rsplit(" ", 1)[0]
        return cut.rstrip(" ,;:") + "…"

    def label(self, item: str, limit: int = 90) -> str:
        """HTML: wording with the item id in small type."""
        words = self.wording(item, limit)
        if words == item:
            return f"<code>{esc(item)}</code>"
        return f'{esc(words)} <small class="id">{esc(item)}</small>'

    def scale_of(self, item: str) -> str:
        row = self.ex.items.set_index("item")
        if item not in row.index or math.isnan(row.loc[item, "scale_min"]):
            return "index (0–1)" if item == "knowledge_index" else "score"
        lo, hi = row.loc[item, "scale_min"], row.loc[item, "scale_max"]
        return f"{lo:g}–{hi:g}"


def fmt(v, col: str = "") -> str:
    """One value as page text; NaN and infinite values become "–", never "nan"/"inf"."""
    if v is None or v is pd.NA or v is pd.NaT:
        return NOT_COMPUTABLE
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        if not math.isfinite(v):
            return NOT_COMPUTABLE
        if col == "p" or col.startswith("p_"):
            return "&lt; 0.0001" if v < 1e-4 else f"{v:.4f}"
        if col in WHOLE_NUMBER_COLUMNS and float(v).is_integer():
            return f"{int(v):,}"
        if col.startswith("share") or col in ("first_share", "agree", "disagree", "agree_rest",
                                              "support_before", "support_after", "rate",
                                              "failed", "power"):
            return f"{v:.1%}"
        if col in ("wpm",):
            return f"{v:,.0f}"
        return f"{v:.3f}" if abs(v) < 1000 else f"{v:,.0f}"
    text = str(v)
    return esc(text) if text.lower() not in ("nan", "inf", "-inf", "<na>") else NOT_COMPUTABLE


def p_text(v) -> str:
    """A p-value in a sentence (HTML): "p = 0.0123" or "p &lt; 0.0001", never "p = <0.0001"."""
    text = fmt(v, "p")
    return f"p {text}" if text.startswith("&lt;") else f"p = {text}"


def _is_count(col: str) -> bool:
    return col in ("n", "n_arm", "n_control", "n_pairs") or col.startswith("n_")


def table(df: pd.DataFrame | None, caption: str, columns: list[str] | None = None,
          labels: dict[str, str] | None = None, *, guard: tuple[str, ...] = (),
          min_cell: int = MIN_CELL, html_cols: tuple[str, ...] = (), max_rows: int = 400,
          empty: str | None = None) -> str:
    """An accessible table: caption, column headers with scope, row headers.

    Parameters
    ----------
    guard : tuple of str
        Count columns; a row where any is below ``min_cell`` shows
        "too few participants" in place of its statistics (the counts stay).
    html_cols : tuple of str
        Columns whose cells are already HTML (item labels).
    empty : str, optional
        Sentence shown instead of an empty table.
    """
    if df is None or df.empty:
        return f"<p>{esc(empty or caption + ': no data.')}</p>"
    cols = [c for c in (columns or list(df.columns)) if c in df.columns]
    guard = tuple(c for c in guard if c in cols)
    if guard:  # keys, then counts, then the statistics a small row hides
        keys = [c for c in cols if c not in guard and (
            c in html_cols or not pd.api.types.is_numeric_dtype(df[c]))]
        stats = [c for c in cols if c not in keys and c not in guard]
        cols = keys + list(guard) + stats
    labels = labels or {}
    d = df[cols].head(max_rows)
    head = "".join(f'<th scope="col">{esc(labels.get(c, c.replace("_", " ")))}</th>'
                   for c in cols)
    body = []
    for row in d.itertuples(index=False):
        values = dict(zip(cols, row, strict=True))
        small = any(pd.notna(values[g]) and values[g] < min_cell for g in guard) or any(
            pd.isna(values[g]) for g in guard)
        cells = []
        for i, c in enumerate(cols):
            v = values[c]
            text = str(v) if c in html_cols else fmt(v, c)
            if i == 0:
                cells.append(f'<th scope="row">{text}</th>')
            elif small and guard and c not in guard and c in stats:
                if c == stats[0]:
                    cells.append(f'<td class="text too-few" colspan="{len(stats)}">{TOO_FEW} '
                                 f"(fewer than {min_cell})</td>")
            elif c in html_cols or isinstance(v, str):
                cells.append(f'<td class="text">{text}</td>')
            else:
                cells.append(f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (f"<p>Showing {max_rows} of {len(df)} rows; the full table is in the "
            "DataFrame API.</p>" if len(df) > max_rows else "")
    return (f'<div class="table-wrap" tabindex="0" role="region" '
            f'aria-label="{esc(caption)}"><table><caption>{esc(caption)}'
            f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"
            f"</table></div>{more}")


def svg(fig, title: str, desc: str) -> str:
    """A matplotlib figure as inline SVG with a title and a text description."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    out = buf.getvalue()
    out = out[out.index("<svg"):]
    out = re.sub(r"<metadata>.*?</metadata>", "", out, flags=re.S)
    ident = "f" + str(abs(hash((title, desc))) % 10**10)
    out = out.replace("<svg ", f'<svg role="img" aria-labelledby="{ident}t {ident}d" ', 1)
    end = out.index(">", out.index("<svg")) + 1
    return (out[:end] + f'<title id="{ident}t">{esc(title)}</title>'
            f'<desc id="{ident}d">{esc(desc)}</desc>' + out[end:])


#: what the report calls the paired sample, in captions
PAIRED = "paired sample: participants who answered before and after"
UNPAIRED = ("Unpaired view (an extra): everyone who answered each phase, so before and after "
            "differ in who answered as well as in what they think")


def unpaired(body: str) -> str:
    """The unpaired view of a table, folded away under a label (no JavaScript needed)."""
    return f"<details><summary>{esc(UNPAIRED)}</summary>{body}</details>"


def figure(svg_text: str, caption: str) -> str:
    return f"<figure>{svg_text}<figcaption>{esc(caption)}</figcaption></figure>"


def finite(x) -> bool:
    """True for a real, finite number."""
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False
