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
    """The message for a required item left empty; its type names the message."""
    messages = {
        "select_answer": lambda: _("Select an answer."),
        "select_some": lambda: _("Select at least one answer."),
        "enter_number": lambda: _("Enter a number."),
        "rank_all": lambda: _("Rank all the options."),
    }
    return messages.get(item.kind.required_message, lambda: _("Enter an answer."))()
