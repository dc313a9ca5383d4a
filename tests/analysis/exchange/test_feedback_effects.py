"""The follow-up's feedback factor: its own contrast at follow-up, recovered on the demo data.

The demo generator (analysis/synthetic_followup.py) gives the completers who
come back a fair-coin ``feedback_order`` and raises the follow-up answer to
one item for those shown the feedback first; ``exchange_truth.csv`` holds the
true average effect (row ``statement = "feedback"``). The outside reference
for the estimate, its HC2 SE and Holm's adjustment is statsmodels (OLS with
``cov_type="HC2"``; ``multipletests(method="holm")``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from statsmodels.stats.multitest import multipletests

from analysis.exchange.effects import feedback_effects
from analysis.exchange.summary import analyse_exchange
from analysis.pipeline import analyse_export
from analysis.report import render_report
from analysis.synthetic_followup import DEMO_FEEDBACK_ITEM
from analysis.tidy import pairs

OUTCOMES = ["support_accord", "support_armistice", "support_strength"]


@pytest.fixture(scope="module")
def found(demo):
    return analyse_exchange(demo, n_boot=0)


def test_the_demo_export_records_the_order_for_those_who_came_back(demo, demo_dir):
    people = demo.participants
    assert "feedback_order" in people.columns
    back = people["followup_completed_at"].notna()
    assert set(people.loc[back, "feedback_order"]) == {"before", "after"}
    assert people.loc[~back, "feedback_order"].isna().all()
    header = (demo_dir / "participants.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith("followup_completed_at,feedback_order")


def test_the_known_feedback_effect_is_recovered(found, demo_dir):
    truth = pd.read_csv(demo_dir / "exchange_truth.csv").set_index("statement")
    effect, item = truth.loc["feedback", "effect"], truth.loc["feedback", "item"]
    assert item == DEMO_FEEDBACK_ITEM and effect > 0.3
    fe = found.feedback_effects.set_index("item")
    assert list(fe.index) == OUTCOMES
    row = fe.loc[item]
    # the true average effect lies inside the 99% interval, and it is detected after Holm
    assert abs(row["estimate"] - effect) <= 2.58 * row["se"], (row, effect)
    assert row["p_holm"] < 0.05
    others = fe.drop(index=item)
    assert (others["estimate"].abs() < 3 * others["se"]).all()  # no effect put there


def test_the_contrast_matches_statsmodels_ols_with_hc2_and_holm(demo, found):
    pp = pairs(demo, OUTCOMES, after="followup").rename(columns={"followup": "post"})
    order = demo.participants.set_index("participant_id")["feedback_order"]
    ours = feedback_effects(pp, order, OUTCOMES).set_index("item")
    raw = []
    for item in OUTCOMES:
        d = pp[pp["item"] == item].assign(first=lambda x: x["participant_id"].map(order))
        d = d[d["first"].isin(["before", "after"])].assign(
            first=lambda x: x["first"].eq("before").astype(float))
        ref = smf.ols("post ~ first + pre", data=d).fit(cov_type="HC2", use_t=True)
        assert ours.loc[item, "estimate"] == pytest.approx(ref.params["first"], rel=1e-10)
        assert ours.loc[item, "se"] == pytest.approx(ref.bse["first"], rel=1e-10)
        assert ours.loc[item, "p"] == pytest.approx(ref.pvalues["first"], rel=1e-8)
        assert ours.loc[item, "n_feedback_first"] == int(d["first"].sum())
        raw.append(ref.pvalues["first"])
    holm = multipletests(raw, method="holm")[1]
    np.testing.assert_allclose(ours.loc[OUTCOMES, "p_holm"], holm, rtol=1e-10)
    pd.testing.assert_frame_equal(found.feedback_effects.set_index("item"), ours)


def test_an_export_without_the_order_has_no_feedback_contrast(demo):
    import dataclasses

    older = dataclasses.replace(demo, participants=demo.participants.drop(
        columns="feedback_order"))
    assert analyse_exchange(older, n_boot=0).feedback_effects.empty
    one_level = pd.Series("after", index=demo.participants["participant_id"])
    pp = pairs(demo, OUTCOMES, after="followup").rename(columns={"followup": "post"})
    assert feedback_effects(pp, one_level, OUTCOMES).empty


def test_the_report_shows_the_feedback_contrast(demo):
    html = render_report(analyse_export(demo))
    section = html.split('<section id="exchange"', 1)[1].split("</section>", 1)[0]
    assert "Feedback at the follow-up" in section and "before − after" in section
    summary = html.split('<section id="summary"', 1)[1].split("</section>", 1)[0]
    assert f"seeing the feedback before the questions rather than after changed " \
        f"{DEMO_FEEDBACK_ITEM} by +" in summary
