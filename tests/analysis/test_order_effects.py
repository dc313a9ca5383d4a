"""``analysis.by_position``: an item's answers split by where an option was shown (issue 22).

The reference is a table computed by hand from five participants (written
out in the test), for a ranking and for a single choice.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.order_effects import order_table, position_table

RANKING = {"id": "rank", "text_coding": "ranked_option_ids", "value_coding": None,
           "options": [{"code": 1, "id": "a"}, {"code": 2, "id": "b"}, {"code": 3, "id": "c"}]}
CHOICE = {"id": "pick", "text_coding": None, "value_coding": "code",
          "options": RANKING["options"]}


def _frames(item: str, rows: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(answers, display_order) from (participant, phase, shown, value, text) rows."""
    answers = pd.DataFrame(
        [{"participant_id": p, "phase": ph, "module": "", "item": item, "value": v, "text": t}
         for p, ph, _shown, v, t in rows])
    display = pd.DataFrame(
        [{"participant_id": p, "phase": ph, "module": np.nan, "page": "pg", "item": item,
          "position": 1, "options": shown} for p, ph, shown, _v, _t in rows if shown])
    return answers, display


def test_a_ranking_by_the_place_of_an_option_matches_the_hand_computed_table():
    answers, display = _frames("rank", [
        ("p1", "pre", "a|b|c", np.nan, "a|b|c"),   # a shown 1st, ranked 1st
        ("p2", "pre", "a|c|b", np.nan, "b|a|c"),   # a shown 1st, ranked 2nd
        ("p3", "pre", "b|a|c", np.nan, "a|c|b"),   # a shown 2nd, ranked 1st
        ("p4", "pre", "c|a|b", np.nan, "c|b|a"),   # a shown 2nd, ranked 3rd
        ("p5", "pre", "b|c|a", np.nan, "b|c|a"),   # a shown 3rd, ranked 3rd
        ("p6", "pre", None, np.nan, "a|b|c"),      # no order stored: left out
        ("p1", "post", "a|b|c", np.nan, "c|b|a"),  # another phase
    ])
    table = position_table(answers, display, RANKING, "a", phase="pre")
    expected = pd.DataFrame({"position": [1, 2, 3], "n": [2, 2, 1], "chosen": [1, 1, 0],
                             "share": [0.5, 0.5, 0.0], "mean_rank": [1.5, 2.0, 3.0]})
    pd.testing.assert_frame_equal(table, expected, check_dtype=False)
    # every phase: p1's post answer (a shown 1st, ranked 3rd) joins place 1: (1+2+3)/3
    both = position_table(answers, display, RANKING, "a").set_index("position")
    assert both.loc[1, "n"] == 3 and both.loc[1, "mean_rank"] == 2.0


def test_a_single_choice_by_the_place_of_an_option_matches_the_hand_computed_table():
    answers, display = _frames("pick", [
        ("p1", "pre", "a|b|c", 1.0, None),  # a shown 1st, chosen
        ("p2", "pre", "b|a|c", 2.0, None),  # a shown 2nd, b chosen
        ("p3", "pre", "c|b|a", 1.0, None),  # a shown 3rd, chosen
        ("p4", "pre", "b|c|a", 3.0, None),  # a shown 3rd, c chosen
    ])
    table = position_table(answers, display, CHOICE, "a")
    expected = pd.DataFrame({"position": [1, 2, 3], "n": [1, 1, 2], "chosen": [1, 0, 1],
                             "share": [1.0, 0.0, 0.5], "mean_rank": [np.nan] * 3})
    pd.testing.assert_frame_equal(table, expected, check_dtype=False)


def test_an_unknown_option_is_refused():
    answers, display = _frames("pick", [("p1", "pre", "a|b|c", 1.0, None)])
    with pytest.raises(ValueError, match="'z' is not an option of item 'pick'"):
        position_table(answers, display, CHOICE, "z")


def test_the_display_order_is_part_of_the_contract_and_documented_in_order():
    from pathlib import Path

    from analysis import contract, contract_order

    assert set(contract_order.__all__) <= set(contract.__all__)
    assert contract.DISPLAY_ORDER_FILE in contract.SPREADSHEET_FILES
    assert tuple(map(int, contract.FORMAT_VERSION.split("."))) >= contract.DISPLAY_ORDER_SINCE
    page = (Path(__file__).parents[2] / "docs" / "export-format.md").read_text(encoding="utf-8")
    section = page.split("## display_order.csv", 1)[1].split("##", 1)[0]
    documented = [line.split("|")[1].strip(" `") for line in section.splitlines()
                  if line.startswith("| `")]
    assert documented == list(contract.DISPLAY_ORDER_COLUMNS)
    # an order column is never taken for an answer column, and the reverse
    assert contract.split_order_column("module_plan__rank__order") == (
        "module", "plan", "rank", "order")
    assert contract.split_order_column(contract.wide_column("pre", "", "rank")) is None
    codebook = {"modules": [], "items": [
        {"id": "rank", "phases": ["pre", "post"], "display_order": {"options": True,
                                                                    "pages": ["before"]}},
        {"id": "q", "phases": ["pre"], "display_order": {"options": False, "pages": []}},
        {"id": "old", "phases": ["pre"]}]}  # a 1.7 codebook's item
    assert contract.order_column_names(codebook) == [
        "pre__rank__position", "pre__rank__order", "post__rank__position", "post__rank__order"]


def test_the_report_table_has_every_option_that_moved_per_phase_and_no_fixed_one():
    # the hand-computed ranking table above, now through order_table: option "c" is fixed
    # (left out), an item not shuffled is ignored, and "a" in "pre" is the table above
    answers, display = _frames("rank", [
        ("p1", "pre", "a|b|c", np.nan, "a|b|c"),
        ("p2", "pre", "a|c|b", np.nan, "b|a|c"),
        ("p3", "pre", "b|a|c", np.nan, "a|c|b"),
        ("p4", "pre", "c|a|b", np.nan, "c|b|a"),
        ("p5", "pre", "b|c|a", np.nan, "b|c|a"),
        ("p1", "post", "a|b|c", np.nan, "c|b|a"),
    ])
    ranking = {**RANKING, "display_order": {"options": True, "pages": []},
               "options": [*RANKING["options"][:2], {**RANKING["options"][2], "fixed": True}]}
    still = {**CHOICE, "display_order": {"options": False, "pages": []}}
    table = order_table(answers, display, [ranking, still])
    assert set(table["option"]) == {"a", "b"} and set(table["item"]) == {"rank"}
    a_pre = table[(table["option"] == "a") & (table["phase"] == "pre")]
    assert list(a_pre["position"]) == [1, 2, 3] and list(a_pre["n"]) == [2, 2, 1]
    assert list(a_pre["chosen"]) == [1, 1, 0] and list(a_pre["mean_rank"]) == [1.5, 2.0, 3.0]
    # b before, by hand: shown 1st by p3 (ranked 3rd) and p5 (1st), 2nd by p1 (2nd),
    # 3rd by p2 (1st) and p4 (2nd)
    b_pre = table[(table["option"] == "b") & (table["phase"] == "pre")].set_index("position")
    assert [tuple(b_pre.loc[k, ["n", "chosen", "mean_rank"]]) for k in (1, 2, 3)] == [
        (2, 1, 2.0), (1, 0, 2.0), (2, 1, 1.5)]
    assert order_table(answers, None, [ranking]).empty
