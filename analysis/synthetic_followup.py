"""A follow-up wave for the demo data, with the feedback page's order and a known effect.

Weeks after the main wave, a share of the completers answer the post items
again (phase ``followup``); each returning participant saw the exchange's
feedback page before or after those questions (``feedback_order``, a fair
coin, as the app draws it). Their follow-up answers repeat their after
answers, except :data:`DEMO_FEEDBACK_ITEM`: for those shown the feedback
first it rises one point with probability :data:`DEMO_FEEDBACK_STEP`
unless at the top of the scale. The true average effect (feedback first
minus last, on that item) is the step probability times the share of the
"before" group below the top; :func:`demo_followup` returns it, and
``exchange_truth.csv`` keeps it in a row ``statement = "feedback"``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["DEMO_FEEDBACK_ITEM", "DEMO_FEEDBACK_STEP", "DEMO_RETURN_SHARE", "DemoFollowup",
           "demo_followup"]

#: The outcome the feedback moves in the demo data (a preregistered primary item).
DEMO_FEEDBACK_ITEM = "support_armistice"
#: Probability of a one-point rise for those shown the feedback first.
DEMO_FEEDBACK_STEP = 0.5
#: Share of completers who come back for the follow-up.
DEMO_RETURN_SHARE = 0.7
_WEEKS = pd.Timedelta(days=28)


@dataclass(frozen=True)
class DemoFollowup:
    """The demo's follow-up wave (:func:`demo_followup`).

    Attributes
    ----------
    participants : DataFrame
        The participants with ``followup_completed_at`` and ``feedback_order``
        (``before``/``after`` for those who came back, empty otherwise).
    answers : DataFrame
        The answers with the follow-up rows added.
    effect : float
        True average effect of the feedback first vs last on
        :data:`DEMO_FEEDBACK_ITEM` at follow-up (scale points).
    """

    participants: pd.DataFrame
    answers: pd.DataFrame
    effect: float


def demo_followup(participants: pd.DataFrame, answers: pd.DataFrame,
                  seed: int = 0) -> DemoFollowup:
    """Add a follow-up wave to the demo's participants and answers (frames not changed).

    Examples
    --------
    >>> people = pd.DataFrame({"participant_id": ["a", "b"], "status": "completed",
    ...                        "completed_at": "2026-11-05T10:00:00+00:00"})
    >>> answers = pd.DataFrame({"participant_id": ["a", "b"], "phase": "post", "module": "",
    ...     "item": DEMO_FEEDBACK_ITEM, "value": [3.0, 7.0], "text": None, "page": "after",
    ...     "answered_at": "2026-11-05T10:00:00+00:00", "seconds_on_page": 9.0})
    >>> fu = demo_followup(people, answers)
    >>> sorted(fu.answers["phase"].unique())
    ['followup', 'post']
    """
    rng = np.random.default_rng([seed, 21, 6])
    people = participants.copy()
    done = people["status"].eq("completed").to_numpy()
    back = done & (rng.random(len(people)) < DEMO_RETURN_SHARE)
    first = rng.random(len(people)) < 0.5
    order = np.where(back, np.where(first, "before", "after"), None)
    people["feedback_order"] = order
    completed = pd.to_datetime(people["completed_at"], utc=True, format="ISO8601")
    people["followup_completed_at"] = np.where(
        back, (completed + _WEEKS).map(lambda t: t.isoformat() if pd.notna(t) else None), None)
    who = people.loc[back, "participant_id"]
    post = answers[(answers["phase"] == "post") & answers["participant_id"].isin(who)].copy()
    post["phase"] = "followup"
    when = pd.to_datetime(post["answered_at"], utc=True, format="ISO8601") + _WEEKS
    post["answered_at"] = when.map(lambda t: t.isoformat())
    shown_first = post["participant_id"].map(
        people.set_index("participant_id")["feedback_order"]).eq("before").to_numpy()
    target = (post["item"] == DEMO_FEEDBACK_ITEM).to_numpy()
    values = post["value"].astype(float).to_numpy()
    top = np.nanmax(values[target]) if target.any() else 0.0
    below = target & np.isfinite(values) & (values < top)
    step = below & shown_first & (rng.random(len(post)) < DEMO_FEEDBACK_STEP)
    post["value"] = np.where(step, values + 1, values)
    first_target = target & shown_first
    effect = DEMO_FEEDBACK_STEP * float(below[first_target].mean()) if first_target.any() \
        else 0.0
    out = pd.concat([answers, post], ignore_index=True)
    return DemoFollowup(people, out, effect)
