"""The small readers of a survey definition, and the problems they report.

:class:`DefinitionReader` reads one TOML value at a time (a text in every
language, an id, a flag, options, scale labels, Markdown files) and notes
every problem with its file and place instead of stopping at the first.
``surveys.loader`` reads the sections with it, and each item type reads its
own keys with it (``ItemType.read``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from surveys.model import Option, Text

__all__ = ["Problem", "SurveyError", "DefinitionReader", "DEFINITION_FILE", "ID_RE",
           "without_bidi_controls", "MAX_TEXT_CHARS", "MAX_TEXT_LINKS", "duplicates"]

DEFINITION_FILE = "survey.toml"
#: Identifier pattern, used with fullmatch: "$" would also match before a
#: final "\n", and a newline in an id breaks every URL.
ID_RE = re.compile(r"[a-z][a-z0-9_]{0,62}")
#: Bidirectional embedding, override and isolate controls (U+202A-U+202E,
#: U+2066-U+2069). An unbalanced right-to-left override in a title reverses
#: everything after it on the page (and in the browser's tab), so they are
#: removed from every text at load. Right-to-left text needs none of them;
#: the plain marks U+200E/U+200F are kept.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
#: Bounds of one Markdown text (consent, a briefing), so that no text makes a
#: page slow to render: ten times the longest flagship briefing, and far more
#: links than any consent needs. Every link or image opens with "[", so "["
#: is what is counted (unclosed brackets cost the renderer as much).
MAX_TEXT_CHARS = 50_000
MAX_TEXT_LINKS = 2_000


def duplicates(ids: list) -> list:
    """The values that occur more than once in ``ids``, sorted (linear, not ``ids.count``)."""
    return sorted(i for i, n in Counter(ids).items() if n > 1)


def without_bidi_controls(value: Any) -> Any:
    """``value`` (parsed TOML) with bidi controls removed from every string in it."""
    if isinstance(value, str):
        return BIDI_CONTROLS.sub("", value)
    if isinstance(value, dict):
        return {without_bidi_controls(k): without_bidi_controls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_bidi_controls(v) for v in value]
    return value


@dataclass(frozen=True)
class Problem:
    """One mistake in a definition: where it is and what is wrong."""

    file: str
    place: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.place}" if self.place else self.file
        return f"{where}: {self.message}"


class SurveyError(Exception):
    """A survey definition is invalid; ``problems`` lists every mistake found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class DefinitionReader:
    """Reads values of the parsed TOML, building objects and noting problems."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.problems: list[Problem] = []
        self.languages: tuple[str, ...] = ()
        self.files_read: set[Path] = set()

    def problem(self, place: str, message: str, file: str = DEFINITION_FILE) -> None:
        self.problems.append(Problem(file, place, message))

    # --- small readers -------------------------------------------------------

    def text(self, table: dict, key: str, place: str, *, required: bool = True) -> Text | None:
        value = table.get(key)
        if value is None:
            if required:
                self.problem(place, f"missing '{key}' (a text per language: {key}.en = \"...\")")
            return None
        if not isinstance(value, dict):
            self.problem(f"{place}.{key}", f"must be a table of languages ({key}.en = \"...\")")
            return None
        for lang in self.languages:
            if not isinstance(value.get(lang), str) or not value[lang].strip():
                self.problem(f"{place}.{key}", f"missing translation for language '{lang}'")
        for lang in value:
            if lang not in self.languages:
                self.problem(f"{place}.{key}.{lang}", f"language '{lang}' is not declared")
        return Text({lang: str(value.get(lang, "")) for lang in self.languages})

    def ident(self, table: dict, place: str) -> str:
        value = table.get("id")
        if not isinstance(value, str) or not ID_RE.fullmatch(value):
            self.problem(place, f"'id' must be lowercase letters, digits or _ (got {value!r})")
            return str(value)
        return value

    def flag(self, table: dict, key: str, place: str, default: bool) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            self.problem(f"{place}.{key}", "must be true or false")
            return default
        return value

    def markdown(self, table: dict, place: str) -> dict[str, str]:
        """Read ``file.<lang>`` Markdown files; returns text per language."""
        files = table.get("file")
        if not isinstance(files, dict):
            self.problem(place, "missing 'file' (a Markdown file per language: file.en = \"...\")")
            return {}
        texts = {}
        for lang in self.languages:
            name = files.get(lang)
            if not isinstance(name, str):
                self.problem(f"{place}.file", f"missing translation for language '{lang}'")
                continue
            try:
                path = (self.folder / name).resolve()
                found = self.folder.resolve() in path.parents and path.is_file()
            except (OSError, ValueError):  # a name too long, or with a NUL in it
                found = False
            if not found:
                self.problem(f"{place}.file.{lang}", f"file '{name}' not found in the folder")
                continue
            self.files_read.add(path)
            try:
                text = without_bidi_controls(path.read_text(encoding="utf-8"))
            except UnicodeDecodeError:
                self.problem(f"{place}.file.{lang}", f"file '{name}' is not UTF-8 text")
                continue
            if self._text_within_bounds(text, f"{place}.file.{lang}", name):
                texts[lang] = text
        return texts

    def _text_within_bounds(self, text: str, place: str, name: str) -> bool:
        if len(text) > MAX_TEXT_CHARS:
            self.problem(place, f"file '{name}' has {len(text):,} characters; a text may have "
                                f"at most {MAX_TEXT_CHARS:,}")
            return False
        if (links := text.count("[")) > MAX_TEXT_LINKS:
            self.problem(place, f"file '{name}' has {links:,} links or '[' brackets; a text "
                                f"may have at most {MAX_TEXT_LINKS:,}")
            return False
        return True

    def options(self, table: dict, place: str) -> tuple[Option, ...]:
        raw = table.get("options")
        if not isinstance(raw, list) or len(raw) < 2:
            self.problem(f"{place}.options", "must list at least two options")
            return ()
        options = []
        for j, opt in enumerate(raw):
            oplace = f"{place}.options[{j}]"
            if not isinstance(opt, dict):
                self.problem(oplace, "must be a table: { id = \"...\", label.en = \"...\" }")
                continue
            self.unknown(opt, {"id", "label", "missing", "fixed"}, oplace)
            label = self.text(opt, "label", oplace)
            options.append(
                Option(j + 1, self.ident(opt, oplace), label or Text({}),
                       self.flag(opt, "missing", oplace, False),
                       self.flag(opt, "fixed", oplace, False))
            )
        self.no_duplicates([o.id for o in options], f"{place}.options")
        return tuple(options)

    def positive_int(self, table: dict, key: str, place: str) -> int | None:
        value = table.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            self.problem(f"{place}.{key}", "must be a positive whole number")
            return None
        return value

    def anchors(self, table: dict, place: str, count: int) -> dict[str, tuple[str, ...]]:
        raw = table.get("anchors")
        if not isinstance(raw, dict):
            self.problem(place, "the scale has no labels: add anchors.<lang> = [...]")
            return {}
        result = {}
        for lang in self.languages:
            labels = raw.get(lang)
            if not isinstance(labels, list):
                self.problem(f"{place}.anchors", f"missing translation for language '{lang}'")
            elif len(labels) != count:
                self.problem(f"{place}.anchors.{lang}", f"needs {count} labels, got {len(labels)}")
            elif empty := [k for k, s in enumerate(labels, 1) if not (isinstance(s, str) and s)]:
                self.problem(f"{place}.anchors.{lang}", f"label {empty[0]} is empty")
            else:
                result[lang] = tuple(labels)
        return result if len(result) == len(self.languages) else {}

    def unknown(self, table: dict, allowed: set[str], place: str) -> None:
        for key in table:
            if key not in allowed:
                self.problem(place, f"unknown key '{key}'")

    def no_duplicates(self, ids: list[str], place: str) -> None:
        for dup in duplicates(ids):
            self.problem(place, f"duplicate id '{dup}'")
