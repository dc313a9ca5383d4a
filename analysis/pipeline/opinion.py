"""Steps about opinion: answer distributions, polarisation, rankings,
meta-perception, opinion groups and the themes of free text."""

from __future__ import annotations

import pandas as pd

from analysis import groups, order_effects, ordinal, perception, polarisation, rankings, themes
from analysis.pipeline.run import Run, kept_clean, order_arms, paired, threshold


def ordinal_step(run: Run) -> None:
    ex, opt, res, items, pp = run.ex, run.opt, run.res, run.ex.items, run.pp
    # labelled-point scales (Likert): a quantity whose every point is an option
    likert = items.loc[items["numeric"] & (items["option_ids"].map(len) > 0) & items["phases"].map(
        lambda ph: "pre" in ph and "post" in ph), "item"].tolist()
    lp = pp[pp["item"].isin(likert)]
    res.stuart_maxwell = order_arms(ordinal.stuart_maxwell(lp), ex)
    mcn = []
    for item in likert:
        thr = threshold(items, item, opt.support_threshold)
        mcn.append(ordinal.mcnemar_support(lp[lp["item"] == item], threshold=thr).assign(
            threshold=thr))
    res.mcnemar = order_arms(pd.concat(mcn, ignore_index=True), ex) if mcn else pd.DataFrame()
    run.clean = kept_clean(run)
    lk = run.clean[run.clean["item"].isin(likert) & run.clean["phase"].isin(["pre", "post"])]
    res.likert_shares = ordinal.category_shares(run.with_w(paired(lk)), weights=run.wcol)
    res.likert_shares_unpaired = ordinal.category_shares(run.with_w(lk), weights=run.wcol)


def polarisation_step(run: Run) -> None:
    items = run.ex.items
    numeric = items.loc[items["numeric"] & items["attitude"], "item"]
    clean = run.clean
    pol_in = clean[clean["item"].isin(numeric) & clean["phase"].isin(["pre", "post"])]
    for frame, name in ((paired(pol_in), "polarisation"), (pol_in, "polarisation_unpaired")):
        setattr(run.res, name, polarisation.polarisation_measures(
            run.with_w(frame), by=("item", "phase"), scale=items, weights=run.wcol))


def rankings_step(run: Run) -> None:
    ex, items = run.ex, run.ex.items
    rk = items[items["text_coding"] == "ranked_option_ids"]
    out = {"": ([], []), "_unpaired": ([], [])}
    for _, row in rk.iterrows():
        a = ex.answers
        a = a[(a["item"] == row["item"]) & a["participant_id"].isin(run.kept)
              & a["phase"].isin(["pre", "post"])]
        if a.empty:
            continue
        for suffix, frame in (("", paired(a, answered="text")), ("_unpaired", a)):
            if frame.empty:
                continue
            o, g = rankings.ranking_summary(run.with_w(frame), list(row["option_ids"]),
                                            by=("phase", "arm"), weights=run.wcol)
            out[suffix][0].append(o.assign(item=row["item"]))
            out[suffix][1].append(g.assign(item=row["item"]))
    for suffix, (ro, rg) in out.items():
        setattr(run.res, f"ranking_options{suffix}",
                pd.concat(ro, ignore_index=True) if ro else pd.DataFrame())
        setattr(run.res, f"ranking_groups{suffix}",
                pd.concat(rg, ignore_index=True) if rg else pd.DataFrame())


def order_step(run: Run) -> None:
    """Options shown in orders of each participant's own, split by where each was shown."""
    a = run.ex.answers
    run.res.order_effects = order_effects.order_table(
        a[a["participant_id"].isin(run.kept)], run.ex.display_order, run.ex.codebook["items"])


#: the ``arm`` of meta-perception rows before the briefing, pooled over the arms
ALL_ARMS = "pooled"


