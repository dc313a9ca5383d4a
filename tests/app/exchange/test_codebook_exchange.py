"""The codebook describes a survey's exchange, and passes the contract's checks."""

from __future__ import annotations

import json

from analysis.validate import check_codebook
from app.export.codebook import build_codebook
from surveys import EXAMPLE, load_survey
from tests.exchange_survey import with_exchange


def test_the_codebook_lists_anchors_cards_pairs_and_mode(tmp_path):
    survey = load_survey(with_exchange(tmp_path / "survey"))
    codebook = json.loads(json.dumps(build_codebook(survey)))
    assert codebook["exchange"] == {
        "anchors": ["support_trees", "support_market"], "cards": 3, "pairs": 1,
        "mode": "frozen", "min_length": 50, "max_length": 600,
        "proposals": ["trees", "market"],
        "sources": [{"item": "reflection", "side": "for", "proposal": None,
                     "proposal_from": "rank_plans"}],
    }
    arms = {a["id"]: a for a in codebook["arms"]}
    assert arms["trees_peers"] == {"id": "trees_peers", "modules": ["trees"], "weight": 1,
                                   "control": False, "exchange": "exchange"}
    assert arms["trees_placebo"]["exchange"] == "exchange_placebo"
    assert arms["trees"]["exchange"] is None
    check_codebook(codebook)


def test_a_survey_without_exchange_says_so():
    codebook = build_codebook(load_survey(EXAMPLE))
    assert codebook["exchange"] is None
    assert all(a["exchange"] is None for a in codebook["arms"])
