"""A card's page (the participant journey's ``card:<n>`` steps): rendered per participant.

Never cached: what a card shows depends on the participant's own deal.
"""

from __future__ import annotations

from flask import g, render_template, request
from flask_babel import gettext as _

from app.exchange.cards import ShownCard, card_for, parse_card, save_card
from app.extensions import db

__all__ = ["render_card", "error_messages", "card_submission"]


def error_messages() -> dict[str, str]:
    """The card's error messages, in the request's language."""
    return {
        "fair": _("Choose Yes, Somewhat, No or Skip this one."),
        "agree": _("Choose one of the answers, or none."),
        "report": _("Choose one of the reasons, or none."),
    }


def render_card(campaign, participant, step, card: ShownCard, done: int, total: int,
                form, errors=(), sent=None) -> str:  # fmt: skip
    """The card page: the statement, the fair and agree questions, the report disclosure."""
    lang = participant.language
    proposal = None
    if card.proposal is not None and any(m.id == card.proposal for m in g.survey.modules):
        proposal = g.survey.module(card.proposal).title[lang]
    return render_template(
        "exchange/card.html", campaign=campaign, step=step, card=card, done=done, total=total,
        cards=g.survey.exchange.cards, placebo=step.module == "exchange_placebo",
        proposal_title=proposal, seed=card.seed, form=form, errors=list(errors),
        messages=error_messages(), sent=sent or {"fair": "", "agree": "", "report": ""},
    )  # fmt: skip


def card_submission(participant, step, form):
    """(form, also) for a card's POST: the parsed answer's errors and sent values go on
    the form (for the page again, status 400); ``also`` saves the rating in the claim."""
    card = card_for(db.session, participant, step.position)
    answer, errors = parse_card(request.form, card)
    form.card_errors = errors
    form.card_sent = {k: request.form.get(k, "") for k in ("fair", "agree", "report")}
    if answer is None:
        return form, None
    participant_id = participant.id
    return form, lambda session, now: save_card(session, participant_id, card, answer, now)
