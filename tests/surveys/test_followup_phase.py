"""Follow-up questions of their own: pages in the ``followup`` phase, loaded and checked."""

from __future__ import annotations

import pytest

from surveys import SurveyError, load_survey
from surveys.model import PHASES
from tests.followup_survey import followup_survey


def test_a_followup_page_loads_with_its_own_questions(tmp_path):
    survey = load_survey(followup_survey(tmp_path))
    assert PHASES[-1] == "followup"
    assert [p.id for p in survey.pages_in("followup")] == ["since"]
    assert survey.phases_of("discussed") == ("followup",)
    assert survey.phases_of("since_note") == ("followup",)
    # the follow-up's own questions are not "after" items
    assert "discussed" not in {i for p in survey.pages_in("post") for i in p.items}


# (extra TOML appended after the follow-up page, place, exact message)
BAD = {
    "a post item on a followup page": (
        '\n[[pages]]\nid = "again"\nphase = "followup"\nitems = ["support_trees"]\n',
        "pages",
        "item 'support_trees' is on a followup page and on a post page: a followup page asks "
        "questions of its own (the follow-up repeats the post pages by itself)",
    ),
    "a profile item on a followup page": (
        '\n[[pages]]\nid = "again"\nphase = "followup"\nitems = ["age_band"]\n',
        "pages",
        "item 'age_band' is on a followup page and on a profile page: a followup page asks "
        "questions of its own (the follow-up repeats the post pages by itself)",
    ),
    "an item on two followup pages": (
        '\n[[pages]]\nid = "again"\nphase = "followup"\nitems = ["discussed"]\n',
        "pages",
        "item 'discussed' is on more than one followup page",
    ),
    "a phase the loader does not know": (
        '\n[[pages]]\nid = "later"\nphase = "later"\nitems = ["discussed"]\n',
        "pages[5].phase",
        "must be one of profile, pre, module, post, followup (got 'later')",
    ),
}


@pytest.mark.parametrize("extra, place, message", BAD.values(), ids=BAD.keys())
def test_bad_followup_pages_are_load_errors(tmp_path, extra, place, message):
    with pytest.raises(SurveyError) as caught:
        load_survey(followup_survey(tmp_path, extra))
    found = [(p.file, p.place, p.message) for p in caught.value.problems]
    assert ("survey.toml", place, message) in found, found
