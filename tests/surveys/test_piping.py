"""Piping (issue 22): ``{answer:ITEM}`` checked at load, and an answer shown as its label.

Definitions are the item types' samples (tests/samples.py): a profile page
asks ``single_choice`` and ``text``, the "before" page ``likert`` and
``ranking``, the module page ``module_likert``, the "after" page the same
again. The loader's messages are checked exactly, with their places.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys import SurveyError, load_survey
from surveys.conditions import not_shown_code
from surveys.piping import NO_ANSWER, answer_label, markdown_literal, pipe
from tests.samples import sample_survey


def _survey(tmp_path, likert_text=None, module_text=None, extra=None):
    extra = dict(extra or {})
    if likert_text is not None:
        extra["likert"] = {"text": {"en": likert_text, "de": likert_text}}
    folder = sample_survey(tmp_path / "s", profile=["single_choice", "text"],
                           pre_post=["likert", "ranking"], post_only=["attention"],
                           extra=extra)
    if module_text is not None:
        for lang in ("en", "de"):
            path = folder / "modules" / f"plan.{lang}.md"
            body = path.read_text(encoding="utf-8")
            path.write_text(body.replace("## What it proposes\n",
                                         f"## What it proposes\n{module_text}\n"),
                            encoding="utf-8")
    return folder


def _problems(folder) -> list[str]:
    with pytest.raises(SurveyError) as caught:
        load_survey(folder)
    return [str(p) for p in caught.value.problems]


def test_good_pipes_load(tmp_path):
    survey = load_survey(_survey(
        tmp_path, likert_text="You live {answer:single_choice}; you said: {answer:text}",
        module_text="You said: {answer:text}.",
        extra={"attention": {"text": {"en": "Your first choice was {answer:ranking}. Pick green.",
                                      "de": "Ihre Wahl: {answer:ranking}. Grün wählen."}}}))
    assert "{answer:single_choice}" in survey.items["likert"].text["en"]
    assert "{answer:text}" in survey.module("plan").body["de"]


BAD = {
    "an unknown item": (
        {"likert_text": "You said {answer:nowhere}"},
        "survey.toml: items[2] (likert).text.en: pipes {answer:nowhere}, but there is no item "
        "'nowhere'"),
    "an item asked on the same page": (
        {"likert_text": "Ranked: {answer:ranking}"},
        "survey.toml: items[2] (likert).text.en: pipes the answer to 'ranking', which is first "
        "asked on page 'before', not before page 'before': pipe an item asked earlier"),
    "an item asked later": (
        {"extra": {"single_choice": {"text": {"en": "Like {answer:likert}?",
                                              "de": "Wie {answer:likert}?"}}}},
        "survey.toml: items[0] (single_choice).text.en: pipes the answer to 'likert', which is "
        "first asked on page 'before', not before page 'about': pipe an item asked earlier"),
    "an item on a module page": (
        {"extra": {"attention": {"text": {"en": "{answer:module_likert}", "de": "x"}}}},
        "survey.toml: items[4] (attention).text.en: pipes the answer to 'module_likert', which "
        "is asked once per briefing on a module page: pipe a profile, pre or post item"),
    "itself": (
        {"likert_text": "You said {answer:likert}"},
        "survey.toml: items[2] (likert).text.en: pipes the answer to 'likert', which is first "
        "asked on page 'before', not before page 'before': pipe an item asked earlier"),
    "a malformed pipe": (
        {"likert_text": "You said {answer:Town}"},
        "survey.toml: items[2] (likert).text.en: write a piped answer as {answer:item_id}"),
    "a briefing piping a later item": (
        {"module_text": "You said {answer:module_likert}."},
        "modules/plan.en.md: pipes the answer to 'module_likert', which is asked once per "
        "briefing on a module page: pipe a profile, pre or post item"),
    "a briefing piping an item after it": (
        {"module_text": "Later: {answer:attention}."},
        "modules/plan.en.md: pipes the answer to 'attention', which is first asked on page "
        "'after', not before the briefings: pipe an item asked earlier"),
}


@pytest.mark.parametrize(("edits", "message"), BAD.values(), ids=BAD.keys())
def test_a_bad_pipe_is_refused_naming_its_place(tmp_path, edits, message):
    problems = _problems(_survey(tmp_path, **edits))
    assert message in problems, problems


def test_a_hint_is_checked_too(tmp_path):
    folder = _survey(tmp_path, extra={"likert": {"hint": {"en": "{answer:zz}", "de": "x"}}})
    assert ("survey.toml: items[2] (likert).hint.en: pipes {answer:zz}, but there is no item "
            "'zz'") in _problems(folder)


def test_an_answer_is_shown_as_its_label_in_the_language(tmp_path):
    survey = load_survey(_survey(tmp_path))
    items = survey.items
    assert answer_label(items["single_choice"], 2.0, None, "de") == "Außerhalb"
    assert answer_label(items["likert"], 4.0, None, "en") == items["likert"].options[3].label["en"]
    assert answer_label(items["ranking"], None, "market|parking|park", "de") == (
        "Markt, Parkplatz, Park")
    assert answer_label(items["text"], None, "My <b>own</b> words", "en") == "My <b>own</b> words"
    assert answer_label(items["single_choice"], None, None, "en") == NO_ANSWER
    assert pipe("A {answer:x} and {answer:y}", {"x": "1"}) == f"A 1 and {NO_ANSWER}"


def test_an_answer_in_markdown_is_literal_text():
    from markdown_it import MarkdownIt

    hostile = "<script>alert(1)</script> **bold** [link](https://evil.example)\n# head &amp;"
    html = MarkdownIt("commonmark").render(f"You wrote: {markdown_literal(hostile)}")
    assert "<script>" not in html and "<strong>" not in html and "<a " not in html
    assert "<h1>" not in html and "&amp;amp;" in html
    assert html == ("<p>You wrote: &lt;script&gt;alert(1)&lt;/script&gt; **bold** "
                    "[link](https://evil.example) # head &amp;amp;</p>\n")


def test_an_item_a_display_condition_hid_is_piped_as_no_answer():
    """Its "not shown" row holds -7: piped, that read "-7" (a choice) or "-7 percent" (a
    number) on the page of an owner asked about the renter block (the housing study)."""
    survey = load_survey(Path(__file__).parents[1] / "surveys_data" / "housing")
    for item_id in ("landlord", "rent_share"):
        item = survey.items[item_id]
        assert answer_label(item, float(not_shown_code(item)), None, "en") == NO_ANSWER
    assert answer_label(survey.items["rent_share"], 30.0, None, "en") == "30 percent"
