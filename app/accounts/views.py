"""Account pages: sign-in and sign-out, the team list, invitations, set-password links,
second factor, members.

Thin: forms are parsed here, decisions are in operations.py.
"""

from __future__ import annotations

import time

from flask import abort, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app.accounts import totp
from app.accounts.forms import (
    CodeForm,
    InviteForm,
    LoginForm,
    MemberForm,
    PlainForm,
    RoleForm,
    SetPasswordForm,
)
from app.accounts.operations import (
    AccountError,
    add_member,
    authenticate,
    create_user,
    end_sessions,
    issue_link,
    link_user,
    remove_member,
    set_active,
    set_role,
    use_link,
)
from app.accounts.permissions import campaign_for_user, role_required
from app.audit import record_audit
from app.extensions import db, limiter, login_manager
from app.models import Campaign, CampaignMember, User, utcnow

#: Seconds a password-checked sign-in waits for its second factor.
PENDING_SECONDS = 300


def sign_in(user: User, how: str) -> None:
    """Start the session of ``user`` (password and, if set up, second factor checked)."""
    session.pop("pending_user", None)
    session.permanent = True
    login_user(user)
    session["seen"] = int(time.time())
    user.last_login_at = utcnow()
    record_audit(db.session, "account.login", actor=user.email, detail=how)
    db.session.commit()


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
            # Password right: the second factor decides (totp_verify below).
            session["pending_user"] = (user.session_token, time.time())
            db.session.commit()  # a rehashed password
            return redirect(url_for(".totp_verify"))
        if user is not None:
            sign_in(user, "password")
            return redirect(url_for("campaigns.dashboard"))
        db.session.commit()  # the failed attempt's audit row
        form.password.errors.append(_("Email or password is not right."))
    return render_template("accounts/login.html", form=form), 400 if form.errors else 200


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


@role_required("owner")
def users():
    accounts = db.session.scalars(select(User).order_by(User.email)).all()
    memberships: dict[int, list[str]] = {}
    for user_id, slug in db.session.execute(
        select(CampaignMember.user_id, Campaign.slug)
        .join(Campaign, Campaign.id == CampaignMember.campaign_id).order_by(Campaign.slug)
    ):
        memberships.setdefault(user_id, []).append(slug)
    return render_template(
        "accounts/users.html", accounts=accounts, memberships=memberships, invite=InviteForm(),
        role_form=RoleForm(), plain=PlainForm(),
    )


def _link_page(user: User, token: str, purpose: str):
    # The site's public address when set (behind a proxy the request's host may
    # be an internal one); else the address this request came to.
    base = current_app.config.get("PARLEY_BASE_URL")
    link = (base.rstrip("/") + url_for("accounts.set_password", token=token) if base
            else url_for("accounts.set_password", token=token, _external=True))
    return render_template("accounts/link.html", user=user, link=link, purpose=purpose,
                           hours=current_app.config["PARLEY_LINK_HOURS"][purpose])


@role_required("owner")
def invite():
    form = InviteForm()
    if not form.validate_on_submit():
        flash("Give an email address and a role.", "error")
        return redirect(url_for(".users"), code=303)
    try:
        user = create_user(db.session, form.email.data, form.role.data)
        token = issue_link(db.session, user, "invite",
                           current_app.config["PARLEY_LINK_HOURS"]["invite"])
    except AccountError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".users"), code=303)
    db.session.commit()
    return _link_page(user, token, "invite")


