"""Free text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from surveys.item_types.base import Answer, AnswerError, ItemType, register

if TYPE_CHECKING:
    from surveys.model import Item
    from surveys.reader import DefinitionReader

__all__ = ["FreeText"]


@register
class FreeText(ItemType):
    """Free text, up to ``max_length`` characters (default :attr:`DEFAULT_MAX_LENGTH`)."""

    name = "text"
    widget = "textarea"
    optional_keys = ("max_length",)
    sample = {
        "text": {"en": "What would you change on the square?",
                 "de": "Was würden Sie auf dem Platz ändern?"},
    }
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
