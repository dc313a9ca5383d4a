"""The moderation queue in the browser (managers, owners and moderators).

Views parse and render; ``moderation`` decides and writes. A moderator is a
member of a campaign with the ``moderator`` role: the queue is all they see.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.accounts.permissions import ACTIONS, campaign_for_user, visible_campaigns
from app.exchange import moderation
from app.exchange.forms import REASON_LABELS, DecisionForm
from app.extensions import db
from app.models import Statement

__all__ = ["queues", "queue", "decide"]


@login_required
def queues():
    """The campaigns whose queue the signed-in person may moderate, with what waits."""
    if current_user.role not in ACTIONS["moderate"]:
        abort(403)
    campaigns = db.session.scalars(visible_campaigns(current_user)).all()
    waiting = dict(db.session.execute(
        select(Statement.campaign_id, func.count())
        .where(Statement.status.in_(moderation.WAITING), Statement.participant_id.is_not(None))
        .group_by(Statement.campaign_id)
    ).all()) if campaigns else {}
    return render_template("exchange/queues.html",
                           rows=[(c, waiting.get(c.id, 0)) for c in campaigns])


@login_required
def queue(slug: str):
    """Statements waiting, riskiest first, each with Approve and Reject (with a reason)."""
    campaign = campaign_for_user(slug, "moderate")
    entries = moderation.queue(db.session, campaign, current_user)
    db.session.commit()  # ends the page's read transaction (triage committed its own write)
    return render_template("exchange/queue.html", campaign=campaign, entries=entries,
                           form=DecisionForm(), reasons=REASON_LABELS)


@login_required
def decide(slug: str, statement_id: int):
    """POST: record one decision, audited, then back to the queue."""
    campaign = campaign_for_user(slug, "moderate")
    form = DecisionForm()
    if not form.validate_on_submit():
        flash("Choose Approve, or a reason and Reject.", "error")
        return redirect(url_for(".queue", slug=slug)), 303
    try:
        recorded = moderation.decide(db.session, campaign, statement_id, form.decision.data,
                                     form.reason.data or None, current_user)
    except moderation.ModerationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".queue", slug=slug)), 303
    db.session.commit()
    flash(f"Statement {statement_id}: {recorded}.", "info")
    return redirect(url_for(".queue", slug=slug)), 303