def _account(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@role_required("owner")
def change_role(user_id: int):
    user, form = _account(user_id), RoleForm()
    if form.validate_on_submit():
        try:
            set_role(db.session, user, form.role.data)
            db.session.commit()
            flash(f"{user.email} is now {user.role}.", "info")
        except AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
    return redirect(url_for(".users"), code=303)


@role_required("owner")
def toggle_active(user_id: int):
    user = _account(user_id)
    if PlainForm().validate_on_submit():
        try:
            set_active(db.session, user, not user.active)
            db.session.commit()
            flash(f"{user.email} is now {'active' if user.active else 'deactivated'}.", "info")
        except AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
    return redirect(url_for(".users"), code=303)


@role_required("owner")
def reset(user_id: int):
    user = _account(user_id)
    if not PlainForm().validate_on_submit():
        return redirect(url_for(".users"), code=303)
    token = issue_link(db.session, user, "reset", current_app.config["PARLEY_LINK_HOURS"]["reset"])
    db.session.commit()
    return _link_page(user, token, "reset")


@limiter.limit(lambda: current_app.config["PARLEY_LOGIN_LIMIT"], methods=["POST"])
def set_password(token: str):
    user = link_user(db.session, token)
    db.session.commit()
    if user is None:
        return render_template("accounts/link_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            use_link(db.session, token, form.password.data)
        except AccountError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            flash("Your password is set. Sign in with it now.", "info")
            return redirect(url_for(".login"), code=303)
    return render_template("accounts/set_password.html", form=form, user=user), (
        400 if form.errors else 200
    )


def _pending_account() -> str:
    """The rate-limit key of the account waiting for its second factor (its session token)."""
    pending = session.get("pending_user")
    return f"totp-account:{pending[0] if pending else '-'}"


@limiter.limit(lambda: current_app.config["PARLEY_LOGIN_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["PARLEY_TOTP_ACCOUNT_LIMIT"], methods=["POST"],
               key_func=_pending_account, scope="totp-account",
               deduct_when=lambda response: response.status_code == 400)
def totp_verify():
    """Second step of signing in, for accounts with a second factor.

    Besides the per-address limit, wrong codes count against the account
    (``PARLEY_TOTP_ACCOUNT_LIMIT``), so guessing from many addresses with a
    stolen password locks the account's second step for a while instead.
    """
    pending = session.get("pending_user")
    if not pending or time.time() - pending[1] > PENDING_SECONDS:
        session.pop("pending_user", None)
        return redirect(url_for(".login"))
    user = db.session.scalar(select(User).where(User.session_token == pending[0]))
    if user is None or not user.active:
        session.pop("pending_user", None)
        return redirect(url_for(".login"))
    form = CodeForm()
    if form.validate_on_submit():
        if totp.accept(db.session, user, form.code.data):
            sign_in(user, "password and second factor")
            return redirect(url_for("campaigns.dashboard"))
        record_audit(db.session, "account.login_failed", actor=user.email,
                     detail="wrong second-factor code")
        db.session.commit()
        form.code.errors.append("That code is not right (or was used already).")
    return render_template("accounts/totp_verify.html", form=form), 400 if form.errors else 200


@login_required
def totp_setup():
    """Set up the second factor: show a new secret, confirm with a code from the app."""
    if current_user.totp_secret:
        return render_template("accounts/totp_setup.html", done=True)
    secret = session.get("totp_candidate") or totp.new_secret()
    session["totp_candidate"] = secret
    form = CodeForm()
    if form.validate_on_submit():
        step = totp.check_code(secret, form.code.data, None)
        if step is not None:
            current_user.totp_secret, current_user.totp_last_step = secret, step
            session.pop("totp_candidate", None)
            record_audit(db.session, "account.totp_enabled", detail=current_user.email)
            db.session.commit()
            flash("Second factor set up: you will be asked for a code at every sign-in.", "info")
            return redirect(url_for("campaigns.dashboard"), code=303)
        form.code.errors.append("That code is not right; check the time on your phone.")
    return render_template(
        "accounts/totp_setup.html", done=False, form=form, secret=secret,
        uri=totp.provisioning_uri(secret, current_user.email),
    ), 400 if form.errors else 200


def members_of(session, campaign: Campaign) -> list[User]:
    return session.scalars(
        select(User).join(CampaignMember, CampaignMember.user_id == User.id)
        .where(CampaignMember.campaign_id == campaign.id).order_by(User.email)
    ).all()


def member_form(session, campaign: Campaign) -> MemberForm:
    """The add-member form offers managers and analysts who are not members yet."""
    form = MemberForm()
    current = {u.id for u in members_of(session, campaign)}
    form.user.choices = [
        u.email
        for u in session.scalars(select(User).where(User.role != "owner").order_by(User.email))
        if u.id not in current
    ]
    return form


@login_required
def add_campaign_member(slug: str):
    campaign = campaign_for_user(slug, "own")
    form = member_form(db.session, campaign)
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == form.user.data))
        if add_member(db.session, campaign, user):
            flash(f"{user.email} is now a member.", "info")
        db.session.commit()
    return redirect(url_for("campaigns.campaign", slug=slug) + "#members", code=303)


@login_required
def remove_campaign_member(slug: str, user_id: int):
    campaign = campaign_for_user(slug, "own")
    if PlainForm().validate_on_submit():
        user = _account(user_id)
        if remove_member(db.session, campaign, user):
            flash(f"{user.email} is no longer a member.", "info")
        db.session.commit()
    return redirect(url_for("campaigns.campaign", slug=slug) + "#members", code=303)
