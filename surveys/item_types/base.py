"""The item type's base class, the registry and the helpers every family shares.

A type class knows (after indico's ``BaseField``):

- its definition keys and how to read and check them (:meth:`ItemType.read`:
  the loader calls the type, it never asks which type it has), and, for a
  composite type, the items one definition stands for
  (:meth:`ItemType.expand`, :meth:`ItemType.group`);
- how the raw form strings are collected and parsed into a stored answer
  (:meth:`ItemType.raw_values`, :meth:`ItemType.parse`); every problem is an
  :class:`AnswerError`, which the app shows at the field;
- its widget (the template ``app/templates/participant/widgets/<widget>.html``)
  and the code of its required-answer message;
- its codebook entry, including the facts the export contract names
  (``analysis.contract.TYPE_FACT_KEYS``: what ``value`` and ``text`` hold,
  its ``role``, whether it joins the straight-lining check), so the export
  writer, the app's checks and the analysis read the codebook or the facts,
  never a list of types;
- a :attr:`ItemType.sample` item for tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from surveys.model import Item
    from surveys.reader import DefinitionReader

__all__ = [
    "AnswerError", "Answer", "ItemType", "REGISTRY", "register", "unregister", "get_type",
    "single", "whole", "fmt",
]


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
    #: Suffix of the id of the widget's first input after the field's id (``-1``
    #: when the inputs are numbered: radios, checkboxes, rank selects), so the
    #: error summary links to a control that takes focus.
    first_input: ClassVar[str] = ""
    #: The form sends several values under the item's name (checkboxes).
    many_values: ClassVar[bool] = False
    #: The options are not a scale: ``shuffle_options`` may show them in another
    #: order to each participant (surveys/display_order.py).
    shufflable: ClassVar[bool] = False

    #: A sample item's definition keys (beyond ``id`` and ``type``, English
    #: wording): tests build their surveys from the samples, never from the
    #: wording of a shipped survey (``tests/samples.py``).
    sample: ClassVar[Mapping[str, Any]] = {}

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
                         r: DefinitionReader) -> None:
        """Check settings that name other items, once every item is read."""

    def expand(self, item: Item, table: dict, place: str, r: DefinitionReader
               ) -> tuple[Item, ...]:
        """The items a definition's ``[[items]]`` table stands for, each answered and stored.

        One item for most types. A composite type (a rating grid) returns one
        item per row; a page that lists the composite's id asks all of them,
        and each row is saved, exported and analysed as an item of its own.
        """
        return (item,)

    def group(self, item: Item) -> str | None:
        """Id of the composite ``item`` belongs to (a grid's row), or None.

        Consecutive items of one group are rendered together by the type's
        :attr:`group_widget` (the macro ``render_group(fields, lang)`` of the
        widget template); each keeps its own field, answer and error.
        """
        return None

    #: Widget template rendering one group's items at once (composite types).
    group_widget: ClassVar[str | None] = None

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

    def whole_numbers(self, item: Item) -> bool:
        """Every ``value`` of the item is a whole number (codebook ``integer``, format 1.14).

        Codes, counts and points on a scale are; a type whose values may have
        decimals says so. The wide formats store such a column as integers.
        """
        return self.value_coding is not None

    def codebook(self, item: Item) -> dict:
        """The type's part of the item's codebook entry (format 1.3 keys)."""
        return {
            "scale": self.scale(item),
            "options": [
                {"code": o.code, "id": o.id, "label": dict(o.label), "missing": o.missing,
                 "fixed": o.fixed}
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
            "integer": self.whole_numbers(item),
        }

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(self.name)


def single(raw: list[str]) -> str | None:
    values = [r.strip() for r in raw if r.strip()]
    if not values:
        return None
    if len(values) > 1:
        raise AnswerError("one_answer")
    return values[0]



def whole(text: str) -> int | None:
    """``text`` as a small non-negative int, or None if it is anything else.

    ASCII digits only (str.isdigit() also accepts '²', which int() rejects),
    at most 9 of them: the length is checked before int(), since a
    5,000-digit string would raise ValueError past Python's integer-string
    limit instead of becoming a field error.
    """
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        return None
    return int(text)


def fmt(x: float) -> str:
    return str(int(x)) if x == int(x) else str(x)
