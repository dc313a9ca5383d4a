"""Which items of a page a participant sees (display conditions), decided on the server.

A condition (``show_if``, surveys/conditions.py) reads answers saved on
earlier pages, which are locked, so a page's visible items never change
once it can be shown. Three rules follow from that:

- a page is shown with its visible items only (:func:`shown_step`), and its
  form has fields for those alone: a crafted POST naming a hidden item
  finds no field, and its value is never read;
- the submit of a page stores a "not shown" row for each hidden item (the
  item's declared code, ``not_shown_code``, and no text), so the export tells
  "not shown" from "skipped" (no row);
- a page whose items are all hidden is skipped: the submit before it claims
  the next visible step instead and stores the skipped page's "not shown"
  rows in the same transaction (:func:`advance`), so the journey never stops
  on an empty page and nothing about it is lost.

Surveys without conditions pay nothing: no query, the page as defined.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Answer
from surveys import Answer as ParsedAnswer
from surveys import Page, Survey
from surveys.conditions import not_shown_code, page_condition_items, referenced_items, shown_items

__all__ = ["conditional", "condition_answers", "shown_step", "advance", "first_shown",
           "passed", "is_not_shown"]


#: (survey version, page id) -> whether the page has conditions; survey version ->
#: the items conditions read. A version is a hash of the survey's files.
_CONDITIONAL: dict[tuple[str, str], bool] = {}
_REFERENCED: dict[str, frozenset[str]] = {}


def conditional(survey: Survey, page_id: str) -> bool:
    """Whether any item of the page is shown under a condition (cached per survey version)."""
    key = (survey.version, page_id)
    found = _CONDITIONAL.get(key)
    if found is None:
        if len(_CONDITIONAL) >= 4096:
            _CONDITIONAL.clear()
        page = survey.page(page_id)
        found = _CONDITIONAL[key] = any(page_condition_items(survey, page).values())
    return found


def _referenced(survey: Survey) -> frozenset[str]:
    found = _REFERENCED.get(survey.version)
    if found is None:
        if len(_REFERENCED) >= 256:
            _REFERENCED.clear()
        found = _REFERENCED[survey.version] = referenced_items(survey)
    return found


def is_not_shown(survey: Survey, item_id: str, value, text) -> bool:
    """Whether a stored row is a "not shown" row (its item's declared code and no text)."""
    item = survey.items.get(item_id)
    return item is not None and text is None and value == not_shown_code(item)


def condition_answers(session: Session, survey: Survey, participant_id: int,
                      page_answers: dict[str, ParsedAnswer | None] | None = None,
                      page_phase: str | None = None) -> dict[str, tuple]:
    """Item id -> (value, text) of the answers conditions read: each item's first phase.

    ``page_answers`` (the page being submitted, in ``page_phase``) count as
    saved. Module answers (per briefing) and "not shown" rows are not answers.
    """
    wanted = _referenced(survey)
    found: dict[str, tuple] = {}
    if not wanted:
        return found
    rows = session.execute(
        select(Answer.item, Answer.phase, Answer.value, Answer.text)
        .where(Answer.participant_id == participant_id, Answer.item.in_(sorted(wanted)),
               Answer.module == "")
    )
    for item_id, phase, value, text in rows:
        phases = survey.phases_of(item_id)
        if phases and phase == phases[0] and not is_not_shown(survey, item_id, value, text):
            found[item_id] = (value, text)
    for item_id, parsed in (page_answers or {}).items():
        phases = survey.phases_of(item_id)
        if (parsed is not None and item_id in wanted and phases and phases[0] == page_phase):
            found[item_id] = (parsed.value, parsed.text)
    return found


def shown_step(session: Session, survey: Survey, participant_id: int, step):
    """``step`` with its page narrowed to the items this participant sees (or as it is)."""
    page: Page | None = getattr(step, "page", None)
    if page is None or not conditional(survey, page.id):
        return step
    answers = condition_answers(session, survey, participant_id)
    items = shown_items(survey, page, answers)
    return step if items == page.items else replace(step, page=replace(page, items=items))


def advance(session: Session, survey: Survey, participant_id: int, path: list, step_key: str,
            answers: dict[str, ParsedAnswer | None], now, skip: bool = True,
            phase: str | None = None) -> tuple[str, list[dict]]:
    """The key of the next step to show after ``step_key`` in ``path``, and the "not shown" rows.

    The rows are the hidden items of the submitted page and, with ``skip``,
    every item of each following page whose items are all hidden (the pages
    skipped). ``phase`` overrides the steps' phase (the follow-up stores
    ``followup``). A condition reads earlier pages only, so the submitted
    page's own answers never change what it showed.
    """
    index = [s.key for s in path].index(step_key)
    step = path[index]
    known: dict | None = None

    def hidden_of(candidate) -> list[dict] | None:
        """The rows of the candidate's hidden items (None: the step has no conditions)."""
        nonlocal known
        page = getattr(candidate, "page", None)
        if page is None or not conditional(survey, page.id):
            return None
        if known is None:
            known = condition_answers(session, survey, participant_id, answers,
                                      phase or getattr(step, "phase", None))
        shown = set(shown_items(survey, page, known))
        return [_row(survey, participant_id, candidate, item_id, now, phase)
                for item_id in page.items if item_id not in shown]

    rows = hidden_of(step) or []
    while skip:
        following = path[index + 1]
        more = hidden_of(following)
        if more is None or len(more) < len(following.page.items):
            break
        rows += more
        index += 1
    return path[index + 1].key, rows


def passed(session: Session, survey: Survey, participant_id: int, path: list, step_key: str,
           answers: dict[str, ParsedAnswer | None], now) -> set[str]:
    """The step keys a submit of ``step_key`` leaves behind: it and the pages it skips.

    A decision tied to a page (the gate after the last about-you page, which
    allocates the arm) must still be taken when a condition skips that page.
    """
    _next, rows = advance(session, survey, participant_id, path, step_key, answers, now)
    return {step_key} | {f"page:{row['page']}" for row in rows if not row["module"]}


@dataclass(frozen=True)
class _Before:
    """A step before the first one, so :func:`advance` can find the first step shown."""

    key: str = ""
    page: None = None


def first_shown(session: Session, survey: Survey, participant_id: int, path: list, now,
                phase: str | None = None) -> tuple[str, list[dict]]:
    """The first step of ``path`` that shows something, and the skipped pages' rows."""
    return advance(session, survey, participant_id, [_Before(), *path], "", {}, now,
                   phase=phase)


def _row(survey: Survey, participant_id: int, step, item_id: str, now, phase) -> dict:
    return {"participant_id": participant_id, "phase": phase or step.phase,
            "module": getattr(step, "module", ""), "item": item_id,
            "value": float(not_shown_code(survey.items[item_id])), "text": None,
            "page": step.page.id, "answered_at": now, "seconds_on_page": None}
