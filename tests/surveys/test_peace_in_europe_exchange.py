"""The flagship's exchange: seeds balanced as BALANCE.md section 8 says, placebo set, word lists."""

from __future__ import annotations

import re
from statistics import mean

import pytest

from surveys import FLAGSHIP, load_survey

LANGUAGES = ("en", "de", "uk", "ru")
PROPOSALS = ("accord", "armistice", "strength")
#: Wording the survey avoids (BALANCE.md section 5): it takes a side.
BANNED = ("occupied", "besetzt", "окупован", "оккупирован", "new regions", "нові регіони",
          "новые регионы")


@pytest.fixture(scope="module")
def exchange():
    return load_survey(FLAGSHIP).exchange


def test_two_for_and_two_against_each_proposal(exchange):
    sides = sorted((s.proposal, s.side) for s in exchange.seeds)
    assert sides == sorted((p, side) for p in PROPOSALS for side in ("for", "against")
                           for _ in range(2))
    for seed in exchange.seeds:
        assert set(seed.text) == set(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_seeds_are_of_similar_length_for_and_against(exchange, lang):
    for seed in exchange.seeds:
        assert 150 <= len(seed.text[lang]) <= 230, (seed.key, lang, len(seed.text[lang]))
    for proposal in PROPOSALS:
        side = {s: mean(len(x.text[lang]) for x in exchange.seeds
                        if x.proposal == proposal and x.side == s) for s in ("for", "against")}
        assert max(side.values()) / min(side.values()) <= 1.15, (proposal, lang, side)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_seeds_use_the_surveys_neutral_wording_and_the_same_figures(exchange, lang):
    for seed in exchange.seeds:
        text = seed.text[lang].lower()
        assert not [b for b in BANNED if b in text], (seed.key, lang)
        assert re.findall(r"\d+", seed.text[lang]) == re.findall(r"\d+", seed.text["en"])
        if lang in ("uk", "ru"):
            assert seed.text[lang] != seed.text["en"]


def test_the_placebo_set_fills_every_card_in_every_language(exchange):
    assert len(exchange.placebo) >= exchange.cards == 10
    for statement in exchange.placebo:
        assert all(80 <= len(statement.text[lang]) <= 200 for lang in LANGUAGES), statement.key
        assert statement.proposal is None and statement.side is None


def test_word_lists_and_anchors(exchange):
    assert set(exchange.words) == set(LANGUAGES) and all(exchange.words.values())
    assert "орки" in exchange.words["uk"] and "idiot" in exchange.words["en"]
    assert exchange.anchors[:4] == ("support_accord", "support_armistice", "support_strength",
                                    "left_right")
    assert [(s.item, s.side, s.proposal_from) for s in exchange.sources] == [
        ("strongest_argument_least_liked", "for", "rank_proposals")]
