"""A journey step's page: rendered whole, or taken from the page caches.

Two caches serve the hot path: the questions of an unanswered page by
(survey version, page, language), and whole fresh pages kept with the
campaign's cache entry without their CSRF token (app/participant/page_cache.py);
a fresh card page too, keyed by the card it shows (its statement, text,
language and proposal), so a statement withdrawn or rejected since shows
its own page.
A page with a form given (answers or errors) is always rendered anew.
"""

from __future__ import annotations

from itertools import groupby

from flask import g, get_template_attribute, render_template
from flask_babel import get_locale
from markupsafe import Markup

from app.exchange.card_page import render_card, render_pair
from app.exchange.cards import card_for
from app.extensions import db
from app.participant import operations as ops
from app.participant.display_order import arranged, display_of
from app.participant.forms import ConfirmForm, page_form
from app.participant.page_cache import cacheable, page_html
from app.participant.piping import body_pipes, labels_for, page_pipes, piped_fields
from app.web.markdown import survey_html
from surveys.piping import pipe

__all__ = ["render_step", "questions_html", "personal", "personal_fields"]


def render_step(campaign, participant, step, form=None, status=200):
    """The step's page; a fresh one (no form given) from the page cache when it may."""
    done, total = ops.progress(g.survey, participant)
    if step.kind == "pair":
        form = form or ConfirmForm()
        return render_pair(campaign, participant, step, done, total, form), status
    if step.kind == "card":  # what a card shows is the participant's own deal
        card = card_for(db.session, participant, step.position)
        if form is None and cacheable():
            # A fresh card page is the same for everyone shown that statement at that
            # point: kept like a fresh survey page, keyed by everything it shows.
            key = ("card", step.key, card, participant.language, str(get_locale()), done,
                   total, participant.is_test, participant.status)
            html = page_html(g.parley_visit.found.pages, key, lambda: render_card(
                campaign, participant, step, card, done, total, ConfirmForm()))
            return html, status
        form = form or ConfirmForm()
        return render_card(campaign, participant, step, card, done, total, form,
                           getattr(form, "card_errors", ()),
                           getattr(form, "card_sent", None)), status
    if form is not None or not cacheable() or personal(campaign, participant, step):
        return _step_html(campaign, participant, step, form, done, total), status
    key = (step.key, step.page.items if step.page else (), participant.language,
           str(get_locale()), done, total, participant.is_test, participant.status)
    pages = g.parley_visit.found.pages  # they go with the campaign's cache entry
    html = page_html(pages, key, lambda: _step_html(campaign, participant, step, None, done, total))
    return html, status


def _step_html(campaign, participant, step, form, done: int, total: int) -> str:
    context = {"campaign": campaign, "step": step, "done": done, "total": total}
    lang = participant.language
    if step.kind == "read":
        module = g.survey.module(step.module)
        source, piped = module.body[lang], body_pipes(g.survey, module.id, lang)
        if piped:  # the participant's own answers: rendered for them, never kept
            source = pipe(source, labels_for(db.session, g.survey, participant, piped),
                          markdown=True)
        body = survey_html(g.survey.version, f"module:{module.id}", lang, source,
                           images=g.survey.images, keep=not piped)
        form = form or ConfirmForm()
        return render_template(
            "participant/read.html", module=module, body=body, form=form, **context
        )
    fresh = form is None
    form = form or page_form(step.page, g.survey.items, lang, version=g.survey.version)
    fields, own = personal_fields(form, campaign, participant, step.page)
    questions = questions_html(form, step.page.id, lang, cache=fresh and not own, fields=fields)
    return render_template("participant/page.html", form=form, questions=questions, **context)


def personal_fields(form, campaign, participant, page) -> tuple[list, bool]:
    """The page's fields as this participant sees them, and whether that is theirs alone.

    In their order (a shuffled page) and with their earlier answers piped
    into the texts; the follow-up's pages use it too.
    """
    display = display_of(g.survey, campaign, participant, page)
    fields = arranged(form, display)
    piped = page_pipes(g.survey, page)
    if piped:
        fields = piped_fields(fields, labels_for(db.session, g.survey, participant, piped))
    return fields, display is not None or bool(piped)


def personal(campaign, participant, step) -> bool:
    """Whether the step's page differs from one participant to the next.

    A shuffled order or a piped answer: such a page is rendered for its
    participant and never kept in (or taken from) a cache that serves others.
    """
    if step.kind == "read":
        return bool(body_pipes(g.survey, step.module, participant.language))
    return (display_of(g.survey, campaign, participant, step.page) is not None
            or bool(page_pipes(g.survey, step.page)))


#: The questions of an unanswered page, rendered, by (survey version, page, items, language).
#: A page without answers or errors renders the same for everyone (the CSRF
#: token is outside it), and rendering its options was most of a page view.
_QUESTIONS: dict[tuple[str, str, str], Markup] = {}


def questions_html(form, page_id: str, lang: str, cache: bool, fields=None) -> Markup:
    """The page's questions; ``fields`` in the order shown (default: the form's order).

    ``cache`` only for a page that is the same for everyone (no answers, no
    errors, no order of a participant's own).
    """
    if fields is None:
        fields = [field for field in form if hasattr(field, "item")]
    # the items too: a page narrowed by display conditions renders apart
    key = (g.survey.version, page_id, tuple(f.item.id for f in fields), lang)
    if cache and key in _QUESTIONS:
        return _QUESTIONS[key]
    one = get_template_attribute("participant/_items.html", "item")
    together = get_template_attribute("participant/_items.html", "group")
    html = Markup("")
    # a composite's consecutive items (a grid's rows) are drawn by one widget
    for group, run in groupby(fields, key=lambda f: f.item.kind.group(f.item)):
        run = list(run)
        html += together(run, lang) if group else Markup("").join(one(f, lang) for f in run)
    if cache:
        if len(_QUESTIONS) >= 1024:
            _QUESTIONS.clear()
        _QUESTIONS[key] = html
    return html
