"""Small participant-page fixes of #22 item 8, in a real browser."""

from __future__ import annotations

import pytest

from tests.samples import sample_survey

pytestmark = pytest.mark.browser

LONG = {"en": "A long option label that wraps onto a second line on a phone",
        "de": "Eine lange Beschriftung, die auf einem Telefon umbricht"}


@pytest.mark.parametrize("width", [360, 1280])
def test_ranking_selects_line_up_in_one_column(participant, tmp_path, width):
    options = [{"id": "park", "label": {"en": "Park", "de": "Park"}},
               {"id": "long", "label": LONG},
               {"id": "market", "label": {"en": "Market", "de": "Markt"}}]
    folder = sample_survey(tmp_path / "rank", pre_post=["ranking"],
                           extra={"ranking": {"options": options}})
    person = participant(survey=folder, slug="rank", how="pointer",
                         viewport={"width": width, "height": 900})
    person.open()
    person.consent()
    person.answer_current()  # about you
    assert person.kind() == "pre"
    page = person.page
    boxes = [page.locator(f"#q_ranking-{k}").bounding_box() for k in (1, 2, 3)]
    assert len({round(b["x"]) for b in boxes}) == 1, boxes  # one column of selects
    assert len({round(b["width"]) for b in boxes}) == 1, boxes
    assert page.evaluate("document.documentElement.scrollWidth") <= width
