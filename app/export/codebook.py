"""Build ``codebook.json`` from a survey: every item with wording in every language."""

from __future__ import annotations

import re

from analysis.contract import FORMAT_VERSION
from surveys import Survey
from surveys.conditions import not_shown_code, page_condition_items

__all__ = ["build_codebook", "exchange_entry", "word_count"]


_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_MARKUP = re.compile(r"\]\([^)]*\)|<[^>]+>")


def word_count(markdown: str) -> int:
    """Words of a briefing as a reader sees them: link targets and tags left out.

    A word is a run of letters (any script), with inner apostrophes and
    hyphens ("don't", "co-operation" count once); numbers are not words.

    Examples
    --------
    >>> word_count("Finland joined [NATO](https://nato.int) in 2023; it's co-operation.")
    6
    """
    return len(_WORD.findall(_MARKUP.sub("]", markdown)))


def build_codebook(survey: Survey) -> dict:
    items = []
    conditions = conditions_by_item(survey)
    for item in survey.items.values():
        module_pages = [p for p in survey.pages_in("module") if item.id in p.items]
        entry = {
            "id": item.id,
            "type": item.type,
            "phases": list(survey.phases_of(item.id)),
            "pages": [p.id for p in survey.pages if item.id in p.items],
            "text": dict(item.text),
            "hint": dict(item.hint) if item.hint else None,
            "reverse": item.reverse,
            "construct": item.construct,
            "required": item.required,
            "modules": [m.id for m in survey.modules] if module_pages else None,
            **display_condition(item, conditions.get(item.id, [])),
            # 1.12: shown in an order of each participant's own (display_order.csv)
            "display_order": {"options": item.shuffle_options,
                              "pages": [p.id for p in survey.pages
                                        if p.shuffle_items and item.id in p.items]},
        }
        entry.update(item.kind.codebook(item))
        items.append(entry)
    return {
        "format_version": FORMAT_VERSION,
        "survey": {
            "id": survey.id,
            "version": survey.version,
            "title": dict(survey.title),
            "languages": list(survey.languages),
        },
        "modules": [
            {"id": m.id, "kind": m.kind, "title": dict(m.title), "summary": dict(m.summary),
             "words": {lang: word_count(text) for lang, text in m.body.items()}}
            for m in survey.modules
        ],
        "arms": [
            {"id": a.id, "modules": list(a.modules), "weight": a.weight, "control": a.control,
             "exchange": a.exchange}
            for a in survey.arms
        ],
        "items": items,
        "exchange": exchange_entry(survey),
    }


def conditions_by_item(survey: Survey) -> dict[str, list[str]]:
    """Item id -> the display conditions it is shown under, as written (each once)."""
    found: dict[str, list[str]] = {}
    if not any(h.show_if for h in (*survey.pages, *survey.items.values())):
        return found
    for page in survey.pages:
        for item_id, conditions in page_condition_items(survey, page).items():
            for condition in conditions:
                if str(condition) not in found.setdefault(item_id, []):
                    found[item_id].append(str(condition))
    return found


def display_condition(item, conditions: list[str]) -> dict:
    """The codebook's ``show_if`` and ``not_shown_code`` (1.11) of one item.

    ``show_if``: the conditions it is shown under, as written (the page's
    and the item's, joined with ``and``; a post twin's are its pre twin's),
    or null. ``not_shown_code``: the ``value`` its answer row holds when it
    was not shown, or null for an item always shown.
    """
    if not conditions:
        return {"show_if": None, "not_shown_code": None}
    text = " and ".join(f"({c})" if len(conditions) > 1 else c for c in conditions)
    return {"show_if": text, "not_shown_code": not_shown_code(item)}


def exchange_entry(survey: Survey) -> dict | None:
    """The codebook's ``exchange``: what the analysis needs to score the ratings.

    ``anchors`` (item ids whose before answers place a rater), ``cards``,
    ``pairs``, ``mode`` (frozen|live), the length limits and the statement
    sources; None when the survey has no exchange.
    """
    ex = survey.exchange
    if ex is None:
        return None
    return {
        "anchors": list(ex.anchors),
        "cards": ex.cards,
        "pairs": ex.pairs,
        "mode": ex.mode,
        "min_length": ex.min_length,
        "max_length": ex.max_length,
        "proposals": [m.id for m in survey.modules if m.kind == "proposal"],
        "sources": [
            {"item": s.item, "side": s.side, "proposal": s.proposal,
             "proposal_from": s.proposal_from}
            for s in ex.sources
        ],
    }
