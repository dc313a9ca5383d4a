"""Listening to the other side: the argument exchange's statements, bridging scores, effects."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.report.html import Page, esc, figure, fmt, plt, svg, table

ID = "exchange"
HEADING = "Listening to the other side"
#: a group's fairness is shown only with at least this many of its raters
MIN_RATERS = 5
TOO_FEW = f"too few (under {MIN_RATERS})"
_TOP = 3


def _groups(x) -> list[str]:
    return [str(g) for g in x.centres.index]


def _display(rows: pd.DataFrame, groups: list[str]) -> pd.DataFrame:
    """Rows of the bridging table with each group's cell "too few" under 5 raters."""
    out = pd.DataFrame({"statement": rows.index.astype(str),
                        "text": rows["text"].fillna("").to_numpy(),
                        "language": rows["language"].to_numpy()})
    for g in groups:
        n = rows[f"n_{g}"].to_numpy()
        p = rows[f"p_{g}"].to_numpy()
        out[f"raters {g}"] = n
        out[f"fair {g}"] = [fmt(float(v)) if k >= MIN_RATERS else TOO_FEW
                            for v, k in zip(p, n, strict=True)]
    enough = (rows[[f"n_{g}" for g in groups]].to_numpy() >= MIN_RATERS).all(axis=1)
    for col, src in (("bridging", "bridging"), ("SE", "se_bridging"), ("lower", "lower")):
        out[col] = [fmt(float(v)) if ok else TOO_FEW
                    for v, ok in zip(rows[src], enough, strict=True)]
    out["status"] = rows["status"].to_numpy()
    return out


def _proposals(x) -> str:
    s = x.scores
    groups = _groups(x)
    parts = []
    for prop, rows in s.groupby(s["proposal"].fillna(""), sort=True):
        scored = rows[rows["status"] != "needs-ratings"]
        best = scored.sort_values("bridging", ascending=False).head(_TOP)
        worst = scored.sort_values("spread", ascending=False).head(_TOP)
        name = prop or "no proposal"
        parts.append(f"<h3>Proposal {esc(name)}</h3>")
        if scored.empty:
            parts.append(f"<p>No statement about {esc(name)} has enough ratings yet "
                         f"({len(rows)} rated).</p>")
            continue
        parts.append('<div class="exchange-pair">'
                     + table(_display(best, groups), f"{name}: most bridging arguments")
                     + table(_display(worst, groups), f"{name}: most divisive arguments")
                     + "</div>")
    return "".join(parts)


def _map(x) -> str:
    s, fit = x.scores, x.fit
    col = fit.columns[0]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    colour = {"bridging": "#00703c", "divisive": "#d4351c", "mixed": "#505a5f",
              "needs-ratings": "#b1b4b6"}
    for status, sub in s.groupby("status"):
        ax.scatter(sub[f"slope_{col}"], fit.mu + sub["intercept"], s=18,
                   c=colour.get(status, "#505a5f"), label=status)
    lo, hi = float(s[f"slope_{col}"].min()), float(s[f"slope_{col}"].max())
    xs = np.linspace(lo - 0.05, hi + 0.05, 2)
    for g, m in x.centres[col].items():
        # the line where group g's predicted fairness is 0.5: above it, g finds the statement fair
        ax.plot(xs, 0.5 - float(m) * xs, lw=1, ls="--", label=f"group {g} at 0.5 (z={m:.2f})")
    ax.set_xlabel(f"slope on {col} (how much fairness depends on the rater's position)")
    ax.set_ylabel("mu + intercept (fairness at the centre)")
    ax.legend(fontsize=8)
    desc = (f"{len(s)} statements by slope and intercept; dashed lines mark where each "
            "group's predicted fairness is 0.5. Numbers in the tables above.")
    return figure(svg(fig, "Intercept against slope", desc),
                  "Each point is a statement: high and flat means fair to every group.")


