"""Did hearing the other side move anyone? Peers' arguments against placebo statements.

Each participant of the exchange was randomised (crossed with the briefing
arms) to read and rate peers' arguments or neutral placebo statements; the
condition is read from ``exposures.csv`` (a participant whose cards were all
placebo statements is in the placebo condition). The effect on an outcome is
the ANCOVA of the after answer on the condition and the before answer with
HC2 errors (:func:`analysis.effects.ancova`), Holm within the outcomes.

The follow-up's feedback page (how each group rated one's argument, the
arguments both groups found fair, actual support next to one's estimate)
came before or after the re-asked questions at random (``feedback_order``
in participants.csv, format 1.10): :func:`feedback_effects` is that factor's
own contrast on the follow-up answers, the same ANCOVA.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.effects import ancova, robust_ols
from analysis.frames import isin_ids
from analysis.multiplicity import adjust_pvalues

__all__ = ["exchange_condition", "peer_effects", "statement_effects", "feedback_effects",
           "PEERS", "PLACEBO", "FEEDBACK_FIRST", "FEEDBACK_LAST"]

PEERS, PLACEBO = "peers", "placebo"
#: ``feedback_order`` levels: the feedback page before / after the re-asked questions.
FEEDBACK_FIRST, FEEDBACK_LAST = "before", "after"
FEEDBACK_COLUMNS = ["item", "estimate", "se", "ci_low", "ci_high", "p", "p_holm",
                    "n_feedback_first", "n_feedback_last"]


def exchange_condition(exposures: pd.DataFrame, statements: pd.DataFrame) -> pd.Series:
    """Participant -> ``"peers"`` or ``"placebo"`` from the statements they were shown.

    Examples
    --------
    >>> st = pd.DataFrame({"statement": [1, 2, 3], "placebo": [0, 0, 1]})
    >>> ex = pd.DataFrame({"participant": ["a", "a", "b"], "statement": [1, 2, 3]})
    >>> exchange_condition(ex, st).to_dict()
    {'a': 'peers', 'b': 'placebo'}
    """
    placebo = statements.set_index("statement")["placebo"].astype(float)
    shown = exposures.assign(placebo=exposures["statement"].map(placebo).fillna(0.0).to_numpy())
    share = shown.groupby("participant")["placebo"].mean()
    return pd.Series(np.where(share >= 1.0, PLACEBO, PEERS), index=share.index,
                     name="condition")


def peer_effects(pairs: pd.DataFrame, condition: pd.Series, outcomes: Sequence[str],
                 by: str | None = None) -> pd.DataFrame:
    """Effect of peers' arguments vs placebo on each outcome (ANCOVA, HC2, Holm).

    Parameters
    ----------
    pairs : DataFrame
        ``participant_id, item, pre, post`` (and ``by``), e.g. from
        :func:`analysis.tidy.pairs`; the after phase may be ``followup``
        renamed to ``post``.
    condition : Series
        Participant -> ``peers`` / ``placebo`` (:func:`exchange_condition`).
    outcomes : sequence of str
        The items (the plan's outcomes); Holm runs over them within each
        ``by`` group.
    by : str, optional
        A column of ``pairs`` (the briefing arm, the opinion group) for
        effects within each of its values.

    Returns
    -------
    DataFrame
        ``item`` (and ``by``), ``estimate`` (peers minus placebo, adjusted for
        the before answer), ``se``, ``ci_low``, ``ci_high``, ``p``,
        ``p_holm``, ``n_peers``, ``n_placebo``.

    Notes
    -----
    Per outcome :math:`y_i = \\alpha + \\tau P_i + \\beta x_i + e_i`, with P
    the peers indicator and x the before answer; HC2 covariance, t
    inference (Lin 2013), as the briefing effects.
    """
    d = pairs[pairs["item"].isin(list(outcomes))].copy()
    d["condition"] = d["participant_id"].map(condition)
    d = d.dropna(subset=["condition"])
    if by == "arm":
        raise ValueError("rename the briefing arm column: 'arm' is the condition's in the output")
    groups = ["item", by] if by else ["item"]
    if d.empty or d["condition"].nunique() < 2:
        return pd.DataFrame(columns=[*groups, "estimate", "se", "ci_low", "ci_high", "p",
                                     "p_holm", "n_peers", "n_placebo"])
    out = ancova(d, group="condition", control=PLACEBO, by=groups)
    out = out.rename(columns={"n_arm": "n_peers", "n_control": "n_placebo"})
    out = adjust_pvalues(out, family=by, methods=("holm",))
    keep = [*groups, "estimate", "se", "ci_low", "ci_high", "p", "p_holm", "n_peers",
            "n_placebo"]
    return out[keep].reset_index(drop=True)


def feedback_effects(pairs: pd.DataFrame, order: pd.Series,
                     outcomes: Sequence[str]) -> pd.DataFrame:
    """Effect of seeing the follow-up's feedback before the re-asked questions (ANCOVA, HC2,
    Holm).

    Parameters
    ----------
    pairs : DataFrame
        ``participant_id, item, pre, post`` with ``post`` the *follow-up*
        answer (e.g. :func:`analysis.tidy.pairs` with ``after="followup"``,
        renamed).
    order : Series
        Participant -> ``feedback_order`` (``before``, ``after``; other values
        such as ``none`` or empty are left out).
    outcomes : sequence of str
        The plan's outcomes; Holm runs over them (the plan's family).

    Returns
    -------
    DataFrame
        ``item``, ``estimate`` (feedback first minus feedback last, adjusted
        for the before answer), ``se``, ``ci_low``, ``ci_high``, ``p``,
        ``p_holm``, ``n_feedback_first``, ``n_feedback_last``.

    Notes
    -----
    Per outcome :math:`y_i = \\alpha + \\tau F_i + \\beta x_i + e_i`, with
    y the follow-up answer, F = 1 when the feedback came first and x the
    answer before the briefings; HC2 covariance, t inference, as the other
    effects. The order is a fair coin per participant, independent of the
    briefing arm and the exchange condition, so :math:`\\tau` is the
    feedback's average effect on the answer given right after it, against
    the same answer given before seeing it.

    Examples
    --------
    >>> d = pd.DataFrame({"participant_id": list("abcdef"), "item": "q",
    ...                   "pre": [3, 4, 5, 3, 4, 5], "post": [4, 5, 7, 3, 4, 5]})
    >>> order = pd.Series(["before"] * 3 + ["after"] * 3, index=list("abcdef"))
    >>> round(float(feedback_effects(d, order, ["q"])["estimate"].iloc[0]), 3)
    1.333
    """
    d = pairs[pairs["item"].isin(list(outcomes))].copy()
    d["condition"] = d["participant_id"].map(order)
    d = d[d["condition"].isin((FEEDBACK_FIRST, FEEDBACK_LAST))]
    if d.empty or d["condition"].nunique() < 2:
        return pd.DataFrame(columns=FEEDBACK_COLUMNS)
    out = ancova(d, group="condition", control=FEEDBACK_LAST, by=["item"])
    out = out.rename(columns={"n_arm": "n_feedback_first", "n_control": "n_feedback_last"})
    out = adjust_pvalues(out, methods=("holm",))
    return out[FEEDBACK_COLUMNS].reset_index(drop=True)


def statement_effects(pairs: pd.DataFrame, exposures: pd.DataFrame, item: str,
                      min_exposed: int = 20) -> pd.DataFrame:
    """Each statement's own effect on ``item``, shrunk (empirical Bayes), with FDR.

    Parameters
    ----------
    pairs : DataFrame
        ``participant_id, item, pre, post`` (and ``arm``, the briefing arm)
        of every exchange participant, peers and placebo alike.
    exposures : DataFrame
        The peers' exposures (``participant, statement``) from a *frozen*
        set: each statement shown at random, so its indicator is randomised.
        Placebo participants have none (all indicators 0).
    item : str
        The outcome.
    min_exposed : int
        Statements shown to fewer participants are left out.

    Returns
    -------
    DataFrame
        Indexed by statement: ``n_exposed``, ``estimate`` (the coefficient of
        its indicator: the after answer's change from seeing it, against
        placebo), ``se``, ``p``, ``q`` (Benjamini-Hochberg), ``shrunk`` (the
        posterior mean), ``shrunk_se``, and the prior's SD ``tau``.

    Notes
    -----
    One regression :math:`y_i = \\alpha + \\beta x_i + \\delta_{arm(i)} + \\sum_s
    \\gamma_s E_{is} + e_i` (E: exposure indicators, x: before answer), HC2
    errors. Shrinkage toward the precision-weighted mean effect
    :math:`\\bar\\gamma` (normal-normal model, method of moments):
    :math:`\\tau^2 = \\max(0, \\mathrm{var}(\\hat\\gamma) - \\overline{se^2})`,
    :math:`\\tilde\\gamma_s = \\bar\\gamma + B_s (\\hat\\gamma_s - \\bar\\gamma)`,
    :math:`B_s = \\tau^2 / (\\tau^2 + se_s^2)` (Efron & Morris 1975).
    """
    d = pairs[pairs["item"] == item].dropna(subset=["pre", "post"])
    d = d.drop_duplicates("participant_id").set_index("participant_id")
    ex = exposures[isin_ids(exposures["participant"], d.index)]
    counts = ex["statement"].value_counts()
    stm = sorted(counts.index[counts >= min_exposed])
    cols = ["n_exposed", "estimate", "se", "p", "q", "shrunk", "shrunk_se", "tau"]
    if len(stm) < 2 or len(d) <= len(stm) + 3:
        return pd.DataFrame(columns=cols)
    ex = ex[ex["statement"].isin(stm)]
    e = np.zeros((len(d), len(stm)))
    e[d.index.get_indexer(ex["participant"]), pd.Index(stm).get_indexer(ex["statement"])] = 1.0
    arms = (pd.get_dummies(d["arm"], drop_first=True, dtype=float).to_numpy()
            if "arm" in d.columns else np.empty((len(d), 0)))
    x = np.column_stack([np.ones(len(d)), d["pre"].to_numpy(float), arms, e])
    fit = robust_ols(d["post"].to_numpy(float), x)
    first = x.shape[1] - len(stm)
    est, se, p = fit.params[first:], fit.bse[first:], fit.pvalues[first:]
    out = pd.DataFrame({"n_exposed": e.sum(axis=0).astype(int), "estimate": est, "se": se,
                        "p": p}, index=pd.Index(stm, name="statement"))
    out["q"] = adjust_pvalues(out, methods=("bh",))["p_bh"].to_numpy()
    centre = float(np.average(est, weights=1 / se**2))
    tau2 = max(0.0, float(np.var(est, ddof=1) - np.mean(se**2)))
    shrink = tau2 / (tau2 + se**2)
    out["shrunk"] = centre + shrink * (est - centre)
    out["shrunk_se"] = np.sqrt(shrink) * se
    out["tau"] = np.sqrt(tau2)
    return out
