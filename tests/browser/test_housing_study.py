"""The housing study (issue 22) walked in a real browser at 360 px, axe-core clean on every
page: an owner in English and a renter in German, each through the journey and the
follow-up wave. The same survey's campaign and export: tests/app/test_housing_study.py."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from app.campaigns.followup import mint_codes
from app.campaigns.operations import set_followup_status
from app.extensions import db
from app.models import Campaign
from tests.app.test_housing_study import HOUSING, SURVEY
from tests.browser.conftest import BrowserParticipant, step_key
from tests.browser.test_accessibility import AXE_OPTIONS, DANGLING_REFERENCES, readable

pytestmark = pytest.mark.browser

FORM = "main form[action*='/step/']"


def answer(page, tenure: str) -> None:
    """Answer whatever the page shows, from its own fields: the first option of each
    question (``tenure`` for the tenure question), ranks in the order shown (the ranking's
    own order for this participant), 30 in a box."""
    radios = page.eval_on_selector_all(f"{FORM} input[type=radio]",
                                       "els => [...new Set(els.map(e => e.name))]")
    for name in radios:
        value = f"[value={tenure}]" if name == "q_tenure" else ""
        page.locator(f"{FORM} input[name={name}]{value}").first.check()
    ranks = page.locator(f"{FORM} select").all()
    if ranks:  # the shuffled ranking: "None of these" is fixed in the last place
        assert ranks[-1].get_attribute("name") == "q_rank_policies__none"
    for rank, select_ in enumerate(ranks, start=1):
        select_.select_option(str(rank))
    for box in page.locator(f"{FORM} input[inputmode=decimal]").all():
        box.fill("30")


def walk(page, tenure: str, lang: str, scan) -> list[str]:
    """From the current page to one without a step form, scanning and answering each."""
    keys = []
    for _ in range(30):
        key = step_key(page)
        scan(f"{lang} {key or 'end'}")
        if key is None:
            return keys
        keys.append(key)
        if key.startswith("read:") and key != "read:control" or key == "followup:since":
            # the tenure piped into the briefing and the follow-up question, in their language
            assert SURVEY.items["tenure"].option(tenure).label[lang] in page.inner_text("main")
        if key.startswith("read:") and key != "read:control":
            alt = page.locator("figure.figure img").get_attribute("alt")
            assert alt == SURVEY.images["rents"].alt[lang]
        answer(page, tenure)
        with page.expect_navigation():
            page.click(f"{FORM} button[type=submit]")
    raise AssertionError(f"no end after 30 steps: {keys}")


@pytest.mark.parametrize("lang, tenure, arm", [("en", "owner", "rent_cap"),
                                               ("de", "renter", "build")])
def test_the_housing_study_at_360_px_in_two_languages(new_page, live_server, lang, tenure, arm):
    weights = {a.id: int(a.id == arm) for a in SURVEY.arms}  # a briefing with the chart
    url = live_server.campaign("housing", HOUSING, design={"arm_weights": weights})
    page = new_page(viewport={"width": 360, "height": 740})
    axe = Axe()
    checked: dict[str, list] = {}

    def scan(name: str) -> None:
        checked[name] = axe.run(page, options=AXE_OPTIONS).response["violations"]
        assert not page.evaluate(DANGLING_REFERENCES), name
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{name}: {width}px wide at 360"

    person = BrowserParticipant(page, url, SURVEY, how="pointer")
    person.open(lang)
    scan(f"{lang} landing")
    person.consent()
    keys = walk(page, tenure, lang, scan)
    assert keys[0] == "page:home" and f"read:{arm}" in keys and keys[-1] == "page:after"
    assert ("page:renting" in keys) == (tenure == "renter")  # the renter-only block

    app = live_server.app
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "housing"))
        (_, code), = mint_codes(db.session, campaign)
        set_followup_status(db.session, campaign, "open", "test")
        db.session.commit()
    page.goto(f"{url}followup/{code}")
    scan(f"{lang} follow-up start")
    with page.expect_navigation():
        page.click("main form[action$='/start'] button[type=submit]")
    assert walk(page, tenure, lang, scan) == ["followup:after", "followup:since"]
    assert re.search(r"saved|gespeichert", page.inner_text("main"))

    failures = [readable(name, v) for name, v in checked.items() if v]
    assert not failures, "axe-core found WCAG 2.2 AA violations:\n" + "\n".join(failures)
