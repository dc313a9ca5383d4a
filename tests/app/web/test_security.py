"""Security defaults: headers, CSRF, sign-in, roles, rate limits."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Campaign
from app.web.markdown import render_markdown


def test_pages_carry_strict_security_headers(client, make_campaign):
    response = client.get(f"/c/{make_campaign()}/")
    h = response.headers
    assert "default-src 'self'" in h["Content-Security-Policy"]
    assert "script-src 'self'" in h["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] == "same-origin"
    assert h["Cache-Control"] == "no-store"


def test_the_resume_cookie_is_http_only_and_scoped_to_the_campaign(client, make_campaign):
    slug = make_campaign()
    html = client.get(f"/c/{slug}/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post(f"/c/{slug}/start", data={"csrf_token": token, "agree": "y"})
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"parley_{slug}=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and f"Path=/c/{slug}/" in cookie


def test_markdown_is_sanitised():
    html = str(render_markdown('Hi <script>alert(1)</script> [x](javascript:alert(1)) **b**'))
    assert "<script>" not in html and "javascript:" not in html
    assert "<strong>b</strong>" in html


def test_admin_pages_need_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_sign_in_with_a_wrong_password_fails_clearly(app, client, make_user, login):
    make_user()
    response = login(client, password="wrong")
    assert response.status_code == 400
    assert "Email or password is not right." in response.get_data(as_text=True)


def test_sign_in_is_rate_limited(app, client, make_user, login):
    make_user()
    statuses = [login(client, password="wrong").status_code for _ in range(11)]
    assert statuses[:10] == [400] * 10 and statuses[10] == 429


def test_an_analyst_can_watch_but_not_change_a_campaign(app, client, make_campaign, make_user, login):
    slug = make_campaign()
    make_user(role="analyst", campaigns=[slug])
    assert login(client).status_code == 302
    page = client.get(f"/admin/campaign/{slug}")
    assert page.status_code == 200 and "Arm balance" in page.get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      page.get_data(as_text=True)).group(1)
    response = client.post(f"/admin/campaign/{slug}/status",
                           data={"csrf_token": token, "status": "closed"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Campaign.status)) == "open"


def test_an_owner_can_close_a_campaign_and_download_its_export(app, client, make_campaign, make_user, login):
    slug = make_campaign()
    make_user()
    login(client)
    page = client.get(f"/admin/campaign/{slug}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    # Closing asks for a confirmation (issue 19); ticked, it closes.
    client.post(f"/admin/campaign/{slug}/status", data={"csrf_token": token, "status": "closed",
                                                        "confirm": "y"})
    with app.app_context():
        assert db.session.scalar(select(Campaign.status)) == "closed"
    from tests.app.jobs.test_jobs import export

    _job, data = export(app, client, slug, "zip")
    assert data[:2] == b"PK"


def test_sign_in_limits_are_shared_through_redis(app, client, make_user, login):
    """With several app processes the limits live in Redis (redis://127.0.0.1:6379)."""
    import uuid

    import redis

    from app import create_app

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        import os

        import pytest

        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis not reachable on 127.0.0.1:6379: {exc}")
        pytest.skip(f"Redis not reachable on 127.0.0.1:6379: {exc}")
    make_user()
    config = {**app.config, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"}
    first, second = create_app(config), create_app(config)  # two "processes", one database
    # A fresh (documentation-range) client address, so counts from earlier runs
    # in the shared Redis never mix in; it is only a WSGI environ value.
    address = f"2001:db8::{uuid.uuid4().hex[:4]}"
    clients = [first.test_client(), second.test_client()]
    for c in clients:
        c.environ_base["REMOTE_ADDR"] = address
    statuses = [login(clients[0], password="wrong").status_code for _ in range(5)]
    statuses += [login(clients[1], password="wrong").status_code for _ in range(6)]
    for extra in (first, second):
        with extra.app_context():
            db.session.remove()
            db.engine.dispose()
    assert statuses[:10] == [400] * 10 and statuses[10] == 429
