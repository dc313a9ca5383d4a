"""Definitions the fuzz suite found crashing the loader: now they list problems."""

from __future__ import annotations

import shutil

import pytest

from surveys import EXAMPLE, SurveyError, load_survey


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / "s"
    shutil.copytree(EXAMPLE, target)
    return target


def _edit(folder, old, new):
    toml = folder / "survey.toml"
    text = toml.read_text(encoding="utf-8")
    assert old in text
    toml.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_item_id_that_is_a_list_is_a_problem_not_a_crash(folder):
    _edit(folder, 'id = "age_band"', 'id = ["age_band"]')
    with pytest.raises(SurveyError) as caught:
        load_survey(folder)
    assert any("'id' must be lowercase" in str(p) for p in caught.value.problems)


@pytest.mark.parametrize("name", ["x" * 5000, "a\\u0000b.md"])
def test_a_markdown_file_name_too_long_or_with_nul_is_a_problem_not_a_crash(folder, name):
    toml = (folder / "survey.toml").read_text(encoding="utf-8")
    start = toml.index("[consent]")
    line = next(ln for ln in toml[start:].splitlines() if ln.startswith("file.en"))
    _edit(folder, line, f'file.en = "{name}"')
    with pytest.raises(SurveyError) as caught:
        load_survey(folder)
    assert any("not found in the folder" in str(p) for p in caught.value.problems)
