"""The participant's side of the exchange outside the journey: seeing and withdrawing
what they wrote. Views parse and render; ``operations`` decides and writes.
"""

from __future__ import annotations

from flask import abort, g, render_template, request

from app.exchange import operations as ops
from app.extensions import db
from app.models import Campaign, Participant
from app.participant.forms import ConfirmForm
from app.participant.lookup import visit
from app.web.database import reads_first

__all__ = ["statement", "own_statements"]

COOKIE = "parley_{slug}"


def _here(slug: str) -> tuple[Campaign, Participant | None]:
    """The campaign and the participant of the resume cookie (as the journey's views)."""
    found = visit(db.session, slug, request.cookies.get(COOKIE.format(slug=slug), ""))
    if found.found is None:
        abort(404)
    campaign = db.session.merge(found.found.campaign, load=False)
    participant = found.participant
    if campaign.status == "draft" and (participant is None or not participant.is_test):
        abort(404)
    g.campaign, g.survey = campaign, found.found.survey
    if participant is not None:
        g.participant, g.lang = participant, participant.language
    return campaign, participant


@reads_first
def statement(slug: str):
    """GET: what the participant wrote for the exchange; POST: withdraw it."""
    campaign, participant = _here(slug)
    if participant is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        ops.withdraw_statements(db.session, participant.id)
        return render_template("exchange/statement_withdrawn.html", campaign=campaign)
    statements = ops.live_statements(db.session, participant.id)
    return render_template("exchange/statement.html", campaign=campaign, form=form,
                           statements=statements)


def own_statements() -> bool:
    """For the thanks page: whether the participant on this page has a statement to withdraw."""
    participant = g.get("participant")
    if participant is None:
        return False
    return bool(ops.live_statements(db.session, participant.id))
