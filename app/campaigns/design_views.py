"""Campaign pages around the design: the survey library, a new campaign, the design and its
test data, invite codes and the follow-up wave. Views parse the form, call an
operation, render or redirect; a manager's preview starts in app.participant.preview.

Who may do what is app.accounts.permissions: owners and managers design,
preview and delete test data (managers only on campaigns they belong to),
analysts may look at a campaign's design and change nothing.
"""

from __future__ import annotations

import io
import re

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from app.accounts.permissions import campaign_for_user, can, role_required
from app.audit import record_audit
from app.campaigns.design import COMPLETION_KEYS
from app.campaigns.followup import followup_counts, write_links_csv
from app.campaigns.form_problems import attach_problems
from app.campaigns.forms import (
    ACCESS_LABELS,
    OUTCOME_LABELS,
    ConfirmForm,
    CreateInvitesForm,
    FollowupLinksForm,
    NewCampaignForm,
    PreviewForm,
    RevokeInviteForm,
    UploadSurveyForm,
    choices,
    design_changes,
    design_data,
    design_form,
)
from app.campaigns.invite_list import LIST_LIMIT, invites_csv, recent_invites
from app.campaigns.invites import create_invites, invite_counts, revoke_invites
from app.campaigns.library import create_from_known, find_survey, known_surveys
from app.campaigns.operations import (
    CampaignError,
    DesignError,
    set_followup_status,
    update_design,
)
from app.campaigns.settings import OPERATIONAL_FIELDS
from app.campaigns.surveys import survey_for, uploaded_surveys_folder
from app.campaigns.testdata import (
    PREVIEW_STATUSES,
    count_test_participants,
    delete_test_participants,
)
from app.campaigns.upload_store import record
from app.campaigns.uploads import Limits, UploadError, store_survey_zip, stored_folder
from app.extensions import csrf, db
from app.web.edge import in_memory_upload
from surveys import SurveyError

DESIGNERS = ("owner", "manager")


def _limits() -> Limits:
    return Limits(**current_app.config.get("PARLEY_SURVEY_UPLOAD_LIMITS", {}))


@login_required
def surveys():
    if current_user.role == "moderator":  # a moderator sees only moderation queues
        abort(403)
    return render_template("campaigns/surveys.html", known=known_surveys(),
                           form=UploadSurveyForm(), limits=_limits(),
                           may_design=current_user.role in DESIGNERS)


# Exempt from the app-wide CSRF check only because that check parses the body
# under the small global size limit before this view can raise it for the
# zip; the FlaskForm below still requires and checks the CSRF token.
@in_memory_upload(lambda: _limits().zip_bytes)  # parsed at the edge under the zip's own limit
@csrf.exempt
@role_required(*DESIGNERS)
def upload_survey():
    limits = _limits()
    request.max_content_length = limits.zip_bytes + 64 * 1024  # room for the form fields
    problems, refused, stored = [], [], None
    try:
        form = UploadSurveyForm()
        valid = form.validate_on_submit()
    except RequestEntityTooLarge:
        form, valid = UploadSurveyForm(formdata=None), False
        refused = [_("the zip is larger than %(n)d bytes", n=limits.zip_bytes)]
    if valid:
        try:
            stored = store_survey_zip(form.archive.data.stream, uploaded_surveys_folder(), limits)
        except UploadError as exc:
            refused = exc.messages
        except SurveyError as exc:
            problems = exc.problems
    name = getattr(form.archive.data, "filename", "") or ""
    if stored is not None:
        record(db.session, stored_folder(uploaded_surveys_folder(), stored), stored.version)
        record_audit(db.session, "survey.upload",
                     detail=f"{stored.id} {stored.version} from {name[:100]}")
        db.session.commit()
        flash(_("Survey %(id)s was checked and stored (version %(version)s).",
                id=stored.id, version=stored.version[:12]), "info")
        return redirect(url_for(".surveys"), code=303)
    return render_template(
        "campaigns/surveys.html", known=known_surveys(), form=form, limits=limits,
        problems=problems, refused=refused, filename=name, may_design=True,
    ), 400


