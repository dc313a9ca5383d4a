"""Participant views: parse the request, call operations, render or redirect."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from app.campaigns.design import effective_status, outcome_code, outcome_redirect, panel_settings
from app.campaigns.panel import panel_study_session
from app.campaigns.tokens import hash_code, normalise
from app.exchange.card_page import card_submission
from app.extensions import db, limiter
from app.models import Campaign, Participant
from app.participant import operations as ops
from app.participant import starting
from app.participant.access import admission, target_reached
from app.participant.arrivals import record_arrival
from app.participant.code_limit import code_limit
from app.participant.display_order import display_of, recorder
from app.participant.forms import (
    ConfirmForm,
    ConsentForm,
    ResumeForm,
    page_form,
    parsed_answers,
)
from app.participant.panel_resume import ResumeNeedsProofError, may_continue, panel_session_hash
from app.participant.results import results_for_thanks
from app.participant.step_page import render_step
from app.participant.visibility import shown_step
from app.participant.visitor import (
    COOKIE,
    request_campaign,
    request_participant,
    set_resume_cookie,
)
from app.web.database import reads_first
from app.web.i18n import choose_language
from app.web.markdown import survey_html


def _closed_page(campaign: Campaign):
    return render_template("participant/closed.html", campaign=campaign), 403


@code_limit
def landing(slug: str):
    campaign = request_campaign(slug)
    participant = request_participant(campaign, request.args)
    admitted = None
    if participant is None:
        g.lang = choose_language(campaign.languages, request.args.get("lang"))
        if request.args.get("lang") in campaign.languages:
            session["lang"] = request.args["lang"]
        if campaign.is_open:
            admitted = admission(db.session, campaign, request.args)
        if _first_arrival(slug, admitted):
            record_arrival(db.session, campaign)
        if admitted is not None:
            if admitted.problem:
                return _access_page(campaign, admitted.problem)
            if admitted.returning is not None and not may_continue(
                    db.session, admitted.returning, panel_session_hash(campaign, request.args)):
                return _access_page(campaign, "panel_resume_code")
            if admitted.returning is None and target_reached(db.session, campaign):
                return _access_page(campaign, "full")
    if participant is not None and _previewing_consent(participant):
        # A preview shows consent (and the decline ending) as anyone sees it.
        return _landing_page(campaign, None, None, ConsentForm(), preview=True)
    return _landing_page(campaign, participant, admitted, ConsentForm())


def _previewing_consent(participant: Participant) -> bool:
    """A manager's test participant who has not saved a page: show them the consent page."""
    return participant.is_test and ops.progress(g.survey, participant)[0] == 0 and (
        participant.status == "started")


def _first_arrival(slug: str, admitted) -> bool:
    """Whether this landing view counts as an arrival (issue 19): first arrivals only.

    Not a guessed invite code, not a panel id that started before, not a
    reload in a browser that arrived already (a marker in its signed session
    cookie), and not the campaign's team looking at the link while signed in
    (test runs stay out of the monitor's figures).
    """
    if admitted is not None and (admitted.problem in CODE_REFUSED or admitted.returning):
        return False
    if session.get(f"arrived:{slug}") or current_user.is_authenticated:
        return False
    session[f"arrived:{slug}"] = True
    return True


def _landing_page(campaign, participant, admitted, form, status=200, preview=False):
    consent = survey_html(g.survey.version, "consent", g.lang, g.survey.consent[g.lang],
                          images=g.survey.images)
    return render_template(
        "participant/landing.html",
        campaign=campaign,
        participant=participant,
        admitted=admitted,
        consent=consent,
        form=form,
        preview=preview,
    ), status


#: Problems of an invite code that was wrong, used or revoked: not counted as arrivals.
CODE_REFUSED = {"invite_invalid", "invite_used", "invite_revoked"}

#: Page and status for each reason a link cannot start a participant.
ACCESS_STATUS = {
    "invite_missing": 400, "invite_invalid": 400, "invite_revoked": 403, "invite_used": 409,
    "panel_id_missing": 400, "mturk_preview": 200, "withdrawn": 409, "full": 403,
    "panel_resume_code": 409,
}


def _access_page(campaign: Campaign, problem: str):
    return render_template(
        "participant/access.html", campaign=campaign, problem=problem,
        panel=panel_settings(campaign),
    ), ACCESS_STATUS[problem]


