"""Interface translations: the template is current, every language is complete, pages use it.

These tests fail as soon as someone adds or changes an interface string
without running ``scripts/translations.sh`` and translating the new entries
in ``app/translations/{de,uk,ru}/LC_MESSAGES/messages.po``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from markupsafe import escape

ROOT = Path(__file__).resolve().parents[3]
TRANSLATIONS = ROOT / "app" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
LANGUAGES = ["de", "uk", "ru"]
#: The CLDR/gettext plural rule for Ukrainian and Russian (three forms).
EAST_SLAVIC_PLURALS = (
    "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"
)
#: Python named placeholders, including any conversion flags: %(max)s, %(n)d, %(x).1f.
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
FIX = (
    "Run scripts/translations.sh, translate the new entries in "
    "app/translations/{de,uk,ru}/LC_MESSAGES/messages.po, then "
    ".venv/bin/pybabel compile -d app/translations."
)


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def keys(catalog: Catalog) -> set[tuple[str | None, str | tuple[str, ...]]]:
    """Every message of ``catalog`` as (context, id); plural ids are tuples."""
    return {(m.context, m.id) for m in catalog if m.id}


def show(key) -> str:
    context, msgid = key
    text = " | ".join(msgid) if isinstance(msgid, tuple) else msgid
    return f"{text!r}" + (f" (context {context!r})" if context else "")


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def as_tuple(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


# --- (a) the template matches the source -------------------------------------


def test_the_catalogue_template_lists_exactly_the_strings_in_the_source(tmp_path):
    # The same extraction as scripts/translations.sh (keep the two in step).
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable, "-m", "babel.messages.frontend", "extract",
            "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
            "--no-location", "--sort-output", "--project", "Parley", "--omit-header",
            "-o", str(fresh), "app",
        ],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    in_source, in_template = keys(read_catalog(fresh)), keys(read_catalog(TEMPLATE))
    added = sorted(map(show, in_source - in_template))
    removed = sorted(map(show, in_template - in_source))
    assert in_source == in_template, (
        f"app/translations/messages.pot is out of date. {FIX}\n"
        f"In the source but not in messages.pot ({len(added)}): {added}\n"
        f"In messages.pot but no longer in the source ({len(removed)}): {removed}"
    )


# --- (b) every language translates every string ------------------------------


@pytest.fixture(scope="module")
def template() -> Catalog:
    return read_catalog(TEMPLATE)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalogue_header_names_the_language_and_its_plural_rule(lang):
    catalog = read_catalog(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po")
    header = dict(catalog.mime_headers)
    assert header.get("Language") == lang
    plural_forms = header.get("Plural-Forms", "").replace(" ", "")
    if lang == "de":
        assert plural_forms == "nplurals=2;plural=(n!=1);"
    else:
        assert plural_forms == f"nplurals=3;plural={EAST_SLAVIC_PLURALS};".replace(" ", "")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_is_translated_and_keeps_its_placeholders(lang, template):
    path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    catalog = read_catalog(path, locale=lang)
    missing, fuzzy, empty, broken = [], [], [], []
    for source in template:
        if not source.id:
            continue
        key = (source.context, source.id)
        message: Message | None = catalog.get(source.id, context=source.context)
        if message is None:
            missing.append(show(key))
            continue
        if message.fuzzy:
            fuzzy.append(show(key))
        forms = as_tuple(message.string)
        if source.pluralizable and len(forms) != catalog.num_plurals:
            empty.append(f"{show(key)}: {len(forms)} forms, need {catalog.num_plurals}")
        elif not all(form.strip() for form in forms):
            empty.append(show(key))
            continue
        wanted = set().union(*(placeholders(i) for i in as_tuple(source.id)))
        for form in forms:
            found = placeholders(form)
            if found != wanted:
                broken.append(
                    f"{show(key)} -> {form!r}: missing {sorted(wanted - found)}, "
                    f"unknown {sorted(found - wanted)}"
                )
    problems = {
        "not in the .po at all (merge missing)": missing,
        "without a translation": empty,
        "marked fuzzy (check the translation, then remove the flag)": fuzzy,
        "with placeholders that differ from the English": broken,
    }
    report = "\n".join(
        f"{len(ids)} {what}:\n  " + "\n  ".join(ids) for what, ids in problems.items() if ids
    )
    assert not report, f"{path.relative_to(ROOT)} is incomplete. {FIX}\n{report}"


# --- (c) pages are rendered in the chosen language ---------------------------


def test_the_landing_page_is_rendered_from_the_german_catalogue(app, make_campaign):
    catalog = read_catalog(TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.po", locale="de")
    message = catalog.get("Start the survey")
    assert message is not None and message.string, "no German for 'Start the survey'"
    german = message.string
    assert german != "Start the survey"

    slug = make_campaign()
    response = app.test_client().get(f"/c/{slug}/?lang=de")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="de">' in html
    assert str(escape(german)) in html, (
        f"The German button text {german!r} from messages.po is not on the page. "
        "Are the catalogues compiled? Run .venv/bin/pybabel compile -d app/translations "
        "(scripts/bootstrap.sh does it)."
    )
    assert ">Start the survey<" not in html
