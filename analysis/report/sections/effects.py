"""Effects against control (ANCOVA), forest plots grouped by scale, difference in differences."""

from __future__ import annotations

from analysis.report import plots
from analysis.report.html import Page, esc, figure, finite, table

ID = "effects"
HEADING = "Effects against control"
EFFECT_COLS = ["label", "arm", "n_arm", "n_control", "estimate", "ci_low", "ci_high", "se",
               "p", "p_holm", "p_bh"]
MAX_ROWS_PER_PLOT = 24


def heading(page: Page) -> str:
    plan = page.res.plan or {}
    return HEADING + (" (exploratory)" if plan.get("primary_items") else "")


def render(page: Page) -> str | None:
    anc = page.res.ancova
    if anc.empty:
        return "<p>Not estimated: " + esc(
            "the design has no control arm." if not page.ex.control_arm else
            "no analysed participants in the control arm and another arm.") + "</p>"
    plan = page.res.plan or {}
    expl = anc[~anc["confirmatory"]] if plan.get("primary_items") else anc
    expl = expl.assign(label=expl["item"].map(page.label),
                       scale=expl["item"].map(page.scale_of))
    body = ["<p>ANCOVA, the report's one (primary) estimator of each effect against control: "
            "after ~ arm + before, HC2 standard errors. One forest plot per answer "
            "scale, so effects on 1–7 items and 0–100 thermometers are each read on their own "
            "axis. Rows with fewer than the minimum cell size are left out of the plots.</p>"]
    ok = expl[expl[["n_arm", "n_control"]].min(axis=1).ge(page.min_cell)
              & expl["estimate"].map(finite) & expl["ci_low"].map(finite)
              & expl["ci_high"].map(finite)]
    for scale, grp in ok.groupby("scale", sort=False):
        for start in range(0, len(grp), MAX_ROWS_PER_PLOT):
            part = grp.iloc[start:start + MAX_ROWS_PER_PLOT]
            labels = [f"{page.wording(i, 28)} · {a}" for i, a in
                      zip(part["item"], part["arm"], strict=True)]
            body.append(figure(
                plots.forest(part, labels, f"Effects vs control, {scale} scale",
                             f"Difference from control, points on the {scale} scale"),
                f"ANCOVA effects against control on items answered on the {scale} scale, "
                "95% CIs; the table below has every number."))
    caption = "ANCOVA effects vs control" + (" (exploratory)" if plan.get("primary_items")
                                             else "")
    level = f"{page.res.options.level:.0%}"
    ci = {"ci_low": f"{level} CI low (unadjusted)", "ci_high": f"{level} CI high (unadjusted)",
          "p": "p (unadjusted)", "p_holm": "p (Holm)", "p_bh": "p (BH)"}
    body.append(table(expl, caption, EFFECT_COLS, {"label": "item", **ci},
                      guard=("n_arm", "n_control"), min_cell=page.min_cell,
                      html_cols=("label",)))
    did = page.res.did
    if not did.empty:
        did = did.assign(label=did["item"].map(page.label))
        body.append("<p>Difference in differences (the arm's mean change minus control's, "
                    "Welch t) is shown as a secondary estimator only; the ANCOVA above is the "
                    "report's estimate of each effect.</p>")
        body.append(table(did, "Difference in differences (secondary estimator)",
                          ["label", "arm", "n_arm", "n_control", "shift_arm", "shift_control",
                           "estimate", "ci_low", "ci_high", "p", "p_holm", "p_bh"],
                          {"label": "item", **ci}, guard=("n_arm", "n_control"),
                          min_cell=page.min_cell, html_cols=("label",)))
    return "".join(body)
