"""Issue 10: the report for the campaigns a new user meets first, none misleading.

Each case is built from the synthetic generator and cut down (no participants,
one arm, no control, 3 participants); each report must have its sections, say
what it cannot show, and print no NaN, "inf" or traceback.
"""

from __future__ import annotations

import copy
import re

import pytest

from analysis.load import export_from_frames
from analysis.pipeline import analyse_export
from analysis.report import render_report
from analysis.synthetic import make_demo_data

BAD = re.compile(r"\bnan\b|\binf\b|Traceback|-inf\b", re.I)


def _visible_text(html: str) -> str:
    """The page without its SVG path data and style (numbers like 1e-inf never live there)."""
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    html = re.sub(r"<svg .*?</svg>", lambda m: " ".join(
        re.findall(r"<(?:title|desc)[^>]*>(.*?)</(?:title|desc)>", m.group(0), re.S)),
        html, flags=re.S)
    return html


def _cut(data, keep=None, arms=None, control=True):
    """An Export of ``data`` keeping some participants, some arms, with or without control."""
    p, a = data.participants, data.answers
    if arms is not None:
        p = p[p["arm"].isin(arms)]
    if keep is not None:
        p = p[p["participant_id"].isin(keep)]
    a = a[a["participant_id"].isin(p["participant_id"])]
    manifest = copy.deepcopy(data.manifest)
    codebook = copy.deepcopy(data.codebook)
    if arms is not None:
        manifest["design"]["arms"] = [x for x in manifest["design"]["arms"] if x["id"] in arms]
        codebook["arms"] = [x for x in codebook["arms"] if x["id"] in arms]
    if not control:
        manifest["design"]["control_arm"] = None
        for x in manifest["design"]["arms"] + codebook["arms"]:
            x["control"] = False
    manifest["row_counts"] = {**manifest["row_counts"], "participants": len(p),
                              "answers": len(a)}
    return export_from_frames(p, a, codebook, manifest, "<case>")


@pytest.fixture(scope="module")
def data():
    return make_demo_data(30, seed=5, n_items=8)


def _report(ex, **options):
    res = analyse_export(ex, n_boot=0, **options)
    html = render_report(res)
    text = _visible_text(html)
    assert not BAD.search(text), BAD.search(text).group(0) + " in: " + text[
        max(0, BAD.search(text).start() - 300):BAD.search(text).end() + 100]
    assert html.startswith("<!DOCTYPE html>") and '<section id="summary"' in html
    assert html.index('id="summary"') < html.index('id="methods"')
    return html


def test_report_of_an_empty_campaign_says_there_is_no_data(data):
    html = _report(_cut(data, keep=[]))
    assert "No participants" in html
    assert "0 participants started" in html


def test_report_of_one_arm_says_nothing_can_be_compared(data):
    html = _report(_cut(data, arms=["accord"]))
    assert "Only one arm has participants" in html
    assert 'id="items"' in html and "Not estimated" in html


def test_report_without_control_says_effects_are_not_estimated(data):
    html = _report(_cut(data, control=False))
    assert "The design has no control arm" in html
    assert "no effects against control are estimated" in html


def test_report_of_three_participants_shows_no_estimate(data):
    p = data.participants
    done = p[p["status"] == "completed"]
    keep = [done[done["arm"] == "accord"]["participant_id"].iloc[0],
            *done[done["arm"] == "control"]["participant_id"].iloc[:2]]
    html = _report(_cut(data, keep=keep))
    assert "too few participants" in html
    assert "Small cells" in html
    assert "&lt; 0.0001" not in html and "< 0.0001" not in html  # no tiny p from 3 people


def test_report_of_the_demo_data_has_every_section(data):
    html = _report(_cut(data))
    for ident in ("summary", "flow", "checks", "confirmatory", "items", "effects", "shifts", "ordinal",
                  "constructs", "quality", "methods"):
        assert f'<section id="{ident}"' in html, ident
    summary = html[html.index('id="summary"'):html.index('id="confirmatory"')]
    assert "Primary outcomes (confirmatory" in summary and "95% CI" in summary
    assert "Effective sample size (Kish)" in summary
    # items are labelled by their wording, with the id in small type
    assert 'small class="id">support_accord</small>' in html
    assert "Montgomery, Nyhan &amp; Torres (2018)" in html and "break-off rate" in html
    assert '<svg class="flow" role="img"' in html and "Analysed (complete before/after" in html
    assert "Balance before treatment" in html and "Attention-check failure by arm" in html


def test_ancova_with_one_participant_in_an_arm_has_no_standard_error_and_no_warning():
    """HC2 divides each squared residual by 1 - h_ii (MacKinnon & White 1985); a lone
    participant in an arm has leverage h = 1, so the arm's variance is undefined: NaN,
    never a RuntimeWarning that stops a live report, never a number."""
    import pandas as pd

    from analysis.effects import ancova

    d = pd.DataFrame({"item": "x", "arm": ["a", "control", "control", "control"],
                      "pre": [3.0, 2.0, 4.0, 3.0], "post": [5.0, 2.0, 4.0, 4.0]})
    row = ancova(d, control="control").iloc[0]  # filterwarnings=error: a warning fails
    # by hand: control's line is post = 1/3 + 1 * pre (slope 2/2, means 3 and 10/3); the
    # lone participant sits 5 - (1/3 + 3) = 5/3 above it
    assert row["n_arm"] == 1 and row["estimate"] == pytest.approx(5 / 3, rel=1e-12)
    assert all(pd.isna(row[c]) for c in ("se", "ci_low", "ci_high", "t", "p"))
