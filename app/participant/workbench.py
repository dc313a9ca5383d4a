"""The survey workbench: page through any survey the server knows, the codebook beside each page.

A designer (owner or manager) checks a survey before any campaign exists:
every step of the journey of any arm, in any of the survey's languages,
drawn by the participant pages' own renderers (the consent and briefings by
``survey_html``, the questions by ``questions_html`` with the page's form),
with the items on the page listed beside it: id, type, phases, the codes of
its options, its scale and missing codes. A survey just uploaded as a zip is
in the library at once, so the upload's message links here.

Nothing is written: no participant, no answer, no page view; the page has no
form that posts. It lives with the journey (not with the campaign pages)
because it renders the journey's pages; the campaign pages only link to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, g, render_template, request
from flask_babel import force_locale
from markupsafe import Markup

from app.accounts.permissions import role_required
from app.campaigns.library import find_survey
from app.export.codebook import conditions_by_item, display_condition
from app.participant.forms import page_form
from app.participant.step_page import questions_html
from app.participant.steps import Step, journey
from app.web.markdown import survey_html
from surveys import Survey

__all__ = ["workbench", "workbench_steps", "codebook_rows"]

CONSENT = Step("consent", "consent")


@dataclass(frozen=True)
class CodebookRow:
    """One item of the page as the codebook describes it."""

    id: str
    type: str
    phases: tuple[str, ...]
    required: bool
    codes: tuple[tuple[int, str, str, bool], ...]  # (code, option id, label, missing)
    scale: str
    missing: tuple[int, ...]
    construct: str | None
    role: str | None
    #: The display conditions it is shown under (a page's and its own), as the codebook
    #: writes them, and the code its row holds when they hide it; None: always shown.
    show_if: str | None = None
    not_shown_code: int | None = None


def workbench_steps(survey: Survey, arm_id: str) -> list[Step]:
    """The consent, then every step a participant of ``arm_id`` takes (definition order),
    then the follow-up's own pages (``followup:<page>``), so a designer sees the questions
    the follow-up wave asks besides the repeated post pages before any campaign exists."""
    arm = survey.arm(arm_id)
    exchange = arm.exchange if survey.exchange is not None else None
    followup = [Step(f"followup:{p.id}", "page", "followup", p)
                for p in survey.pages_in("followup")]
    return [CONSENT, *journey(survey, list(arm.modules), exchange), *followup]


def codebook_rows(survey: Survey, step: Step, lang: str) -> list[CodebookRow]:
    """The codebook entries of the items on ``step``'s page (none for other steps)."""
    if step.page is None:
        return []
    rows = []
    conditions = conditions_by_item(survey)
    for item_id in step.page.items:
        item = survey.items[item_id]
        entry = item.kind.codebook(item)
        shown = display_condition(item, conditions.get(item.id, []))
        scale = entry.get("scale")
        rows.append(CodebookRow(
            item.id, item.type, survey.phases_of(item.id), item.required,
            tuple((o["code"], o["id"], o["label"].get(lang, ""), o["missing"])
                  for o in entry.get("options") or ()),
            f"{scale['min']:g}-{scale['max']:g}" if scale else "",
            tuple(entry.get("missing_codes") or ()), item.construct, entry.get("role"),
            shown["show_if"], shown["not_shown_code"],
        ))
    return rows


def _shown(survey: Survey, step: Step, lang: str) -> Markup:
    """What a participant sees on ``step``, without the form that would post it."""
    if step.kind == "consent":
        return survey_html(survey.version, "consent", lang, survey.consent[lang],
                           images=survey.images)
    if step.kind == "read":
        module = survey.module(step.module)
        return survey_html(survey.version, f"module:{module.id}", lang, module.body[lang],
                           images=survey.images)
    if step.kind == "page":
        form = page_form(step.page, survey.items, lang, version=survey.version)
        return questions_html(form, step.page.id, lang, cache=False)
    return Markup("")


def _choice(value: str | None, allowed, default):
    return value if value in allowed else default


@role_required("owner", "manager")
def workbench(source: str, folder: str):
    """``GET /admin/workbench/<source>/<folder>?lang=&arm=&step=``: one step of the survey."""
    known = find_survey(f"{source}:{folder}")
    if known is None:
        abort(404)
    survey = known.survey
    lang = _choice(request.args.get("lang"), survey.languages, survey.default_language)
    arm = _choice(request.args.get("arm"), [a.id for a in survey.arms], survey.arms[0].id)
    steps = workbench_steps(survey, arm)
    number = request.args.get("step", "0")
    index = int(number) if number.isdigit() and int(number) < len(steps) else 0
    step = steps[index]
    g.survey = survey  # the item widgets place images from it (app/web/figures.py)
    with force_locale(lang):  # the widgets' own words, as the participant reads them
        shown = _shown(survey, step, lang)
    return render_template(
        "campaigns/workbench.html", known=known, survey=survey, lang=lang, arm=arm,
        steps=steps, index=index, step=step, shown=shown,
        codebook=codebook_rows(survey, step, lang),
    )
