"""Forms of the exchange: a moderation decision (CSRF with every form)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import AnyOf

from app.models import REASONS

__all__ = ["DecisionForm", "REASON_LABELS"]

#: What each rejection reason code means, as the queue shows it.
REASON_LABELS = {
    "incivility": "Incivility (insults, contempt, threats)",
    "personal_data": "Personal data (names, contacts, anything identifying)",
    "off_topic": "Off topic",
    "spam": "Spam or advertising",
    "duplicate": "Duplicate of another statement",
    "not_argument": "Not an argument",
}


class DecisionForm(FlaskForm):
    """Approve, or reject with a reason code; the text itself can never be edited."""

    decision = StringField("Decision", validators=[AnyOf(["approve", "reject"])])
    #: The labels are ``REASON_LABELS``, shown by the template; the reason is
    #: checked by ``moderation.decide`` (it may be absent when approving).
    reason = SelectField("Reason", choices=["", *REASONS], validate_choice=False)
