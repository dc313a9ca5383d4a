"""How the report presents its numbers (issue #20, "Presentation a referee would reject").

References: AAPOR Standard Definitions (10th ed., 2023) define the completion
rate over invitations, so a rate over starters is named "completion among
starters" (Callegaro & DiSogra 2008); the APA Publication Manual (7th ed.) writes
small p-values as "p < .001"-style inequalities, never "p = <"; CONSORT 2010
item 17a asks that each estimate's interval be labelled.
"""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.multiplicity import bonferroni_intervals
from analysis.pipeline import analyse_export
from analysis.plan import parse_plan
from analysis.report import render_report
from analysis.report.html import fmt, p_text


@pytest.fixture(scope="module")
def report(demo):
    res = analyse_export(demo, n_boot=0)
    return res, render_report(res)


def _section(page: str, ident: str) -> str:
    start = page.index(f'<section id="{ident}"')
    return page[start:page.index("</section>", start)]


def test_small_p_values_read_as_inequalities():
    assert fmt(3e-7, "p") == "&lt; 0.0001" and fmt(0.01234, "p_holm") == "0.0123"
    assert p_text(3e-7) == "p &lt; 0.0001" and p_text(0.5) == "p = 0.5000"


def test_no_p_equals_less_than_anywhere(report):
    _, page = report
    text = htmllib.unescape(re.sub(r"<[^>]+>", " ", page))
    assert "p < 0.0001" in text or "< 0.0001" in text  # the demo has tiny p-values
    assert not re.search(r"p\s*=\s*<", text)


def test_answer_categories_print_as_whole_numbers(report):
    _, page = report
    section = _section(page, "ordinal")
    tables = re.findall(r"<table><caption>Answer shares.*?</table>", section, re.S)
    assert tables
    for t in tables:
        head = re.findall(r'<th scope="col">(.*?)</th>', t)
        col = head.index("category")
        for row in re.findall(r"<tr>(.*?)</tr>", t, re.S)[1:]:
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
            assert re.fullmatch(r"\d+", cells[col]), cells[col]
    assert fmt(4.0, "df") == "4" and fmt(2.5, "df") == "2.500"


def test_completion_is_named_among_starters_not_aapor_completion_rate(report):
    _, page = report
    section = _section(page, "flow")
    assert '<th scope="col">completion among starters</th>' in section
    assert '<th scope="col">completion rate</th>' not in section


def test_methods_credit_stuart_maxwell_and_escape_item_placeholders(report):
    _, page = report
    methods = _section(page, "methods")
    text = htmllib.unescape(re.sub(r"<[^>]+>", " ", methods))
    assert "estimate_<item>" in text  # was swallowed as a tag
    assert "Parley's own implementation" in text and "(statsmodels" not in text


FLAGSHIP_PLAN = Path(__file__).parents[2] / "surveys" / "peace_in_europe" / "plan.toml"


def _primary_list(page: str) -> list[str]:
    summary = _section(page, "summary")
    start = summary.index("Primary outcomes")
    return re.findall(r"<li>(.*?)</li>", summary[start:summary.index("</ul>", start)], re.S)


def test_the_confirmatory_family_counts_tests_not_hypotheses(report):
    """The demo's preregistration names 3 items for every treated arm: the flagship's
    crossed design has 9 (five briefings with placebo or peers, control with placebo the
    control arm), 3 x 9 = 27 tests, and Holm runs over the 27 (Holm 1979: the family is
    the tests corrected together)."""
    res, page = report
    assert int(res.ancova["confirmatory"].sum()) == 27
    for ident in ("summary", "confirmatory"):
        section = _section(page, ident)
        assert "The confirmatory family is 27 tests (3 hypotheses" in section
        assert "corrected by holm over those 27" in section
    assert "Correction over the 3 hypotheses" not in page
    assert len(_primary_list(page)) == 27
    assert "one test per arm to the family" in _section(page, "confirmatory")


def test_a_plan_with_arm_specific_hypotheses_lists_exactly_them_as_primary(demo):
    plan = parse_plan(FLAGSHIP_PLAN.read_text(encoding="utf-8"), "plan.toml")
    res = analyse_export(demo, n_boot=0, plan=plan)
    page = render_report(res)
    primary = _primary_list(page)
    assert len(primary) == 3
    assert [p.split(":")[0] for p in primary] == ["H1", "H2", "H3"]
    assert "accord vs control" in primary[0] and "armistice vs control" in primary[1]
    assert "The confirmatory family is 3 tests (3 hypotheses)" in page
    assert "one test per arm to the family" not in page
    assert "over 3 tests" in primary[0]


