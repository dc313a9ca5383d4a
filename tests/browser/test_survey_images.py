"""A survey image in a briefing at 360 px: loaded, scaled, no layout shift, axe-core clean."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.test_accessibility import AXE_OPTIONS, readable
from tests.survey_images import survey_with_chart

pytestmark = pytest.mark.browser

#: The figure's image: loaded, its box, and the box the attributes reserved before loading.
IMAGE_FACTS = """() => {
    const img = document.querySelector('figure.figure img');
    const box = img.getBoundingClientRect();
    return {loaded: img.complete && img.naturalWidth > 0, natural: img.naturalWidth,
            width: box.width, height: box.height,
            ratio: img.getAttribute('width') / img.getAttribute('height'),
            scroll: document.documentElement.scrollWidth};
}"""


@pytest.mark.parametrize("lang", ["en", "de"])
def test_an_image_in_a_briefing_at_360_px(participant, tmp_path, lang):
    folder = survey_with_chart(tmp_path, place="everywhere")
    person = participant(survey=folder, slug="pics", how="pointer",
                         viewport={"width": 360, "height": 800})
    page = person.page
    axe = Axe()
    person.open(lang)
    person.consent()
    while person.kind() != "read":
        person.answer_current()
    assert page.locator("figure.figure").count() == 1
    facts = page.evaluate(IMAGE_FACTS)
    assert facts["loaded"], facts
    assert facts["natural"] == 720  # the file, not a placeholder
    assert facts["width"] <= 360 - 2 * 16 + 1, facts  # scaled into the column
    assert abs(facts["width"] / facts["height"] - facts["ratio"]) < 0.02, facts  # not stretched
    assert facts["scroll"] <= 360, facts  # no sideways scrolling
    alt = page.locator("figure.figure img").get_attribute("alt")
    assert alt.startswith("Bar chart" if lang == "en" else "Balkendiagramm")
    violations = axe.run(page, options=AXE_OPTIONS).response["violations"]
    assert not violations, readable("briefing with an image", violations)


def test_the_image_space_is_reserved_before_it_loads(participant, tmp_path):
    """With images blocked, the page still holds the image's box: nothing moves when it comes."""
    folder = survey_with_chart(tmp_path, place="everywhere")
    person = participant(survey=folder, slug="pics", how="pointer",
                         viewport={"width": 360, "height": 800})
    person.page.route("**/images/**", lambda route: route.abort())
    person.open()
    box = person.page.locator("figure.figure img").bounding_box()
    assert box["height"] > 100, box  # 328 px wide at 720:405 is about 184 px high
