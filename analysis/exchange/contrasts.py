"""The exchange's causal contrasts for the report, from the export's files alone.

Peers' arguments against placebo on the outcomes at post and follow-up,
within each briefing and each opinion group, per statement (frozen design
only), bridging-selected against random peers when the design has both,
and block fixed effects when the pool was live. Split from
:mod:`analysis.exchange.summary`, which stores what this finds.
"""

from __future__ import annotations

import pandas as pd

from analysis.contract import LIVE_POOL_PREFIX
from analysis.exchange.effects import (
    PEERS,
    exchange_condition,
    peer_effects,
    pool_blocks,
    selection_effects,
    selection_of,
    statement_effects,
)
from analysis.frames import isin_ids
from analysis.tidy import pairs as before_after_pairs

__all__ = ["exchange_effects", "briefing_of", "exchange_outcomes"]

LIVE_NOTE = ("The exposures come from a live pool: which statements a participant saw "
             "depended on who had written before, so per-statement effects are not estimated "
             "and the peers-vs-placebo contrast is block-adjusted: a fixed effect per pool "
             "snapshot ({blocks} blocks; a placebo participant belongs to the snapshot in "
             "force when they started). It compares participants within a snapshot only.")


def briefing_of(export) -> pd.Series:
    """Arm id -> its briefing ("+"-joined modules), so twin arms share one label.

    A design crossing briefings with the exchange has two arms per briefing
    (``accord`` with the placebo step, ``accord_peers`` with peers'
    arguments); the contrast within a briefing pools the twins. Arms without
    modules in the codebook keep their id.
    """
    design = (export.manifest.get("design") or {}).get("arms") or export.codebook.get("arms")
    label = {a["id"]: "+".join(a["modules"]) for a in design or []
             if a.get("id") and a.get("modules")}
    arms = pd.Series(export.arms, dtype=object)
    return pd.Series(arms.map(lambda a: label.get(a, a)).to_numpy(), index=arms.to_numpy())


def exchange_outcomes(export, plan: dict | None = None) -> list[str]:
    """The plan's ``[exchange]`` outcomes, else its primary items, else every numeric pair."""
    if plan and plan.get("exchange"):
        return list(plan["exchange"]["outcomes"])
    pre = export.preregistration or {}
    outcomes = list((plan or {}).get("primary_items") or pre.get("primary_items") or [])
    if not outcomes:
        t = export.items
        both = t["phases"].map(lambda ph: "pre" in ph and "post" in ph)
        outcomes = list(t.loc[t["numeric"] & both, "item"])
    return outcomes


def exchange_effects(res, export, exposures, st, participants, outcomes, groups) -> None:
    """Fill ``res``'s effects tables (``effects``, ``effects_by_arm``, ``effects_by_group``,
    ``statement_effects``, ``selection_effects``), its ``design`` and notes."""
    if exposures.empty:
        res.design = "none"
        return
    live = exposures["pool_version"].astype(str).str.startswith(LIVE_POOL_PREFIX)
    res.design = "live" if live.any() else "frozen"
    condition = exchange_condition(exposures, st)
    outcomes = list(outcomes) if outcomes else exchange_outcomes(export)
    blocks = (pool_blocks(exposures, export.participants, condition)
              if res.design == "live" else None)
    selection = selection_of(exposures, condition)
    briefing = briefing_of(export)
    frames, chosen = [], []
    for wave in ("post", "followup"):
        pp = before_after_pairs(export, outcomes, after=wave, participants=participants)
        if pp.empty:
            continue
        pp = pp.rename(columns={wave: "post"})
        frames.append(peer_effects(pp, condition, outcomes, blocks=blocks).assign(wave=wave))
        if not selection.empty:
            chosen.append(selection_effects(pp, selection, outcomes).assign(wave=wave))
        if wave != "post":
            continue
        by_briefing = pp.assign(briefing=pp["arm"].map(briefing).fillna(pp["arm"]))
        res.effects_by_arm = peer_effects(by_briefing.drop(columns="arm"), condition,
                                          outcomes, by="briefing", blocks=blocks)
        by_group = pp.assign(opinion_group=pp["participant_id"].map(groups)).dropna(
            subset=["opinion_group"])
        # mapped through a categorical id, the labels come back as floats (NaN for the
        # unused categories): the groups' own type again
        by_group = by_group.astype({"opinion_group": groups.dtype})
        res.effects_by_group = peer_effects(by_group, condition, outcomes, by="opinion_group",
                                            blocks=blocks)
        if res.design == "frozen":
            peers = exposures[exposures["participant"].map(condition) == PEERS]
            inside = pp[isin_ids(pp["participant_id"], condition.index)]
            # the briefing, not the arm: a crossed design's arm says peers or placebo,
            # which the exposure indicators' sum already does (collinear)
            inside = inside.assign(arm=inside["arm"].map(briefing).fillna(inside["arm"]))
            res.statement_effects = statement_effects(inside, peers, outcomes[0])
    res.effects = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    res.selection_effects = (pd.concat(chosen, ignore_index=True) if chosen
                             else pd.DataFrame())
    if res.design == "live":
        res.notes.append(LIVE_NOTE.format(blocks=blocks.nunique() if blocks is not None
                                          else 0))
    if not selection.empty:
        res.notes.append("Peers' cards were chosen two ways (exposures' selection): "
                         "bridging-selected against random peers is its own contrast.")
