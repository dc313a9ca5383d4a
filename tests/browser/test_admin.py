"""The team in a real browser: an owner invites an analyst, who signs in, sees only their
campaign, watches the monitor, downloads a Stata export and the report, and cannot change
the status; axe-core finds no violation on the admin pages at 1280 and 360 px."""

from __future__ import annotations

import re

import pyreadstat
import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import func, select

from app.accounts.passwords import hash_password
from app.campaigns.operations import create_campaign, set_status
from app.extensions import db
from app.models import Campaign, Participant, User
from surveys import EXAMPLE, load_survey
from tests.bots import Bot
from tests.browser.test_accessibility import AXE_OPTIONS, DANGLING_REFERENCES, readable

pytestmark = pytest.mark.browser

SURVEY = load_survey(EXAMPLE)
OWNER, ANALYST, PASSWORD = "owner@example.org", "analyst@example.org", "owner passphrase"


@pytest.fixture
def team(live_server):
    app = live_server.app
    with app.app_context():
        for slug in ("town", "other"):
            c = create_campaign(db.session, slug=slug, survey_folder=EXAMPLE, actor="test",
                                block_size=8, seed="5eed" * 8)
            set_status(db.session, c, "open", "test")
        owner = User(email=OWNER, role="owner", password_hash=hash_password(PASSWORD))
        db.session.add(owner)
        db.session.commit()
    for k in range(8):
        Bot(app.test_client(), "town", SURVEY, overrides={
            "before": {"q_support_trees": str(1 + (k * 3) % 5), "q_warmth_council": str(10 * k)},
            "after": {"q_support_trees": str(1 + k % 5), "q_warmth_council": str(5 + 9 * k)},
        }).walk()
    return live_server


def sign_in(page, url: str, email: str, password: str) -> None:
    page.goto(f"{url}/admin/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def scan(page, name: str, found: dict) -> None:
    results = Axe().run(page, options=AXE_OPTIONS)
    found[name] = results.response["violations"]
    assert not page.evaluate(DANGLING_REFERENCES), name
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + e.outerHTML.slice(0, 80))""")
    assert width <= viewport, f"{name}: the page scrolls sideways ({width} > {viewport}): {wide}"


def test_an_invited_analyst_watches_and_downloads_but_changes_nothing(team, new_page, tmp_path):
    url, found = team.url, {}
    owner = new_page(viewport={"width": 1280, "height": 900})
    sign_in(owner, url, OWNER, PASSWORD)
    owner.goto(f"{url}/admin/accounts")
    owner.fill("#email", ANALYST)
    owner.select_option("#role", "analyst")
    with owner.expect_navigation():
        owner.click("form[action$='/accounts/invite'] button[type=submit]")
    link = owner.get_attribute("#one-time-link", "href")
    assert "/admin/set-password/" in link
    owner.goto(f"{url}/admin/campaign/town")
    owner.select_option("#user", ANALYST)
    with owner.expect_navigation():
        owner.click("form[action$='/members'] button[type=submit]")
    assert ANALYST in owner.inner_text("#members ~ ul")

    analyst = new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    analyst.goto(link)
    scan(analyst, "set password", found)
    analyst.fill("#password", "analyst passphrase")
    analyst.fill("#confirm", "analyst passphrase")
    with analyst.expect_navigation():
        analyst.click("button[type=submit]")
    sign_in(analyst, url, ANALYST, "analyst passphrase")
    dashboard = analyst.inner_text("main")
    assert "/c/town/" in dashboard and "/c/other/" not in dashboard
    assert analyst.goto(f"{url}/admin/campaign/other").status == 404
    assert analyst.goto(f"{url}/admin/campaign/other/monitor").status == 404

    analyst.goto(f"{url}/admin/campaign/town")
    assert analyst.locator("text=Change status").count() == 0
    token = analyst.get_attribute("input[name=csrf_token]", "value")
    forged = analyst.request.post(f"{url}/admin/campaign/town/status",
                                  form={"csrf_token": token, "status": "closed"})
    assert forged.status == 403
    with team.app.app_context():
        assert db.session.scalar(select(Campaign.status).where(Campaign.slug == "town")) == "open"

    analyst.goto(f"{url}/admin/campaign/town/monitor?refresh=off")
    assert analyst.inner_text("td[data-stage=completed]") == "8"
    assert analyst.locator("svg[role=img] desc").count() >= 3

    analyst.goto(f"{url}/admin/campaign/town/exports")
    analyst.check("#fmt-dta")
    with analyst.expect_navigation():
        analyst.click("form[action$='/exports'] button[type=submit]")
    analyst.wait_for_selector("a:has-text('Download dta')", timeout=90_000)  # the page reloads
    with analyst.expect_download() as info:
        analyst.click("a:has-text('Download dta')")
    archive = tmp_path / "town-dta.zip"
    info.value.save_as(archive)
    import zipfile

    zipfile.ZipFile(archive).extract("wide.dta", tmp_path)
    table, meta = pyreadstat.read_dta(str(tmp_path / "wide.dta"))
    with team.app.app_context():
        people = db.session.scalar(select(func.count()).select_from(Participant))
    assert len(table) == people == 8 and "pre__support_trees" in table.columns

    with analyst.expect_navigation():
        analyst.click("form[action$='/report'] button[type=submit]")
    analyst.wait_for_selector("a:has-text('Download report')", timeout=120_000)
    with analyst.expect_download() as info:
        analyst.click("a:has-text('Download report')")
    report = tmp_path / "report.html"
    info.value.save_as(report)
    assert "<svg" in report.read_text(encoding="utf-8")

    # axe-core and no sideways scrolling on the admin pages, wide and narrow.
    for width in (1280, 360):
        for page in (analyst, owner):
            page.set_viewport_size({"width": width, "height": 800})
        pages = [("analyst", "/admin/", "dashboard"),
                 ("analyst", "/admin/campaign/town", "campaign"),
                 ("analyst", "/admin/campaign/town/monitor?refresh=off", "monitor"),
                 ("analyst", "/admin/campaign/town/exports", "exports"),
                 ("analyst", "/admin/account/second-factor", "second factor"),
                 ("owner", "/admin/accounts", "team"),
                 ("owner", "/admin/audit", "audit trail"),
                 ("owner", "/admin/campaign/town", "campaign (owner)"),
                 ("owner", "/admin/campaign/town/retention", "retention"),
                 ("owner", "/admin/campaign/town/followup", "follow-up")]
        for who, path, name in pages:
            page = analyst if who == "analyst" else owner
            page.goto(url + path)
            scan(page, f"{name} at {width} px", found)
    login_page = new_page(viewport={"width": 360, "height": 800})
    login_page.goto(f"{url}/admin/login")
    scan(login_page, "sign-in at 360 px", found)
    problems = {name: v for name, v in found.items() if v}
    assert not problems, "\n".join(readable(n, v) for n, v in problems.items())
    assert re.search(r"analyst", owner.goto(f"{url}/admin/audit?actor=analyst").text())
