"""The whole analysis of one export as a dict of DataFrames (what the report shows).

:func:`analyse_export` runs every analysis with explicit, recorded options;
:mod:`analysis.report` only formats its result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from analysis import (
    balance,
    constructs,
    flow,
    followup,
    groups,
    ordinal,
    perception,
    polarisation,
    power,
    quality,
    rankings,
    reading,
    themes,
)
from analysis.effects import ancova, diff_in_diff
from analysis.load import Export, load_export
from analysis.multiplicity import adjust_pvalues
from analysis.plan import deviations, parse_plan, plan_from_primary
from analysis.shifts import paired_shifts
from analysis.tidy import clean_values, pairs, profile_table
from analysis.validate import as_text_columns, isin_ids
from analysis.weights import kish, rake, read_margins

__all__ = ["Options", "Results", "analyse_export", "STEPS"]


@dataclass(frozen=True)
class Options:
    """Every choice the analysis makes; the report prints them all.

    Attributes
    ----------
    exclusions : tuple of str
        Exclusion rules (see :data:`analysis.quality.RULES`).
    speed_fraction : float
        Speed-index threshold for ``speeder``.
    straightline_min_items : int
        Minimum Likert answers in a phase for ``straightliner``.
    margins : str or None
        CSV of population margins (``variable, level, share``) for raking;
        ``None``: unweighted.
    family : str
        Multiplicity family when the manifest has no preregistration:
        ``"all"`` (every ANCOVA test of every item and arm is one family) or
        ``"item"`` (one family per item).
    level : float
        Confidence level.
    n_boot : int
        Bootstrap resamples for BCa intervals.
    zero_method : str
        Wilcoxon zero handling.
    support_threshold : float or None
        Answer at or above which a Likert answer counts as support (McNemar,
        meta-perception); ``None``: the first point above the midpoint.
    subgroup : str or None
        Participant column (or profile item) for subgroup shifts.
    seed : int
        Seed for the bootstrap and k-means.
    min_cell : int
        Minimum cell size: the report shows "too few participants" instead of
        an estimate from fewer (default 10, see ``analysis.report.html.MIN_CELL``).
    pretreatment_checks : bool
        Exclusion rules look only at answers given before the treatment
        (phases ``profile`` and ``pre``), as Montgomery, Nyhan and Torres
        (2018) advise; ``False`` uses every phase.
    plan : dict or None
        Analysis plan (``analysis.plan.load_plan``); ``None``: the export's
        ``preregistration``, if any.
    """

    exclusions: tuple[str, ...] = ("speeder", "failed_attention")
    speed_fraction: float = 0.4
    straightline_min_items: int = 6
    margins: str | None = None
    family: str = "all"
    level: float = 0.95
    n_boot: int = 2000
    zero_method: str = "wilcox"
    support_threshold: float | None = None
    subgroup: str | None = None
    seed: int = 0
    min_cell: int = 10
    plan: dict | None = None
    pretreatment_checks: bool = True


@dataclass
class Results:
    """Output of :func:`analyse_export`: the export, the options and named tables."""

    export: Export
    options: Options
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    #: participant ids left after the exclusion rules (and with a weight, if weighted)
    kept: pd.Series = field(default_factory=lambda: pd.Series(dtype="str"))
    #: participant ids with at least one complete before/after pair (the analysed sample)
    analysed: pd.Series = field(default_factory=lambda: pd.Series(dtype="str"))

    def __getitem__(self, key: str) -> pd.DataFrame:
        return self.tables[key]

    #: the analysis plan followed (see :func:`resolve_plan`), or None
    plan: dict | None = None
    #: ways the analysis departs from the plan, in words
    deviations: list[str] = field(default_factory=list)

    def analysed_per_arm(self) -> dict[str, int]:
        """Analysed participants per arm, every arm of the design (0 when none)."""
        p = self.export.participants
        counts = p.loc[isin_ids(p["participant_id"], self.analysed), "arm"].value_counts()
        return {a: int(counts.get(a, 0)) for a in self.export.arms}

    def flow_counts(self) -> dict[str, int]:
        """started, completed, excluded, analysed (whole sample)."""
        p = self.export.participants
        ex = self.tables.get("exclusions")
        excluded = int(ex.set_index("rule").loc["any", "flagged"]) if ex is not None else 0
        return {"started": len(p), "completed": int((p["status"] == "completed").sum()),
                "excluded": excluded, "analysed": int(self.analysed.nunique())}

    def kish_n(self) -> float:
        """Kish effective sample size of the analysed sample (n when unweighted)."""
        ws = self.tables.get("weights_summary")
        if ws is not None and not ws.empty:
            return float(ws["n_eff"].iloc[0])
        return float(self.analysed.nunique())

    def weights_used(self) -> str:
        ws = self.tables.get("weights_summary")
        if ws is not None and not ws.empty:
            return f"raking weights to the margins of {ws['variables'].iloc[0]}"
        return "unweighted, so equal to n"


def _threshold(items: pd.DataFrame, item: str, opt: float | None) -> float:
    if opt is not None:
        return opt
    row = items.set_index("item").loc[item]
    return float(np.floor((row["scale_min"] + row["scale_max"]) / 2) + 1)


@dataclass
class _Run:
    """What the steps share: the export, the options, the results and the sample kept."""

    ex: Export
    opt: Options
    res: Results
    kept: pd.Series = None
    weights: pd.Series | None = None
    wcol: str | None = None
    pp: pd.DataFrame = None
    clean: pd.DataFrame = None

    @property
    def t(self) -> dict[str, pd.DataFrame]:
        return self.res.tables

    def with_w(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with the participant's weight (participants without one dropped)."""
        if self.weights is None:
            return frame
        weight = self.weights.reindex(frame["participant_id"].to_numpy()).to_numpy()
        return frame.assign(weight=weight).dropna(subset=["weight"])


