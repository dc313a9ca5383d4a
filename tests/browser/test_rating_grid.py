"""The rating grid in a real browser: a table-like grid at 1280 px, one fieldset per row
at 360 px, no sideways scrolling, axe-core clean, and every row saved, with and
without JavaScript."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.test_accessibility import AXE_OPTIONS, DANGLING_REFERENCES, readable
from tests.samples import sample_survey

pytestmark = pytest.mark.browser

ROWS = ["rating_grid_safe", "rating_grid_clean", "rating_grid_busy"]


def _tops(page, item_id: str) -> list[float]:
    """The vertical position of each radio of one row."""
    return page.eval_on_selector_all(
        f"input[name='q_{item_id}']", "els => els.map(e => e.getBoundingClientRect().top)")


def _walk_and_check_stored(person, live_server) -> None:
    person.walk()
    stored = person.stored_answers(live_server.app)
    for row in ROWS:
        for phase in ("pre", "post"):
            assert stored[(phase, "", row)] == person.expected[(phase, "", row)]


def test_a_grid_works_without_javascript_by_keyboard_on_a_phone(participant, live_server,
                                                               tmp_path):
    folder = sample_survey(tmp_path / "grid", pre_post=["rating_grid", "likert"])
    person = participant(survey=folder, slug="grid", how="keyboard",
                         viewport={"width": 360, "height": 740}, java_script_enabled=False)
    person.open()
    person.consent()
    _walk_and_check_stored(person, live_server)


@pytest.mark.parametrize("width", [1280, 360])
def test_a_grid_page_fits_passes_axe_and_saves_every_row(participant, live_server, tmp_path,
                                                        width):
    folder = sample_survey(tmp_path / "grid", pre_post=["rating_grid", "likert"])
    person = participant(survey=folder, slug="grid", how="pointer",
                         viewport={"width": width, "height": 900})
    page = person.page
    person.open()
    person.consent()
    person.answer_current()  # about you
    assert person.kind() == "pre"

    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.locator(".rating-grid fieldset.grid-row").count() == 3
    head = page.locator(".rating-grid .grid-head")
    for row in ROWS:
        tops = _tops(page, row)
        if width >= 640:  # a line of radios under the scale's labels
            assert max(tops) - min(tops) < 2, tops
        else:  # the labelled radios stacked
            assert len(set(round(t) for t in tops)) == 5, tops
    assert head.is_visible() == (width >= 640)

    axe = Axe()
    found = {}
    found["grid page"] = axe.run(page, options=AXE_OPTIONS).response["violations"]
    assert not page.evaluate(DANGLING_REFERENCES)
    person.submit()  # empty: every row shows its own error
    assert page.locator(".rating-grid .error-message").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    found["grid page with errors"] = axe.run(page, options=AXE_OPTIONS).response["violations"]
    assert not any(found.values()), "\n".join(readable(k, v) for k, v in found.items() if v)

    _walk_and_check_stored(person, live_server)
