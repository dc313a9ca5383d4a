"""The registry of item types: one class per type.

Each class knows which definition keys its items need, how a raw form value
becomes a stored answer (``value`` number and/or ``text``), and what the
codebook says about it. The app picks a widget by ``widget`` and delegates
validation here, so adding a type touches this file only (plus a widget
template when no existing one fits).

Validation errors are raised as :class:`AnswerError` with a message *code*
and parameters, not prose: the app translates the code into the
participant's language.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from surveys.model import Item

__all__ = ["AnswerError", "Answer", "ItemType", "REGISTRY", "register", "get_type"]


class AnswerError(ValueError):
    """A participant's raw input is not a valid answer to an item."""

    def __init__(self, code: str, **params: object):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Answer:
    """A parsed answer as stored: a number, a text, or both."""

    value: float | None = None
    text: str | None = None


REGISTRY: dict[str, type[ItemType]] = {}


def register(cls: type[ItemType]) -> type[ItemType]:
    """Class decorator adding a type to the registry; a name clash fails at import."""
    if cls.name in REGISTRY:
        raise RuntimeError(f"item type {cls.name!r} registered twice")
    REGISTRY[cls.name] = cls
    return cls


def get_type(name: str) -> ItemType:
    return REGISTRY[name]()


class ItemType:
    """Base class: subclasses set ``name`` and ``widget`` and override ``parse``."""

    name: ClassVar[str]
    #: Template macro the app renders the item with.
    widget: ClassVar[str]
    #: Definition keys this type requires, beyond the common ones.
    required_keys: ClassVar[tuple[str, ...]] = ()
    #: Definition keys this type accepts, beyond the common ones.
    optional_keys: ClassVar[tuple[str, ...]] = ()
    #: Whether the stored ``value`` column is numeric for this type.
    numeric: ClassVar[bool] = True

    def parse(self, item: Item, raw: list[str]) -> Answer | None:
        """Turn the submitted strings into an Answer; None means "not answered"."""
        raise NotImplementedError

    def scale(self, item: Item) -> dict | None:
        return None

    def codebook(self, item: Item) -> dict:
        """The type-specific part of the item's codebook entry."""
        return {
            "scale": self.scale(item),
            "options": [
                {"code": o.code, "id": o.id, "label": dict(o.label), "missing": o.missing}
                for o in item.options
            ],
            "correct": item.correct,
        }

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(self.name)


def _single(raw: list[str]) -> str | None:
    values = [r.strip() for r in raw if r.strip()]
    if not values:
        return None
    if len(values) > 1:
        raise AnswerError("one_answer")
    return values[0]


#: What a number box accepts: ASCII digits with an optional sign and one
#: decimal point or comma ("25", "-3", "2.5", "2,5", ".5"). Refused on
#: purpose, though Python's float() takes them: "1_0" (read as 10), digits of
#: other scripts ("١٢" read as 12), exponents ("1e3"), "nan", "inf" and
#: spaces inside. A participant who typed any of these did not mean a plain
#: number, and the box says so instead of storing a surprise.
NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")
#: Longer input is no plausible answer (and a 5,000-digit integer would
#: exceed Python's int() limit): refused as "not a number".
NUMBER_MAX_LENGTH = 40


def _number(text: str, lo: float, hi: float, integer: bool) -> float:
    if len(text) > NUMBER_MAX_LENGTH or not NUMBER_RE.fullmatch(text):
        raise AnswerError("not_a_number")
    number = float(text.replace(",", "."))
    if not math.isfinite(number):
        raise AnswerError("not_a_number")
    if integer and number != int(number):
        raise AnswerError("whole_number")
    if not lo <= number <= hi:
        raise AnswerError("out_of_range", min=_fmt(lo), max=_fmt(hi))
    return number


def _whole(text: str) -> int | None:
    """``text`` as a small non-negative int, or None if it is anything else.

    ASCII digits only (str.isdigit() also accepts '²', which int() rejects),
    at most 9 of them: the length is checked before int(), since a
    5,000-digit string would raise ValueError past Python's integer-string
    limit instead of becoming a field error.
    """
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        return None
    return int(text)


def _fmt(x: float) -> str:
    return str(int(x)) if x == int(x) else str(x)


class _ChoiceType(ItemType):
    widget = "radios"
    required_keys = ("options",)

    def parse(self, item: Item, raw: list[str]) -> Answer | None:
        choice = _single(raw)
        if choice is None:
            return None
        option = item.option(choice)
        if option is None:
            raise AnswerError("invalid_choice")
        return Answer(value=float(option.code))