def _summary(x) -> str:
    s = x.scores
    n_bridging = int((s["status"] == "bridging").sum()) if not s.empty else 0
    n_divisive = int((s["status"] == "divisive").sum()) if not s.empty else 0
    scored = int((s["status"] != "needs-ratings").sum()) if not s.empty else 0
    text = (f"{scored} arguments had enough ratings to be scored: {n_bridging} were judged "
            f"fair by every opinion group (bridging) and {n_divisive} split the groups "
            "(divisive).")
    post = x.effects[x.effects["wave"] == "post"] if not x.effects.empty else x.effects
    if not post.empty:
        sig = post[post["p_holm"] < 0.05]
        if sig.empty:
            text += (" Reading peers' arguments instead of placebo statements changed none of "
                     "the outcomes detectably after Holm's correction.")
        else:
            text += " Reading peers' arguments instead of placebo statements changed " + "; ".join(
                f"{r.item} by {r.estimate:+.2f} (95% CI {r.ci_low:.2f} to {r.ci_high:.2f})"
                for r in sig.itertuples()) + "."
    fb = x.feedback_effects
    if not fb.empty:
        sig = fb[fb["p_holm"] < 0.05]
        text += (" At the follow-up, seeing the feedback before the questions rather than "
                 "after " + ("; ".join(f"changed {r.item} by {r.estimate:+.2f}"
                                       for r in sig.itertuples())
                             if not sig.empty else "changed none of the outcomes detectably")
                 + ".")
    return f"<p>{esc(text)}</p>"


def _design(x) -> str:
    if x.design == "frozen":
        return ("<p>Design: a frozen display set; each participant's cards were drawn at random "
                "from it with known probabilities, so no one's treatment depended on anyone "
                "else's assignment and each statement's own effect is identified.</p>")
    if x.design == "live":
        return ("<p>Design: a live pool; what a participant read depended on who wrote before, "
                "so the estimates lean on the pool snapshots (interference is possible): the "
                "peers-vs-placebo contrasts are block-adjusted, with a fixed effect per pool "
                "snapshot, and per-statement effects are not estimated.</p>")
    return "<p>No exposures were exported: effects of the exchange are not estimated.</p>"


@dataclass(frozen=True)
class _View:
    """The exchange tables of the results, indexed for the section."""

    scores: pd.DataFrame
    centres: pd.DataFrame
    flow: pd.DataFrame
    effects: pd.DataFrame
    effects_by_arm: pd.DataFrame
    effects_by_group: pd.DataFrame
    selection_effects: pd.DataFrame
    statement_effects: pd.DataFrame
    feedback_effects: pd.DataFrame
    diagnostics: pd.DataFrame
    checks: pd.DataFrame
    dri: pd.DataFrame
    pairwise: pd.DataFrame
    moderation: pd.DataFrame
    moderation_tests: pd.DataFrame
    sensitivity: pd.DataFrame
    fit: object
    design: str
    notes: list


def _view(res) -> _View:
    scores = res.exchange_scores
    return _View(
        scores=scores.set_index("statement") if not scores.empty else scores,
        centres=res.exchange_centres.set_index("group")  # none when scores were not computed
        if "group" in res.exchange_centres else res.exchange_centres, flow=res.exchange_flow,
        effects=res.exchange_effects, effects_by_arm=res.exchange_effects_by_arm,
        effects_by_group=res.exchange_effects_by_group,
        selection_effects=res.exchange_selection_effects,
        statement_effects=res.exchange_statement_effects.set_index("statement")
        if not res.exchange_statement_effects.empty else res.exchange_statement_effects,
        feedback_effects=res.exchange_feedback_effects,
        diagnostics=res.exchange_diagnostics, checks=res.exchange_checks, dri=res.exchange_dri,
        pairwise=res.exchange_pairwise,
        sensitivity=res.exchange_sensitivity, moderation=res.exchange_moderation,
        moderation_tests=res.exchange_moderation_tests, fit=res.exchange.fit,
        design=res.exchange.design, notes=res.exchange.notes)


def plain_summary(res) -> str | None:
    """The exchange's result in plain words for the report's summary (HTML), or None."""
    if res.exchange is None or res.exchange_scores.empty:
        return None
    return (_summary(_view(res)).replace("<p>", "<p>Listening to the other side: ", 1)
            .replace("</p>", ' (see <a href="#exchange">Listening to the other side</a>)</p>'))


