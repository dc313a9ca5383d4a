"""Parley analysis: read an export, measure attitude shifts and effects, write a report.

Start with :func:`load_export` (or :func:`load_database`), then
:func:`pairs` for before/after pairs, and the statistics:
:func:`paired_shifts`, :func:`ancova`, :func:`diff_in_diff`,
:func:`adjust_pvalues`, ... or run everything with :func:`analyse_export`
and :func:`write_report`. :func:`write_demo_export` makes synthetic data with
known effects. See ``docs/analysis.md``.

The package reads only the export contract (``docs/export-format.md``) or a
database; it imports neither ``app`` nor ``surveys``.

Names are imported when first used (PEP 562), so ``import analysis.contract``
(the export writer's one need) does not load statsmodels, scipy and
matplotlib with the whole package. The names are listed once, in ``_API``
(a test checks each resolves); editors that need static imports can import
from the defining module (``from analysis.pipeline import analyse_export``).
"""

from __future__ import annotations

import importlib
from typing import Any

#: The public API, the one list of it: module -> the names it gives the package.
#: ``__all__``, attribute access and ``dir()`` follow from it.
_API: dict[str, tuple[str, ...]] = {
    "analysis.attrition": ("attrition_by_arm", "lee_bounds", "nonsubstantive_rates"),
    "analysis.cli": ("analyse", "demo_data"),
    "analysis.constructs": ("construct_scores", "cronbach_alpha", "knowledge_index"),
    "analysis.effects": ("ancova", "diff_in_diff", "robust_ols"),
    "analysis.exchange.anchors": ("anchor_scores", "opinion_centres"),
    "analysis.exchange.bridging": ("BridgingFit", "bridging_fit"),
    "analysis.groups": ("gap_statistic", "opinion_groups"),
    "analysis.load": ("Export", "ExportError", "export_from_frames", "load_database",
                      "load_export"),
    "analysis.multiplicity": ("adjust_pvalues",),
    "analysis.options": ("Options",),
    "analysis.ordinal": ("category_shares", "mcnemar_support", "stuart_maxwell",
                         "transition_matrix"),
    "analysis.order_effects": ("by_position", "position_table"),
    "analysis.perception": ("affective_distance", "metaperception_gap"),
    "analysis.pipeline": ("analyse_export",),
    "analysis.polarisation": ("bimodality_coefficient", "esteban_ray", "group_distance",
                              "polarisation_measures"),
    "analysis.power": ("sample_size", "simulate_power"),
    "analysis.quality": ("apply_exclusions", "funnel", "quality_flags", "time_on_page"),
    "analysis.rankings": ("condorcet_winner", "rank_matrix", "ranking_summary",
                          "single_peaked_baseline", "single_peakedness"),
    "analysis.report": ("render_report", "write_report"),
    "analysis.results": ("Results",),
    "analysis.shifts": ("bca_mean_ci", "paired_shifts", "wilcoxon_signed_rank"),
    "analysis.synthetic": ("demo_margins", "make_demo_data", "make_demo_export",
                           "write_demo_export"),
    "analysis.synthetic_exchange": ("simulate_fairness",),
    "analysis.tidy": ("clean_values", "knowledge_scores", "pairs", "profile_table"),
    "analysis.weights": ("kish", "rake", "read_margins", "weighted_mean"),
}
_MODULE_OF = {name: module for module, names in _API.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULE_OF))
