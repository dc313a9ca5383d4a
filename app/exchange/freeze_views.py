"""Freezing a display set in the browser: the same as ``parley exchange freeze``.

A manager freezes the statements treated participants will draw from: every
approved statement with enough ratings, from this campaign's seeding stage
or from an earlier campaign of the same survey (a seeding pilot) that the
manager may see. ``pools.freeze`` decides and writes (hash, source, audit).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.accounts.permissions import campaign_for_user, visible_campaigns
from app.exchange.forms import FreezeForm
from app.exchange.pools import PoolError, freeze, frozen_sets
from app.extensions import db
from app.models import Campaign

__all__ = ["freeze_page"]


def _sources(campaign: Campaign) -> list[Campaign]:
    """Earlier campaigns of the same survey the signed-in person may see."""
    query = visible_campaigns(current_user).where(Campaign.survey_id == campaign.survey_id,
                                                  Campaign.id != campaign.id)
    return list(db.session.scalars(query))


@login_required
def freeze_page(slug: str):
    """GET: the frozen sets and the control; POST: freeze one, audited, then back here."""
    campaign = campaign_for_user(slug, "manage")
    sources = _sources(campaign)
    form = FreezeForm()
    form.source.choices = [SelectChoice("", "This campaign"),
                           *(SelectChoice(c.slug, f"Earlier campaign {c.slug}: {c.title}")
                             for c in sources)]
    if form.validate_on_submit():
        source = next((c for c in sources if c.slug == form.source.data), None)
        try:
            frozen = freeze(db.session, campaign, min_ratings=form.min_ratings.data,
                            user=current_user, source=source)
        except PoolError as exc:
            db.session.rollback()
            flash(f"Nothing was frozen: {exc}.", "error")
        else:
            db.session.commit()
            flash(f"Display set frozen: sha256 {frozen.pool_version}.", "info")
            return redirect(url_for(".freeze_page", slug=slug), code=303)
    elif form.is_submitted():
        flash("Nothing was frozen: " + " ".join(
            e for field in (form.source, form.min_ratings) for e in field.errors), "error")
    status = 400 if form.is_submitted() else 200
    return render_template("exchange/freeze.html", campaign=campaign, form=form,
                           sets=frozen_sets(db.session, campaign)), status

