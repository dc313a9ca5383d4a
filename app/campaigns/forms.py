"""Forms of the campaign pages (Flask-WTF: every one carries and checks a CSRF token).

The design form is built per survey (one ratio per arm, one screening rule
per about-you question, its options in the quota conditions) and converts
between the campaign's design (``app.campaigns.design``) and form fields in
:func:`design_data` and :func:`design_changes`. No JavaScript is needed:
quotas are rows, with a few empty rows to add more after each save.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.campaigns.design import COMPLETION_KEYS, MAX_ARM_WEIGHT
from app.models import Campaign
from surveys import Item, Survey

__all__ = ["StatusForm", "UploadSurveyForm", "NewCampaignForm", "design_form", "design_data",
           "design_changes", "PreviewForm", "ConfirmForm",
           "CreateInvitesForm", "RevokeInviteForm", "FollowupLinksForm", "PanelMatchForm",
           "screening_items", "choices", "OUTCOME_LABELS", "ACCESS_LABELS",
           "EMPTY_QUOTA_ROWS"]

#: Empty quota rows shown after the existing ones (save to get more).
EMPTY_QUOTA_ROWS = 3
TIME_FORMAT = "%Y-%m-%dT%H:%M"

ACCESS_LABELS = {
    "open": _l("Open link: anyone with the link can take part"),
    "invite": _l("Invite codes: each personal code starts one participant"),
    "prolific": _l("Prolific (PROLIFIC_PID, STUDY_ID, SESSION_ID)"),
    "mturk": _l("MTurk / CloudResearch (workerId, assignmentId, hitId)"),
    "panel": _l("Other panel: a link parameter carries the panel's id"),
}
OUTCOME_LABELS = {
    "completed": _l("Completed"),
    "screened_out": _l("Screened out"),
    "over_quota": _l("Over quota"),
    "failed_attention": _l("Failed attention check"),
    "declined": _l("Declined consent"),
    "followup": _l("Follow-up finished"),
}


class StatusForm(FlaskForm):
    status = SelectField(
        _l("New status"),
        choices=["open", "paused", "closed", "archived"],
    )
    confirm = BooleanField(_l("Yes, close or archive it (closing takes no one new; an archived "
                              "campaign can never open again)"))

    #: Statuses that need the confirmation ticked.
    CONFIRM = ("closed", "archived")


def status_form(current: str, transitions: dict) -> StatusForm:
    """The status form offering only the changes allowed from ``current`` (issue 19)."""
    form = StatusForm()
    order = ["open", "paused", "closed", "archived"]
    form.status.choices = [s for s in order if s in transitions[current]]
    return form


class UploadSurveyForm(FlaskForm):
    archive = FileField(
        _l("Survey zip"),
        description=_l("A zip of a survey folder: survey.toml and its Markdown texts."),
        validators=[FileRequired(_l("Choose a zip file to upload."))],
    )


class NewCampaignForm(FlaskForm):
    survey = SelectField(_l("Survey"), validators=[DataRequired(_l("Choose a survey."))])
    slug = StringField(
        _l("Link name"),
        description=_l("Lowercase letters, digits and hyphens; participants see it in the "
                       "link /c/<name>/."),
        validators=[
            DataRequired(_l("Give the campaign a link name.")),
            Regexp(r"^[a-z0-9][a-z0-9-]{1,62}$",
                   message=_l("Use 2 to 63 lowercase letters, digits or hyphens.")),
        ],
    )
    title = StringField(
        _l("Internal name"),
        description=_l("Optional: defaults to the survey's title. Only your team sees it; "
                       "participants see the survey's own title in their language."),
        validators=[Optional(), Length(max=200)],
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _DesignForm(FlaskForm):
    title = StringField(
        _l("Internal name"),
        description=_l("Only your team sees it; participants see the survey's own title in "
                       "their language."),
        validators=[DataRequired(_l("Give the campaign a title.")), Length(max=200)],
    )
    languages = MultiCheckboxField(
        _l("Languages"), description=_l("The first ticked language is the default.")
    )
    block_size = IntegerField(
        _l("Block size"),
        description=_l("Participants per permuted block: a multiple of the ratios' sum."),
        validators=[InputRequired(_l("Give a block size.")), NumberRange(1, 1000)],
    )
    seed = StringField(
        _l("Seed"),
        description=_l("With the seed, every allocation can be reproduced. It can be changed "
                       "only while the campaign is a draft."),
        validators=[DataRequired(_l("Give a seed.")), Length(max=64)],
    )
    rebalance_dropouts = BooleanField(
        _l("Balance arms among completers"),
        description=_l("A new participant takes the arm of someone who dropped out "
                       "(see docs/randomisation.md)."),
    )
    abandon_after_minutes = IntegerField(
        _l("Minutes of inactivity after which a participant counts as dropped out"),
        validators=[InputRequired(_l("Give a number of minutes.")), NumberRange(5, 43200)],
    )
    strata = MultiCheckboxField(
        _l("Stratify by"),
        description=_l("Arms are balanced within each combination of these answers "
                       "(allocation then happens after the about-you page)."),
    )
    access = SelectField(_l("Access"))
    panel_id_param = StringField(
        _l("Panel id parameter"),
        description=_l("Only for another panel: the name of the link parameter that carries "
                       "the panel's participant id, for example pid."),
        validators=[Optional(), Length(max=64)],
    )
    panel_redirect = StringField(
        _l("Panel return link"),
        description=_l("Where a finished participant goes back to; {code} and {id} are filled "
                       "in. Leave empty for the preset's (Prolific: its completion page)."),
        validators=[Optional(), Length(max=500)],
    )
    panel_label = StringField(_l("Panel name"), validators=[Optional(), Length(max=60)])
    end_on_failed_attention = BooleanField(
        _l("End the survey for a participant who fails an attention check")
    )
    opens_at = DateTimeLocalField(
        _l("Opens at (UTC)"), format=TIME_FORMAT, validators=[Optional()],
        description=_l("Optional: an open campaign takes participants only from this time."),
    )
    closes_at = DateTimeLocalField(
        _l("Closes at (UTC)"), format=TIME_FORMAT, validators=[Optional()],
        description=_l("Optional: after this time the campaign takes no one new."),
    )
    target_n = IntegerField(
        _l("Target number of completed participants"),
        description=_l("Optional: the campaign stops taking new participants once reached."),
        validators=[Optional(), NumberRange(1, 10_000_000)],
    )
    show_results = BooleanField(
        _l("Show running results to participants on the thanks page"),
        description=_l("Off unless you need it: results seen at the end can change answers "
                       "in a follow-up wave, tell participants what share of people hold a "
                       "view (which estimate questions ask them to guess), and reveal the "
                       "study's design to people who may take part again."),
    )
    results_min_completed = IntegerField(
        _l("Completed participants before the thanks page shows results"),
        validators=[InputRequired(_l("Give a number.")), NumberRange(1, 1_000_000)],
    )


def screening_items(survey: Survey) -> list[Item]:
    """About-you questions with one answer from a list: what screening, quotas and strata use."""
    return [
        i for i in survey.items.values()
        if i.kind.role == "screening" and "profile" in survey.phases_of(i.id)
    ]


def choices(pairs) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


def _condition_choices(survey: Survey, lang: str = "en") -> list[SelectChoice]:
    pairs = [("", "—")]
    pairs += [(f"arm={a.id}", f"arm = {a.id}") for a in survey.arms]
    for item in screening_items(survey):
        for o in item.options:
            label = o.label.get(lang) or next(iter(o.label.values()), o.id)
            pairs.append((f"{item.id}={o.id}", f"{item.id} = {o.id} ({label})"))
    return choices(pairs)


def design_form(survey: Survey, n_quotas: int, formdata=None, data: dict | None = None):
    """The design form of a campaign on ``survey`` with rows for ``n_quotas`` quotas."""
    fields = {}
    for arm in survey.arms:
        fields[f"weight_{arm.id}"] = IntegerField(
            arm.id,
            validators=[InputRequired(_l("Give a ratio (0 leaves the arm out).")),
                        NumberRange(0, MAX_ARM_WEIGHT)],
        )
    for outcome in COMPLETION_KEYS:
        fields[f"code_{outcome}"] = StringField(
            _l("Code"), validators=[Optional(), Length(max=64)]
        )
        fields[f"redirect_{outcome}"] = StringField(
            _l("Redirect"), validators=[Optional(), Length(max=500)]
        )
    items = screening_items(survey)
    for item in items:
        fields[f"screen_{item.id}_mode"] = SelectField(
            _l("Rule"),
            choices=choices([("", _l("No rule")),
                             ("allow", _l("Only these answers may take part")),
                             ("deny", _l("These answers are screened out"))]),
        )
        fields[f"screen_{item.id}_options"] = MultiCheckboxField(
            _l("Answers"), choices=choices((o.id, o.id) for o in item.options)
        )
    conditions = _condition_choices(survey)
    for n in range(n_quotas + EMPTY_QUOTA_ROWS):
        fields[f"quota_{n}_name"] = StringField(_l("Name"), validators=[Optional()])
        fields[f"quota_{n}_cap"] = IntegerField(_l("Places"),
                                                validators=[Optional(), NumberRange(0)])
        fields[f"quota_{n}_c1"] = SelectField(_l("Condition"), choices=conditions)
        fields[f"quota_{n}_c2"] = SelectField(_l("And condition"), choices=conditions)
    form_class = type("DesignForm", (_DesignForm,), fields)
    form = form_class(formdata=formdata, data=data)
    form.languages.choices = choices((lang, lang) for lang in survey.languages)
    form.strata.choices = choices((i.id, i.id) for i in items)
    form.access.choices = choices(ACCESS_LABELS.items())
    form.n_quotas = n_quotas + EMPTY_QUOTA_ROWS
    form.quota_base = n_quotas
    form.survey_items = items
    form.survey = survey
    form.screen_rules = []
    return form


def _local(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC).replace(tzinfo=None) if value else None


def design_data(campaign: Campaign, survey: Survey) -> dict:
    """The campaign's design as form data."""
    panel = campaign.panel or {}
    data = {
        "title": campaign.title, "languages": list(campaign.languages),
        "block_size": campaign.block_size, "seed": campaign.seed,
        "rebalance_dropouts": campaign.rebalance_dropouts,
        "abandon_after_minutes": campaign.abandon_after_minutes,
        "results_min_completed": campaign.results_min_completed,
        "show_results": campaign.show_results,
        "strata": list(campaign.strata or []), "access": campaign.access,
        "panel_id_param": panel.get("id_param", ""), "panel_redirect": panel.get("redirect", ""),
        "panel_label": panel.get("label", ""),
        "end_on_failed_attention": campaign.end_on_failed_attention,
        "opens_at": _local(campaign.opens_at), "closes_at": _local(campaign.closes_at),
        "target_n": campaign.target_n,
    }
    weights = campaign.arm_weights or {a.id: a.weight for a in survey.arms}
    for arm in survey.arms:
        data[f"weight_{arm.id}"] = weights.get(arm.id, 0)
    for outcome in COMPLETION_KEYS:
        spec = (campaign.completion or {}).get(outcome) or {}
        data[f"code_{outcome}"] = spec.get("code") or ""
        data[f"redirect_{outcome}"] = spec.get("redirect") or ""
    for rule in campaign.screening or []:
        mode = "allow" if "allow" in rule else "deny"
        data[f"screen_{rule['item']}_mode"] = mode
        data[f"screen_{rule['item']}_options"] = list(rule[mode])
    for n, quota in enumerate(campaign.quotas or []):
        conditions = [f"{k}={v}" for k, v in quota["conditions"].items()] + ["", ""]
        data.update({f"quota_{n}_name": quota["name"], f"quota_{n}_cap": quota["cap"],
                     f"quota_{n}_c1": conditions[0], f"quota_{n}_c2": conditions[1]})
    return data


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value else None


