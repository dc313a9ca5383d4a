"""The demo's crossed design: every briefing arm has a twin with peers' arguments.

The flagship crosses its five briefing arms with the argument exchange (an
arm ends with the placebo step, its twin ``<arm>_peers`` with peers'
arguments); the demo export follows it, so ``parley demo-data`` has the
flagship's ten arms (:mod:`analysis.synthetic_exchange` calls these).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["cross_arms", "crossed_truth"]


def cross_arms(participants: pd.DataFrame, codebook: dict, peers: pd.Index,
               ) -> tuple[pd.DataFrame, dict]:
    """The flagship's crossed design: each arm ends with the placebo step, its twin
    ``<arm>_peers`` with peers' arguments; the ``peers`` participants move to the twins.
    """
    out = participants.copy()
    hit = out["participant_id"].isin(peers).to_numpy()
    out.loc[hit, "arm"] = out.loc[hit, "arm"].astype(str) + "_peers"
    base = [{**a, "exchange": "exchange_placebo"} for a in codebook.get("arms", [])]
    twins = [{**a, "id": f"{a['id']}_peers", "control": False, "exchange": "exchange"}
             for a in base]
    return out, {**codebook, "arms": base + twins}


def crossed_truth(truth: pd.DataFrame, effect: float, item: str) -> pd.DataFrame:
    """Truth rows for the ``_peers`` twins: the briefing's shift plus the exchange's effect."""
    twins = truth.assign(arm=truth["arm"] + "_peers")
    twins["true_shift"] = twins["true_shift"] + np.where(twins["item"] == item,
                                                         effect, 0.0)
    ctrl = truth[truth["arm"] == "control"].set_index("item")["true_shift"]
    twins["true_effect_vs_control"] = twins["true_shift"] - twins["item"].map(ctrl)
    return pd.concat([truth, twins], ignore_index=True)
