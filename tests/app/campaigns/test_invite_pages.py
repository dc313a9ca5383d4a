"""Invite codes in the browser: make N and download their links, see which are used, revoke."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Invite, Participant
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)


def token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.fixture
def invite_campaign(app, make_campaign):
    return make_campaign(design={"access": "invite"})


def make_codes(client, slug: str, n) -> list[dict]:
    response = client.post(f"/admin/campaign/{slug}/invites.csv", data={
        "csrf_token": token(client, f"/admin/campaign/{slug}/invites"), "n": str(n)})
    assert response.status_code == 200, response.get_data(as_text=True)[:1500]
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_a_manager_makes_codes_and_downloads_personal_links(app, admin, invite_campaign):
    rows = make_codes(admin, invite_campaign, 3)
    assert len(rows) == 3 and list(rows[0]) == ["invite_id", "code", "link"]
    for row in rows:
        assert row["link"] == (f"http://localhost/c/{invite_campaign}/?invite="
                               + row["code"].replace("-", ""))
    with app.app_context():
        stored = db.session.scalars(select(Invite).order_by(Invite.id)).all()
        assert [str(i.id) for i in stored] == [r["invite_id"] for r in rows]
        assert all(i.code_hash not in {r["code"] for r in rows} for i in stored)  # hashes only
        detail = db.session.scalar(select(AuditEvent.detail)
                                   .where(AuditEvent.action == "invites.create"))
        assert detail == "3 codes"
    page = admin.get(f"/admin/campaign/{invite_campaign}/invites").get_data(as_text=True)
    assert "Unused: 3 · used: 0 · revoked: 0" in page
    assert rows[0]["code"] not in page  # the codes are shown once, in the CSV only

    # One code starts one participant; the list shows it used.
    Bot(app.test_client(), invite_campaign, SURVEY).walk(query=f"invite={rows[1]['code']}")
    with app.app_context():
        person = db.session.scalar(select(Participant))
        assert person.status == "completed"
    page = admin.get(f"/admin/campaign/{invite_campaign}/invites").get_data(as_text=True)
    assert "Unused: 2 · used: 1 · revoked: 0" in page
    used_row = re.search(rf"<tr><td>{rows[1]['invite_id']}</td>\s*<td>(\w+)</td>", page)
    assert used_row.group(1) == "used"


def test_revoke_one_by_id_or_code_then_all(app, admin, invite_campaign):
    rows = make_codes(admin, invite_campaign, 4)
    path = f"/admin/campaign/{invite_campaign}/invites"
    response = admin.post(path + "/revoke", data={"csrf_token": token(admin, path),
                                                  "invite_id": rows[0]["invite_id"]})
    assert response.status_code == 303
    response = admin.post(path + "/revoke", data={"csrf_token": token(admin, path),
                                                  "code": rows[1]["code"].lower()})
    assert response.status_code == 303
    page = admin.get(path).get_data(as_text=True)
    assert "Unused: 2 · used: 0 · revoked: 2" in page
    # A revoked code starts no one.
    html = Bot(app.test_client(), invite_campaign, SURVEY).get(f"?invite={rows[0]['code']}")
    assert html.status_code in (403, 404, 410) or 'name="agree"' not in html.get_data(
        as_text=True)
    # Revoking it again, or a code that does not exist, says so and changes nothing.
    response = admin.post(path + "/revoke", data={"csrf_token": token(admin, path),
                                                  "code": rows[1]["code"]})
    assert response.status_code == 400
    assert "No unused code matches" in response.get_data(as_text=True)
    response = admin.post(path + "/revoke-all", data={"csrf_token": token(admin, path)})
    assert response.status_code == 303
    assert "Unused: 0 · used: 0 · revoked: 4" in admin.get(path).get_data(as_text=True)
    with app.app_context():
        details = db.session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "invites.revoke").order_by(AuditEvent.id)).all()
    assert details == ["1 codes", "1 codes", "0 codes", "2 codes (all unused)"]


def test_codes_need_invite_access_and_a_sane_number(app, admin, make_campaign):
    slug = make_campaign()  # open access
    path = f"/admin/campaign/{slug}/invites"
    page = admin.get(path).get_data(as_text=True)
    assert "does not use invite codes" in page and "Make codes" not in page
    response = admin.post(path + ".csv", data={"csrf_token": token(admin, path), "n": "2"})
    assert response.status_code == 400
    assert "not invite codes" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Invite.id)) is None


@pytest.mark.parametrize("n", ["0", "10001", "", "x"])
def test_a_bad_number_of_codes_is_an_error_on_the_page(app, admin, invite_campaign, n):
    path = f"/admin/campaign/{invite_campaign}/invites"
    response = admin.post(path + ".csv", data={"csrf_token": token(admin, path), "n": n})
    assert response.status_code == 400
    assert 'class="error-summary"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Invite.id)) is None


def test_an_analyst_sees_which_codes_are_used_but_changes_nothing(app, client, admin,
                                                                  invite_campaign, make_user, login):
    make_codes(admin, invite_campaign, 2)
    make_user(email="analyst@example.org", role="analyst", campaigns=[invite_campaign])
    analyst = app.test_client()
    login(analyst, email="analyst@example.org")
    path = f"/admin/campaign/{invite_campaign}/invites"
    page = analyst.get(path).get_data(as_text=True)
    assert "Unused: 2" in page and "Make codes" not in page and "Revoke" not in page
    data = {"csrf_token": token(analyst, path), "n": "5"}
    assert analyst.post(path + ".csv", data=data).status_code == 403
    assert analyst.post(path + "/revoke-all", data=data).status_code == 403
