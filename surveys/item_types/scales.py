"""Labelled agreement scales: the Likert item and the rating grid (rows sharing one scale)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from surveys.item_types.base import Answer, AnswerError, ItemType, register, single, whole
from surveys.model import Option, Text

if TYPE_CHECKING:
    from surveys.model import Item
    from surveys.reader import DefinitionReader

__all__ = ["Likert"]


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
        choice = single(raw)
        if choice is None:
            return None
        declined = next((o for o in item.options if o.missing and o.id == choice), None)
        if declined is not None:  # "Prefer not to answer": stored as its declared missing code
            return Answer(value=float(declined.code))
        point = whole(choice)
        if point is None or not 1 <= point <= self.points(item):
            raise AnswerError("invalid_choice")
        return Answer(value=float(point))

    @staticmethod
    def points(item: Item) -> int:
        """Points of the scale (a "Prefer not to answer" option is not one)."""
        return sum(not o.missing for o in item.options)

    def scale(self, item: Item) -> dict:
        return {"min": 1, "max": self.points(item)}
