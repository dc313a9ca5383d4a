"""The flagship survey in each of its four languages, with no English left behind.

A participant picks the language on the landing page's picker and walks the
whole "Peace in Europe" survey in Chromium, meeting every participant page
type on the way (consent error, resume-code notice, an empty required page
with its errors, "continue later", briefings, thanks with results, resume,
withdraw). For German, Ukrainian and Russian, no English interface string
may appear in the visible text or the title of any of those pages.

The English strings are the participant-facing msgids of
app/translations/messages.pot: those that babel extracts from the
participant templates and views (admin strings never reach a participant).
A string whose translation is the same word (German "optional") is not
evidence of a missing translation there, so it is left out for that language.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

from surveys import FLAGSHIP

pytestmark = pytest.mark.browser

APP = Path(__file__).resolve().parents[2] / "app"
TRANSLATIONS = APP / "translations"
#: Files whose strings a participant can see.
PARTICIPANT_SOURCES = [
    APP / "__init__.py",
    APP / "templates" / "base.html",
    *sorted((APP / "templates" / "participant").glob("*.html")),
    *sorted((APP / "templates" / "errors").glob("*.html")),
    *sorted((APP / "participant").glob("*.py")),
]
#: Used only when there is no message catalogue template at all.
FALLBACK_STRINGS = [
    "Save and continue", "Step %(done)s of %(total)s", "There is a problem", "optional",
    "Withdraw and delete my answers", "Save and continue later", "Change language",
    "Thank you", "Skip to main content", "Start the survey", "I have read this, continue",
]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def _msgid(message_id) -> str:
    return message_id[0] if isinstance(message_id, tuple) else message_id


def participant_msgids() -> set[str]:
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found: set[str] = set()
    for path in PARTICIPANT_SOURCES:
        method = "python" if path.suffix == ".py" else "jinja2.ext:babel_extract"
        for _lineno, message, _comments, _context in extract_from_file(
            method, str(path), keywords=keywords
        ):
            found.add(_msgid(message))
    return found


def english_strings(lang: str) -> list[str]:
    """English interface strings that must not show on a page in ``lang``."""
    pot = TRANSLATIONS / "messages.pot"
    if not pot.exists():
        return FALLBACK_STRINGS
    with pot.open("rb") as f:
        catalogue = {_msgid(m.id) for m in read_po(f) if m.id}
    strings = catalogue & participant_msgids()
    po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    if po.exists():
        with po.open("rb") as f:
            same = {_msgid(m.id) for m in read_po(f) if m.id and m.string == m.id}
        strings -= same
    return sorted(strings)


def pattern(msgid: str) -> re.Pattern:
    """A regex for the string as shown: placeholders filled, any whitespace, whole words."""
    literal = [
        "".join(r"\s+" if t.isspace() else re.escape(t) for t in re.split(r"(\s+)", part) if t)
        for part in PLACEHOLDER.split(msgid.strip())
    ]
    return re.compile(r"(?<!\w)" + r"\S+".join(literal) + r"(?!\w)")


@pytest.mark.parametrize("lang", ["en", "de", "uk", "ru"])
def test_flagship_survey_in_each_language(participant, lang):
    person = participant(FLAGSHIP, slug="peace", how="script",
                         campaign={"results_min_completed": 1, "design": {"show_results": True}})
    page = person.page
    survey = person.survey
    shown: list[tuple[str, str]] = []

    def record(where: str) -> None:
        assert page.locator("html").get_attribute("lang") == lang, where
        # The site header and the window title name the survey in the page's language.
        assert page.locator(".site-name").inner_text() == survey.title[lang], where
        assert survey.title[lang] in page.title(), where
        shown.append((where, page.title() + "\n" + page.inner_text("body")))

    person.open(lang=None if lang == "en" else lang)
    assert page.locator("h1").first.inner_text() == survey.title[lang]
    record("landing")
    person.press_button("form[action$='/start'] button[type=submit]:not([formaction])")
    assert page.locator(".error-summary").count() == 1
    record("landing, consent not ticked")
    person.consent()
    record(f"first page {person.step()} with the resume code")
    page.goto(person.url + "later")
    record("continue later")
    page.goto(person.url + "go")

    tried_empty = False

    def on_page(p) -> None:
        nonlocal tried_empty
        key = p.step()
        record(key or "thanks")
        if key and key.startswith("page:") and not tried_empty:
            items = survey.page(key.split(":")[1]).items
            if any(survey.items[i].required for i in items):
                tried_empty = True
                p.submit()
                assert page.locator(".error-summary").count() == 1, key
                record(f"{key} with errors")

    person.walk(on_page=on_page)
    assert tried_empty, "no page with a required question"
    assert page.locator("figure.result").count() >= 1, "thanks page shows no results"
    page.goto(person.url + "resume")
    record("resume")
    page.fill("#code", "WRONG-CODE")
    person.press_button("main button[type=submit]")
    record("resume with an error")
    page.goto(person.url + "withdraw")
    record("withdraw")
    person.press_button("main button[type=submit]")
    record("withdrawn")

    if lang == "en":
        # Control: the detector finds the English strings where they belong.
        text = "\n".join(t for _, t in shown)
        missed = [s for s in FALLBACK_STRINGS if not pattern(s).search(text)]
        assert not missed, f"English strings not found on English pages: {missed}"
        return
    untranslated = []
    for english in english_strings(lang):
        regex = pattern(english)
        pages = [where for where, text in shown if regex.search(text)]
        if pages:
            untranslated.append(f"  {english!r} on {', '.join(pages)}")
    assert not untranslated, f"English interface strings on {lang} pages:\n" + "\n".join(
        untranslated
    )