@register
class Likert(ItemType):
    """k-point agreement or support scale with a label on every point."""

    name = "likert"
    widget = "scale"
    required_keys = ("points", "anchors")

    def parse(self, item: Item, raw: list[str]) -> Answer | None:
        choice = _single(raw)
        if choice is None:
            return None
        declined = next((o for o in item.options if o.missing and o.id == choice), None)
        if declined is not None:  # "Prefer not to answer": stored as its declared missing code
            return Answer(value=float(declined.code))
        point = _whole(choice)
        if point is None or not 1 <= point <= self.points(item):
            raise AnswerError("invalid_choice")
        return Answer(value=float(point))

    @staticmethod
    def points(item: Item) -> int:
        """Points of the scale (a "Prefer not to answer" option is not one)."""
        return sum(not o.missing for o in item.options)

    def scale(self, item: Item) -> dict:
        return {"min": 1, "max": self.points(item)}


class _NumberLike(ItemType):
    widget = "number"
    #: Fixed limits of the type (thermometer and estimate: 0-100).
    bounds: ClassVar[tuple[float, float]] = (0.0, 100.0)

    def limits(self, item: Item) -> tuple[float, float]:
        return self.bounds

    def parse(self, item: Item, raw: list[str]) -> Answer | None:
        text = _single(raw)
        if text is None:
            return None
        lo, hi = self.limits(item)
        return Answer(value=_number(text, lo, hi, item.integer))

    def scale(self, item: Item) -> dict:
        lo, hi = self.limits(item)
        return {"min": lo, "max": hi}


@register
class Thermometer(_NumberLike):
    """Feeling thermometer: 0 (cold) to 100 (warm)."""

    name = "thermometer"
    optional_keys = ("anchors",)


@register
class Estimate(_NumberLike):
    """Estimated share of people, 0-100 % (meta-perception)."""

    name = "estimate"
    optional_keys = ("estimates",)


@register
class Number(_NumberLike):
    """A number between the item's ``min`` and ``max``."""

    name = "number"
    required_keys = ("min", "max")
    optional_keys = ("integer", "unit")

    def limits(self, item: Item) -> tuple[float, float]:
        return float(item.minimum), float(item.maximum)  # type: ignore[arg-type]


@register
class SingleChoice(_ChoiceType):
    """Pick one option."""

    name = "single_choice"


@register
class Knowledge(_ChoiceType):
    """A factual question with one correct option (and usually "don't know")."""

    name = "knowledge"
    required_keys = ("options", "correct")


@register
class Attention(_ChoiceType):
    """Instructed-response attention check: ``correct`` is the instructed option."""

    name = "attention"
    required_keys = ("options", "correct")


@register
class MultipleChoice(ItemType):
    """Pick any number of options (up to ``max_choices``)."""

    name = "multiple_choice"
    widget = "checkboxes"
    required_keys = ("options",)
    optional_keys = ("max_choices",)

    def parse(self, item: Item, raw: list[str]) -> Answer | None:
        chosen = {r.strip() for r in raw if r.strip()}
        if not chosen:
            return None
        known = [o for o in item.options if o.id in chosen]
        if len(known) != len(chosen):
            raise AnswerError("invalid_choice")
        if item.max_choices is not None and len(known) > item.max_choices:
            raise AnswerError("too_many_choices", max=item.max_choices)
        return Answer(value=float(len(known)), text="|".join(o.id for o in known))


@register
class Ranking(ItemType):
    """Order all options; submitted as one rank (1..n) per option.

    Without JavaScript a ranking is a select per option; the answer is valid
    only when the ranks are a permutation of 1..n.
    """

    name = "ranking"
    widget = "ranking"
    required_keys = ("options",)
    numeric = False

    def parse(self, item: Item, raw: list[str]) -> Answer | None:
        # raw holds "option_id=rank" pairs, one per option, built by the app.
        ranks: dict[str, int] = {}
        for pair in raw:
            option_id, _, rank = pair.partition("=")
            if rank.strip():
                value = _whole(rank.strip())
                if value is None:
                    raise AnswerError("invalid_choice")
                ranks[option_id] = value
        if not ranks:
            return None
        n = len(item.options)
        if set(ranks) != {o.id for o in item.options} or sorted(ranks.values()) != list(
            range(1, n + 1)
        ):
            raise AnswerError("ranking_incomplete", n=n)
        ordered = sorted(ranks, key=ranks.__getitem__)
        return Answer(text="|".join(ordered))


@register
class FreeText(ItemType):
    """Free text, up to ``max_length`` characters (default 2000)."""

    name = "text"
    widget = "textarea"
    optional_keys = ("max_length",)
    numeric = False

    def parse(self, item: Item, raw: list[str]) -> Answer | None:
        text = "\n".join(r for r in raw).strip().replace("\r\n", "\n")
        if not text:
            return None
        limit = item.max_length or 2000
        if len(text) > limit:
            raise AnswerError("too_long", max=limit)
        return Answer(text=text)
