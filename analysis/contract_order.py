"""The display order of shuffled pages and options (format 1.12), part of the export contract.

A survey may show an item's options (``shuffle_options``) or a page's items
(``shuffle_items``) in an order of each participant's own (issue 22). The
order each participant saw is exported: long, one row per item of a shuffled
page in ``display_order.csv``; wide, two columns beside the item's answer
column: ``<answer column>__position`` (the item's 1-based place on its page)
and ``<answer column>__order`` (the option ids as shown, joined with ``|``).
``analysis.contract`` re-exports every name here. Standard library only.

Examples
--------
>>> order_column("pre", "", "rank", "order"), split_order_column("pre__rank__position")
('pre__rank__order', ('pre', '', 'rank', 'position'))
>>> split_order_column("pre__rank") is None
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "DISPLAY_ORDER_FILE",
    "DISPLAY_ORDER_COLUMNS",
    "DISPLAY_ORDER_SINCE",
    "ORDER_KINDS",
    "order_column",
    "split_order_column",
    "order_column_names",
]

#: The format version that added the display order.
DISPLAY_ORDER_SINCE = (1, 12)
DISPLAY_ORDER_FILE = "display_order.csv"
#: column -> kind (as ``ANSWER_COLUMNS``); dict order is the file's column order.
DISPLAY_ORDER_COLUMNS: dict[str, str] = {
    "participant_id": "text",
    "phase": "text",
    "module": "text",
    "page": "text",
    "item": "text",
    "position": "int",
    "options": "text",
}
#: The wide columns' suffixes: ``position`` (a number) and ``order`` (option ids).
ORDER_KINDS = ("position", "order")


def order_column(phase: str, module: str | None, item: str, kind: str) -> str:
    """The wide column of an item's ``position`` or option ``order`` in one phase."""
    head = f"{phase}_{module}" if module else phase
    return f"{head}__{item}__{kind}"


def split_order_column(name: str) -> tuple[str, str, str, str] | None:
    """``(phase, module, item, kind)`` of a wide display-order column, else ``None``."""
    parts = name.split("__")
    if len(parts) != 3 or parts[2] not in ORDER_KINDS:
        return None
    phase, _, module = parts[0].partition("_")
    return phase, module, parts[1], parts[2]


def order_column_names(codebook: Mapping[str, Any]) -> list[str]:
    """Every display-order column a wide file of this codebook can have.

    An item shown on a page with ``shuffle_items`` has a position column in
    that page's phase; an item with ``shuffle_options`` an order column in
    each of its phases (codebook ``display_order``, 1.12).
    """
    all_modules = [m["id"] for m in codebook.get("modules") or []]
    names = []
    for it in codebook["items"]:
        shown = it.get("display_order") or {}
        kinds = (["position"] if shown.get("pages") else []) + (
            ["order"] if shown.get("options") else [])
        for phase in it.get("phases") or []:
            modules = (it.get("modules") or all_modules) if phase == "module" else [""]
            names += [order_column(phase, m, it["id"], k) for m in modules for k in kinds]
    return names
