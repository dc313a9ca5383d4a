"""axe-core on every participant page type (WCAG 2.2 AA), and visible keyboard focus."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}

#: Every id named by aria-describedby, aria-labelledby or a label's "for" exists.
DANGLING_REFERENCES = """() => {
    const missing = [];
    for (const el of document.querySelectorAll('[aria-describedby], [aria-labelledby], label[for]')) {
        const refs = ['aria-describedby', 'aria-labelledby', 'for']
            .flatMap(a => (el.getAttribute(a) || '').split(/\\s+/)).filter(Boolean);
        for (const id of refs) if (!document.getElementById(id)) missing.push(id);
    }
    return missing;
}"""


def readable(name: str, violations: list[dict]) -> str:
    lines = [f"== {name}: {len(violations)} violation(s)"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"      at {', '.join(map(str, node['target']))}")
            lines.append(f"         {node['html'][:200]}")
            for check in node.get("any", []) + node.get("all", []) + node.get("none", []):
                lines.append(f"         - {check['message']}")
    return "\n".join(lines)


def test_axe_finds_no_violations_on_any_page_type(participant):
    # Results on the thanks page from the first completed participant on.
    person = participant(how="pointer", campaign={"results_min_completed": 1, "design": {"show_results": True}})
    page = person.page
    axe = Axe()
    checked: dict[str, list[dict]] = {}

    def scan(name: str) -> None:
        assert name not in checked, name
        results = axe.run(page, options=AXE_OPTIONS)
        checked[name] = results.response["violations"]
        dangling = page.evaluate(DANGLING_REFERENCES)
        assert not dangling, f"{name}: references to missing ids: {dangling}"

    person.open()
    scan("landing and consent")
    person.press_button("form[action$='/start'] button[type=submit]:not([formaction])")
    assert page.locator(".error-summary").count() == 1
    scan("landing with a consent error")
    person.consent()
    assert person.kind() == "profile"
    scan("profile page (with resume-code notice)")
    page.goto(person.url + "later")
    scan("continue later")
    page.goto(person.url + "go")
    person.answer_current()
    assert person.kind() == "pre"
    scan("pre page: likert, thermometer, estimate, ranking, knowledge")
    # The thermometer's scale ends are read out with its input, not only shown.
    described = page.get_attribute("#q_warmth_council", "aria-describedby") or ""
    assert "q_warmth_council-ends" in described.split(), described
    person.submit()  # empty: every required item shows an error
    assert page.locator(".error-summary").count() == 1
    scan("pre page with validation errors")
    person.answer_current()
    assert person.kind() == "read"
    scan("briefing to read")
    person.answer_current()
    assert person.kind() == "module"
    scan("questions on a module")
    while person.kind() != "post":
        person.answer_current()
    scan("post page: free text and attention check")
    person.answer_current()
    assert person.kind() == "thanks"
    assert page.locator("figure.result meter").count() >= 2
    scan("thanks, with results")
    page.goto(person.url + "resume")
    scan("resume")
    page.fill("#code", "WRONG-CODE")
    person.press_button("main button[type=submit]")
    assert page.locator(".error-summary").count() == 1
    scan("resume with an error")
    page.goto(person.url + "withdraw")
    scan("withdraw confirmation")
    person.press_button("main button[type=submit]")
    scan("withdrawn")

    # Control: the same scanner does flag a page with known faults.
    page.set_content(
        "<html><head><title>x</title></head><body><img src='a.png'>"
        "<input type='text'></body></html>"
    )
    control = axe.run(page, options=AXE_OPTIONS).response["violations"]
    assert {"html-has-lang", "image-alt", "label"} <= {v["id"] for v in control}

    failures = [readable(name, v) for name, v in checked.items() if v]
    assert not failures, "axe-core found WCAG 2.2 AA violations:\n" + "\n".join(failures)


def test_keyboard_focus_is_visible_and_errors_link_to_fields(participant):
    person = participant()
    page = person.page
    person.open()

    # First Tab: the skip link takes focus, moves on screen and shows a focus ring.
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => {
            const el = document.activeElement, r = el.getBoundingClientRect(),
                  s = getComputedStyle(el);
            return {cls: el.className, href: el.getAttribute('href'), left: r.left, top: r.top,
                    width: r.width, height: r.height, outline: s.outlineStyle,
                    outlineWidth: parseFloat(s.outlineWidth), shadow: s.boxShadow};
        }"""
    )
    assert focused["cls"] == "skip-link" and focused["href"] == "#main", focused
    assert focused["left"] >= 0 and focused["top"] >= 0, f"skip link off screen: {focused}"
    assert focused["width"] > 1 and focused["height"] > 1, focused
    assert page.locator(".skip-link").is_visible()
    assert focused["outline"] != "none" and focused["outlineWidth"] >= 2, focused
    assert page.locator("#main").count() == 1
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    def summary_targets() -> list[str]:
        summary = page.locator(".error-summary")
        assert summary.count() == 1, "no error summary after a failed submit"
        assert summary.get_attribute("role") == "alert"
        hrefs = summary.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert hrefs, "the error summary links to nothing"
        for href in hrefs:
            assert href.startswith("#"), href
            target = page.locator(f"[id='{href[1:]}']")
            assert target.count() == 1, f"error summary link {href} points to no element"
        return hrefs

    # The consent page submitted without agreeing.
    person.press_button("form[action$='/start'] button[type=submit]:not([formaction])")
    assert summary_targets() == ["#agree"]

    # A question page submitted empty: one link per required question, each to its field.
    person.consent()
    person.answer_current()
    person.submit()
    hrefs = summary_targets()
    required = [i for i in person.survey.page("before").items if person.survey.items[i].required]
    assert len(hrefs) == len(required), (hrefs, required)
    # Following a link moves focus to the question's first input.
    page.locator(".error-summary a").first.click()
    assert page.evaluate("document.activeElement.id") == hrefs[0][1:]
    # Each field repeats its error, tied to it with aria-describedby.
    for href in hrefs:
        field_id = href[1:].removesuffix("-1")
        assert page.locator(f"[id='{field_id}-error']").count() == 1, field_id