def analyse_export(export: Export | str | Path, options: Options | None = None,
                   **kwargs) -> Results:
    """Run the full analysis: every step of :data:`STEPS`, in order.

    Parameters
    ----------
    export : Export or path
        A loaded export or a path for :func:`analysis.load.load_export`.
    options : Options, optional
        All choices; keyword arguments override single fields
        (``analyse_export(path, n_boot=500)``).

    Returns
    -------
    Results
        ``tables`` holds: ``funnel``, ``flags``, ``exclusions``, ``time_on_page``,
        ``weights_summary``, ``shifts``, ``subgroup_shifts``, ``ancova``, ``did``,
        ``stuart_maxwell``, ``mcnemar``, ``likert_shares``, ``alpha``,
        ``construct_shifts``, ``knowledge_shifts``, ``knowledge_ancova``,
        ``polarisation``, ``ranking_options``, ``ranking_groups``,
        ``metaperception``, ``groups_map``, ``groups_items``, ``groups_choice``,
        and the tables the later steps add (see :data:`STEPS`).
    """
    public = export if isinstance(export, Export) else load_export(export)
    ex = public.keyed()  # categorical keys inside; the tables come out with text columns
    opt = options or Options()
    if kwargs:
        opt = Options(**{**opt.__dict__, **kwargs})
    run = _Run(ex, opt, Results(public, opt))
    run.res.plan = resolve_plan(ex, opt)
    # One BLAS/OpenMP thread: the steps do thousands of small products (a dot of
    # 25,000 values, a 40-column regression), where a second thread only adds
    # hand-over and spin-waiting; on a shared 2-core machine OpenBLAS's threads made
    # bimodality_coefficient 40 times slower (3.0 s instead of 0.08 s for 72 groups).
    with threadpool_limits(limits=1):
        for name, step in STEPS:
            if name not in ALWAYS and (run.pp is None or run.pp.empty):
                continue  # nothing to analyse: the report says so, from the empty tables
            step(run)
    if run.pp is not None and run.pp.empty:
        run.res.notes.append("No analysed participant has answered an item before and after: "
                             "there are no shifts or effects to report.")
    run.res.tables = {k: as_text_columns(v) for k, v in run.res.tables.items()}
    run.res.kept = _as_text(run.res.kept)
    run.res.analysed = _as_text(run.res.analysed)
    return run.res


