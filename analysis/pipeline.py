"""The whole analysis of one export as a dict of DataFrames (what the report shows).

:func:`analyse_export` runs every analysis with explicit, recorded options;
:mod:`analysis.report` only formats its result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import constructs, groups, ordinal, perception, polarisation, quality, rankings
from analysis.effects import ancova, diff_in_diff
from analysis.load import Export, load_export
from analysis.multiplicity import adjust_pvalues
from analysis.shifts import paired_shifts
from analysis.tidy import clean_values, pairs, profile_table
from analysis.weights import kish, rake, read_margins

__all__ = ["Options", "Results", "analyse_export"]


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


@dataclass
class Results:
    """Output of :func:`analyse_export`: the export, the options and named tables."""

    export: Export
    options: Options
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def __getitem__(self, key: str) -> pd.DataFrame:
        return self.tables[key]


def _threshold(items: pd.DataFrame, item: str, opt: float | None) -> float:
    if opt is not None:
        return opt
    row = items.set_index("item").loc[item]
    return float(np.floor((row["scale_min"] + row["scale_max"]) / 2) + 1)


def analyse_export(export: Export | str | Path, options: Options | None = None,
                   **kwargs) -> Results:
    """Run the full analysis.

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
        ``metaperception``, ``groups_map``, ``groups_items``, ``groups_choice``.
    """
    ex = export if isinstance(export, Export) else load_export(export)
    opt = options or Options()
    if kwargs:
        opt = Options(**{**opt.__dict__, **kwargs})
    res = Results(ex, opt)
    t = res.tables
    items = ex.items
    control = ex.control_arm

    # ---------------------------------------------------------------- quality
    t["funnel"] = quality.funnel(ex)
    flags = quality.quality_flags(ex, opt.speed_fraction, opt.straightline_min_items)
    t["flags"] = flags
    kept, log = quality.apply_exclusions(flags, opt.exclusions)
    t["exclusions"] = log
    t["time_on_page"] = quality.time_on_page(ex)
    if ex.answers["seconds_on_page"].isna().all():
        res.notes.append("The export has no times on page (for example it was read from a wide "
                         "file without answers.csv): time on page is not shown and the "
                         "speeder rule flags no one.")

    # ---------------------------------------------------------------- weights
    wcol = None
    prof = profile_table(ex)
    if opt.margins:
        margins = read_margins(opt.margins)
        frame = prof[prof["participant_id"].isin(kept)]
        vars_ = list(pd.unique(margins["variable"]))
        usable = frame.dropna(subset=vars_)
        w = rake(usable, margins)
        weights = pd.Series(w.to_numpy(), index=usable["participant_id"].to_numpy())
        dropped = len(frame) - len(usable)
        if dropped:
            res.notes.append(f"{dropped} included participants lack a raking variable "
                             f"({', '.join(vars_)}) and get no weight (left out of weighted "
                             "estimates).")
        kept = pd.Series(weights.index)
        k = kish(weights.to_numpy())
        t["weights_summary"] = pd.DataFrame([{**k, "min": weights.min(), "max": weights.max(),
                                              "variables": ", ".join(vars_)}])
        wcol = "weight"
    else:
        weights = None
        t["weights_summary"] = pd.DataFrame()

    def with_w(frame: pd.DataFrame) -> pd.DataFrame:
        if weights is None:
            return frame
        return frame.assign(weight=frame["participant_id"].map(weights)).dropna(
            subset=["weight"])

    # ---------------------------------------------------------------- shifts and effects
    pp = with_w(pairs(ex, participants=kept, by=[opt.subgroup] if opt.subgroup else ()))
    shifts = paired_shifts(pp, weights=wcol, level=opt.level, zero_method=opt.zero_method,
                           n_boot=opt.n_boot, seed=opt.seed)
    shifts = adjust_pvalues(shifts, "p_t", family=None if opt.family == "all" else "item")
    t["shifts"] = _order_arms(shifts, ex)
    if opt.subgroup:
        sub = pp.dropna(subset=[opt.subgroup])
        t["subgroup_shifts"] = paired_shifts(sub, by=("item", "arm", opt.subgroup),
                                             weights=wcol, level=opt.level,
                                             zero_method=opt.zero_method, n_boot=0)
    else:
        t["subgroup_shifts"] = pd.DataFrame()
    if control and control in set(pp["arm"]):
        anc = ancova(pp, control=control, weights=wcol, level=opt.level)
        did = diff_in_diff(pp, control=control, weights=wcol, level=opt.level)
        prereg = ex.preregistration or {}
        primary = set(prereg.get("primary_items") or [])
        anc["confirmatory"] = anc["item"].isin(primary)
        if primary:
            anc["family"] = np.where(anc["confirmatory"], prereg.get("family") or "primary",
                                     "exploratory")
            anc = adjust_pvalues(anc, "p", family="family")
        else:
            anc = adjust_pvalues(anc, "p", family=None if opt.family == "all" else "item")
        did = adjust_pvalues(did, "p", family=None if opt.family == "all" else "item")
        t["ancova"] = _order_arms(anc, ex)
        t["did"] = _order_arms(did, ex)
    else:
        t["ancova"] = t["did"] = pd.DataFrame()
        res.notes.append("No control arm: effects against control are not computed.")

    # ---------------------------------------------------------------- ordinal
    likert = items.loc[(items["type"] == "likert") & items["phases"].map(
        lambda ph: "pre" in ph and "post" in ph), "item"].tolist()
    lp = pp[pp["item"].isin(likert)]
    t["stuart_maxwell"] = _order_arms(ordinal.stuart_maxwell(lp), ex)
    mcn = []
    for item in likert:
        thr = _threshold(items, item, opt.support_threshold)
        mcn.append(ordinal.mcnemar_support(lp[lp["item"] == item], threshold=thr).assign(
            threshold=thr))
    t["mcnemar"] = _order_arms(pd.concat(mcn, ignore_index=True), ex) if mcn else pd.DataFrame()
    clean = clean_values(ex)
    clean = clean[clean["participant_id"].isin(kept)]
    lk = clean[clean["item"].isin(likert) & clean["phase"].isin(["pre", "post"])]
    t["likert_shares"] = ordinal.category_shares(with_w(lk), weights=wcol)

    # ---------------------------------------------------------------- constructs, knowledge
    cs = constructs.construct_scores(ex)
    cs = cs[cs["participant_id"].isin(kept)]
    rev = clean_values(ex, reverse=True)
    rev = rev[rev["participant_id"].isin(kept)].merge(
        items[["item", "construct"]].dropna(), on="item")
    t["alpha"] = constructs.cronbach_alpha(rev[rev["phase"].isin(["pre", "post"])],
                                           by=("construct", "phase"))
    t["construct_shifts"] = _long_pairs_shifts(cs.rename(columns={"construct": "item",
                                                                  "score": "value"}), opt,
                                               with_w)
    ki = constructs.knowledge_index(ex)
    ki = ki[ki["participant_id"].isin(kept)].assign(item="knowledge_index").rename(
        columns={"index": "value"})
    t["knowledge_shifts"] = _long_pairs_shifts(ki, opt, with_w)
    kpairs = _wide(ki)
    t["knowledge_ancova"] = (ancova(with_w(kpairs), control=control, weights=wcol,
                                    level=opt.level)
                             if control and not kpairs.empty else pd.DataFrame())

    # ---------------------------------------------------------------- polarisation
    numeric = items.loc[items["type"].isin(["likert", "thermometer"]), "item"]
    pol_in = clean[clean["item"].isin(numeric) & clean["phase"].isin(["pre", "post"])]
    t["polarisation"] = polarisation.polarisation_measures(with_w(pol_in), by=("item", "phase"),
                                                         scale=items, weights=wcol)

    # ---------------------------------------------------------------- rankings
    rk = items[items["type"] == "ranking"]
    ro, rg = [], []
    for _, row in rk.iterrows():
        a = ex.answers
        a = a[(a["item"] == row["item"]) & a["participant_id"].isin(kept)
              & a["phase"].isin(["pre", "post"])]
        if a.empty:
            continue
        o, g = rankings.ranking_summary(with_w(a), list(row["option_ids"]), by=("phase", "arm"),
                                        weights=wcol)
        ro.append(o.assign(item=row["item"]))
        rg.append(g.assign(item=row["item"]))
    t["ranking_options"] = pd.concat(ro, ignore_index=True) if ro else pd.DataFrame()
    t["ranking_groups"] = pd.concat(rg, ignore_index=True) if rg else pd.DataFrame()

    # ---------------------------------------------------------------- meta-perception
    mp = []
    estimate_rows = items.loc[items["type"] == "estimate", ["item", "estimates"]]
    for est, named in estimate_rows.itertuples(index=False):
        # The codebook names the estimated item (format 1.1); older exports
        # fall back to the naming rule estimate_<item>.
        target = named if isinstance(named, str) else est.removeprefix("estimate_")
        if target not in set(items["item"]):
            res.notes.append(f"Estimate item {est!r}: no item {target!r} to compare with "
                             "(give the item 'estimates = \"<item id>\"' in the survey).")
            continue
        thr = _threshold(items, target, opt.support_threshold)
        e = clean[(clean["item"] == est) & clean["phase"].isin(["pre", "post"])]
        s = clean[(clean["item"] == target) & clean["phase"].isin(["pre", "post"])]
        mp.append(perception.metaperception_gap(with_w(e), with_w(s), thr, by=("phase",),
                                                weights=wcol).assign(
            item=est, compared_with=target, threshold=thr))
    t["metaperception"] = pd.concat(mp, ignore_index=True) if mp else pd.DataFrame()

    # ---------------------------------------------------------------- opinion groups
    post = clean[(clean["phase"] == "post") & clean["item"].isin(likert)]
    try:
        og = groups.opinion_groups(post, items, seed=opt.seed)
        t["groups_map"], t["groups_items"] = og["map"], og["items"]
        t["groups_choice"], t["groups_explained"] = og["choice"], og["explained"]
    except ValueError as exc:
        res.notes.append(f"Opinion groups not computed: {exc}.")
        t["groups_map"] = t["groups_items"] = t["groups_choice"] = pd.DataFrame()
        t["groups_explained"] = pd.DataFrame()
    return res


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
    order = {a: i for i, a in enumerate(ex.arms)}
    items = {it: i for i, it in enumerate(ex.items["item"])}
    keys = [c for c in ("item", "arm") if c in frame.columns]
    return frame.sort_values(keys, key=lambda c: c.map(items if c.name == "item" else order),
                             kind="stable").reset_index(drop=True)

