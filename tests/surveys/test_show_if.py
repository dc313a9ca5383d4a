"""Display conditions (``show_if``): the grammar, the load-time checks with their exact
messages, and what a condition decides for a participant's answers."""

from __future__ import annotations

import pytest

from surveys import SurveyError, load_survey
from surveys.conditions import NOT_SHOWN_CODE, ConditionError, not_shown_code, parse, shown_items
from tests.show_if_survey import show_if_survey

PAGE_IF = """show_if = 'tenure = "renter"'"""
ITEM_IF = """show_if = 'tenure in ["renter", "other"]'"""
TENURE = 'id = "tenure"\ntype = "single_choice"\n'
AFTER_PAGE = 'id = "renting_after"\nphase = "post"\n'


def page_if(condition: str) -> tuple[str, str]:
    """Edit: the renter page's condition becomes ``condition`` (a TOML literal string)."""
    return PAGE_IF, f"show_if = '''{condition}'''"


# (edits, place, exact message)
BAD = {
    "a condition that does not parse": (
        [(ITEM_IF, """show_if = 'tenure in ["renter", "other"'""")],
        "items[14] (move_plans).show_if", "expected ',' or ']' at the end"),
    "a double equals sign": (
        [page_if('tenure == "renter"')],
        "pages[4].show_if", "expected a text in quotes or a number at character 9, found '='"),
    "a character the grammar does not know": (
        [page_if('tenure = "renter" && age_band = "over_60"')],
        "pages[4].show_if", "unexpected '&' at character 19"),
    "a condition that is not text": (
        [(PAGE_IF, "show_if = 3")],
        "pages[4].show_if", "must be a condition as text, such as 'tenure = \"renter\"'"),
    "an unknown item": (
        [page_if('tenancy = "renter"')],
        "pages[4].show_if", "names item 'tenancy', which is not defined"),
    "an unknown option": (
        [page_if('tenure = "rentr"')],
        "pages[4].show_if", "item 'tenure' has no option 'rentr' (its options: owner, renter, "
                            "other)"),
    "an unknown option of a multiple choice": (
        [page_if('transport in ["bike", "plane"]')],
        "pages[4].show_if", "item 'transport' has no option 'plane' (its options: walk, bike, "
                            "bus, car)"),
    "an item on the same page": (
        [(TENURE, TENURE + "show_if = 'age_band = \"over_60\"'\n")],
        "items[12] (tenure).show_if", "names item 'age_band', which is not answered on a page "
        "before 'about' (a condition may only use answers given on earlier pages)"),
    "an item on a later page": (
        [page_if('move_plans = "yes"')],
        "pages[4].show_if", "names item 'move_plans', which is not answered on a page before "
        "'renting_before' (a condition may only use answers given on earlier pages)"),
    "a module item": (
        [page_if("visits >= 2")],
        "pages[4].show_if", "names item 'visits', which is asked on module pages (once per "
        "briefing): a condition can use items of profile, pre and post pages"),
    "a ranking": (
        [page_if('rank_plans = "trees"')],
        "pages[4].show_if", "names item 'rank_plans' (a ranking item), which a condition cannot "
        "compare: use a choice or a numeric item"),
    "a number for a choice": (
        [page_if("tenure = 2")],
        "pages[4].show_if", "compares 'tenure' with a number; write one of its option ids in "
                            "quotes"),
    "a text for a number": (
        [page_if('warmth_council = "hot"')],
        "pages[4].show_if", "compares 'warmth_council' with a text; 'warmth_council' takes a "
                            "number"),
    "an order for options": (
        [page_if('tenure > "owner"')],
        "pages[4].show_if", "'>' compares numbers; 'tenure' is compared by option id (=, !=, "
                            "in, not in)"),
    "a condition on a post page of twins": (
        [(AFTER_PAGE, AFTER_PAGE + PAGE_IF + "\n")],
        "pages[5].show_if", "post page 'renting_after' asks pre/post twins ('rent_burden'): a "
        "twin is shown after reading when it was shown before, so put the condition on its "
        "pre page"),
}


