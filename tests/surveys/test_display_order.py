"""Randomised display order (issue 22): the keys at load, and the orders they give.

The definitions are the item types' samples (tests/samples.py) with the keys
under test added; the loader's messages are checked exactly. The orders are
checked for reproducibility (a pure function of the seed and the names),
for fixed options staying put, for a grid moving whole, and for uniformity:
over many participants each order is shown about equally often, by a
chi-square goodness-of-fit test (scipy.stats.chisquare as the reference).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

import pytest
from scipy import stats

from surveys import FLAGSHIP, SurveyError, load_survey
from surveys.display_order import display_for, item_order, option_order, seeded
from tests.samples import sample_survey

#: The knowledge sample's options: five, ten, dont_know (missing).
DONT_KNOW_FIXED = [
    {"id": "five", "label": {"en": "Five", "de": "Fünf"}},
    {"id": "ten", "label": {"en": "Ten", "de": "Zehn"}},
    {"id": "other", "label": {"en": "Other", "de": "Andere"}},
    {"id": "dont_know", "label": {"en": "Don't know", "de": "Weiß nicht"}, "missing": True,
     "fixed": True},
]
#: p-value below which a chi-square test says "not uniform". With the seeds
#: fixed the tests are deterministic; 0.001 leaves room for an honest draw.
ALPHA = 0.001


def _survey(tmp_path, extra=None, pre_post=("ranking", "knowledge", "likert"),
            shuffle_before: bool | str | None = None):
    folder = sample_survey(tmp_path / "s", pre_post=list(pre_post), extra=extra or {})
    if shuffle_before is not None:
        toml = folder / "survey.toml"
        text = toml.read_text(encoding="utf-8")
        value = shuffle_before if isinstance(shuffle_before, str) else str(shuffle_before).lower()
        text = text.replace('id = "before"\n', f'id = "before"\nshuffle_items = {value}\n', 1)
        toml.write_text(text, encoding="utf-8")
    return folder


def _problems(folder) -> list[str]:
    with pytest.raises(SurveyError) as caught:
        load_survey(folder)
    return [f"{p.place}: {p.message}" for p in caught.value.problems]


# --- loading: good definitions ------------------------------------------------


def test_a_good_definition_loads_with_its_keys(tmp_path):
    survey = load_survey(_survey(
        tmp_path, {"ranking": {"shuffle_options": True},
                   "knowledge": {"shuffle_options": True, "options": DONT_KNOW_FIXED}},
        shuffle_before=True))
    assert survey.items["ranking"].shuffle_options
    assert [o.fixed for o in survey.items["knowledge"].options] == [False, False, False, True]
    assert survey.page("before").shuffle_items and not survey.page("after").shuffle_items
    assert not survey.items["likert"].shuffle_options


@pytest.mark.parametrize("type_name", ["single_choice", "multiple_choice", "ranking",
                                       "knowledge", "attention"])
def test_every_choice_type_may_shuffle_its_options(tmp_path, type_name):
    folder = sample_survey(tmp_path / "s", pre_post=["likert"], profile=[type_name],
                           post_only=[], extra={type_name: {"shuffle_options": True}})
    assert load_survey(folder).items[type_name].shuffle_options


# --- loading: bad definitions, with the exact messages -----------------------

BAD = {
    "shuffle_options on a scale": (
        {"likert": {"shuffle_options": True}}, None,
        "items[3] (likert).shuffle_options: a likert item's options are not shuffled (only "
        "choice, multiple-choice and ranking items can be)"),
    "shuffle_options not a flag": (
        {"ranking": {"shuffle_options": "yes"}}, None,
        "items[1] (ranking).shuffle_options: must be true or false"),
    "fixed without shuffle_options": (
        {"knowledge": {"options": DONT_KNOW_FIXED}}, None,
        "items[2] (knowledge).options[3].fixed: keeps an option in place when the options "
        "are shuffled: set shuffle_options = true on the item"),
    "fixed not a flag": (
        {"knowledge": {"shuffle_options": True, "options": [
            *DONT_KNOW_FIXED[:3], {**DONT_KNOW_FIXED[3], "fixed": "yes"}]}}, None,
        "items[2] (knowledge).options[3].fixed: must be true or false"),
    "one option left to move": (
        {"knowledge": {"shuffle_options": True, "options": [
            {**o, "fixed": True} if o["id"] != "five" else o for o in DONT_KNOW_FIXED]}}, None,
        "items[2] (knowledge).shuffle_options: needs at least two options that are not fixed "
        "(has 1)"),
    "shuffle_items not a flag": (
        {}, '"yes"', "pages[1].shuffle_items: must be true or false"),
}


@pytest.mark.parametrize(("extra", "shuffle_before", "message"), BAD.values(), ids=BAD.keys())
def test_a_bad_definition_is_refused_with_its_place(tmp_path, extra, shuffle_before, message):
    problems = _problems(_survey(tmp_path, extra, shuffle_before=shuffle_before))
    assert message in problems, problems


def test_shuffle_items_needs_two_things_to_shuffle(tmp_path):
    # a page of one grid: its rows move as one block, so nothing can move
    rows = [{"id": r, "text": {"en": r, "de": r}} for r in ("safe", "clean")]
    folder = _survey(tmp_path, {"rating_grid": {"rows": rows}}, pre_post=["rating_grid"],
                     shuffle_before=True)
    assert _problems(folder) == ["pages[1].shuffle_items: needs at least two items to shuffle "
                                 "(a grid's rows count as one)"]


# --- the orders ------------------------------------------------------------------


@pytest.fixture
def shuffled(tmp_path):
    rows = [{"id": r, "text": {"en": r, "de": r}} for r in ("safe", "clean", "quiet")]
    return load_survey(_survey(
        tmp_path, {"ranking": {"shuffle_options": True},
                   "knowledge": {"shuffle_options": True, "options": DONT_KNOW_FIXED},
                   "rating_grid": {"rows": rows}},
        pre_post=("ranking", "knowledge", "likert", "rating_grid", "number"),
        shuffle_before=True))


def test_an_order_is_reproducible_from_the_seed_and_differs_between_participants(shuffled):
    page, items = shuffled.page("before"), shuffled.items
    first = display_for(page, items, "seed-a", "p1")
    assert display_for(page, items, "seed-a", "p1") == first  # every view, every process
    others = [display_for(page, items, "seed-a", f"p{k}") for k in range(2, 40)]
    assert len({d.items for d in others}) > 10  # participants differ
    assert len({display_for(page, items, f"seed-{k}", "p1").items for k in range(20)}) > 5
    # the option order depends on the item alone: the same before and after
    after = display_for(shuffled.page("after"), items, "seed-a", "p1")
    assert after.options["ranking"] == first.options["ranking"]
    assert after.items == shuffled.page("after").items  # the after page is not shuffled


def test_the_order_is_pinned_by_the_hash_of_its_names():
    """The draw is SHA-256 of the names, then Python's Mersenne Twister: a fixed sequence."""
    order = [0, 1, 2, 3, 4]
    seeded("campaign-seed", "participant", "items", "page").shuffle(order)
    assert order == [1, 3, 4, 2, 0]


