"""The validated export: what :func:`analysis.load_export` returns, and its error."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis.frames import CATEGORY_COLUMNS, as_category, as_text_columns

__all__ = ["Export", "ExportError"]


class ExportError(ValueError):
    """An export does not follow the contract; the message names file and problem."""

    def __init__(self, file: str, problem: str):
        self.file = file
        self.problem = problem
        super().__init__(f"{file}: {problem}")


@dataclass(frozen=True)
class Export:
    """A validated campaign export.

    Attributes
    ----------
    participants : DataFrame
        One row per participant (columns of ``participants.csv``); times are
        timezone-aware UTC, ``allocation_seq`` is ``Int64``, ``replaced`` is int.
    answers : DataFrame
        Long answers (columns of ``answers.csv``); ``value`` is float, ``module``
        is ``""`` (not missing) outside the ``module`` phase so it can be a key.
    codebook : dict
        ``codebook.json`` as parsed.
    manifest : dict
        ``manifest.json`` as parsed.
    items : DataFrame
        One row per codebook item: ``item, type, scale_min, scale_max, reverse,
        construct, correct, missing_codes, dont_know_codes, option_ids, phases,
        modules, label`` (see :func:`items_table`).
    source : str
        Where it was read from.

    ``answers`` may be passed as ``None`` together with ``keyed_answers``: the
    text form is then made when first read.
    exchange : dict of DataFrame
        The argument exchange's files present in the export (format 1.5),
        by table name (``statements``, ``ratings``, ``pairs``, ``exposures``,
        ``moderation``, ``frozen_sets``; ``analysis.contract.EXCHANGE_COLUMNS``),
        typed as the contract says; empty for an export without an exchange.
    keyed_answers : DataFrame or None
        The same answers with the key columns (``participant_id, arm, phase,
        module, item, page``) as categoricals, kept by the loader for
        :func:`analysis.analyse_export` (filters and groups on integer codes
        instead of millions of strings); see :meth:`keyed`.
    pages : DataFrame or None
        ``pages.csv`` typed and checked (``participant_id, step, shown_at,
        submitted_at, seconds``; times UTC, ``seconds`` float), or ``None``
        when the export has no such file (wide files, format 1.0, a database).
    not_shown : DataFrame or None
        The items a display condition hid (format 1.11): one row per
        participant x phase x module x item, the answer columns without
        ``value`` and ``text``. They are not in ``answers``: a question never
        asked is structurally missing, not a nonresponse.
    display_order : DataFrame or None
        ``display_order.csv`` (format 1.12): each item of a shuffled page as its
        participant saw it (``participant_id, phase, module, page, item,
        position, options``), or ``None`` when the export has no such file.
    """

    participants: pd.DataFrame
    answers: pd.DataFrame | None
    codebook: dict
    manifest: dict
    items: pd.DataFrame = field(repr=False)
    source: str = ""
    keyed_answers: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    pages: pd.DataFrame | None = field(default=None, repr=False)
    exchange: dict = field(default_factory=dict, repr=False, compare=False)
    not_shown: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    display_order: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    def __getattribute__(self, name: str):
        # The loaders pass answers=None with keyed_answers: the text form is then
        # built on first use only. analyse_export never asks for it, which saves
        # a copy of every key cell as a string (about 1 GB at 100,000 participants).
        value = object.__getattribute__(self, name)
        if name == "answers" and value is None:
            keyed = object.__getattribute__(self, "keyed_answers")
            if keyed is not None:
                value = as_text_columns(keyed)
                object.__setattr__(self, "answers", value)
        return value

    def keyed(self) -> Export:
        """This export with ``answers`` holding categorical key columns (same values).

        The analysis works on this form; ``answers`` itself keeps text
        columns, as the public API always had. Built once and cached.
        """
        keyed = self.keyed_answers
        if keyed is None:
            keyed = self.answers.copy()
            for col in CATEGORY_COLUMNS:
                if col in keyed.columns:
                    keyed[col] = as_category(keyed[col])
            object.__setattr__(self, "keyed_answers", keyed)
        return Export(self.participants, keyed, self.codebook, self.manifest, self.items,
                      self.source, keyed_answers=keyed, pages=self.pages,
                      exchange=self.exchange, not_shown=self.not_shown,
                      display_order=self.display_order)

    @property
    def control_arm(self) -> str | None:
        """Id of the control arm, or ``None``."""
        return (self.manifest.get("design") or {}).get("control_arm")

    @property
    def arms(self) -> list[str]:
        """Arm ids in design order (falling back to the order in participants)."""
        design = (self.manifest.get("design") or {}).get("arms") or self.codebook.get("arms") or []
        ids = [a["id"] for a in design if "id" in a]
        seen = list(pd.unique(self.participants["arm"].dropna()))
        return ids + [a for a in seen if a not in ids]

    @property
    def preregistration(self) -> dict | None:
        """``manifest["preregistration"]`` or ``None``."""
        return self.manifest.get("preregistration")

    def item_ids(self, *types: str) -> list[str]:
        """Item ids of the given types (all items when none given), codebook order."""
        t = self.items
        return list(t.loc[t["type"].isin(types), "item"]) if types else list(t["item"])
