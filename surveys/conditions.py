"""Display conditions (``show_if``): a small grammar, parsed at load, never ``eval``-ed.

An item or a page may say when it is shown, from answers given on an
earlier page::

    show_if = 'tenure = "renter"'
    show_if = 'age_band in ["18_24", "25_34"] and not (tenure = "owner")'
    show_if = 'warmth_council >= 50 or transport = "bike"'

The grammar (keywords lowercase)::

    condition  := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" condition ")" | comparison
    comparison := ITEM ("=" | "!=" | "<" | "<=" | ">" | ">=") VALUE
                | ITEM ["not"] "in" "[" VALUE ("," VALUE)* "]"
    VALUE      := "text" | 'text' | number

A text is an option id of a choice item (for a multiple choice: ``=`` and
``in`` mean "among the chosen"); a number compares the value of an item on
a numeric scale (Likert points, thermometer, estimate, number). An item
without an answer (skipped, or itself not shown) matches no comparison,
not even ``!=``; ``not (...)`` turns that round. A condition reads the
answer an item got in the first phase it is asked in (a pre/post twin: its
pre answer), so a post twin, whose condition is its pre twin's, is shown
after reading exactly when it was shown before.

:func:`parse` turns a text into a :class:`Condition` or raises
:class:`ConditionError`; :func:`resolve` checks it against the survey (ids,
options, types) and returns the problems; :func:`shown_items` decides a
page for one participant. Standard library only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from surveys.model import Item, Page, Survey

__all__ = ["NOT_SHOWN_CODE", "Condition", "ConditionError", "parse", "resolve",
           "not_shown_code", "shown_items", "page_condition_items", "referenced_items",
           "MAX_CONDITION_CHARS"]

#: The declared missing code of an item that was not shown (format 1.11): its
#: answer row holds this ``value`` and no text. Negative like "prefer not to
#: answer" (-9), outside every built-in scale; a number item whose range
#: reaches it gets one below its minimum (:func:`not_shown_code`).
NOT_SHOWN_CODE = -7
#: A condition is a line, not a program: longer texts are refused unread.
MAX_CONDITION_CHARS = 2_000

_TOKEN = re.compile(r"""\s*(?:
    (?P<number>-?[0-9]+(?:\.[0-9]+)?)
  | (?P<string>"[^"\n]*"|'[^'\n]*')
  | (?P<op>!=|<=|>=|=|<|>|\(|\)|\[|\]|,)
  | (?P<word>[a-z][a-z0-9_]*)
  | (?P<bad>\S)
)""", re.VERBOSE)
_KEYWORDS = {"and", "or", "not", "in"}
_ORDER_OPS = ("<", "<=", ">", ">=")


class ConditionError(ValueError):
    """A condition that cannot be read; the message says where and what was expected."""


@dataclass(frozen=True)
class Compare:
    item: str
    op: str  # = != < <= > >= in "not in"
    values: tuple[str | float, ...]


@dataclass(frozen=True)
class Combine:
    op: str  # "and", "or", "not"
    parts: tuple


@dataclass(frozen=True)
class Condition:
    """A parsed ``show_if``: its text as written and its tree."""

    source: str
    tree: Compare | Combine

    def __str__(self) -> str:
        return self.source

    @property
    def items(self) -> tuple[str, ...]:
        """The item ids the condition reads, in the order written (each once)."""
        return tuple(dict.fromkeys(c.item for c in _comparisons(self.tree)))

    def holds(self, survey: Survey, answers: Mapping[str, tuple[float | None, str | None]]
              ) -> bool:
        """Whether the condition is true for ``answers`` (item id -> (value, text))."""
        return _holds(self.tree, survey, answers)


def parse(text: str) -> Condition:
    """Read a condition; raise :class:`ConditionError` saying what is wrong and where.

    >>> str(parse('tenure = "renter"').tree.values[0])
    'renter'
    >>> parse('a in ["x", "y"] and not b >= 3').items
    ('a', 'b')
    >>> try:
    ...     parse('tenure == "renter"')
    ... except ConditionError as exc:
    ...     print(exc)
    expected a text in quotes or a number at character 9, found '='
    """
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("must be a condition as text, such as 'tenure = \"renter\"'")
    if len(text) > MAX_CONDITION_CHARS:
        raise ConditionError(f"has {len(text):,} characters; a condition may have at most "
                             f"{MAX_CONDITION_CHARS:,}")
    parser = _Parser(text)
    tree = parser.condition()
    if parser.peek() is not None:
        raise parser.expected("'and', 'or' or the end")
    return Condition(text, tree)


class _Parser:
    """Recursive descent over the tokens; depth is bounded by the text's length cap."""

    def __init__(self, text: str):
        self.tokens: list[tuple[str, str, int]] = []
        for match in _TOKEN.finditer(text):
            kind = match.lastgroup
            if kind is None:
                continue
            value = match.group(kind)
            if kind == "bad":
                raise ConditionError(f"unexpected {value!r} at character {match.start(kind) + 1}")
            self.tokens.append((kind, value, match.start(kind) + 1))
        self.at = 0
        self.depth = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        token = self.peek()
        self.at += 1
        return token  # type: ignore[return-value]

    def is_word(self, word: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "word" and token[1] == word

    def is_op(self, op: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "op" and token[1] == op

    def expected(self, what: str) -> ConditionError:
        token = self.peek()
        if token is None:
            return ConditionError(f"expected {what} at the end")
        return ConditionError(f"expected {what} at character {token[2]}, found {token[1]!r}")

    def condition(self):
        self.depth += 1
        if self.depth > 50:
            raise ConditionError("is nested too deeply (more than 50 levels)")
        parts = [self.and_expr()]
        while self.is_word("or"):
            self.take()
            parts.append(self.and_expr())
        self.depth -= 1
        return parts[0] if len(parts) == 1 else Combine("or", tuple(parts))

    def and_expr(self):
        parts = [self.not_expr()]
        while self.is_word("and"):
            self.take()
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else Combine("and", tuple(parts))

    def not_expr(self):
        if self.is_word("not"):
            self.take()
            self.depth += 1
            if self.depth > 50:
                raise ConditionError("is nested too deeply (more than 50 levels)")
            inner = self.not_expr()
            self.depth -= 1
            return Combine("not", (inner,))
        if self.is_op("("):
            self.take()
            inner = self.condition()
            if not self.is_op(")"):
                raise self.expected("')'")
            self.take()
            return inner
        return self.comparison()

    def comparison(self) -> Compare:
        token = self.peek()
        if token is None or token[0] != "word" or token[1] in _KEYWORDS:
            raise self.expected("an item id (as in 'tenure = \"renter\"')")
        item = self.take()[1]
        if self.is_word("not") or self.is_word("in"):
            negated = self.take()[1] == "not"
            if negated:
                if not self.is_word("in"):
                    raise self.expected("'in'")
                self.take()
            if not self.is_op("["):
                raise self.expected("'[' (a list such as [\"a\", \"b\"])")
            self.take()
            values = [self.value()]
            while self.is_op(","):
                self.take()
                values.append(self.value())
            if not self.is_op("]"):
                raise self.expected("',' or ']'")
            self.take()
            return Compare(item, "not in" if negated else "in", tuple(values))
        token = self.peek()
        if token is None or token[0] != "op" or token[1] not in ("=", "!=", *_ORDER_OPS):
            raise self.expected("a comparison (=, !=, <, <=, >, >=, in, not in)")
        op = self.take()[1]
        return Compare(item, op, (self.value(),))

    def value(self) -> str | float:
        token = self.peek()
        if token is None or token[0] not in ("string", "number"):
            raise self.expected("a text in quotes or a number")
        kind, raw, _at = self.take()
        return raw[1:-1] if kind == "string" else float(raw)


def _comparisons(tree):
    if isinstance(tree, Compare):
        yield tree
    else:
        for part in tree.parts:
            yield from _comparisons(part)


# --------------------------------------------------------------------------- checking


def resolve(condition: Condition, survey_items: Mapping[str, Item]) -> list[str]:
    """The problems of ``condition`` against the items (unknown ids, options, types).

    Where the items are asked (an earlier page) is checked by the loader.
    """
    problems = []
    for comp in _comparisons(condition.tree):
        item = survey_items.get(comp.item)
        if item is None:
            problems.append(f"names item '{comp.item}', which is not defined")
            continue
        problems += _check_comparison(comp, item)
    return list(dict.fromkeys(problems))


def _check_comparison(comp: Compare, item: Item) -> list[str]:
    kind = item.kind
    texts = [v for v in comp.values if isinstance(v, str)]
    numbers = [v for v in comp.values if not isinstance(v, str)]
    by_options = bool(item.options) and (kind.value_coding in ("code", "quantity")
                                         or kind.text_coding == "option_ids")
    numeric = kind.value_coding == "quantity"
    if not by_options and not numeric:
        return [f"names item '{item.id}' (a {item.type} item), which a condition cannot "
                "compare: use a choice or a numeric item"]
    problems = []
    if comp.op in _ORDER_OPS and (texts or not numeric):
        problems.append(f"'{comp.op}' compares numbers; '{item.id}' "
                        + ("takes a number here" if numeric else "is compared by option id "
                           "(=, !=, in, not in)"))
    elif texts and not by_options:
        problems.append(f"compares '{item.id}' with a text; '{item.id}' takes a number")
    elif numbers and not numeric:
        problems.append(f"compares '{item.id}' with a number; write one of its option ids "
                        "in quotes")
    ids = [o.id for o in item.options]
    for value in texts:
        if by_options and value not in ids:
            problems.append(f"item '{item.id}' has no option '{value}' (its options: "
                            f"{', '.join(ids)})")
    return problems


def not_shown_code(item: Item) -> int:
    """The code an item's answer row holds when it was not shown (declared in the codebook).

    :data:`NOT_SHOWN_CODE`, unless the item's scale reaches it (a number
    item from -10 to 10): then the whole number below the scale's minimum.
    """
    scale = item.kind.scale(item) or {}
    low = scale.get("min")
    if isinstance(low, (int, float)) and math.isfinite(low) and low <= NOT_SHOWN_CODE:
        return math.floor(low) - 1
    return NOT_SHOWN_CODE


# --------------------------------------------------------------------------- deciding


def page_condition_items(survey: Survey, page: Page) -> dict[str, tuple[Condition, ...]]:
    """Each item of ``page`` -> the conditions it is shown under (all must hold).

    The page's own condition and the item's; a post twin takes its pre
    twin's (the pre page's condition and the item's), never the post page's.
    """
    pre_pages = {i: p for p in survey.pages_in("pre") for i in p.items}
    out = {}
    for item_id in page.items:
        item = survey.items[item_id]
        holder = page
        if page.phase == "post" and not item.post_only and item_id in pre_pages:
            holder = pre_pages[item_id]
        out[item_id] = tuple(c for c in (holder.show_if, item.show_if) if c is not None)
    return out


def shown_items(survey: Survey, page: Page,
                answers: Mapping[str, tuple[float | None, str | None]]) -> tuple[str, ...]:
    """The items of ``page`` this participant sees, in page order (maybe none).

    ``answers``: item id -> (value, text) of the answer each item got in the
    first phase it is asked in; an item not answered (or not shown) is absent.
    """
    conditions = page_condition_items(survey, page)
    return tuple(i for i in page.items
                 if all(c.holds(survey, answers) for c in conditions[i]))


def referenced_items(survey: Survey) -> frozenset[str]:
    """Every item some condition of the survey reads (what to fetch for a participant)."""
    found = set()
    for holder in (*survey.pages, *survey.items.values()):
        if holder.show_if is not None:
            found.update(holder.show_if.items)
    return frozenset(found)


def _holds(tree, survey: Survey, answers) -> bool:
    if isinstance(tree, Combine):
        if tree.op == "not":
            return not _holds(tree.parts[0], survey, answers)
        results = (_holds(p, survey, answers) for p in tree.parts)
        return all(results) if tree.op == "and" else any(results)
    answer = answers.get(tree.item)
    if answer is None:
        return False
    value, text = answer
    item = survey.items[tree.item]
    if item.kind.text_coding == "option_ids":  # the chosen ids, joined with "|"
        chosen = set((text or "").split("|")) - {""}
        wanted = set(tree.values)
        hit = bool(chosen & wanted)
        return hit if tree.op in ("=", "in") else not hit
    if value is None:
        return False
    targets = [_as_number(item, v) for v in tree.values]
    if tree.op in ("=", "in"):
        return value in targets
    if tree.op in ("!=", "not in"):
        return value not in targets
    target = targets[0]
    return {"<": value < target, "<=": value <= target,
            ">": value > target, ">=": value >= target}[tree.op]


def _as_number(item: Item, value: str | float) -> float:
    """A text is an option id (its code); a number is itself."""
    if isinstance(value, str):
        option = item.option(value)
        return float(option.code) if option is not None else math.nan
    return float(value)
