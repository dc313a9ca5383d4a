"""The item-type registry: the eleven types, parsing raw form strings, codebook entries.

Parsing cases use the shipped example survey's item and option ids (not its
wording), adjusted with :func:`dataclasses.replace` where a case needs
another setting; codebook labels come from the types' own sample items
(tests/samples.py). The end of the file runs ``python -m surveys check`` in
a subprocess.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from surveys import EXAMPLE, item_types, load_survey
from surveys.item_types import REGISTRY, Answer, AnswerError, ItemType, get_type, register
from tests.samples import sample_survey

REPO = Path(__file__).resolve().parents[2]
TYPES = {
    "likert", "thermometer", "estimate", "number", "single_choice", "multiple_choice",
    "ranking", "text", "knowledge", "attention", "rating_grid",
}


@pytest.fixture(scope="module")
def survey():
    return load_survey(EXAMPLE)


# Items built from the example by changing a setting, by name.
VARIANTS = {
    "transport_max2": ("transport", {"max_choices": 2}),
    "visits_decimal": ("visits", {"integer": False}),
    "signed": ("visits", {"integer": False, "minimum": -2.5, "maximum": 2.5}),
    "reflection_default": ("reflection", {"max_length": None}),
}


def get_item(survey, name: str):
    if name in VARIANTS:
        base, changes = VARIANTS[name]
        item = survey.items[base]
        return replace(item, settings={**item.settings, **changes})
    return survey.items[name]


def parse(survey, name: str, raw: list[str]) -> Answer | None:
    item = get_item(survey, name)
    return item.kind.parse(item, raw)


# --- the registry ------------------------------------------------------------


def test_registry_has_the_eleven_types():
    assert set(REGISTRY) == TYPES
    for name, cls in REGISTRY.items():
        assert issubclass(cls, ItemType)
        assert cls.name == name
        assert isinstance(cls.widget, str) and cls.widget


def test_every_type_has_a_sample_item_that_loads(tmp_path):
    """Tests build surveys from the types' samples (tests/samples.py), not a shipped survey."""
    samples = load_survey(sample_survey(tmp_path / "samples"))
    assert {item.type for item in samples.items.values()} == TYPES
    for name in TYPES:
        assert REGISTRY[name].sample.get("text", {}).keys() == {"en", "de"}, name


@pytest.mark.parametrize(
    "name, required",
    [
        ("likert", {"points", "anchors"}),
        ("thermometer", set()),
        ("estimate", set()),
        ("number", {"min", "max"}),
        ("single_choice", {"options"}),
        ("multiple_choice", {"options"}),
        ("ranking", {"options"}),
        ("text", set()),
        ("knowledge", {"options", "correct"}),
        ("attention", {"options", "correct"}),
    ],
)
def test_required_keys_match_the_documented_table(name, required):
    assert set(REGISTRY[name].required_keys) == required


def test_numeric_types():
    assert {n for n, cls in REGISTRY.items() if not cls.numeric} == {"ranking", "text"}


def test_get_type_returns_equal_instances():
    assert isinstance(get_type("likert"), REGISTRY["likert"])
    assert get_type("likert") == get_type("likert")
    assert hash(get_type("likert")) == hash(get_type("likert"))
    assert get_type("likert") != get_type("number")
    with pytest.raises(KeyError):
        get_type("slider")


def test_registering_a_clashing_name_fails():
    class Impostor(ItemType):
        name = "likert"
        widget = "scale"

    with pytest.raises(RuntimeError, match="item type 'likert' registered twice"):
        register(Impostor)
    assert REGISTRY["likert"] is not Impostor
    assert REGISTRY["likert"].__name__ == "Likert"


def test_clash_fails_when_the_class_is_defined():
    with pytest.raises(RuntimeError, match="registered twice"):

        @register
        class AnotherText(ItemType):
            name = "text"
            widget = "textarea"


