"""A card's page (the participant journey's ``card:<n>`` steps).

What a card shows depends on the participant's own deal, so a fresh card
page is kept by the card it shows (app/participant/step_page.py), never by
participant; one with errors or sent values is rendered anew.
"""

from __future__ import annotations

from flask import g, render_template, request
from flask_babel import gettext as _

from app.exchange.cards import (
    PAIR_CHOICES,
    ShownCard,
    card_for,
    pair_for,
    parse_card,
    save_card,
    save_pair,
)
from app.extensions import db

__all__ = ["render_card", "render_pair", "error_messages", "card_submission"]


def error_messages() -> dict[str, str]:
    """The card's error messages, in the request's language."""
    return {
        "fair": _("Choose Yes, Somewhat, No or Skip this one."),
        "agree": _("Choose one of the answers, or none."),
        "report": _("Choose one of the reasons, or none."),
    }


def render_card(campaign, participant, step, card: ShownCard, done: int, total: int,
                form, errors=(), sent=None) -> str:
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
    )


def render_pair(campaign, participant, step, done: int, total: int, form) -> str:
    """A pairwise choice: which of two arguments helps more to understand a proposal."""
    pair = pair_for(db.session, campaign, participant, step.position)
    title = (g.survey.module(pair.proposal).title[participant.language]
             if pair.proposal is not None else None)
    return render_template(
        "exchange/pair.html", campaign=campaign, step=step, pair=pair, done=done, total=total,
        pairs=g.survey.exchange.pairs, proposal_title=title, form=form,
        errors=list(getattr(form, "card_errors", ())),
        sent=getattr(form, "card_sent", {}).get("chosen", ""),
        message=_("Choose one of the two, or neither."),
    )


def card_submission(participant, step, form):
    """(form, also) for a card's (or pair's) POST: the parsed answer's errors and sent
    values go on the form (for the page again, status 400); ``also`` saves it in the claim."""
    if step.kind == "pair":
        pair = pair_for(db.session, g.campaign, participant, step.position)
        chosen = request.form.get("chosen", "")
        form.card_sent = {"chosen": chosen}
        form.card_errors = ["chosen"] if pair.left is not None and chosen not in PAIR_CHOICES \
            else []
        if form.card_errors:
            return form, None
        participant_id = participant.id
        return form, lambda session, now: save_pair(session, participant_id, pair, chosen, now)
    card = card_for(db.session, participant, step.position)
    answer, errors = parse_card(request.form, card)
    form.card_errors = errors
    form.card_sent = {k: request.form.get(k, "") for k in ("fair", "agree", "report")}
    if answer is None:
        return form, None
    participant_id = participant.id
    return form, lambda session, now: save_card(session, participant_id, card, answer, now)
