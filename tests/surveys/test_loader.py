"""The survey loader: the example survey loads, and every mistake is reported.

Each broken survey is the shipped example copied to ``tmp_path`` with a text
replacement applied to one of its files. :func:`edit` asserts that the text
it replaces is really there, so a case can never silently test an unbroken
survey.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest

from surveys import EXAMPLE, Problem, SurveyError, load_survey
from surveys.model import PHASES, Item, Text

TOML = "survey.toml"

# --- helpers -----------------------------------------------------------------


def copy_example(tmp_path: Path) -> Path:
    folder = tmp_path / "survey"
    shutil.copytree(EXAMPLE, folder)
    return folder


def edit(folder: Path, old: str, new: str, file: str = TOML) -> None:
    """Replace the first ``old`` in ``folder/file`` by ``new``; fail if ``old`` is absent."""
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {file}: the test would check nothing"
    assert old != new, "a replacement that changes nothing"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def broken(tmp_path: Path, *edits: tuple[str, ...]) -> Path:
    """Copy the example and apply ``edits``: (old, new) in survey.toml or (file, old, new)."""
    folder = copy_example(tmp_path)
    for change in edits:
        if len(change) == 2:
            edit(folder, *change)
        else:
            file, old, new = change
            edit(folder, old, new, file=file)
    return folder


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(SurveyError) as caught:
        load_survey(folder)
    assert caught.value.problems, "SurveyError without problems"
    return caught.value.problems


def has(problems: list[Problem], file: str, place: str, message: str) -> bool:
    return any(p.file == file and p.place == place and message in p.message for p in problems)


def show(problems: list[Problem]) -> str:
    return "\n".join(repr(p) for p in problems)


# --- the example survey ------------------------------------------------------


@pytest.fixture(scope="module")
def survey():
    return load_survey(EXAMPLE)


def test_example_identity_and_languages(survey):
    assert survey.id == "example"
    assert survey.languages == ("en", "de")
    assert survey.default_language == "en"
    assert dict(survey.title) == {
        "en": "Town square consultation",
        "de": "Bürgerbefragung zum Marktplatz",
    }
    assert survey.consent["en"].startswith("This short survey asks")
    assert survey.consent["de"].startswith("Diese kurze Umfrage")
    assert dict(survey.thanks) == {
        "en": "Thank you for taking part.",
        "de": "Vielen Dank für Ihre Teilnahme.",
    }


def test_example_arms(survey):
    assert [(a.id, a.modules, a.weight, a.control) for a in survey.arms] == [
        ("trees", ("trees",), 1, False),
        ("market", ("market",), 1, False),
        ("both", ("trees", "market"), 1, False),
        ("control", ("control",), 1, True),
    ]
    assert survey.control_arm is survey.arm("control")


def test_example_modules_take_title_and_summary_from_markdown(survey):
    assert [(m.id, m.kind) for m in survey.modules] == [
        ("trees", "proposal"),
        ("market", "proposal"),
        ("control", "control"),
    ]
    trees = survey.module("trees")
    assert dict(trees.title) == {
        "en": "Plant trees on the square",
        "de": "Bäume auf dem Marktplatz pflanzen",
    }
    assert dict(trees.summary) == {
        "en": "Plant forty shade trees on the town square.",
        "de": "Vierzig Schattenbäume auf dem Marktplatz pflanzen.",
    }
    assert survey.module("control").title["en"] == "Library opening hours"
    assert survey.module("market").summary["de"] == (
        "Einen wöchentlichen Bauernmarkt auf dem Marktplatz abhalten."
    )
    for module in survey.modules:
        for lang in survey.languages:
            body = module.body[lang]
            assert not body.startswith("# "), "the title line belongs to title, not body"
            assert body.startswith("## ")
            assert module.summary[lang] in body


def test_example_summary_substituted_per_language(survey):
    trees = survey.items["support_trees"]
    assert dict(trees.text) == {
        "en": "How much do you support this plan: Plant forty shade trees on the town square.",
        "de": "Wie sehr unterstützen Sie diesen Plan: "
        "Vierzig Schattenbäume auf dem Marktplatz pflanzen.",
    }
    market = survey.items["support_market"]
    assert market.text["en"].endswith(survey.module("market").summary["en"])
    assert market.text["de"].endswith(survey.module("market").summary["de"])
    for item in survey.items.values():
        for text in item.text.values():
            assert "{summary:" not in text


def test_example_items(survey):
    assert list(survey.items) == [
        "age_band", "transport", "support_trees", "support_market", "warmth_council",
        "share_trees", "rank_plans", "know_area", "balanced", "visits", "attention",
        "reflection",
    ]
    types = {i.type for i in survey.items.values()}
    assert types == {
        "likert", "thermometer", "estimate", "number", "single_choice", "multiple_choice",
        "ranking", "text", "knowledge", "attention",
    }
    for item in survey.items.values():
        assert isinstance(item, Item)
        assert item.kind.name == item.type
        assert set(item.text) == {"en", "de"}

    age = survey.items["age_band"]
    assert age.required is False
    assert [(o.code, o.id, o.missing) for o in age.options] == [
        (1, "under_30", False),
        (2, "from_30_to_59", False),
        (3, "over_60", False),
        (4, "no_say", True),
    ]
    assert dict(age.options[3].label) == {"en": "Prefer not to say", "de": "Keine Angabe"}

    likert = survey.items["support_trees"]
    assert likert.construct == "support_trees"
    assert likert.required is True
    assert [o.code for o in likert.options] == [1, 2, 3, 4, 5]
    assert dict(likert.options[0].label) == {"en": "Strongly oppose", "de": "Lehne stark ab"}
    assert likert.settings["anchors"]["de"][-1] == "Unterstütze stark"

    assert survey.items["warmth_council"].settings["anchors"]["en"] == (
        "Very cold", "Neither warm nor cold", "Very warm",
    )
    assert survey.items["share_trees"].hint["en"] == "A percentage from 0 to 100."
    assert survey.items["know_area"].correct == 2
    assert survey.items["attention"].correct == 2
    assert survey.items["attention"].post_only is True

    visits = survey.items["visits"]
    settings = visits.settings
    assert (settings["minimum"], settings["maximum"], settings["integer"]) == (0.0, 31.0, True)
    assert dict(settings["unit"]) == {"en": "days", "de": "Tage"}

    reflection = survey.items["reflection"]
    assert (reflection.settings["max_length"], reflection.post_only, reflection.required) == (
        500, True, False)


def test_example_pages_and_phases(survey):
    assert [(p.id, p.phase) for p in survey.pages] == [
        ("about", "profile"),
        ("before", "pre"),
        ("on_module", "module"),
        ("after", "post"),
    ]
    assert survey.page("about").items == ("age_band", "transport")
    assert dict(survey.page("about").title) == {"en": "About you", "de": "Über Sie"}
    assert [p.id for p in survey.pages_in("post")] == ["after"]
    assert survey.phases_of("support_trees") == ("pre", "post")
    assert survey.phases_of("visits") == ("module",)
    assert survey.phases_of("reflection") == ("post",)
    # every phase but the follow-up's own (tests/surveys/test_followup_phase.py)
    assert set(PHASES) - {"followup"} == {p.phase for p in survey.pages}


def test_example_is_frozen(survey):
    with pytest.raises(dataclasses.FrozenInstanceError):
        survey.id = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        survey.items["age_band"].required = True  # type: ignore[misc]
    with pytest.raises(TypeError):
        survey.title["en"] = "changed"  # type: ignore[index]


def test_example_items_mapping_is_read_only():
    survey = load_survey(EXAMPLE)  # a copy of its own: the module fixture stays clean
    with pytest.raises(TypeError):
        survey.items["intruder"] = survey.items["age_band"]  # type: ignore[index]


# --- version -----------------------------------------------------------------


def test_version_is_sha256_hex(survey):
    assert re.fullmatch(r"[0-9a-f]{64}", survey.version)


def test_version_does_not_depend_on_folder_location(survey, tmp_path):
    assert load_survey(copy_example(tmp_path)).version == survey.version


@pytest.mark.parametrize(
    "file, old, new",
    [
        (TOML, "# A small survey", "# A tiny survey"),
        ("consent.de.md", "fünf Minuten", "zehn Minuten"),
        ("consent.en.md", "five minutes", "ten minutes"),
        ("modules/trees.en.md", "Plant forty shade trees", "Plant fifty shade trees"),
        ("modules/control.de.md", "bis acht Uhr", "bis neun Uhr"),
    ],
)
def test_version_changes_when_a_referenced_file_changes(survey, tmp_path, file, old, new):
    folder = copy_example(tmp_path)
    edit(folder, old, new, file=file)
    assert load_survey(folder).version != survey.version


def test_version_ignores_unrelated_files(survey, tmp_path):
    folder = copy_example(tmp_path)
    (folder / "NOTES.md").write_text("Draft ideas, not part of the survey.\n", encoding="utf-8")
    (folder / "modules" / "unused.en.md").write_text("# Unused\n\n## S\nx\n", encoding="utf-8")
    assert load_survey(folder).version == survey.version


# --- every error the loader reports ------------------------------------------

BEFORE_ITEMS = (
    'items = ["support_trees", "support_market", "warmth_council", "share_trees", '
    '"rank_plans", "know_area"]'
)
AFTER_ITEMS = (
    'items = ["support_trees", "support_market", "warmth_council", "share_trees", '
    '"rank_plans", "know_area", "attention", "reflection"]'
)
BALANCED_ANCHORS = (
    'anchors.en = ["One-sided against", "Balanced", "One-sided in favour"]\n'
    'anchors.de = ["Einseitig dagegen", "Ausgewogen", "Einseitig dafür"]\n'
)
MARKET_SECTIONS = (
    "## The problem it answers\nThe square is empty on most days.\n\n"
    "## What it proposes\nHold a farmers' market every Saturday morning.\n\n"
    "## In one sentence\n"
)
WRONG_ID = "'id' must be lowercase letters, digits or _"
NO_EN = "missing translation for language 'en'"
NO_DE = "missing translation for language 'de'"
BAD_WEIGHT = "must be a whole number from 1 to 100"
MIN_MAX = "'min' and 'max' must be numbers with min < max"

# id: (edits, file, place, message substring)
CASES = {
    # --- item types
    "unknown item type": (
        [('type = "thermometer"', 'type = "thermometr"')],
        TOML, "items[4] (warmth_council).type", "unknown item type 'thermometr' (known: attention, estimate,",
    ),
    # --- pre/post twins
    "post item with no pre twin": (
        [(BEFORE_ITEMS, BEFORE_ITEMS.replace('"rank_plans", ', ""))],
        TOML, "pages", "post item 'rank_plans' has no pre twin",
    ),
    "post items in another order than pre": (
        [(AFTER_ITEMS, AFTER_ITEMS.replace(
            '"support_trees", "support_market"', '"support_market", "support_trees"'))],
        TOML, "pages", "post page 'after' asks 'support_market' before 'support_trees', but the pre "
        "pages ask 'support_trees' first: keep the pre order",
    ),
    "post_only item on a pre page": (
        [(BEFORE_ITEMS, BEFORE_ITEMS.replace('"know_area"]', '"know_area", "attention"]'))],
        TOML, "pages", "item 'attention' is post_only but is on a pre page",
    ),
    # --- arms
    "arm naming a missing module": (
        [('modules = ["market"]', 'modules = ["markets"]')],
        TOML, "arms[1].modules", "names module 'markets', which is not defined",
    ),
    "arm with no modules": (
        [('modules = ["market"]', "modules = []")],
        TOML, "arms[1].modules", "must list at least one module id",
    ),
    "arm listing a module twice": (
        [('modules = ["trees", "market"]', 'modules = ["trees", "trees"]')],
        TOML, "arms[2].modules", "lists a module twice",
    ),
    "two control arms": (
        [('modules = ["market"]\n', 'modules = ["market"]\ncontrol = true\n')],
        TOML, "arms", "at most one arm can be the control",
    ),
    "weight zero": (
        [('modules = ["market"]\n', 'modules = ["market"]\nweight = 0\n')],
        TOML, "arms[1].weight", BAD_WEIGHT,
    ),
    "weight above 100": (
        [('modules = ["market"]\n', 'modules = ["market"]\nweight = 101\n')],
        TOML, "arms[1].weight", BAD_WEIGHT,
    ),
    "weight a fraction": (
        [('modules = ["market"]\n', 'modules = ["market"]\nweight = 1.5\n')],
        TOML, "arms[1].weight", BAD_WEIGHT,
    ),
    "weight a boolean": (
        [('modules = ["market"]\n', 'modules = ["market"]\nweight = true\n')],
        TOML, "arms[1].weight", BAD_WEIGHT,
    ),
    "weight a string": (
        [('modules = ["market"]\n', 'modules = ["market"]\nweight = "2"\n')],
        TOML, "arms[1].weight", BAD_WEIGHT,
    ),
    "control flag not a boolean": (
        [("control = true", 'control = "yes"')],
        TOML, "arms[3].control", "must be true or false",
    ),
    # --- missing translations
    "missing translation: item text": (
        [('text.de = "Wie alt sind Sie?"\n', "")],
        TOML, "items[0] (age_band).text", NO_DE,
    ),
    "missing translation: item text in the default language": (
        [('text.en = "How old are you?"\n', "")],
        TOML, "items[0] (age_band).text", NO_EN,
    ),
    "missing translation: empty text": (
        [('text.de = "Wie alt sind Sie?"', 'text.de = "  "')],
        TOML, "items[0] (age_band).text", NO_DE,
    ),
    "missing text altogether": (
        [('text.en = "How old are you?"\ntext.de = "Wie alt sind Sie?"\n', "")],
        TOML, "items[0] (age_band)", "missing 'text'",
    ),
    "text not a table of languages": (
        [('text.en = "How old are you?"\ntext.de = "Wie alt sind Sie?"\n',
          'text = "How old are you?"\n')],
        TOML, "items[0] (age_band).text", "must be a table of languages",
    ),
    "undeclared language": (
        [('text.en = "How old are you?"\n',
          'text.en = "How old are you?"\ntext.fr = "Quel âge avez-vous ?"\n')],
        TOML, "items[0] (age_band).text.fr", "language 'fr' is not declared",
    ),
    "missing translation: option label": (
        [('label.en = "By bicycle", label.de = "Mit dem Fahrrad"', 'label.en = "By bicycle"')],
        TOML, "items[1] (transport).options[1].label", NO_DE,
    ),
    "missing translation: likert anchors": (
        [('anchors.de = ["Einseitig dagegen", "Ausgewogen", "Einseitig dafür"]\n', "")],
        TOML, "items[8] (balanced).anchors", NO_DE,
    ),
    "missing translation: thermometer anchors": (
        [('anchors.de = ["Sehr kalt", "Weder warm noch kalt", "Sehr warm"]\n', "")],
        TOML, "items[4] (warmth_council).anchors", NO_DE,
    ),
    "missing translation: hint": (
        [('hint.de = "Ein Prozentsatz von 0 bis 100."\n', "")],
        TOML, "items[5] (share_trees).hint", NO_DE,
    ),
    "missing translation: unit": (
        [('unit.de = "Tage"\n', "")],
        TOML, "items[9] (visits).unit", NO_DE,
    ),
    "missing translation: page title": (
        [('title.de = "Über Sie"\n', "")],
        TOML, "pages[0].title", NO_DE,
    ),
    "missing translation: survey title": (
        [('title.de = "Bürgerbefragung zum Marktplatz"\n', "")],
        TOML, "survey.title", NO_DE,
    ),
    "missing translation: thanks": (
        [('text.de = "Vielen Dank für Ihre Teilnahme."\n', "")],
        TOML, "thanks.text", NO_DE,
    ),
    "missing translation: module file": (
        [('file.de = "modules/market.de.md"\n', "")],
        TOML, "modules[1].file", NO_DE,
    ),
    "missing translation: consent file": (
        [('file.de = "consent.de.md"\n', "")],
        TOML, "consent.file", NO_DE,
    ),
    "module with no file table": (
        [('file.en = "modules/market.en.md"\nfile.de = "modules/market.de.md"\n', "")],
        TOML, "modules[1]", "missing 'file'",
    ),
    # --- duplicate ids
    "duplicate item id": (
        [('id = "reflection"', 'id = "attention"')],
        TOML, "items[11] (attention)", "duplicate id 'attention'",
    ),
    "duplicate page id": (
        [('id = "on_module"', 'id = "about"')],
        TOML, "pages", "duplicate id 'about'",
    ),
    "duplicate module id": (
        [('id = "control"\nkind = "control"', 'id = "market"\nkind = "control"')],
        TOML, "modules", "duplicate id 'market'",
    ),
    "duplicate arm id": (
        [('id = "both"', 'id = "trees"')],
        TOML, "arms", "duplicate id 'trees'",
    ),
    "duplicate option id": (
        [('{ id = "green", label.en', '{ id = "red", label.en')],
        TOML, "items[10] (attention).options", "duplicate id 'red'",
    ),
    # --- scales
    "likert with no labels": (
        [(BALANCED_ANCHORS, "")],
        TOML, "items[8] (balanced)", "the scale has no labels: add anchors.<lang> = [...]",
    ),
    "likert with no labels (required key)": (
        [(BALANCED_ANCHORS, "")],
        TOML, "items[8] (balanced)", "a likert item needs 'anchors'",
    ),
    "likert with fewer labels than points": (
        [("points = 3", "points = 4")],
        TOML, "items[8] (balanced).anchors.en", "needs 4 labels, got 3",
    ),
    "likert with more labels than points (other language)": (
        [("points = 3", "points = 2")],
        TOML, "items[8] (balanced).anchors.de", "needs 2 labels, got 3",
    ),
    "likert with an empty label": (
        [('"One-sided against", "Balanced"', '"One-sided against", ""')],
        TOML, "items[8] (balanced).anchors.en", "label 2 is empty",
    ),
    "likert with too many points": (
        [("points = 3", "points = 12")],
        TOML, "items[8] (balanced).points", "must be a whole number from 2 to 11",
    ),
    "likert with one point": (
        [("points = 3", "points = 1")],
        TOML, "items[8] (balanced).points", "must be a whole number from 2 to 11",
    ),
    "likert with no points": (
        [("points = 3\n", "")],
        TOML, "items[8] (balanced)", "a likert item needs 'points'",
    ),
    "thermometer with two anchors": (
        [('"Very cold", "Neither warm nor cold", "Very warm"', '"Very cold", "Very warm"')],
        TOML, "items[4] (warmth_council).anchors.en", "needs 3 labels, got 2",
    ),
    # --- unknown keys (typos)
    "unknown item key": (
        [("max_length = 500", "max_lenght = 500")],
        TOML, "items[11] (reflection)", "unknown key 'max_lenght'",
    ),
    "misspelt common item key": (
        [("required = false\ntext.en = \"How old", "requierd = false\ntext.en = \"How old")],
        TOML, "items[0] (age_band)", "unknown key 'requierd'",
    ),
    "key of another item type": (
        [('type = "single_choice"\n', 'type = "single_choice"\npoints = 4\n')],
        TOML, "items[0] (age_band)", "unknown key 'points'",
    ),
    "reverse on a non-likert item": (
        [('type = "thermometer"\n', 'type = "thermometer"\nreverse = true\n')],
        TOML, "items[4] (warmth_council)", "unknown key 'reverse'",
    ),
    "unknown option key": (
        [('label.de = "Keine Angabe", missing = true', 'label.de = "Keine Angabe", mising = true')],
        TOML, "items[0] (age_band).options[3]", "unknown key 'mising'",
    ),
    "unknown survey key": (
        [('id = "example"\n', 'id = "example"\nversion = 2\n')],
        TOML, "survey", "unknown key 'version'",
    ),
    "unknown top-level table": (
        [("[consent]", "[[page]]\nid = \"x\"\n\n[consent]")],
        TOML, "", "unknown key 'page'",
    ),
    "unknown module key": (
        [('id = "trees"\nkind = "proposal"\n', 'id = "trees"\nkind = "proposal"\ntitle.en = "T"\n')],
        TOML, "modules[0]", "unknown key 'title'",
    ),
    "unknown arm key": (
        [("control = true", "contrl = true")],
        TOML, "arms[3]", "unknown key 'contrl'",
    ),
    "unknown page key": (
        [('phase = "profile"\n', 'phase = "profile"\nitem = ["age_band"]\n')],
        TOML, "pages[0]", "unknown key 'item'",
    ),
    # --- knowledge and attention
    "knowledge correct not among options": (
        [('correct = "forty"', 'correct = "fourty"')],
        TOML, "items[7] (know_area).correct", "'fourty' is not one of the options",
    ),
    "attention correct not among options": (
        [('correct = "blue"', 'correct = "purple"')],
        TOML, "items[10] (attention).correct", "'purple' is not one of the options",
    ),
    "knowledge without correct": (
        [('correct = "forty"\n', "")],
        TOML, "items[7] (know_area)", "a knowledge item needs 'correct'",
    ),
    "choice item with one option": (
        [('  { id = "market", label.en = "Market", label.de = "Markt" },\n', "")],
        TOML, "items[6] (rank_plans).options", "must list at least two options",
    ),
    "option flag not a boolean": (
        [('label.de = "Keine Angabe", missing = true', 'label.de = "Keine Angabe", missing = 1')],
        TOML, "items[0] (age_band).options[3].missing", "must be true or false",
    ),
    # --- pages
    "page naming an undefined item": (
        [('items = ["age_band", "transport"]', 'items = ["age_band", "transport", "income"]')],
        TOML, "pages[0].items", "names item 'income', which is not defined",
    ),
    "page with no items": (
        [('items = ["balanced", "visits"]', "items = []")],
        TOML, "pages[2].items", "must list at least one item id",
    ),
    "item on no page": (
        [('items = ["age_band", "transport"]', 'items = ["age_band"]')],
        TOML, "items", "item 'transport' is on no page",
    ),
    "item on two pages of a phase": (
        [('[[pages]]\nid = "before"',
          '[[pages]]\nid = "more_about"\nphase = "profile"\nitems = ["transport"]\n\n'
          '[[pages]]\nid = "before"')],
        TOML, "pages", "item 'transport' is on more than one profile page",
    ),
    "item on two post pages": (
        [(AFTER_ITEMS, AFTER_ITEMS + '\n\n[[pages]]\nid = "last"\nphase = "post"\n'
          'items = ["reflection"]')],
        TOML, "pages", "item 'reflection' is on more than one post page",
    ),
    "bad phase": (
        [('phase = "module"', 'phase = "during"')],
        TOML, "pages[2].phase", "must be one of profile, pre, module, post, followup (got 'during')",
    ),
    # --- ids
    "bad item id": (
        [('id = "age_band"', 'id = "Age-Band"')],
        TOML, "items[0]", WRONG_ID + " (got 'Age-Band')",
    ),
    "bad survey id": (
        [('id = "example"', 'id = "my example"')],
        TOML, "survey", WRONG_ID + " (got 'my example')",
    ),
    "bad page id": (
        [('id = "about"', 'id = "1about"')],
        TOML, "pages[0]", WRONG_ID + " (got '1about')",
    ),
    "bad module id": (
        [('id = "trees"\nkind', 'id = "Trees"\nkind')],
        TOML, "modules[0]", WRONG_ID + " (got 'Trees')",
    ),
    "bad arm id": (
        [('id = "both"', 'id = "both-arms"')],
        TOML, "arms[2]", WRONG_ID + " (got 'both-arms')",
    ),
    "bad option id": (
        [('{ id = "walk"', '{ id = "on foot"')],
        TOML, "items[1] (transport).options[0]", WRONG_ID + " (got 'on foot')",
    ),
    "missing item id": (
        [('id = "age_band"\n', "")],
        TOML, "items[0]", WRONG_ID + " (got None)",
    ),
    "bad construct": (
        [('construct = "support_trees"', 'construct = "Support for trees"')],
        TOML, "items[2] (support_trees).construct", "must be a lowercase identifier",
    ),
    "bad languages": (
        [('languages = ["en", "de"]', 'languages = ["English", "German"]')],
        TOML, "survey.languages", "must list language codes",
    ),
    "bad module kind": (
        [('kind = "proposal"', 'kind = "plan"')],
        TOML, "modules[0].kind", "must be 'proposal' or 'control' (got 'plan')",
    ),
    # --- files
    "missing module file": (
        [('file.en = "modules/trees.en.md"', 'file.en = "modules/tree.en.md"')],
        TOML, "modules[0].file.en", "file 'modules/tree.en.md' not found in the folder",
    ),
    "missing consent file": (
        [('file.de = "consent.de.md"', 'file.de = "einwilligung.de.md"')],
        TOML, "consent.file.de", "file 'einwilligung.de.md' not found in the folder",
    ),
    "module file outside the folder": (
        [('file.en = "modules/trees.en.md"', 'file.en = "../outside.md"')],
        TOML, "modules[0].file.en", "file '../outside.md' not found in the folder",
    ),
    "module file without a title": (
        [("modules/trees.de.md", "# Bäume auf dem Marktplatz pflanzen\n",
          "Bäume auf dem Marktplatz pflanzen\n")],
        "modules/trees.de.md", "line 1", "must be the title: '# Title'",
    ),
    "module file with a level-2 title": (
        [("modules/trees.en.md", "# Plant trees", "## Plant trees")],
        "modules/trees.en.md", "line 1", "must be the title: '# Title'",
    ),
    "module file without sections": (
        [("modules/market.en.md", MARKET_SECTIONS, "")],
        "modules/market.en.md", "", "needs '## ' sections; the last one is the summary",
    ),
    "module file whose last section is empty": (
        [("modules/control.en.md", "Keep the library open until eight on two evenings a week.",
          "")],
        "modules/control.en.md", "", "needs '## ' sections; the last one is the summary",
    ),
    "invalid TOML": (
        [('id = "example"', 'id = "example')],
        TOML, "", "not valid TOML: ",
    ),
    "missing [survey] table": (
        [("[survey]", "[study]")],
        TOML, "survey", "missing the [survey] table",
    ),
    # --- numbers and lengths
    "number with min equal to max": (
        [("min = 0\nmax = 31", "min = 31\nmax = 31")],
        TOML, "items[9] (visits)", MIN_MAX,
    ),
    "number with min above max": (
        [("min = 0\nmax = 31", "min = 40\nmax = 31")],
        TOML, "items[9] (visits)", MIN_MAX,
    ),
    "number with a string bound": (
        [("max = 31", 'max = "31"')],
        TOML, "items[9] (visits)", MIN_MAX,
    ),
    "number without max": (
        [("max = 31\n", "")],
        TOML, "items[9] (visits)", "a number item needs 'max'",
    ),
    "max_length zero": (
        [("max_length = 500", "max_length = 0")],
        TOML, "items[11] (reflection).max_length", "must be a positive whole number",
    ),
    "max_choices not a number": (
        [('type = "multiple_choice"\n', 'type = "multiple_choice"\nmax_choices = "two"\n')],
        TOML, "items[1] (transport).max_choices", "must be a positive whole number",
    ),
    "required not a boolean": (
        [("required = false\ntext.en = \"How old", "required = \"no\"\ntext.en = \"How old")],
        TOML, "items[0] (age_band).required", "must be true or false",
    ),
    # --- summaries
    "summary naming no module": (
        [("{summary:market}", "{summary:markets}")],
        TOML, "items[3] (support_market).text.en", "no module 'markets' to summarise",
    ),
}


@pytest.mark.parametrize("edits, file, place, message", CASES.values(), ids=CASES.keys())
def test_loader_reports(tmp_path, edits, file, place, message):
    if any("../outside.md" in change[-1] for change in edits):
        (tmp_path / "outside.md").write_text("# Outside\n\n## S\nx\n", encoding="utf-8")
    problems = problems_of(broken(tmp_path, *edits))
    assert has(problems, file, place, message), show(problems)


def test_summary_problem_place_is_a_toml_path(tmp_path):
    problems = problems_of(broken(tmp_path, ("{summary:market}", "{summary:markets}")))
    assert has(problems, TOML, "items[3] (support_market).text.en", "no module 'markets' to summarise"), show(
        problems
    )


def test_empty_likert_label_message_says_what_is_wrong(tmp_path):
    problems = problems_of(
        broken(tmp_path, ('"One-sided against", "Balanced"', '"One-sided against", ""'))
    )
    messages = [p.message for p in problems if p.place == "items[8] (balanced).anchors.en"]
    assert messages, show(problems)
    assert not any("needs 3 labels, got 3" in m for m in messages), messages


def test_missing_definition_file(tmp_path):
    folder = copy_example(tmp_path)
    (folder / TOML).unlink()
    problems = problems_of(folder)
    assert problems == [Problem(str(folder), "", "no survey.toml in this folder")]


def test_missing_folder(tmp_path):
    problems = problems_of(tmp_path / "nowhere")
    assert problems == [Problem(str(tmp_path / "nowhere"), "", "no survey.toml in this folder")]


def test_missing_module_file_on_disk(tmp_path):
    folder = copy_example(tmp_path)
    (folder / "modules" / "market.de.md").unlink()
    problems = problems_of(folder)
    assert has(problems, TOML, "modules[1].file.de", "file 'modules/market.de.md' not found"), show(
        problems
    )


def test_one_problem_per_mistake(tmp_path):
    """A single missing translation is reported once, and nothing else is."""
    problems = problems_of(broken(tmp_path, ('text.de = "Wie alt sind Sie?"\n', "")))
    assert problems == [Problem(TOML, "items[0] (age_band).text", NO_DE)]


def test_every_mistake_is_reported_not_just_the_first(tmp_path):
    folder = broken(
        tmp_path,
        ('text.de = "Wie alt sind Sie?"\n', ""),
        ('modules = ["market"]', 'modules = ["markets"]'),
        ('type = "thermometer"', 'type = "thermometr"'),
        ('correct = "forty"', 'correct = "fourty"'),
        ("max_length = 500", "max_lenght = 500"),
        ('phase = "module"', 'phase = "during"'),
        ("{summary:market}", "{summary:markets}"),
        ("modules/trees.de.md", "# Bäume", "Bäume"),
    )
    with pytest.raises(SurveyError) as caught:
        load_survey(folder)
    problems = caught.value.problems
    expected = [
        (TOML, "items[0] (age_band).text", NO_DE),
        (TOML, "arms[1].modules", "names module 'markets'"),
        (TOML, "items[4] (warmth_council).type", "unknown item type 'thermometr'"),
        (TOML, "items[7] (know_area).correct", "'fourty' is not one of the options"),
        (TOML, "items[11] (reflection)", "unknown key 'max_lenght'"),
        (TOML, "pages[2].phase", "got 'during'"),
        (TOML, "items[3] (support_market).text.en", "no module 'markets' to summarise"),
        ("modules/trees.de.md", "line 1", "must be the title"),
    ]
    for file, place, message in expected:
        assert has(problems, file, place, message), (file, place, message, show(problems))
    # The exception's message lists every problem, one per line.
    lines = str(caught.value).splitlines()
    assert lines == [str(p) for p in problems]
    assert "survey.toml: items[0] (age_band).text: missing translation for language 'de'" in lines


def test_problem_str():
    assert str(Problem("survey.toml", "items[3] (support_market).options[1]", "bad")) == (
        "survey.toml: items[3] (support_market).options[1]: bad"
    )
    assert str(Problem("survey.toml", "", "not valid TOML")) == "survey.toml: not valid TOML"


# --- wrongly shaped values must be reported, not crash the loader ------------

CRASHES = {
    "consent is a string": (
        [
            ('[consent]\nfile.en = "consent.en.md"\nfile.de = "consent.de.md"\n', ""),
            ("# A small survey", 'consent = "consent.en.md"\n# A small survey'),
        ],
        "consent",
        AttributeError,
    ),
    "thanks is a string": (
        [
            (
                '[thanks]\ntext.en = "Thank you for taking part."\n'
                'text.de = "Vielen Dank für Ihre Teilnahme."\n',
                "",
            ),
            ("# A small survey", 'thanks = "Thank you."\n# A small survey'),
        ],
        "thanks",
        AttributeError,
    ),
    "item type is a list": (
        [('type = "thermometer"', 'type = ["thermometer"]')],
        "items[4] (warmth_council).type",
        TypeError,
    ),
    "page lists a list": (
        [('items = ["balanced", "visits"]', 'items = ["balanced", ["visits"]]')],
        "pages[2].items",
        TypeError,
    ),
    "arm lists a list": (
        [('modules = ["market"]', 'modules = [["market"]]')],
        "arms[1].modules",
        TypeError,
    ),
}


@pytest.mark.parametrize(
    "edits, place, crash",
    [
        pytest.param(
            edits, place, crash, id=name,
        )
        for name, (edits, place, crash) in CRASHES.items()
    ],
)
def test_wrongly_shaped_values_are_reported(tmp_path, edits, place, crash):
    problems = problems_of(broken(tmp_path, *edits))
    assert any(p.file == TOML and p.place == place for p in problems), show(problems)


# --- typos in [consent] and [thanks] -----------------------------------------


@pytest.mark.parametrize(
    "edits, place, message",
    [
        pytest.param(
            [('file.de = "consent.de.md"\n', 'file.de = "consent.de.md"\nfiel.fr = "x.md"\n')],
            "consent", "unknown key 'fiel'", id="consent",
        ),
        pytest.param(
            [('text.de = "Vielen Dank für Ihre Teilnahme."\n',
              'text.de = "Vielen Dank für Ihre Teilnahme."\ntetx.fr = "Merci."\n')],
            "thanks", "unknown key 'tetx'", id="thanks",
        ),
    ],
)
def test_unknown_keys_in_consent_and_thanks(tmp_path, edits, place, message):
    problems = problems_of(broken(tmp_path, *edits))
    assert has(problems, TOML, place, message), show(problems)


def test_number_with_nan_bound(tmp_path):
    problems = problems_of(broken(tmp_path, ("min = 0\n", "min = nan\n")))
    assert has(problems, TOML, "items[9] (visits)", MIN_MAX), show(problems)


def test_example_texts_are_text(survey):
    """Every human-readable field the loader builds is a Text (read-only mapping)."""
    assert isinstance(survey.title, Text)
    assert isinstance(survey.consent, Text)
    for item in survey.items.values():
        assert isinstance(item.text, Text)
        for option in item.options:
            assert isinstance(option.label, Text)


def test_a_malformed_summary_placeholder_is_reported(tmp_path):
    problems = problems_of(broken(tmp_path, ("{summary:market}", "{summary: market}")))
    assert has(problems, TOML, "items[3] (support_market).text.en", "write a summary as {summary:module_id}"), show(
        problems
    )


def test_a_language_listed_twice_is_reported(tmp_path):
    problems = problems_of(broken(tmp_path, ('languages = ["en", "de"]', 'languages = ["en", "de", "en"]')))
    assert has(problems, TOML, "survey.languages", "lists a language twice"), show(problems)


def test_an_estimate_naming_no_item_is_reported(tmp_path):
    problems = problems_of(broken(tmp_path, ('estimates = "support_trees"', 'estimates = "support_tres"')))
    assert has(problems, TOML, "items[5] (share_trees).estimates", "names item 'support_tres', which is not defined"), show(problems)


def test_an_estimate_names_the_item_it_estimates(survey):
    assert survey.items["share_trees"].settings["estimates"] == "support_trees"
