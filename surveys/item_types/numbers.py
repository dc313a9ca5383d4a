"""Numbers typed into a box: thermometer 0-100, estimate 0-100 %, a number between limits."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from surveys.item_types.base import Answer, AnswerError, ItemType, fmt, register, single

if TYPE_CHECKING:
    from surveys.model import Item
    from surveys.reader import DefinitionReader

__all__ = ["NumberType", "Thermometer", "Estimate", "Number", "NUMBER_RE", "NUMBER_MAX_LENGTH",
           "number_in_range"]


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


def number_in_range(text: str, lo: float, hi: float, integer: bool) -> float:
    if len(text) > NUMBER_MAX_LENGTH or not NUMBER_RE.fullmatch(text):
        raise AnswerError("not_a_number")
    number = float(text.replace(",", "."))
    if not math.isfinite(number):
        raise AnswerError("not_a_number")
    if integer and number != int(number):
        raise AnswerError("whole_number")
    if not lo <= number <= hi:
        raise AnswerError("out_of_range", min=fmt(lo), max=fmt(hi))
    return number


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
        return f"({fmt(lo)}–{fmt(hi)})"

    def parse(self, item: Item, raw: list[str]) -> Answer | None:
        text = single(raw)
        if text is None:
            return None
        lo, hi = self.limits(item)
        return Answer(value=number_in_range(text, lo, hi, item.setting("integer", True)))

    def scale(self, item: Item) -> dict:
        lo, hi = self.limits(item)
        return {"min": lo, "max": hi}

    def whole_numbers(self, item: Item) -> bool:
        return bool(item.setting("integer", True))


@register
class Thermometer(NumberType):
    """Feeling thermometer: 0 (cold) to 100 (warm), optionally with labels at 0, 50, 100."""

    name = "thermometer"
    optional_keys = ("anchors",)
    attitude = True
    sample = {
        "text": {"en": "How warm do you feel towards the council?",
                 "de": "Wie warm stehen Sie dem Rat gegenüber?"},
        "anchors": {"en": ["Cold", "Neither", "Warm"], "de": ["Kalt", "Weder noch", "Warm"]},
    }

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
    sample = {
        "text": {"en": "What share of people do you think want more shade?",
                 "de": "Welcher Anteil der Menschen will Ihrer Meinung nach mehr Schatten?"},
    }

    def read(self, table: dict, place: str, r: DefinitionReader) -> dict[str, Any]:
        if "estimates" not in table:
            return {}
        if not isinstance(table["estimates"], str):
            r.problem(f"{place}.estimates", "must be the id of the item estimated")
            return {}
        return {"settings": {"estimates": table["estimates"]}}

    def check_references(self, item: Item, items: Mapping[str, Item], place: str,
                         r: DefinitionReader) -> None:
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
    sample = {
        "text": {"en": "How many days a week do you cross the square?",
                 "de": "An wie vielen Tagen pro Woche überqueren Sie den Platz?"},
        "min": 0, "max": 7, "unit": {"en": "days", "de": "Tage"},
    }

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
