"""Synthetic, contract-valid exports with known true effects (for tests and demos).

The generator draws every answer from an explicit discrete model, so the true
population mean shift of each item in each arm is known *exactly* (it is
computed from the model, including the clipping at the ends of the scale),
not estimated from a big sample. All draws are numpy-vectorised; the only
Python loops run over items, arms and pages, never over participants.

Model (per numeric item *i*, arm *a*):

- ``left_right`` (0..10) is drawn first; it puts each participant in one of
  three groups *g* (left 0-3, centre 4-6, right 7-10).
- The "before" answer ``pre`` is drawn from a pmf ``p[i, g]`` over the scale
  points (a discretised normal whose mean depends on *g*).
- The change ``D`` is drawn from a pmf ``q[i, a]`` over integer steps and
  ``post = clip(pre + D, min, max)``. For Likert items
  ``D = N + S`` with test-retest noise ``N`` in {-1, 0, +1}
  (P(+1) = P(-1) = 0.12) and a push ``S`` of ``floor(|e|)`` or
  ``floor(|e|) + 1`` steps in the direction of the intended effect *e*
  (the fractional part is the probability of the extra step), so
  ``E[D] = e``. Thermometer and estimate items use a normal change with mean
  *e* and SD 8 points, discretised to whole points.
- The true shift is ``sum_g w_g sum_v p[i,g](v) sum_d q[i,a](d) (clip(v+d) - v)``
  with ``w_g`` the population share of group *g*: exact, and slightly smaller
  than *e* near the ends of the scale.
- Knowledge items: P(correct) before is 0.45, after ``0.45 + e``; the true
  shift of the knowledge score is *e*.

Speeders (``speeder_rate``) straight-line their Likert answers, answer other
items at random, and spend 1-4 s a page; they are excluded from the truth
table, which describes attentive respondents.

Where it lives: the model in :mod:`analysis.demo_model`, the participants
(allocation, progress, page times) in :mod:`analysis.demo_sample`, their
answers in :mod:`analysis.demo_answers`; this module puts them together and
writes the export. Another kind of demo data is a new module beside these
that builds on :attr:`DemoData.sample` (the same participants and times).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.contract import (
    ANSWER_COLUMNS,
    ANSWERS_FILE,
    BUILTIN_TYPE_FACTS,
    CODEBOOK_FILE,
    FORMAT_VERSION,
    MANIFEST_FILE,
    OPTIONAL_PARTICIPANT_COLUMNS,
    PARTICIPANT_COLUMNS,
    PARTICIPANTS_FILE,
    build_manifest,
    escape_formula,
)
from analysis.demo_answers import answers_frame, draw_answers
from analysis.demo_model import (
    ARM_MODULES,
    ARMS,
    DEFAULT_EFFECTS,
    PROPOSALS,
    _catalogue,
    _Item,
)
from analysis.demo_sample import (
    Sample,
    allocate,
    module_orders,
    page_times,
    participants_frame,
    progress,
)
from analysis.load import export_from_frames
from analysis.synthetic_exchange import write_demo_exchange

__all__ = [
    "ARMS",
    "DEFAULT_EFFECTS",
    "DemoData",
    "make_demo_data",
    "write_demo_export",
    "make_demo_export",
    "demo_margins",
]


@dataclass(frozen=True)
class DemoData:
    """Everything :func:`make_demo_data` produced.

    ``participants`` and ``answers`` follow the export contract column for
    column (times as ISO text, text cells *not yet* spreadsheet-escaped);
    ``truth`` has one row per arm x item with ``intended`` and ``true_shift``
    (exact population mean shift for attentive respondents) and
    ``true_effect_vs_control`` (``true_shift`` minus the control arm's).
    """

    participants: pd.DataFrame
    answers: pd.DataFrame
    codebook: dict
    manifest: dict
    truth: pd.DataFrame
    #: ids of the participants generated as speeders (not in the export: for checking)
    speeders: tuple = ()
    #: the drawn sample (arms, progress, module order, page times): a generator of
    #: further demo data (a new module beside this one) builds on it, so its rows
    #: belong to the same participants
    sample: Sample | None = field(default=None, repr=False, compare=False)


def make_demo_data(
    n_per_arm: int = 200,
    effects: dict[tuple[str, str], float] | None = None,
    seed: int = 0,
    *,
    arms: tuple[str, ...] = ARMS,
    n_items: int = 12,
    dropout_rate: float = 0.10,
    speeder_rate: float = 0.03,
    screened_out_rate: float = 0.02,
    withdrawn_rate: float = 0.01,
    primary_items: tuple[str, ...] | None = ("support_accord", "support_armistice",
                                             "support_strength"),
) -> DemoData:
    """Generate a complete campaign in memory with known true effects.

    Parameters
    ----------
    n_per_arm : int
        Participants randomised to each arm (before dropouts).
    effects : dict, optional
        ``{(arm, item): intended effect}`` in scale points (proportion correct
        for knowledge items), merged over :data:`DEFAULT_EFFECTS`. Pass ``{}``
        ... to keep the defaults; use ``effects=None`` for the defaults too, and
        set a value to 0 to switch one off.
    seed : int
        Seed of the numpy Generator; the same arguments give the same data.
    arms : tuple of str
        Arms to use, a subset of :data:`ARMS` (``control`` is the control arm).
    n_items : int
        Number of before/after items; items beyond the 12 built-in ones are
        5-point Likert items ``opinion_01``, ``opinion_02``, ...
    dropout_rate, speeder_rate, screened_out_rate, withdrawn_rate : float
        Shares of participants who stop early, speed, are screened out at the
        profile page, or withdraw (no answers kept).
    primary_items : tuple of str or None
        Written to ``manifest.preregistration`` (``None`` for no
        preregistration).

    Returns
    -------
    DemoData
    """
    eff, items = _checked_options(n_per_arm, effects, arms, n_items, dropout_rate,
                                  speeder_rate, screened_out_rate, withdrawn_rate)
    rng = np.random.default_rng(seed)
    d = allocate(rng, list(arms), n_per_arm)
    progress(d, rng, withdrawn_rate, screened_out_rate, dropout_rate, speeder_rate)
    module_orders(d, rng)
    page_times(d, rng)
    participants = participants_frame(d, rng)
    chunks, truth_rows = draw_answers(d, rng, items, eff)
    answers = answers_frame(d, chunks)
    truth = pd.DataFrame(truth_rows)
    ctrl = truth[truth["arm"] == "control"].set_index("item")["true_shift"]
    truth["true_effect_vs_control"] = truth["true_shift"] - truth["item"].map(ctrl)
    codebook = _codebook(items, d.arms)
    manifest = build_manifest(
        codebook,
        campaign={"slug": "demo", "title": "Synthetic demo campaign", "status": "closed",
                  "opened_at": "2026-11-01T08:00:00+00:00",
                  "closed_at": "2026-11-15T08:00:00+00:00"},
        block_size=d.block_size,
        seed=f"{seed:x}",
        rebalance_dropouts=False,
        preregistration=({"primary_items": list(primary_items), "family": "primary"}
                         if primary_items else None),
        row_counts={"participants": int(d.n), "answers": int(len(answers))},
        files=[PARTICIPANTS_FILE, ANSWERS_FILE, CODEBOOK_FILE],
        exported_at="2026-11-22T16:00:00+00:00",
        generator={"name": "analysis.synthetic", "seed": seed, "n_per_arm": n_per_arm},
    )
    return DemoData(participants, answers, codebook, manifest, truth, tuple(d.pid[d.speeder]),
                    sample=d)


def _checked_options(n_per_arm, effects, arms, n_items, dropout_rate, speeder_rate,
                     screened_out_rate, withdrawn_rate) -> tuple[dict, list[_Item]]:
    """The effects merged over the defaults and the item catalogue, or a ``ValueError``."""
    if n_per_arm < 1:
        raise ValueError("n_per_arm must be at least 1")
    unknown = set(arms) - set(ARMS)
    if unknown:
        raise ValueError(f"unknown arm(s) {sorted(unknown)}; choose from {ARMS}")
    rates = dict(dropout_rate=dropout_rate, speeder_rate=speeder_rate,
                 screened_out_rate=screened_out_rate, withdrawn_rate=withdrawn_rate)
    for name, r in rates.items():
        if not 0 <= r < 1:
            raise ValueError(f"{name} must be in [0, 1), got {r}")
    if sum(rates.values()) >= 1:
        raise ValueError("the rates add up to 1 or more")
    eff = dict(DEFAULT_EFFECTS)
    eff.update(effects or {})
    items = _catalogue(n_items)
    by_id = {it.id: it for it in items}
    for (_arm, item_id), e in eff.items():
        if item_id not in by_id and item_id.startswith("opinion_"):
            continue  # effect on an opinion item that this n_items does not create
        if item_id not in by_id:
            raise ValueError(f"effects names unknown item {item_id!r}")
        if by_id[item_id].type == "knowledge" and not 0 <= 0.45 + e <= 0.8:
            raise ValueError(
                f"knowledge effect {e} on {item_id!r} must keep P(correct) in [0, 0.8]"
            )
    return eff, items


def _codebook(items: list[_Item], arms: list[str]) -> dict:
    pages = {"profile": "about_you", "pre": "before", "post": "after"}
    out = []
    for it in items:
        out.append({
            "id": it.id,
            "type": it.type,
            "phases": list(it.phases),
            "pages": [pages.get(p, "module_<module>") for p in it.phases],
            "text": {"en": it.text},
            "hint": {},
            "scale": {"min": it.lo, "max": it.hi} if it.lo is not None else None,
            "reverse": it.reverse,
            "construct": it.construct,
            "options": [{"code": c, "id": i, "label": {"en": lab}, "missing": m}
                        for c, i, lab, m in it.options],
            "correct": it.correct,
            "modules": [*PROPOSALS, "control"] if "module" in it.phases else None,
            "required": it.required,
            "estimates": "support_accord" if it.id == "estimate_support_accord" else None,
            **BUILTIN_TYPE_FACTS[it.type],  # the generator draws only the built-in types
            "missing_codes": [c for c, _i, _lab, missing in it.options if missing],
        })
    return {
        "format_version": FORMAT_VERSION,
        "survey": {"id": "demo", "version": "0" * 64, "title": {"en": "Synthetic demo"},
                   "languages": ["en", "de", "uk", "ru"]},
        "modules": [{"id": m, "kind": "control" if m == "control" else "proposal",
                     "title": {"en": m.title()}, "summary": {"en": f"The {m} briefing."}}
                    for m in (*PROPOSALS, "control")],
        "arms": [{"id": a, "modules": list(ARM_MODULES[a]), "weight": 1,
                  "control": a == "control"} for a in arms],
        "items": out,
    }


def _escape(series: pd.Series) -> pd.Series:
    """Text cells as the contract writes them (:func:`analysis.contract.escape_formula`)."""
    return series.map(escape_formula, na_action="ignore")


def write_demo_export(
    out_dir: str | Path,
    n_per_arm: int = 200,
    effects: dict[tuple[str, str], float] | None = None,
    seed: int = 0,
    *,
    exchange: bool = True,
    **options,
) -> Path:
    """Write a synthetic export folder (the four contract files plus ``truth.csv``).

    Parameters
    ----------
    out_dir : str or Path
        Folder to create (it may exist; files in it are overwritten).
    n_per_arm, effects, seed, **options
        As for :func:`make_demo_data`.
    exchange : bool
        Add the argument exchange's files (statements, ratings, pairs,
        exposures, moderation, frozen sets) with known bridging values and a
        known effect, and ``exchange_truth.csv``
        (:func:`analysis.synthetic_exchange.write_demo_exchange`).

    Returns
    -------
    Path
        The folder. ``truth.csv`` in it (not part of the contract) holds the
        true shift per arm x item.
    """
    data = make_demo_data(n_per_arm, effects, seed, **options)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if exchange:  # the argument exchange's files (analysis/synthetic_exchange.py)
        data = write_demo_exchange(out, data, seed)
    # the optional participant columns the data has (the follow-up's, with the exchange)
    people = {**PARTICIPANT_COLUMNS, **{c: k for c, k in OPTIONAL_PARTICIPANT_COLUMNS.items()
                                        if c in data.participants.columns}}
    for name, frame, columns in ((PARTICIPANTS_FILE, data.participants, people),
                                 (ANSWERS_FILE, data.answers, ANSWER_COLUMNS)):
        frame = frame[list(columns)].copy()
        for c, kind in columns.items():
            if kind == "text":
                frame[c] = _escape(frame[c])
        frame.to_csv(out / name, index=False, lineterminator="\n", encoding="utf-8")
    (out / CODEBOOK_FILE).write_text(json.dumps(data.codebook, indent=1, ensure_ascii=False),
                                     encoding="utf-8")
    (out / MANIFEST_FILE).write_text(json.dumps(data.manifest, indent=1), encoding="utf-8")
    data.truth.to_csv(out / "truth.csv", index=False, lineterminator="\n")
    return out


def demo_margins() -> pd.DataFrame:
    """Population margins for raking the demo data (``variable, level, share``).

    Country and age band shares of a made-up target population, in the CSV
    layout :func:`analysis.weights.read_margins` reads.
    """
    rows = [("country", c, s) for c, s in
            zip(["de", "fr", "pl", "uk", "other"], [0.35, 0.25, 0.15, 0.10, 0.15], strict=True)]
    rows += [("age_band", a, s) for a, s in
             zip(["18-29", "30-44", "45-59", "60-74", "75+"], [0.17, 0.24, 0.27, 0.22, 0.10],
                 strict=True)]
    return pd.DataFrame(rows, columns=["variable", "level", "share"])


def make_demo_export(n_per_arm: int = 200, effects=None, seed: int = 0, **options):
    """Like :func:`make_demo_data` but returns ``(Export, truth)`` without touching disk."""
    d = make_demo_data(n_per_arm, effects, seed, **options)
    return export_from_frames(d.participants, d.answers, d.codebook, d.manifest,
                              "<synthetic>"), d.truth