def render(page: Page) -> str | None:
    if page.res.exchange is None:
        return None
    x = _view(page.res)
    parts = [_summary(x) if not x.scores.empty else ""]
    parts += [f'<p class="note">{esc(n)}</p>' for n in x.notes]
    parts.append(table(x.flow, "Statement flow: written, moderated, pooled, rated, scored"))
    if not x.scores.empty:
        parts.append("<p>Fairness is the predicted share of a group's raters judging the "
                     "argument fair (0 = No, 0.5 = Somewhat, 1 = Yes); bridging is the least "
                     "convinced group's; lower is its 90% lower bound.</p>")
        parts.append(_proposals(x))
        parts.append(_map(x))
        parts.append(table(x.centres.reset_index(), "Opinion groups: centres on the anchor "
                           "scale and raters per group"))
    if not x.moderation.empty:
        parts.append(table(x.moderation, "Moderation: rejection rates of participants' "
                           "statements"))
    if not x.moderation_tests.empty:
        parts.append(table(x.moderation_tests, "Moderation: equal rates and agreement",
                           labels={"statistic": "chi-square or kappa"}))
    parts.append(_design(x))
    labels = {"estimate": "peers − placebo", "p_holm": "p (Holm)"}
    if not x.effects.empty:
        parts.append(table(x.effects, "Effect of reading peers' arguments vs placebo "
                           "(ANCOVA on the before answer, HC2)", labels=labels))
    if not x.effects_by_arm.empty:
        parts.append(table(x.effects_by_arm, "The same within each briefing (the arm with "
                           "the placebo step and its peers twin)", labels=labels))
    if not x.effects_by_group.empty:
        parts.append(table(x.effects_by_group, "The same within each opinion group (groups "
                           "from the before answers, so not affected by the treatment)",
                           labels=labels))
    if not x.selection_effects.empty:
        parts.append(table(x.selection_effects, "Bridging-selected vs random peers' arguments "
                           "(ANCOVA on the before answer, HC2, among the peers)",
                           labels={"estimate": "bridging − random", "p_holm": "p (Holm)"}))
    if not x.statement_effects.empty:
        se = x.statement_effects.reset_index()
        se = se.reindex(se["shrunk"].abs().sort_values(ascending=False).index).head(10)
        parts.append(table(se, "Largest per-statement exposure effects (empirical-Bayes "
                           "shrunk; q: Benjamini-Hochberg)"))
    if not x.feedback_effects.empty:
        parts.append(table(x.feedback_effects, "Feedback at the follow-up: the feedback page "
                           "(one's own argument by group, the arguments both groups found "
                           "fair, actual support beside one's estimate) before vs after the "
                           "re-asked questions, randomised; ANCOVA of the follow-up answer on "
                           "the before answer, HC2", labels={"estimate": "before − after",
                                                            "p_holm": "p (Holm)"}))
    if not x.pairwise.empty:
        parts.append(table(x.pairwise, "Social-choice check: rank by bridging, by Schulze over "
                           "the groups' rankings, and Bradley-Terry strength from the "
                           "pairwise choices"))
    if not x.dri.empty:
        parts.append(table(x.dri, "Deliberative Reason Index before (pre) and after (post): "
                           "how far pairs of participants who agree on the considerations "
                           "also agree on their ranking of the proposals (1 = fully "
                           "consistent); all pairs up to 5,000 participants, 1,000,000 "
                           "sampled pairs above", guard=("n",)))
    if not x.diagnostics.empty:
        parts.append(table(x.diagnostics, "Diagnostics of the bridging model"))
    if not x.checks.empty:
        parts.append(table(x.checks, "Checks: other rankings, reliability, SE calibration"))
    if not x.sensitivity.empty:
        parts.append(table(x.sensitivity, "Sensitivity to the statement penalties "
                           "(lam_c = lam_f)"))
    return "".join(parts)
