"""The load-time check of display conditions: ids, options, types and where the answers are.

A condition may only read answers given on an earlier page of the journey
(profile, pre, post, then the follow-up's own pages; module pages are asked
once per briefing, so their answers are not one answer and cannot be read),
so it is always decided before the page it governs is shown. A post page's
pre/post twins take their pre twin's condition, so a post page that asks
twins may not have a condition of its own.
"""

from __future__ import annotations

from collections.abc import Mapping

from surveys.conditions import Condition, resolve
from surveys.model import PHASES, Item, Page

__all__ = ["check_conditions"]


def check_conditions(reader, pages: tuple[Page, ...], items: Mapping[str, Item],
                     places: Mapping[str, str]) -> None:
    """Report every problem of the survey's conditions through ``reader.problem``."""
    ordered = sorted(enumerate(pages), key=lambda kp: (_phase_rank(kp[1].phase), kp[0]))
    rank = {page.id: k for k, (_i, page) in enumerate(ordered)}
    index = {page.id: i for i, page in enumerate(pages)}
    first: dict[str, Page] = {}
    for _i, page in ordered:
        for item_id in page.items:
            first.setdefault(item_id, page)
    per_module = {i for p in pages if p.phase == "module" for i in p.items}
    pre_items = {i for p in pages if p.phase == "pre" for i in p.items}
    seen: set[tuple[str, str]] = set()

    def report(place: str, message: str) -> None:
        if (place, message) not in seen:
            seen.add((place, message))
            reader.problem(place, message)

    def check(condition: Condition, place: str, holder: Page) -> None:
        for message in resolve(condition, items):
            report(place, message)
        for ref in condition.items:
            if ref not in items or ref not in first:
                continue  # not defined (reported above) or on no page (reported by the loader)
            if ref in per_module:
                report(place, f"names item '{ref}', which is asked on module pages (once "
                       "per briefing): a condition can use items of profile, pre and post "
                       "pages")
            elif rank[first[ref].id] >= rank[holder.id]:
                report(place, f"names item '{ref}', which is not answered on a page before "
                       f"'{holder.id}' (a condition may only use answers given on earlier "
                       "pages)")

    for page in pages:
        if page.show_if is None:
            continue
        place = f"pages[{index[page.id]}].show_if"
        check(page.show_if, place, page)
        twins = [i for i in page.items if i in pre_items and i in items
                 and not items[i].post_only]
        if page.phase == "post" and twins:
            report(place, f"post page '{page.id}' asks pre/post twins ('{twins[0]}'): a twin "
                   "is shown after reading when it was shown before, so put the condition "
                   "on its pre page")
    for item_id, item in items.items():
        if item.show_if is not None and item_id in first:
            check(item.show_if, f"{places.get(item_id, 'items')}.show_if", first[item_id])


def _phase_rank(phase: str) -> int:
    return PHASES.index(phase) if phase in PHASES else len(PHASES)
