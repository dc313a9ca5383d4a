"""The argument exchange's export tables (format 1.5), part of the export contract.

``analysis.contract`` re-exports every name here: the app's writer and the
analysis' reader import them from ``analysis.contract`` and restate none.
The six files are optional: an export of a campaign without an exchange has
none of them, and a 1.x reader that does not know them keeps working. The
agreement between the two halves is ``EXCHANGE_CONTRACT`` (issues #21 and
#25); ``docs/export-format.md`` ("The argument exchange") documents it.

Standard library only, like ``analysis.contract``.

Examples
--------
>>> list(EXCHANGE_COLUMNS)[:2], EXCHANGE_FILES[0]
(['statements', 'ratings'], 'statements.csv')
>>> [c for c, kind in RATING_COLUMNS.items() if kind == "text"]
['rater', 'agree']
"""

from __future__ import annotations

__all__ = [
    "EXCHANGE_FORMAT_SINCE",
    "STATEMENTS_FILE",
    "RATINGS_FILE",
    "PAIRS_FILE",
    "EXPOSURES_FILE",
    "MODERATION_FILE",
    "FROZEN_SETS_FILE",
    "STATEMENT_COLUMNS",
    "OPTIONAL_STATEMENT_COLUMNS",
    "RATING_COLUMNS",
    "PAIR_COLUMNS",
    "EXPOSURE_COLUMNS",
    "OPTIONAL_EXPOSURE_COLUMNS",
    "EXPOSURE_SELECTIONS",
    "MODERATION_COLUMNS",
    "FROZEN_SET_COLUMNS",
    "EXCHANGE_COLUMNS",
    "EXCHANGE_FILES",
    "STATEMENT_SIDES",
    "STATEMENT_STATUSES",
    "REJECTION_REASONS",
    "FAIR_VALUES",
    "AGREE_VALUES",
    "MODERATION_DECISIONS",
    "MODERATOR_ROLES",
    "POOL_MODES",
    "LIVE_POOL_PREFIX",
    "EXCHANGE_CODEBOOK_KEY",
]

#: the format version that added the exchange files (a minor bump: optional files)
EXCHANGE_FORMAT_SINCE = (1, 5)

STATEMENTS_FILE = "statements.csv"
RATINGS_FILE = "ratings.csv"
PAIRS_FILE = "pairs.csv"
EXPOSURES_FILE = "exposures.csv"
MODERATION_FILE = "moderation.csv"
FROZEN_SETS_FILE = "frozen_sets.csv"

#: column -> kind, as in ``analysis.contract`` (``text``, ``time``, ``int``,
#: ``flag`` 0/1, ``number``); dict order is the file's column order.
STATEMENT_COLUMNS: dict[str, str] = {
    "statement": "int",  # the statement's id, stable within the campaign
    "language": "text",  # BCP-47 code of the text
    "proposal": "text",  # module (proposal) id the statement argues about
    "side": "text",  # STATEMENT_SIDES, relative to the proposal
    "source_item": "text",  # item id the text answered; empty for seeds
    "seed": "flag",  # 1 for a research-team seed
    "placebo": "flag",  # 1 for a neutral placebo statement
    "status": "text",  # STATEMENT_STATUSES
    "reason": "text",  # REJECTION_REASONS when rejected, else empty
    "text": "text",  # empty when rejected or withdrawn
}
#: only when the export asks for authors (include-authors); otherwise absent
OPTIONAL_STATEMENT_COLUMNS: dict[str, str] = {
    "author": "text",  # the author's participant public id
}

RATING_COLUMNS: dict[str, str] = {
    "rater": "text",  # participant public id
    "statement": "int",
    "fair": "number",  # FAIR_VALUES; empty when skipped
    "skipped": "flag",
    "agree": "text",  # AGREE_VALUES or empty
    "position": "int",  # card position shown, 1..k
    "answered_at": "time",
}

PAIR_COLUMNS: dict[str, str] = {
    "rater": "text",
    "left": "int",  # statement ids
    "right": "int",
    "chosen": "int",  # the chosen statement's id, or empty
    "proposal": "text",
    "answered_at": "time",
}

EXPOSURE_COLUMNS: dict[str, str] = {
    "participant": "text",
    "statement": "int",
    "position": "int",  # 1..k
    "probability": "number",  # inclusion probability under the draw made
    "pool_version": "text",  # hash of the frozen set, or "live:<snapshot id>"
    "arm": "text",  # the participant's arm, for convenience
}
#: 1.13 on (optional, so 1.5-1.12 exports still read): how the participant's cards were
#: chosen, one of EXPOSURE_SELECTIONS
OPTIONAL_EXPOSURE_COLUMNS: dict[str, str] = {
    "selection": "text",
}
#: "random": drawn at random from the pool (or the placebo set) with the recorded
#: probability; "bridging": chosen for their bridging scores (a design that compares
#: bridging-selected with random peers marks each participant's cards so)
EXPOSURE_SELECTIONS = ("random", "bridging")

MODERATION_COLUMNS: dict[str, str] = {
    "statement": "int",
    "decision": "text",  # MODERATION_DECISIONS
    "reason": "text",
    "moderator_role": "text",  # MODERATOR_ROLES
    "second": "flag",  # 1: the blind second coding of the 5% sample
    "decided_at": "time",
}

FROZEN_SET_COLUMNS: dict[str, str] = {
    "pool_version": "text",  # hash of the frozen set
    "statement": "int",
    "language": "text",
    "proposal": "text",
    "frozen_at": "time",
}

#: table name (the file name without ``.csv``) -> its columns, in file order
EXCHANGE_COLUMNS: dict[str, dict[str, str]] = {
    "statements": STATEMENT_COLUMNS,
    "ratings": RATING_COLUMNS,
    "pairs": PAIR_COLUMNS,
    "exposures": EXPOSURE_COLUMNS,
    "moderation": MODERATION_COLUMNS,
    "frozen_sets": FROZEN_SET_COLUMNS,
}
#: the exchange files, all optional; every one is a spreadsheet file whose
#: text cells are escaped (``analysis.contract.escape_formula``)
EXCHANGE_FILES = tuple(f"{name}.csv" for name in EXCHANGE_COLUMNS)

STATEMENT_SIDES = ("for", "against")
STATEMENT_STATUSES = ("pending", "approved", "rejected", "withdrawn", "reported")
REJECTION_REASONS = (
    "incivility", "personal_data", "off_topic", "spam", "duplicate", "not_argument",
)
#: ``fair``: 1 Yes, 0.5 Somewhat, 0 No (the bridging model's ``rating``)
FAIR_VALUES = (0.0, 0.5, 1.0)
AGREE_VALUES = ("agree", "disagree", "unsure")
MODERATION_DECISIONS = ("approve", "reject", "report_hold", "restore")
MODERATOR_ROLES = ("manager", "moderator", "owner", "system")
#: ``codebook["exchange"]["mode"]``: a frozen display set or a live pool
POOL_MODES = ("frozen", "live")
#: ``pool_version`` of an exposure drawn from a live pool starts with this
LIVE_POOL_PREFIX = "live:"
#: the codebook key holding ``anchors`` (item ids), ``cards``, ``pairs``, ``mode``
EXCHANGE_CODEBOOK_KEY = "exchange"