@reads_first
@code_limit
def start(slug: str):
    campaign = request_campaign(slug)
    if request_participant(campaign, request.form) is not None:
        return redirect(url_for(".show_step", slug=slug))
    if not campaign.is_open:
        return _closed_page(campaign)
    g.lang = choose_language(campaign.languages)
    admitted = admission(db.session, campaign, request.form)
    if admitted.problem:
        return _access_page(campaign, admitted.problem)
    form = ConsentForm()
    if admitted.returning is not None:
        form.agree.validators = []  # they consented when they first started
    elif target_reached(db.session, campaign):
        return _access_page(campaign, "full")
    if not form.validate_on_submit():
        return _landing_page(campaign, None, admitted, form, status=400)
    try:
        started = starting.start(db.session, campaign, g.survey, g.lang,
                            invite_code=admitted.invite_code,
                            external_id_hash=admitted.external_id_hash,
                            panel_session=panel_session_hash(campaign, request.form),
                            panel_ids=panel_study_session(campaign, request.form))
    except ResumeNeedsProofError:  # saved a page: the id alone does not continue them
        return _access_page(campaign, "panel_resume_code")
    except starting.InviteUnavailableError:
        # Used or revoked between the check and the start (a second tab, say).
        again = admission(db.session, campaign, request.form)
        return _access_page(campaign, again.problem or "invite_used")
    if admitted.external_id and _redirect_needs_id(campaign):
        session[_panel_key(slug)] = admitted.external_id
    # Only a marker travels in the (signed, not encrypted) session cookie; the
    # next page reads the code from the resume cookie it needs anyway.
    flash("", "resume-new" if started.continued else "resume")
    response = redirect(url_for(".show_step", slug=slug))
    return set_resume_cookie(response, campaign, started.resume_code)


def _panel_key(slug: str) -> str:
    return f"panel_id:{slug}"


def _redirect_needs_id(campaign: Campaign) -> bool:
    """Whether a redirect template of the campaign fills in the panel id.

    Only then is the raw id kept, in this browser's signed session cookie
    (never in the database), to build the link back to the panel.
    """
    panel = panel_settings(campaign)
    templates = [panel.redirect if panel else None]
    templates += [(spec or {}).get("redirect") for spec in (campaign.completion or {}).values()]
    return any(t and "{id}" in t for t in templates)


@reads_first
def decline(slug: str):
    """Declining consent stores nothing; a panel participant gets the 'declined' code."""
    campaign = request_campaign(slug)
    g.lang = choose_language(campaign.languages)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".landing", slug=slug), code=303)
    admitted = admission(db.session, campaign, request.form)
    return _ending_page(campaign, "declined", admitted.external_id)


def _ending_page(campaign: Campaign, outcome: str, external_id: str | None, results=None):
    panel = panel_settings(campaign)
    return render_template(
        "participant/thanks.html",
        campaign=campaign,
        outcome=outcome,
        code=outcome_code(campaign, outcome),
        back_link=outcome_redirect(campaign, outcome, external_id),
        panel_label=panel.label if panel else None,
        results=results,
    )


def show_step(slug: str):
    campaign = request_campaign(slug)
    participant = request_participant(campaign)
    if participant is None:
        return redirect(url_for(".landing", slug=slug))
    step = ops.current_step(g.survey, participant)
    if step.kind == "thanks":
        outcome = participant.outcome or "completed"
        results = None
        if outcome == "completed" and campaign.show_results:
            results = results_for_thanks(db.session, campaign, g.survey, participant.language)
        return _ending_page(campaign, outcome, session.get(_panel_key(slug)), results)
    if effective_status(campaign) in ("closed", "archived", "ended"):
        return _closed_page(campaign)
    if not g.parley_visit.shown:
        ops.record_first_view(db.session, participant, step)
    return render_step(campaign, participant, shown_step(db.session, g.survey, participant.id,
                                                         step))