@pytest.mark.parametrize("edits, place, message", BAD.values(), ids=BAD.keys())
def test_bad_conditions_are_load_errors_with_file_and_place(tmp_path, edits, place, message):
    with pytest.raises(SurveyError) as caught:
        load_survey(show_if_survey(tmp_path, *edits))
    found = [(p.file, p.place, p.message) for p in caught.value.problems]
    assert ("survey.toml", place, message) in found, found


# (condition on the renter page, answers -> shown?)  answers: item -> (value, text)
OWNER, RENTER, OTHER = (1.0, None), (2.0, None), (3.0, None)
GOOD = {
    'tenure = "renter"': [({"tenure": RENTER}, True), ({"tenure": OWNER}, False), ({}, False)],
    'tenure != "owner"': [({"tenure": RENTER}, True), ({"tenure": OWNER}, False), ({}, False)],
    'not (tenure = "owner")': [({"tenure": OTHER}, True), ({}, True)],
    'tenure not in ["owner", "other"]': [({"tenure": RENTER}, True), ({"tenure": OTHER}, False)],
    "warmth_council >= 50 and transport in ['bike', 'walk']": [
        ({"warmth_council": (50.0, None), "transport": (2.0, "walk|car")}, True),
        ({"warmth_council": (49.0, None), "transport": (1.0, "bike")}, False),
        ({"warmth_council": (80.0, None), "transport": (1.0, "bus")}, False)],
    'transport != "car"': [({"transport": (1.0, "bike")}, True),
                           ({"transport": (2.0, "bike|car")}, False)],
    'support_trees = "4" or support_trees > 4 or age_band = "no_say"': [
        ({"support_trees": (4.0, None)}, True), ({"support_trees": (5.0, None)}, True),
        ({"support_trees": (3.0, None)}, False), ({"age_band": (4.0, None)}, True)],
    "share_trees < 10.5 or share_trees > -1 and tenure = 'other'": [
        ({"share_trees": (10.0, None)}, True), ({"share_trees": (11.0, None)}, False),
        ({"share_trees": (11.0, None), "tenure": OTHER}, True)],
}


@pytest.mark.parametrize("condition", GOOD, ids=list(GOOD))
def test_good_conditions_load_and_decide(tmp_path, condition):
    survey = load_survey(show_if_survey(tmp_path, page_if(condition)))
    page = survey.page("renting_before")
    assert str(page.show_if) == condition
    for answers, shown in GOOD[condition]:
        assert shown_items(survey, page, answers) == (("rent_burden",) if shown else ()), answers


def test_a_post_twin_takes_its_pre_twins_condition_and_an_item_its_own(tmp_path):
    survey = load_survey(show_if_survey(tmp_path))
    after = survey.page("renting_after")
    assert after.show_if is None  # the twin is governed by renting_before's condition
    assert shown_items(survey, after, {"tenure": OWNER}) == ()
    assert shown_items(survey, after, {"tenure": RENTER}) == ("rent_burden", "move_plans")
    assert shown_items(survey, after, {"tenure": OTHER}) == ("move_plans",)
    # an item on an unconditional page, with a condition of its own
    assert survey.items["move_plans"].show_if.items == ("tenure",)


def test_the_not_shown_code_is_outside_every_scale(tmp_path):
    survey = load_survey(show_if_survey(tmp_path, (
        'type = "number"\nmin = 0', 'type = "number"\nmin = -20')))
    assert not_shown_code(survey.items["tenure"]) == NOT_SHOWN_CODE == -7
    assert not_shown_code(survey.items["rent_burden"]) == -7
    assert not_shown_code(survey.items["visits"]) == -21  # its range reaches -7


@pytest.mark.parametrize("text", ["", "x", "x = ", "= 1", "(x = 1", "x = 1)", "x in []",
                                  "x in [1", "not", "x = 1 and", "x = 'a", "x ! 1",
                                  "__import__('os') = 1", "x = 1; y = 2", "(" * 60 + "x = 1"])
def test_the_grammar_refuses_what_it_does_not_describe(text):
    with pytest.raises(ConditionError):
        parse(text)


def test_a_long_condition_is_refused_unread():
    with pytest.raises(ConditionError, match="at most 2,000"):
        parse("x = 1 or " * 300 + "x = 1")
