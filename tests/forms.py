"""Read a page's form as a browser would submit it (for tests through the Flask client)."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, action_contains: str | None):
        super().__init__(convert_charrefs=True)
        self.action_contains = action_contains
        self.inside = False
        self.done = False
        self.values: dict[str, list[str]] = {}
        self.select: str | None = None
        self.select_first: str | None = None
        self.select_chosen = False
        self.option_value: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.done:
            action = a.get("action") or ""
            self.inside = self.action_contains is None or self.action_contains in action
            if self.action_contains is None and action:
                self.inside = False
            return
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values.setdefault(name, []).append(a.get("value", "on"))
            elif kind not in ("submit", "file"):
                self.values.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select" and name:
            self.select, self.select_first, self.select_chosen = name, None, False
        elif tag == "option" and self.select:
            value = a.get("value", "")
            if self.select_first is None:
                self.select_first = value
            if "selected" in a:
                self.values.setdefault(self.select, []).append(value)
                self.select_chosen = True

    def handle_endtag(self, tag):
        if tag == "select" and self.select:
            if not self.select_chosen and self.select_first is not None:
                self.values.setdefault(self.select, []).append(self.select_first)
            self.select = None
        elif tag == "form" and self.inside:
            self.inside = False
            self.done = True


def form_values(html: str, action_contains: str | None = None) -> dict[str, list[str]]:
    """Field name -> submitted values of the first form (whose action contains the text)."""
    reader = _FormReader(action_contains)
    reader.feed(html)
    return reader.values
