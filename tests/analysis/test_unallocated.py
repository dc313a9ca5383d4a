"""Participants without an arm (stratified campaigns, issue #19 item 1 and #20 point 2).

The arm of a stratified campaign is chosen after the about-you page, so a
participant screened out there, or not yet past it, has an empty ``arm``
(docs/export-format.md). Reference: counts by hand on a small export edited
the way the app writes such participants.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.flow import NOT_YET_ALLOCATED, SCREENED_BEFORE_ALLOCATION
from analysis.load import ExportError, load_export
from analysis.pipeline import analyse_export
from analysis.report import write_report
from tests.analysis.test_report_cases import BAD, _visible_text


def _unallocate(folder, screened: int = 3, waiting: int = 4) -> tuple[set, set]:
    """Blank the arm of ``screened`` screened-out participants (their about-you answers
    kept, the rest dropped) and of ``waiting`` who broke off (no answers at all)."""
    p = pd.read_csv(folder / "participants.csv", dtype=str, keep_default_na=False)
    a = pd.read_csv(folder / "answers.csv", dtype=str, keep_default_na=False)
    s_idx = p.index[p["status"] == "screened_out"][:screened]
    w_idx = p.index[p["status"] == "started"][:waiting]
    assert len(s_idx) == screened and len(w_idx) == waiting
    p.loc[s_idx.union(w_idx), ["arm", "module_order", "allocation_seq"]] = ""
    s_ids, w_ids = set(p.loc[s_idx, "participant_id"]), set(p.loc[w_idx, "participant_id"])
    a = a[~a["participant_id"].isin(w_ids)
          & ~(a["participant_id"].isin(s_ids) & (a["phase"] != "profile"))].copy()
    a.loc[a["participant_id"].isin(s_ids), "arm"] = ""
    assert a["participant_id"].isin(s_ids).any()  # their about-you answers stay
    p.to_csv(folder / "participants.csv", index=False, lineterminator="\n")
    a.to_csv(folder / "answers.csv", index=False, lineterminator="\n")
    m = json.loads((folder / "manifest.json").read_text())
    m["row_counts"]["answers"] = len(a)
    (folder / "manifest.json").write_text(json.dumps(m))
    return s_ids, w_ids


def test_an_empty_arm_loads_and_forms_its_own_flow_rows(demo_copy, tmp_path):
    before = load_export(demo_copy)
    screened, waiting = _unallocate(demo_copy)
    ex = load_export(demo_copy)
    assert ex.participants["arm"].isna().sum() == 7
    assert ex.arms == before.arms  # no empty arm among the arms
    res = analyse_export(ex, n_boot=0)
    fl = res["flow"].set_index("arm")
    assert list(fl.index[-3:]) == [SCREENED_BEFORE_ALLOCATION, NOT_YET_ALLOCATED, "total"]
    assert fl.loc[SCREENED_BEFORE_ALLOCATION, ["consented", "allocated", "screened_out"]
                  ].tolist() == [3, 0, 3]
    assert fl.loc[NOT_YET_ALLOCATED, ["consented", "allocated", "broke_off"]].tolist() == [4, 0, 4]
    total = fl.loc["total"]
    p = ex.participants
    assert total["consented"] == len(p) == fl.drop("total")["consented"].sum()
    assert total["allocated"] == p["arm"].notna().sum() == fl.loc[ex.arms, "allocated"].sum()
    for row in fl.index:  # every row adds up
        assert fl.loc[row, "consented"] == fl.loc[row, ["screened_out", "withdrawn",
                                                        "broke_off", "completed"]].sum()
    # nobody without an arm is in any arm's analysis
    gone = screened | waiting
    assert not res.analysed.isin(gone).any()
    assert not res["shifts"]["arm"].isna().any() and not res["balance"]["arm"].isna().any()
    rates = res["rates"].set_index("arm")
    assert rates.loc["total", "started"] == len(p)
    report = write_report(demo_copy, tmp_path / "r.html", n_boot=0)
    html = report.read_text(encoding="utf-8")
    assert f"{SCREENED_BEFORE_ALLOCATION}: n = 3" in html and f"{NOT_YET_ALLOCATED}: n = 4" in html
    assert not BAD.search(_visible_text(html))


def _edit(folder, name, edit):
    df = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
    edit(df)
    df.to_csv(folder / name, index=False, lineterminator="\n")


def test_a_completed_participant_needs_an_arm(demo_copy):
    def blank(p):
        first = p.index[p["status"] == "completed"][0]
        p.loc[first, "arm"] = ""
    _edit(demo_copy, "participants.csv", blank)
    with pytest.raises(ExportError, match=r"participants.csv.*arm.*the participant completed"):
        load_export(demo_copy)


def test_an_answer_without_the_participants_arm_is_refused(demo_copy):
    _edit(demo_copy, "answers.csv", lambda a: a.__setitem__("arm", a["arm"].where(
        a.index != 0, "")))
    with pytest.raises(ExportError, match=r"answers.csv.*arm.*participant's arm"):
        load_export(demo_copy)
