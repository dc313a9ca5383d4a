"""The export contract (``docs/export-format.md``, version 1.x) in one module.

The app writes an export and the ``analysis`` package reads it; both import
the facts they share from here and restate none of them: file names and
columns, phases and statuses, spreadsheet escaping, wide-column naming and
Stata name shortening, the export formats, and the manifest. A change of the
contract is a change of this module (plus ``docs/export-format.md``).

This module uses the standard library only and ``analysis/__init__.py``
imports lazily, so the web process imports it without loading pandas.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from analysis import contract_codebook as _codebook
from analysis import contract_exchange as _exchange
from analysis import contract_order as _order
from analysis.contract_codebook import *  # noqa: F403 (1.4, 1.6: the item facts, re-exported)
from analysis.contract_exchange import *  # noqa: F403 (1.5: the exchange tables, re-exported)
from analysis.contract_order import *  # noqa: F403 (1.8: the display order, re-exported)

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "SUPPORTED_MAJOR",
    "MANIFEST_FILE",
    "CODEBOOK_FILE",
    "PARTICIPANTS_FILE",
    "ANSWERS_FILE",
    "PAGES_FILE",
    "PARTICIPANT_COLUMNS",
    "OPTIONAL_PARTICIPANT_COLUMNS",
    "ANSWER_COLUMNS",
    "PAGE_COLUMNS",
    "ANSWER_KEY",
    "PHASES",
    "STATUSES",
    "FORMULA_PREFIXES",
    "escape_formula",
    "unescape_formula",
    "EXPORT_FORMATS",
    "WIDE_FILES",
    "wide_column",
    "split_wide_column",
    "wide_column_names",
    "rank_column",
    "rank_column_names",
    "STATA_NAME_MAX",
    "STATA_SHORT_NAME",
    "stata_safe",
    "stata_names",
    "stata_missing_tags",
    "ESCAPE_MARK",
    "LOSSLESS_ESCAPING_SINCE",
    "SPREADSHEET_FILES",
    "build_manifest",
    *_codebook.__all__,
    *_exchange.__all__,
    *_order.__all__,
]

# --------------------------------------------------------------------------- version

#: value of ``manifest["format"]``
FORMAT_NAME = "parley-export"
#: the version this code writes (``manifest.json`` and ``codebook.json``)
FORMAT_VERSION = "1.14"
#: major version of ``format_version`` the reader understands (any minor)
SUPPORTED_MAJOR = 1

# --------------------------------------------------------------------------- files

MANIFEST_FILE = "manifest.json"
CODEBOOK_FILE = "codebook.json"
PARTICIPANTS_FILE = "participants.csv"
ANSWERS_FILE = "answers.csv"
PAGES_FILE = "pages.csv"

#: column -> kind. Kinds: ``text``, ``time``, ``int``, ``flag`` (0/1), ``number``.
#: Dict order is the column order of the file.
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
    # 1.7: the panel's study and session (submission) ids of the start link
    "panel_study_id": "text",
    "panel_session_id": "text",
    # 1.10: where the follow-up's feedback page came (before / after the
    # re-asked questions, none without an exchange; empty before the follow-up)
    "feedback_order": "text",
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

PAGE_COLUMNS: dict[str, str] = {
    "participant_id": "text",
    "step": "text",
    "shown_at": "time",
    "submitted_at": "time",
    "seconds": "number",
}

#: the unique key of answers.csv
ANSWER_KEY = ("participant_id", "phase", "module", "item")

#: phases in the order a participant meets them; ``followup`` (1.3): the
#: "after" items asked again in a later wave, and (1.8) the wave's own
#: questions (``surveys.model.PHASES`` holds the phases a definition can
#: use, in the same order; a test keeps them in step)
PHASES = ("profile", "pre", "module", "post", "followup")
#: participant statuses (the app's check constraint is built from this)
STATUSES = ("started", "completed", "screened_out", "withdrawn")

# --------------------------------------------------------------------------- escaping

#: First characters that make a spreadsheet (Excel, LibreOffice, Google
#: Sheets) read a cell as a formula or a command: the ASCII ones of OWASP's
#: "CSV injection" list, line breaks, and their fullwidth and small forms
#: (Excel with an East Asian input method turns ``＝`` into ``=``).
FORMULA_PREFIXES = (
    "=", "+", "-", "@", "\t", "\r", "\n",
    "\uff1d", "\uff0b", "\uff0d", "\uff20",  # fullwidth = + - @
    "\ufe66", "\ufe62", "\ufe63", "\ufe6b",  # small = + - @
)
#: The escape: one leading apostrophe, which spreadsheets show as text.
ESCAPE_MARK = "'"
#: Format version from which escaping is lossless (see :func:`escape_formula`).
#: Earlier exports escaped only before a formula prefix, so a typed ``'=1``
#: and a typed ``=1`` read back the same; :func:`unescape_formula` with
#: ``legacy=True`` reads them as they were meant.
LOSSLESS_ESCAPING_SINCE = (1, 2)
#: Files a spreadsheet opens, whose text cells are escaped. Parquet, SPSS
#: and Stata files hold the raw text: no spreadsheet reads them.
SPREADSHEET_FILES = ("participants.csv", "answers.csv", "pages.csv", "wide.csv", "wide.xlsx",
                     *_exchange.EXCHANGE_FILES, _order.DISPLAY_ORDER_FILE)


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


# --------------------------------------------------------------------------- formats

#: ``--format`` value -> the extra file it writes beside the long files
#: (``None``: the folder alone; ``zip`` zips that folder).
EXPORT_FORMATS: dict[str, str | None] = {
    "csv": None,
    "zip": None,
    "wide": "wide.csv",
    "parquet": "wide.parquet",
    "xlsx": "wide.xlsx",
    "sav": "wide.sav",
    "dta": "wide.dta",
}
#: wide files in the order a reader looks for them when answers.csv is absent
WIDE_FILES = tuple(name for name in EXPORT_FORMATS.values() if name)


def wide_column(phase: str, module: str | None, item: str) -> str:
    """Column name of one answer in a wide table.

    >>> wide_column("pre", "", "support"), wide_column("module", "accord", "clarity")
    ('pre__support', 'module_accord__clarity')
    """
    return f"{phase}_{module}__{item}" if module else f"{phase}__{item}"


def split_wide_column(name: str) -> tuple[str, str, str] | None:
    """``(phase, module, item)`` of a wide answer column, or ``None`` for other columns.

    Ids never contain a double underscore, so the first one splits.

    >>> split_wide_column("module_accord__clarity"), split_wide_column("arm")
    (('module', 'accord', 'clarity'), None)
    """
    if "__" not in name:
        return None
    head, item = name.split("__", 1)
    phase, _, module = head.partition("_")
    return phase, module, item


def wide_column_names(codebook: Mapping[str, Any]) -> list[str]:
    """Every answer column a wide file of this codebook can have, in codebook order.

    ``<phase>__<item>`` for each phase of an item and, for module items,
    ``module_<module>__<item>`` for each module it is asked about (all
    modules when the codebook does not say).
    """
    all_modules = [m["id"] for m in codebook.get("modules") or []]
    names = []
    for it in codebook["items"]:
        for phase in it.get("phases") or []:
            if phase == "module":
                names += [wide_column(phase, m, it["id"]) for m in it.get("modules") or all_modules]
            else:
                names.append(wide_column(phase, "", it["id"]))
    return names


def rank_column(column: str, option: str) -> str:
    """Column of one option's rank in a wide table (1.14): ``<answer column>__<option id>``.

    A ranking item's answer column holds the ranked option ids joined with
    ``|``; each option also gets a column holding its rank (1 = ranked
    highest; empty when not ranked), after every answer column.

    >>> rank_column("post__rank_options", "rentcap")
    'post__rank_options__rentcap'
    """
    return f"{column}__{option}"


def rank_column_names(codebook: Mapping[str, Any]) -> list[str]:
    """Every rank column a wide file of this codebook can have (items whose ``text_coding``
    is ``ranked_option_ids``), for each of their answer columns (a ``post`` item's follow-up
    column too) and options in codebook order."""
    names = []
    for it in _codebook.upgrade_codebook(codebook)["items"]:
        if it.get("text_coding") == "ranked_option_ids":
            options = [o["id"] for o in it.get("options") or []]
            phases = list(it.get("phases") or [])
            if "post" in phases and "followup" not in phases:  # asked again in a follow-up
                phases.append("followup")
            columns = wide_column_names({**codebook, "items": [{**it, "phases": phases}]})
            names += [rank_column(c, o) for c in columns for o in options]
    return names


#: Stata's limit on variable (and value-label set) names, in characters.
STATA_NAME_MAX = 32
#: Length a long wide-column name is cut to in ``wide.dta``. Shorter than
#: Stata's 32 because pyreadstat names each value-label set after its variable
#: plus a running number (up to 4 digits), and that name has the same limit.
STATA_SHORT_NAME = 28
_STATA_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def stata_safe(name: str) -> str:
    """``name`` with every character Stata does not allow in a name made ``_``."""
    return _STATA_UNSAFE.sub("_", name)


def stata_names(columns: Iterable[str]) -> dict[str, str]:
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
        safe = stata_safe(column)
        name = safe[:STATA_SHORT_NAME]
        n = 1
        while name in used:
            suffix = f"_{n}"
            name = safe[: STATA_SHORT_NAME - len(suffix)] + suffix
            n += 1
        used.add(name)
        names[column] = name
    return names


def stata_missing_tags(options: list[dict], not_shown_code: float | None = None
                       ) -> dict[int, str]:
    """Option code -> Stata extended-missing letter for an item's ``missing`` options.

    Stata has no user-missing codes, only the missing values ``.a`` to
    ``.z``: the first option flagged ``missing`` in codebook order is ``.a``,
    the second ``.b``, and so on. The value label of ``.a`` is that option's label.
    An item's ``not_shown_code`` (1.11: a display condition hid it) is ``.z``.

    Examples
    --------
    >>> stata_missing_tags([{"code": 1, "missing": False}, {"code": 8, "missing": True},
    ...                     {"code": 9, "missing": True}])
    {8: 'a', 9: 'b'}
    >>> stata_missing_tags([], not_shown_code=-7)
    {-7: 'z'}
    """
    codes = [int(o["code"]) for o in options if o.get("missing")]
    tags = {code: chr(ord("a") + k) for k, code in enumerate(codes[:25])}
    if not_shown_code is not None:
        tags[int(not_shown_code)] = "z"
    return tags


# --------------------------------------------------------------------------- manifest


def build_manifest(
    codebook: Mapping[str, Any],
    *,
    campaign: Mapping[str, Any],
    block_size: int,
    seed: str,
    rebalance_dropouts: bool,
    row_counts: Mapping[str, int],
    files: Sequence[str] = (),
    exported_at: str | None = None,
    preregistration: Mapping[str, Any] | None = None,
    stratify_by: Sequence[str] | None = None,
    arm_weights: Mapping[str, int] | None = None,
    format_version: str = FORMAT_VERSION,
    **extra: Any,
) -> dict:
    """The ``manifest.json`` of an export of ``codebook``'s survey.

    The survey and the arms come from the codebook (the campaign pins both),
    so the manifest and the codebook cannot disagree; ``campaign`` holds
    ``slug, title, status, opened_at, closed_at`` (and ``languages``).
    ``extra`` keys (a generator's parameters, say) are added at the end.

    >>> cb = {"survey": {"id": "s", "version": "v", "languages": ["en"]},
    ...       "arms": [{"id": "a", "modules": ["m"], "weight": 1, "control": True}]}
    >>> m = build_manifest(cb, campaign={"slug": "c"}, block_size=2, seed="ff",
    ...                    rebalance_dropouts=False, row_counts={"participants": 0})
    >>> m["format"], m["design"]["control_arm"], m["survey"]["languages"]
    ('parley-export', 'a', ['en'])
    """
    survey = codebook["survey"]
    arms = list(codebook.get("arms") or [])
    return {
        "format": FORMAT_NAME,
        "format_version": format_version,
        "exported_at": exported_at,
        "campaign": dict(campaign),
        "survey": {
            "id": survey["id"],
            "version": survey["version"],
            "languages": list(survey.get("languages") or []),
        },
        "design": {
            "arms": arms,
            "control_arm": next((a["id"] for a in arms if a.get("control")), None),
            "block_size": block_size,
            "seed": seed,
            "stratify_by": list(stratify_by) if stratify_by else None,
            "rebalance_dropouts": rebalance_dropouts,
            # the allocation ratios in force: the campaign's, else the arms' weights
            "arm_weights": dict(arm_weights or {a["id"]: a.get("weight", 1) for a in arms}),
        },
        "preregistration": dict(preregistration) if preregistration else None,
        "row_counts": dict(row_counts),
        "files": list(files),
        **extra,
    }
