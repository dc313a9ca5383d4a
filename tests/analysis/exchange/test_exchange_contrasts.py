"""The exchange's contrasts in a crossed design: by briefing, block-adjusted, by selection.

Issue 25 item 4: peers vs placebo within each briefing (the flagship crosses
its five briefings with the exchange, so each briefing has two arms), block
fixed effects when the pool was live, and bridging-selected against random
peers when the exposures show both. Every estimate is checked against
statsmodels' formula API (``smf.ols`` with ``C(block)`` dummies, HC2) fitted
independently on the same files.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from analysis.exchange.contrasts import briefing_of
from analysis.exchange.effects import exchange_condition, pool_blocks, selection_of
from analysis.exchange.summary import analyse_exchange
from analysis.tidy import pairs

ITEM = "support_accord"


def _with_exposures(demo, exposures):
    return dataclasses.replace(demo, exchange={**demo.exchange, "exposures": exposures})


def _reference_data(demo, cond):
    pp = pairs(demo, [ITEM])
    pp = pp[pp["participant_id"].isin(cond.index)]
    return pp.assign(peers=pp["participant_id"].map(cond).eq("peers").astype(float))


def test_the_demo_has_the_flagships_ten_crossed_arms_and_pools_twins_by_briefing(demo):
    assert demo.arms == ["accord", "armistice", "strength", "all", "control",
                         "accord_peers", "armistice_peers", "strength_peers", "all_peers",
                         "control_peers"]
    st, exp = demo.exchange["statements"], demo.exchange["exposures"]
    cond = exchange_condition(exp, st)
    arm = demo.participants.set_index("participant_id")["arm"]
    # the randomised factor is the arm: every peer is in a _peers arm and back
    assert (arm.reindex(cond.index).str.endswith("_peers") == cond.eq("peers")).all()
    label = briefing_of(demo)
    assert label["all_peers"] == label["all"] == "accord+armistice+strength"
    found = analyse_exchange(demo, n_boot=0)
    by = found.effects_by_arm.query("item == @ITEM").set_index("briefing")
    assert sorted(by.index) == sorted(set(label))
    d = _reference_data(demo, cond).assign(briefing=lambda x: x["arm"].map(label))
    for briefing, rows in d.groupby("briefing"):
        ref = smf.ols("post ~ peers + pre", data=rows).fit(cov_type="HC2", use_t=True)
        assert by.loc[briefing, "estimate"] == pytest.approx(ref.params["peers"], rel=1e-10)
        assert by.loc[briefing, "se"] == pytest.approx(ref.bse["peers"], rel=1e-10)
        assert by.loc[briefing, "n_peers"] == rows["peers"].sum()


def test_a_live_pool_gets_one_fixed_effect_per_snapshot(demo):
    st, exp = demo.exchange["statements"], demo.exchange["exposures"]
    cond = exchange_condition(exp, st)
    people = demo.participants[demo.participants["participant_id"].isin(cond.index)]
    people = people.sort_values(["started_at", "allocation_seq", "participant_id"])
    epoch = pd.Series(np.arange(len(people)) * 6 // len(people),
                      index=people["participant_id"].to_numpy())
    # each peer's snapshot: six epochs in order of arrival, as a growing live pool gives
    live = exp.assign(pool_version="live:" + exp["participant"].map(epoch).astype(str))
    found = analyse_exchange(_with_exposures(demo, live), n_boot=0)
    assert found.design == "live" and found.statement_effects.empty
    assert any("block-adjusted" in n and "6 blocks" in n for n in found.notes)
    row = found.effects.query("wave == 'post' and item == @ITEM").iloc[0]
    # reference: the snapshot in force when each participant started, computed here
    # (a placebo participant takes the last peer's snapshot before them), then
    # statsmodels OLS with block dummies and HC2
    d = _reference_data(demo, cond)
    peer_snap = live.groupby("participant")["pool_version"].first()
    ordered = people["participant_id"]
    block = ordered.map(peer_snap.where(peer_snap.index.map(cond) == "peers")).ffill().bfill()
    d = d.assign(block=d["participant_id"].map(dict(zip(ordered, block, strict=True))))
    assert d["block"].nunique() == 6 and (d.groupby("block")["peers"].nunique() == 2).all()
    ref = smf.ols("post ~ peers + pre + C(block)", data=d).fit(cov_type="HC2", use_t=True)
    assert row["estimate"] == pytest.approx(ref.params["peers"], rel=1e-9)
    assert row["se"] == pytest.approx(ref.bse["peers"], rel=1e-9)
    assert row["p"] == pytest.approx(ref.pvalues["peers"], rel=1e-6)
    assert (row["blocks"], row["n_peers"]) == (6, int(d["peers"].sum()))
    # and pool_blocks says the same thing
    mine = pool_blocks(live, demo.participants, cond)
    assert mine.reindex(d["participant_id"]).tolist() == d["block"].tolist()


def test_bridging_selected_against_random_peers_when_the_exposures_show_both(demo):
    st, exp = demo.exchange["statements"], demo.exchange["exposures"]
    cond = exchange_condition(exp, st)
    assert selection_of(exp, cond).empty  # no selection column: no such contrast
    peers = sorted(cond.index[cond == "peers"])
    bridging = set(peers[::2])
    chosen = exp.assign(selection=np.where(exp["participant"].isin(bridging), "bridging",
                                           "random"))
    assert selection_of(chosen.assign(selection="random"), cond).empty  # one kind only
    found = analyse_exchange(_with_exposures(demo, chosen), n_boot=0)
    row = found.selection_effects.query("wave == 'post' and item == @ITEM").iloc[0]
    d = _reference_data(demo, cond)
    d = d[d["peers"] == 1].assign(bridging=lambda x: x["participant_id"].isin(bridging)
                                  .astype(float))
    ref = smf.ols("post ~ bridging + pre", data=d).fit(cov_type="HC2", use_t=True)
    assert row["estimate"] == pytest.approx(ref.params["bridging"], rel=1e-10)
    assert row["se"] == pytest.approx(ref.bse["bridging"], rel=1e-10)
    assert (row["n_bridging"], row["n_random"]) == (d["bridging"].sum(),
                                                    (1 - d["bridging"]).sum())
    assert any("bridging-selected" in n for n in found.notes)
    assert found.effects.query("item == @ITEM")["n_peers"].iloc[0] == len(d)