@reads_first
def submit(slug: str, step_key: str):
    campaign = request_campaign(slug)
    participant = request_participant(campaign)
    if participant is None:
        flash(_("Your session has ended. Enter your resume code to continue."), "error")
        return redirect(url_for(".resume", slug=slug))
    if effective_status(campaign) in ("closed", "archived", "ended"):
        return _closed_page(campaign)
    steps = {s.key: s for s in ops.steps_of(g.survey, participant)}
    step = steps.get(step_key)
    if step is None or step.key != participant.step or step.kind == "thanks":
        return _not_current(slug, participant, step_key)
    step, also = shown_step(db.session, g.survey, participant.id, step), None
    if step.page is not None:  # a shuffled page's order is stored with its answers
        also = recorder(display_of(g.survey, campaign, participant, step.page), participant.id,
                        step)
    # A page's answers are parsed by the item types themselves (CSRF was checked for
    # every POST already); only a refused page builds the form that shows why.
    answers = parsed_answers(step.page, g.survey.items, request.form) if step.page else None
    if answers is None:
        if step.kind in ("read", "card", "pair"):
            form = ConfirmForm()
        else:
            form = page_form(step.page, g.survey.items, participant.language, request.form,
                             version=g.survey.version)
        if step.kind in ("card", "pair") and form.validate_on_submit():
            form, also = card_submission(participant, step, form)
        if not form.validate_on_submit() or getattr(form, "card_errors", ()):
            return render_step(campaign, participant, step, form, status=400)
        answers = {f.item.id: f.answer for f in form if hasattr(f, "item")}
    participant_id = participant.id
    try:
        outcome = ops.submit_step(db.session, g.survey, participant, step_key, answers, campaign,
                                  also=also)
    except OperationalError:
        # The connection died, perhaps during the COMMIT itself: if the page was
        # saved all the same, say so instead of showing an error (issue 11, 5).
        if not ops.step_was_saved(db.session, participant_id, step_key):
            raise
        current_app.logger.warning("page %s was saved though its commit reported a lost "
                                   "connection", step_key)
        return redirect(url_for(".show_step", slug=slug))
    if outcome is not ops.Outcome.SAVED:
        return _not_current(slug, participant, step_key)
    return redirect(url_for(".show_step", slug=slug))


def _not_current(slug: str, participant: Participant, step_key: str):
    """A submit for a step that is not the current one: explain, store nothing."""
    keys = [s.key for s in ops.steps_of(g.survey, participant)]
    db.session.refresh(participant)
    if step_key == participant.step:  # the thanks page: nothing to submit there
        pass
    elif step_key in keys and keys.index(step_key) < keys.index(participant.step):
        flash(_("Those answers were already saved and can no longer be changed. "
                "You are back where you left off."), "info")
    else:
        flash(_("That page is not available yet. You are back where you left off."), "info")
    return redirect(url_for(".show_step", slug=slug), code=303)


@reads_first
def language(slug: str):
    campaign = request_campaign(slug)
    participant = request_participant(campaign)
    form = ConfirmForm()
    lang = request.form.get("lang", "")
    if form.validate_on_submit() and lang in campaign.languages:
        if participant is not None:
            ops.set_language(db.session, participant, lang)
        session["lang"] = lang
    target = ".show_step" if participant is not None else ".landing"
    return redirect(url_for(target, slug=slug), code=303)


@reads_first
@limiter.limit(lambda: current_app.config["PARLEY_RESUME_LIMIT"], methods=["POST"])
def resume(slug: str):
    campaign = request_campaign(slug)
    g.lang = choose_language(campaign.languages)
    form = ResumeForm()
    if form.validate_on_submit():
        participant = ops.find_by_code(db.session, campaign, form.code.data)
        if participant is not None:
            return set_resume_cookie(
                redirect(url_for(".show_step", slug=slug), code=303), campaign, form.code.data
            )
        form.code.errors.append(_("We could not find that code. Check it and try again."))
    status = 400 if form.errors else 200
    return render_template("participant/resume.html", campaign=campaign, form=form), status


def later(slug: str):
    campaign = request_campaign(slug)
    participant = request_participant(campaign)
    if participant is None:
        return redirect(url_for(".landing", slug=slug))
    code = request.cookies.get(COOKIE.format(slug=slug), "")
    if hash_code(code) != participant.resume_token_hash:
        abort(404)
    return render_template("participant/later.html", campaign=campaign, code=_grouped(code))


def _grouped(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def template_helpers() -> dict:
    """``shown_resume_code()`` for templates: the code of the participant on this page.

    Read from the resume cookie (httponly, scoped to the campaign), never from
    the session, so the code is not copied into the session cookie.
    """

    def shown_resume_code() -> str | None:
        participant = g.get("participant")
        campaign = g.get("campaign")
        if participant is None or campaign is None:
            return None
        code = normalise(request.cookies.get(COOKIE.format(slug=campaign.slug), ""))
        if not code or hash_code(code) != participant.resume_token_hash:
            return None
        return _grouped(code)

    return {"shown_resume_code": shown_resume_code}


@reads_first
def withdraw(slug: str):
    campaign = request_campaign(slug)
    participant = request_participant(campaign)
    if participant is None:
        if request.method == "POST":
            return render_template("participant/withdrawn.html", campaign=campaign)
        return redirect(url_for(".landing", slug=slug))
    form = ConfirmForm()
    if form.validate_on_submit():
        ops.withdraw(db.session, participant)
        response = current_app.make_response(
            render_template("participant/withdrawn.html", campaign=campaign)
        )
        response.delete_cookie(COOKIE.format(slug=slug), path=f"/c/{slug}/")
        return response
    return render_template("participant/withdraw.html", campaign=campaign, form=form)
