"""Randomised display order: options within an item, items within a page (issue 22).

An item with ``shuffle_options = true`` shows its options in an order of
its own for each participant; options marked ``fixed = true`` ("Don't
know", "Prefer not to say") keep their place and the others are permuted
among the remaining places. A page with ``shuffle_items = true`` shows its
items in an order of its own; a composite's rows (a rating grid) move as
one block, so the grid stays whole.

The order is a pure function of a seed and names, never of time or of a
random source: :func:`seeded` hashes the campaign's secret seed, the
participant's public id and what is shuffled ("options" of an item, "items"
of a page), so the same participant sees the same order on every view, a
server restart changes nothing, and the order can be recomputed from the
export's manifest. The option order is seeded by the item alone, so an item
asked before and after the briefing (and in the follow-up) shows its options
in the same order each time: a within-person change is never an order change.
The app stores each order as shown all the same (``display_order`` rows with
the answers), which the export writes out.

This module also checks the keys when a definition is loaded (the loader
calls :func:`check_item` and :func:`check_page`).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import groupby
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from surveys.model import Item, Option, Page
    from surveys.reader import DefinitionReader

__all__ = ["Display", "seeded", "option_order", "item_order", "display_for", "shuffles",
           "check_item", "check_page"]


def seeded(*parts: str) -> random.Random:
    """A random generator determined by ``parts`` alone (SHA-256 of the parts, as its seed).

    ``random.Random`` seeded with an integer and its ``shuffle`` give the same
    sequence on every Python 3 since 3.2 and on every platform.
    """
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest, "big"))  # noqa: S311 - an order, not a secret


def option_order(item: Item, seed: str, participant: str) -> tuple[Option, ...]:
    """The item's options as ``participant`` sees them: fixed ones in place, the rest shuffled."""
    if not item.shuffle_options:
        return item.options
    movable = [o for o in item.options if not o.fixed]
    seeded(seed, participant, "options", item.id).shuffle(movable)
    moved = iter(movable)
    return tuple(o if o.fixed else next(moved) for o in item.options)


def _blocks(page: Page, items: Mapping[str, Item]) -> list[tuple[str, ...]]:
    """The page's items in runs that move together: a composite's rows, else one item each."""
    blocks: list[tuple[str, ...]] = []
    for group, run in groupby(page.items, key=lambda i: items[i].kind.group(items[i])):
        run = tuple(run)
        blocks += [run] if group else [(i,) for i in run]
    return blocks


def item_order(page: Page, items: Mapping[str, Item], seed: str,
               participant: str) -> tuple[str, ...]:
    """The page's item ids in the order ``participant`` sees them."""
    if not page.shuffle_items:
        return page.items
    blocks = _blocks(page, items)
    seeded(seed, participant, "items", page.id).shuffle(blocks)
    return tuple(i for block in blocks for i in block)


def shuffles(page: Page, items: Mapping[str, Item]) -> bool:
    """Whether anything on ``page`` is shown in an order of each participant's own."""
    return page.shuffle_items or any(items[i].shuffle_options for i in page.items)


@dataclass(frozen=True)
class Display:
    """What one participant sees of one page: item ids in order, shuffled items' option ids."""

    items: tuple[str, ...]
    options: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def position(self, item_id: str) -> int:
        """1-based place of the item on the page as shown."""
        return self.items.index(item_id) + 1


def display_for(page: Page, items: Mapping[str, Item], seed: str,
                participant: str) -> Display | None:
    """The participant's order of ``page``; None when nothing on it is shuffled."""
    if not shuffles(page, items):
        return None
    options = {i: tuple(o.id for o in option_order(items[i], seed, participant))
               for i in page.items if items[i].shuffle_options}
    return Display(item_order(page, items, seed, participant), options)


# --------------------------------------------------------------------------- loading


def check_item(item: Item, place: str, r: DefinitionReader) -> None:
    """``shuffle_options`` only where options are not a scale; ``fixed`` only with it."""
    fixed = [o for o in item.options if o.fixed]
    if item.shuffle_options:
        if not item.kind.shufflable:
            r.problem(f"{place}.shuffle_options", f"a {item.type} item's options are not "
                      "shuffled (only choice, multiple-choice and ranking items can be)")
        elif len(item.options) - len(fixed) < 2:
            r.problem(f"{place}.shuffle_options", "needs at least two options that are not "
                      f"fixed (has {len(item.options) - len(fixed)})")
    elif fixed:
        r.problem(f"{place}.options[{fixed[0].code - 1}].fixed", "keeps an option in place "
                  "when the options are shuffled: set shuffle_options = true on the item")


def check_page(page: Page, items: Mapping[str, Item], place: str, r: DefinitionReader) -> None:
    """``shuffle_items`` needs two things to shuffle (a grid counts as one)."""
    known = all(i in items for i in page.items)
    if page.shuffle_items and known and len(_blocks(page, items)) < 2:
        r.problem(f"{place}.shuffle_items", "needs at least two items to shuffle "
                  "(a grid's rows count as one)")
