"""The codebook's item facts (format 1.4 and 1.6), part of the export contract.

An item type writes these facts into each item of ``codebook.json``: what
``value`` and ``text`` hold, which codes are missing, whether the item
measures an attitude, what it is for (``role``) and whether it joins the
straight-lining check. The writer, the app's checks and the analysis read
these facts, never a type's name; ``analysis.contract`` re-exports every
name here. Standard library only, like ``analysis.contract``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "VALUE_CODINGS",
    "TEXT_CODINGS",
    "ROLES",
    "TYPE_FACT_KEYS",
    "BUILTIN_TYPE_FACTS",
    "upgrade_codebook",
    "items_where",
    "answer_column",
    "whole_numbers",
]

#: What answers.csv's ``value`` holds for an item (codebook ``value_coding``;
#: ``null``: nothing): a number on the item's scale (means and shifts make
#: sense), the chosen option's code, or how many options were chosen.
VALUE_CODINGS = ("quantity", "code", "count")
#: What answers.csv's ``text`` holds (codebook ``text_coding``; ``null``: nothing).
TEXT_CODINGS = ("option_ids", "ranked_option_ids", "free_text")
#: What an item is for, beyond measuring (codebook ``role``, 1.6; ``null``:
#: nothing special): an instructed-response ``attention`` check (``correct``
#: is the instructed option; another answer fails it), a ``knowledge``
#: question (scored against ``correct``), a ``screening`` item (one category
#: chosen, which screening rules, strata and quotas may use), or an
#: ``estimate`` of the share supporting the item named by ``estimates``.
ROLES = ("attention", "knowledge", "screening", "estimate")
#: Codebook keys (1.4; ``role`` and ``straightlining`` 1.6) that carry an item
#: type's facts; readers use these, never type names. ``straightlining``: the
#: item is a point on a labelled agreement scale and joins the straight-lining
#: check (the same answer to every such item of a phase).
TYPE_FACT_KEYS = ("value_coding", "text_coding", "missing_codes", "attitude", "role",
                  "straightlining")

#: The facts of the ten built-in types, for codebooks before format 1.6, which
#: do not carry them all (:func:`upgrade_codebook`), and for the synthetic generator.
BUILTIN_TYPE_FACTS: dict[str, dict[str, Any]] = {
    "likert": {"value_coding": "quantity", "text_coding": None, "attitude": True,
               "role": None, "straightlining": True},
    "thermometer": {"value_coding": "quantity", "text_coding": None, "attitude": True,
                    "role": None, "straightlining": False},
    "estimate": {"value_coding": "quantity", "text_coding": None, "attitude": False,
                 "role": "estimate", "straightlining": False},
    "number": {"value_coding": "quantity", "text_coding": None, "attitude": False,
               "role": None, "straightlining": False},
    "single_choice": {"value_coding": "code", "text_coding": None, "attitude": False,
                      "role": "screening", "straightlining": False},
    "knowledge": {"value_coding": "code", "text_coding": None, "attitude": False,
                  "role": "knowledge", "straightlining": False},
    "attention": {"value_coding": "code", "text_coding": None, "attitude": False,
                  "role": "attention", "straightlining": False},
    "multiple_choice": {"value_coding": "count", "text_coding": "option_ids", "attitude": False,
                        "role": None, "straightlining": False},
    "ranking": {"value_coding": None, "text_coding": "ranked_option_ids", "attitude": False,
                "role": None, "straightlining": False},
    "text": {"value_coding": None, "text_coding": "free_text", "attitude": False,
             "role": None, "straightlining": False},
}
#: What an item of a type the table above does not know gets for a fact that
#: its (1.4, 1.5) codebook entry does not state.
_NEUTRAL_FACTS: dict[str, Any] = {"role": None, "straightlining": False}


def upgrade_codebook(codebook: Mapping[str, Any]) -> dict:
    """``codebook`` with every item's type facts: an older (1.0-1.5) one gets them.

    Returns a new dict (the argument is not changed). A fact an item states
    is kept as it is. An item without ``value_coding`` (before 1.4) gets
    every fact from its type's name (:data:`BUILTIN_TYPE_FACTS`); an item
    without ``role`` or ``straightlining`` (1.4, 1.5) gets them from that table
    too, or none (``null``, false) when its type is not a built-in one; every
    item gets ``missing_codes`` from its options when it lacks them. Raises
    ``ValueError`` naming the item when an item without ``value_coding`` has
    a type that table does not know.

    >>> old = {"format_version": "1.1", "items": [{"id": "q", "type": "ranking",
    ...        "options": [{"code": 1, "id": "a"}, {"code": 2, "id": "b", "missing": True}]}]}
    >>> item = upgrade_codebook(old)["items"][0]
    >>> item["text_coding"], item["missing_codes"], "text_coding" in old["items"][0]
    ('ranked_option_ids', [2], False)
    >>> v14 = {"items": [{"id": "a", "type": "attention", "value_coding": "code"}]}
    >>> upgrade_codebook(v14)["items"][0]["role"]
    'attention'
    """
    items = []
    for item in codebook.get("items") or []:
        item = dict(item)
        facts = BUILTIN_TYPE_FACTS.get(item.get("type"))
        if "value_coding" not in item and facts is None:
            raise ValueError(f"item {item.get('id')!r} has unknown type {item.get('type')!r}")
        item.update({k: v for k, v in (facts or _NEUTRAL_FACTS).items() if k not in item})
        if "missing_codes" not in item:
            item["missing_codes"] = [o["code"] for o in item.get("options") or []
                                     if isinstance(o, dict) and o.get("missing")]
        items.append(item)
    return {**codebook, "items": items}


def items_where(codebook: Mapping[str, Any], fact: str, value: Any) -> list[str]:
    """Ids of the codebook's items whose type fact ``fact`` is ``value`` (any format version).

    >>> cb = {"items": [{"id": "why", "type": "text"}, {"id": "q", "type": "likert"}]}
    >>> items_where(cb, "text_coding", "free_text"), items_where(cb, "straightlining", True)
    (['why'], ['q'])
    """
    return [i["id"] for i in upgrade_codebook(codebook)["items"] if i.get(fact) == value]


def answer_column(item: Mapping[str, Any]) -> str:
    """The answers.csv column that holds an item's answer in a wide table: ``value`` or ``text``.

    Text wins when the type writes both (multiple choice: the count is in
    ``value``, the choices in ``text``).

    >>> answer_column({"value_coding": "count", "text_coding": "option_ids"})
    'text'
    """
    return "text" if item.get("text_coding") else "value"


def whole_numbers(item: Mapping[str, Any]) -> bool:
    """Whether an item's wide column holds whole numbers: an integer column in every wide format.

    The codebook's ``integer`` (1.14, written by the item type: codes, counts
    and scale points are whole, a ``number`` item only when its definition
    says so) decides; a codebook before 1.14 counts codes and counts as whole
    and quantities as possibly not. A column that holds the ``text`` is never
    an integer column.

    >>> whole_numbers({"value_coding": "code", "text_coding": None})
    True
    >>> whole_numbers({"value_coding": "quantity", "text_coding": None, "integer": False})
    False
    >>> whole_numbers({"value_coding": "count", "text_coding": "option_ids", "integer": True})
    False
    """
    if answer_column(item) != "value":
        return False
    if "integer" in item:
        return bool(item["integer"])
    return item.get("value_coding") in ("code", "count")
