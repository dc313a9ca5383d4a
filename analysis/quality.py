"""Data quality: completion funnel, time on page, speeders, straight-lining, attention.

Exclusions are explicit: :func:`quality_flags` flags, :func:`apply_exclusions`
applies the rules you name and returns the log of what was excluded and why.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.frames import isin_ids
from analysis.load import Export

__all__ = ["funnel", "time_on_page", "quality_flags", "apply_exclusions", "RULES"]

#: exclusion rules :func:`apply_exclusions` understands (flag columns of quality_flags)
RULES = ("speeder", "straightliner", "failed_attention", "incomplete")

_STAGES = (("started", None), ("profile", "profile"), ("before", "pre"),
           ("module", "module"), ("after", "post"))


def funnel(export: Export, by: Sequence[str] = ("arm",)) -> pd.DataFrame:
    """How many participants reached each stage, per group.

    Stages: ``started`` (a row in participants.csv), ``profile``, ``before``,
    ``module``, ``after`` (answered at least one question in that phase),
    ``completed`` (status). ``withdrawn`` and ``screened_out`` counts are added.

    Returns
    -------
    DataFrame
        ``by`` columns, ``stage``, ``n``, ``share_of_started``.
    """
    by = list(by)
    p = export.participants
    missing = [c for c in by if c not in p.columns]
    if missing:
        raise ValueError(f"column(s) {missing} not in participants")
    a = export.answers
    frame = p[["participant_id", *by]].copy()
    for stage, phase in _STAGES:
        if phase is None:
            frame[stage] = True
        else:  # who answered at least one question of the phase
            ids = pd.unique(a.loc[a["phase"] == phase, "participant_id"])
            frame[stage] = isin_ids(p["participant_id"], ids)
    for status in ("completed", "withdrawn", "screened_out"):
        frame[status] = (p["status"] == status).to_numpy()
    stages = [s for s, _ in _STAGES] + ["completed", "withdrawn", "screened_out"]
    keys = by if by else (lambda _: "all")
    counts = frame.groupby(keys, observed=True)[stages].sum()
    share = counts.div(counts["started"], axis=0)
    long = counts.stack().rename("n").to_frame()
    long["share_of_started"] = share.stack()
    long.index.names = [*(by or ["group"]), "stage"]
    long = long.reset_index()
    if not by:
        long = long.drop(columns="group")
    long["n"] = long["n"].astype("int64")
    return long


def time_on_page(export: Export, by: Sequence[str] = ("page",)) -> pd.DataFrame:
    """Seconds on each page: n, median, quartiles (one value per participant x page)."""
    a = export.answers
    cols = list(dict.fromkeys(["participant_id", "page", *by, "seconds_on_page"]))
    t = a[cols].dropna(
        subset=["seconds_on_page"]).drop_duplicates(["participant_id", "page"])
    g = t.groupby(list(by), observed=True)["seconds_on_page"]
    out = g.describe(percentiles=[0.1, 0.25, 0.5, 0.75])[["count", "10%", "25%", "50%", "75%"]]
    out.columns = ["n", "p10", "q1", "median", "q3"]
    out["n"] = out["n"].astype("int64")
    return out.reset_index()


def quality_flags(
    export: Export,
    speed_fraction: float = 0.4,
    straightline_min_items: int = 6,
    phases: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per participant with data-quality measures and flags.

    Parameters
    ----------
    speed_fraction : float
        A participant is a ``speeder`` when their ``speed_index`` is below it.
        The speed index is the median, over the pages the participant
        submitted, of their time on the page divided by the median time of
        all participants on that page (a relative speed index after Leiner
        2019; 1 = typical, 0.4 = 2.5 times faster than typical). It works for
        participants who stopped early too.
    straightline_min_items : int
        ``straightliner`` when, in the before or the after phase, the
        participant gave the same answer to all Likert items and answered at
        least this many.
    phases : sequence of str, optional
        Only answers of these phases count (time on page, straight-lining,
        attention checks). ``("profile", "pre")`` uses only checks taken
        before the treatment: excluding on post-treatment checks can bias
        effects (Montgomery, Nyhan & Torres 2018, *How conditioning on
        posttreatment variables can ruin your experiment*, AJPS 62:760-775).
        ``None``: every phase.

    Returns
    -------
    DataFrame
        ``participant_id, arm, status, total_seconds, speed_index, speeder,
        straightliner, attention_items, failed_attention, incomplete``.
    """
    if not 0 < speed_fraction < 1:
        raise ValueError("speed_fraction must be between 0 and 1")
    p = export.participants[["participant_id", "arm", "status"]].copy()
    a = export.answers
    if phases is not None:
        a = a[a["phase"].isin(list(phases))]
    pages = a[["participant_id", "page", "seconds_on_page"]].dropna(
        subset=["seconds_on_page"]).drop_duplicates(["participant_id", "page"])
    p["total_seconds"] = p["participant_id"].map(pages.groupby("participant_id")[
        "seconds_on_page"].sum())
    ratio = pages["seconds_on_page"] / pages.groupby("page")["seconds_on_page"].transform(
        "median")
    speed = ratio.groupby(pages["participant_id"]).median()
    p["speed_index"] = p["participant_id"].map(speed)
    p["speeder"] = (p["speed_index"] < speed_fraction).fillna(False).astype(bool)
    likert = export.items.loc[export.items["straightlining"], "item"]
    lk = a[a["item"].isin(likert) & a["phase"].isin(["pre", "post"])]
    g = lk.groupby(["participant_id", "phase"])["value"].agg(["nunique", "count"])
    straight = ((g["nunique"] == 1) & (g["count"] >= straightline_min_items)).groupby(
        level=0).any()
    # .eq(True): participants without answers of the kind are not flagged (and an
    # empty check gives a float column, which fillna(False) would have to cast)
    p["straightliner"] = p["participant_id"].map(straight).eq(True).to_numpy()
    att = export.items[export.items["role"] == "attention"][["item", "correct"]]
    at = a.loc[a["item"].isin(att["item"]), ["participant_id", "item", "value"]].merge(
        att, on="item")
    p["attention_items"] = p["participant_id"].map(at.groupby("participant_id").size()).fillna(
        0).astype("int64")
    failed = (at["value"] != at["correct"]).groupby(at["participant_id"]).any()
    p["failed_attention"] = p["participant_id"].map(failed).eq(True).to_numpy()
    p["incomplete"] = p["status"] != "completed"
    return p


