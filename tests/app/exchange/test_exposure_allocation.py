"""Exposure is a randomised factor crossed with the briefings, dealt by the permuted blocks.

Pure functions of the seed (app/participant/allocation.py): every block holds
each arm as often as its weight says, so peers and placebo stay balanced
within every briefing, in every stratum, at every block boundary.
"""

from __future__ import annotations

from collections import Counter

from app.campaigns.allocation import arm_for_slot, default_block_size, module_order_for
from surveys import load_survey
from tests.exchange_survey import with_exchange


def test_peers_and_placebo_are_balanced_within_every_block_and_stratum(tmp_path):
    survey = load_survey(with_exchange(tmp_path / "survey"))
    size = default_block_size(survey)
    assert size == 12  # six arms of weight 1, two rounds
    for stratum in ("", "de", "en"):
        for block in range(5):
            arms = Counter(arm_for_slot(survey, "seed-1", stratum, block * size + k, size)
                           for k in range(size))
            assert arms["trees_peers"] == arms["trees_placebo"] == 2
            assert sum(arms.values()) == size


def test_the_exchange_step_is_never_reordered_among_the_briefings(tmp_path):
    survey = load_survey(with_exchange(tmp_path / "survey"))
    for k in range(6):
        assert module_order_for(survey, "s", "", "trees_peers", k) == ["trees"]
    assert survey.arm("trees_peers").exchange == "exchange"


def test_the_deal_is_reproducible_from_the_seed(tmp_path):
    survey = load_survey(with_exchange(tmp_path / "survey"))
    first = [arm_for_slot(survey, "abc", "", n, 12) for n in range(48)]
    assert first == [arm_for_slot(survey, "abc", "", n, 12) for n in range(48)]
    assert first != [arm_for_slot(survey, "abd", "", n, 12) for n in range(48)]
