"""The report's plots: forest, before/after dots, diverging bars, funnel, opinion map, flow.

Each returns inline SVG with a title and a text description; figures are
narrow (6 inches) with large type, so they stay readable when a phone
shrinks them to 360 px.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.report.html import plt, svg

__all__ = ["forest", "dots", "likert_bars", "funnel_plot", "map_plot"]

BLUE, GREY, RED = "#1d70b8", "#505a5f", "#b10e1e"


def forest(d: pd.DataFrame, labels: list[str], title: str, xlabel: str) -> str:
    """Estimates with intervals, one row per label; ``d`` has estimate, ci_low, ci_high."""
    d = d.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(6, 0.42 * len(d) + 1.3))
    y = np.arange(len(d))[::-1]
    ax.errorbar(d["estimate"], y, xerr=[d["estimate"] - d["ci_low"], d["ci_high"] - d["estimate"]],
                fmt="o", color=BLUE, ecolor=GREY, capsize=3)
    ax.axvline(0, color=RED, lw=1)
    ax.set_yticks(y, labels, fontsize=11)
    ax.tick_params(axis="x", labelsize=11)
    ax.set_xlabel(xlabel, fontsize=11)
    ax.set_title(title, fontsize=12)
    desc = "; ".join(f"{lab}: {e:.2f} [{lo:.2f}, {hi:.2f}]" for lab, e, lo, hi in
                     zip(labels, d["estimate"], d["ci_low"], d["ci_high"], strict=True))
    return svg(fig, title, "Forest plot. " + desc)


def dots(d: pd.DataFrame, title: str) -> str:
    """Mean before (open) and after (filled) per arm with 95% intervals."""
    d = d.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(6, 0.5 * len(d) + 1.4))
    y = np.arange(len(d))[::-1]
    se_b = d["sd_before"] / np.sqrt(d["n"])
    se_a = d["sd_after"] / np.sqrt(d["n"])
    ax.errorbar(d["mean_before"], y + 0.1, xerr=1.96 * se_b, fmt="o", mfc="white",
                color=GREY, label="before", capsize=2)
    ax.errorbar(d["mean_after"], y - 0.1, xerr=1.96 * se_a, fmt="s", color=BLUE,
                label="after", capsize=2)
    ax.set_yticks(y, list(d["arm"]), fontsize=11)
    ax.set_xlabel("Mean answer (95% CI)", fontsize=11)
    ax.legend(loc="best", fontsize=10)
    ax.set_title(title, fontsize=12)
    desc = "; ".join(f"{a}: before {b:.2f}, after {c:.2f}" for a, b, c in
                     zip(d["arm"], d["mean_before"], d["mean_after"], strict=True))
    return svg(fig, f"Before and after means: {title}", desc)


def likert_bars(shares: pd.DataFrame, title: str) -> str:
    """Diverging stacked bars of answer shares by arm and phase."""
    tab = shares.pivot_table(index=["arm", "phase"], columns="category", values="share",
                             aggfunc="first").fillna(0)
    tab = tab.sort_index(level=[0, 1], ascending=[True, False])
    cats = list(tab.columns)
    mid = (min(cats) + max(cats)) / 2
    colors = plt.get_cmap("RdBu")(np.linspace(0.1, 0.9, len(cats)))
    fig, ax = plt.subplots(figsize=(6, 0.4 * len(tab) + 1.6))
    y = np.arange(len(tab))[::-1]
    neg = tab[[c for c in cats if c < mid]].sum(axis=1) + tab[[c for c in cats if c == mid]].sum(
        axis=1) / 2
    left = -neg.to_numpy()
    for c, col in zip(cats, colors, strict=True):
        ax.barh(y, tab[c], left=left, color=col, label=str(int(c)), height=0.8)
        left = left + tab[c].to_numpy()
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [f"{a} · {p}" for a, p in tab.index], fontsize=10)
    ax.set_xlabel("Share of answers (left of 0: below the midpoint)", fontsize=10)
    ax.legend(ncol=min(len(cats), 7), fontsize=9, loc="upper center",
              bbox_to_anchor=(0.5, -0.2))
    ax.set_title(title, fontsize=12)
    return svg(fig, f"Diverging stacked bars: {title}",
               "Shares of each answer by arm and phase; the table below has the numbers.")


def funnel_plot(fn: pd.DataFrame) -> str:
    stages = ["started", "profile", "before", "module", "after", "completed"]
    d = fn[fn["stage"].isin(stages)].pivot_table(index="stage", columns="arm", values="n",
                                                 aggfunc="sum").reindex(stages).fillna(0)
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for arm in d.columns:
        ax.plot(stages, d[arm], marker="o", label=str(arm))
    ax.set_ylabel("Participants", fontsize=11)
    ax.tick_params(axis="x", labelrotation=30, labelsize=10)
    ax.legend(fontsize=9)
    ax.set_title("Completion funnel", fontsize=12)
    return svg(fig, "Completion funnel by arm",
               "; ".join(f"{a}: " + ", ".join(f"{s} {int(v)}" for s, v in d[a].items())
                         for a in d.columns))


def map_plot(mp: pd.DataFrame) -> str:
    d = mp.sample(min(len(mp), 3000), random_state=0)
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    for g, sub in d.groupby("group"):
        ax.scatter(sub["pc1"], sub["pc2"], s=6, alpha=0.6, label=f"group {g}")
    ax.set_xlabel("Principal component 1", fontsize=11)
    ax.set_ylabel("Principal component 2", fontsize=11)
    ax.legend(fontsize=9, markerscale=2)
    counts = mp["group"].value_counts().sort_index()
    return svg(fig, "Opinion map", "Participants on the first two principal components of "
               "their after answers, coloured by k-means group; sizes: "
               + ", ".join(f"group {g}: {n}" for g, n in counts.items()))