def apply_exclusions(
    flags: pd.DataFrame, rules: Sequence[str] = ("speeder", "failed_attention")
) -> tuple[pd.Series, pd.DataFrame]:
    """Apply named exclusion rules.

    Parameters
    ----------
    flags : DataFrame
        Output of :func:`quality_flags`.
    rules : sequence of str
        Any of :data:`RULES`; a participant is excluded when any rule flags them.

    Returns
    -------
    kept : Series
        Participant ids that stay.
    log : DataFrame
        ``rule, flagged, excluded_only_by_this_rule`` plus a final row
        ``any`` with the total excluded: what was excluded and why.
    """
    unknown = [r for r in rules if r not in RULES]
    if unknown:
        raise ValueError(f"unknown rule(s) {unknown}; choose from {RULES}")
    rules = list(rules)
    m = flags[rules].to_numpy(dtype=bool) if rules else np.zeros((len(flags), 0), bool)
    any_ = m.any(axis=1) if rules else np.zeros(len(flags), bool)
    rows = [{"rule": r, "flagged": int(m[:, i].sum()),
             "excluded_only_by_this_rule": int((m[:, i] & (m.sum(axis=1) == 1)).sum())}
            for i, r in enumerate(rules)]
    rows.append({"rule": "any", "flagged": int(any_.sum()),
                 "excluded_only_by_this_rule": int(any_.sum())})
    return flags.loc[~any_, "participant_id"].reset_index(drop=True), pd.DataFrame(rows)
