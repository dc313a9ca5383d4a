"""Survey definitions as data, and the loader that validates them.

A survey is a folder holding ``survey.toml`` plus Markdown texts (see
``docs/survey-format.md``). :func:`load_survey` turns it into frozen, typed
objects or raises :class:`SurveyError` naming every file, place and problem.
This package imports no Flask, SQLAlchemy or pandas, so authors can check a
definition anywhere: ``python -m surveys check PATH``.
"""

from pathlib import Path

from surveys.item_types import REGISTRY, Answer, AnswerError, ItemType
from surveys.loader import Problem, SurveyError, load_survey
from surveys.model import (
    PHASES,
    Arm,
    Exchange,
    Item,
    Module,
    Option,
    Page,
    Seed,
    Source,
    Survey,
    Text,
)

__all__ = [
    "PHASES", "REGISTRY", "Answer", "AnswerError", "Arm", "Exchange", "Item", "ItemType", "Module",
    "Option", "Page", "Problem", "Seed", "Source", "Survey", "SurveyError", "Text", "load_survey",
    "SHIPPED", "FLAGSHIP", "EXAMPLE",
]

#: Folder holding the surveys that ship with Parley.
SHIPPED = Path(__file__).resolve().parent
#: The flagship campaign's survey, opened by the README's first command.
FLAGSHIP = SHIPPED / "peace_in_europe"
#: A small survey for tests and documentation.
EXAMPLE = SHIPPED / "example"
