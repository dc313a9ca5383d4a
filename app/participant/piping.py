"""Piped answers on a participant's page: ``{answer:ITEM}`` filled in for them (issue 22).

``surveys.piping`` says what a pipe is and checks it at load; here the
participant's stored answers to the piped items are read (one query, only
for a page that pipes) and put into the page's item texts and hints, or
into a briefing's Markdown, escaped. Such a page is personal: it is never
taken from, or kept in, the caches that serve everyone the same page
(``app/participant/step_page.py``), and a briefing that pipes is rendered
for its participant instead of once per survey version.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from app.models import Answer
from surveys import Page, Survey, Text
from surveys.model import PHASES
from surveys.piping import answer_label, pipe, piped_ids

__all__ = ["page_pipes", "body_pipes", "labels_for", "piped_fields"]


def page_pipes(survey: Survey, page: Page | None) -> list[str]:
    """The item ids the texts and hints of ``page``'s items pipe."""
    if page is None:
        return []
    found: list[str] = []
    for item_id in page.items:
        item = survey.items[item_id]
        for texts in (item.text, item.hint or {}):
            for text in texts.values():
                found += piped_ids(text)
    return list(dict.fromkeys(found))


def body_pipes(survey: Survey, module_id: str, lang: str) -> list[str]:
    """The item ids a briefing's Markdown pipes in ``lang``."""
    return piped_ids(survey.module(module_id).body[lang])


def labels_for(session, survey: Survey, participant, item_ids: list[str]) -> dict[str, str]:
    """The participant's latest answer to each of ``item_ids``, as labels in their language."""
    if not item_ids:
        return {}
    rows = session.execute(
        select(Answer.item, Answer.phase, Answer.value, Answer.text)
        .where(Answer.participant_id == participant.id, Answer.item.in_(item_ids),
               Answer.phase != "module")
    ).all()
    latest = {}
    for item_id, _phase, value, text in sorted(rows, key=lambda r: PHASES.index(r.phase)
                                              if r.phase in PHASES else len(PHASES)):
        latest[item_id] = (value, text)
    lang = participant.language
    return {item_id: answer_label(survey.items[item_id], value, text, lang)
            for item_id, (value, text) in latest.items()}


def piped_fields(fields: list, labels: dict[str, str]) -> list:
    """``fields`` with the pipes of their texts and hints filled in (as plain text).

    The template escapes them as every item text; each field gets its own
    copy of its item, so nothing shared (the form class) changes.
    """
    for field in fields:
        field.label.text = pipe(field.label.text, labels)
        hint = field.item.hint
        if hint is not None and any(piped_ids(h) for h in hint.values()):
            field.item = replace(field.item, hint=Text(
                {lang: pipe(h, labels) for lang, h in hint.items()}))
    return fields