def _as_text(s: pd.Series) -> pd.Series:
    return s.astype("str") if isinstance(s.dtype, pd.CategoricalDtype) else s


def resolve_plan(ex: Export, opt: Options) -> dict | None:
    """The plan to follow: ``Options.plan``, else the plan frozen in the export
    (``manifest.plan``), else the minimal plan of ``manifest.preregistration``."""
    if opt.plan:
        return opt.plan
    stored = ex.manifest.get("plan") or {}
    if stored.get("text"):
        return parse_plan(stored["text"], "manifest.json plan")
    prereg = ex.preregistration or {}
    if prereg.get("primary_items"):
        return {**plan_from_primary(prereg["primary_items"]), "frozen_as": "preregistration"}
    return None


def _confirmatory_mask(anc: pd.DataFrame, plan: dict | None, control: str) -> pd.Series:
    if not plan:
        return pd.Series(False, index=anc.index)
    mask = pd.Series(False, index=anc.index)
    for h in plan["hypotheses"]:
        mask |= (anc["item"] == h["item"]) & ((anc["arm"] == h["arm"]) | (h["arm"] == "*"))
    return mask & (anc["arm"] != control)


def _plan(run: _Run) -> None:
    """Confirmatory tests as planned (correction, direction), deviations, power reached."""
    plan, t, ex, opt = run.res.plan, run.t, run.ex, run.opt
    if not plan:
        t["power"] = pd.DataFrame()
        return
    frozen = ex.manifest.get("plan")
    if plan.get("frozen_as") == "preregistration":
        frozen = {"sha256": plan["sha256"]}  # stored with the campaign at creation
    analysed_arms = [a for a, n in run.res.analysed_per_arm().items() if n]
    items = list(pd.unique(run.pp["item"])) if run.pp is not None else []
    run.res.deviations = deviations(
        plan, exclusions=opt.exclusions, pretreatment_only=opt.pretreatment_checks,
        weighted=run.weights is not None, frozen=frozen, items=items, arms=analysed_arms)
    anc = t.get("ancova", pd.DataFrame())
    if anc.empty:
        t["power"] = pd.DataFrame()
        return
    conf = anc[anc["confirmatory"]]
    k = max(len(conf), 1)
    column = {"holm": "p_holm", "bh": "p_bh"}.get(plan["correction"])
    p_plan = conf[column] if column else np.minimum(conf["p"] * k, 1.0)
    anc.loc[conf.index, "p_plan"] = p_plan
    sign = np.sign(conf["estimate"])
    want = conf.apply(lambda r: next((h["direction"] for h in plan["hypotheses"]
                                      if h["item"] == r["item"]
                                      and h["arm"] in (r["arm"], "*")), "any"), axis=1)
    ok = (p_plan < plan["alpha"]) & ((want == "any") | ((want == "increase") & (sign > 0))
                                    | ((want == "decrease") & (sign < 0)))
    anc.loc[conf.index, "direction"] = want
    anc.loc[conf.index, "supported"] = ok
    t["ancova"] = anc
    alpha = plan["alpha"] / k if plan["correction"] in ("holm", "bonferroni") else plan["alpha"]
    rho = run.pp.groupby("item")[["pre", "post"]].apply(
        lambda d: d["pre"].corr(d["post"]) if len(d) > 2 else np.nan)
    rows = []
    for r in conf.itertuples(index=False):
        r_obs = rho.get(r.item, np.nan)
        corr = float(r_obs) if np.isfinite(r_obs) and abs(r_obs) < 0.99 else plan["correlation"]
        rows.append({"item": r.item, "arm": r.arm, "n_arm": r.n_arm, "n_control": r.n_control,
                     "minimum_effect": plan["minimum_effect"], "correlation": corr,
                     "alpha": alpha,
                     "power": power.ancova_power(r.n_arm, r.n_control, plan["minimum_effect"],
                                                 corr, alpha)})
    t["power"] = pd.DataFrame(rows)


