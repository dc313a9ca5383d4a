"""The follow-up wave in the browser: open, close, download personal links, all audited."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from app.campaigns.followup import LINKS_CSV_COLUMNS
from app.extensions import db
from app.models import AuditEvent, Campaign
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
PAGE = "/admin/campaign/town/followup"


def token(client, path: str = PAGE) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.fixture
def town(app, make_campaign):
    make_campaign("town")
    make_campaign("elsewhere")
    for _ in range(2):
        assert "Thank you" in Bot(app.test_client(), "town", SURVEY).walk()
    return "town"


@pytest.fixture
def manager(signed_in, town):
    return signed_in("manager@example.org", "manager")


def download(client, renew: bool = False) -> list[dict]:
    data = {"csrf_token": token(client)}
    if renew:
        data["renew"] = "y"
    response = client.post("/admin/campaign/town/followup.csv", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)[:1500]
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="town-followup.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert text.splitlines()[0] == ",".join(LINKS_CSV_COLUMNS)
    return list(csv.DictReader(io.StringIO(text)))


def status(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Campaign.followup_status).where(Campaign.slug == "town"))


def test_a_manager_opens_the_wave_downloads_links_and_closes_it(app, manager):
    page = manager.get(PAGE).get_data(as_text=True)
    assert "not opened yet" in page
    assert "Completers: 2 · with a link: 0 · started: 0 · answered: 0" in page
    design = manager.get("/admin/campaign/town/design").get_data(as_text=True)
    assert 'href="/admin/campaign/town/followup"' in design

    response = manager.post(PAGE + "/open", data={"csrf_token": token(manager)})
    assert response.status_code == 303 and response.headers["Location"].endswith(PAGE)
    assert status(app) == "open"

    rows = download(manager)
    assert len(rows) == 2 and {r["invite_code"] for r in rows} == {""}
    link = rows[0]["link"]
    assert link.startswith("http://localhost/c/town/followup/")
    participant = app.test_client()
    assert participant.get(link.removeprefix("http://localhost")).status_code == 200
    page = manager.get(PAGE).get_data(as_text=True)
    assert "Completers: 2 · with a link: 2" in page
    assert rows[0]["followup_code"] not in page  # the codes are shown once, in the CSV only

    assert download(manager) == []  # everyone has a link already
    renewed = download(manager, renew=True)
    assert len(renewed) == 2
    assert participant.get(link.removeprefix("http://localhost")).status_code == 404  # replaced
    new_link = renewed[0]["link"].removeprefix("http://localhost")
    assert participant.get(new_link).status_code == 200

    response = manager.post(PAGE + "/close", data={"csrf_token": token(manager)})
    assert response.status_code == 303 and status(app) == "closed"
    assert participant.get(new_link).status_code == 403  # a closed wave lets nobody in

    with app.app_context():
        trail = db.session.execute(
            select(AuditEvent.action, AuditEvent.actor, AuditEvent.detail)
            .where(AuditEvent.action.like("followup.%")).order_by(AuditEvent.id)
        ).all()
    who = "manager@example.org"
    assert [tuple(t) for t in trail] == [
        ("followup.open", who, "none -> open"),
        ("followup.links", who, "2 links"),
        ("followup.links", who, "0 links"),
        ("followup.links", who, "2 links, all renewed"),
        ("followup.closed", who, "open -> closed"),
    ]


def test_an_analyst_sees_the_page_but_may_not_act(app, town, signed_in):
    analyst = signed_in("analyst@example.org", "analyst")
    page = analyst.get(PAGE)
    assert page.status_code == 200
    assert "Open the follow-up wave" not in page.get_data(as_text=True)
    csrf = token(analyst, "/admin/")
    for path in ("/open", "/close"):
        assert analyst.post(PAGE + path, data={"csrf_token": csrf}).status_code == 403
    assert analyst.post("/admin/campaign/town/followup.csv",
                        data={"csrf_token": csrf}).status_code == 403
    assert status(app) == "none"


def test_a_manager_of_another_campaign_gets_404(app, town, signed_in):
    outsider = signed_in("outsider@example.org", "manager", campaigns=["elsewhere"])
    assert outsider.get(PAGE).status_code == 404
    csrf = token(outsider, "/admin/")
    assert outsider.post(PAGE + "/open", data={"csrf_token": csrf}).status_code == 404
    assert outsider.post("/admin/campaign/town/followup.csv",
                         data={"csrf_token": csrf}).status_code == 404
    assert status(app) == "none"


def test_posts_without_a_csrf_token_are_refused(app, manager):
    assert manager.post(PAGE + "/open", data={}).status_code == 400
    response = manager.post("/admin/campaign/town/followup.csv", data={})
    assert response.status_code == 400 and response.mimetype != "text/csv"
    assert status(app) == "none"
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action.like("followup.%"))
                                 ) is None


def test_a_draft_campaign_offers_no_follow_up(app, make_campaign, signed_in):
    make_campaign("draft", status="draft")
    client = signed_in("manager@example.org", "manager", campaigns=["draft"])
    page = client.get("/admin/campaign/draft/followup").get_data(as_text=True)
    assert "A draft campaign has no participants to follow up." in page
    assert "Open the follow-up wave" not in page
    response = client.post("/admin/campaign/draft/followup/open",
                           data={"csrf_token": token(client, "/admin/")}, follow_redirects=True)
    assert "a draft campaign has no participants to follow up" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Campaign.followup_status)
                                 .where(Campaign.slug == "draft")) == "none"
