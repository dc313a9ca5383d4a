"""Free-text themes and follow-up persistence (issue 10, points 8 and 9).

Themes: a corpus with two known topics per language must come back as those
topics, with shares by arm equal to a hand count. Persistence: the share kept
is worked out by hand on a small table; its comparison with control is the
difference in differences already checked against R (tests/analysis/
test_effects.py, Welch t on R's sleep data), reused on follow-up minus before.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.followup import persistence
from analysis.load import export_from_frames
from analysis.pipeline import analyse_export
from analysis.report import render_report
from analysis.synthetic import make_demo_data
from analysis.themes import text_themes
from tests.analysis.test_report_cases import BAD, _visible_text

WAR = ["the war costs too many lives", "soldiers die in this war every day",
       "stop the war and save lives", "war destroys lives and towns"]
TRADE = ["trade and growth bring peace", "economic trade creates growth",
         "growth through fair trade", "open trade means growth for all"]
KRIEG = ["der krieg kostet leben", "krieg zerstört leben", "der krieg muss enden leben",
         "jeder krieg kostet leben"]
HANDEL = ["handel bringt wachstum", "wachstum durch handel", "freier handel und wachstum",
          "handel schafft wachstum"]


def test_themes_recover_two_known_topics_per_language_with_shares_by_arm():
    rows = []
    for lang, a, b in (("en", WAR, TRADE), ("de", KRIEG, HANDEL)):
        for i, text in enumerate(a * 3):
            rows.append((f"p{lang}_a{i}", "x" if i < 8 else "y", lang, text))
        for i, text in enumerate(b * 3):
            rows.append((f"p{lang}_b{i}", "y", lang, text))
    df = pd.DataFrame(rows, columns=["participant_id", "arm", "language", "text"]).assign(
        item="why")
    themes, shares, examples = text_themes(df, min_answers=10, max_themes=2)
    for lang, topic_a, topic_b in (("en", "war", "trade"), ("de", "krieg", "handel")):
        th = themes[themes["language"] == lang].set_index("theme")
        assert sorted(th["n"]) == [12, 12]
        war = th.index[th["terms"].str.contains(topic_a)][0]
        assert topic_b not in th.loc[war, "terms"]
        # by hand: arm x has 8 answers, all on topic a; arm y has 4 on a and 12 on b
        sh = shares[(shares["language"] == lang) & (shares["theme"] == war)].set_index("arm")
        assert sh.loc["x", "share"] == 1.0 and sh.loc["y", "share"] == pytest.approx(4 / 16)
        ex = examples[(examples["language"] == lang) & (examples["theme"] == war)]
        assert all(topic_a in t for t in ex["text"])


def test_too_few_answers_give_no_themes():
    df = pd.DataFrame({"participant_id": ["a", "b"], "arm": "x", "language": "en",
                       "item": "why", "text": ["war", "trade"]})
    themes, shares, examples = text_themes(df, min_answers=10)
    assert themes.empty and shares.empty and examples.empty


def test_persistence_by_hand_and_against_control():
    t = pd.DataFrame({
        "participant_id": list("abcdefgh"), "arm": ["x"] * 4 + ["control"] * 4, "item": "q",
        "pre": [1, 2, 3, 2, 2, 3, 2, 3], "post": [3, 4, 5, 4, 2, 3, 3, 3],
        "followup": [2, 3, 4, 2, 2, 3, 2, 4]})
    out = persistence(t, "control").set_index("arm")
    # by hand: arm x pre 2, post 4, follow-up 2.75 -> kept 0.75 / 2 = 0.375
    assert out.loc["x", "persisted"] == pytest.approx(0.375)
    # follow-up change x: [1, 1, 1, 0]; control: [0, 0, 0, 1]; Welch t (scipy, as R t.test)
    assert out.loc["x", "estimate"] == pytest.approx(0.75 - 0.25)
    welch = stats.ttest_ind([1, 1, 1, 0], [0, 0, 0, 1], equal_var=False)
    assert out.loc["x", "p"] == pytest.approx(welch.pvalue, rel=1e-10)
    # control's own shift after reading is 0.25; no change at all gives "–" (NaN), not inf
    flat = persistence(t.assign(post=t["pre"]), None)
    assert flat["persisted"].isna().all()


def with_followup(data, keep: float = 0.5, seed: int = 0):
    """The demo data plus a follow-up wave: each post answer moved back toward the before
    answer (keeping ``keep`` of the shift), for the participants who completed."""
    rng = np.random.default_rng(seed)
    a = data.answers
    post = a[a["phase"] == "post"].copy()
    pre = a[a["phase"] == "pre"].set_index(["participant_id", "item"])["value"]
    done = data.participants.loc[data.participants["status"] == "completed", "participant_id"]
    post = post[post["participant_id"].isin(done)]
    before = pre.reindex(list(zip(post["participant_id"], post["item"], strict=True))).to_numpy()
    value = post["value"].astype(float).to_numpy()
    moved = np.where(np.isnan(before), value, before + keep * (value - before))
    post["value"] = np.where(np.isnan(value), np.nan, np.round(moved + rng.normal(0, 0.01,
                                                                                   len(value))))
    fu = post.assign(phase="followup", page="followup_" + post["page"].astype(str))
    answers = pd.concat([a, fu], ignore_index=True)
    manifest = copy.deepcopy(data.manifest)
    manifest["row_counts"] = {**manifest["row_counts"], "answers": len(answers)}
    codebook = copy.deepcopy(data.codebook)
    for it in codebook["items"]:
        if "post" in it["phases"]:
            it["phases"] = [*it["phases"], "followup"]
    return export_from_frames(data.participants, answers, codebook, manifest, "<followup>")


def test_report_of_a_campaign_with_a_follow_up_wave():
    data = make_demo_data(40, seed=9, n_items=6)
    ex = with_followup(data)
    res = analyse_export(ex, n_boot=0)
    fu = res["followup"].set_index(["item", "arm"])
    row = fu.loc[("support_accord", "accord")]
    assert row["shift_post"] > 0.3  # the demo's planted effect
    assert 0.2 < row["persisted"] < 0.8  # about half kept (rounding to the scale moves it)
    html = render_report(res)
    assert '<section id="followup"' in html and "share kept" in html
    assert '<section id="freetext"' in html
    text = _visible_text(html)
    assert not BAD.search(text)