def test_registering_a_new_type(monkeypatch):
    monkeypatch.setattr(item_types.base, "REGISTRY", dict(REGISTRY))

    class Slider(ItemType):
        name = "slider"
        widget = "slider"

    assert register(Slider) is Slider
    assert item_types.base.REGISTRY["slider"] is Slider
    assert "slider" not in REGISTRY  # the real registry is untouched


def test_answer_error_carries_code_and_params():
    error = AnswerError("out_of_range", min="0", max="100")
    assert isinstance(error, ValueError)
    assert (error.code, error.params) == ("out_of_range", {"min": "0", "max": "100"})
    assert str(error) == "out_of_range"


# --- parse: valid answers ----------------------------------------------------

VALID = [
    # likert: the point number
    ("support_trees", ["1"], Answer(value=1.0)),
    ("support_trees", ["5"], Answer(value=5.0)),
    ("support_trees", [" 3 "], Answer(value=3.0)),
    ("balanced", ["2"], Answer(value=2.0)),
    # thermometer and estimate: 0..100
    ("warmth_council", ["0"], Answer(value=0.0)),
    ("warmth_council", ["100"], Answer(value=100.0)),
    ("warmth_council", ["50"], Answer(value=50.0)),
    ("share_trees", ["37"], Answer(value=37.0)),
    ("share_trees", ["100"], Answer(value=100.0)),
    # number: bounds inclusive, decimals only when integer = false
    ("visits", ["0"], Answer(value=0.0)),
    ("visits", ["31"], Answer(value=31.0)),
    ("visits", ["12.0"], Answer(value=12.0)),
    ("visits_decimal", ["2.5"], Answer(value=2.5)),
    ("visits_decimal", ["2,5"], Answer(value=2.5)),
    ("signed", ["-2.5"], Answer(value=-2.5)),
    # single choice, knowledge, attention: the option's code
    ("age_band", ["under_30"], Answer(value=1.0)),
    ("age_band", ["no_say"], Answer(value=4.0)),
    ("age_band", ["", "over_60"], Answer(value=3.0)),
    ("know_area", ["forty"], Answer(value=2.0)),
    ("know_area", ["dont_know"], Answer(value=3.0)),
    ("attention", ["blue"], Answer(value=2.0)),
    ("attention", ["red"], Answer(value=1.0)),
    # multiple choice: the count, and ids in codebook order
    ("transport", ["walk"], Answer(value=1.0, text="walk")),
    ("transport", ["car", "walk"], Answer(value=2.0, text="walk|car")),
    ("transport", ["car", "bus", "bike", "walk"], Answer(value=4.0, text="walk|bike|bus|car")),
    ("transport", ["walk", "walk"], Answer(value=1.0, text="walk")),
    ("transport_max2", ["bus", "bike"], Answer(value=2.0, text="bike|bus")),
    # ranking: ids ordered by rank, no value
    ("rank_plans", ["trees=1", "market=2"], Answer(text="trees|market")),
    ("rank_plans", ["trees=2", "market=1"], Answer(text="market|trees")),
    ("rank_plans", ["market=1", "trees=2"], Answer(text="market|trees")),
    # text: kept as typed, trimmed, line ends normalised
    ("reflection", ["Shade matters."], Answer(text="Shade matters.")),
    ("reflection", ["  line one\r\nline two  "], Answer(text="line one\nline two")),
    ("reflection", ["x" * 500], Answer(text="x" * 500)),
    ("reflection_default", ["x" * 2000], Answer(text="x" * 2000)),
]


@pytest.mark.parametrize(
    "name, raw, expected", VALID, ids=[f"{n}-{'|'.join(r)[:20]}" for n, r, _ in VALID]
)
def test_parse_valid(survey, name, raw, expected):
    answer = parse(survey, name, raw)
    assert answer == expected
    if answer.value is not None:
        assert type(answer.value) is float


