"""A self-contained, accessible HTML report of one export.

Plots are inline SVG drawn with matplotlib; every plot has a text
alternative and its data in a table beside it; tables have captions and
header scopes; the page needs no JavaScript and reflows to 360 px.
"""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from analysis.pipeline import Options, Results, analyse_export  # noqa: E402

__all__ = ["write_report", "render_report"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;
margin:0 auto;max-width:72rem;padding:1rem;color:#1b1b1b;background:#fff}
h1{font-size:1.7rem}h2{font-size:1.35rem;margin-top:2.2rem;border-top:2px solid #ddd;
padding-top:1rem}h3{font-size:1.1rem}
.table-wrap{overflow-x:auto;max-width:100%;margin:.5rem 0 1.5rem}
.table-wrap:focus{outline:3px solid #1d70b8}
table{border-collapse:collapse;font-size:.85rem;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border-bottom:1px solid #ccc;padding:.25rem .5rem;text-align:right;vertical-align:top}
th[scope=col]{background:#f3f2f1}th[scope=col]:first-child{text-align:left}th[scope=row],td.text{text-align:left}
figure{margin:1rem 0;max-width:100%;overflow-x:auto}dd,code,p{overflow-wrap:anywhere}
figure svg{display:block;max-width:100%;height:auto}
figcaption{font-size:.9rem;color:#333}
.note{background:#fff7d6;border-left:4px solid #b58100;padding:.5rem .8rem}
.confirmatory{border-left:4px solid #1d70b8;padding-left:.8rem}
nav ul{columns:2 14rem}dt{font-weight:600}
@media (max-width:40rem){body{padding:.5rem}h1{font-size:1.4rem}}
"""

_FMT = {"p": "{:.4f}", "share": "{:.1%}"}


def _fmt(v, col: str) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        if col.startswith("p") and (col == "p" or col.startswith("p_")):
            return "<0.0001" if v < 1e-4 else f"{v:.4f}"
        if col.startswith("share") or col in ("first_share", "agree", "disagree", "agree_rest",
                                              "support_before", "support_after"):
            return f"{v:.1%}"
        return f"{v:.3f}" if abs(v) < 1000 else f"{v:,.0f}"
    return html.escape(str(v))


def _table(df: pd.DataFrame, caption: str, columns: list[str] | None = None,
           labels: dict[str, str] | None = None, row_header: str | None = None,
           max_rows: int = 400) -> str:
    if df is None or df.empty:
        return f"<p>{html.escape(caption)}: no data.</p>"
    cols = [c for c in (columns or list(df.columns)) if c in df.columns]
    labels = labels or {}
    d = df[cols].head(max_rows)
    head = "".join(f'<th scope="col">{html.escape(labels.get(c, c.replace("_", " ")))}</th>'
                   for c in cols)
    body = []
    for row in d.itertuples(index=False):
        cells = []
        for c, v in zip(cols, row, strict=True):
            text = _fmt(v, c)
            if c == (row_header or cols[0]):
                cells.append(f'<th scope="row">{text}</th>')
            elif isinstance(v, str):
                cells.append(f'<td class="text">{text}</td>')
            else:
                cells.append(f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (f"<p>Showing {max_rows} of {len(df)} rows; the full table is in the "
            "DataFrame API.</p>" if len(df) > max_rows else "")
    return (f'<div class="table-wrap" tabindex="0" role="region" '
            f'aria-label="{html.escape(caption)}"><table><caption>{html.escape(caption)}'
            f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"
            f"</table></div>{more}")


def _svg(fig, title: str, desc: str) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    ident = "f" + str(abs(hash((title, desc))) % 10**10)
    svg = svg.replace(
        "<svg ", f'<svg role="img" aria-labelledby="{ident}t {ident}d" ', 1)
    end = svg.index(">", svg.index("<svg")) + 1
    svg = (svg[:end] + f'<title id="{ident}t">{html.escape(title)}</title>'
           f'<desc id="{ident}d">{html.escape(desc)}</desc>' + svg[end:])
    return svg


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{html.escape(caption)}</figcaption></figure>"


def _forest(anc: pd.DataFrame, title: str) -> str:
    d = anc.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(d) + 1.2))
    y = np.arange(len(d))[::-1]
    ax.errorbar(d["estimate"], y, xerr=[d["estimate"] - d["ci_low"], d["ci_high"] - d["estimate"]],
                fmt="o", color="#1d70b8", ecolor="#505a5f", capsize=2)
    ax.axvline(0, color="#b10e1e", lw=1)
    ax.set_yticks(y, [f"{i} · {a}" for i, a in zip(d["item"], d["arm"], strict=True)],
                  fontsize=8)
    ax.set_xlabel("Effect vs control (scale points, 95% CI)")
    ax.set_title(title, fontsize=10)
    desc = "; ".join(f"{i} {a}: {e:.2f} [{lo:.2f}, {hi:.2f}]" for i, a, e, lo, hi in
                     list(zip(d["item"], d["arm"], d["estimate"], d["ci_low"], d["ci_high"],
                              strict=True))[:40])
    return _svg(fig, title, "Forest plot. " + desc)


def _dots(sh: pd.DataFrame, item: str) -> str:
    d = sh[sh["item"] == item].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(6, 0.45 * len(d) + 1.2))
    y = np.arange(len(d))[::-1]
    se_b = d["sd_before"] / np.sqrt(d["n"])
    se_a = d["sd_after"] / np.sqrt(d["n"])
    ax.errorbar(d["mean_before"], y + 0.1, xerr=1.96 * se_b, fmt="o", mfc="white",
                color="#505a5f", label="before", capsize=2)
    ax.errorbar(d["mean_after"], y - 0.1, xerr=1.96 * se_a, fmt="s", color="#1d70b8",
                label="after", capsize=2)
    ax.set_yticks(y, list(d["arm"]))
    ax.set_xlabel("Mean answer (95% CI)")
    ax.legend(loc="best", fontsize=8)
    ax.set_title(item, fontsize=10)
    desc = "; ".join(f"{a}: before {b:.2f}, after {c:.2f}" for a, b, c in
                     zip(d["arm"], d["mean_before"], d["mean_after"], strict=True))
    return _svg(fig, f"Before and after means of {item}", desc)


def _likert_bars(shares: pd.DataFrame, item: str, k: int) -> str:
    d = shares[shares["item"] == item]
    tab = d.pivot_table(index=["arm", "phase"], columns="category", values="share",
                        aggfunc="first").fillna(0)
    tab = tab.sort_index(level=[0, 1], ascending=[True, False])
    cats = list(tab.columns)
    mid = (min(cats) + max(cats)) / 2
    colors = plt.get_cmap("RdBu")(np.linspace(0.1, 0.9, len(cats)))
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(tab) + 1.4))
    y = np.arange(len(tab))[::-1]
    neg = tab[[c for c in cats if c < mid]].sum(axis=1) + tab[[c for c in cats if c == mid]].sum(
        axis=1) / 2
    left = -neg.to_numpy()
    for c, col in zip(cats, colors, strict=True):
        ax.barh(y, tab[c], left=left, color=col, label=str(int(c)), height=0.8)
        left = left + tab[c].to_numpy()
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [f"{a} · {p}" for a, p in tab.index], fontsize=8)
    ax.set_xlabel("Share of answers (left of 0: below the midpoint)")
    ax.legend(ncol=len(cats), fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    ax.set_title(item, fontsize=10)
    return _svg(fig, f"Diverging stacked bars of {item}",
                "Shares of each answer by arm and phase; the table below has the numbers.")


def _funnel_plot(fn: pd.DataFrame) -> str:
    stages = ["started", "profile", "before", "module", "after", "completed"]
    d = fn[fn["stage"].isin(stages)].pivot_table(index="stage", columns="arm", values="n",
                                                 aggfunc="sum").reindex(stages)
    fig, ax = plt.subplots(figsize=(7, 3.2))
    for arm in d.columns:
        ax.plot(stages, d[arm], marker="o", label=str(arm))
    ax.set_ylabel("Participants")
    ax.legend(fontsize=8)
    ax.set_title("Completion funnel", fontsize=10)
    return _svg(fig, "Completion funnel by arm",
                "; ".join(f"{a}: " + ", ".join(f"{s} {int(v)}" for s, v in d[a].items())
                          for a in d.columns))


def _map_plot(mp: pd.DataFrame) -> str:
    d = mp.sample(min(len(mp), 3000), random_state=0)
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    for g, sub in d.groupby("group"):
        ax.scatter(sub["pc1"], sub["pc2"], s=6, alpha=0.6, label=f"group {g}")
    ax.set_xlabel("Principal component 1")
    ax.set_ylabel("Principal component 2")
    ax.legend(fontsize=8, markerscale=2)
    counts = mp["group"].value_counts().sort_index()
    return _svg(fig, "Opinion map", "Participants on the first two principal components of "
                "their after answers, coloured by k-means group; sizes: "
                + ", ".join(f"group {g}: {n}" for g, n in counts.items()))


def _methods(res: Results) -> str:
    o = res.options
    ex = res.export
    items = [
        ("Data", f"Export {html.escape(ex.source)} (format {ex.manifest.get('format_version')}, "
                 f"campaign {html.escape(str(ex.manifest['campaign'].get('slug')))}, survey "
                 f"version {html.escape(str(ex.manifest['survey'].get('version'))[:12])}…)."),
        ("Exclusions", "Participants flagged by: " + (", ".join(o.exclusions) or "none")
         + f". Speeder: relative speed index (median over pages of time on page divided by "
           f"the page's median time) below {o.speed_fraction}. Straight-liner: one answer to "
           f"all Likert items of a phase, at least {o.straightline_min_items} of them. Failed "
           "attention: any attention item answered other than instructed."),
        ("Pairs", "Shifts use complete before/after pairs of the same participant; answers "
                  "flagged as substantive non-answers (don't know, prefer not to say) are "
                  "missing. Reverse-keyed items are shown as asked, and flipped only inside "
                  "construct scores."),
        ("Shift", f"Mean of after − before with a {o.level:.0%} t interval (df = n − 1); "
                  "paired t test; Wilcoxon signed-rank test with zero differences "
                  + ("dropped (Wilcoxon)" if o.zero_method == "wilcox"
                     else "ranked then dropped (Pratt)") +
                  ", exact p when fewer than 50 non-zero differences and no ties or zeros, "
                  "else the normal approximation with tie and continuity correction (as R); "
                  f"BCa bootstrap interval, {o.n_boot} resamples of participants."),
        ("Effect sizes", "d_z = mean shift / SD of the shifts (standardised by the change; "
                         "drives power). g_av = Hedges-corrected mean shift / average of the "
                         "before and after SDs (comparable with between-group effects); "
                         "Lakens (2013)."),
        ("Effects vs control", f"Primary: ANCOVA, after ~ arm + before, one least-squares "
                               f"model per item, HC2 robust standard errors, t with residual "
                               f"df. Secondary: difference in differences (arm's mean shift − "
                               f"control's), Welch t. Control arm: "
                               f"{html.escape(str(ex.control_arm))}."),
        ("Multiplicity", "Holm (family-wise) and Benjamini-Hochberg (false discovery rate) "
                         "adjusted p-values beside the raw ones. Family: "
                         + ("the preregistered primary items form the confirmatory family; "
                            "all other tests form the exploratory family."
                            if ex.preregistration and ex.preregistration.get("primary_items")
                            else ("all tests of a table" if o.family == "all"
                                  else "the tests of one item")) + "."),
        ("Ordinal", "Category shares; Stuart-Maxwell marginal homogeneity (statsmodels, no "
                    "zero-cell shift); McNemar on support (answer ≥ threshold, by default the "
                    "first point above the scale midpoint), exact binomial below 25 discordant "
                    "pairs, else chi-square with continuity correction."),
        ("Constructs", "Score = mean of the construct's items after reverse keying "
                       "(min + max − value), all items required; Cronbach's alpha, listwise."),
        ("Knowledge", "Index = share correct over the knowledge items; don't know = wrong."),
        ("Polarisation", "SD; bimodality coefficient (Pfister et al. 2013; > 0.555 suggests "
                         "bimodality); Esteban-Ray index with α = 1.6 on answers rescaled to "
                         "[0, 1]; mean distance from the midpoint (share of half-range); share "
                         "at the scale ends."),
        ("Rankings", "First-choice shares, mean Borda score (k − 1 for first … 0 for last), "
                     "Condorcet winner, proximity to single-peakedness (List, Luskin, Fishkin "
                     "& McLean 2013)."),
        ("Meta-perception", "Estimated share (estimate_<item>) minus the actual share in the "
                            "sample answering at or above the support threshold, per phase; "
                            "the CI treats the actual share as known."),
        ("Opinion groups", "Pol.is-style: after answers of Likert items centred and scaled by "
                           "half-range, PCA to two components, k-means (k = 2…5 by the best "
                           "silhouette), items each group agrees with (≥ 60 %, above the rest) "
                           "and consensus items (every group ≥ 60 %)."),
        ("Weights", ("Raking (iterative proportional fitting) to the margins in "
                     f"{html.escape(o.margins)}; Kish design effect and effective n. "
                     + WEIGHTED_ESTIMATES if o.margins else
                     "None: estimates are unweighted.")),
        ("Software", "Python, pandas, numpy, scipy, statsmodels, scikit-learn, matplotlib; "
                     f"seed {o.seed}."),
    ]
    return "<dl>" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"


WEIGHTED_ESTIMATES = (
    "Weighted: means, SDs, mean shifts with their linearisation SEs (R survey::svymean, "
    "weights-only design), CIs and t tests; d_z and g_av (from the weighted mean and SDs); "
    "the BCa intervals (participants resampled with their weights held fixed); shares "
    "moving up and down; ANCOVA (weighted least squares, HC2) and difference in "
    "differences; answer-category shares; polarisation (SD as survey::svyvar, bimodality "
    "coefficient from weighted moments, Esteban-Ray on weighted shares, distance from the "
    "midpoint, share at the ends); ranking first-choice shares, Borda scores, mean ranks, "
    "Condorcet winner (weighted majorities) and single-peaked share; construct and "
    "knowledge index means; meta-perception (mean estimate, actual share, share "
    "overestimating). Unweighted, and why: the Wilcoxon signed-rank, Stuart-Maxwell and "
    "McNemar tests and the support shares in the McNemar table (tests on the sample's ranks "
    "and counts, without a standard design-based version here); Cronbach's alpha (a "
    "property of the items in this sample, not a population quantity); opinion groups "
    "(they describe the participants' own answer patterns); the funnel, times and quality "
    "flags (counts of participants). Standard errors treat the weights as fixed: the "
    "variance added by estimating them is ignored. Participants lacking a raking variable "
    "get no weight and are left out of every estimate after the data-quality section.")


_SHIFT_COLS = ["item", "arm", "n", "mean_before", "mean_after", "shift", "ci_low", "ci_high",
               "boot_low", "boot_high", "p_t", "p_holm", "p_bh", "p_wilcoxon", "d_z", "g_av",
               "share_up", "share_down", "share_same"]
_EFFECT_COLS = ["item", "arm", "estimate", "ci_low", "ci_high", "se", "p", "p_holm", "p_bh",
                "n_arm", "n_control"]


def render_report(res: Results) -> str:
    """HTML text of the report for an :class:`analysis.pipeline.Results`."""
    ex, t = res.export, res.tables
    camp = ex.manifest["campaign"]
    title = f"Parley analysis: {camp.get('title') or camp.get('slug')}"
    kept = int(t["exclusions"].set_index("rule").loc["any", "flagged"])
    n = len(ex.participants)
    parts = [f"<h1>{html.escape(title)}</h1>",
             f"<p>{n:,} participants started; {n - kept:,} kept after exclusions. Arms: "
             f"{html.escape(', '.join(ex.arms))}. Exported "
             f"{html.escape(str(ex.manifest.get('exported_at')))}.</p>"]
    for note in res.notes:
        parts.append(f'<p class="note">{html.escape(note)}</p>')
    sections = []

    def section(ident, heading, body):
        sections.append((ident, heading))
        parts.append(f'<section id="{ident}" aria-labelledby="{ident}-h">'
                     f'<h2 id="{ident}-h">{heading}</h2>{body}</section>')

    anc = t.get("ancova", pd.DataFrame())
    prereg = ex.preregistration or {}
    if not anc.empty and prereg.get("primary_items"):
        conf = anc[anc["confirmatory"]]
        body = (f'<div class="confirmatory"><p>Preregistered primary items: '
                f"{html.escape(', '.join(prereg['primary_items']))}. Family: "
                f"{html.escape(str(prereg.get('family')))}. These are the confirmatory tests; "
                "everything else in this report is exploratory.</p>"
                + _figure(_forest(conf, "Confirmatory effects vs control"),
                          "ANCOVA effects of each arm against control on the primary items.")
                + _table(conf, "Confirmatory ANCOVA effects (adjusted within the primary "
                               "family)", _EFFECT_COLS) + "</div>")
        section("confirmatory", "Confirmatory results", body)
    if not anc.empty:
        expl = anc[~anc["confirmatory"]] if prereg.get("primary_items") else anc
        body = ""
        if not expl.empty:
            body += _figure(_forest(expl, "Effects vs control"),
                            "ANCOVA effects against control, 95% CIs.")
            body += _table(expl, "ANCOVA effects vs control"
                           + (" (exploratory)" if prereg.get("primary_items") else ""),
                           _EFFECT_COLS)
        body += _table(t["did"], "Difference in differences (secondary)",
                       ["item", "arm", "shift_arm", "shift_control", "estimate", "ci_low",
                        "ci_high", "p", "p_holm", "p_bh"])
        section("effects", "Effects against control" + (" (exploratory)" if
                                                          prereg.get("primary_items") else ""),
                body)
    sh = t["shifts"]
    body = _table(sh, "Before/after shifts per item and arm", _SHIFT_COLS)
    key_items = list(prereg.get("primary_items") or []) or list(pd.unique(sh["item"]))[:3]
    for item in key_items:
        if item in set(sh["item"]):
            body += _figure(_dots(sh, item), f"Mean before and after for {item}, by arm.")
    section("shifts", "Attitude shifts (before vs after)", body)
    if not t["subgroup_shifts"].empty:
        section("subgroups", f"Shifts by {html.escape(res.options.subgroup)}",
                _table(t["subgroup_shifts"], "Subgroup shifts",
                       ["item", "arm", res.options.subgroup, "n", "shift", "ci_low", "ci_high",
                        "p_t"]))
    body = ""
    ls = t["likert_shares"]
    for item in key_items:
        if item in set(ls["item"]):
            k = int(ex.items.set_index("item").loc[item, "scale_max"])
            body += _figure(_likert_bars(ls, item, k), f"Answer shares of {item}.")
            body += _table(ls[ls["item"] == item], f"Answer shares of {item}",
                           ["arm", "phase", "category", "n", "share"])
    body += _table(t["stuart_maxwell"], "Stuart-Maxwell test of equal before/after shares")
    body += _table(t["mcnemar"], "McNemar test on support")
    section("ordinal", "Answer distributions", body)
    body = _table(t["alpha"], "Cronbach's alpha") + _table(
        t["construct_shifts"], "Construct score shifts", _SHIFT_COLS)
    body += _table(t["knowledge_shifts"], "Knowledge index shifts (don't know = wrong)",
                   _SHIFT_COLS)
    body += _table(t["knowledge_ancova"], "Knowledge index vs control (ANCOVA)", _EFFECT_COLS)
    section("constructs", "Constructs and knowledge", body)
    section("polarisation", "Polarisation", _table(t["polarisation"], "Polarisation by item "
                                                   "and phase"))
    if not t["ranking_options"].empty:
        section("rankings", "Rankings of the proposals",
                _table(t["ranking_options"], "First choices and Borda scores")
                + _table(t["ranking_groups"], "Condorcet winner and single-peakedness"))
    if not t["metaperception"].empty:
        section("metaperception", "Meta-perception",
                _table(t["metaperception"], "Estimated minus actual share supporting"))
    if not t["groups_map"].empty:
        gi = t["groups_items"]
        section("groups", "Opinion groups",
                _figure(_map_plot(t["groups_map"]), "Opinion map of the after answers.")
                + _table(t["groups_choice"], "Silhouette by number of groups")
                + _table(gi[gi["representative"] | gi["consensus"]],
                         "Items each group agrees on, and consensus items"))
    body = (_figure(_funnel_plot(t["funnel"]), "Participants reaching each stage, by arm.")
            + _table(t["funnel"], "Completion funnel")
            + _table(t["exclusions"], "Exclusions: what was excluded and why")
            + _table(t["time_on_page"], "Seconds on page"))
    if not t["weights_summary"].empty:
        body += _table(t["weights_summary"], "Raking weights: Kish design effect and effective n")
    section("quality", "Data quality and weights", body)
    section("methods", "Methods", _methods(res))
    nav = "<nav aria-label='Contents'><ul>" + "".join(
        f'<li><a href="#{i}">{h}</a></li>' for i, h in sections) + "</ul></nav>"
    parts.insert(1, nav)
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body><main>"
            + "".join(parts) + "</main></body></html>")


def write_report(export_path, out_html, **options) -> Path:
    """Analyse an export and write the HTML report.

    Parameters
    ----------
    export_path : str or Path
        Export folder or zip.
    out_html : str or Path
        File to write.
    **options
        Fields of :class:`analysis.pipeline.Options` (``margins``,
        ``exclusions``, ``n_boot``, ``subgroup``, ``family``, ``seed`` ...).

    Returns
    -------
    Path
        ``out_html``.
    """
    res = analyse_export(export_path, Options(**options))
    out = Path(out_html)
    out.write_text(render_report(res), encoding="utf-8")
    return out