def _quality(run: _Run) -> None:
    ex, opt, t = run.ex, run.opt, run.t
    t["funnel"] = quality.funnel(ex)
    flags = quality.quality_flags(ex, opt.speed_fraction, opt.straightline_min_items,
                                  phases=PRE_TREATMENT if opt.pretreatment_checks else None)
    t["flags"] = flags
    run.kept, t["exclusions"] = quality.apply_exclusions(flags, opt.exclusions)
    run.res.kept = run.kept
    t["time_on_page"] = quality.time_on_page(ex)
    if ex.answers["seconds_on_page"].isna().all():
        run.res.notes.append("The export has no times on page (for example it was read from a "
                             "wide file without answers.csv): time on page is not shown and the "
                             "speeder rule flags no one.")


def _weights(run: _Run) -> None:
    opt, t = run.opt, run.t
    if not opt.margins:
        t["weights_summary"] = pd.DataFrame()
        return
    prof = profile_table(run.ex)
    margins = read_margins(opt.margins)
    frame = prof[isin_ids(prof["participant_id"], run.kept)]
    vars_ = list(pd.unique(margins["variable"]))
    usable = frame.dropna(subset=vars_)
    w = rake(usable, margins)
    weights = pd.Series(w.to_numpy(), index=usable["participant_id"].to_numpy())
    dropped = len(frame) - len(usable)
    if dropped:
        run.res.notes.append(f"{dropped} included participants lack a raking variable "
                             f"({', '.join(vars_)}) and get no weight (left out of weighted "
                             "estimates).")
    run.kept = run.res.kept = pd.Series(weights.index)
    k = kish(weights.to_numpy())
    t["weights_summary"] = pd.DataFrame([{**k, "min": weights.min(), "max": weights.max(),
                                          "variables": ", ".join(vars_)}])
    run.weights, run.wcol = weights, "weight"


def _shifts(run: _Run) -> None:
    ex, opt, t = run.ex, run.opt, run.t
    run.pp = run.with_w(pairs(ex, participants=run.kept,
                              by=[opt.subgroup] if opt.subgroup else ()))
    run.res.analysed = pd.Series(pd.unique(run.pp["participant_id"]))
    shifts = paired_shifts(run.pp, weights=run.wcol, level=opt.level,
                           zero_method=opt.zero_method, n_boot=opt.n_boot, seed=opt.seed)
    shifts = adjust_pvalues(shifts, "p_t", family=None if opt.family == "all" else "item")
    t["shifts"] = _order_arms(shifts, ex)
    if opt.subgroup:
        sub = run.pp.dropna(subset=[opt.subgroup])
        ss = paired_shifts(sub, by=("item", "arm", opt.subgroup), weights=run.wcol,
                           level=opt.level, zero_method=opt.zero_method, n_boot=0)
        # Benjamini-Hochberg over every subgroup test: many small tests, an FDR family
        t["subgroup_shifts"] = adjust_pvalues(ss, "p_t", family=None)
        control = ex.control_arm
        if control and (sub["arm"] == control).any() and sub["arm"].nunique() > 1:
            se = diff_in_diff(sub, control=control, by=("item", opt.subgroup),
                              weights=run.wcol, level=opt.level)
            t["subgroup_effects"] = adjust_pvalues(se, "p", family=None)
        else:
            t["subgroup_effects"] = pd.DataFrame()
    else:
        t["subgroup_shifts"] = t["subgroup_effects"] = pd.DataFrame()


