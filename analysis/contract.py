"""The export contract (``docs/export-format.md``, version 1.x) as data.

Everything the reader checks lives here, so a change of the contract is a
change of this one module.
"""

from __future__ import annotations

import re

__all__ = [
    "FORMAT_NAME",
    "SUPPORTED_MAJOR",
    "PARTICIPANT_COLUMNS",
    "OPTIONAL_PARTICIPANT_COLUMNS",
    "ANSWER_COLUMNS",
    "PHASES",
    "STATUSES",
    "ITEM_TYPES",
    "NUMERIC_TYPES",
    "ANSWER_KEY",
    "FORMULA_PREFIXES",
    "STATA_NAME_MAX",
    "STATA_SHORT_NAME",
    "stata_names",
    "stata_missing_tags",
]

#: value of ``manifest["format"]``
FORMAT_NAME = "parley-export"
#: major version of ``format_version`` this reader understands
SUPPORTED_MAJOR = 1

#: column -> kind. Kinds: ``text``, ``time``, ``int``, ``flag`` (0/1), ``number``.
#: Columns marked optional may be absent (``external_id``).
PARTICIPANT_COLUMNS: dict[str, str] = {
    "participant_id": "text",
    "arm": "text",
    "module_order": "text",
    "language": "text",
    "status": "text",
    "step": "text",
    "started_at": "time",
    "completed_at": "time",
    "stratum": "text",
    "allocation_seq": "int",
    "replaced": "flag",
}
OPTIONAL_PARTICIPANT_COLUMNS: dict[str, str] = {"external_id": "text"}

ANSWER_COLUMNS: dict[str, str] = {
    "participant_id": "text",
    "arm": "text",
    "phase": "text",
    "module": "text",
    "item": "text",
    "value": "number",
    "text": "text",
    "page": "text",
    "answered_at": "time",
    "seconds_on_page": "number",
}

#: the unique key of answers.csv
ANSWER_KEY = ("participant_id", "phase", "module", "item")

PHASES = ("profile", "pre", "module", "post")
STATUSES = ("started", "completed", "screened_out", "withdrawn")
ITEM_TYPES = (
    "likert",
    "thermometer",
    "estimate",
    "number",
    "single_choice",
    "multiple_choice",
    "ranking",
    "text",
    "knowledge",
    "attention",
)
#: item types whose ``value`` is a quantity (means and shifts make sense)
NUMERIC_TYPES = ("likert", "thermometer", "estimate", "number")

#: first characters that the exporter escapes with a leading apostrophe
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: Stata's limit on variable (and value-label set) names, in characters.
STATA_NAME_MAX = 32
#: Length a long wide-column name is cut to in ``wide.dta``. Shorter than
#: Stata's 32 because pyreadstat names each value-label set after its variable
#: plus a running number (up to 4 digits), and that name has the same limit.
STATA_SHORT_NAME = 28
_STATA_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def stata_names(columns: list[str]) -> dict[str, str]:
    """Map each wide column to its name in ``wide.dta`` (docs/export-format.md).

    Characters Stata does not allow become ``_``; a name longer than
    :data:`STATA_SHORT_NAME` is cut to that length, and a cut name that
    collides with an earlier one ends in ``_<n>`` instead.

    Examples
    --------
    >>> stata_names(["pre__x", "module_armistice__balance_briefing"])
    {'pre__x': 'pre__x', 'module_armistice__balance_briefing': 'module_armistice__balance_br'}
    """
    names, used = {}, set()
    for column in columns:
        safe = _STATA_UNSAFE.sub("_", column)
        name = safe if len(safe) <= STATA_SHORT_NAME else safe[:STATA_SHORT_NAME]
        n = 1
        while name in used:
            suffix = f"_{n}"
            name = safe[: STATA_SHORT_NAME - len(suffix)] + suffix
            n += 1
        used.add(name)
        names[column] = name
    return names


def stata_missing_tags(options: list[dict]) -> dict[int, str]:
    """Option code -> Stata extended-missing letter for an item's ``missing`` options.

    Stata has no user-missing codes, only the missing values ``.a`` to
    ``.z``: the first option flagged ``missing`` in codebook order is ``.a``,
    the second ``.b``, and so on. The value label of ``.a`` is that option's label.

    Examples
    --------
    >>> stata_missing_tags([{"code": 1, "missing": False}, {"code": 8, "missing": True},
    ...                     {"code": 9, "missing": True}])
    {8: 'a', 9: 'b'}
    """
    codes = [int(o["code"]) for o in options if o.get("missing")]
    return {code: chr(ord("a") + k) for k, code in enumerate(codes[:26])}
