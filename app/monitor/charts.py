"""Small charts drawn on the server as SVG, each with a text equivalent.

No JavaScript and no inline styles (the CSP forbids both): presentation
attributes only. Every chart has ``role="img"``, a ``<title>`` and a
``<desc>`` that says what it shows in words; the page puts the same
numbers in a table beside it.
"""

from __future__ import annotations

from markupsafe import Markup, escape

__all__ = ["bars", "columns"]

BAR = "#0b4f8a"
MARK = "#b00020"
TEXT = "#1b1b1b"


def bars(ident: str, title: str, rows: list[tuple[str, float]],
         expected: list[float] | None = None) -> Markup:
    """Horizontal bars, one per (label, value); an optional expected value as a red tick."""
    width, label_w, row_h = 640, 180, 26
    top = max([v for _, v in rows] + (expected or []) + [1])
    height = row_h * len(rows) + 8
    desc = "; ".join(
        f"{label}: {_fmt(v)}" + (f" (expected {_fmt(expected[i])})" if expected else "")
        for i, (label, v) in enumerate(rows)
    ) or "no data yet"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{ident}-t {ident}-d">',
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>',
    ]
    span = width - label_w - 60
    for i, (label, value) in enumerate(rows):
        y = 4 + i * row_h
        w = span * value / top
        parts.append(f'<text x="{label_w - 6}" y="{y + 17}" text-anchor="end" fill="{TEXT}" '
                     f'font-size="13">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
                     f'fill="{BAR}"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 17}" fill="{TEXT}" '
                     f'font-size="13">{_fmt(value)}</text>')
        if expected:
            x = label_w + span * expected[i] / top
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 1}" y2="{y + row_h - 1}" '
                         f'stroke="{MARK}" stroke-width="3"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text part escaped  # nosec B704


def columns(ident: str, title: str, rows: list[tuple[str, float]]) -> Markup:
    """Vertical columns over time, labelled at the first, middle and last column."""
    width, height, bottom = 640, 160, 24
    top = max([v for _, v in rows] + [1])
    step = width / max(len(rows), 1)
    desc = "; ".join(f"{label}: {_fmt(v)}" for label, v in rows if v) or "none yet"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{ident}-t {ident}-d">',
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>',
        f'<line x1="0" x2="{width}" y1="{height - bottom}" y2="{height - bottom}" '
        f'stroke="{TEXT}"/>',
    ]
    for i, (label, value) in enumerate(rows):
        h = (height - bottom - 16) * value / top
        x = i * step
        parts.append(f'<rect x="{x + 1:.1f}" y="{height - bottom - h:.1f}" '
                     f'width="{step - 2:.1f}" height="{h:.1f}" fill="{BAR}"/>')
        if value:
            parts.append(f'<text x="{x + step / 2:.1f}" y="{height - bottom - h - 3:.1f}" '
                         f'text-anchor="middle" font-size="11" fill="{TEXT}">{_fmt(value)}</text>')
        if i in (0, len(rows) // 2, len(rows) - 1):
            parts.append(f'<text x="{x + step / 2:.1f}" y="{height - 6}" text-anchor="middle" '
                         f'font-size="11" fill="{TEXT}">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text part escaped  # nosec B704


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
