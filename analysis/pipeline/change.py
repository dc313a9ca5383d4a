"""Steps about change: shifts within arms, effects against control, the plan's
confirmatory tests, constructs and knowledge, persistence at follow-up."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import constructs, followup, power
from analysis.effects import ancova, diff_in_diff
from analysis.export import Export
from analysis.multiplicity import adjust_pvalues, bonferroni_intervals
from analysis.options import Options
from analysis.pipeline.run import Run, long_pairs_shifts, order_arms, wide
from analysis.plan import deviations, parse_plan, plan_from_primary
from analysis.shifts import paired_shifts
from analysis.tidy import by_phase, clean_values, pairs


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


def confirmatory_mask(anc: pd.DataFrame, plan: dict | None, control: str) -> pd.Series:
    if not plan:
        return pd.Series(False, index=anc.index)
    mask = pd.Series(False, index=anc.index)
    for h in plan["hypotheses"]:
        mask |= (anc["item"] == h["item"]) & ((anc["arm"] == h["arm"]) | (h["arm"] == "*"))
    return mask & (anc["arm"] != control)


def shifts_step(run: Run) -> None:
    ex, opt, res = run.ex, run.opt, run.res
    run.pp = run.with_w(pairs(ex, participants=run.kept,
                              by=[opt.subgroup] if opt.subgroup else ()))
    run.res.analysed = pd.Series(pd.unique(run.pp["participant_id"]))
    shifts = paired_shifts(run.pp, weights=run.wcol, level=opt.level,
                           zero_method=opt.zero_method, n_boot=opt.n_boot, seed=opt.seed)
    shifts = adjust_pvalues(shifts, "p_t", family=None if opt.family == "all" else "item")
    res.shifts = order_arms(shifts, ex)
    if opt.subgroup:
        sub = run.pp.dropna(subset=[opt.subgroup])
        ss = paired_shifts(sub, by=("item", "arm", opt.subgroup), weights=run.wcol,
                           level=opt.level, zero_method=opt.zero_method, n_boot=0)
        # Benjamini-Hochberg over every subgroup test: many small tests, an FDR family
        res.subgroup_shifts = adjust_pvalues(ss, "p_t", family=None)
        control = ex.control_arm
        if control and (sub["arm"] == control).any() and sub["arm"].nunique() > 1:
            se = diff_in_diff(sub, control=control, by=("item", opt.subgroup),
                              weights=run.wcol, level=opt.level)
            res.subgroup_effects = adjust_pvalues(se, "p", family=None)
        else:
            res.subgroup_effects = pd.DataFrame()
    else:
        res.subgroup_shifts = res.subgroup_effects = pd.DataFrame()


def effects_step(run: Run) -> None:
    ex, opt, res = run.ex, run.opt, run.res
    control, pp = ex.control_arm, run.pp
    if not (control and (pp["arm"] == control).any() and pp["arm"].nunique() > 1):
        res.ancova = res.did = pd.DataFrame()
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
    anc["confirmatory"] = confirmatory_mask(anc, run.res.plan, control)
    if primary:
        anc["family"] = np.where(anc["confirmatory"], prereg.get("family") or "primary",
                                 "exploratory")
        anc = adjust_pvalues(anc, "p", family="family")
    else:
        anc = adjust_pvalues(anc, "p", family=None if opt.family == "all" else "item")
    did = adjust_pvalues(did, "p", family=None if opt.family == "all" else "item")
    res.ancova = order_arms(anc, ex)
    res.did = order_arms(did, ex)


def plan_step(run: Run) -> None:
    """Confirmatory tests as planned (correction, direction), deviations, power reached."""
    plan, res, ex, opt = run.res.plan, run.res, run.ex, run.opt
    if not plan:
        res.power = pd.DataFrame()
        return
    frozen = ex.manifest.get("plan")
    if plan.get("frozen_as") == "preregistration":
        frozen = {"sha256": plan["sha256"]}  # stored with the campaign at creation
    analysed_arms = [a for a, n in run.res.analysed_per_arm().items() if n]
    items = list(pd.unique(run.pp["item"])) if run.pp is not None else []
    run.res.deviations = deviations(
        plan, exclusions=opt.exclusions, pretreatment_only=opt.pretreatment_checks,
        weighted=run.weights is not None, frozen=frozen, items=items, arms=analysed_arms)
    anc = res.ancova
    if anc.empty:
        res.power = pd.DataFrame()
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
    adj = bonferroni_intervals(conf, k, level=1 - plan["alpha"])  # beside the adjusted p
    anc.loc[conf.index, "ci_low_adj"] = adj["ci_low_adj"]
    anc.loc[conf.index, "ci_high_adj"] = adj["ci_high_adj"]
    res.ancova = anc
    alpha = plan["alpha"] / k if plan["correction"] in ("holm", "bonferroni") else plan["alpha"]
    rows = []
    for r in conf.itertuples(index=False):
        rows.append({"item": r.item, "arm": r.arm, "n_arm": r.n_arm, "n_control": r.n_control,
                     "minimum_effect": plan["minimum_effect"],
                     "correlation": plan["correlation"], "correlation_source": "planned",
                     "correlation_within_arm": power.within_arm_correlation(
                         run.pp[run.pp["item"] == r.item], [r.arm, ex.control_arm]),
                     "alpha": alpha, "tests": k,
                     "power": power.ancova_power(r.n_arm, r.n_control, plan["minimum_effect"],
                                                 plan["correlation"], alpha)})
    res.power = pd.DataFrame(rows)


def constructs_step(run: Run) -> None:
    ex, opt, res, items, kept = run.ex, run.opt, run.res, run.ex.items, run.kept
    cs = constructs.construct_scores(ex)
    cs = cs[cs["participant_id"].isin(kept)]
    members = items[["item", "construct"]].dropna()
    rev = clean_values(ex, reverse=True)
    # the rows and columns alpha reads, before the merge copies them
    rev = rev.loc[rev["item"].isin(members["item"]) & rev["phase"].isin(["pre", "post"])
                  & rev["participant_id"].isin(kept),
                  ["participant_id", "arm", "phase", "item", "value"]].merge(members, on="item")
    res.alpha = constructs.cronbach_alpha(rev, by=("construct", "phase"))
    res.construct_shifts = long_pairs_shifts(cs.rename(columns={"construct": "item",
                                                                  "score": "value"}), opt,
                                               run.with_w)
    cpairs = wide(cs.rename(columns={"construct": "item", "score": "value"}))
    res.construct_did = did_or_empty(run, cpairs)
    res.construct_ancova = ancova_or_empty(run, cpairs)
    ki = constructs.knowledge_index(ex)
    ki = ki[ki["participant_id"].isin(kept)].assign(item="knowledge_index").rename(
        columns={"index": "value"})
    res.knowledge_shifts = long_pairs_shifts(ki, opt, run.with_w)
    kpairs = wide(ki)
    res.knowledge_ancova = ancova_or_empty(run, kpairs)
    res.knowledge_did = did_or_empty(run, kpairs)


def ancova_or_empty(run: Run, wide: pd.DataFrame) -> pd.DataFrame:
    """ANCOVA of each arm against control, Holm over the arms and items of ``wide``."""
    control = run.ex.control_arm
    if wide.empty or not control or not (wide["arm"] == control).any() or wide["arm"].nunique() < 2:
        return pd.DataFrame()
    anc = ancova(run.with_w(wide), control=control, weights=run.wcol, level=run.opt.level)
    return adjust_pvalues(anc, "p", family=None)


def did_or_empty(run: Run, wide: pd.DataFrame) -> pd.DataFrame:
    control = run.ex.control_arm
    if wide.empty or not control or not (wide["arm"] == control).any() or wide["arm"].nunique() < 2:
        return pd.DataFrame()
    did = diff_in_diff(run.with_w(wide), control=control, weights=run.wcol, level=run.opt.level)
    return adjust_pvalues(did, "p", family=None)


def followup_step(run: Run) -> None:
    """Persistence of the shift at the follow-up wave, when the export has one."""
    ex, res = run.ex, run.res
    numeric = ex.items.loc[ex.items["numeric"], "item"]
    a = ex.answers
    if not (a["phase"] == "followup").any():
        res.followup = pd.DataFrame()
        return
    c = clean_values(ex)
    c = c.loc[c["participant_id"].isin(run.kept) & c["item"].isin(numeric)
              & c["phase"].isin(["pre", "post", "followup"]),
              ["participant_id", "arm", "item", "phase", "value"]]
    w = by_phase(c, ("pre", "post", "followup")).dropna(subset=["pre", "post", "followup"])
    res.followup = (order_arms(followup.persistence(w, ex.control_arm, run.opt.level), ex)
                     if not w.empty else pd.DataFrame())
