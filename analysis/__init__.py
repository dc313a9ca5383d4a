"""Parley analysis: read an export, measure attitude shifts and effects, write a report.

Start with :func:`load_export` (or :func:`load_database`), then
:func:`pairs` for before/after pairs, and the statistics:
:func:`paired_shifts`, :func:`ancova`, :func:`diff_in_diff`,
:func:`adjust_pvalues`, ... or run everything with :func:`analyse_export`
and :func:`write_report`. :func:`write_demo_export` makes synthetic data with
known effects. See ``docs/analysis.md``.

The package reads only the export contract (``docs/export-format.md``) or a
database; it imports neither ``app`` nor ``surveys``.
"""

from analysis.cli import analyse, demo_data
from analysis.constructs import construct_scores, cronbach_alpha, knowledge_index
from analysis.effects import ancova, diff_in_diff, robust_ols
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
from analysis.rankings import ranking_summary, single_peakedness
from analysis.report import render_report, write_report
from analysis.shifts import bca_mean_ci, paired_shifts, wilcoxon_signed_rank
from analysis.synthetic import (
    demo_margins,
    make_demo_data,
    make_demo_export,
    write_demo_export,
)
from analysis.tidy import clean_values, knowledge_scores, pairs, profile_table
from analysis.weights import kish, rake, read_margins, weighted_mean

__all__ = [
    "Export", "ExportError", "Options", "Results", "adjust_pvalues", "affective_distance",
    "analyse", "analyse_export", "ancova", "apply_exclusions", "bca_mean_ci",
    "bimodality_coefficient", "category_shares", "clean_values", "construct_scores",
    "cronbach_alpha", "demo_data", "demo_margins", "diff_in_diff", "esteban_ray",
    "export_from_frames", "funnel", "group_distance", "kish", "knowledge_index",
    "knowledge_scores", "load_database", "load_export", "make_demo_data", "make_demo_export",
    "mcnemar_support", "metaperception_gap", "opinion_groups", "paired_shifts", "pairs",
    "polarisation_measures", "profile_table", "quality_flags", "rake", "ranking_summary",
    "read_margins",
    "render_report", "robust_ols", "sample_size", "simulate_power", "single_peakedness",
    "stuart_maxwell", "time_on_page", "transition_matrix", "weighted_mean",
    "wilcoxon_signed_rank", "write_demo_export", "write_report",
]
