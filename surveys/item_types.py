"""The registry of item types: one class per type, owning every fact about it.

A type class knows (after indico's ``BaseField``):

- its definition keys and how to read and check them (:meth:`ItemType.read`:
  the loader calls the type, it never asks which type it has);
- how the raw form strings are collected and parsed into a stored answer
  (:meth:`ItemType.raw_values`, :meth:`ItemType.parse`); every problem is an
  :class:`AnswerError`, which the app shows at the field;
- its widget (the template ``app/templates/participant/widgets/<widget>.html``)
  and the code of its required-answer message;
- its codebook entry, including what ``value`` and ``text`` hold in the
  export (:attr:`ItemType.value_coding`, :attr:`ItemType.text_coding`), so the
  export writer and the analysis read the codebook, never a list of types.

Adding a type is one class here (or in any module that is imported before
surveys are loaded) plus its widget template and the translations of any new
message. Validation errors are raised as codes with parameters, not prose:
the app translates them into the participant's language.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from surveys.model import Option, Text

if TYPE_CHECKING:
    from surveys.model import Item
    from surveys.reader import DefinitionReader

__all__ = [
    "AnswerError", "Answer", "ItemType", "ChoiceType", "NumberType",
    "REGISTRY", "register", "unregister", "get_type",
]  # fmt: skip


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


def unregister(name: str) -> None:
    """Remove a type (tests that register a type of their own clean up with this)."""
    del REGISTRY[name]


def get_type(name: str) -> ItemType:
    return REGISTRY[name]()


class ItemType:
    """Base class: subclasses set ``name``, ``widget`` and the codings, and override ``parse``."""

    name: ClassVar[str]
    #: Widget template: ``app/templates/participant/widgets/<widget>.html``.
    widget: ClassVar[str]
    #: Definition keys this type requires, beyond the common ones.
    required_keys: ClassVar[tuple[str, ...]] = ()
    #: Definition keys this type accepts, beyond the common ones.
    optional_keys: ClassVar[tuple[str, ...]] = ()
    #: What the stored ``value`` means: ``quantity`` (a number on the item's
    #: scale), ``code`` (the chosen option's code), ``count`` (options chosen)
    #: or None (the export contract's ``VALUE_CODINGS``).
    value_coding: ClassVar[str | None] = "quantity"
    #: What the stored ``text`` means: ``option_ids``, ``ranked_option_ids``,
    #: ``free_text`` or None (the contract's ``TEXT_CODINGS``).
    text_coding: ClassVar[str | None] = None
    #: An attitude measure: the analysis reports its polarisation.
    attitude: ClassVar[bool] = False
    #: What the item is for beyond measuring (the contract's ``ROLES``):
    #: ``attention`` (instructed response), ``knowledge`` (scored against
    #: ``correct``), ``screening`` (one category: screening rules, strata and
    #: quotas may use it), ``estimate`` (share supporting another item) or None.
    role: ClassVar[str | None] = None
    #: A point on a labelled agreement scale: joins the straight-lining check.
    straightlining: ClassVar[bool] = False
    #: Code of the message shown when a required item is left empty.
    required_message: ClassVar[str] = "enter_answer"
    #: The form sends several values under the item's name (checkboxes).
    many_values: ClassVar[bool] = False

    #: Whether the stored ``value`` column holds a number (set from ``value_coding``).
    numeric: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.numeric = cls.value_coding is not None

    # --- the definition ----------------------------------------------------

    def read(self, table: dict, place: str, r: DefinitionReader) -> dict[str, Any]:
        """Read this type's keys of one ``[[items]]`` table into ``Item`` fields.

        Returns keyword arguments for :class:`~surveys.model.Item`: ``options``,
        ``correct``, ``reverse`` and ``settings`` (the mapping of every other
        type-specific setting). Problems go to ``r.problem``; the loader has
        already checked for unknown and missing keys.
        """
        return {}

    def check_references(self, item: Item, items: Mapping[str, Item], place: str,
                         r: DefinitionReader) -> None:  # fmt: skip
        """Check settings that name other items, once every item is read."""

    # --- answers -------------------------------------------------------------

    def raw_values(self, item: Item, name: str, getlist: Callable[[str], list[str]]) -> list[str]:
        """The submitted strings of the field ``name`` (``getlist`` reads the form)."""
        return getlist(name)

    def parse(self, item: Item, raw: list[str]) -> Answer | None:
        """Turn the submitted strings into an Answer; None means "not answered"."""
        raise NotImplementedError

    # --- the codebook --------------------------------------------------------

    def scale(self, item: Item) -> dict | None:
        return None

    def codebook(self, item: Item) -> dict:
        """The type's part of the item's codebook entry (format 1.3 keys)."""
        return {
            "scale": self.scale(item),
            "options": [
                {"code": o.code, "id": o.id, "label": dict(o.label), "missing": o.missing}
                for o in item.options
            ],
            "correct": item.correct,
            "estimates": None,
            "value_coding": self.value_coding,
            "text_coding": self.text_coding,
            "missing_codes": [o.code for o in item.options if o.missing],
            "attitude": self.attitude,
            "role": self.role,
            "straightlining": self.straightlining,
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


class ChoiceType(ItemType):
    """Pick one of the item's options; ``value`` is its code."""

    widget = "radios"
    required_keys = ("options",)
    value_coding = "code"
    required_message = "select_answer"

    def read(self, table: dict, place: str, r: DefinitionReader) -> dict[str, Any]:
        options = r.options(table, place)
        fields: dict[str, Any] = {"options": options}
        if "correct" in self.required_keys and "correct" in table:
            option = next((o for o in options if o.id == table["correct"]), None)
            if option is None:
                r.problem(f"{place}.correct", f"'{table['correct']}' is not one of the options")
            else:
                fields["correct"] = option.code
        return fields

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
    optional_keys = ("reverse", "prefer_not")
    attitude = True
    straightlining = True
    required_message = "select_answer"
    #: "Prefer not to answer" (``prefer_not.<lang> = "..."``): an extra option
    #: stored with this declared missing code (the ANES convention for a
    #: refusal), flagged ``missing`` in the codebook so analyses leave it out.
    PREFER_NOT_CODE: ClassVar[int] = -9
    PREFER_NOT_ID: ClassVar[str] = "prefer_not"

    def read(self, table: dict, place: str, r: DefinitionReader) -> dict[str, Any]:
        fields: dict[str, Any] = {"reverse": r.flag(table, "reverse", place, False)}
        points = table.get("points")
        if not isinstance(points, int) or not 2 <= points <= 11:
            r.problem(f"{place}.points", "must be a whole number from 2 to 11")
            return fields
        anchors = r.anchors(table, place, points)
        options = tuple(
            Option(k, str(k), Text({lang: labels[k - 1] for lang, labels in anchors.items()}))
            for k in range(1, points + 1)
        ) if anchors else ()  # fmt: skip
        if "prefer_not" in table and options:
            label = r.text(table, "prefer_not", place)
            if label is not None:
                options += (Option(self.PREFER_NOT_CODE, self.PREFER_NOT_ID, label, missing=True),)
        fields["options"] = options
        fields["settings"] = {"points": points, "anchors": anchors}
        return fields

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