def _effects(run: _Run) -> None:
    ex, opt, t = run.ex, run.opt, run.t
    control, pp = ex.control_arm, run.pp
    if not (control and (pp["arm"] == control).any() and pp["arm"].nunique() > 1):
        t["ancova"] = t["did"] = pd.DataFrame()
        run.res.notes.append(
            "No control arm in the design: effects against control are not computed."
            if not control else
            f"No participant of the control arm ({control}) and at least one other arm has "
            "complete before/after answers: effects against control are not computed.")
        return
    anc = ancova(pp, control=control, weights=run.wcol, level=opt.level)
    did = diff_in_diff(pp, control=control, weights=run.wcol, level=opt.level)
    prereg = run.res.plan or {}
    primary = set(prereg.get("primary_items") or [])
    anc["confirmatory"] = _confirmatory_mask(anc, run.res.plan, control)
    if primary:
        anc["family"] = np.where(anc["confirmatory"], prereg.get("family") or "primary",
                                 "exploratory")
        anc = adjust_pvalues(anc, "p", family="family")
    else:
        anc = adjust_pvalues(anc, "p", family=None if opt.family == "all" else "item")
    did = adjust_pvalues(did, "p", family=None if opt.family == "all" else "item")
    t["ancova"] = _order_arms(anc, ex)
    t["did"] = _order_arms(did, ex)


def _ordinal(run: _Run) -> None:
    ex, opt, t, items, pp = run.ex, run.opt, run.t, run.ex.items, run.pp
    # labelled-point scales (Likert): a quantity whose every point is an option
    likert = items.loc[items["numeric"] & (items["option_ids"].map(len) > 0) & items["phases"].map(
        lambda ph: "pre" in ph and "post" in ph), "item"].tolist()
    lp = pp[pp["item"].isin(likert)]
    t["stuart_maxwell"] = _order_arms(ordinal.stuart_maxwell(lp), ex)
    mcn = []
    for item in likert:
        thr = _threshold(items, item, opt.support_threshold)
        mcn.append(ordinal.mcnemar_support(lp[lp["item"] == item], threshold=thr).assign(
            threshold=thr))
    t["mcnemar"] = _order_arms(pd.concat(mcn, ignore_index=True), ex) if mcn else pd.DataFrame()
    run.clean = _kept_clean(run)
    lk = run.clean[run.clean["item"].isin(likert) & run.clean["phase"].isin(["pre", "post"])]
    t["likert_shares"] = ordinal.category_shares(run.with_w(lk), weights=run.wcol)


#: the answer columns the steps after "ordinal" read from the cleaned answers
CLEAN_COLUMNS = ["participant_id", "arm", "phase", "module", "item", "value"]


def _kept_clean(run: _Run) -> pd.DataFrame:
    """Cleaned answers of the kept participants, only the columns the steps read
    (text, page and times would be copied by every filter for nothing)."""
    clean = clean_values(run.ex)
    return clean.loc[clean["participant_id"].isin(run.kept), CLEAN_COLUMNS]


def _constructs(run: _Run) -> None:
    ex, opt, t, items, kept = run.ex, run.opt, run.t, run.ex.items, run.kept
    control = ex.control_arm
    cs = constructs.construct_scores(ex)
    cs = cs[cs["participant_id"].isin(kept)]
    members = items[["item", "construct"]].dropna()
    rev = clean_values(ex, reverse=True)
    # the rows and columns alpha reads, before the merge copies them
    rev = rev.loc[rev["item"].isin(members["item"]) & rev["phase"].isin(["pre", "post"])
                  & rev["participant_id"].isin(kept),
                  ["participant_id", "arm", "phase", "item", "value"]].merge(members, on="item")
    t["alpha"] = constructs.cronbach_alpha(rev, by=("construct", "phase"))
    t["construct_shifts"] = _long_pairs_shifts(cs.rename(columns={"construct": "item",
                                                                  "score": "value"}), opt,
                                               run.with_w)
    cpairs = _wide(cs.rename(columns={"construct": "item", "score": "value"}))
    t["construct_did"] = _did_or_empty(run, cpairs)
    ki = constructs.knowledge_index(ex)
    ki = ki[ki["participant_id"].isin(kept)].assign(item="knowledge_index").rename(
        columns={"index": "value"})
    t["knowledge_shifts"] = _long_pairs_shifts(ki, opt, run.with_w)
    kpairs = _wide(ki)
    has_control = bool(control) and (kpairs["arm"] == control).any() and kpairs["arm"].nunique() > 1
    t["knowledge_ancova"] = (ancova(run.with_w(kpairs), control=control, weights=run.wcol,
                                    level=opt.level) if has_control else pd.DataFrame())
    t["knowledge_did"] = _did_or_empty(run, kpairs)


