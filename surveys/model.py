"""Typed, frozen objects a survey definition is loaded into.

Everything here is plain data: the app renders it, stores answers against it
and writes the codebook from it; nothing in here knows about Flask,
SQLAlchemy or pandas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from surveys.conditions import Condition
    from surveys.item_types import ItemType

__all__ = ["PHASES", "EXCHANGE_STEPS", "Text", "Option", "Item", "Page", "Module", "Arm",
           "Source", "Seed", "Exchange", "Image", "Survey"]

#: The order in which a participant meets the phases. ``followup``: the
#: follow-up wave's own questions, asked weeks later after its repeat of the
#: post pages (never in the main journey).
PHASES = ("profile", "pre", "module", "post", "followup")
#: The step names an arm's module list may end with: peers' statements, or
#: the neutral placebo set (the same step on an unrelated topic).
EXCHANGE_STEPS = ("exchange", "exchange_placebo")


class Text(Mapping[str, str]):
    """A human-readable text in every language of the survey (read-only)."""

    __slots__ = ("_by_lang",)

    def __init__(self, by_lang: Mapping[str, str]):
        self._by_lang = MappingProxyType(dict(by_lang))

    def __getitem__(self, lang: str) -> str:
        return self._by_lang[lang]

    def __iter__(self):
        return iter(self._by_lang)

    def __len__(self) -> int:
        return len(self._by_lang)

    def __repr__(self) -> str:
        return f"Text({dict(self._by_lang)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self) == dict(other)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._by_lang.items())))


@dataclass(frozen=True)
class Option:
    """One answer option of a choice-like item; ``code`` is its 1-based position."""

    code: int
    id: str
    label: Text
    #: "Prefer not to say" / "don't know": stored, but missing for analysis.
    missing: bool = False
    #: Keeps its place when the item's options are shuffled (surveys/display_order.py).
    fixed: bool = False


@dataclass(frozen=True)
class Item:
    """One question. Its behaviour (reading, parsing, widget, codebook) comes from ``kind``."""

    id: str
    type: str
    kind: ItemType
    text: Text
    hint: Text | None = None
    required: bool = True
    construct: str | None = None
    reverse: bool = False
    post_only: bool = False
    #: Answer options (choice-like types; Likert: one per point).
    options: tuple[Option, ...] = ()
    #: Code of the correct option (knowledge and attention items).
    correct: int | None = None
    #: Every other setting, as the item's type read it from the definition
    #: (Likert ``points`` and ``anchors``, number ``minimum``/``maximum``/
    #: ``integer``/``unit``, ``max_length``, ``max_choices``, ``estimates``...).
    settings: Mapping[str, Any] = field(default_factory=dict)
    #: Id of an image (``Survey.images``) shown above the question, or None.
    image: str | None = None
    #: Shown only when this holds (``show_if``, surveys/conditions.py); None: always.
    show_if: Condition | None = None
    #: Each participant sees the options in an order of their own (fixed ones stay).
    shuffle_options: bool = False

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)

    def setting(self, key: str, default: Any = None) -> Any:
        """A type-specific setting, or ``default`` when the definition did not set it."""
        value = self.settings.get(key)
        return default if value is None else value


@dataclass(frozen=True)
class Page:
    """One form a participant submits at once: saved whole or not at all."""

    id: str
    phase: str
    items: tuple[str, ...]
    title: Text | None = None
    intro: Text | None = None
    #: Shown only when this holds (``show_if``, surveys/conditions.py); None: always.
    show_if: Condition | None = None
    #: Each participant sees the items in an order of their own (a grid moves whole).
    shuffle_items: bool = False


@dataclass(frozen=True)
class Module:
    """A briefing (a proposal or the control text) read between pre and post."""

    id: str
    kind: str  # "proposal" or "control"
    title: Text
    summary: Text
    #: The Markdown body (title line removed), per language.
    body: Text


@dataclass(frozen=True)
class Arm:
    """A randomised condition: the modules it shows and its allocation weight."""

    id: str
    #: The briefings, in the definition's order (the exchange step is not one).
    modules: tuple[str, ...]
    weight: int = 1
    control: bool = False
    #: "exchange", "exchange_placebo" (one of ``EXCHANGE_STEPS``) or None: the
    #: argument-exchange step this arm gets after its briefings.
    exchange: str | None = None


@dataclass(frozen=True)
class Source:
    """A text item whose answers become statements in the exchange.

    The statement argues ``side`` ("for" or "against") of a proposal: the
    fixed ``proposal``, or the one the participant's answer to
    ``proposal_from`` names (a ranking's last place, a single choice's option).
    """

    item: str
    side: str
    proposal: str | None = None
    proposal_from: str | None = None


@dataclass(frozen=True)
class Seed:
    """A statement written by the research team (or a neutral placebo one).

    ``key`` is the same in every language; ``text`` holds each translation.
    Placebo statements have no proposal or side.
    """

    key: str
    text: Text
    proposal: str | None = None
    side: str | None = None


@dataclass(frozen=True)
class Exchange:
    """The ``[exchange]`` table: participants write, read and rate arguments."""

    sources: tuple[Source, ...]
    #: Items that place a rater before any briefing (profile or pre phase).
    anchors: tuple[str, ...]
    min_length: int = 50
    max_length: int = 600
    cards: int = 10
    pairs: int = 2
    mode: str = "frozen"  # "frozen" or "live"
    seeds: tuple[Seed, ...] = ()
    placebo: tuple[Seed, ...] = ()
    #: Triage word lists: language -> lowercase terms.
    words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Image:
    """A PNG, JPEG or WebP file of the survey, placed in texts and items by ``id``.

    ``media_type``, ``width`` and ``height`` come from the file's header
    (``surveys.images.sniff``), not from its name.
    """

    id: str
    #: Path of the file inside the survey folder (POSIX).
    file: str
    media_type: str
    width: int
    height: int
    #: What the image shows, in words, in every language (required).
    alt: Text
    #: Markdown shown under the image, per language.
    caption: Text | None = None
    #: Where the image or its data come from (Markdown), per language.
    source: Text | None = None

    @property
    def file_name(self) -> str:
        """The name the image is served under: its id and its type's usual ending."""
        return f"{self.id}.{self.media_type.removeprefix('image/').replace('jpeg', 'jpg')}"


