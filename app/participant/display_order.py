"""A shuffled page as one participant sees it, and its order stored with the answers (issue 22).

The order itself is ``surveys.display_order`` (seeded by the campaign's
seed, the participant's public id and the page or item). Here it is put on
a page's form (fields in the participant's order, each shuffled item with
its options in theirs) and written, in the transaction that stores the
page's answers, as one ``display_order`` row per item of the page.

A shuffled page is personal: it never comes from, or goes to, the page
caches that serve everyone the same page (app/participant/step_page.py).
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import insert

from app.models import DisplayOrder
from surveys import Page, Survey
from surveys.display_order import Display, display_for

__all__ = ["display_of", "arranged", "recorder"]


def display_of(survey: Survey, campaign, participant, page: Page | None) -> Display | None:
    """The participant's order of ``page``; None when nothing on it is shuffled."""
    if page is None:
        return None
    return display_for(page, survey.items, campaign.seed, participant.public_id)


def arranged(form, display: Display | None) -> list:
    """The form's item fields in the participant's order, shuffled options in theirs.

    Each field gets its own copy of its item with the options reordered
    (codes and ids unchanged, so parsing and storing are as before).
    """
    fields = [f for f in form if hasattr(f, "item")]
    if display is None:
        return fields
    by_item = {f.item.id: f for f in fields}
    for item_id, option_ids in display.options.items():
        field = by_item.get(item_id)
        if field is None:  # not on this form (an item the page does not show)
            continue
        order = {option_id: k for k, option_id in enumerate(option_ids)}
        field.item = replace(field.item, options=tuple(
            sorted(field.item.options, key=lambda o: order[o.id])))
    return [by_item[i] for i in display.items if i in by_item]


def recorder(display: Display | None, participant_id: int, step):
    """``also(session, now)`` for ``submit_step``: the page's order, written with its answers."""
    if display is None:
        return None
    # every item of a page whose items are shuffled; else the shuffled items alone
    every = step.page.shuffle_items
    rows = [
        {"participant_id": participant_id, "phase": step.phase, "module": step.module,
         "page": step.page.id, "item": item_id, "position": position,
         "options": "|".join(display.options[item_id]) if item_id in display.options else None}
        for position, item_id in enumerate(display.items, 1)
        if every or item_id in display.options
    ]

    def write(session, now) -> None:
        session.execute(insert(DisplayOrder), rows)

    return write
