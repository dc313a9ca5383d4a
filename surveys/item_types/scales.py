"""Labelled agreement scales: the Likert item and the rating grid (rows sharing one scale)."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from surveys.item_types.base import Answer, AnswerError, ItemType, register, single, whole
from surveys.model import Option, Text
from surveys.reader import ID_RE

if TYPE_CHECKING:
    from surveys.model import Item
    from surveys.reader import DefinitionReader

__all__ = ["Likert", "RatingGrid"]

AGREE_EN = ("Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree")
AGREE_DE = ("Stimme gar nicht zu", "Stimme nicht zu", "Weder noch", "Stimme zu", "Stimme voll zu")


@register
class Likert(ItemType):
    """k-point agreement or support scale with a label on every point."""

    name = "likert"
    widget = "scale"
    first_input = "-1"
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
    sample = {
        "text": {"en": "The square needs more shade.", "de": "Der Platz braucht mehr Schatten."},
        "points": 5,
        "anchors": {"en": list(AGREE_EN), "de": list(AGREE_DE)},
    }

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
        ) if anchors else ()
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


@register
class RatingGrid(Likert):
    """Rows of statements rated on one shared Likert scale (a matrix question).

    The definition is one ``[[items]]`` table with the scale (``points``,
    ``anchors``, optional ``prefer_not``), the question that introduces the
    rows (``text``, ``hint``) and ``[[items.rows]]`` (``id``, ``text``,
    optional ``reverse`` and ``construct``). It stands for one Likert-like
    item per row, with the id ``<grid id>_<row id>`` (:meth:`expand`): each
    row is answered, stored, exported, analysed and checked for
    straight-lining as an item of its own, and a page that lists the grid's
    id asks every row. The page renders the rows together
    (``widgets/rating_grid.html``): a table-like layout on wide screens,
    one fieldset per row on phones.
    """

    name = "rating_grid"
    widget = "rating_grid"
    group_widget = "rating_grid"
    required_keys = ("points", "anchors", "rows")
    optional_keys = ("prefer_not",)
    ROW_KEYS: ClassVar[frozenset[str]] = frozenset({"id", "text", "reverse", "construct"})
    sample = {
        "text": {"en": "How far do you agree with each statement?",
                 "de": "Wie sehr stimmen Sie jeder Aussage zu?"},
        "points": 5,
        "anchors": {"en": list(AGREE_EN), "de": list(AGREE_DE)},
        "rows": [
            {"id": "safe", "text": {"en": "The square feels safe.",
                                    "de": "Der Platz fühlt sich sicher an."}},
            {"id": "clean", "text": {"en": "The square is clean.", "de": "Der Platz ist sauber."}},
            {"id": "busy", "text": {"en": "The square is too busy.",
                                    "de": "Auf dem Platz ist zu viel los."},
             "reverse": True},
        ],
    }

    def read(self, table: dict, place: str, r: DefinitionReader) -> dict[str, Any]:
        fields = super().read(table, place, r)
        raw = table.get("rows")
        if not isinstance(raw, list) or len(raw) < 2 or not all(isinstance(t, dict) for t in raw):
            r.problem(f"{place}.rows", "must list at least two rows (id and text each)")
            raw = []
        rows = []
        for j, row in enumerate(raw):
            rplace = f"{place}.rows[{j}]"
            r.unknown(row, set(self.ROW_KEYS), rplace)
            construct = row.get("construct")
            if construct is not None and not (isinstance(construct, str)
                                              and ID_RE.fullmatch(construct)):
                r.problem(f"{rplace}.construct", "must be a lowercase identifier")
                construct = None
            rows.append((r.ident(row, rplace), r.text(row, "text", rplace) or Text({}),
                         r.flag(row, "reverse", rplace, False), construct))
        r.no_duplicates([row[0] for row in rows], f"{place}.rows")
        fields["settings"] = {**fields.get("settings", {}), "rows": tuple(rows)}
        return fields

    def expand(self, item: Item, table: dict, place: str, r: DefinitionReader
               ) -> tuple[Item, ...]:
        settings = {k: v for k, v in item.settings.items() if k != "rows"}
        settings.update(grid=item.id, stem=item.text, stem_hint=item.hint)
        return tuple(
            replace(item, id=f"{item.id}_{row_id}", text=text, hint=None, reverse=reverse,
                    construct=construct or item.construct,
                    settings=MappingProxyType({**settings, "row": row_id}))
            for row_id, text, reverse, construct in item.setting("rows", ())
        )

    def group(self, item: Item) -> str | None:
        return item.setting("grid")

    def codebook(self, item: Item) -> dict:
        """A row's entry: the Likert facts plus ``grid`` (the grid's id, question and row id)."""
        stem, hint = item.setting("stem"), item.setting("stem_hint")
        return {**super().codebook(item), "grid": {
            "id": item.setting("grid"), "row": item.setting("row"),
            "text": dict(stem) if stem else {}, "hint": dict(hint) if hint else None,
        }}

