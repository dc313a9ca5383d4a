"""`parley export` is safe by default, like the browser's exports (issue 19).

Free-text and about-you answers are left out unless asked for with the
browser's option names (``--include-text``, ``--include-profile``); the
older ``--free-text`` / ``--about-you`` still include them, so scripts
written for the earlier default keep working when they name what they want.
"""

from __future__ import annotations

import csv
import json

import pytest

from analysis import contract
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)


def _export(runner, slug, out, *flags) -> tuple[list[dict], dict]:
    result = runner.invoke(args=["export", slug, str(out), *flags])
    assert result.exit_code == 0, result.output
    with (out / "answers.csv").open(encoding="utf-8", newline="") as f:
        answers = list(csv.DictReader(f))
    return answers, json.loads((out / "manifest.json").read_text())


@pytest.fixture
def answered(app, make_campaign):
    slug = make_campaign()
    Bot(app.test_client(), slug, SURVEY,
        overrides={"after": {"q_reflection": "My neighbour Anna Berger said so."}}).walk()
    return slug


def _kinds(answers: list[dict], codebook: dict) -> set[str]:
    free_text = set(contract.items_where(codebook, "text_coding", "free_text"))
    kinds = set()
    for a in answers:
        kinds.add("free_text" if a["item"] in free_text else "profile" if a["phase"] == "profile"
                  else "other")
    return kinds


def test_the_default_export_leaves_out_free_text_and_about_you_answers(runner, answered,
                                                                        tmp_path):
    answers, manifest = _export(runner, answered, tmp_path / "plain")
    codebook = json.loads((tmp_path / "plain" / "codebook.json").read_text())
    assert contract.items_where(codebook, "text_coding", "free_text"), "the survey has free text"
    assert _kinds(answers, codebook) == {"other"}
    assert manifest["left_out"] == ["free_text", "about_you"]
    assert "Anna Berger" not in (tmp_path / "plain" / "answers.csv").read_text()


@pytest.mark.parametrize("flags, kinds, left_out", [
    (("--include-text", "--include-profile"), {"other", "free_text", "profile"}, None),
    (("--free-text", "--about-you"), {"other", "free_text", "profile"}, None),  # the old names
    (("--include-text",), {"other", "free_text"}, ["about_you"]),
    (("--include-profile",), {"other", "profile"}, ["free_text"]),
    (("--include-text", "--no-free-text"), {"other"}, ["free_text", "about_you"]),
])
def test_each_flag_adds_what_it_names(runner, answered, tmp_path, flags, kinds, left_out):
    answers, manifest = _export(runner, answered, tmp_path / "out", *flags)
    codebook = json.loads((tmp_path / "out" / "codebook.json").read_text())
    assert _kinds(answers, codebook) == kinds
    assert manifest.get("left_out") == left_out


def test_the_help_names_the_browsers_options(runner):
    text = runner.invoke(args=["export", "--help"]).output
    assert "--include-text" in text and "--include-profile" in text
    assert "--include-test" in text