def test_a_fixed_option_stays_and_a_grid_moves_whole(shuffled):
    items, page = shuffled.items, shuffled.page("before")
    grid = [i for i in page.items if i.startswith("rating_grid_")]
    for k in range(200):
        options = [o.id for o in option_order(items["knowledge"], "s", f"p{k}")]
        assert options[-1] == "dont_know" and sorted(options[:-1]) == ["five", "other", "ten"]
        order = item_order(page, items, "s", f"p{k}")
        start = order.index(grid[0])
        assert list(order[start:start + len(grid)]) == grid
        assert sorted(order) == sorted(page.items)


def _chisquare_uniform(counts: Counter, categories: list) -> float:
    observed = [counts[c] for c in categories]
    result = stats.chisquare(observed)  # expected: uniform over the categories
    # the statistic by hand, so the test says what scipy computed
    expected = sum(observed) / len(observed)
    assert result.statistic == pytest.approx(sum((o - expected) ** 2 / expected
                                                 for o in observed))
    return result.pvalue


def test_option_orders_are_uniform_over_many_participants(shuffled):
    """Chi-square over the 6 orders of 3 movable options, 6,000 participants: p > 0.001."""
    item = shuffled.items["knowledge"]
    counts = Counter(tuple(o.id for o in option_order(item, "uniform", f"p{k}"))[:3]
                     for k in range(6000))
    orders = [(*p,) for p in itertools.permutations(["five", "ten", "other"])]
    assert set(counts) == set(orders)
    assert _chisquare_uniform(counts, orders) > ALPHA


def test_item_orders_are_uniform_over_many_participants(shuffled):
    """Chi-square over the place of each of the 5 blocks (grid whole) on 5 places: p > 0.001."""
    page, items = shuffled.page("before"), shuffled.items
    first = Counter(item_order(page, items, "uniform", f"p{k}")[0] for k in range(5000))
    blocks = ["ranking", "knowledge", "likert", "rating_grid_safe", "number"]
    assert set(first) == set(blocks)
    assert _chisquare_uniform(first, blocks) > ALPHA


def test_the_flagship_ranking_is_shuffled_uniformly():
    """BALANCE.md section 9: no proposal is always listed first (chi-square, p > 0.001)."""
    item = load_survey(FLAGSHIP).items["rank_proposals"]
    assert item.shuffle_options
    counts = Counter(option_order(item, "flagship", f"p{k}")[0].id for k in range(3000))
    assert _chisquare_uniform(counts, ["accord", "armistice", "strength"]) > ALPHA
    assert math.isclose(sum(counts.values()), 3000)
