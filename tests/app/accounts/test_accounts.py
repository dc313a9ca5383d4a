"""Team accounts: roles, membership, argon2 hashes, the fixed CLI interface, the audit trail."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.audit import record_audit
from app.extensions import db
from app.models import AuditEvent, Campaign, CampaignMember, User


def test_the_fixed_cli_interface_creates_accounts_and_members(app, runner, make_campaign):
    slug = make_campaign()
    result = runner.invoke(args=["user", "create", "Ana@Example.org", "--role", "analyst",
                                 "--password-stdin"], input="a long passphrase\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["campaign", "members", "add", slug, "ana@example.org"])
    assert result.exit_code == 0, result.output
    assert result.output == f"ana@example.org is now a member of '{slug}'\n"
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.email, user.role, user.active) == ("ana@example.org", "analyst", True)
        assert user.password_hash.startswith("$argon2id$")
        assert db.session.scalar(select(sa.func.count()).select_from(CampaignMember)) == 1
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions[-2:] == ["account.create", "campaign.member_add"]
        assert db.session.scalar(select(AuditEvent.actor).order_by(AuditEvent.id.desc())
                                 ).startswith("cli:")


@pytest.mark.parametrize("role", ["owner", "manager", "analyst"])
def test_every_role_of_the_fixed_interface_is_accepted(app, runner, role):
    result = runner.invoke(args=["user", "create", f"{role}@example.org", "--role", role,
                                 "--password-stdin"], input="a long passphrase\n")
    assert result.exit_code == 0, result.output


def test_a_short_password_is_refused(runner):
    result = runner.invoke(args=["user", "create", "a@example.org", "--role", "owner",
                                 "--password-stdin"], input="short\n")
    assert result.exit_code == 1 and "at least 10 characters" in result.output


def test_a_member_sees_only_their_campaigns_and_others_answer_404(app, client, make_campaign, make_user, login):
    mine, other = make_campaign("mine"), make_campaign("other")
    make_user(role="manager", campaigns=[mine])
    login(client)
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert "/admin/campaign/mine" in dashboard and "/admin/campaign/other" not in dashboard
    assert client.get(f"/admin/campaign/{mine}").status_code == 200
    for path in (f"/admin/campaign/{other}", f"/admin/campaign/{other}/exports",
                 f"/admin/campaign/{other}/monitor"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "other" not in response.get_data(as_text=True).lower().replace("another", "")


def test_an_old_werkzeug_hash_becomes_argon2_on_sign_in(app, client, login):
    with app.app_context():
        db.session.add(User(email="old@example.org", role="owner",
                            password_hash=generate_password_hash("correct horse")))
        db.session.commit()
    assert login(client, "old@example.org").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.password_hash)).startswith("$argon2id$")


def test_a_hash_with_old_parameters_is_rehashed_on_sign_in(app, client, make_user, login):
    make_user()
    with app.app_context():
        before = db.session.scalar(select(User.password_hash))
    assert "t=1" in before
    app.config["PARLEY_ARGON2"] = {"time_cost": 2, "memory_cost": 2048, "parallelism": 1}
    assert login(client).status_code == 302
    with app.app_context():
        after = db.session.scalar(select(User.password_hash))
    assert after != before and "m=2048,t=2" in after


def test_sign_ins_and_failures_are_audited_with_the_address(app, client, make_user, login):
    make_user()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    login(client, password="wrong password")
    login(client)
    with app.app_context():
        rows = db.session.execute(select(AuditEvent.action, AuditEvent.actor,
                                         AuditEvent.remote_addr).order_by(AuditEvent.id)).all()
    assert rows == [("account.login_failed", "admin@example.org", "192.0.2.7"),
                    ("account.login", "admin@example.org", "192.0.2.7")]


def test_a_deactivated_account_cannot_sign_in_and_its_session_ends(app, client, runner, make_user, login):
    make_user()
    make_user(email="second@example.org")
    login(client, "second@example.org")
    assert client.get("/admin/").status_code == 200
    assert runner.invoke(args=["user", "deactivate", "second@example.org"]).exit_code == 0
    assert client.get("/admin/").status_code == 302  # the open session is gone
    assert login(client, "second@example.org").status_code == 400


def test_the_last_owner_cannot_be_deactivated(app, runner, make_user):
    make_user()
    result = runner.invoke(args=["user", "deactivate", "admin@example.org"])
    assert result.exit_code == 1 and "last active owner" in result.output


def test_audit_rows_cannot_be_updated_or_deleted(app, make_campaign):
    """The database refuses it (triggers), whatever the application does."""
    slug = make_campaign()
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
        record_audit(db.session, "test.event", campaign=campaign, actor="tester")
        db.session.commit()
        count = db.session.scalar(select(sa.func.count()).select_from(AuditEvent))
        db.session.commit()  # end the read (SQLite takes its write lock at BEGIN)
        for statement in ("UPDATE audit_event SET actor = 'someone else'",
                          "DELETE FROM audit_event"):
            with (pytest.raises(sa.exc.DatabaseError, match="append-only"),
                  db.engine.begin() as conn):
                conn.execute(sa.text(statement))
        if db.engine.dialect.name == "postgresql":
            with (pytest.raises(sa.exc.DatabaseError, match="append-only"),
                  db.engine.begin() as conn):
                conn.execute(sa.text("TRUNCATE audit_event"))
        assert db.session.scalar(select(sa.func.count()).select_from(AuditEvent)) == count
        assert set(db.session.scalars(select(AuditEvent.actor))) == {"test", "tester"}


def test_an_audit_record_outlives_its_campaign(app, make_campaign):
    slug = make_campaign()
    with app.app_context():
        db.session.execute(sa.delete(Campaign))
        db.session.commit()
        slugs = set(db.session.scalars(select(AuditEvent.campaign_slug)))
    assert slugs == {slug}


# --- web: invitations, links, second factor, idle sessions, the audit page -------

import re  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

import pyotp  # noqa: E402

from app.models import AccountToken, utcnow  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _post(client, page: str, url: str, data: dict):
    token = CSRF.search(client.get(page).get_data(as_text=True)).group(1)
    return client.post(url, data={"csrf_token": token, **data})


def test_an_owner_invites_an_analyst_who_sets_a_password_once(app, client, make_campaign, make_user, login):
    make_campaign()
    make_user()
    login(client)
    page = _post(client, "/admin/accounts", "/admin/accounts/invite",
                 {"email": "ana@example.org", "role": "analyst"})
    link = re.search(r'id="one-time-link" href="([^"]+)"', page.get_data(as_text=True)).group(1)
    path = link.split("localhost", 1)[1]
    invitee = app.test_client()
    invitee.environ_base["REMOTE_ADDR"] = "192.0.2.50"
    assert invitee.get(path).status_code == 200
    response = _post(invitee, path, path, {"password": "a fine passphrase",
                                           "confirm": "a fine passphrase"})
    assert response.status_code == 303
    assert invitee.get(path).status_code == 404  # used: never again
    assert login(invitee, "ana@example.org", "a fine passphrase").status_code == 302
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        token_hashes = db.session.scalars(select(AccountToken.token_hash)).all()
    assert [a for a in actions if a.startswith("account.")][-4:] == ["account.create", "account.invite", "account.password_set",
            "account.login"]
    assert path.rsplit("/", 1)[1] not in token_hashes  # stored hashed


def test_an_expired_link_does_not_work(app, client, make_user):
    make_user()
    with app.app_context():
        from app.accounts.operations import issue_link

        user = db.session.scalar(select(User))
        token = issue_link(db.session, user, "reset", hours=1)
        db.session.execute(sa.update(AccountToken).values(expires_at=utcnow() - timedelta(1)))
        db.session.commit()
    assert client.get(f"/admin/set-password/{token}").status_code == 404


def test_sign_in_with_a_second_factor_and_a_code_works_once(app, client, make_user, login):
    make_user()
    login(client)
    page = client.get("/admin/account/second-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    code = pyotp.TOTP(secret).now()
    assert _post(client, "/admin/account/second-factor", "/admin/account/second-factor",
                 {"code": code}).status_code == 303
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.60"
    response = login(other)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/login/code")
    assert other.get("/admin/").status_code == 302  # not signed in yet
    # The code used for the set-up cannot be used again.
    assert _post(other, "/admin/login/code", "/admin/login/code", {"code": code}).status_code == 400
    with app.app_context():
        user = db.session.scalar(select(User))
        user.totp_last_step -= 1  # pretend set-up was a step earlier, so "now" is fresh
        db.session.commit()
    assert _post(other, "/admin/login/code", "/admin/login/code", {"code": code}).status_code == 302
    assert other.get("/admin/").status_code == 200


def test_owners_must_set_up_a_second_factor_when_the_installation_says_so(app, client, make_user, login):
    app.config["PARLEY_REQUIRE_TOTP_FOR_OWNERS"] = True
    make_user()
    login(client)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/account/second-factor" in response.location


def test_an_idle_session_ends(app, client, make_user, login):
    make_user()
    login(client)
    assert client.get("/admin/").status_code == 200
    with client.session_transaction() as s:
        s["seen"] = int(time.time()) - 31 * 60
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login" in response.location
    assert client.get("/admin/").status_code == 302


def test_owners_filter_the_audit_trail_and_download_it_as_csv(app, client, make_campaign, make_user, login):
    make_campaign("town")
    make_campaign("harbour")
    make_user()
    login(client)
    page = client.get("/admin/audit?campaign=harbour").get_data(as_text=True)
    assert "campaign.create" in page and "town" not in page.split("<tbody>")[1]
    csv = client.get("/admin/audit.csv?action=campaign.open").get_data(as_text=True)
    lines = csv.strip().split("\n")
    assert lines[0] == "id,at,actor,action,campaign,remote_addr,detail"
    assert sorted(line.split(",")[4] for line in lines[1:]) == ["harbour", "town"]
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())
                                 ) == "audit.export"


@pytest.mark.parametrize("command", [
    ["user", "create"], ["user", "invite"], ["user", "list"], ["user", "role"],
    ["user", "deactivate"], ["user", "activate"], ["user", "reset-password"],
    ["user", "totp-reset"], ["campaign", "members", "add"], ["campaign", "members", "remove"],
    ["campaign", "members", "list"], ["campaign", "retention"], ["purge"],
    ["participant", "delete"], ["monitor"], ["audit"], ["jobs", "worker"], ["jobs", "clean"],
    ["export"],
])
def test_every_console_command_explains_itself(runner, command):
    result = runner.invoke(args=[*command, "--help"])
    assert result.exit_code == 0, result.output
    summary = result.output.split("\n\n")[1].strip()
    assert len(summary) > 20, result.output


def test_the_fixed_interface_is_in_the_help(runner):
    create = runner.invoke(args=["user", "create", "--help"]).output
    assert "Usage: parley user create [OPTIONS] EMAIL" in create.replace("flask", "parley") or (
        "user create [OPTIONS] EMAIL" in create)
    assert "--role [owner|manager|analyst]" in create and "--password-stdin" in create
    members = runner.invoke(args=["campaign", "members", "add", "--help"]).output
    assert "members add [OPTIONS] SLUG EMAIL" in members
    export = runner.invoke(args=["export", "--help"]).output
    assert "export [OPTIONS] SLUG OUT" in export
    assert "[csv|zip|wide|parquet|xlsx|sav|dta]" in export
