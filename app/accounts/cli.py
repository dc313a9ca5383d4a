"""``parley user ...`` and ``parley campaign members ...``: accounts from the command line."""

from __future__ import annotations

import secrets
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.accounts.operations import (
    AccountError,
    add_member,
    create_user,
    end_sessions,
    find_user,
    issue_link,
    remove_member,
    set_active,
    set_role,
)
from app.accounts.passwords import hash_password
from app.audit import record_audit
from app.cli_support import campaign_or_fail
from app.extensions import db
from app.models import ROLES, Campaign, CampaignMember, User

__all__ = ["user_group", "members_group"]


def _user(email: str) -> User:
    user = find_user(db.session, email)
    if user is None:
        raise click.ClickException(f"no account {email} (see: parley user list)")
    return user



def _link(token: str) -> str:
    base = current_app.config.get("PARLEY_BASE_URL") or "http://127.0.0.1:5000"
    return f"{base.rstrip('/')}/admin/set-password/{token}"


@click.group("user")
def user_group():
    """Team accounts: owners, managers and analysts."""


@user_group.command("create")
@click.argument("email")
# The fixed interface names these three roles (docs/accounts.md): a moderator
# account comes from ``user invite --role moderator`` or ``user role``.
@click.option("--role", type=click.Choice(ROLES[:3]), default="analyst", show_default=True,
              help="owner: everything; manager: runs member campaigns; analyst: reads them.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (for scripts).")
@with_appcontext
def user_create(email, role, password_stdin):
    """Create an account for EMAIL (asks for the password unless --password-stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        create_user(db.session, email, role, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"created {role} {email.strip().lower()}")


@user_group.command("invite")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="analyst", show_default=True)
@click.option("--hours", type=int, default=72, show_default=True, help="How long the link works.")
@with_appcontext
def user_invite(email, role, hours):
    """Create an account for EMAIL and print a one-time link to set its password."""
    try:
        user = create_user(db.session, email, role)
        token = issue_link(db.session, user, "invite", hours)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"invited {role} {user.email}; send them this link (valid {hours} h, once):")
    click.echo(_link(token))


@user_group.command("list")
@with_appcontext
def user_list():
    """List accounts: email, role, active, second factor, campaigns."""
    for user in db.session.scalars(select(User).order_by(User.email)):
        slugs = db.session.scalars(
            select(Campaign.slug).join(CampaignMember, CampaignMember.campaign_id == Campaign.id)
            .where(CampaignMember.user_id == user.id).order_by(Campaign.slug)
        ).all()
        click.echo(f"{user.email}\t{user.role}\t{'active' if user.active else 'deactivated'}\t"
                   f"{'totp' if user.totp_secret else '-'}\t{','.join(slugs) or '-'}")


@user_group.command("role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
def user_role(email, role):
    """Give EMAIL the role ROLE (their open sessions end)."""
    try:
        set_role(db.session, _user(email), role)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"{email} is now {role}")


def _active_command(name: str, active: bool):
    @user_group.command(name)
    @click.argument("email")
    @with_appcontext
    def command(email):
        try:
            set_active(db.session, _user(email), active)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        db.session.commit()
        click.echo(f"{email} is now {'active' if active else 'deactivated'}")

    command.help = ("Let EMAIL sign in again." if active else
                       "Stop EMAIL from signing in and end their sessions.")
    return command


_active_command("activate", True)
_active_command("deactivate", False)


@user_group.command("reset-password")
@click.argument("email")
@click.option("--link", is_flag=True, help="Print a one-time set-password link instead.")
@click.option("--hours", type=int, default=24, show_default=True, help="How long the link works.")
@with_appcontext
def user_reset(email, link, hours):
    """Give EMAIL a new random password and print it once (or a link with --link)."""
    user = _user(email)
    if link:
        token = issue_link(db.session, user, "reset", hours)
        db.session.commit()
        click.echo(_link(token))
        return
    password = secrets.token_urlsafe(12)
    user.password_hash = hash_password(password)
    end_sessions(user)
    record_audit(db.session, "account.reset", detail=f"new password for {user.email}")
    db.session.commit()
    click.echo(f"new password for {user.email}: {password}")


@user_group.command("totp-reset")
@click.argument("email")
@with_appcontext
def user_totp_reset(email):
    """Remove EMAIL's second factor (lost phone); they set it up again on sign-in."""
    user = _user(email)
    user.totp_secret = None
    user.totp_last_step = None
    end_sessions(user)
    record_audit(db.session, "account.totp_reset", detail=user.email)
    db.session.commit()
    click.echo(f"second factor removed for {user.email}")


@click.group("members")
def members_group():
    """Who may see a campaign (owners see every campaign)."""


@members_group.command("add")
@click.argument("slug")
@click.argument("email")
@with_appcontext
def members_add(slug, email):
    """Let EMAIL see (analyst) or run (manager) campaign SLUG."""
    user = _user(email)
    added = add_member(db.session, campaign_or_fail(slug), user)
    db.session.commit()
    click.echo(f"{user.email} {'is now' if added else 'was already'} a member of '{slug}'")


@members_group.command("remove")
@click.argument("slug")
@click.argument("email")
@with_appcontext
def members_remove(slug, email):
    """Take EMAIL off campaign SLUG."""
    user = _user(email)
    removed = remove_member(db.session, campaign_or_fail(slug), user)
    db.session.commit()
    click.echo(f"{user.email} {'removed from' if removed else 'was not a member of'} '{slug}'")


@members_group.command("list")
@click.argument("slug")
@with_appcontext
def members_list(slug):
    """List the members of campaign SLUG with their roles."""
    campaign = campaign_or_fail(slug)
    rows = db.session.execute(
        select(User.email, User.role).join(CampaignMember, CampaignMember.user_id == User.id)
        .where(CampaignMember.campaign_id == campaign.id).order_by(User.email)
    ).all()
    for email, role in rows:
        click.echo(f"{email}\t{role}")
