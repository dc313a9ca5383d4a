"""Types whose answers are options: one choice (and its roles), several, a ranking."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from surveys.item_types.base import Answer, AnswerError, ItemType, register, single, whole

if TYPE_CHECKING:
    from surveys.model import Item
    from surveys.reader import DefinitionReader

__all__ = ["ChoiceType", "SingleChoice", "Knowledge", "Attention", "MultipleChoice", "Ranking"]


class ChoiceType(ItemType):
    """Pick one of the item's options; ``value`` is its code."""

    widget = "radios"
    first_input = "-1"
    required_keys = ("options",)
    value_coding = "code"
    required_message = "select_answer"
    shufflable = True

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
        choice = single(raw)
        if choice is None:
            return None
        option = item.option(choice)
        if option is None:
            raise AnswerError("invalid_choice")
        return Answer(value=float(option.code))


@register
class SingleChoice(ChoiceType):
    """Pick one option."""

    name = "single_choice"
    role = "screening"
    sample = {
        "text": {"en": "Where do you live?", "de": "Wo wohnen Sie?"},
        "options": [{"id": "town", "label": {"en": "In town", "de": "In der Stadt"}},
                    {"id": "outside", "label": {"en": "Outside", "de": "Außerhalb"}}],
    }


@register
class Knowledge(ChoiceType):
    """A factual question with one correct option (and usually "don't know")."""

    name = "knowledge"
    required_keys = ("options", "correct")
    role = "knowledge"
    sample = {
        "text": {"en": "How many benches does the square have?",
                 "de": "Wie viele Bänke hat der Platz?"},
        "correct": "ten",
        "options": [{"id": "five", "label": {"en": "Five", "de": "Fünf"}},
                    {"id": "ten", "label": {"en": "Ten", "de": "Zehn"}},
                    {"id": "dont_know", "label": {"en": "Don't know", "de": "Weiß nicht"},
                     "missing": True}],
    }


@register
class Attention(ChoiceType):
    """Instructed-response attention check: ``correct`` is the instructed option."""

    name = "attention"
    required_keys = ("options", "correct")
    role = "attention"
    sample = {
        "text": {"en": "Please choose 'Green' to show you are reading.",
                 "de": "Bitte wählen Sie 'Grün', um zu zeigen, dass Sie lesen."},
        "correct": "green",
        "options": [{"id": "red", "label": {"en": "Red", "de": "Rot"}},
                    {"id": "green", "label": {"en": "Green", "de": "Grün"}}],
    }


@register
class MultipleChoice(ItemType):
    """Pick any number of options (up to ``max_choices``)."""

    name = "multiple_choice"
    widget = "checkboxes"
    first_input = "-1"
    required_keys = ("options",)
    optional_keys = ("max_choices",)
    sample = {
        "text": {"en": "What do you do on the square?", "de": "Was tun Sie auf dem Platz?"},
        "options": [{"id": "shop", "label": {"en": "Shop", "de": "Einkaufen"}},
                    {"id": "meet", "label": {"en": "Meet people", "de": "Leute treffen"}},
                    {"id": "rest", "label": {"en": "Rest", "de": "Ausruhen"}}],
    }
    value_coding = "count"
    text_coding = "option_ids"
    required_message = "select_some"
    many_values = True
    shufflable = True

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
    first_input = "-1"
    required_keys = ("options",)
    value_coding = None
    text_coding = "ranked_option_ids"
    required_message = "rank_all"
    shufflable = True
    sample = {
        "text": {"en": "Rank the uses of the square, 1 for the best.",
                 "de": "Ordnen Sie die Nutzungen des Platzes, 1 für die beste."},
        "options": [{"id": "park", "label": {"en": "Park", "de": "Park"}},
                    {"id": "market", "label": {"en": "Market", "de": "Markt"}},
                    {"id": "parking", "label": {"en": "Parking", "de": "Parkplatz"}}],
    }

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
                value = whole(rank.strip())
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
