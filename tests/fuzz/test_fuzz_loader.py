"""The survey loader fed mutated definitions: it returns a survey or lists problems.

Each example takes the example survey, changes its parsed definition
(deletes, replaces, duplicates, hostile strings, wrong types) and writes it
back as TOML; or mangles the file's bytes. ``load_survey`` must either
return a valid :class:`Survey` (whose texts carry no bidi controls) or raise
:class:`SurveyError`; any other exception is a loader bug.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys import EXAMPLE, SurveyError, load_survey
from tests.fuzz.conftest import FIGURES, fuzz_settings
from tests.fuzz.strategies import nasty_text

pytestmark = pytest.mark.fuzz
BASE = tomllib.loads((EXAMPLE / "survey.toml").read_text(encoding="utf-8"))
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def to_toml(data: dict) -> str:
    """A minimal TOML writer: every top-level key as ``"key" = <inline value>``."""

    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, float):
            return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) \
                else repr(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{json.dumps(str(k))} = {value(x)}" for k, x in v.items()) + "}"
        return json.dumps(str(v))

    return "\n".join(f"{json.dumps(str(k))} = {value(v)}" for k, v in data.items()) + "\n"


def paths(node, prefix=()):
    """Every (path, value) in the parsed definition."""
    yield prefix, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, (*prefix, i))


ALL_PATHS = [p for p, _ in paths(BASE) if p]
replacement = st.one_of(
    nasty_text, st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.just([]), st.just({}), st.lists(nasty_text, max_size=3),
    st.dictionaries(nasty_text, nasty_text, max_size=3), st.just("x" * 10_000),
)


def _set(data, path, new):
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = new


def _delete(data, path):
    node = data
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]


@st.composite
def mutated(draw):
    data = json.loads(json.dumps(BASE))  # a deep copy
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(ALL_PATHS))
        op = draw(st.sampled_from(["replace", "delete", "duplicate", "bidi"]))
        try:
            node = data
            for key in path[:-1]:
                node = node[key]
            current = node[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue
        if op == "replace":
            _set(data, path, draw(replacement))
        elif op == "delete":
            _delete(data, path)
        elif op == "duplicate" and isinstance(node, list):
            node.append(json.loads(json.dumps(current)))
        elif isinstance(current, str):
            _set(data, path, "\u202e" + current + "\u2066")
    return data


def _check(folder, text_or_bytes):
    path = folder / "survey.toml"
    if isinstance(text_or_bytes, bytes):
        path.write_bytes(text_or_bytes)
    else:
        path.write_text(text_or_bytes, encoding="utf-8")
    try:
        survey = load_survey(folder)
    except SurveyError as exc:
        assert exc.problems and all(str(p) for p in exc.problems)
        FIGURES["loader: mutated definitions refused with problems listed"] += 1
        return
    FIGURES["loader: mutated definitions accepted"] += 1
    for item in survey.items.values():
        for words in item.text.values():
            assert not BIDI.search(words)
    assert not any(BIDI.search(t) for t in survey.title.values())


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / "survey"
    shutil.copytree(EXAMPLE, target)
    return target


def test_mutated_definitions_load_or_list_their_problems(folder):
    @given(mutated())
    @fuzz_settings(scale=3)
    def check(data):
        _check(folder, to_toml(data))

    check()


def test_mangled_definition_bytes_load_or_list_their_problems(folder):
    original = (EXAMPLE / "survey.toml").read_bytes()

    @given(st.integers(0, len(original)), st.binary(max_size=8), st.integers(0, 8))
    @fuzz_settings(scale=2)
    def check(at, insert, cut):
        _check(folder, original[:at] + insert + original[at + cut:])

    check()