def metaperception_step(run: Run) -> None:
    items, opt, clean = run.ex.items, run.opt, run.clean
    mp, unpaired = [], []
    estimate_rows = items.loc[items["role"] == "estimate", ["item", "estimates"]]
    for est, named in estimate_rows.itertuples(index=False):
        # The codebook names the estimated item (format 1.1); older exports
        # fall back to the naming rule estimate_<item>.
        target = named if isinstance(named, str) else est.removeprefix("estimate_")
        if target not in set(items["item"]):
            run.res.notes.append(f"Estimate item {est!r}: no item {target!r} to compare with "
                                 "(give the item 'estimates = \"<item id>\"' in the survey).")
            continue
        thr = threshold(items, target, opt.support_threshold)
        e_all = clean[(clean["item"] == est) & clean["phase"].isin(["pre", "post"])]
        s_all = clean[(clean["item"] == target) & clean["phase"].isin(["pre", "post"])]
        for e, s, into in ((paired(e_all), paired(s_all), mp), (e_all, s_all, unpaired)):
            if not (e.empty or s.empty):
                into.append(_gap(run, e, s, thr).assign(item=est, compared_with=target,
                                                         threshold=thr))
    run.res.metaperception = pd.concat(mp, ignore_index=True) if mp else pd.DataFrame()
    run.res.metaperception_unpaired = (pd.concat(unpaired, ignore_index=True) if unpaired
                                       else pd.DataFrame())


def _gap(run: Run, e: pd.DataFrame, s: pd.DataFrame, thr: float) -> pd.DataFrame:
    """Estimated against actual share, before (pooled) and after (by arm)."""
    # before the briefing all arms are one sample; after it each arm is its own
    pre = perception.metaperception_gap(
        run.with_w(e[e["phase"] == "pre"]), run.with_w(s[s["phase"] == "pre"]), thr,
        by=("phase",), weights=run.wcol).assign(arm=ALL_ARMS)
    post = perception.metaperception_gap(
        run.with_w(e[e["phase"] == "post"]), run.with_w(s[s["phase"] == "post"]), thr,
        by=("phase", "arm"), weights=run.wcol)
    both = pd.concat([pre, order_arms(post, run.ex)], ignore_index=True)
    return both[["phase", "arm", *pre.columns.drop(["phase", "arm"])]]


def groups_step(run: Run) -> None:
    items, clean, res = run.ex.items, run.clean, run.res
    # labelled-point scales (Likert): a quantity whose every point is an option
    likert = items.loc[items["numeric"] & (items["option_ids"].map(len) > 0) & items["phases"].map(
        lambda ph: "pre" in ph and "post" in ph), "item"]
    post = clean[(clean["phase"] == "post") & clean["item"].isin(likert)]
    try:
        og = groups.opinion_groups(post, items, seed=run.opt.seed)
        res.groups_map, res.groups_items = og["map"], og["items"]
        res.groups_choice, res.groups_explained = og["choice"], og["explained"]
        res.groups_verdict = og["verdict"]
    except ValueError as exc:
        run.res.notes.append(f"Opinion groups not computed: {exc}.")
        res.groups_map = res.groups_items = res.groups_choice = pd.DataFrame()
        res.groups_explained = res.groups_verdict = pd.DataFrame()


def freetext_step(run: Run) -> None:
    """Themes of the free-text answers, per language, with shares by arm."""
    ex, res = run.ex, run.res
    text_items = ex.items.loc[ex.items["text_coding"] == "free_text", "item"]
    a = ex.answers[ex.answers["item"].isin(text_items) & ex.answers["participant_id"].isin(
        run.kept)]
    if a.empty:
        res.text_themes = res.text_shares = res.text_examples = pd.DataFrame()
        res.text_counts = pd.DataFrame()
        return
    lang = ex.participants.set_index("participant_id")["language"]
    a = a.assign(language=a["participant_id"].map(lang))[
        ["participant_id", "arm", "language", "item", "text"]]
    res.text_counts = (a.dropna(subset=["text"]).groupby(["item", "language"]).size()
                        .rename("n").reset_index())
    res.text_themes, res.text_shares, res.text_examples = themes.text_themes(
        a, min_answers=max(run.opt.min_cell, 4), seed=run.opt.seed)