def test_confirmatory_rows_carry_labelled_and_bonferroni_intervals(report):
    res, page = report
    conf = res.ancova[res.ancova["confirmatory"]]
    k = len(conf)
    # simultaneous intervals: estimate ± t(1 - alpha/(2k), df) se (Bonferroni; the t
    # quantile checked against a printed t table in analysis.multiplicity's doctest)
    q = stats.t.ppf(1 - 0.05 / (2 * k), conf["df"])
    assert np.allclose(conf["ci_high_adj"] - conf["estimate"], q * conf["se"])
    assert ((conf["ci_low_adj"] < conf["ci_low"]) & (conf["ci_high_adj"] > conf["ci_high"])).all()
    section = _section(page, "confirmatory")
    assert "95% CI low (unadjusted)" in section and "CI low (Bonferroni, 27 tests)" in section
    assert "two-sided p-value adjusted by holm over the 27 confirmatory tests is below" in section
    assert "has the sign the hypothesis expects" in section
    summary = _section(page, "summary")
    assert "unadjusted; Bonferroni-adjusted CI" in summary


def test_bonferroni_intervals_against_a_t_table():
    """NIST/SEMATECH e-Handbook 1.3.6.7.2 (t table): t(0.995, 30) = 2.750,
    t(0.995, 60) = 2.660; k = 5 tests at 95% use the 0.995 quantile."""
    d = pd.DataFrame({"estimate": [0.0, 1.0], "se": [1.0, 2.0], "df": [30.0, 60.0]})
    r = bonferroni_intervals(d, k=5, level=0.95)
    multiplier = (r["ci_high_adj"] - d["estimate"]) / d["se"]
    assert np.round(multiplier, 3).tolist() == [2.750, 2.660]
    assert np.allclose(r["ci_low_adj"] + r["ci_high_adj"], 2 * d["estimate"])
    with pytest.raises(ValueError, match="k must be"):
        bonferroni_intervals(d, k=0)


def test_distributions_polarisation_rankings_and_metaperception_use_the_paired_sample(report):
    """Before and after on the same people, as the shift tables (Gerber et al. 2014, JEPS
    reporting standards: compare like with like); the unpaired view only as an extra."""
    res, page = report
    for name in ("polarisation", "likert_shares"):
        n = res[name].groupby(["item", "phase"])["n"].sum().unstack("phase")
        assert (n["pre"] == n["post"]).all(), name
        u = res[f"{name}_unpaired"].groupby(["item", "phase"])["n"].sum().unstack("phase")
        assert (u["pre"] > u["post"]).any(), name  # break-offs: the samples differ
    rg = res.ranking_groups.pivot_table(index="arm", columns="phase", values="n")
    assert (rg["pre"] == rg["post"]).all()
    mp = res.metaperception
    assert mp.loc[mp["phase"] == "pre", "n_estimates"].sum() == mp.loc[
        mp["phase"] == "post", "n_estimates"].sum()
    for ident in ("ordinal", "polarisation", "rankings", "metaperception"):
        section = _section(page, ident)
        assert "paired sample: participants who answered before and after" in section, ident
        assert "<details><summary>Unpaired view (an extra)" in section, ident


def test_effects_against_control_come_first_and_within_arm_tests_are_descriptive(report):
    res, page = report
    order = [page.index(f'<section id="{i}"') for i in ("confirmatory", "effects", "items",
                                                          "shifts", "ordinal")]
    assert order == sorted(order)
    shifts = _section(page, "shifts")
    assert "Change within each arm (descriptive)" in shifts and "are descriptive" in shifts
    ordinal = _section(page, "ordinal")
    assert "within each arm (descriptive)" in ordinal


def test_one_estimator_per_contrast_ancova_first_did_secondary(report):
    res, page = report
    items = _section(page, "items")
    assert "effect vs control (ANCOVA)" in items and "difference in differences" not in items
    row = res.ancova[(res.ancova["item"] == "support_accord") & (res.ancova["arm"] == "accord")]
    first = items[:items.index("</table>")]
    assert fmt(float(row["estimate"].iloc[0])) in first  # the ANCOVA estimate, not DiD's
    did = res.did[(res.did["item"] == "support_accord") & (res.did["arm"] == "accord")]
    assert fmt(float(did["estimate"].iloc[0])) not in first
    effects = _section(page, "effects")
    assert "Difference in differences (secondary estimator)" in effects
    assert not res.construct_ancova.empty and "p_holm" in res.knowledge_ancova