def design_changes(form, survey: Survey) -> dict:
    """The design the form describes, as ``update_design`` takes it."""
    access = form.access.data
    panel = None
    if access in ("prolific", "mturk", "panel"):
        panel = {
            "id_param": (form.panel_id_param.data or "").strip() if access == "panel" else None,
            "redirect": (form.panel_redirect.data or "").strip() or None,
            "label": (form.panel_label.data or "").strip() or None,
        }
        panel = {k: v for k, v in panel.items() if v is not None} or None
    completion = {}
    for outcome in COMPLETION_KEYS:
        code = (form[f"code_{outcome}"].data or "").strip() or None
        redirect = (form[f"redirect_{outcome}"].data or "").strip() or None
        if code or redirect:
            completion[outcome] = {"code": code, "redirect": redirect}
    screening = []
    for item in form.survey_items:
        mode = form[f"screen_{item.id}_mode"].data
        if mode:
            options = list(form[f"screen_{item.id}_options"].data or [])
            screening.append({"item": item.id, mode: options})
    form.screen_rules = [rule["item"] for rule in screening]
    quotas = []
    for n in range(form.n_quotas):
        name = (form[f"quota_{n}_name"].data or "").strip()
        cap = form[f"quota_{n}_cap"].data
        picked = [form[f"quota_{n}_c{k}"].data for k in (1, 2)]
        if not name and cap is None and not any(picked):
            continue  # an empty row
        conditions = dict(c.split("=", 1) for c in picked if c)
        quotas.append({"name": name, "cap": cap, "conditions": conditions})
    return {
        "title": form.title.data.strip(),
        "languages": [lang for lang in survey.languages if lang in (form.languages.data or [])],
        "arm_weights": {a.id: form[f"weight_{a.id}"].data for a in survey.arms},
        "block_size": form.block_size.data,
        "seed": form.seed.data.strip(),
        "rebalance_dropouts": form.rebalance_dropouts.data,
        "abandon_after_minutes": form.abandon_after_minutes.data,
        "results_min_completed": form.results_min_completed.data,
        "show_results": form.show_results.data,
        "strata": [i.id for i in form.survey_items if i.id in (form.strata.data or [])],
        "access": access,
        "panel": panel,
        "completion": completion,
        "end_on_failed_attention": form.end_on_failed_attention.data,
        "screening": screening,
        "quotas": quotas,
        "opens_at": _utc(form.opens_at.data),
        "closes_at": _utc(form.closes_at.data),
        "target_n": form.target_n.data,
    }


