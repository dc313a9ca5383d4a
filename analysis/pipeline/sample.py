"""Steps about the sample: quality and exclusions, weights, the flow, the checks."""

from __future__ import annotations

import pandas as pd

from analysis import attrition, balance, flow, quality, reading
from analysis.consort import consort_flow
from analysis.frames import isin_ids
from analysis.pipeline.run import PRE_TREATMENT, Run, kept_clean, order_arms
from analysis.tidy import profile_table
from analysis.weights import kish, rake, read_margins


def quality_step(run: Run) -> None:
    ex, opt, res = run.ex, run.opt, run.res
    res.funnel = quality.funnel(ex)
    flags = quality.quality_flags(ex, opt.speed_fraction, opt.straightline_min_items,
                                  phases=PRE_TREATMENT if opt.pretreatment_checks else None)
    res.flags = flags
    run.kept, res.exclusions = quality.apply_exclusions(flags, opt.exclusions)
    run.res.kept = run.kept
    res.time_on_page = quality.time_on_page(ex)
    if ex.answers["seconds_on_page"].isna().all():
        run.res.notes.append("The export has no times on page (for example it was read from a "
                             "wide file without answers.csv): time on page is not shown and the "
                             "speeder rule flags no one.")


def weights_step(run: Run) -> None:
    opt, res = run.opt, run.res
    if not opt.margins:
        res.weights_summary = pd.DataFrame()
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
    res.weights_summary = pd.DataFrame([{**k, "min": weights.min(), "max": weights.max(),
                                          "variables": ", ".join(vars_)}])
    run.weights, run.wcol = weights, "weight"


def flow_step(run: Run) -> None:
    res = run.res
    res.flow = flow.participant_flow(run.ex, res.flags, run.opt.exclusions, run.res.analysed)
    res.rates = flow.outcome_rates(res.flow)
    res.consort = consort_flow(run.ex, res.flags, run.opt.exclusions, run.res.kept,
                               run.res.analysed)


def checks_step(run: Run) -> None:
    """Balance before treatment, attention by arm, per-briefing questions by arm."""
    ex, res, items = run.ex, run.res, run.ex.items
    kept = run.kept
    reference = ex.control_arm or (ex.arms[0] if ex.arms else None)
    prof = profile_table(ex)
    prof = prof[isin_ids(prof["participant_id"], kept)]
    clean = run.clean if run.clean is not None else kept_clean(run)
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
    res.balance = (balance.standardised_differences(
        frame, "arm", reference, numeric=[*numeric, *pre_wide.columns],
        categorical=["language", *categorical]) if reference else pd.DataFrame())
    # attention checks by arm and phase (all phases: shown, not used to exclude post ones)
    att = items.loc[items["role"] == "attention", ["item", "correct"]]
    a = ex.answers[ex.answers["item"].isin(att["item"])].merge(att, on="item")
    if a.empty:
        res.attention_by_arm = pd.DataFrame()
    else:
        failed = (a["value"] != a["correct"]).groupby(
            [a["arm"], a["phase"], a["participant_id"]]).any()
        g = failed.groupby(level=[0, 1])
        res.attention_by_arm = pd.DataFrame({"n": g.size(), "failed": g.mean()}).reset_index()
    # reading speed of each briefing (words per minute), when pages.csv is there
    pages = ex.pages
    speed = reading.reading_speed(pages, ex.participants, ex.codebook)
    speed = (speed[isin_ids(speed["participant_id"], run.res.analysed)] if not speed.empty
             else speed)
    res.reading_speed = (speed.groupby(["module", "arm"], sort=False).agg(
        n=("wpm", "size"), words=("words", "median"), median_seconds=("seconds", "median"),
        median_wpm=("wpm", "median"), share_too_fast=("too_fast", "mean")).reset_index()
        if not speed.empty else pd.DataFrame())
    if pages is None:
        run.res.notes.append("The export has no pages.csv: reading times are not shown.")
    # questions asked about each briefing (phase module), by arm and module
    mod = clean[(clean["phase"] == "module") & clean["item"].isin(
        items.loc[items["numeric"], "item"])].dropna(subset=["value"])
    if mod.empty:
        res.module_questions = pd.DataFrame()
    else:
        g = mod.groupby(["item", "module", "arm"], sort=False)["value"]
        res.module_questions = g.agg(n="count", mean="mean", sd="std").reset_index()


def attrition_step(run: Run) -> None:
    """Attrition by arm (test), Lee bounds for the planned items, non-substantive answers."""
    ex, res = run.ex, run.res
    p = ex.participants
    base = p[p["arm"].notna() & isin_ids(p["participant_id"], run.kept)]
    res.attrition = order_arms(attrition.attrition_by_arm(base, res.analysed), ex)
    ns = order_arms(attrition.nonsubstantive_rates(ex.answers, ex.items), ex)
    res.nonsubstantive = ns.sort_values("phase", key=lambda s: s.map({"pre": 0, "post": 1}),
                                        kind="stable", ignore_index=True)
    control = ex.control_arm
    items = res.plan["primary_items"] if res.plan else []
    if not control or run.pp is None or run.pp.empty or not items:
        res.lee_bounds = pd.DataFrame()
        return
    n_alloc = base["arm"].astype(str).value_counts()
    pp = run.pp.assign(change=run.pp["post"] - run.pp["pre"])
    rows = []
    for item in items:
        mine = pp[pp["item"] == item]
        y0 = mine.loc[mine["arm"] == control, "change"].to_numpy(dtype=float)
        for arm in ex.arms:
            if arm == control:
                continue
            y1 = mine.loc[mine["arm"] == arm, "change"].to_numpy(dtype=float)
            b = attrition.lee_bounds(y1, y0, int(n_alloc.get(arm, 0)),
                                     int(n_alloc.get(control, 0)))
            rows.append({"item": item, "arm": arm, "n_arm": y1.size, "n_control": y0.size,
                         **b})
    res.lee_bounds = pd.DataFrame(rows)