# --- parse: not answered -----------------------------------------------------

BLANKS = [
    (name, raw)
    for name in (
        "support_trees", "warmth_council", "share_trees", "visits", "age_band", "transport",
        "know_area", "attention", "reflection",
    )
    for raw in ([], [""], ["  "], ["", " "])
] + [
    ("rank_plans", []),
    ("rank_plans", ["trees=", "market="]),
    ("rank_plans", ["trees= ", "market=  "]),
]


@pytest.mark.parametrize("name, raw", BLANKS)
def test_parse_blank_is_none(survey, name, raw):
    assert parse(survey, name, raw) is None


# --- parse: every AnswerError ------------------------------------------------

RANGE_0_100 = {"min": "0", "max": "100"}

ERRORS = [
    # likert
    ("support_trees", ["0"], "invalid_choice", {}),
    ("support_trees", ["6"], "invalid_choice", {}),
    ("support_trees", ["-1"], "invalid_choice", {}),
    ("support_trees", ["2.0"], "invalid_choice", {}),
    ("support_trees", ["agree"], "invalid_choice", {}),
    ("support_trees", ["1" * 5000], "invalid_choice", {}),  # past int()'s digit limit
    ("support_trees", ["\u0663"], "invalid_choice", {}),  # Arabic-Indic 3
    ("balanced", ["4"], "invalid_choice", {}),
    ("support_trees", ["1", "2"], "one_answer", {}),
    # thermometer and estimate
    ("warmth_council", ["101"], "out_of_range", RANGE_0_100),
    ("warmth_council", ["-1"], "out_of_range", RANGE_0_100),
    ("warmth_council", ["50.5"], "whole_number", {}),
    ("warmth_council", ["warm"], "not_a_number", {}),
    ("warmth_council", ["nan"], "not_a_number", {}),
    ("warmth_council", ["inf"], "not_a_number", {}),
    ("warmth_council", ["-Infinity"], "not_a_number", {}),
    ("warmth_council", ["1e999"], "not_a_number", {}),
    ("warmth_council", ["40", "60"], "one_answer", {}),
    ("share_trees", ["100.5"], "whole_number", {}),
    ("share_trees", ["250"], "out_of_range", RANGE_0_100),
    ("share_trees", ["50%"], "not_a_number", {}),
    # number
    ("visits", ["32"], "out_of_range", {"min": "0", "max": "31"}),
    ("visits", ["-1"], "out_of_range", {"min": "0", "max": "31"}),
    ("visits", ["2.5"], "whole_number", {}),
    ("visits", ["2,5"], "whole_number", {}),
    ("visits", ["two"], "not_a_number", {}),
    ("visits", ["NaN"], "not_a_number", {}),
    ("visits", ["inf"], "not_a_number", {}),
    ("visits", ["0x10"], "not_a_number", {}),
    ("visits", ["3", "4"], "one_answer", {}),
    # what a number box refuses (docs/survey-format.md, "Number boxes")
    ("visits", ["1_0"], "not_a_number", {}),
    ("visits", ["\u0661\u0662"], "not_a_number", {}),  # Arabic-Indic 12
    ("visits", ["\uff11\uff12"], "not_a_number", {}),  # fullwidth 12
    ("visits", ["1e1"], "not_a_number", {}),
    ("visits", ["1 0"], "not_a_number", {}),
    ("visits", ["1.2.3"], "not_a_number", {}),
    ("visits", ["9" * 5000], "not_a_number", {}),
    ("warmth_council", ["1" + "0" * 5000], "not_a_number", {}),
    ("visits_decimal", ["31.5"], "out_of_range", {"min": "0", "max": "31"}),
    ("signed", ["3"], "out_of_range", {"min": "-2.5", "max": "2.5"}),
    # single choice, knowledge, attention: tampered option ids
    ("age_band", ["under_31"], "invalid_choice", {}),
    ("age_band", ["1"], "invalid_choice", {}),
    ("age_band", ["UNDER_30"], "invalid_choice", {}),
    ("age_band", ["under_30<script>"], "invalid_choice", {}),
    ("age_band", ["under_30", "over_60"], "one_answer", {}),
    ("age_band", ["under_30", "under_30"], "one_answer", {}),
    ("know_area", ["fifty"], "invalid_choice", {}),
    ("know_area", ["ten", "forty"], "one_answer", {}),
    ("attention", ["purple"], "invalid_choice", {}),
    ("attention", ["blue", "red"], "one_answer", {}),
    # multiple choice
    ("transport", ["walk", "plane"], "invalid_choice", {}),
    ("transport", ["plane"], "invalid_choice", {}),
    ("transport_max2", ["walk", "bike", "bus"], "too_many_choices", {"max": 2}),
    # ranking
    ("rank_plans", ["trees=1", "market=1"], "ranking_incomplete", {"n": 2}),
    ("rank_plans", ["trees=1", "market="], "ranking_incomplete", {"n": 2}),
    ("rank_plans", ["trees=1"], "ranking_incomplete", {"n": 2}),
    ("rank_plans", ["trees=1", "market=3"], "ranking_incomplete", {"n": 2}),
    ("rank_plans", ["trees=0", "market=1"], "ranking_incomplete", {"n": 2}),
    ("rank_plans", ["trees=1", "parking=2"], "ranking_incomplete", {"n": 2}),
    ("rank_plans", ["trees=1", "market=2", "parking=3"], "ranking_incomplete", {"n": 2}),
    ("rank_plans", ["trees=1", "trees=2"], "ranking_incomplete", {"n": 2}),
    ("rank_plans", ["trees=first", "market=2"], "invalid_choice", {}),
    ("rank_plans", ["trees=-1", "market=2"], "invalid_choice", {}),
    ("rank_plans", ["trees=1.0", "market=2"], "invalid_choice", {}),
    ("rank_plans", ["trees=" + "1" * 5000, "market=2"], "invalid_choice", {}),
    ("rank_plans", ["trees=0000000001", "market=2"], "invalid_choice", {}),
    # text
    ("reflection", ["x" * 501], "too_long", {"max": 500}),
    ("reflection", ["x" * 300, "y" * 300], "too_long", {"max": 500}),
    ("reflection_default", ["x" * 2001], "too_long", {"max": 2000}),
]


