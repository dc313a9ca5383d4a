"""The status control offers only the changes allowed now; closing and archiving ask first."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign


def _page(client, slug):
    return client.get(f"/admin/campaign/{slug}").get_data(as_text=True)


def _offered(html: str) -> list[str]:
    select_html = re.search(r'<select[^>]*name="status"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r'<option[^>]*value="([^"]+)"', select_html[1]) if select_html else []


@pytest.mark.parametrize(("status", "offered"), [
    ("draft", ["open"]), ("open", ["paused", "closed"]), ("paused", ["open", "closed"]),
    ("closed", ["open", "archived"]), ("archived", []),
])
def test_only_the_allowed_changes_are_offered(app, client, make_campaign, make_user, login,
                                              runner, status, offered):
    slug = make_campaign(status="closed" if status == "archived" else status)
    if status == "archived":
        runner.invoke(args=["campaign", "archive", slug])
    make_user()
    login(client)
    html = _page(client, slug)
    assert _offered(html) == offered
    if not offered:
        assert "cannot change status" in html


def test_closing_without_the_confirmation_changes_nothing(app, client, make_campaign, make_user,
                                                          login):
    slug = make_campaign()
    make_user()
    login(client)
    html = _page(client, slug)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)[1]
    assert 'name="confirm"' in html
    page = client.post(f"/admin/campaign/{slug}/status", data={"csrf_token": token,
                       "status": "closed"}, follow_redirects=True).get_data(as_text=True)
    assert "tick the box to confirm closing or archiving" in page
    forged = client.post(f"/admin/campaign/{slug}/status", data={"csrf_token": token,
                         "status": "archived", "confirm": "y"}, follow_redirects=True)
    assert "cannot change to that status" in forged.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Campaign.status)) == "open"
    client.post(f"/admin/campaign/{slug}/status", data={"csrf_token": token, "status": "paused"})
    with app.app_context():  # pausing needs no confirmation
        assert db.session.scalar(select(Campaign.status)) == "paused"
