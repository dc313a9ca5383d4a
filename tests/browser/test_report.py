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


def test_the_report_is_accessible_and_fits_a_phone(new_page, tmp_path):
    export = demo_data(tmp_path / "demo", n_per_arm=40, seed=3)
    report = write_report(export, tmp_path / "report.html", n_boot=50)
    page = new_page(viewport={"width": 360, "height": 740})
    page.goto(report.as_uri())
    assert page.locator("h1").first.inner_text().startswith("Parley analysis")
    assert page.locator("svg").count() >= 3
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, page.evaluate(OVERFLOWING)
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert violations == [], readable("analysis report", violations)