@pytest.mark.parametrize(
    "name, raw, code, params",
    ERRORS,
    ids=[f"{n}-{code}-{'|'.join(r)[:16]}" for n, r, code, _ in ERRORS],
)
def test_parse_error(survey, name, raw, code, params):
    with pytest.raises(AnswerError) as caught:
        parse(survey, name, raw)
    assert caught.value.code == code
    assert caught.value.params == params


@pytest.mark.parametrize(
    "name, raw",
    [
        ("support_trees", ["²"]),
        ("balanced", ["³"]),
        ("rank_plans", ["trees=²", "market=1"]),
    ],
)
def test_unicode_digits_are_invalid_choices(survey, name, raw):
    try:
        parse(survey, name, raw)
    except AnswerError as error:
        assert error.code == "invalid_choice"
    else:
        pytest.fail("accepted a superscript digit")


# --- codebook ----------------------------------------------------------------


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    return load_survey(sample_survey(tmp_path_factory.mktemp("samples") / "survey"))


def test_codebook_likert(samples):
    item = samples.items["likert"]
    entry = item.kind.codebook(item)
    assert entry["scale"] == {"min": 1, "max": 5}
    assert entry["correct"] is None
    assert [o["code"] for o in entry["options"]] == [1, 2, 3, 4, 5]
    assert entry["options"][0] == {
        "code": 1, "id": "1", "label": {"en": "Strongly disagree", "de": "Stimme gar nicht zu"},
        "missing": False, "fixed": False,
    }