@role_required(*DESIGNERS)
def new_campaign():
    form = NewCampaignForm()
    form.survey.choices = choices([("", _("Choose a survey"))]
                                  + [(k.key, k.label) for k in known_surveys()])
    if request.method == "GET" and request.args.get("survey"):
        form.survey.data = request.args["survey"]
    if form.validate_on_submit():
        known = find_survey(form.survey.data)
        if known is None:
            form.survey.errors.append(_("Choose a survey."))
        else:
            try:
                campaign = create_from_known(db.session, known, slug=form.slug.data,
                                             user=current_user, title=form.title.data)
                db.session.commit()
            except CampaignError as exc:
                db.session.rollback()
                form.slug.errors.append(str(exc))
            else:
                flash(_("Draft campaign created. Check its design, preview it, then open it."),
                      "info")
                return redirect(url_for(".design", slug=campaign.slug), code=303)
    status = 400 if form.errors else 200
    return render_template("campaigns/new.html", form=form), status


def _design_page(campaign, survey, form, status=200, loose=()):
    preview = PreviewForm(formdata=None)
    preview.arm.choices = choices((a.id, a.id) for a in survey.arms)
    preview.language.choices = choices((lang, lang) for lang in campaign.languages)
    return render_template(
        "campaigns/design.html", c=campaign, survey=survey, form=form, preview=preview,
        confirm=ConfirmForm(formdata=None), tests=count_test_participants(db.session, campaign),
        can_preview=campaign.status in PREVIEW_STATUSES, loose=list(loose),
        may_manage=can(current_user, "manage", campaign), outcomes=COMPLETION_KEYS,
        outcome_labels=OUTCOME_LABELS, access_labels=ACCESS_LABELS,
    ), status


@login_required
def design(slug: str):
    campaign = campaign_for_user(slug, "view")
    survey = survey_for(campaign)
    form = design_form(survey, len(campaign.quotas or []), data=design_data(campaign, survey))
    return _design_page(campaign, survey, form)


#: The inputs of an opened campaign's settings form (app.campaigns.settings).
SETTINGS_INPUT = re.compile(r"csrf_token|title|code_\w+|redirect_\w+|opens_at|closes_at|target_n|"
                            r"quota_\d+_cap|show_results|results_min_completed")


def _as_formdata(form) -> list[tuple[str, str]]:
    """The form's values as a browser would post them (to fill in the pinned inputs)."""
    pairs = []
    for name, field in form._fields.items():
        if field.type == "BooleanField":
            pairs += [(name, "y")] if field.data else []
        elif field.type in ("MultiCheckboxField", "SelectMultipleField"):
            pairs += [(name, str(value)) for value in field.data or []]
        elif field.type in ("SelectField", "RadioField"):
            pairs.append((name, "" if field.data is None else str(field.data)))
        elif name != "csrf_token":
            pairs.append((name, field._value()))
    return pairs


@login_required
def save_design(slug: str):
    campaign = campaign_for_user(slug, "manage")
    survey = survey_for(campaign)
    n_quotas = len(campaign.quotas or [])
    if campaign.status == "archived":
        flash(_("This campaign is archived: nothing about it can change."), "error")
        return redirect(url_for(".design", slug=slug), code=303)
    if campaign.status != "draft":
        # Opened: only the operational inputs come from the request; the pinned
        # rest is the stored design, so update_design sees no pinned change.
        stored = design_form(survey, n_quotas, data=design_data(campaign, survey))
        posted = MultiDict(_as_formdata(stored))
        for name in stored._fields:
            if SETTINGS_INPUT.fullmatch(name):
                posted.setlist(name, request.form.getlist(name))
        form = design_form(survey, n_quotas, formdata=posted)
    else:
        posted = request.form.get("n_quotas", "")
        rows = min(int(posted), 100) if posted.isdigit() else 0
        form = design_form(survey, max(n_quotas, rows), formdata=request.form)
    if not form.validate_on_submit():
        return _design_page(campaign, survey, form, 400)
    changes = design_changes(form, survey)
    if campaign.status != "draft":  # the form's reading of a pinned field is not a change
        changes = {k: v for k, v in changes.items() if k in OPERATIONAL_FIELDS}
    try:
        update_design(db.session, campaign, changes, current_user.email, survey)
    except DesignError as exc:
        db.session.rollback()
        return _design_page(campaign, survey, form, 400, attach_problems(form, exc.problems))
    changed = db.session.is_modified(campaign)
    db.session.commit()
    flash(_("Design saved.") if changed else _("Nothing changed."), "info")
    return redirect(url_for(".design", slug=slug), code=303)


@login_required
def delete_test_data(slug: str):
    campaign = campaign_for_user(slug, "manage")
    if ConfirmForm().validate_on_submit():
        n = delete_test_participants(db.session, campaign, current_user.email)
        flash(_("Deleted %(n)d test participant(s) and their answers.", n=n), "info")
    return redirect(url_for(".design", slug=slug), code=303)


