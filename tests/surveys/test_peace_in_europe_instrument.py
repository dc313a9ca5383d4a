"""The "Peace in Europe" instrument meets the design of issue 3.

These tests read ``surveys/peace_in_europe/survey.toml`` with :mod:`tomllib`
directly, so they check the instrument itself (what a methodologist signs
off), independently of the loader's API.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest

SURVEY_DIR = Path(__file__).resolve().parents[2] / "surveys" / "peace_in_europe"
LANGUAGES = ["en", "de", "uk", "ru"]
PROPOSALS = ["accord", "armistice", "strength"]
SUMMARY_RE = re.compile(r"\{summary:([a-z0-9_]+)\}")


@pytest.fixture(scope="module")
def survey() -> dict:
    with (SURVEY_DIR / "survey.toml").open("rb") as fh:
        return tomllib.load(fh)


@pytest.fixture(scope="module")
def items(survey: dict) -> dict[str, dict]:
    return {item["id"]: item for item in survey["items"]}


def phase_items(survey: dict, phase: str) -> list[str]:
    """Item ids in the order a participant meets them in ``phase``."""
    return [i for page in survey["pages"] if page["phase"] == phase for i in page["items"]]


def pre(survey: dict, items: dict[str, dict], type_: str) -> list[dict]:
    return [items[i] for i in phase_items(survey, "pre") if items[i]["type"] == type_]


def summaries_in(item: dict) -> dict[str, list[str]]:
    return {lang: SUMMARY_RE.findall(item["text"][lang]) for lang in LANGUAGES}


# --- survey, modules, arms ---------------------------------------------------


def test_survey_declares_the_four_languages_with_english_first(survey):
    assert survey["survey"]["id"] == "peace_in_europe"
    assert survey["survey"]["languages"] == LANGUAGES


def test_modules_are_three_proposals_and_one_control_with_a_file_per_language(survey):
    kinds = {m["id"]: m["kind"] for m in survey["modules"]}
    assert kinds == {"accord": "proposal", "armistice": "proposal", "strength": "proposal",
                     "control": "control"}
    for module in survey["modules"]:
        assert module["file"] == {lang: f"modules/{module['id']}.{lang}.md" for lang in LANGUAGES}


def test_five_briefing_arms_crossed_with_peers_or_placebo_and_one_control(survey):
    # Issue 21 item 9: every briefing arm ends with the placebo step and has a twin
    # "<id>_peers" ending with peers' arguments, so exposure is crossed with the briefings.
    arms = {a["id"]: a for a in survey["arms"]}
    briefings = {
        "accord": ["accord"],
        "armistice": ["armistice"],
        "strength": ["strength"],
        "all": ["accord", "armistice", "strength"],
        "control": ["control"],
    }
    assert {a: arm["modules"] for a, arm in arms.items()} == {
        **{a: [*m, "exchange_placebo"] for a, m in briefings.items()},
        **{f"{a}_peers": [*m, "exchange"] for a, m in briefings.items()},
    }
    assert {arm.get("weight", 1) for arm in arms.values()} == {1}
    assert [a for a, arm in arms.items() if arm.get("control", False)] == ["control"]


# --- before and after -----------------------------------------------------------


def test_post_repeats_the_pre_items_in_the_same_order(survey, items):
    pre_ids = phase_items(survey, "pre")
    post_ids = [i for i in phase_items(survey, "post") if not items[i].get("post_only", False)]
    assert post_ids == pre_ids
    assert len(pre_ids) == len(set(pre_ids))


def test_post_only_items_are_one_optional_free_text_and_one_attention_check(survey, items):
    post_only = [items[i] for i in phase_items(survey, "post") if items[i].get("post_only")]
    assert sorted(item["type"] for item in post_only) == ["attention", "text"]
    free_text = next(item for item in post_only if item["type"] == "text")
    assert free_text["required"] is False
    assert "strongest argument" in free_text["text"]["en"]
    assert "least" in free_text["text"]["en"]
    check = next(item for item in post_only if item["type"] == "attention")
    ids = [o["id"] for o in check["options"]]
    assert check["correct"] in ids
    # The instruction names the instructed option by its label, in every language.
    correct = check["options"][ids.index(check["correct"])]
    for lang in LANGUAGES:
        assert correct["label"][lang] in check["text"][lang]


def test_free_text_comes_after_every_repeated_item(survey, items):
    post_ids = phase_items(survey, "post")
    free_text = next(i for i in post_ids if items[i]["type"] == "text")
    assert post_ids[-1] == free_text


def test_no_pre_or_post_item_is_asked_in_another_phase(survey, items):
    profile = set(phase_items(survey, "profile"))
    module = set(phase_items(survey, "module"))
    repeated = set(phase_items(survey, "pre")) | set(phase_items(survey, "post"))
    assert not profile & module
    assert not (profile | module) & repeated


# --- support, attitudes, thermometers, estimates, ranking ---------------------


def test_support_for_each_proposal_is_a_7_point_likert_quoting_its_summary(survey, items):
    support = [i for i in phase_items(survey, "pre") if i.startswith("support_")]
    assert support == [f"support_{p}" for p in PROPOSALS]
    for proposal in PROPOSALS:
        item = items[f"support_{proposal}"]
        assert item["type"] == "likert"
        assert item["points"] == 7
        assert item["construct"] == f"support_{proposal}"
        assert item.get("reverse", False) is False
        assert summaries_in(item) == {lang: [proposal] for lang in LANGUAGES}


def attitude_items(survey, items) -> list[dict]:
    return [i for i in pre(survey, items, "likert") if not i["id"].startswith("support_")]


def test_at_least_eight_attitude_items_with_constructs_and_balanced_keying(survey, items):
    attitudes = attitude_items(survey, items)
    assert len(attitudes) >= 8
    assert all(item["points"] == 7 for item in attitudes)
    assert all(item.get("construct") for item in attitudes)
    reverse_share = sum(item.get("reverse", False) for item in attitudes) / len(attitudes)
    assert 0.4 <= reverse_share <= 0.6


def test_every_attitude_construct_has_items_keyed_both_ways(survey, items):
    keying: dict[str, set[bool]] = {}
    for item in attitude_items(survey, items):
        keying.setdefault(item["construct"], set()).add(item.get("reverse", False))
    assert {c: k for c, k in keying.items() if k != {True, False}} == {}
    # The themes issue 3 names each have a construct of their own.
    assert {"deterrence", "negotiation", "inclusive_security", "eu_accession",
            "treaty_guarantee", "hope_for_peace"} <= set(keying)


def test_thermometers_cover_the_six_targets_with_three_anchors(survey, items):
    thermometers = pre(survey, items, "thermometer")
    targets = ["people of Russia", "Russian government", "people of Ukraine",
               "European Union", "NATO", "United States"]
    assert len(thermometers) == len(targets)
    for target, item in zip(targets, thermometers, strict=True):
        assert target in item["text"]["en"]
        for lang in LANGUAGES:
            assert len(item["anchors"][lang]) == 3


def test_one_estimate_per_proposal(survey, items):
    estimates = pre(survey, items, "estimate")
    quoted = [summaries_in(item) for item in estimates]
    assert quoted == [{lang: [p] for lang in LANGUAGES} for p in PROPOSALS]
    for item in estimates:
        assert "country" in item["text"]["en"]


def test_ranking_orders_the_three_proposals_by_their_names(survey, items):
    (ranking,) = pre(survey, items, "ranking")
    assert [o["id"] for o in ranking["options"]] == PROPOSALS
    for option in ranking["options"]:
        # The short name is the one the support and estimate items give it.
        for lang in LANGUAGES:
            assert option["label"][lang] in items[f"support_{option['id']}"]["text"][lang]
            assert option["label"][lang] in items[f"estimate_{option['id']}"]["text"][lang]


# --- knowledge ----------------------------------------------------------------------


def test_at_least_six_knowledge_items_with_one_correct_answer_and_dont_know(survey, items):
    knowledge = pre(survey, items, "knowledge")
    assert len(knowledge) >= 6
    for item in knowledge:
        options = {o["id"]: o for o in item["options"]}
        assert len(options) == len(item["options"])
        assert item["correct"] in options
        assert not options[item["correct"]].get("missing", False)
        dont_know = [o for o in item["options"] if o.get("missing", False)]
        assert [o["id"] for o in dont_know] == ["dont_know"]
        assert len(item["options"]) - len(dont_know) >= 3


def test_knowledge_is_asked_before_and_after(survey, items):
    knowledge = [i["id"] for i in pre(survey, items, "knowledge")]
    post_ids = phase_items(survey, "post")
    assert [i for i in post_ids if i in knowledge] == knowledge


def test_correct_answers_are_not_always_in_the_same_position(survey, items):
    positions = Counter(
        [o["id"] for o in item["options"]].index(item["correct"])
        for item in pre(survey, items, "knowledge")
    )
    assert len(positions) >= 3
    assert max(positions.values()) <= len(pre(survey, items, "knowledge")) // 2


# --- per module -----------------------------------------------------------------------


def test_module_items_ask_the_four_questions_about_each_text(survey, items):
    module_ids = phase_items(survey, "module")
    texts = [items[i]["text"]["en"].lower() for i in module_ids]
    assert len(module_ids) == 4
    assert "balanced" in texts[0]
    assert "understand" in texts[1]
    assert "feasible" in texts[2]
    assert "reasonable people support" in texts[3]
    balance = items[module_ids[0]]
    assert balance["type"] == "likert" and balance["points"] % 2 == 1
    labels = balance["anchors"]["en"]
    assert labels[len(labels) // 2] == "Balanced"
    assert "against" in labels[0].lower() and "favour" in labels[-1].lower()
    for item_id in module_ids:
        assert items[item_id]["type"] == "likert"
        assert "{summary:" not in items[item_id]["text"]["en"]


# --- about you ---------------------------------------------------------------------------


def test_about_you_covers_the_six_questions(survey):
    assert phase_items(survey, "profile") == [
        "country", "age_band", "gender", "education", "left_right", "political_interest",
    ]


def test_about_you_items_are_optional_with_prefer_not_to_say(survey, items):
    for item_id in phase_items(survey, "profile"):
        item = items[item_id]
        assert item["required"] is False, item_id
        prefer_not = [o for o in item["options"] if o["id"] == "prefer_not_to_say"]
        assert len(prefer_not) == 1, item_id
        assert prefer_not[0]["missing"] is True, item_id


def test_left_right_offers_every_point_from_0_to_10(items):
    options = [o["id"] for o in items["left_right"]["options"] if not o.get("missing")]
    assert options == [f"lr_{k}" for k in range(11)]


# --- languages and files ------------------------------------------------------------------


def language_tables(node, place="") -> list[tuple[str, dict]]:
    """Every table keyed by language code, anywhere in the definition."""
    found = []
    if isinstance(node, dict):
        if node and set(node) & set(LANGUAGES):
            found.append((place, node))
        else:
            for key, value in node.items():
                found += language_tables(value, f"{place}.{key}")
    elif isinstance(node, list):
        for k, value in enumerate(node):
            found += language_tables(value, f"{place}[{k}]")
    return found


def test_every_text_field_has_all_four_languages(survey):
    tables = language_tables(survey)
    assert len(tables) > 100
    for place, table in tables:
        assert sorted(table) == sorted(LANGUAGES), place
        for lang, value in table.items():
            if isinstance(value, list):  # anchors: one label per point
                assert value and all(isinstance(s, str) and s.strip() for s in value), place
                assert len(value) == len(table["en"]), f"{place}.{lang}"
            else:
                assert isinstance(value, str) and value.strip(), f"{place}.{lang}"


def test_texts_differ_between_languages(survey):
    # A copied English string in a translated field is a missing translation.
    for place, table in language_tables(survey):
        values = table.values()
        if all(isinstance(v, str) for v in values) and re.search("[A-Za-z]{4}", table["en"]):
            english = table["en"]
            for lang in ("uk", "ru"):
                assert table[lang] != english, f"{place}.{lang}"


def test_every_referenced_file_exists_and_is_not_empty(survey):
    for place, files in language_tables(survey):
        if place.endswith(".file"):
            for lang, name in files.items():
                path = SURVEY_DIR / name
                assert path.is_file(), f"{place}.{lang}: {name}"
                assert path.read_text(encoding="utf-8").strip(), name


@pytest.mark.parametrize("lang", LANGUAGES)
def test_consent_text_states_the_essentials(lang):
    text = (SURVEY_DIR / f"consent.{lang}.md").read_text(encoding="utf-8")
    assert "15" in text  # duration in minutes
    assert "18" in text  # adults only
    assert text.count("## ") >= 5


def test_ranking_labels_are_the_briefing_titles(items):
    # Participants meet each proposal under one name: the briefing's H1 title.
    (ranking,) = [i for i in items.values() if i["type"] == "ranking"]
    for option in ranking["options"]:
        for lang in LANGUAGES:
            briefing = SURVEY_DIR / "modules" / f"{option['id']}.{lang}.md"
            title = briefing.read_text(encoding="utf-8").splitlines()[0].removeprefix("# ")
            assert option["label"][lang] == title.strip(), f"{option['id']}.{lang}"
