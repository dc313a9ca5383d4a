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

__all__ = ["ItemField", "page_form", "ConsentForm", "ResumeForm", "ConfirmForm", "field_name"]


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
        if self.item.type == "ranking":
            self.raw = [
                f"{o.id}={formdata.get(f'{self.name}__{o.id}', '')}" for o in self.item.options
            ]
        else:
            self.raw = formdata.getlist(self.name)
        self.raw_data = self.raw

    def pre_validate(self, form):
        try:
            self.answer = self.item.kind.parse(self.item, self.raw)
        except AnswerError as exc:
            raise StopValidation(answer_error_message(exc)) from None
        if self.answer is None and self.item.required:
            raise StopValidation(required_message(self.item))

    def submitted(self, option_id: str = "") -> str | list[str]:
        """What the participant sent, to show it again next to an error."""
        if self.item.type == "ranking":
            pairs = dict(r.partition("=")[::2] for r in self.raw)
            return pairs.get(option_id, "")
        if self.item.kind.widget == "checkboxes":
            return self.raw
        return self.raw[0] if self.raw else ""


def page_form(page: Page, items, lang: str, formdata=None) -> FlaskForm:
    """A form class for ``page`` in ``lang``, instantiated on ``formdata``."""
    fields = {field_name(i): ItemField(item=items[i], lang=lang) for i in page.items}
    form_class = type("PageForm", (FlaskForm,), fields)
    return form_class(formdata=formdata)


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


class ConfirmForm(FlaskForm):
    """A bare form: a button and its CSRF token (reading pages, withdraw)."""
