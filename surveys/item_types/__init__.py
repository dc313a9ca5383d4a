"""The registry of item types: one class per type, owning every fact about it.

The base class and the registry are in :mod:`surveys.item_types.base`; the
types live in one module per family: :mod:`~surveys.item_types.scales`
(Likert, rating grid), :mod:`~surveys.item_types.numbers` (thermometer,
estimate, number), :mod:`~surveys.item_types.choices` (single and multiple
choice, knowledge, attention, ranking) and :mod:`~surveys.item_types.text`.
Importing this package registers them all.

Adding a type is one class (in a family module here, or in any module that
is imported before surveys are loaded) plus its widget template and the
translations of any new message. Validation errors are raised as codes with
parameters, not prose: the app translates them into the participant's
language.
"""

from surveys.item_types.base import (
    REGISTRY,
    Answer,
    AnswerError,
    ItemType,
    get_type,
    register,
    unregister,
)
from surveys.item_types.choices import (
    Attention,
    ChoiceType,
    Knowledge,
    MultipleChoice,
    Ranking,
    SingleChoice,
)
from surveys.item_types.numbers import Estimate, Number, NumberType, Thermometer
from surveys.item_types.scales import Likert, RatingGrid
from surveys.item_types.text import FreeText

__all__ = [
    "AnswerError", "Answer", "ItemType", "ChoiceType", "NumberType",
    "REGISTRY", "register", "unregister", "get_type",
    "Likert", "Thermometer", "Estimate", "Number", "SingleChoice", "Knowledge", "Attention",
    "MultipleChoice", "Ranking", "FreeText", "RatingGrid",
]
