"""Attrition (issue #20): differential attrition by arm, Lee bounds, "don't know" rates.

References: Lee (2009), Review of Economic Studies 76:1071-1102, Proposition 1,
applied by hand to small examples below; Pearson's chi-square against
``scipy.stats.chi2_contingency(correction=False)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.attrition import attrition_by_arm, lee_bounds, nonsubstantive_rates
from analysis.pipeline import analyse_export
from analysis.report import render_report


def test_differential_attrition_is_pearsons_chi_square():
    p = pd.DataFrame({"participant_id": [f"p{i}" for i in range(60)],
                      "arm": ["a"] * 20 + ["b"] * 25 + ["c"] * 15})
    kept = pd.Series([f"p{i}" for i in [*range(0, 18), *range(20, 35), *range(45, 58)]])
    out = attrition_by_arm(p, kept).set_index("arm")
    assert out.loc[["a", "b", "c"], "retained"].tolist() == [18, 15, 13]
    assert out.loc["b", "attrition"] == pytest.approx(10 / 25)
    assert out.loc["total", ["allocated", "lost"]].tolist() == [60, 14]
    chi2, pval, dof, _ = stats.chi2_contingency([[18, 2], [15, 10], [13, 2]], correction=False)
    assert out.loc["total", "chi2"] == pytest.approx(chi2)
    assert out.loc["total", "p"] == pytest.approx(pval) and out.loc["total", "df"] == dof


def test_lee_bounds_follow_the_papers_formula_by_hand():
    # treated: 10 of 12 observed (q1 = 5/6), outcomes 1..10; control: 4 of 6 (q0 = 2/3),
    # outcomes 2, 4, 6, 8 (mean 5). p = (q1 - q0) / q1 = 0.2: trim 2 of the 10 treated.
    # Lower: mean(1..8) - 5 = -0.5; upper: mean(3..10) - 5 = 1.5.
    b = lee_bounds(range(1, 11), [2, 4, 6, 8], 12, 6)
    assert (b["trimmed"], b["trim_share"]) == ("treated", pytest.approx(0.2))
    assert (b["lower"], b["upper"], b["difference"]) == pytest.approx((-0.5, 1.5, 0.5))
    # the mirror: control keeps more, so control is trimmed and the bounds swap sign
    m = lee_bounds([2, 4, 6, 8], range(1, 11), 6, 12)
    assert m["trimmed"] == "control"
    assert (m["lower"], m["upper"]) == pytest.approx((-1.5, 0.5))
    # a share that cuts through a tie: q1 = 1, q0 = 5/8, p = 0.375 of 4 outcomes = 1.5
    # removed; lower keeps 1 + 2 + half of 2 (mass 2.5): 4 / 2.5 = 1.6; upper keeps
    # 3 + 2 + half of 2: 6 / 2.5 = 2.4; control mean 0
    t = lee_bounds([1, 2, 2, 3], [0] * 5, 4, 8)
    assert (t["lower"], t["upper"]) == pytest.approx((1.6, 2.4))
    same = lee_bounds([1, 2], [1, 3], 4, 4)
    assert same["trimmed"] == "none" and same["lower"] == same["upper"] == -0.5
    # q1 = 3/5, q0 = 2/4: p = 1/6 of 3 = half an outcome; (1 + 2 + 0.5 * 3) / 2.5 - 2.5 and
    # (3 + 2 + 0.5 * 1) / 2.5 - 2.5
    h = lee_bounds([1, 2, 3], [2, 3], 5, 4)
    assert (h["lower"], h["difference"], h["upper"]) == pytest.approx((-0.7, -0.5, -0.3))


def test_nonsubstantive_rates_by_hand_and_chi_square():
    items = pd.DataFrame({"item": ["q", "r"], "missing_codes": [(99.0,), ()]})
    a = pd.DataFrame({"item": ["q"] * 8 + ["r"] * 2, "arm": list("xxxxyyyy") + ["x", "y"],
                      "phase": "pre", "value": [1, 99, 99, 2, 3, 4, 99, 5, 99, 99.0]})
    out = nonsubstantive_rates(a, items).set_index("arm")
    assert out.loc["x", ["answers", "nonsubstantive"]].tolist() == [4, 2]  # r has no code
    assert out.loc["y", "share"] == pytest.approx(1 / 4)
    chi2, pval, _, _ = stats.chi2_contingency([[2, 2], [1, 3]], correction=False)
    assert out.loc["x", "chi2"] == pytest.approx(chi2) and out.loc["y", "p"] == pytest.approx(pval)


def test_the_report_shows_attrition_bounds_and_dont_know(demo):
    res = analyse_export(demo, n_boot=0)
    at = res.attrition.set_index("arm")
    assert list(at.index) == [*demo.arms, "total"]
    assert at.loc["total", "allocated"] == at.drop("total")["allocated"].sum()
    assert set(res.lee_bounds["item"]) == set(res.plan["primary_items"])
    assert (res.lee_bounds["lower"] <= res.lee_bounds["difference"] + 1e-12).all()
    assert (res.lee_bounds["difference"] <= res.lee_bounds["upper"] + 1e-12).all()
    assert set(res.nonsubstantive["phase"]) == {"pre", "post"}
    html = render_report(res)
    assert "Differential attrition: Pearson" in html and "Lee (2009) bounds" in html
    assert "non-substantive answers, by phase and arm" in html
    assert not np.isnan(at.loc["total", "p"])
