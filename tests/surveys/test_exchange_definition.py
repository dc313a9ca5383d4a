"""The ``[exchange]`` table: a good definition loads, and every mistake is named.

The good definition is the example survey with an exchange added
(``tests/exchange_survey.py``); each bad one changes one thing in it and
expects one exact message at one exact place.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys import FLAGSHIP, SurveyError, load_survey
from tests.exchange_survey import with_exchange

TOML = "survey.toml"


def edited(tmp_path: Path, *edits: tuple[str, ...]) -> Path:
    folder = with_exchange(tmp_path / "survey")
    for change in edits:
        file, old, new = change if len(change) == 3 else (TOML, *change)
        path = folder / file
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} is not in {file}: the case would test nothing"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def test_a_good_exchange_loads_with_every_setting(tmp_path):
    survey = load_survey(with_exchange(tmp_path / "survey"))
    ex = survey.exchange
    assert ex.anchors == ("support_trees", "support_market")
    assert (ex.cards, ex.pairs, ex.mode, ex.min_length, ex.max_length) == (3, 1, "frozen", 50, 600)
    assert [(s.item, s.side, s.proposal, s.proposal_from) for s in ex.sources] == [
        ("reflection", "for", None, "rank_plans")]
    assert [(s.key, s.proposal, s.side) for s in ex.seeds] == [
        ("trees_for", "trees", "for"), ("market_for", "market", "for")]
    assert ex.seeds[0].text["de"].startswith("Bäume spenden")
    assert [s.key for s in ex.placebo] == ["p1", "p2", "p3"]
    assert all(s.proposal is None for s in ex.placebo)
    assert dict(ex.words) == {"en": ("idiot", "moron"), "de": ("depp",)}
    peers, placebo = survey.arm("trees_peers"), survey.arm("trees_placebo")
    assert (peers.modules, peers.exchange) == (("trees",), "exchange")
    assert (placebo.modules, placebo.exchange) == (("trees",), "exchange_placebo")
    assert survey.arm("trees").exchange is None


def test_defaults_apply_when_left_out(tmp_path):
    folder = edited(tmp_path, ("cards = 3\npairs = 1\nmode = \"frozen\"\n", ""),
                    ("exchange/placebo.en.toml", "", ""))
    # cards defaults to 10, so the three placebo statements are too few:
    with pytest.raises(SurveyError) as caught:
        load_survey(folder)
    assert [str(p) for p in caught.value.problems] == [
        "survey.toml: exchange.placebo: must hold at least 10 statements (one per card), got 3"]


def test_the_exchange_changes_the_survey_version(tmp_path):
    folder = with_exchange(tmp_path / "survey")
    before = load_survey(folder).version
    seeds = folder / "exchange/seeds.de.toml"
    seeds.write_text(seeds.read_text(encoding="utf-8").replace("Bäume", "Die Bäume"), "utf-8")
    assert load_survey(folder).version != before


def test_the_flagship_without_exchange_still_loads():
    assert load_survey(FLAGSHIP) is not None


S, E = "survey.toml", "exchange"
CASES = {
    "not_a_table": ((("[exchange]\n", "[nothing]\n"), ("[[exchange.sources]]", "[[nothing.s]]"),
                     ("[survey]", "exchange = 3\n[survey]")), S, "exchange",
                    "must be a table ([exchange])"),
    "unknown_key": ((("mode = \"frozen\"", "mode = \"frozen\"\ncolour = 1"),), S, E,
                    "unknown key 'colour'"),
    "bad_mode": ((("mode = \"frozen\"", "mode = \"sometimes\""),), S, "exchange.mode",
                 "must be 'frozen' or 'live' (got 'sometimes')"),
    "cards_zero": ((("cards = 3", "cards = 0"),), S, "exchange.cards",
                   "must be a whole number from 1 to 50"),
    "pairs_many": ((("pairs = 1", "pairs = 11"),), S, "exchange.pairs",
                   "must be a whole number from 0 to 10"),
    "min_too_short": ((("cards = 3", "cards = 3\nmin_length = 10"),), S, "exchange.min_length",
                      "must be a whole number from 50 to 600"),
    "max_too_long": ((("cards = 3", "cards = 3\nmax_length = 5000"),), S, "exchange.max_length",
                     "must be a whole number from 50 to 600"),
    "min_over_max": ((("cards = 3", "cards = 3\nmin_length = 80\nmax_length = 70"),), S, E,
                     "min_length must not be more than max_length"),
    "anchor_undefined": ((('"support_trees", "support_market"]', '"nope"]'),), S,
                         "exchange.anchors", "names item 'nope', which is not defined"),
    "anchor_after": ((('"support_trees", "support_market"]', '"attention"]'),), S,
                     "exchange.anchors", "item 'attention' is not asked before the briefings"),
    "anchor_text": ((('anchors = ["support_trees", "support_market"]',
                      'anchors = ["rank_plans"]'),), S, "exchange.anchors",
                    "item 'rank_plans' has no numeric answer"),
    "anchors_empty": ((('anchors = ["support_trees", "support_market"]', "anchors = []"),), S,
                      "exchange.anchors", "must list at least one item id (as text)"),
    "no_sources": ((("[[exchange.sources]]\nitem", "[exchange.other]\nitem"),), S, E,
                   "unknown key 'other'"),
    "source_not_text": ((('item = "reflection"', 'item = "rank_plans"'),), S,
                        "exchange.sources[0].item", "item 'rank_plans' must be a text item"),
    "source_undefined": ((('item = "reflection"', 'item = "essay"'),), S,
                         "exchange.sources[0].item", "names item 'essay', which is not defined"),
    "source_before_outcomes": ((('"attention"]', '"attention", "reflection"]'),
                                ('items = ["reflection"]', 'items = ["know_area"]')), S,
                               "exchange.sources[0].item",
                               "item 'reflection' must come after every outcome question"),
    "bad_side": ((('side = "for"', 'side = "neutral"'),), S, "exchange.sources[0].side",
                 "must be 'for' or 'against' (got 'neutral')"),
    "both_proposals": ((('proposal_from = "rank_plans"',
                         'proposal_from = "rank_plans"\nproposal = "trees"'),), S,
                       "exchange.sources[0]", "give one of 'proposal' or 'proposal_from'"),
    "not_a_proposal": ((('proposal_from = "rank_plans"', 'proposal = "control"'),), S,
                       "exchange.sources[0].proposal",
                       "names 'control', which is not a proposal module"),
    "bad_chooser": ((('proposal_from = "rank_plans"', 'proposal_from = "age_band"'),), S,
                    "exchange.sources[0].proposal_from",
                    "'age_band' must be a ranking or single choice whose options are proposal"),
    "seed_file_missing": ((('seeds.de = "exchange/seeds.de.toml"',
                            'seeds.de = "exchange/gone.toml"'),), S, "exchange.seeds.de",
                          "file 'exchange/gone.toml' not found in the folder"),
    "seed_language_missing": ((('seeds.de = "exchange/seeds.de.toml"\n', ""),), S,
                              "exchange.seeds", "missing translation for language 'de'"),
    "seed_outside_folder": ((('seeds.de = "exchange/seeds.de.toml"',
                              'seeds.de = "../../etc/passwd"'),), S, "exchange.seeds.de",
                            "file '../../etc/passwd' not found in the folder"),
    "seed_bad_toml": ((("exchange/seeds.de.toml", "[[statements]]", "[[statements]"),),
                      "exchange/seeds.de.toml", "", "not valid TOML"),
    "seed_bad_proposal": ((("exchange/seeds.en.toml", 'proposal = "trees"', 'proposal = "x"'),),
                          "exchange/seeds.en.toml", "statements[0].proposal",
                          "names 'x', which is not a proposal module"),
    "seed_bad_side": ((("exchange/seeds.en.toml", 'side = "for"', 'side = "pro"'),),
                      "exchange/seeds.en.toml", "statements[0].side",
                      "must be 'for' or 'against' (got 'pro')"),
    "seed_too_short": ((("exchange/seeds.en.toml", "Trees give shade in summer, so older "
                         "people can sit on the square again.", "Trees are nice."),),
                       "exchange/seeds.en.toml", "statements[0].text",
                       "must be 50 to 600 characters (got 15)"),
    "seed_missing_in_de": ((("exchange/seeds.de.toml", 'id = "market_for"', 'id = "markt"'),),
                           "exchange/seeds.de.toml", "statements",
                           "statement 'market_for' is missing (it is in the 'en' file)"),
    "seed_side_differs": ((("exchange/seeds.de.toml", 'side = "for"', 'side = "against"'),),
                          "exchange/seeds.de.toml", "statements",
                          "statement 'trees_for' has another proposal or side than in the "
                          "'en' file"),
    "seed_duplicate": ((("exchange/seeds.en.toml", 'id = "market_for"', 'id = "trees_for"'),),
                       "exchange/seeds.en.toml", "statements", "duplicate id 'trees_for'"),
    "placebo_with_side": ((("exchange/placebo.en.toml", 'id = "p1"', 'id = "p1"\nside = "for"'),),
                          "exchange/placebo.en.toml", "statements[0]", "unknown key 'side'"),
    "words_undeclared_language": ((('words.de = "exchange/words.de.txt"',
                                    'words.de = "exchange/words.de.txt"\n'
                                    'words.fr = "exchange/words.de.txt"'),), S,
                                  "exchange.words.fr", "language 'fr' is not declared"),
    "exchange_not_last": ((('modules = ["trees", "exchange"]',
                            'modules = ["exchange", "trees"]'),), S, "arms[4].modules",
                          "'exchange' must be the last module"),
    "exchange_alone": ((('modules = ["trees", "exchange"]', 'modules = ["exchange"]'),), S,
                       "arms[4].modules", "'exchange' must follow a briefing module"),
    "not_crossed": ((('modules = ["trees", "exchange_placebo"]',
                      'modules = ["market", "exchange_placebo"]'),), S, "arms[4]",
                    "no arm with the same briefings ends with 'exchange_placebo'"),
    "placebo_without_set": ((('placebo.en = "exchange/placebo.en.toml"\n'
                              'placebo.de = "exchange/placebo.de.toml"\n', ""),), S,
                            "arms[5].modules", "'exchange_placebo' needs exchange.placebo"),
}


@pytest.mark.parametrize("edits, file, place, message", CASES.values(), ids=CASES.keys())
def test_exchange_mistakes_are_reported(tmp_path, edits, file, place, message):
    with pytest.raises(SurveyError) as caught:
        load_survey(edited(tmp_path, *edits))
    problems = caught.value.problems
    assert any(p.file == file and p.place == place and message in p.message
               for p in problems), "\n".join(repr(p) for p in problems)


def test_an_exchange_step_without_the_table_is_reported(tmp_path):
    folder = edited(tmp_path, ("[exchange]\n", "[unused]\n"),
                    ("[[exchange.sources]]", "[[unused.sources]]"))
    with pytest.raises(SurveyError) as caught:
        load_survey(folder)
    found = {(p.place, p.message) for p in caught.value.problems}
    assert ("arms[4].modules", "'exchange' needs an [exchange] table") in found
    assert ("arms[5].modules", "'exchange_placebo' needs an [exchange] table") in found