def _did_or_empty(run: _Run, wide: pd.DataFrame) -> pd.DataFrame:
    control = run.ex.control_arm
    if wide.empty or not control or not (wide["arm"] == control).any() or wide["arm"].nunique() < 2:
        return pd.DataFrame()
    did = diff_in_diff(run.with_w(wide), control=control, weights=run.wcol, level=run.opt.level)
    return adjust_pvalues(did, "p", family=None)


def _polarisation(run: _Run) -> None:
    items = run.ex.items
    numeric = items.loc[items["numeric"] & items["attitude"], "item"]
    clean = run.clean
    pol_in = clean[clean["item"].isin(numeric) & clean["phase"].isin(["pre", "post"])]
    run.t["polarisation"] = polarisation.polarisation_measures(
        run.with_w(pol_in), by=("item", "phase"), scale=items, weights=run.wcol)


def _rankings(run: _Run) -> None:
    ex, items = run.ex, run.ex.items
    rk = items[items["text_coding"] == "ranked_option_ids"]
    ro, rg = [], []
    for _, row in rk.iterrows():
        a = ex.answers
        a = a[(a["item"] == row["item"]) & a["participant_id"].isin(run.kept)
              & a["phase"].isin(["pre", "post"])]
        if a.empty:
            continue
        o, g = rankings.ranking_summary(run.with_w(a), list(row["option_ids"]),
                                        by=("phase", "arm"), weights=run.wcol)
        ro.append(o.assign(item=row["item"]))
        rg.append(g.assign(item=row["item"]))
    run.t["ranking_options"] = pd.concat(ro, ignore_index=True) if ro else pd.DataFrame()
    run.t["ranking_groups"] = pd.concat(rg, ignore_index=True) if rg else pd.DataFrame()


def _metaperception(run: _Run) -> None:
    items, opt, clean = run.ex.items, run.opt, run.clean
    mp = []
    estimate_rows = items.loc[items["role"] == "estimate", ["item", "estimates"]]
    for est, named in estimate_rows.itertuples(index=False):
        # The codebook names the estimated item (format 1.1); older exports
        # fall back to the naming rule estimate_<item>.
        target = named if isinstance(named, str) else est.removeprefix("estimate_")
        if target not in set(items["item"]):
            run.res.notes.append(f"Estimate item {est!r}: no item {target!r} to compare with "
                                 "(give the item 'estimates = \"<item id>\"' in the survey).")
            continue
        thr = _threshold(items, target, opt.support_threshold)
        e = clean[(clean["item"] == est) & clean["phase"].isin(["pre", "post"])]
        s = clean[(clean["item"] == target) & clean["phase"].isin(["pre", "post"])]
        if e.empty or s.empty:
            continue
        mp.append(perception.metaperception_gap(run.with_w(e), run.with_w(s), thr,
                                                by=("phase",), weights=run.wcol).assign(
            item=est, compared_with=target, threshold=thr))
    run.t["metaperception"] = pd.concat(mp, ignore_index=True) if mp else pd.DataFrame()


def _groups(run: _Run) -> None:
    items, clean, t = run.ex.items, run.clean, run.t
    # labelled-point scales (Likert): a quantity whose every point is an option
    likert = items.loc[items["numeric"] & (items["option_ids"].map(len) > 0) & items["phases"].map(
        lambda ph: "pre" in ph and "post" in ph), "item"]
    post = clean[(clean["phase"] == "post") & clean["item"].isin(likert)]
    try:
        og = groups.opinion_groups(post, items, seed=run.opt.seed)
        t["groups_map"], t["groups_items"] = og["map"], og["items"]
        t["groups_choice"], t["groups_explained"] = og["choice"], og["explained"]
    except ValueError as exc:
        run.res.notes.append(f"Opinion groups not computed: {exc}.")
        t["groups_map"] = t["groups_items"] = t["groups_choice"] = pd.DataFrame()
        t["groups_explained"] = pd.DataFrame()


