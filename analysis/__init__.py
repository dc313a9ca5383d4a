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
matplotlib with the whole package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public name -> the module that defines it.
_EXPORTS = {
    "analyse": "analysis.cli",
    "BridgingFit": "analysis.exchange.bridging",
    "bridging_fit": "analysis.exchange.bridging",
    "anchor_scores": "analysis.exchange.anchors",
    "opinion_centres": "analysis.exchange.anchors",
    "simulate_fairness": "analysis.synthetic_exchange",
    "demo_data": "analysis.cli",
    "construct_scores": "analysis.constructs",
    "cronbach_alpha": "analysis.constructs",
    "knowledge_index": "analysis.constructs",
    "ancova": "analysis.effects",
    "diff_in_diff": "analysis.effects",
    "robust_ols": "analysis.effects",
    "opinion_groups": "analysis.groups",
    "Export": "analysis.load",
    "ExportError": "analysis.load",
    "export_from_frames": "analysis.load",
    "load_database": "analysis.load",
    "load_export": "analysis.load",
    "adjust_pvalues": "analysis.multiplicity",
    "category_shares": "analysis.ordinal",
    "mcnemar_support": "analysis.ordinal",
    "stuart_maxwell": "analysis.ordinal",
    "transition_matrix": "analysis.ordinal",
    "affective_distance": "analysis.perception",
    "metaperception_gap": "analysis.perception",
    "Options": "analysis.pipeline",
    "Results": "analysis.pipeline",
    "analyse_export": "analysis.pipeline",
    "bimodality_coefficient": "analysis.polarisation",
    "esteban_ray": "analysis.polarisation",
    "group_distance": "analysis.polarisation",
    "polarisation_measures": "analysis.polarisation",
    "sample_size": "analysis.power",
    "simulate_power": "analysis.power",
    "apply_exclusions": "analysis.quality",
    "funnel": "analysis.quality",
    "quality_flags": "analysis.quality",
    "time_on_page": "analysis.quality",
    "condorcet_winner": "analysis.rankings",
    "rank_matrix": "analysis.rankings",
    "ranking_summary": "analysis.rankings",
    "single_peaked_baseline": "analysis.rankings",
    "single_peakedness": "analysis.rankings",
    "render_report": "analysis.report",
    "write_report": "analysis.report",
    "bca_mean_ci": "analysis.shifts",
    "paired_shifts": "analysis.shifts",
    "wilcoxon_signed_rank": "analysis.shifts",
    "demo_margins": "analysis.synthetic",
    "make_demo_data": "analysis.synthetic",
    "make_demo_export": "analysis.synthetic",
    "write_demo_export": "analysis.synthetic",
    "clean_values": "analysis.tidy",
    "knowledge_scores": "analysis.tidy",
    "pairs": "analysis.tidy",
    "profile_table": "analysis.tidy",
    "kish": "analysis.weights",
    "rake": "analysis.weights",
    "read_margins": "analysis.weights",
    "weighted_mean": "analysis.weights",
}



def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:  # for type checkers and editors: the names as if imported here
    from analysis.cli import analyse, demo_data
    from analysis.constructs import construct_scores, cronbach_alpha, knowledge_index
    from analysis.effects import ancova, diff_in_diff, robust_ols
    from analysis.exchange.anchors import anchor_scores, opinion_centres
    from analysis.exchange.bridging import BridgingFit, bridging_fit
    from analysis.groups import opinion_groups
    from analysis.load import (
        Export,
        ExportError,
        export_from_frames,
        load_database,
        load_export,
    )
    from analysis.multiplicity import adjust_pvalues
    from analysis.ordinal import category_shares, mcnemar_support, stuart_maxwell, transition_matrix
    from analysis.perception import affective_distance, metaperception_gap
    from analysis.pipeline import Options, Results, analyse_export
    from analysis.polarisation import (
        bimodality_coefficient,
        esteban_ray,
        group_distance,
        polarisation_measures,
    )
    from analysis.power import sample_size, simulate_power
    from analysis.quality import apply_exclusions, funnel, quality_flags, time_on_page
    from analysis.rankings import (
        condorcet_winner,
        rank_matrix,
        ranking_summary,
        single_peaked_baseline,
        single_peakedness,
    )
    from analysis.report import render_report, write_report
    from analysis.shifts import bca_mean_ci, paired_shifts, wilcoxon_signed_rank
    from analysis.synthetic import (
        demo_margins,
        make_demo_data,
        make_demo_export,
        write_demo_export,
    )
    from analysis.synthetic_exchange import simulate_fairness
    from analysis.tidy import clean_values, knowledge_scores, pairs, profile_table
    from analysis.weights import kish, rake, read_margins, weighted_mean

__all__ = [
    "BridgingFit", "bridging_fit", "anchor_scores", "opinion_centres", "simulate_fairness",
    "Export", "ExportError", "Options", "Results", "adjust_pvalues", "affective_distance",
    "analyse", "analyse_export", "ancova", "apply_exclusions", "bca_mean_ci",
    "bimodality_coefficient", "category_shares", "clean_values", "condorcet_winner",
    "construct_scores",
    "cronbach_alpha", "demo_data", "demo_margins", "diff_in_diff", "esteban_ray",
    "export_from_frames", "funnel", "group_distance", "kish", "knowledge_index",
    "knowledge_scores", "load_database", "load_export", "make_demo_data", "make_demo_export",
    "mcnemar_support", "metaperception_gap", "opinion_groups", "paired_shifts", "pairs",
    "polarisation_measures", "profile_table", "quality_flags", "rake", "rank_matrix",
    "ranking_summary",
    "read_margins",
    "render_report", "robust_ols", "sample_size", "simulate_power", "single_peaked_baseline",
    "single_peakedness",
    "stuart_maxwell", "time_on_page", "transition_matrix", "weighted_mean",
    "wilcoxon_signed_rank", "write_demo_export", "write_report",
]
