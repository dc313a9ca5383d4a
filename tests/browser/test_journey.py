"""A participant takes the example survey in Chromium, from consent to thanks."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_whole_survey_by_keyboard_without_javascript(participant, live_server):
    """JavaScript off, keyboard only: every page works and every answer lands in the database."""
    person = participant(java_script_enabled=False)
    person.open()
    person.consent()
    keys = person.walk()

    page = person.page
    assert page.locator("h1").inner_text() == "Thank you"
    phases = {key.split(":")[0] for key in keys}
    assert phases == {"page", "read"}, keys
    assert keys[0] == "page:about" and keys[-1] == "page:after", keys
    assert person.modules_seen, "the participant read no briefing"
    for module in person.modules_seen:
        assert f"page:on_module:{module}" in keys

    stored = person.stored_answers(live_server.app)
    assert stored == person.expected


def test_no_horizontal_scroll_at_360_px(participant):
    """JavaScript on, a 360 x 740 phone: no page is wider than the screen."""
    person = participant(
        viewport={"width": 360, "height": 740},
        how="pointer",
        campaign={"results_min_completed": 1, "design": {"show_results": True}},  # the thanks page shows its charts
    )
    widths: dict[str, int] = {}

    def measure(p) -> None:
        width = p.page.evaluate("document.documentElement.scrollWidth")
        widths[f"{p.step() or p.page.url} ({p.kind()}, {len(widths)})"] = width

    person.open()
    measure(person)
    person.press_button("form[action$='/start'] button[type=submit]:not([formaction])")  # no consent: errors
    measure(person)
    person.consent()
    # A page with its errors shown: submit the first required page empty.
    person.answer_current()  # profile page: all optional
    person.submit()
    assert person.page.locator(".error-summary").count() == 1
    measure(person)
    person.page.goto(person.url + "later")  # "continue later", mid-journey
    measure(person)
    person.page.goto(person.url + "go")
    person.walk(on_page=measure)
    for path in ("resume", "withdraw"):
        person.page.goto(person.url + path)
        measure(person)
    person.press_button("main button[type=submit]")  # confirm withdrawal
    assert person.page.locator("h1").inner_text() == "Your answers were deleted"
    measure(person)

    too_wide = {where: w for where, w in widths.items() if w > 360}
    assert not too_wide, f"pages wider than 360 px: {too_wide}"
    assert len(widths) >= 10, widths
