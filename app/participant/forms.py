"""Forms for participant pages, built from the survey's items.

One WTForms field class serves every item type: it collects the raw
submitted strings and lets the item's type (surveys.item_types) decide what
they mean. Flask-WTF adds the CSRF token. Field names are ``q_<item id>`` so
no item id can collide with a form attribute.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, StringField
from wtforms.validators import DataRequired, StopValidation

from app.participant.messages import answer_error_message, required_message
from surveys import AnswerError, Item, Page

__all__ = ["ItemField", "page_form", "ConsentForm", "ResumeForm", "ConfirmForm", "FollowupCodeForm",
           "field_name", "parsed_answers"]


def field_name(item_id: str) -> str:
    return f"q_{item_id}"


class ItemField(Field):
    """A survey item as a form field; ``answer`` holds the parsed answer after validation."""

    def __init__(self, label=None, validators=None, *, item: Item, lang: str, **kwargs):
        super().__init__(label or item.text[lang], validators, **kwargs)
        self.item = item
        self.lang = lang
        self.raw: list[str] = []
        self.answer = None

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors = []
        self.raw = []
        if formdata is None:
            return
        self.raw = self.item.kind.raw_values(self.item, self.name, formdata.getlist)
        self.raw_data = self.raw

    def pre_validate(self, form):
        try:
            self.answer = self.item.kind.parse(self.item, self.raw)
        except AnswerError as exc:
            raise StopValidation(answer_error_message(exc)) from None
        if self.answer is None and self.item.required:
            raise StopValidation(required_message(self.item))

    def submitted(self, key: str = "") -> str | list[str]:
        """What the participant sent, to show it again next to an error.

        ``key`` reads one of several ``key=value`` raw strings (a ranking's
        rank of one option); types that send several values get the list.
        """
        if key:
            return dict(r.partition("=")[::2] for r in self.raw).get(key, "")
        if self.item.kind.many_values:
            return self.raw
        return self.raw[0] if self.raw else ""


#: Form classes by (survey version, page, its items, language): building one costs more
#: than filling it, and a version's pages never change.
_FORM_CLASSES: dict[tuple[str, str, str], type[FlaskForm]] = {}
_FORM_CLASSES_MAX = 1024


def page_form(page: Page, items, lang: str, formdata=None, *, version: str | None = None
              ) -> FlaskForm:
    """A form for ``page`` in ``lang``, instantiated on ``formdata``.

    With the survey's ``version`` the form class is built once per process
    and reused (the version is a hash of the survey files, so it names the
    items exactly); without it a new class is built.
    """
    # the items too: a page narrowed by display conditions is a form of its own
    key = (version, page.id, page.items, lang) if version else None
    form_class = _FORM_CLASSES.get(key) if key else None
    if form_class is None:
        fields = {field_name(i): ItemField(item=items[i], lang=lang) for i in page.items}
        form_class = type("PageForm", (FlaskForm,), fields)
        if key:
            if len(_FORM_CLASSES) >= _FORM_CLASSES_MAX:
                _FORM_CLASSES.clear()
            _FORM_CLASSES[key] = form_class
    return form_class(formdata=formdata)


def parsed_answers(page: Page, items, formdata) -> dict | None:
    """The page's answers as its form would parse them (item id -> parsed answer or None),
    or None when any answer is refused or a required one is missing.

    The same steps as :class:`ItemField` (the item type's ``raw_values`` and
    ``parse``, then ``required``) without building a form: a save that is
    accepted needs no form, and one that is refused builds it
    (:func:`page_form`), which finds the same problems and shows them. The
    CSRF token is not checked here: the app checks it on every POST
    (``CSRFProtect``), before any view runs.
    """
    answers = {}
    for item_id in page.items:
        item = items[item_id]
        raw = item.kind.raw_values(item, field_name(item_id), formdata.getlist)
        try:
            answer = item.kind.parse(item, raw)
        except AnswerError:
            return None
        if answer is None and item.required:
            return None
        answers[item_id] = answer
    return answers


class ConsentForm(FlaskForm):
    agree = BooleanField(
        _l("I have read the information above and agree to take part"),
        validators=[DataRequired(_l("Tick the box to agree before you start."))],
    )


class ResumeForm(FlaskForm):
    code = StringField(
        _l("Resume code"),
        validators=[DataRequired(_l("Enter the resume code you were given."))],
    )


class FollowupCodeForm(FlaskForm):
    code = StringField(
        _l("Follow-up code"),
        validators=[DataRequired(_l("Enter the follow-up code you were sent."))],
    )


class ConfirmForm(FlaskForm):
    """A bare form: a button and its CSRF token (reading pages, withdraw)."""
