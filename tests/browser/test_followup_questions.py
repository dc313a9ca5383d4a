"""axe-core (WCAG 2.2 AA) at 360 px on a follow-up page with a question of its own."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from app.campaigns.followup import mint_codes
from app.campaigns.operations import set_followup_status
from app.extensions import db
from app.models import Campaign
from surveys import load_survey
from tests.bots import Bot
from tests.browser.test_accessibility import AXE_OPTIONS, DANGLING_REFERENCES, readable
from tests.followup_survey import followup_survey

pytestmark = pytest.mark.browser


def test_a_followup_page_of_its_own_is_accessible_at_360_px(new_page, live_server, tmp_path):
    folder = followup_survey(tmp_path)
    survey = load_survey(folder)
    url = live_server.campaign("town", folder)
    app = live_server.app
    Bot(app.test_client(), "town", survey).walk()
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "town"))
        (_, code), = mint_codes(db.session, campaign)
        set_followup_status(db.session, campaign, "open", "test")
        db.session.commit()
    # The repeated "after" page is answered by the scripted participant on the same
    # database; the browser then opens the follow-up at its own page.
    bot = Bot(app.test_client(), "town", survey)
    bot.get(f"followup/{code}")
    bot.post(re.search(r'action="([^"]+/start)"', bot.html).group(1), {})
    bot.submit("followup:after")
    assert bot.current_page() == "followup:since"

    page = new_page(viewport={"width": 360, "height": 740})
    axe = Axe()
    checked: dict[str, list] = {}

    def scan(name: str) -> None:
        checked[name] = axe.run(page, options=AXE_OPTIONS).response["violations"]
        assert not page.evaluate(DANGLING_REFERENCES), name
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{name}: {width}px wide at 360"

    page.goto(url + "followup/" + code)
    assert page.locator("h1").inner_text() == "Since you took part"
    assert "Did you discuss the town square" in page.inner_text("main")
    scan("follow-up page of its own")
    page.click("main button[type=submit]")  # the required question left out: errors
    assert page.locator("#error-summary").count() == 1
    scan("follow-up page of its own, with errors")
    page.check("input[name=q_discussed][value=no]")
    page.click("main button[type=submit]")
    assert "Your follow-up answers have been saved" in page.inner_text("main")
    scan("follow-up thanks")

    failures = [readable(name, v) for name, v in checked.items() if v]
    assert not failures, "axe-core found WCAG 2.2 AA violations:\n" + "\n".join(failures)