def test_codebook_choice_with_correct_and_missing(samples):
    item = samples.items["knowledge"]
    entry = item.kind.codebook(item)
    assert entry["scale"] is None
    assert entry["correct"] == 2
    assert entry["options"] == [
        {"code": 1, "id": "five", "label": {"en": "Five", "de": "Fünf"}, "missing": False,
         "fixed": False},
        {"code": 2, "id": "ten", "label": {"en": "Ten", "de": "Zehn"}, "missing": False,
         "fixed": False},
        {"code": 3, "id": "dont_know", "label": {"en": "Don't know", "de": "Weiß nicht"},
         "missing": True, "fixed": False},
    ]


@pytest.mark.parametrize(
    "name, scale",
    [
        ("warmth_council", {"min": 0, "max": 100}),
        ("share_trees", {"min": 0, "max": 100}),
        ("visits", {"min": 0.0, "max": 31.0}),
        ("reflection", None),
        ("rank_plans", None),
        ("transport", None),
        ("age_band", None),
        ("attention", None),
        ("balanced", {"min": 1, "max": 3}),
    ],
)
def test_codebook_scale(survey, name, scale):
    item = survey.items[name]
    assert item.kind.codebook(item)["scale"] == scale


def test_codebook_options_follow_the_definition(survey):
    for item in survey.items.values():
        entry = item.kind.codebook(item)
        assert [(o["code"], o["id"]) for o in entry["options"]] == [
            (o.code, o.id) for o in item.options
        ]
        assert entry["correct"] == item.correct
        json.dumps(entry)  # the codebook is written as JSON


# --- python -m surveys check -------------------------------------------------


def run_check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "surveys", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_check_ok(survey):
    result = run_check("check", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert re.fullmatch(
        r"example: OK \(12 items, 4 pages, 3 modules, 4 arms, languages en, de; "
        r"version ([0-9a-f]{12})\)\n",
        result.stdout,
    ), result.stdout
    assert survey.version.startswith(result.stdout.strip()[-13:-1])


def test_check_lists_problems(tmp_path):
    folder = tmp_path / "survey"
    shutil.copytree(EXAMPLE, folder)
    definition = folder / "survey.toml"
    text = definition.read_text(encoding="utf-8")
    for old, new in [
        ('text.de = "Wie alt sind Sie?"\n', ""),
        ('modules = ["market"]', 'modules = ["markets"]'),
    ]:
        assert old in text
        text = text.replace(old, new, 1)
    definition.write_text(text, encoding="utf-8")

    result = run_check("check", str(folder))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "survey.toml: arms[1].modules: names module 'markets', which is not defined",
        "survey.toml: items[0] (age_band).text: missing translation for language 'de'",
        "2 problem(s) found",
    ]


def test_check_missing_folder(tmp_path):
    result = run_check("check", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert f"{tmp_path / 'nowhere'}: no survey.toml in this folder" in result.stderr
    assert "1 problem(s) found" in result.stderr


@pytest.mark.parametrize(
    "args",
    [(), ("check",), ("verify", str(EXAMPLE)), ("check", str(EXAMPLE), "extra")],
    ids=["nothing", "no-path", "wrong-command", "two-paths"],
)
def test_check_usage(args):
    result = run_check(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == "usage: python -m surveys check PATH"


@pytest.mark.parametrize("folder", [EXAMPLE, REPO / "surveys" / "peace_in_europe"])
def test_a_shipped_thermometer_with_anchors_says_them_once(folder):
    """The widget shows the 0/50/100 anchors as its own line; a hint repeating them is noise
    (#22 item 8): a thermometer with anchors carries no hint."""
    survey = load_survey(folder)
    thermometers = [i for i in survey.items.values() if i.type == "thermometer"]
    assert thermometers
    for item in thermometers:
        if item.setting("anchors"):
            assert item.hint is None, item.id
