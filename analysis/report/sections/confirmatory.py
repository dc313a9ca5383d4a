"""Confirmatory results: exactly the tests the analysis plan names, its deviations, its power."""

from __future__ import annotations

from analysis.report import plots
from analysis.report.html import Page, esc, figure, finite, table

ID = "confirmatory"
HEADING = "Confirmatory results"
EFFECT_COLS = ["label", "arm", "n_arm", "n_control", "estimate", "ci_low", "ci_high", "se",
               "p", "p_plan", "direction", "supported"]


def _plan_text(page: Page) -> str:
    plan = page.res.plan
    hyps = "".join(
        f"<li><strong>{esc(h['id'])}</strong>: {page.label(h['item'], 70)}, arm "
        f"{esc(h['arm'] if h['arm'] != '*' else 'every treated arm')}, expected "
        f"{esc(h['direction'] if h['direction'] != 'any' else 'change either way')}"
        f"{(': ' + esc(h['text'])) if h['text'] else ''}</li>" for h in plan["hypotheses"])
    origin = ("the campaign's preregistered primary items (--primary)"
              if plan.get("frozen_as") == "preregistration" else esc(plan.get("source", "")))
    return (f"<p>Plan: {origin} (SHA-256 {esc(plan['sha256'][:16])}…). Correction over the "
            f"{len(plan['hypotheses'])} hypothes{'is' if len(plan['hypotheses']) == 1 else 'es'}"
            f": {esc(plan['correction'])}, α = {plan['alpha']:g}. Minimum effect of interest: "
            f"{plan['minimum_effect']:g} SD.</p><ul>{hyps}</ul>")


def render(page: Page) -> str | None:
    plan = page.res.plan
    if not plan:
        return None
    anc = page.res.ancova
    head = (f'<div class="confirmatory"><p>Preregistered primary items: '
            f"{esc(', '.join(plan['primary_items']))}. Family: "
            f"{esc(str(plan.get('family') or 'primary'))}. These are the confirmatory tests; "
            "everything else in this report is exploratory.</p>" + _plan_text(page))
    dev = page.res.deviations
    head += ("<p><strong>Deviations from the plan</strong></p><ul>"
             + "".join(f"<li>{esc(d)}</li>" for d in dev) + "</ul>" if dev else
             "<p>Deviations from the plan: none.</p>")
    if anc.empty or not anc["confirmatory"].any():
        return head + "<p>No confirmatory test could be computed with this data.</p></div>"
    conf = anc[anc["confirmatory"]].assign(label=lambda d: d["item"].map(page.label))
    ok = conf[conf[["n_arm", "n_control"]].min(axis=1).ge(page.min_cell)
              & conf["estimate"].map(finite) & conf["ci_low"].map(finite)
              & conf["ci_high"].map(finite)]
    body = head
    if not ok.empty:
        body += figure(plots.forest(ok, [f"{page.wording(i, 30)} · {a}" for i, a in
                                         zip(ok["item"], ok["arm"], strict=True)],
                                    "Confirmatory effects vs control",
                                    "Difference from control, scale points (95% CI)"),
                       "ANCOVA effects of each arm against control on the primary items.")
    body += table(conf, "Confirmatory ANCOVA effects (adjusted within the primary family)",
                  EFFECT_COLS, {"label": "item", "p_plan": f"p ({plan['correction']})",
                                "supported": "supported as planned"},
                  guard=("n_arm", "n_control"), min_cell=page.min_cell, html_cols=("label",))
    pw = page.res.power
    if pw is not None and not pw.empty:
        body += table(pw.assign(label=pw["item"].map(page.label)),
                      "Power at the sample reached for the plan's minimum effect",
                      ["label", "arm", "n_arm", "n_control", "minimum_effect", "correlation",
                       "correlation_within_arm", "alpha", "power"],
                      {"label": "item", "minimum_effect": "effect (SD)",
                       "correlation": "planned correlation",
                       "correlation_within_arm": "observed within-arm correlation",
                       "alpha": "α per test"},
                      guard=("n_arm", "n_control"), min_cell=page.min_cell,
                      html_cols=("label",))
        body += ("<p>Power of the ANCOVA test to detect the minimum effect of interest with "
                 "the participants analysed"
                 + (f", at α ÷ {int(pw['tests'].iloc[0])} (the number of confirmatory tests)"
                    if plan["correction"] in ("holm", "bonferroni") else "")
                 + ", using the plan's before/after correlation (closed form; "
                 "Borm et al. 2007), not the observed one, which is shown beside it: power "
                 "computed from the data's own estimates says nothing the p-value does not "
                 "(Hoenig &amp; Heisey 2001). Low power means a non-significant result says "
                 "little.</p>")
    return body + "</div>"