class NumberType(ItemType):
    """A number typed into a box, between the limits of the type or the item."""

    widget = "number"
    required_message = "enter_number"
    #: Fixed limits of the type (thermometer and estimate: 0-100).
    bounds: ClassVar[tuple[float, float]] = (0.0, 100.0)

    def limits(self, item: Item) -> tuple[float, float]:
        return self.bounds

    def unit(self, item: Item, lang: str) -> str:
        """What the widget shows after the box: a unit, or the allowed range."""
        lo, hi = self.limits(item)
        return f"({_fmt(lo)}–{_fmt(hi)})"

    def parse(self, item: Item, raw: list[str]) -> Answer | None:
        text = _single(raw)
        if text is None:
            return None
        lo, hi = self.limits(item)
        return Answer(value=_number(text, lo, hi, item.setting("integer", True)))

    def scale(self, item: Item) -> dict:
        lo, hi = self.limits(item)
        return {"min": lo, "max": hi}


@register
class Thermometer(NumberType):
    """Feeling thermometer: 0 (cold) to 100 (warm), optionally with labels at 0, 50, 100."""

    name = "thermometer"
    optional_keys = ("anchors",)
    attitude = True

    def read(self, table: dict, place: str, r: DefinitionReader) -> dict[str, Any]:
        if "anchors" not in table:
            return {}
        return {"settings": {"anchors": r.anchors(table, place, 3)}}


@register
class Estimate(NumberType):
    """Estimated share of people, 0-100 % (meta-perception)."""

    name = "estimate"
    optional_keys = ("estimates",)
    role = "estimate"

    def read(self, table: dict, place: str, r: DefinitionReader) -> dict[str, Any]:
        if "estimates" not in table:
            return {}
        if not isinstance(table["estimates"], str):
            r.problem(f"{place}.estimates", "must be the id of the item estimated")
            return {}
        return {"settings": {"estimates": table["estimates"]}}

    def check_references(self, item: Item, items: Mapping[str, Item], place: str,
                         r: DefinitionReader) -> None:  # fmt: skip
        target = item.setting("estimates")
        if target and target not in items:
            r.problem(f"{place}.estimates", f"names item '{target}', which is not defined")

    def unit(self, item: Item, lang: str) -> str:
        return "%"

    def codebook(self, item: Item) -> dict:
        return {**super().codebook(item), "estimates": item.setting("estimates")}


