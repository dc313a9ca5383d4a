"""After an error, focus moves to the error summary (a nonce'd script); without JS the page works."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("java_script", [True, False])
def test_focus_moves_to_the_error_summary_after_an_error(participant, java_script):
    person = participant(java_script_enabled=java_script)
    violations: list[str] = []
    person.page.on("console", lambda m: violations.append(m.text)
                   if "Content Security Policy" in m.text else None)
    person.open()
    person.press_button("form[action$='/start'] button[type=submit]:not([formaction])")
    summary = person.page.locator("#error-summary")
    assert summary.count() == 1
    focused = person.page.evaluate("document.activeElement && document.activeElement.id")
    if java_script:
        assert focused == "error-summary"
        assert violations == []  # the inline script ran under the page's nonce
    else:
        assert focused != "error-summary"
    # Either way the page still works: consent and go on.
    person.consent()
    assert person.step() == "page:about"
