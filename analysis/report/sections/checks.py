"""Balance and manipulation checks: balance before treatment, per-briefing questions,
knowledge gain, attention-check failure, and the exclusion rule used."""

from __future__ import annotations

import pandas as pd

from analysis.balance import BALANCE_RULE, IMBALANCE
from analysis.reading import FAST_WPM, TYPICAL_WPM
from analysis.report.html import Page, esc, table

ID = "checks"
HEADING = "Balance and manipulation checks"


def render(page: Page) -> str | None:
    res, opt = page.res, page.res.options
    body = []
    rule = ("only checks taken before the treatment (about-you and before pages), as "
            "Montgomery, Nyhan &amp; Torres (2018) advise: excluding on checks taken after "
            "the briefing can bias the effects" if opt.pretreatment_checks else
            "checks from every phase, including after the briefing (this can bias effects: "
            "Montgomery, Nyhan &amp; Torres 2018)")
    body.append(f"<p>Exclusion rules used: {esc(', '.join(opt.exclusions) or 'none')}, "
                f"applied to {rule}.</p>")
    bal = res.balance
    ref = page.ex.control_arm or (page.ex.arms[0] if page.ex.arms else "")
    if bal is not None and not bal.empty:
        bal = bal.assign(label=bal["variable"].map(
            lambda v: page.label(v.removeprefix("before: ")) + (
                " (before)" if v.startswith("before: ") else "")))
        body.append(f"<p>Standardised differences (Austin 2009) of the about-you answers, "
                    f"the language and the before answers, each arm against {esc(ref)}. "
                    f"The balance rule, fixed before the data: {esc(BALANCE_RULE)}.</p>")
        body.append(table(bal, f"Balance before treatment: each arm vs {ref}",
                          ["label", "level", "arm", "n_arm", "n_reference", "value_arm",
                           "value_reference", "smd", "imbalanced"],
                          {"label": "variable", "value_arm": "arm mean or share",
                           "value_reference": f"{ref} mean or share", "smd": "std. difference",
                           "imbalanced": f"|d| > {IMBALANCE:g}"},
                          guard=("n_arm", "n_reference"), min_cell=page.min_cell,
                          html_cols=("label",)))
    else:
        body.append("<p>Balance: not computed (no second arm to compare).</p>")
    mq = res.module_questions
    if mq is not None and not mq.empty:
        mq = mq.assign(label=mq["item"].map(page.label))
        body.append(table(mq, "Questions about each briefing (balance, clarity, trust), by arm",
                          ["label", "module", "arm", "n", "mean", "sd"], {"label": "item"},
                          guard=("n",), min_cell=page.min_cell, html_cols=("label",)))
    rs = res.reading_speed
    if rs is not None and not rs.empty:
        body.append(table(rs, "Reading time of each briefing, by arm",
                          ["module", "arm", "n", "words", "median_seconds", "median_wpm",
                           "share_too_fast"],
                          {"median_wpm": "median words per minute",
                           "share_too_fast": f"share faster than {FAST_WPM} wpm"},
                          guard=("n",), min_cell=page.min_cell))
        body.append(f"<p>Words per minute = the briefing's words in the participant's "
                    f"language ÷ minutes on its page. Adults read non-fiction at about "
                    f"{TYPICAL_WPM} words per minute (Brysbaert 2019); faster than {FAST_WPM} "
                    "is flagged as too fast to have read it (a manipulation check, not an "
                    "exclusion rule: reading happens after the treatment starts).</p>")
    else:
        body.append("<p>Reading times: not available (the export has no pages.csv or no "
                    "word counts of the briefings).</p>")
    ks = res.knowledge_shifts
    if ks is not None and not ks.empty:
        body.append(table(ks, "Knowledge gain by arm (share correct, before and after)",
                          ["arm", "n", "mean_before", "mean_after", "shift", "ci_low",
                           "ci_high"], {"shift": "gain"}, guard=("n",),
                          min_cell=page.min_cell))
    body += _attrition(page)
    att = res.attention_by_arm
    body.append(table(att, "Attention-check failure by arm and phase", ["arm", "phase", "n",
                                                                      "failed"],
                      {"failed": "share failed"}, guard=("n",), min_cell=page.min_cell,
                      empty="Attention checks: none in this survey."))
    return "".join(body)


def _attrition(page: Page) -> list[str]:
    """Attrition by arm with its test, Lee bounds, "don't know" rates by arm and phase."""
    res, body = page.res, []
    at = res.attrition
    if at is not None and not at.empty:
        total = at.set_index("arm").loc["total"]
        body.append(table(at.drop(columns=["chi2", "df", "p"]),
                          "Attrition after allocation, by arm (allocated and kept by the "
                          "exclusion rules; lost = not in the analysis)",
                          guard=("allocated",), min_cell=page.min_cell))
        if pd.notna(total["p"]):
            body.append(f"<p>Differential attrition: Pearson's χ² = {total['chi2']:.2f}, "
                        f"df = {int(total['df'])}, p = {total['p']:.3f} for the same "
                        "attrition in every arm.</p>")
    lee = res.lee_bounds
    if lee is not None and not lee.empty:
        lee = lee.assign(label=lee["item"].map(page.label))
        body.append(table(lee, "Lee (2009) bounds on each planned item's effect under "
                          "differential attrition (change before to after, arm minus control)",
                          ["label", "arm", "n_arm", "n_control", "q_treated", "q_control",
                           "trim_share", "trimmed", "difference", "lower", "upper"],
                          {"label": "item", "q_treated": "share observed (arm)",
                           "q_control": "share observed (control)", "trim_share": "trimmed",
                           "trimmed": "arm trimmed", "difference": "untrimmed difference"},
                          guard=("n_arm", "n_control"), min_cell=page.min_cell,
                          html_cols=("label",)))
        body.append("<p>The arm that kept more of its participants is trimmed by the excess "
                    "share, from the top for the lower bound and from the bottom for the "
                    "upper; the bounds hold whatever the lost participants would have "
                    "answered, if the briefing never made one person stay and another "
                    "leave.</p>")
    ns = res.nonsubstantive
    if ns is not None and not ns.empty:
        body.append(table(ns, "“Don't know” and other non-substantive answers, by phase and "
                          "arm (χ² test across arms per phase)",
                          ["phase", "arm", "answers", "nonsubstantive", "share", "chi2", "df",
                           "p"], {"nonsubstantive": "don't know etc."},
                          guard=("answers",), min_cell=page.min_cell))
    return body
