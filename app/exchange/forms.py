"""Forms of the exchange: a moderation decision, freezing a display set (CSRF with every form)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import AnyOf, InputRequired, NumberRange

from app.models import REASONS

__all__ = ["DecisionForm", "FreezeForm", "REASON_LABELS"]

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


class FreezeForm(FlaskForm):
    """Freeze a display set: every approved statement with enough ratings, of this
    campaign or of an earlier campaign of the same survey (a seeding pilot)."""

    #: Its choices (this campaign, then the earlier campaigns of the same survey
    #: the signed-in person may see) are set by the view.
    source = SelectField("Statements and ratings from", default="")
    min_ratings = IntegerField("Fewest ratings a statement needs", default=80,
                               validators=[InputRequired("Give a number of ratings."),
                                           NumberRange(1, 1_000_000)])