#: The analysis as named steps, run in order; each reads and adds tables of
#: :class:`Results`. A new analysis is a function ``step(run)`` added here
#: (and a report section that shows its tables, see ``analysis/report/``).
#: phases answered before the treatment (the briefing)
PRE_TREATMENT = ("profile", "pre")


def _flow(run: _Run) -> None:
    t = run.t
    t["flow"] = flow.participant_flow(run.ex, t["flags"], run.opt.exclusions, run.res.analysed)
    t["rates"] = flow.outcome_rates(t["flow"])


def _checks(run: _Run) -> None:
    """Balance before treatment, attention by arm, per-briefing questions by arm."""
    ex, t, items = run.ex, run.t, run.ex.items
    kept = run.kept
    reference = ex.control_arm or (ex.arms[0] if ex.arms else None)
    prof = profile_table(ex)
    prof = prof[isin_ids(prof["participant_id"], kept)]
    clean = run.clean if run.clean is not None else _kept_clean(run)
    info = items.set_index("item")
    profile_items = [i for i in items["item"] if "profile" in info.loc[i, "phases"]
                     and i in prof.columns]
    numeric = [i for i in profile_items if info.loc[i, "numeric"]]
    categorical = [i for i in profile_items if info.loc[i, "value_coding"] == "code"]
    pre = clean[(clean["phase"] == "pre") & clean["item"].isin(
        items.loc[items["numeric"], "item"])]
    pre_wide = pre.pivot_table(index="participant_id", columns="item", values="value",
                               aggfunc="first").add_prefix("before: ")
    frame = prof.merge(pre_wide, left_on="participant_id", right_index=True, how="left")
    t["balance"] = (balance.standardised_differences(
        frame, "arm", reference, numeric=[*numeric, *pre_wide.columns],
        categorical=["language", *categorical]) if reference else pd.DataFrame())
    # attention checks by arm and phase (all phases: shown, not used to exclude post ones)
    att = items.loc[items["role"] == "attention", ["item", "correct"]]
    a = ex.answers[ex.answers["item"].isin(att["item"])].merge(att, on="item")
    if a.empty:
        t["attention_by_arm"] = pd.DataFrame()
    else:
        failed = (a["value"] != a["correct"]).groupby(
            [a["arm"], a["phase"], a["participant_id"]]).any()
        g = failed.groupby(level=[0, 1])
        t["attention_by_arm"] = pd.DataFrame({"n": g.size(), "failed": g.mean()}).reset_index()
    # reading speed of each briefing (words per minute), when pages.csv is there
    pages = reading.read_pages(ex.source) if ex.source else None
    speed = reading.reading_speed(pages, ex.participants, ex.codebook)
    speed = (speed[isin_ids(speed["participant_id"], run.res.analysed)] if not speed.empty
             else speed)
    t["reading_speed"] = (speed.groupby(["module", "arm"], sort=False).agg(
        n=("wpm", "size"), words=("words", "median"), median_seconds=("seconds", "median"),
        median_wpm=("wpm", "median"), share_too_fast=("too_fast", "mean")).reset_index()
        if not speed.empty else pd.DataFrame())
    if pages is None:
        run.res.notes.append("The export has no pages.csv: reading times are not shown.")
    # questions asked about each briefing (phase module), by arm and module
    mod = clean[(clean["phase"] == "module") & clean["item"].isin(
        items.loc[items["numeric"], "item"])].dropna(subset=["value"])
    if mod.empty:
        t["module_questions"] = pd.DataFrame()
    else:
        g = mod.groupby(["item", "module", "arm"], sort=False)["value"]
        t["module_questions"] = g.agg(n="count", mean="mean", sd="std").reset_index()


