"""Campaign pages: the dashboard, one campaign's page and its status.

Thin: who may look is app.accounts.permissions, the status rules are
operations.set_status, the counts are counts.py (the monitor shows the same).
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.accounts.forms import PlainForm
from app.accounts.permissions import campaign_for_user, can, visible_campaigns
from app.accounts.views import member_form, members_of
from app.campaigns.counts import arm_balance, funnel
from app.campaigns.forms import PanelMatchForm, StatusForm, status_form
from app.campaigns.links import study_links
from app.campaigns.operations import TRANSITIONS, CampaignError, set_status
from app.campaigns.settings import SETTINGS_ACTION
from app.extensions import db
from app.models import AuditEvent

#: Audit actions shown as the campaign's change history (design and settings).
HISTORY_ACTIONS = ("campaign.design", SETTINGS_ACTION)


@login_required
def dashboard():
    if current_user.role == "moderator":  # a moderator sees only moderation queues
        return redirect(url_for("exchange_admin.queues"))
    campaigns = db.session.scalars(visible_campaigns(current_user)).all()
    return render_template(
        "campaigns/dashboard.html",
        rows=[(c, funnel(db.session, c)) for c in campaigns],
    )


@login_required
def campaign(slug: str):
    c = campaign_for_user(slug, "view")
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.campaign_id == c.id).order_by(AuditEvent.at.desc())
        .limit(50)
    ).all()
    history = [e for e in events if e.action in HISTORY_ACTIONS]
    members = None
    if can(current_user, "own", c):
        members = members_of(db.session, c)
    return render_template(
        "campaigns/campaign.html", c=c, f=funnel(db.session, c), arms=arm_balance(db.session, c),
        events=events, history=history, form=status_form(c.status, TRANSITIONS),
        links=study_links(c, current_app.config.get("PARLEY_BASE_URL") or request.url_root),
        may_manage=can(current_user, "manage", c), members=members,
        member_form=member_form(db.session, c) if members is not None else None,
        plain=PlainForm(), match_form=PanelMatchForm(formdata=None),
    )


@login_required
def change_status(slug: str):
    c = campaign_for_user(slug, "manage")
    form = status_form(c.status, TRANSITIONS)
    if not form.validate_on_submit():
        flash(_("A %(status)s campaign cannot change to that status.", status=c.status), "error")
    elif form.status.data in StatusForm.CONFIRM and not form.confirm.data:
        flash(_("Nothing changed: tick the box to confirm closing or archiving."), "error")
    else:
        try:
            set_status(db.session, c, form.status.data, current_user.email)
            db.session.commit()
            flash(_("Campaign is now %(status)s.", status=c.status), "info")
        except CampaignError as exc:
            db.session.rollback()
            flash(str(exc), "error")
    return redirect(url_for(".campaign", slug=slug), code=303)
