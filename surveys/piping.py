"""Piping: ``{answer:ITEM}`` in a later text shows the participant's earlier answer (issue 22).

An item's text or hint, or a briefing's Markdown, may quote what the
participant answered to an item asked on an earlier page ("You said you
live in {answer:town}."). The loader checks that every piped item exists
and is asked before the text is first shown (:func:`check_pipes`); the app
substitutes the answer, as its label in the participant's language, when it
renders the page for that participant (such a page is personal and never
comes from a cache shared with others).

The answer is a participant's own text, so it is never markup: in a plain
text (an item's wording, escaped by the template) it is put as it is; in
Markdown (a briefing) every character Markdown or HTML gives a meaning to is
escaped first (:func:`markdown_literal`), so an answer of ``<script>`` or
``[link](https://...)`` shows as those characters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from surveys.conditions import not_shown_code
from surveys.item_types.base import fmt
from surveys.model import PHASES

if TYPE_CHECKING:
    from surveys.model import Item, Module, Page
    from surveys.reader import DefinitionReader

__all__ = ["ANSWER_RE", "piped_ids", "pipe", "markdown_literal", "answer_label",
           "check_pipes", "NO_ANSWER"]

ANSWER_RE = re.compile(r"\{answer:([a-z0-9_]+)\}")
#: Shown for a piped item the participant left unanswered (an optional one).
NO_ANSWER = "—"
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
_PUNCTUATION = set("!#$%()*+,-./:;=?@[\\]^_`{|}~")


def piped_ids(text: str) -> list[str]:
    """The item ids ``text`` pipes, in order."""
    return ANSWER_RE.findall(text) if "{answer:" in text else []


def pipe(text: str, labels: Mapping[str, str], markdown: bool = False) -> str:
    """``text`` with each ``{answer:ITEM}`` replaced by ``labels[ITEM]`` (escaped for Markdown)."""
    def one(match: re.Match) -> str:
        label = labels.get(match.group(1), NO_ANSWER)
        return markdown_literal(label) if markdown else label

    return ANSWER_RE.sub(one, text) if "{answer:" in text else text


def markdown_literal(text: str) -> str:
    """``text`` as Markdown source that renders as exactly these characters, on one line.

    HTML's special characters become entities (escaped before Markdown sees
    them) and every other ASCII punctuation character is backslash-escaped,
    so no emphasis, link, heading, list or raw HTML can start in it; line
    breaks become spaces (a piped answer sits inside a sentence).

    >>> markdown_literal("<b>*hi*</b> [x](https://e.org)")
    '&lt;b&gt;\\\\*hi\\\\*&lt;\\\\/b&gt; \\\\[x\\\\]\\\\(https\\\\:\\\\/\\\\/e\\\\.org\\\\)'
    """
    out = []
    for char in " ".join(text.split()):
        if char in _HTML:
            out.append(_HTML[char])
        elif char in _PUNCTUATION:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def answer_label(item: Item, value: float | None, text: str | None, lang: str) -> str:
    """A stored answer as the participant would read it: labels in ``lang``, not codes.

    An option's label for a chosen code (choices, Likert points, "prefer not
    to say"), chosen labels joined with ", " (multiple choice), labels in
    rank order (a ranking), the number (with its unit) or the typed text;
    ``NO_ANSWER`` for an item left unanswered or not shown.
    """
    coding = item.kind.text_coding
    if coding in ("option_ids", "ranked_option_ids") and text:
        options = [item.option(i) for i in text.split("|")]
        return ", ".join(o.label[lang] for o in options if o is not None)
    if coding == "free_text":
        return text or NO_ANSWER
    # unanswered, or a display condition hid the item: its "not shown" row holds a code
    # outside every answer (-7), never something the participant said
    if value is None or (not text and value == not_shown_code(item)):
        return NO_ANSWER
    option = next((o for o in item.options if o.code == value), None)
    if option is not None:
        return option.label[lang]
    unit = item.setting("unit")
    return f"{fmt(value)} {unit[lang]}" if unit else fmt(value)


# --------------------------------------------------------------------------- loading


def _first_pages(pages: tuple[Page, ...]) -> dict[str, tuple[tuple[int, int], Page]]:
    """Item id -> (journey order, page) of the first page that asks it."""
    first: dict[str, tuple[tuple[int, int], Page]] = {}
    for k, page in enumerate(pages):
        order = (PHASES.index(page.phase) if page.phase in PHASES else len(PHASES), k)
        for item_id in page.items:
            if item_id not in first or order < first[item_id][0]:
                first[item_id] = (order, page)
    return first


def check_pipes(items: Mapping[str, Item], pages: tuple[Page, ...],
                modules: tuple[Module, ...], places: Mapping[str, str],
                files: Mapping[tuple[str, str], str], r: DefinitionReader) -> None:
    """Every piped item exists and is asked on an earlier page than the text is shown on.

    ``places`` names each item's table (``items[3] (town)``); ``files`` each
    briefing's file by (module, language). A piped item asked on a module
    page (one answer per briefing) cannot be piped: which answer is unclear.
    """
    first = _first_pages(pages)
    for item_id, item in items.items():
        shown = first.get(item_id)
        for key, texts in (("text", item.text), ("hint", item.hint or {})):
            for lang, text in texts.items():
                where = f"{places.get(item_id, 'items')}.{key}.{lang}"
                _check(text, where, shown, first, items, r)
    before_briefings = (PHASES.index("module"), -1)
    for module in modules:
        for lang, body in module.body.items():
            name = files.get((module.id, lang), "")
            _check(body, "", (before_briefings, None), first, items, r, file=name)


def _check(text: str, where: str, shown, first, items, r, file: str | None = None) -> None:
    args = {"file": file} if file else {}
    if "{answer" in ANSWER_RE.sub("", text):
        r.problem(where, "write a piped answer as {answer:item_id}", **args)
    for piped in piped_ids(text):
        if piped not in items:
            r.problem(where, f"pipes {{answer:{piped}}}, but there is no item '{piped}'", **args)
            continue
        asked = first.get(piped)
        if asked is None or shown is None:
            continue  # an item on no page is reported by the loader already
        if asked[1].phase == "module":
            r.problem(where, f"pipes the answer to '{piped}', which is asked once per briefing "
                      "on a module page: pipe a profile, pre or post item", **args)
        elif asked[0] >= shown[0]:
            here = f"page '{shown[1].id}'" if shown[1] is not None else "the briefings"
            r.problem(where, f"pipes the answer to '{piped}', which is first asked on page "
                      f"'{asked[1].id}', not before {here}: pipe an item asked earlier", **args)
