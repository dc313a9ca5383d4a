"""Follow-up wave views: parse, call app.participant.followup, render or redirect.

URLs (under /c/<slug>): ``followup`` (a panel id arriving, or a form to
type a follow-up code), ``followup/<code>`` (that participant's follow-up),
``followup/<code>/start`` and ``followup/<code>/step/<key>`` (POST). The
feedback step (app.exchange.feedback) is one of the steps: shown, then
"Continue" claims it.
"""

from __future__ import annotations

from flask import abort, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.campaigns.design import is_panel, outcome_redirect, panel_settings
from app.campaigns.tokens import normalise
from app.exchange.feedback import MIN_RATERS, feedback_for
from app.extensions import db
from app.participant import followup as fu
from app.participant.access import admission
from app.participant.code_limit import code_limit
from app.participant.display_order import display_of, recorder
from app.participant.forms import ConfirmForm, FollowupCodeForm, page_form
from app.participant.panel_resume import may_continue_followup, panel_session_hash
from app.participant.step_page import personal_fields, questions_html
from app.participant.steps import Step
from app.participant.visibility import shown_step
from app.participant.visitor import request_campaign
from app.web.database import reads_first
from app.web.i18n import choose_language

__all__ = ["entry", "show", "start", "submit"]


def _page(mode: str, status: int = 200, **context):
    return render_template("participant/followup.html", campaign=g.campaign, mode=mode,
                           panel=panel_settings(g.campaign), **context), status


def _stop(mode: str, status: int):
    """End the request with a follow-up page (a closed wave, an unknown code)."""
    abort(make_response(*_page(mode, status)))


def _open_campaign(slug: str):
    campaign = request_campaign(slug)
    g.lang = choose_language(campaign.languages, request.args.get("lang"))
    if campaign.followup_status != "open":
        _stop("closed", 403)
    return campaign


@reads_first
@code_limit
def entry(slug: str):
    """A panel id coming back, or the form to type a follow-up code."""
    campaign = _open_campaign(slug)
    if is_panel(campaign):
        values = request.form if request.method == "POST" else request.args
        admitted = admission(db.session, campaign, values)
        participant = admitted.returning
        if admitted.problem == "panel_id_missing":
            return _page("panel_id_missing", 400)
        if participant is None or participant.status != "completed":
            return _page("not_found", 404)
        session_hash = panel_session_hash(campaign, values)
        first = fu.followup_steps(g.survey, participant.feedback_order)[0].key
        if not may_continue_followup(participant, first, session_hash):
            return _page("needs_proof", 409)  # a saved page: the id alone is no proof
        if request.method == "POST" and ConfirmForm().validate_on_submit():
            code = fu.mint_code_for(db.session, participant, session_hash)
            # They said "start" on this welcome already: straight to the first
            # page, not a second welcome (issue 19, smaller).
            fu.begin(db.session, campaign, g.survey, participant)
            return redirect(url_for(".followup_show", slug=slug, code=normalise(code)), code=303)
        return _page("panel_intro", form=ConfirmForm(), carry=admitted.carry)
    form = FollowupCodeForm()
    if form.validate_on_submit():
        if fu.find_by_followup(db.session, campaign, form.code.data) is not None:
            code = normalise(form.code.data)
            return redirect(url_for(".followup_show", slug=slug, code=code), code=303)
        form.code.errors.append(_("We could not find that code. Check it and try again."))
    return _page("enter_code", 400 if form.errors else 200, form=form)


def _participant(campaign, code: str):
    participant = fu.find_by_followup(db.session, campaign, code)
    if participant is None:
        _stop("not_found", 404)
    g.lang = participant.language
    return participant


@code_limit
def show(slug: str, code: str):
    campaign = _open_campaign(slug)
    participant = _participant(campaign, code)
    if participant.followup_step is None:
        return _page("intro", form=ConfirmForm(), code=code)
    if participant.followup_step == fu.FOLLOWUP_THANKS:
        return _page("thanks", back_link=outcome_redirect(campaign, "followup"))
    return _render(campaign, participant, code)


def _render(campaign, participant, code, form=None, status=200):
    steps = fu.followup_steps(g.survey, participant.feedback_order)
    keys = [s.key for s in steps]
    if participant.followup_step not in keys:  # a survey changed under a follow-up
        abort(404)
    step = shown_step(db.session, g.survey, participant.id,
                      steps[keys.index(participant.followup_step)])
    action = url_for(".followup_submit", slug=campaign.slug, code=code, step_key=step.key)
    if step.page is None:  # the feedback step
        return render_template(
            "participant/followup_feedback.html", campaign=campaign, action=action,
            form=ConfirmForm(), feedback=feedback_for(db.session, campaign, g.survey, participant),
            min_raters=MIN_RATERS, done=keys.index(step.key), total=len(keys) - 1,
        ), status
    fresh = form is None
    form = form or page_form(step.page, g.survey.items, participant.language,
                             version=g.survey.version)
    # the post page's order
    fields, own = personal_fields(form, campaign, participant, step.page)
    questions = questions_html(form, step.page.id, participant.language,
                               cache=fresh and not own, fields=fields)
    return render_template(
        "participant/page.html", campaign=campaign, step=step, form=form, questions=questions,
        action=action, done=keys.index(step.key), total=len(keys) - 1,
    ), status


@reads_first
@code_limit
def start(slug: str, code: str):
    campaign = _open_campaign(slug)
    participant = _participant(campaign, code)
    if ConfirmForm().validate_on_submit():
        fu.begin(db.session, campaign, g.survey, participant)
    return redirect(url_for(".followup_show", slug=slug, code=code), code=303)


@reads_first
@code_limit
def submit(slug: str, code: str, step_key: str):
    campaign = _open_campaign(slug)
    participant = _participant(campaign, code)
    steps = {s.key: s for s in fu.followup_steps(g.survey, participant.feedback_order)}
    step = steps.get(step_key)
    if step is None or step.key == fu.FOLLOWUP_THANKS or participant.followup_step != step_key:
        return redirect(url_for(".followup_show", slug=slug, code=code), code=303)
    if step.page is None:  # the feedback step: nothing to answer, claimed like a page
        if ConfirmForm().validate_on_submit():
            fu.submit_followup(db.session, g.survey, participant, step_key, {})
        return redirect(url_for(".followup_show", slug=slug, code=code), code=303)
    step = shown_step(db.session, g.survey, participant.id, step)
    form = page_form(step.page, g.survey.items, participant.language, request.form,
                     version=g.survey.version)
    if not form.validate_on_submit():
        return _render(campaign, participant, code, form, status=400)
    answers = {f.item.id: f.answer for f in form if hasattr(f, "item")}
    also = None
    if step.page.phase == "followup":  # its own page's order (a post page's is stored at post)
        shown = Step(step.key, "page", "followup", step.page)
        also = recorder(display_of(g.survey, campaign, participant, step.page), participant.id,
                        shown)
    fu.submit_followup(db.session, g.survey, participant, step_key, answers, also)
    return redirect(url_for(".followup_show", slug=slug, code=code), code=303)

