"""The export contract (``docs/export-format.md``, version 1.x) as data.

Everything the reader checks lives here, so a change of the contract is a
change of this one module.
"""

from __future__ import annotations

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
