"""What :func:`analysis.analyse_export` returns: the options, the samples and named tables.

:class:`Results` is a class of named tables in the manner of statsmodels'
results classes: each table is an attribute (``res.shifts``), documented
with its columns; methods (``res.flow_counts()``) are apart from them. The
report's sections read the attributes.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import pandas as pd

from analysis.exchange.summary import ExchangeResults
from analysis.export import Export
from analysis.frames import isin_ids
from analysis.options import Options

__all__ = ["Results", "table"]


def table(columns: str, doc: str):
    """A table field of :class:`Results`: its columns (comma-separated; ``<subgroup>``
    stands for the subgroup column) and what one row is. Empty until a step fills it."""
    return field(default_factory=pd.DataFrame, repr=False,
                 metadata={"table": True, "columns": columns, "doc": doc})


_SHIFT = ("n, mean_before, sd_before, mean_after, sd_after, shift, se, ci_low, ci_high, t, df, "
          "p_t, wilcoxon_v, p_wilcoxon, wilcoxon_method, d_z, g_av, boot_low, boot_high, "
          "share_up, share_down, share_same, weighted")
_ADJUSTED = "p_holm, reject_holm, p_bh, reject_bh, family_size"
_ANCOVA = ("estimate, se, ci_low, ci_high, t, df, p, n_arm, n_control, slope_before, method")
_LIKERT_SHARES = "item, arm, phase, category, n, total, share, weighted"
_POLARISATION = ("item, phase, n, mean, sd, bimodality, esteban_ray, dist_midpoint, "
                 "share_extreme, weighted")
_RANKING_OPTIONS = "phase, arm, option, first_share, borda, mean_rank, item"
_RANKING_GROUPS = ("phase, arm, n, n_invalid, condorcet_winner, borda_winner, "
                   "single_peaked_share, single_peaked_axis, single_peaked_baseline, "
                   "single_peaked_excess, weighted, item")
_METAPERCEPTION = ("phase, arm, n_estimates, n_support, mean_estimate, actual_share, gap, se, "
                   "ci_low, ci_high, se_estimate, share_overestimating, weighted, item, "
                   "compared_with, threshold")
_DID = ("shift_arm, shift_control, estimate, se, ci_low, ci_high, t, df, p, n_arm, n_control, "
        f"method, {_ADJUSTED}")


@dataclass(eq=False)
class Results:
    """Output of :func:`analysis.analyse_export`.

    Read a table as an attribute (``res.shifts``); every table is a
    DataFrame, empty when its step had nothing to analyse. Key columns
    (``item``, ``arm``, ``phase``...) are text; ``ci_low``/``ci_high`` are
    unadjusted confidence intervals at ``options.level``. For backwards
    compatibility ``res["shifts"]`` and ``res.tables`` (a read-only mapping
    of table name to table) still work; new code uses the attributes.

    Adding a table is one edit: a field ``name: pd.DataFrame = table(columns,
    doc)`` below, next to its kin. The list of tables (:meth:`table_names`),
    this docstring's "Tables" section and the mapping view follow from it, and
    ``tests/analysis/test_results.py`` checks the columns listed against the
    demo export's tables. A step of :mod:`analysis.pipeline` fills it
    (``run.res.name = frame``) and a report section reads it.

    Attributes
    ----------
    export : Export
        The export analysed (text key columns).
    options : Options
        Every choice the analysis made.
    notes : list of str
        What the report must say about the data (missing files, steps skipped).
    kept : Series
        Participant ids left after the exclusion rules (and with a weight, if weighted).
    analysed : Series
        Participant ids with at least one complete before/after pair (the analysed sample).
    plan : dict or None
        The analysis plan followed (see :func:`analysis.pipeline.resolve_plan`).
    deviations : list of str
        Ways the analysis departs from the plan, in words.
    exchange : ExchangeResults or None
        The argument exchange's analysis (:func:`analysis.exchange.summary.analyse_exchange`:
        the bridging fit, the design, its notes); its tables are also the
        ``exchange_*`` tables. ``None`` without exchange files.
    """

    export: Export
    options: Options
    notes: list[str] = field(default_factory=list)
    kept: pd.Series = field(default_factory=lambda: pd.Series(dtype="str"), repr=False)
    analysed: pd.Series = field(default_factory=lambda: pd.Series(dtype="str"), repr=False)
    plan: dict | None = None
    deviations: list[str] = field(default_factory=list)
    exchange: ExchangeResults | None = field(default=None, repr=False)

    # -- the sample: who took part, who was kept, how they were weighted
    funnel: pd.DataFrame = table(
        "arm, stage, n, share_of_started",
        "Participants reaching each stage of the journey, per arm.")
    flags: pd.DataFrame = table(
        "participant_id, arm, status, total_seconds, speed_index, speeder, straightliner, "
        "attention_items, failed_attention, incomplete",
        "One row per participant: the quality measures and the flag of each exclusion rule.")
    exclusions: pd.DataFrame = table(
        "rule, flagged, excluded_only_by_this_rule",
        "Each exclusion rule applied, and the row ``any``: how many it flagged.")
    time_on_page: pd.DataFrame = table(
        "page, n, p10, q1, median, q3",
        "Seconds on each page (10th percentile, quartiles).")
    weights_summary: pd.DataFrame = table(
        "n, deff, n_eff, min, max, variables",
        "One row when raking weights are used: Kish's design effect and effective n.")
    flow: pd.DataFrame = table(
        "arm, consented, allocated, screened_out, withdrawn, broke_off, completed, excluded, "
        "excluded_<rule>, analysed",
        "Participant counts per arm, the rows of those without an arm (screened out before "
        "allocation, not yet allocated) and a ``total`` row; ``excluded_<rule>`` for each "
        "exclusion rule.")
    consort: pd.DataFrame = table(
        "stage, box, arm, n",
        "The CONSORT diagram's boxes (:func:`analysis.consort.consort_flow`): each participant "
        "in exactly one box per stage (``consented``, ``allocation``, ``follow-through``, "
        "``analysis``), per arm and ``total``.")
    rates: pd.DataFrame = table(
        "arm, started, eligible, completed, broke_off, completion_rate, break_off_rate",
        "Completion among starters and break-off, per arm and in total.")

    attrition: pd.DataFrame = table(
        "arm, allocated, retained, lost, attrition, chi2, df, p",
        "Allocated participants kept by the exclusion rules, and how many of them are lost "
        "to the analysis, per arm; the ``total`` row tests that attrition is the same in "
        "every arm (Pearson's chi-square).")
    lee_bounds: pd.DataFrame = table(
        "item, arm, n_arm, n_control, q_treated, q_control, trim_share, trimmed, difference, "
        "lower, upper",
        "Lee (2009) bounds on each planned item's effect (difference in mean change, arm "
        "minus control) under differential attrition; empty without a plan or a control.")
    nonsubstantive: pd.DataFrame = table(
        "phase, arm, answers, nonsubstantive, share, chi2, df, p",
        "Share of \"don't know\" and other answers the codebook flags missing, per phase "
        "and arm, with Pearson's chi-square test across arms per phase.")

    # -- before and after, within each arm
    shifts: pd.DataFrame = table(
        f"item, arm, {_SHIFT}, {_ADJUSTED}",
        "Paired before/after shift per item and arm (t, Wilcoxon, BCa bootstrap), "
        "adjusted over the family of ``options.family``.")
    subgroup_shifts: pd.DataFrame = table(
        f"item, arm, <subgroup>, {_SHIFT}, {_ADJUSTED}",
        "The shifts per level of ``options.subgroup`` (empty without one); "
        "Benjamini-Hochberg over all of them.")
    stuart_maxwell: pd.DataFrame = table(
        "item, arm, n, statistic, df, p",
        "Stuart-Maxwell test of marginal homogeneity of each Likert item's before/after "
        "table, per arm.")
    mcnemar: pd.DataFrame = table(
        "item, arm, n, support_before, support_after, gained, lost, statistic, p, method, "
        "threshold",
        "McNemar's test of the share supporting (answer at or above ``threshold``) before "
        "and after.")
    likert_shares: pd.DataFrame = table(
        _LIKERT_SHARES,
        "Share of each answer category of each Likert item, per arm and phase, on the "
        "paired sample (participants who answered the item before and after).")
    likert_shares_unpaired: pd.DataFrame = table(
        _LIKERT_SHARES,
        "The same on everyone who answered each phase (a labelled extra: before and after "
        "then differ in who answered).")

    # -- effects against control
    ancova: pd.DataFrame = table(
        f"item, arm, {_ANCOVA}, confirmatory, family, {_ADJUSTED}, p_plan, direction, "
        "supported, ci_low_adj, ci_high_adj",
        "ANCOVA of the after answer on arm and the before answer, each arm against control "
        "(the primary estimator); ``family`` only with a plan; ``p_plan`` (p by the plan's "
        "correction), ``direction``, ``supported`` and the Bonferroni-adjusted interval "
        "``ci_low_adj, ci_high_adj`` only on the plan's confirmatory rows.")
    did: pd.DataFrame = table(
        f"item, arm, {_DID}",
        "Difference in differences (Welch), each arm against control: a secondary "
        "estimator.")
    power: pd.DataFrame = table(
        "item, arm, n_arm, n_control, minimum_effect, correlation, correlation_source, "
        "correlation_within_arm, alpha, tests, power",
        "Power reached for each confirmatory test at the plan's minimum effect, at alpha / "
        "``tests`` (the expanded family) under a family-wise correction, with the plan's "
        "before/after ``correlation`` (``correlation_source`` says so); the observed "
        "within-arm correlation beside it.")
    subgroup_effects: pd.DataFrame = table(
        f"item, <subgroup>, arm, {_DID}",
        "Difference in differences per subgroup level (empty without ``options.subgroup``).")

    # -- constructs and knowledge
    alpha: pd.DataFrame = table(
        "construct, phase, alpha, k, n",
        "Cronbach's alpha of each construct's items, per phase.")
    construct_shifts: pd.DataFrame = table(
        f"item, arm, {_SHIFT}",
        "Paired shifts of the construct scores (``item`` is the construct).")
    construct_ancova: pd.DataFrame = table(
        f"item, arm, {_ANCOVA}, {_ADJUSTED}",
        "ANCOVA of the construct scores against control (the primary estimator).")
    construct_did: pd.DataFrame = table(
        f"item, arm, {_DID}",
        "Difference in differences of the construct scores against control (secondary).")
    knowledge_shifts: pd.DataFrame = table(
        f"item, arm, {_SHIFT}",
        "Paired shifts of the knowledge index (``item`` is ``knowledge_index``).")
    knowledge_ancova: pd.DataFrame = table(
        f"item, arm, {_ANCOVA}, {_ADJUSTED}",
        "ANCOVA of the knowledge index against control (the primary estimator), Holm over "
        "the arms.")
    knowledge_did: pd.DataFrame = table(
        f"item, arm, {_DID}",
        "Difference in differences of the knowledge index against control (secondary).")
    followup: pd.DataFrame = table(
        "item, arm, n, mean_pre, mean_post, mean_followup, shift_post, shift_followup, "
        "persisted, estimate, ci_low, ci_high, p, p_holm",
        "Persistence at the follow-up wave (empty without one); the estimate columns only "
        "with a control arm.")

    # -- opinion structure
    polarisation: pd.DataFrame = table(
        _POLARISATION,
        "Polarisation measures of each numeric attitude item, per phase, on the paired "
        "sample (participants who answered the item before and after).")
    polarisation_unpaired: pd.DataFrame = table(
        _POLARISATION, "The same on everyone who answered each phase (a labelled extra).")
    ranking_options: pd.DataFrame = table(
        _RANKING_OPTIONS,
        "Each option of each ranking item: share ranking it first, Borda score, mean rank, "
        "on the paired sample (participants who ranked before and after).")
    ranking_groups: pd.DataFrame = table(
        _RANKING_GROUPS,
        "Each ranking item per phase and arm: valid and invalid rankings, winners, the share "
        "of single-peaked rankings with its random baseline and the excess over it, on the "
        "paired sample.")
    order_effects: pd.DataFrame = table(
        "item, phase, option, position, n, chosen, share, mean_rank",
        "Each option of an item shown in orders of each participant's own, by the place it "
        "was shown (order_effects.order_table): a primacy check, on the analysed sample.")
    ranking_options_unpaired: pd.DataFrame = table(
        _RANKING_OPTIONS, "``ranking_options`` on everyone who ranked in each phase (extra).")
    ranking_groups_unpaired: pd.DataFrame = table(
        _RANKING_GROUPS, "``ranking_groups`` on everyone who ranked in each phase (extra).")
    metaperception: pd.DataFrame = table(
        _METAPERCEPTION,
        "Estimated against actual share supporting the item an estimate item names: before "
        "the briefing pooled (``arm`` is ``pooled``), after it per arm, on the paired sample "
        "(estimates and the item's answers of participants who gave them before and after). "
        "The interval carries the sampling error of both shares (``se``); ``se_estimate`` is "
        "the estimate's alone.")
    metaperception_unpaired: pd.DataFrame = table(
        _METAPERCEPTION, "The same on everyone who answered each phase (a labelled extra).")
    groups_map: pd.DataFrame = table(
        "participant_id, pc1, pc2, group",
        "Opinion groups: each participant's position on two principal components and group.")
    groups_items: pd.DataFrame = table(
        "group, item, n, agree, disagree, agree_rest, difference, representative, consensus",
        "Opinion groups: agreement with each item per group, against the rest.")
    groups_choice: pd.DataFrame = table(
        "k, silhouette, gap, gap_se",
        "Opinion groups: mean silhouette and the gap statistic (Tibshirani et al. 2001) for "
        "one group and each number of groups tried.")
    groups_verdict: pd.DataFrame = table(
        "verdict, k, k_gap, k_silhouette, silhouette",
        "Opinion groups: one row, ``clear groups`` when the gap statistic finds two or more "
        "groups (then ``k`` is its number), else ``no clear groups`` (the map's best-"
        "silhouette split is shown, not as groups).")
    groups_explained: pd.DataFrame = table(
        "component, share",
        "Opinion groups: share of variance of each principal component.")

    # -- free text
    text_counts: pd.DataFrame = table(
        "item, language, n",
        "Free-text answers per item and language.")
    text_themes: pd.DataFrame = table(
        "item, language, theme, terms, n",
        "Themes of the free-text answers, per item and language.")
    text_shares: pd.DataFrame = table(
        "item, language, theme, arm, n, share",
        "Share of each theme per arm.")
    text_examples: pd.DataFrame = table(
        "item, language, theme, text",
        "Example answers of each theme.")

    # -- the argument exchange (analysis/exchange/; empty without exchange files)
    exchange_flow: pd.DataFrame = table(
        "stage, n",
        "Exchange statements written, moderated (by status and rejection reason), in the "
        "frozen set, rated and scored.")
    exchange_scores: pd.DataFrame = table(
        "statement, intercept, slope_<anchor>, n_ratings, bridging, lower, p_<group>, "
        "se_<group>, spread, n_<group>, status, se_bridging, proposal, side, language, seed, "
        "text",
        "One row per rated argument: the bridging model's scores (``p_<group>``: predicted "
        "fairness in each opinion group; ``n_<group>``: its ratings from that group; "
        "``se_bridging``: the SE of the least convinced group's), with the statement.")
    exchange_centres: pd.DataFrame = table(
        "group, <anchor>, n",
        "Opinion groups of the raters: centre on each anchor dimension and raters.")
    exchange_effects: pd.DataFrame = table(
        "item, estimate, se, ci_low, ci_high, p, p_holm, n_peers, n_placebo, blocks, wave",
        "Peers' arguments vs placebo statements on each outcome (ANCOVA on the before "
        "answer, HC2; Holm over the outcomes), at ``post`` and ``followup``; live pools add "
        "a fixed effect per pool snapshot (column ``blocks``).")
    exchange_effects_by_arm: pd.DataFrame = table(
        "item, briefing, estimate, se, ci_low, ci_high, p, p_holm, n_peers, n_placebo, "
        "blocks",
        "The same within each briefing (twin arms pooled: ``accord`` and ``accord_peers``; "
        "Holm within each briefing).")
    exchange_selection_effects: pd.DataFrame = table(
        "item, estimate, se, ci_low, ci_high, p, p_holm, n_bridging, n_random, wave",
        "Bridging-selected vs random peers (only when the exposures show both selections).")
    exchange_effects_by_group: pd.DataFrame = table(
        "item, opinion_group, estimate, se, ci_low, ci_high, p, p_holm, n_peers, n_placebo, "
        "blocks",
        "The same within each opinion group of the anchors (Holm within each group).")
    exchange_feedback_effects: pd.DataFrame = table(
        "item, estimate, se, ci_low, ci_high, p, p_holm, n_feedback_first, n_feedback_last",
        "The follow-up's feedback page before vs after the re-asked questions, on the "
        "follow-up answers (ANCOVA on the before answer, HC2; Holm over the outcomes).")
    exchange_statement_effects: pd.DataFrame = table(
        "statement, n_exposed, estimate, se, p, q, shrunk, shrunk_se, tau",
        "Each frozen-set statement's own effect on the first outcome (HC2, "
        "Benjamini-Hochberg ``q``, empirical-Bayes ``shrunk``).")
    exchange_diagnostics: pd.DataFrame = table(
        "quantity, value",
        "The bridging model's diagnostics: ratings, raters, sigma, edf, convergence, "
        "ratings per statement and group.")
    exchange_checks: pd.DataFrame = table(
        "check, value, note",
        "Checks beside the bridging scores: Pol.is consensus, the learned factor, split-half "
        "reliability, bootstrap SE calibration.")
    exchange_moderation: pd.DataFrame = table(
        "by, level, decided, rejected, rate",
        "Rejection rates of participants' statements by language and by the author's "
        "opinion group (when authors are exported).")
    exchange_moderation_tests: pd.DataFrame = table(
        "test, statistic, df, p, n, note",
        "Chi-square tests of equal rejection rates, and Cohen's kappa of the blind second "
        "coding.")
    exchange_dri: pd.DataFrame = table(
        "phase, by, group, n, dri, pairs, sampled",
        "Deliberative Reason Index (Niemeyer et al.) before and after: overall, by exchange "
        "condition and by briefing arm; pairs sampled above 5,000 participants.")
    exchange_pairwise: pd.DataFrame = table(
        "statement, proposal, bridging_rank, schulze_rank, strength, slope_<anchor>, n_pairs, "
        "wins",
        "Per proposal: each statement's rank by bridging and by Schulze over the opinion "
        "groups' rankings, and its Bradley-Terry strength from the pairwise choices.")
    exchange_sensitivity: pd.DataFrame = table(
        "lam, spearman_vs_5, mean_bridging, n_bridging",
        "Bridging scores under the statement penalties 2, 5 and 10.")

    # -- checks: balance, attention, reading, the briefings' questions
    balance: pd.DataFrame = table(
        "variable, level, arm, n_arm, n_reference, value_arm, value_reference, smd, "
        "imbalanced",
        "Standardised differences of the profile and before answers, each arm against the "
        "reference (control) arm; ``imbalanced`` by the one balance rule, |d| > 0.1 "
        "(``analysis.balance.BALANCE_RULE``). Described, not tested.")
    attention_by_arm: pd.DataFrame = table(
        "arm, phase, n, failed",
        "Share failing the attention checks, per arm and phase.")
    reading_speed: pd.DataFrame = table(
        "module, arm, n, words, median_seconds, median_wpm, share_too_fast",
        "Reading speed of each briefing (from ``pages.csv``), per module and arm.")
    module_questions: pd.DataFrame = table(
        "item, module, arm, n, mean, sd",
        "The questions asked about each briefing, per module and arm.")

    @classmethod
    def table_names(cls) -> tuple[str, ...]:
        """The names of the tables, in the order of the class."""
        return tuple(f.name for f in fields(cls) if f.metadata.get("table"))

    @classmethod
    def table_columns(cls, name: str) -> list[str]:
        """The columns a table is documented to have."""
        meta = next(f.metadata for f in fields(cls) if f.name == name)
        return [c.strip() for c in meta["columns"].split(",")]

    @property
    def tables(self) -> Mapping[str, pd.DataFrame]:
        """Read-only mapping of table name to table (the former dict interface)."""
        return types.MappingProxyType({n: getattr(self, n) for n in self.table_names()})

    def __getitem__(self, name: str) -> pd.DataFrame:
        """``res["shifts"]``: the table of that name (kept for backwards compatibility)."""
        if name not in self.table_names():
            raise KeyError(name)
        return getattr(self, name)

    def analysed_per_arm(self) -> dict[str, int]:
        """Analysed participants per arm, every arm of the design (0 when none)."""
        p = self.export.participants
        counts = p.loc[isin_ids(p["participant_id"], self.analysed), "arm"].value_counts()
        return {a: int(counts.get(a, 0)) for a in self.export.arms}

    def flow_counts(self) -> dict[str, int]:
        """The flow diagram's totals (:attr:`consort`): started (consented), allocated,
        completed, kept (completed or broke off: answers kept), excluded (by the rules),
        analysed."""
        c = self.consort
        total = (c[c["arm"] == "total"].set_index("box")["n"] if not c.empty
                 else pd.Series(dtype="int64"))

        def n(box: str) -> int:
            return int(total.get(box, 0))

        excluded = int(total[total.index.str.startswith("excluded: ")].sum())
        return {"started": n("consented"), "allocated": n("allocated"),
                "completed": n("completed"), "kept": n("completed") + n("broke off"),
                "excluded": excluded, "analysed": n("analysed")}

    def kish_n(self) -> float:
        """Kish effective sample size of the analysed sample (n when unweighted)."""
        ws = self.weights_summary
        if not ws.empty:
            return float(ws["n_eff"].iloc[0])
        return float(self.analysed.nunique())

    def weights_used(self) -> str:
        """How the analysis weights, in words."""
        ws = self.weights_summary
        if not ws.empty:
            return f"raking weights to the margins of {ws['variables'].iloc[0]}"
        return "unweighted, so equal to n"


def _tables_doc() -> str:
    lines = ["", "    Tables", "    ------"]
    for f in fields(Results):
        if f.metadata.get("table"):
            lines += [f"    {f.name} : DataFrame", f"        {f.metadata['doc']}",
                      f"        Columns: ``{f.metadata['columns']}``."]
    return "\n".join(lines) + "\n"


Results.__doc__ += _tables_doc()