# --- invite codes ----------------------------------------------------------------


def _invites_page(campaign, create=None, revoke=None, status=200):
    return render_template(
        "campaigns/invites.html", c=campaign, counts=invite_counts(db.session, campaign),
        invites=recent_invites(db.session, campaign), limit=LIST_LIMIT,
        create=create or CreateInvitesForm(formdata=None),
        revoke=revoke or RevokeInviteForm(formdata=None), confirm=ConfirmForm(formdata=None),
        may_manage=can(current_user, "manage", campaign),
    ), status


@login_required
def invites(slug: str):
    return _invites_page(campaign_for_user(slug, "view"))


@login_required
def create_invites_csv(slug: str):
    """Make N codes and answer with their CSV: the only time the codes are shown."""
    campaign = campaign_for_user(slug, "manage")
    form = CreateInvitesForm()
    if not form.validate_on_submit():
        return _invites_page(campaign, create=form, status=400)
    try:
        codes = create_invites(db.session, campaign, form.n.data, current_user.email)
    except CampaignError as exc:
        db.session.rollback()
        form.n.errors = [*form.n.errors, str(exc)]
        return _invites_page(campaign, create=form, status=400)
    base = current_app.config.get("PARLEY_BASE_URL") or request.url_root
    text = invites_csv(db.session, campaign, codes, base)
    db.session.commit()
    response = current_app.response_class(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}-invites.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@login_required
def revoke_invite(slug: str):
    """Revoke one code, given as the code itself or as its invite id from the list."""
    campaign = campaign_for_user(slug, "manage")
    form = RevokeInviteForm()
    if form.validate_on_submit() and (form.code.data or form.invite_id.data):
        if form.invite_id.data:
            n = revoke_invites(db.session, campaign, current_user.email, ids=[form.invite_id.data])
        else:
            n = revoke_invites(db.session, campaign, current_user.email, codes=[form.code.data])
        db.session.commit()
        if n:
            flash(_("Code revoked: it can no longer start anyone."), "info")
            return redirect(url_for(".invites", slug=slug), code=303)
        form.code.errors = [_("No unused code matches: it may be used, revoked or mistyped.")]
    elif not form.errors:
        form.code.errors = [_("Enter the code to revoke.")]
    return _invites_page(campaign, revoke=form, status=400)


@login_required
def revoke_all_invites(slug: str):
    campaign = campaign_for_user(slug, "manage")
    if ConfirmForm().validate_on_submit():
        n = revoke_invites(db.session, campaign, current_user.email)
        db.session.commit()
        flash(_("Revoked %(n)d unused code(s).", n=n), "info")
    return redirect(url_for(".invites", slug=slug), code=303)


# --- follow-up wave ---------------------------------------------------------------


def _followup_page(campaign, links=None, status=200):
    return render_template(
        "campaigns/followup.html", c=campaign, counts=followup_counts(db.session, campaign),
        links=links or FollowupLinksForm(formdata=None), confirm=ConfirmForm(formdata=None),
        may_manage=can(current_user, "manage", campaign),
    ), status


@login_required
def followup(slug: str):
    return _followup_page(campaign_for_user(slug, "view"))


def _set_followup(slug: str, status: str, done: str):
    campaign = campaign_for_user(slug, "manage")
    if ConfirmForm().validate_on_submit():
        try:
            set_followup_status(db.session, campaign, status, current_user.email)
        except CampaignError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(done, "info")
    return redirect(url_for(".followup", slug=slug), code=303)


@login_required
def open_followup(slug: str):
    return _set_followup(slug, "open", _("The follow-up wave is open: its links work."))


@login_required
def close_followup(slug: str):
    return _set_followup(slug, "closed", _("The follow-up wave is closed: its links stop working."))


@login_required
def followup_links_csv(slug: str):
    """Mint follow-up codes and answer with their CSV: the only time the codes are shown.

    The same function writes the file of ``parley followup links``; the
    invite_code column stays empty here (the CLI can match an invites CSV).
    """
    campaign = campaign_for_user(slug, "manage")
    form = FollowupLinksForm()
    if not form.validate_on_submit():
        return _followup_page(campaign, links=form, status=400)
    base = current_app.config.get("PARLEY_BASE_URL") or request.url_root
    out = io.StringIO()
    write_links_csv(db.session, campaign, out, base, current_user.email, renew=form.renew.data)
    db.session.commit()
    response = current_app.response_class(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}-followup.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