def _freetext(run: _Run) -> None:
    """Themes of the free-text answers, per language, with shares by arm."""
    ex, t = run.ex, run.t
    text_items = ex.items.loc[ex.items["text_coding"] == "free_text", "item"]
    a = ex.answers[ex.answers["item"].isin(text_items) & ex.answers["participant_id"].isin(
        run.kept)]
    if a.empty:
        t["text_themes"] = t["text_shares"] = t["text_examples"] = pd.DataFrame()
        t["text_counts"] = pd.DataFrame()
        return
    lang = ex.participants.set_index("participant_id")["language"]
    a = a.assign(language=a["participant_id"].map(lang))[
        ["participant_id", "arm", "language", "item", "text"]]
    t["text_counts"] = (a.dropna(subset=["text"]).groupby(["item", "language"]).size()
                        .rename("n").reset_index())
    t["text_themes"], t["text_shares"], t["text_examples"] = themes.text_themes(
        a, min_answers=max(run.opt.min_cell, 4), seed=run.opt.seed)


def _followup(run: _Run) -> None:
    """Persistence of the shift at the follow-up wave, when the export has one."""
    ex, t = run.ex, run.t
    numeric = ex.items.loc[ex.items["numeric"], "item"]
    a = ex.answers
    if not (a["phase"] == "followup").any():
        t["followup"] = pd.DataFrame()
        return
    c = clean_values(ex)
    c = c[c["participant_id"].isin(run.kept) & c["item"].isin(numeric)
          & c["phase"].isin(["pre", "post", "followup"])]
    w = c.pivot_table(index=["participant_id", "arm", "item"], columns="phase", values="value",
                      aggfunc="first").reset_index()
    w.columns.name = None
    if not {"pre", "post", "followup"} <= set(w.columns):
        t["followup"] = pd.DataFrame()
        return
    w = w.dropna(subset=["pre", "post", "followup"])
    t["followup"] = (_order_arms(followup.persistence(w, ex.control_arm, run.opt.level), ex)
                     if not w.empty else pd.DataFrame())


#: steps that run even when no participant has a complete before/after pair
ALWAYS = ("quality", "weights", "shifts", "flow", "checks")
STEPS: list[tuple[str, object]] = [
    ("quality", _quality),
    ("weights", _weights),
    ("shifts", _shifts),
    ("effects", _effects),
    ("plan", _plan),
    ("ordinal", _ordinal),
    ("constructs", _constructs),
    ("polarisation", _polarisation),
    ("rankings", _rankings),
    ("metaperception", _metaperception),
    ("groups", _groups),
    ("freetext", _freetext),
    ("followup", _followup),
    ("flow", _flow),
    ("checks", _checks),
]


def _wide(long: pd.DataFrame) -> pd.DataFrame:
    if long.empty:
        return pd.DataFrame(columns=["participant_id", "arm", "item", "pre", "post"])
    w = long[long["phase"].isin(["pre", "post"])].pivot_table(
        index=["participant_id", "arm", "item"], columns="phase", values="value",
        aggfunc="first").reset_index()
    w.columns.name = None
    for c in ("pre", "post"):
        if c not in w.columns:
            w[c] = np.nan
    return w.dropna(subset=["pre", "post"])


def _long_pairs_shifts(long: pd.DataFrame, opt: Options, with_w) -> pd.DataFrame:
    w = _wide(long)
    if w.empty:
        return pd.DataFrame()
    return paired_shifts(with_w(w), weights="weight" if opt.margins else None, level=opt.level,
                         zero_method=opt.zero_method, n_boot=opt.n_boot, seed=opt.seed)


def _order_arms(frame: pd.DataFrame, ex: Export) -> pd.DataFrame:
    if frame.empty or "arm" not in frame.columns:
        return frame
    # text first: Series.map on a categorical maps its categories and keeps their
    # (alphabetical) order, which would sort items alphabetically
    frame = as_text_columns(frame)
    order = {a: i for i, a in enumerate(ex.arms)}
    items = {it: i for i, it in enumerate(ex.items["item"])}
    keys = [c for c in ("item", "arm") if c in frame.columns]
    return frame.sort_values(keys, key=lambda c: c.map(items if c.name == "item" else order),
                             kind="stable").reset_index(drop=True)