@dataclass(frozen=True)
class Survey:
    """A validated survey definition, identified by the hash of its files."""

    id: str
    version: str
    title: Text
    languages: tuple[str, ...]
    consent: Text
    modules: tuple[Module, ...]
    arms: tuple[Arm, ...]
    pages: tuple[Page, ...]
    items: Mapping[str, Item]
    thanks: Text | None = None
    exchange: Exchange | None = None
    #: Image id -> Image (``[[images]]``).
    images: Mapping[str, Image] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def module(self, module_id: str) -> Module:
        return next(m for m in self.modules if m.id == module_id)

    def arm(self, arm_id: str) -> Arm:
        return next(a for a in self.arms if a.id == arm_id)

    def page(self, page_id: str) -> Page:
        return next(p for p in self.pages if p.id == page_id)

    def pages_in(self, phase: str) -> tuple[Page, ...]:
        return tuple(p for p in self.pages if p.phase == phase)

    @property
    def control_arm(self) -> Arm | None:
        return next((a for a in self.arms if a.control), None)

    def phases_of(self, item_id: str) -> tuple[str, ...]:
        """Phases an item is asked in, in journey order."""
        return self._phases.get(item_id, ())

    @cached_property
    def _phases(self) -> dict[str, tuple[str, ...]]:
        """Item id -> its phases, built once (asking every page per item was quadratic)."""
        found: dict[str, set[str]] = {}
        for page in self.pages:
            for item_id in page.items:
                found.setdefault(item_id, set()).add(page.phase)
        return {i: tuple(ph for ph in PHASES if ph in f) for i, f in found.items()}
