"""Admin views: thin wrappers over campaign operations and monitoring queries."""

from __future__ import annotations

import time

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select

from app.accounts.forms import PlainForm
from app.accounts.operations import authenticate, end_sessions
from app.accounts.permissions import campaign_for_user, can, visible_campaigns
from app.accounts.views import member_form, members_of, sign_in
from app.admin.forms import LoginForm, StatusForm
from app.audit import record_audit
from app.campaigns.operations import CampaignError, set_status
from app.extensions import db, limiter, login_manager
from app.models import AuditEvent, User
from app.monitor.figures import arm_balance, funnel


@login_manager.user_loader
def _load_user(session_token: str) -> User | None:
    """The session cookie names the account's session token, not its id (see User)."""
    user = db.session.scalar(select(User).where(User.session_token == session_token))
    return user if user is not None and user.active else None


@limiter.limit(lambda: current_app.config["PARLEY_LOGIN_LIMIT"], methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data, form.password.data)
        if user is not None and user.totp_secret:
            # Password right: the second factor decides (app.accounts.views.totp_verify).
            session["pending_user"] = (user.session_token, time.time())
            db.session.commit()  # a rehashed password
            return redirect(url_for("accounts.totp_verify"))
        if user is not None:
            sign_in(user, "password")
            return redirect(url_for(".dashboard"))
        db.session.commit()  # the failed attempt's audit row
        form.password.errors.append(_("Email or password is not right."))
    return render_template("admin/login.html", form=form), 400 if form.errors else 200


@login_required
def logout():
    """Sign out: every session of the account ends on the server, not only this cookie.

    The account gets a new session token, so a copy of this cookie (or the
    account's session on another device) no longer names anyone.
    """
    record_audit(db.session, "account.logout")
    end_sessions(current_user)
    db.session.commit()
    logout_user()
    return redirect(url_for(".login"))


@login_required
def dashboard():
    campaigns = db.session.scalars(visible_campaigns(current_user)).all()
    return render_template(
        "admin/dashboard.html",
        rows=[(c, funnel(db.session, c)) for c in campaigns],
    )


@login_required
def campaign(slug: str):
    c = campaign_for_user(slug, "view")
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.campaign_id == c.id).order_by(AuditEvent.at.desc())
        .limit(50)
    ).all()  # fmt: skip
    members = None
    if can(current_user, "own", c):
        members = members_of(db.session, c)
    return render_template(
        "admin/campaign.html", c=c, f=funnel(db.session, c), arms=arm_balance(db.session, c),
        events=events, form=StatusForm(),
        may_manage=can(current_user, "manage", c), members=members,
        member_form=member_form(db.session, c) if members is not None else None,
        plain=PlainForm(),
    )


@login_required
def change_status(slug: str):
    c = campaign_for_user(slug, "manage")
    form = StatusForm()
    if form.validate_on_submit():
        try:
            set_status(db.session, c, form.status.data, current_user.email)
            db.session.commit()
            flash(_("Campaign is now %(status)s.", status=c.status), "info")
        except CampaignError as exc:
            db.session.rollback()
            flash(str(exc), "error")
    return redirect(url_for(".campaign", slug=slug), code=303)
