"""Surveys built from the item types' own sample items, for tests.

Every registered type carries a sample item (``ItemType.sample``: its
definition keys with English and German wording). :func:`sample_survey`
writes a small survey folder that asks those samples, so a test of a type,
of the codebook or of the export depends on no shipped survey's wording: a
new type (even one a test registers) is in it by naming it.

The survey: one proposal and a control text, an arm for each; a profile
page, a "before" page, a page on the briefing, and an "after" page that asks
the "before" items again plus the post-only ones. An item's id is its type's
name (a grid's rows: ``<type>_<row>``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from surveys.item_types import REGISTRY

__all__ = ["sample_survey", "toml_value", "item_table", "PRE_POST", "POST_ONLY", "PROFILE"]

#: Types asked before and after reading (the rest of the registry, by default).
PROFILE = ("single_choice",)
POST_ONLY = ("attention", "text")
PRE_POST = tuple(
    name for name in REGISTRY if name not in PROFILE and name not in POST_ONLY
)  # the built-in ones, in registration order

_BARE = re.compile(r"[A-Za-z0-9_-]+")

BRIEFING = """# {title}

## The problem it answers
{problem}

## What it proposes
{proposal}

## In one sentence
{summary}
"""


def toml_value(value) -> str:
    """``value`` as a TOML value (strings, numbers, booleans, arrays, inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, Iterable):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def _key(key: str) -> str:
    return key if _BARE.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def item_table(item_id: str, type_name: str, **extra) -> str:
    """An ``[[items]]`` table asking the sample of ``type_name`` (``extra`` keys win)."""
    keys = {"id": item_id, "type": type_name, **REGISTRY[type_name].sample, **extra}
    return "[[items]]\n" + "".join(f"{_key(k)} = {toml_value(v)}\n" for k, v in keys.items())


def sample_survey(folder: Path, pre_post: Iterable[str] = PRE_POST,
                  post_only: Iterable[str] = POST_ONLY, profile: Iterable[str] = PROFILE,
                  module: Iterable[str] = ("likert",), extra: Mapping[str, Mapping] = {},
                  survey_id: str = "samples") -> Path:
    """Write a survey asking the samples of these types into ``folder``; return ``folder``.

    ``extra`` maps a type's name to keys that replace its sample's (for a
    case that needs another setting).
    """
    pre_post, post_only, profile, module = (list(x) for x in (pre_post, post_only, profile,
                                                              module))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "modules").mkdir(exist_ok=True)
    texts = {
        ("plan", "en"): ("Shade for the square", "The square is hot in summer.",
                         "Plant trees and add benches.", "Plant shade trees on the square."),
        ("plan", "de"): ("Schatten für den Platz", "Der Platz ist im Sommer heiß.",
                         "Bäume pflanzen und Bänke aufstellen.", "Schattenbäume auf dem Platz."),
        ("other", "en"): ("The town library", "The library opens at nine.",
                          "Nothing changes; this text is about the library.",
                          "The library keeps its hours."),
        ("other", "de"): ("Die Stadtbibliothek", "Die Bibliothek öffnet um neun.",
                          "Nichts ändert sich; dieser Text handelt von der Bibliothek.",
                          "Die Bibliothek behält ihre Zeiten."),
    }
    for (name, lang), (title, problem, proposal, summary) in texts.items():
        (folder / "modules" / f"{name}.{lang}.md").write_text(BRIEFING.format(
            title=title, problem=problem, proposal=proposal, summary=summary), encoding="utf-8")
    (folder / "consent.en.md").write_text("A short survey about the square.\n", encoding="utf-8")
    (folder / "consent.de.md").write_text("Eine kurze Umfrage zum Platz.\n", encoding="utf-8")
    pages = [("about", "profile", profile), ("before", "pre", pre_post),
             ("on_module", "module", [f"module_{name}" for name in module]),
             ("after", "post", pre_post + post_only)]
    toml = [
        f'[survey]\nid = "{survey_id}"\ntitle.en = "The square"\ntitle.de = "Der Platz"\n'
        'languages = ["en", "de"]\n',
        '[consent]\nfile.en = "consent.en.md"\nfile.de = "consent.de.md"\n',
        '[thanks]\ntext.en = "Thank you."\ntext.de = "Danke."\n',
        '[[modules]]\nid = "plan"\nkind = "proposal"\nfile.en = "modules/plan.en.md"\n'
        'file.de = "modules/plan.de.md"\n',
        '[[modules]]\nid = "other"\nkind = "control"\nfile.en = "modules/other.en.md"\n'
        'file.de = "modules/other.de.md"\n',
        '[[arms]]\nid = "plan"\nmodules = ["plan"]\n',
        '[[arms]]\nid = "control"\nmodules = ["other"]\ncontrol = true\n',
    ]
    for page_id, phase, types in pages:
        if types:
            toml.append(f'[[pages]]\nid = "{page_id}"\nphase = "{phase}"\n'
                        f'title.en = "{page_id}"\ntitle.de = "{page_id}"\n'
                        f"items = {toml_value(types)}\n")
    for name in dict.fromkeys(profile + pre_post + post_only):
        keys = dict(extra.get(name, {}))
        if name in post_only:
            keys.setdefault("post_only", True)
        toml.append(item_table(name, name, **keys))
    for name in module:
        toml.append(item_table(f"module_{name}", name, **extra.get(name, {})))
    (folder / "survey.toml").write_text("\n".join(toml), encoding="utf-8")
    return folder
