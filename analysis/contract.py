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
    "ESCAPE_MARK",
    "LOSSLESS_ESCAPING_SINCE",
    "SPREADSHEET_FILES",
    "escape_formula",
    "unescape_formula",
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
OPTIONAL_PARTICIPANT_COLUMNS: dict[str, str] = {
    "external_id": "text",
    # 1.3: how the journey ended, the follow-up wave, and (when asked) the
    # keyed hash of a panel id
    "outcome": "text",
    "followup_completed_at": "time",
    "external_id_hash": "text",
    # only in exports made with --include-test: 1 for a manager's preview run
    "is_test": "flag",
}

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

#: ``followup`` (1.3): the "after" items asked again in a later wave
PHASES = ("profile", "pre", "module", "post", "followup")
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

#: First characters that make a spreadsheet (Excel, LibreOffice, Google
#: Sheets) read a cell as a formula or a command: the ASCII ones of OWASP's
#: "CSV injection" list, line breaks, and their fullwidth and small forms
#: (Excel with an East Asian input method turns ``＝`` into ``=``).
FORMULA_PREFIXES = (
    "=", "+", "-", "@", "\t", "\r", "\n",
    "\uff1d", "\uff0b", "\uff0d", "\uff20",  # fullwidth = + - @
    "\ufe66", "\ufe62", "\ufe63", "\ufe6b",  # small = + - @
)  # fmt: skip
#: The escape: one leading apostrophe, which spreadsheets show as text.
ESCAPE_MARK = "'"
#: Format version from which escaping is lossless (see :func:`escape_formula`).
#: Earlier exports escaped only before a formula prefix, so a typed ``'=1``
#: and a typed ``=1`` read back the same; :func:`unescape_formula` with
#: ``legacy=True`` reads them as they were meant.
LOSSLESS_ESCAPING_SINCE = (1, 2)
#: Files a spreadsheet opens, whose text cells are escaped. Parquet, SPSS
#: and Stata files hold the raw text: no spreadsheet reads them.
SPREADSHEET_FILES = ("participants.csv", "answers.csv", "pages.csv", "wide.csv", "wide.xlsx")


def escape_formula(text: str) -> str:
    """Make ``text`` safe for a spreadsheet cell, losslessly.

    A text that starts with a formula prefix *or with the escape mark
    itself* gets one more leading apostrophe; every other text is
    unchanged. So a cell starts with an apostrophe exactly when it was
    escaped, and :func:`unescape_formula` restores the typed text exactly:
    ``'=1+1`` typed is written ``''=1+1`` and reads back ``'=1+1``, while
    ``=1+1`` typed is written ``'=1+1`` and reads back ``=1+1``.

    Examples
    --------
    >>> escape_formula("=1+1"), escape_formula("'quoted'"), escape_formula("plain")
    ("'=1+1", "''quoted'", 'plain')
    >>> unescape_formula(escape_formula("\uff1dSUM(A1)")) == "\uff1dSUM(A1)"
    True
    """
    if text and (text[0] in FORMULA_PREFIXES or text[0] == ESCAPE_MARK):
        return ESCAPE_MARK + text
    return text


def unescape_formula(text: str, legacy: bool = False) -> str:
    """The text as typed, from a cell written by :func:`escape_formula`.

    ``legacy=True`` reads exports older than :data:`LOSSLESS_ESCAPING_SINCE`
    (format 1.0 and 1.1), which escaped only ``= + - @``, tab and CR and
    left a typed leading apostrophe alone: one apostrophe is removed only
    when one of those follows it.
    """
    if not text.startswith(ESCAPE_MARK):
        return text
    if legacy and (len(text) < 2 or text[1] not in _LEGACY_PREFIXES):
        return text
    return text[1:]


_LEGACY_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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
