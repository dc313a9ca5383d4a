"""The survey workbench at 360 and 1280 px: no sideways scrolling, the codebook beside or below."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from app.accounts.passwords import hash_password
from app.extensions import db
from app.models import User
from tests.browser.test_accessibility import AXE_OPTIONS, readable
from tests.browser.test_admin import sign_in

pytestmark = pytest.mark.browser

OWNER, PASSWORD = "owner@example.org", "owner passphrase"


@pytest.mark.parametrize("width", [360, 1280])
def test_the_workbench_fits_the_screen(live_server, new_page, width):
    with live_server.app.app_context():
        db.session.add(User(email=OWNER, role="owner", password_hash=hash_password(PASSWORD)))
        db.session.commit()
    page = new_page(viewport={"width": width, "height": 800})
    sign_in(page, live_server.url, OWNER, PASSWORD)
    found = {}
    for step in (0, 3, 5):  # consent, a page of questions, a briefing
        page.goto(f"{live_server.url}/admin/workbench/shipped/peace_in_europe?lang=de&step={step}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, step
        shown = page.locator(".workbench-page").bounding_box()
        codebook = page.locator(".workbench-codebook").bounding_box()
        if width == 360:  # one after the other
            assert codebook["y"] >= shown["y"] + shown["height"] - 1
        else:  # side by side
            assert abs(codebook["y"] - shown["y"]) < 2
        found[f"step {step}"] = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    problems = {name: v for name, v in found.items() if v}
    assert not problems, "\n".join(readable(n, v) for n, v in problems.items())
    page.select_option("#wb-step", "4")
    with page.expect_navigation():
        page.click(".workbench-controls button[type=submit]")
    assert "step=4" in page.url
