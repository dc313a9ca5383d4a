"""Summary first: sample and flow, arms, primary outcomes in plain words, warnings."""

from __future__ import annotations

from analysis.balance import IMBALANCE
from analysis.report.html import TOO_FEW, Page, esc, finite, fmt, p_text
from analysis.report.sections.confirmatory import family, family_text
from analysis.report.sections.exchange import plain_summary

ID = "summary"
HEADING = "Summary"


def warnings(page: Page) -> list[str]:
    """The warnings that matter, in plain words (also used by the summary of checks)."""
    ex, res, out = page.ex, page.res, []
    if ex.participants.empty:
        return ["No participants: the campaign has no data yet, so there is nothing to report."]
    analysed = page.res.analysed_per_arm()
    small = [f"{a} ({n})" for a, n in analysed.items() if n < page.min_cell]
    if small:
        out.append(f"Small cells: {', '.join(small)} analysed, fewer than the minimum of "
                   f"{page.min_cell}; their estimates are shown as “{TOO_FEW}”.")
    if len(analysed) < 2:
        out.append("Only one arm has participants: nothing can be compared between arms.")
    if not ex.control_arm:
        out.append("The design has no control arm: shifts cannot be told apart from "
                   "test-retest change, and no effects against control are estimated.")
    elif analysed.get(ex.control_arm, 0) == 0:
        out.append(f"No analysed participant in the control arm ({ex.control_arm}): no "
                   "effects against control.")
    bal = res.balance
    if not bal.empty and "smd" in bal:
        big = bal[bal["smd"].abs() > IMBALANCE]
        big = big[big["n_arm"].ge(page.min_cell) & big["n_reference"].ge(page.min_cell)]
        if not big.empty:
            names = sorted(set(big["variable"]))
            out.append(f"Imbalance: {len(big)} standardised difference(s) above {IMBALANCE:g} "
                       f"between arms before treatment ({', '.join(names[:6])}"
                       f"{', …' if len(names) > 6 else ''}); by the balance rule, adjust "
                       "for them in a sensitivity analysis (see Balance).")
    att = res.attention_by_arm
    if not att.empty:
        high = att[(att["n"] >= page.min_cell) & (att["failed"] > 0.2)]
        for row in high.itertuples(index=False):
            out.append(f"High attention-check failure: {row.failed:.0%} in arm {row.arm} "
                       f"({row.phase}).")
    return out


def _primary_sentences(page: Page) -> list[str]:
    """One line per test of the plan's confirmatory family, labelled by its hypothesis."""
    anc = page.res.ancova
    if anc.empty or "confirmatory" not in anc or not anc["confirmatory"].any():
        return []
    out = []
    plan = page.res.plan or {}
    fam = family(page)
    correction = plan.get("correction", "holm")
    level = f"{page.res.options.level:.0%}"
    for row in anc[anc["confirmatory"]].itertuples(index=False):
        hyp = fam["ids"].get((row.item, row.arm))
        named = hyp and hyp != row.item  # plans from --primary name a test by its item
        what = (f"{esc(hyp) + ': ' if named else ''}{page.label(row.item, 70)}, "
                f"{esc(row.arm)} vs control")
        if min(row.n_arm, row.n_control) < page.min_cell or not finite(row.estimate):
            out.append(f"<li>{what}: {TOO_FEW} (n = {row.n_arm} vs {row.n_control}).</li>")
            continue
        p_adj = getattr(row, "p_plan", row.p_holm)
        direction = "higher" if row.estimate > 0 else "lower"
        adj = (f"; Bonferroni-adjusted CI {fmt(row.ci_low_adj)} to {fmt(row.ci_high_adj)}"
               if finite(getattr(row, "ci_low_adj", None)) else "")
        out.append(
            f"<li>{what}: {fmt(abs(row.estimate))} points {direction} than control on the "
            f"{esc(page.scale_of(row.item))} scale ({level} CI {fmt(row.ci_low)} to "
            f"{fmt(row.ci_high)}, unadjusted{adj}; {p_text(p_adj)} adjusted by "
            f"{esc(correction)} over {fam['tests']} tests; "
            f"n = {row.n_arm} vs {row.n_control}).</li>")
    return out


def render(page: Page) -> str:
    ex, res = page.ex, page.res
    flow = res.flow_counts()
    arms = ", ".join(f"{esc(a)}{' (control)' if a == ex.control_arm else ''}" for a in ex.arms)
    parts = [f"<p>{flow['started']:,} participants started (consented) and "
             f"{flow['allocated']:,} were allocated to arms; {flow['completed']:,} completed and "
             f"{flow['kept'] - flow['completed']:,} broke off with their answers kept; of these "
             f"{flow['kept']:,}, {flow['excluded']:,} were excluded by the exclusion rules, "
             f"{flow['kept'] - flow['excluded'] - flow['analysed']:,} have no complete "
             f"before/after pair (or no weight) and {flow['analysed']:,} are analysed. "
             f"Arms: {arms or 'none'}."
             f" Effective sample size (Kish): {res.kish_n():,.1f}"
             f" ({esc(res.weights_used())}).</p>"]
    primary = _primary_sentences(page)
    plan = res.plan
    if primary:
        parts.append("<p>Primary outcomes (confirmatory: the tests the analysis plan names; "
                     "after reading, against control, adjusted for the before answer). "
                     f"{family_text(page)}</p><ul>" + "".join(primary) + "</ul>")
    elif plan and plan.get("primary_items"):
        parts.append("<p>The analysis plan names primary outcomes, but they could not be "
                     "estimated with this data (see the warnings).</p>")
    else:
        parts.append("<p>No analysis plan names primary outcomes: every result in this "
                     "report is exploratory.</p>")
    exchange = plain_summary(res)
    if exchange:
        parts.append(exchange)
    w = warnings(page)
    if w:
        parts.append('<div class="note"><p><strong>Warnings</strong></p><ul>'
                     + "".join(f"<li>{esc(x)}</li>" for x in w) + "</ul></div>")
    else:
        parts.append("<p>No warnings: every cell has at least the minimum of "
                     f"{page.min_cell} participants.</p>")
    return "".join(parts)
