"""Participant-facing wording of answer errors, translated at request time.

The survey package raises errors as codes (it knows nothing of languages of
the interface); this is the one place that turns them into sentences.
"""

from flask_babel import gettext as _

from surveys import AnswerError, Item

__all__ = ["answer_error_message", "required_message"]


def answer_error_message(error: AnswerError) -> str:
    p = error.params
    messages = {
        "one_answer": lambda: _("Choose only one answer."),
        "invalid_choice": lambda: _("Choose one of the answers shown."),
        "not_a_number": lambda: _("Enter a number, like 25."),
        "whole_number": lambda: _("Enter a whole number, like 25."),
        "out_of_range": lambda: _("Enter a number from %(min)s to %(max)s.", **p),
        "too_many_choices": lambda: _("Choose at most %(max)s answers.", **p),
        "ranking_incomplete": lambda: _(
            "Give each option a different rank from 1 to %(n)s.", **p
        ),
        "too_long": lambda: _("Your answer must be %(max)s characters or fewer.", **p),
    }
    return messages.get(error.code, lambda: _("Check this answer."))()


def required_message(item: Item) -> str:
    widget = item.kind.widget
    if widget in ("radios", "scale"):
        return _("Select an answer.")
    if widget == "checkboxes":
        return _("Select at least one answer.")
    if widget == "number":
        return _("Enter a number.")
    if widget == "ranking":
        return _("Rank all the options.")
    return _("Enter an answer.")