@register
class Number(NumberType):
    """A number between the item's ``min`` and ``max``."""

    name = "number"
    required_keys = ("min", "max")
    optional_keys = ("integer", "unit")

    def read(self, table: dict, place: str, r: DefinitionReader) -> dict[str, Any]:
        settings: dict[str, Any] = {}
        lo, hi = table.get("min"), table.get("max")
        finite = all(isinstance(v, int | float) and math.isfinite(v) for v in (lo, hi))
        if not finite or lo >= hi:
            r.problem(place, "'min' and 'max' must be numbers with min < max")
        else:
            settings["minimum"], settings["maximum"] = float(lo), float(hi)
        settings["integer"] = r.flag(table, "integer", place, True)
        settings["unit"] = r.text(table, "unit", place, required=False)
        return {"settings": settings}

    def limits(self, item: Item) -> tuple[float, float]:
        return float(item.setting("minimum")), float(item.setting("maximum"))

    def unit(self, item: Item, lang: str) -> str:
        unit = item.setting("unit")
        return unit[lang] if unit else super().unit(item, lang)


@register
class SingleChoice(ChoiceType):
    """Pick one option."""

    name = "single_choice"
    role = "screening"


@register
class Knowledge(ChoiceType):
    """A factual question with one correct option (and usually "don't know")."""

    name = "knowledge"
    required_keys = ("options", "correct")
    role = "knowledge"


@register
class Attention(ChoiceType):
    """Instructed-response attention check: ``correct`` is the instructed option."""

    name = "attention"
    required_keys = ("options", "correct")
    role = "attention"


@register
class MultipleChoice(ItemType):
    """Pick any number of options (up to ``max_choices``)."""

    name = "multiple_choice"
    widget = "checkboxes"
    required_keys = ("options",)
    optional_keys = ("max_choices",)
    value_coding = "count"
    text_coding = "option_ids"
    required_message = "select_some"
    many_values = True

    def read(self, table: dict, place: str, r: DefinitionReader) -> dict[str, Any]:
        fields: dict[str, Any] = {"options": r.options(table, place)}
        if "max_choices" in table:
            fields["settings"] = {"max_choices": r.positive_int(table, "max_choices", place)}
        return fields

    def parse(self, item: Item, raw: list[str]) -> Answer | None:
        chosen = {r.strip() for r in raw if r.strip()}
        if not chosen:
            return None
        known = [o for o in item.options if o.id in chosen]
        if len(known) != len(chosen):
            raise AnswerError("invalid_choice")
        most = item.setting("max_choices")
        if most is not None and len(known) > most:
            raise AnswerError("too_many_choices", max=most)
        return Answer(value=float(len(known)), text="|".join(o.id for o in known))


@register
class Ranking(ItemType):
    """Order all options; submitted as one rank (1..n) per option.

    Without JavaScript a ranking is a select per option (field
    ``<name>__<option id>``); the answer is valid only when the ranks are a
    permutation of 1..n.
    """

    name = "ranking"
    widget = "ranking"
    required_keys = ("options",)
    value_coding = None
    text_coding = "ranked_option_ids"
    required_message = "rank_all"

    def read(self, table: dict, place: str, r: DefinitionReader) -> dict[str, Any]:
        return {"options": r.options(table, place)}

    def raw_values(self, item: Item, name: str, getlist: Callable[[str], list[str]]) -> list[str]:
        """One ``option_id=rank`` string per option."""
        return [f"{o.id}={next(iter(getlist(f'{name}__{o.id}')), '')}" for o in item.options]

    def parse(self, item: Item, raw: list[str]) -> Answer | None:
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
    """Free text, up to ``max_length`` characters (default :attr:`DEFAULT_MAX_LENGTH`)."""

    name = "text"
    widget = "textarea"
    optional_keys = ("max_length",)
    value_coding = None
    text_coding = "free_text"
    DEFAULT_MAX_LENGTH: ClassVar[int] = 2000

    def read(self, table: dict, place: str, r: DefinitionReader) -> dict[str, Any]:
        if "max_length" not in table:
            return {}
        return {"settings": {"max_length": r.positive_int(table, "max_length", place)}}

    def max_length(self, item: Item) -> int:
        return item.setting("max_length") or self.DEFAULT_MAX_LENGTH

    def parse(self, item: Item, raw: list[str]) -> Answer | None:
        text = "\n".join(r for r in raw).strip().replace("\r\n", "\n")
        if not text:
            return None
        limit = self.max_length(item)
        if len(text) > limit:
            raise AnswerError("too_long", max=limit)
        return Answer(text=text)
