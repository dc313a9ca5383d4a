"""The permissions matrix: every admin route against every kind of person, CSRF enforced.

Each route under /admin is listed with the level it needs; a route that is
not listed fails the test, so a new admin page cannot go out unclassified.
A manager who is not a member of the campaign gets 404 on its URLs, never
its data; a member whose role is too low gets 403; anyone not signed in is
sent to the sign-in page.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, Job, User, utcnow

#: endpoint -> level. Levels: public, signed_in, staff (signed in, not a
#: moderator), owner (account pages), designer (owners and managers: upload
#: surveys, create campaigns), moderators (the list of one's moderation
#: queues), and the campaign actions of app.accounts.permissions.ACTIONS.
ROUTES = {
    "accounts.login": "public",
    "accounts.set_password": "public",
    "accounts.totp_verify": "public",
    "accounts.logout": "signed_in",
    "campaigns.dashboard": "signed_in",
    "accounts.totp_setup": "signed_in",
    "accounts.users": "owner",
    "accounts.invite": "owner",
    "accounts.change_role": "owner",
    "accounts.toggle_active": "owner",
    "accounts.reset": "owner",
    "audit.trail": "owner",
    "audit.trail_csv": "owner",
    "campaigns.campaign": "view",
    "monitor.monitor": "view",
    "campaigns.change_status": "manage",
    "jobs.jobs": "export",
    "jobs.start_export": "export",
    "jobs.start_report": "export",
    "jobs.download": "export",
    "accounts.add_campaign_member": "own",
    "retention.retention": "own",
    "retention.participant": "own",
    "retention.delete_participant": "own",
    "accounts.remove_campaign_member": "own",
    "campaigns.surveys": "staff",
    "campaigns.upload_survey": "designer",
    "campaigns.new_campaign": "designer",
    "campaigns.design": "view",
    "campaigns.save_design": "manage",
    "preview.start": "manage",
    "preview.workbench": "designer",
    "campaigns.delete_test_data": "manage",
    "campaigns.invites": "view",
    "campaigns.create_invites_csv": "manage",
    "campaigns.revoke_invite": "manage",
    "campaigns.revoke_all_invites": "manage",
    "campaigns.followup": "view",
    "campaigns.open_followup": "manage",
    "campaigns.close_followup": "manage",
    "campaigns.followup_links_csv": "manage",
    "campaigns.panel_match_csv": "manage",
    "exchange_admin.queues": "moderators",
    "exchange_admin.queue": "moderate",
    "exchange_admin.decide": "moderate",
    "exchange_admin.freeze_page": "manage",
}

PERSONAS = ["anonymous", "analyst", "manager", "moderator", "outsider", "owner"]
ALLOWED = {
    "signed_in": {"analyst", "manager", "moderator", "outsider", "owner"},
    # everyone signed in but a moderator, who sees only moderation queues
    "staff": {"analyst", "manager", "outsider", "owner"},
    "moderators": {"manager", "moderator", "outsider", "owner"},
    "moderate": {"manager", "moderator", "owner"},
    "owner": {"owner"},
    "designer": {"manager", "outsider", "owner"},
    "view": {"analyst", "manager", "owner"},
    "export": {"analyst", "manager", "owner"},
    "manage": {"manager", "owner"},
    "own": {"owner"},
}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def expected(level: str, persona: str) -> str:
    if persona == "anonymous":
        return "sign-in"
    if persona in ALLOWED[level]:
        return "ok"
    if persona == "outsider" and level in ("view", "export", "manage", "own", "moderate"):
        return "404"
    return "403"


def outcome(response) -> str:
    if response.status_code in (301, 302, 303) and "/admin/login" in response.headers["Location"]:
        return "sign-in"
    if response.status_code in (200, 302, 303):
        return "ok"
    if response.status_code == 400 and "Security check expired" not in response.get_data(
        as_text=True
    ):
        return "ok"  # reached the view: its form found the empty submission wanting
    return str(response.status_code)


@pytest.fixture
def world(app, make_campaign, make_user, login):
    app.config["PARLEY_JOBS"] = "inline"  # no job thread outliving the test's database
    slug = make_campaign("town")
    make_campaign("elsewhere")
    make_user("owner@example.org", role="owner")
    make_user("analyst@example.org", role="analyst", campaigns=[slug])
    make_user("manager@example.org", role="manager", campaigns=[slug])
    make_user("outsider@example.org", role="manager", campaigns=["elsewhere"])
    make_user("moderator@example.org", role="moderator", campaigns=[slug])
    make_user("target@example.org", role="analyst")
    with app.app_context():
        target = db.session.scalar(select(User.id).where(User.email == "target@example.org"))
        town = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
        job = Job(campaign_id=town.id, kind="export", fmt="zip", options={}, status="done",
                  progress=100, file_name="town.zip", requested_by="owner@example.org",
                  expires_at=utcnow() + timedelta(hours=1))
        db.session.add(job)
        db.session.commit()
        folder = Path(app.instance_path) / "jobs" / str(job.id)
        folder.mkdir(parents=True)
        (folder / "town.zip").write_bytes(b"PK town data")
        job_id = job.id
    clients = {}
    for n, persona in enumerate(PERSONAS):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"
        if persona != "anonymous":
            assert login(client, f"{persona}@example.org").status_code == 302
        clients[persona] = client
    return {"slug": slug, "target": target, "clients": clients, "job": job_id}


def _url(app, endpoint: str, world) -> tuple[str, set[str]]:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {"slug": world["slug"], "user_id": world["target"], "token": "not-a-token",
              "job_id": world["job"], "statement_id": 1, "source": "shipped",
              "folder": "example"}
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **{k: values[k] for k in rule.arguments})
    return url, set(rule.methods) - {"HEAD", "OPTIONS"}


def _token(client) -> str:
    page = client.get("/admin/login").get_data(as_text=True)  # any page with a form
    match = CSRF.search(page)
    if match is None:  # signed in: the login page redirects; the dashboard has a form
        match = CSRF.search(client.get("/admin/").get_data(as_text=True))
    return match.group(1)


def test_every_admin_route_is_in_the_matrix(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.rule.startswith("/admin")}
    missing = endpoints - set(ROUTES)
    assert not missing, f"classify these admin routes in ROUTES: {sorted(missing)}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_permissions_matrix(app, world, persona):
    client = world["clients"][persona]
    token = _token(client)
    seen = []
    # Logging out ends the session: it goes last.
    for endpoint, level in sorted(ROUTES.items(), key=lambda kv: kv[0] == "accounts.logout"):
        if level == "public":
            continue
        url, methods = _url(app, endpoint, world)
        for method in sorted(methods):
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token})
            response.close()  # a download streams its file: let it go
            got, want = outcome(response), expected(level, persona)
            if endpoint == "accounts.logout":  # everyone ends on the sign-in page
                want = "sign-in"
            seen.append((endpoint, method, got))
            assert got == want, f"{persona} {method} {url}: got {got}, want {want}"
            if got == "404":
                body = response.get_data(as_text=True)
                assert "town" not in body and "Town" not in body and "PK" not in body
    assert seen
    assert outcome(client.get("/admin/")) == "sign-in"  # signed out at the end


def test_every_post_without_a_csrf_token_is_refused_even_for_an_owner(app, world):
    client = world["clients"]["owner"]
    for endpoint in ROUTES:
        url, methods = _url(app, endpoint, world)
        if "POST" in methods:
            response = client.post(url, data={})
            response.close()
            assert response.status_code == 400, f"POST {url} without a token: {response.status_code}"