class CreateInvitesForm(FlaskForm):
    n = IntegerField(
        _l("How many codes"),
        description=_l("Each code starts one participant. The codes are shown only in the "
                       "CSV file you download now: keep it safe."),
        validators=[InputRequired(_l("Give a number of codes.")), NumberRange(1, 10_000)],
    )


class RevokeInviteForm(FlaskForm):
    code = StringField(
        _l("Code to revoke"), description=_l("For example ABCD-EFGH-JKMN-PQRS"),
        validators=[Optional(), Length(max=40)],
    )
    invite_id = IntegerField(validators=[Optional()])


class FollowupLinksForm(FlaskForm):
    renew = BooleanField(
        _l("New codes for every completer"),
        description=_l("Earlier follow-up links stop working. Without this, only completers "
                       "who have no link yet get one."),
    )


class PreviewForm(FlaskForm):
    arm = SelectField(_l("Arm"))
    language = SelectField(_l("Language"))


class ConfirmForm(FlaskForm):
    """A button and its CSRF token."""


class PanelMatchForm(FlaskForm):
    """The panel's submissions file to join with each participant's outcome (issue 19)."""

    submissions = FileField("The panel's submissions file (CSV)",
                            validators=[FileRequired("Choose the panel's CSV file.")])
    id_column = StringField("Column with the panel's participant id (leave empty to find it)",
                            validators=[Optional(), Length(max=200)])
