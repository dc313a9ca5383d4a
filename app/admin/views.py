"""Admin views: thin wrappers over campaign operations and monitoring queries."""

from __future__ import annotations

import io
import shutil
import tempfile
from functools import wraps
from pathlib import Path

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app.admin.forms import LoginForm, StatusForm
from app.admin.monitor import figures
from app.campaigns.operations import CampaignError, audit, set_status
from app.export.writer import write_export
from app.extensions import db, limiter, login_manager
from app.models import AuditEvent, Campaign, User


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


def admin_required(view):
    """Only the "admin" role may change things; viewers may look and export."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role != "admin":
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _campaign(slug: str) -> Campaign:
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        abort(404)
    return campaign


@limiter.limit(lambda: current_app.config["PARLEY_LOGIN_LIMIT"], methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == form.email.data))
        if user is not None and user.check_password(form.password.data):
            login_user(user)
            audit(db.session, user.email, "admin.login", None)
            db.session.commit()
            return redirect(url_for(".dashboard"))
        form.password.errors.append(_("Email or password is not right."))
    return render_template("admin/login.html", form=form), 400 if form.errors else 200


@login_required
def logout():
    logout_user()
    return redirect(url_for(".login"))


@login_required
def dashboard():
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.id)).all()
    return render_template(
        "admin/dashboard.html",
        rows=[(c, figures(db.session, c)) for c in campaigns],
    )


@login_required
def campaign(slug: str):
    c = _campaign(slug)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.campaign_id == c.id).order_by(AuditEvent.at.desc())
        .limit(50)
    ).all()  # fmt: skip
    return render_template(
        "admin/campaign.html", c=c, f=figures(db.session, c), events=events, form=StatusForm()
    )


@admin_required
def change_status(slug: str):
    c = _campaign(slug)
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


@login_required
def report(slug: str):
    """The analysis report of the campaign's current data, as one HTML file."""
    # Imported here: pandas, statsmodels and matplotlib would slow every
    # web process's start-up, and only this view needs them.
    from analysis import write_report

    c = _campaign(slug)
    tmp = Path(tempfile.mkdtemp(prefix="parley-report-"))
    try:
        write_export(db.session, c, tmp / "export")
        html = write_report(tmp / "export", tmp / "report.html").read_bytes()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    audit(db.session, current_user.email, "campaign.report", c, request.remote_addr)
    db.session.commit()
    return send_file(io.BytesIO(html), mimetype="text/html", as_attachment=True,
                     download_name=f"{slug}-report.html")  # fmt: skip


@login_required
def export_zip(slug: str):
    c = _campaign(slug)
    tmp = Path(tempfile.mkdtemp(prefix="parley-export-"))
    try:
        result = write_export(db.session, c, tmp / slug, fmt="zip")
        data = io.BytesIO(result.path.read_bytes())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    audit(db.session, current_user.email, "campaign.export", c, request.remote_addr)
    db.session.commit()
    return send_file(data, mimetype="application/zip", as_attachment=True,
                     download_name=f"{slug}-export.zip")  # fmt: skip
