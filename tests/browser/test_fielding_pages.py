"""axe-core (WCAG 2.2 AA) on the fielding pages: panel access, endings with codes, follow-up."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select, update

from app.campaigns.followup import mint_codes
from app.campaigns.operations import set_followup_status
from app.extensions import db
from app.models import Campaign, Participant
from surveys import EXAMPLE, load_survey
from tests.bots import Bot
from tests.browser.test_accessibility import AXE_OPTIONS, DANGLING_REFERENCES, readable

pytestmark = pytest.mark.browser

DESIGN = {
    "access": "prolific",
    "completion": {"completed": {"code": "C-DONE"}, "screened_out": {"code": "C-SCR"},
                   "declined": {"code": "C-NO"}, "followup": {"code": "C-FU"}},
    "screening": [{"item": "age_band", "deny": ["under_30"]}],
}


def test_axe_finds_no_violations_on_the_fielding_pages(new_page, live_server):
    url = live_server.campaign("study", EXAMPLE, design=DESIGN)
    page = new_page(viewport={"width": 360, "height": 740})
    axe = Axe()
    checked: dict[str, list] = {}

    def scan(name: str) -> None:
        checked[name] = axe.run(page, options=AXE_OPTIONS).response["violations"]
        assert not page.evaluate(DANGLING_REFERENCES), name
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{name}: {width}px wide at 360"

    page.goto(url)
    assert page.locator("h1").inner_text() == "Your participant ID is missing from this link"
    scan("panel link without an id")
    page.goto(url + "?PROLIFIC_PID=decliner-1")
    scan("consent with a panel id")
    page.click("button[formaction]")
    assert page.locator("h1").inner_text() == "You have chosen not to take part"
    scan("declined, with code and link back")
    page.goto(url + "?PROLIFIC_PID=young-1")
    page.check("#agree")
    page.click("form[action$='/start'] button[type=submit]:not([formaction])")
    page.check("input[name=q_age_band][value=under_30]")
    page.click("main button[type=submit]")
    assert "C-SCR" in page.inner_text("main")
    scan("screened out, with code and link back")

    # A completer (walked by a bot on the same database) and their follow-up.
    app = live_server.app
    Bot(app.test_client(), "study", load_survey(EXAMPLE)).walk(query="PROLIFIC_PID=done-1")
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "study"))
        (_, code), = mint_codes(db.session, campaign)
        set_followup_status(db.session, campaign, "open", "test")
        db.session.commit()
    page.goto(url + "?PROLIFIC_PID=done-1")  # their id alone, in another browser
    assert page.locator("h1").inner_text() == "Continue with your resume code"
    scan("panel id of someone who saved answers, without proof")
    page.goto(url + "followup/" + code)
    scan("follow-up intro")
    page.click("main button[type=submit]")
    scan("follow-up page")
    page.click("main button[type=submit]")  # nothing answered: errors
    assert page.locator("#error-summary").count() == 1
    scan("follow-up page with errors")
    page.goto(url + "followup?PROLIFIC_PID=someone-else")
    scan("follow-up: no finished survey for this id")
    with app.app_context():  # their follow-up has a saved page: the id alone is refused
        db.session.execute(update(Participant).values(followup_step="followup:thanks"))
        db.session.commit()
    page.goto(url + "followup?PROLIFIC_PID=done-1")
    assert page.locator("h1").inner_text() == "Your follow-up has already begun"
    scan("follow-up begun: panel id without its session")

    failures = [readable(name, v) for name, v in checked.items() if v]
    assert not failures, "axe-core found WCAG 2.2 AA violations:\n" + "\n".join(failures)
