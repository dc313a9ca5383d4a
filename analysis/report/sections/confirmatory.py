"""Confirmatory results: exactly the tests the analysis plan names, its deviations, its power."""

from __future__ import annotations

from analysis.plan import expand_hypotheses
from analysis.report import plots
from analysis.report.html import Page, esc, figure, finite, table

ID = "confirmatory"
HEADING = "Confirmatory results"
EFFECT_COLS = ["hypothesis", "label", "arm", "n_arm", "n_control", "estimate", "ci_low",
               "ci_high", "ci_low_adj", "ci_high_adj", "se", "p", "p_plan", "direction",
               "supported"]


def family(page: Page) -> dict:
    """The confirmatory family: the plan's tests (``arm = "*"`` expanded to every treated
    arm), how many the data allowed, the correction, and each test's hypothesis id."""
    plan, ex = page.res.plan, page.ex
    treated = [a for a in ex.arms if a != ex.control_arm]
    try:
        tests = expand_hypotheses(plan, treated)
    except ValueError:  # "*" with no treated arm: nothing to expand to
        tests = []
    anc = page.res.ancova
    computed = int(anc["confirmatory"].sum()) if "confirmatory" in anc else 0
    return {"tests": len(tests), "computed": computed, "hypotheses": len(plan["hypotheses"]),
            "wildcard": any(h["arm"] == "*" for h in plan["hypotheses"]),
            "correction": plan["correction"], "alpha": plan["alpha"],
            "ids": {(test["item"], test["arm"]): test["id"] for test in tests}}


def family_text(page: Page) -> str:
    """One sentence (HTML): how many tests the correction runs over, and why."""
    f = family(page)
    h = f["hypotheses"]
    text = (f"The confirmatory family is {f['tests']} test{'s' if f['tests'] != 1 else ''} "
            f"({h} hypothes{'is' if h == 1 else 'es'}"
            + ("; a hypothesis about every treated arm is one test per treated arm" if
               f["wildcard"] else "")
            + f"), corrected by {esc(f['correction'])} over those {f['tests']}, "
            f"α = {f['alpha']:g}.")
    if f["computed"] != f["tests"]:
        text += f" {f['computed']} of them could be computed with this data."
    return text


def _plan_text(page: Page) -> str:
    plan = page.res.plan
    hyps = "".join(
        f"<li><strong>{esc(h['id'])}</strong>: {page.label(h['item'], 70)}, arm "
        f"{esc(h['arm'] if h['arm'] != '*' else 'every treated arm')}, expected "
        f"{esc(h['direction'] if h['direction'] != 'any' else 'change either way')}"
        f"{(': ' + esc(h['text'])) if h['text'] else ''}</li>" for h in plan["hypotheses"])
    origin = ("the campaign's preregistered primary items (--primary)"
              if plan.get("frozen_as") == "preregistration" else esc(plan.get("source", "")))
    wide = ("<p>A hypothesis about every treated arm adds one test per arm to the family, "
            "and every test added makes each one stricter; a plan that names the arm each "
            "hypothesis is about keeps the family to the tests it means (the flagship's "
            "plan does).</p>" if family(page)["wildcard"] else "")
    return (f"<p>Plan: {origin} (SHA-256 {esc(plan['sha256'][:16])}…). {family_text(page)} "
            f"Minimum effect of interest: {plan['minimum_effect']:g} SD.</p><ul>{hyps}</ul>"
            + wide)


def render(page: Page) -> str | None:
    plan = page.res.plan
    if not plan:
        return None
    anc = page.res.ancova
    head = ('<div class="confirmatory"><p>Preregistered primary items: '
            f"{esc(', '.join(plan['primary_items']))}. The tests of the plan's hypotheses "
            "below are the confirmatory tests; everything else in this report is "
            "exploratory.</p>" + _plan_text(page))
    dev = page.res.deviations
    head += ("<p><strong>Deviations from the plan</strong></p><ul>"
             + "".join(f"<li>{esc(d)}</li>" for d in dev) + "</ul>" if dev else
             "<p>Deviations from the plan: none.</p>")
    if anc.empty or not anc["confirmatory"].any():
        return head + "<p>No confirmatory test could be computed with this data.</p></div>"
    fam = family(page)
    conf = anc[anc["confirmatory"]].assign(
        label=lambda d: d["item"].map(page.label),
        hypothesis=lambda d: [fam["ids"].get((i, a), "") for i, a in
                              zip(d["item"], d["arm"], strict=True)])
    ok = conf[conf[["n_arm", "n_control"]].min(axis=1).ge(page.min_cell)
              & conf["estimate"].map(finite) & conf["ci_low"].map(finite)
              & conf["ci_high"].map(finite)]
    body = head
    if not ok.empty:
        body += figure(plots.forest(ok, [f"{page.wording(i, 30)} · {a}" for i, a in
                                         zip(ok["item"], ok["arm"], strict=True)],
                                    "Confirmatory effects vs control",
                                    "Difference from control, scale points "
                                    f"({page.res.options.level:.0%} CI, unadjusted)"),
                       "ANCOVA effects of each arm against control on the primary items.")
    level = f"{page.res.options.level:.0%}"
    body += table(conf, f"Confirmatory ANCOVA effects: {fam['tests']} tests, p adjusted by "
                  f"{plan['correction']} over them",
                  EFFECT_COLS, {"label": "item", "p": "p (unadjusted)",
                                "p_plan": f"p ({plan['correction']}, {fam['tests']} tests)",
                                "ci_low": f"{level} CI low (unadjusted)",
                                "ci_high": f"{level} CI high (unadjusted)",
                                "ci_low_adj": f"CI low (Bonferroni, {fam['tests']} tests)",
                                "ci_high_adj": f"CI high (Bonferroni, {fam['tests']} tests)",
                                "supported": "supported as planned"},
                  guard=("n_arm", "n_control"), min_cell=page.min_cell, html_cols=("label",))
    body += (f"<p>“Supported as planned” means the two-sided p-value adjusted by "
             f"{esc(plan['correction'])} over the {fam['tests']} confirmatory tests is below "
             f"α = {plan['alpha']:g} and the estimate has the sign the hypothesis expects "
             "(a hypothesis expecting a change either way needs only the p-value). The "
             f"unadjusted {level} intervals go with the unadjusted p; the Bonferroni intervals "
             f"(each at 1 − α/{fam['tests']}) cover all {fam['tests']} effects together with "
             f"probability at least 1 − α.</p>")
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
