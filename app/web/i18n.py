"""Interface language: chosen by the participant, else the browser, else English.

Survey texts come from the survey definition; interface strings from
Flask-Babel catalogues in app/translations. A participant's choice is kept
on their record (after start) or in the session (before).
"""

from flask import Flask, g, has_request_context, request, session

from app.extensions import babel

__all__ = ["UI_LANGUAGES", "LANGUAGE_NAMES", "configure_i18n", "choose_language"]

#: Languages the interface is translated into.
UI_LANGUAGES = ("en", "de", "uk", "ru")
#: Each language's name in itself, for the language picker.
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "uk": "Українська", "ru": "Русский"}


def choose_language(offered: list[str], chosen: str | None = None) -> str:
    """The language to use among ``offered``: explicit choice, session, browser, first."""
    for candidate in (chosen, session.get("lang")):
        if candidate in offered:
            return candidate
    best = request.accept_languages.best_match(offered)
    return best or offered[0]


def _locale() -> str:
    if not has_request_context():  # commands and tests: messages in English
        return "en"
    lang = getattr(g, "lang", None)
    if lang in UI_LANGUAGES:
        return lang
    return request.accept_languages.best_match(UI_LANGUAGES) or "en"


def configure_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=_locale)
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
