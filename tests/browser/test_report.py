"""The analysis report in Chromium: axe-core finds nothing, and nothing scrolls sideways at 360 px."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from analysis import demo_data, write_report
from tests.browser.test_accessibility import AXE_OPTIONS, readable

pytestmark = pytest.mark.browser

#: Which parts of the page make it scroll sideways (hiding one removes the scroll).
OVERFLOWING = """() => [...document.querySelectorAll('main *')].filter(e => {
    const display = e.style.display;
    e.style.display = 'none';
    const fits = document.documentElement.scrollWidth <= window.innerWidth;
    e.style.display = display;
    return fits;
}).slice(-3).map(e => e.tagName + ': ' + (e.textContent || '').slice(0, 60))"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The demo report with every section: plan, subgroups (small cells), free text."""
    tmp = tmp_path_factory.mktemp("report")
    export = demo_data(tmp / "demo", n_per_arm=40, seed=3)
    return write_report(export, tmp / "report.html", n_boot=50, subgroup="country")


@pytest.mark.parametrize("width", [1280, 360])
def test_the_report_is_accessible_and_fits_a_phone(new_page, report, width):
    page = new_page(viewport={"width": width, "height": 900})
    page.goto(report.as_uri())
    for ident in ("summary", "flow", "checks", "confirmatory", "items", "effects",
                  "subgroups", "exchange", "freetext", "methods"):
        assert page.locator(f"section#{ident}").count() == 1, ident
    assert page.locator("h1").first.inner_text().startswith("Parley analysis")
    assert page.locator("svg").count() >= 3
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, page.evaluate(OVERFLOWING)
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert violations == [], readable("analysis report", violations)
