"""Did hearing the other side move anyone? Peers' arguments against placebo statements.

Each participant of the exchange was randomised (crossed with the briefing
arms) to read and rate peers' arguments or neutral placebo statements; the
condition is read from ``exposures.csv`` (a participant whose cards were all
placebo statements is in the placebo condition). The effect on an outcome is
the ANCOVA of the after answer on the condition and the before answer with
HC2 errors (:func:`analysis.effects.ancova`), Holm within the outcomes.
A live pool adds block fixed effects (:func:`pool_blocks`); a design that
selects some peers' cards by bridging score gets the bridging-vs-random
contrast (:func:`selection_of`, :func:`selection_effects`).

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
           "pool_blocks", "selection_of", "selection_effects", "PEERS", "PLACEBO",
           "FEEDBACK_FIRST", "FEEDBACK_LAST", "BRIDGING", "RANDOM"]

PEERS, PLACEBO = "peers", "placebo"
#: ``feedback_order`` levels: the feedback page before / after the re-asked questions.
FEEDBACK_FIRST, FEEDBACK_LAST = "before", "after"
FEEDBACK_COLUMNS = ["item", "estimate", "se", "ci_low", "ci_high", "p", "p_holm",
                    "n_feedback_first", "n_feedback_last"]
#: values of exposures.csv ``selection`` (format 1.13): how a peer's cards were chosen
BRIDGING, RANDOM = "bridging", "random"
_COLUMNS = ["estimate", "se", "ci_low", "ci_high", "p", "p_holm", "n_peers", "n_placebo"]


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
                 by: str | None = None, blocks: pd.Series | None = None) -> pd.DataFrame:
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
    blocks : Series, optional
        Participant -> block (:func:`pool_blocks`, live pools): the model
        then has a fixed effect per block (:func:`_blocked`).

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
        return pd.DataFrame(columns=[*groups, *_COLUMNS])
    if blocks is not None:
        d["block"] = d["participant_id"].map(blocks)
        rows = [{**dict(zip(groups, key if isinstance(key, tuple) else (key,), strict=True)),
                 **_blocked(g)} for key, g in d.dropna(subset=["block"]).groupby(groups)]
        out = pd.DataFrame(rows, columns=[*groups, "estimate", "se", "ci_low", "ci_high", "p",
                                          "n_peers", "n_placebo", "blocks"])
        out = adjust_pvalues(out, family=by, methods=("holm",))
        return out[[*groups, *_COLUMNS, "blocks"]].reset_index(drop=True)
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


def _blocked(d: pd.DataFrame, level: float = 0.95) -> dict:
    r"""Peers vs placebo with a fixed effect per block: one outcome's ANCOVA, HC2.

    :math:`y_i = \tau P_i + \beta x_i + \sum_b \delta_b B_{ib} + e_i` (one
    dummy per block, no common intercept). Blocks of one participant are
    left out: their dummy fits them exactly (leverage 1, HC2 undefined) and
    they say nothing about tau. NaN when no block has both conditions. A
    before answer that is constant within blocks is left out of the model
    (the block dummies already hold it).
    """
    d = d.dropna(subset=["pre", "post"])
    d = d[d.groupby("block")["block"].transform("size") > 1]
    peers = (d["condition"] == PEERS).to_numpy(float)
    both = d.assign(p=peers).groupby("block")["p"].agg(lambda v: 0 < v.mean() < 1)
    n = {"n_peers": int(peers.sum()), "n_placebo": int((1 - peers).sum()),
         "blocks": int(d["block"].nunique())}
    nan = dict.fromkeys(("estimate", "se", "ci_low", "ci_high", "p"), np.nan)
    if not both.any():
        return {**nan, **n}
    dummies = pd.get_dummies(d["block"].astype(str), dtype=float).to_numpy()
    x = np.column_stack([peers, d["pre"].to_numpy(float), dummies])
    if np.linalg.matrix_rank(x) < x.shape[1]:  # the before answer constant within blocks
        x = np.delete(x, 1, axis=1)
    if np.linalg.matrix_rank(x) < x.shape[1]:
        return {**nan, **n}
    with np.errstate(divide="ignore", invalid="ignore"):  # leverage 1: checked below
        fit = robust_ols(d["post"].to_numpy(float), x)
        low, high = fit.conf_int(alpha=1 - level)[0]
        se, p = float(fit.bse[0]), float(fit.pvalues[0])
    if not np.isfinite(se):
        # one participant alone carries tau (the only peer of the only mixed block):
        # an estimate, but no HC2 variance, as analysis.effects.ancova does for such arms
        return {**nan, "estimate": float(fit.params[0]), **n}
    return {"estimate": float(fit.params[0]), "se": se, "ci_low": float(low),
            "ci_high": float(high), "p": p, **n}


def pool_blocks(exposures: pd.DataFrame, participants: pd.DataFrame,
                condition: pd.Series) -> pd.Series:
    """Participant -> the live pool snapshot in force when they joined (the block).

    A live pool changes as participants write, so who was in it depends on
    when a participant came: the peers-vs-placebo contrast compares people
    within a snapshot. Peers carry their snapshot (exposures'
    ``pool_version``); a placebo participant takes the snapshot of the last
    peer who started before them (the first one's, for those before any
    peer), ordered by ``started_at`` then ``allocation_seq``.

    Examples
    --------
    >>> ex = pd.DataFrame({"participant": ["a", "c"], "pool_version": ["live:1", "live:2"]})
    >>> pp = pd.DataFrame({"participant_id": ["a", "b", "c", "d"],
    ...                    "started_at": pd.to_datetime([1, 2, 3, 4], unit="s"),
    ...                    "allocation_seq": [1, 2, 3, 4]})
    >>> cond = pd.Series({"a": "peers", "b": "placebo", "c": "peers", "d": "placebo"})
    >>> pool_blocks(ex, pp, cond).to_dict()
    {'a': 'live:1', 'b': 'live:1', 'c': 'live:2', 'd': 'live:2'}
    """
    snap = exposures.groupby("participant")["pool_version"].first()
    order = participants[participants["participant_id"].isin(condition.index)]
    order = order.sort_values(["started_at", "allocation_seq", "participant_id"])
    ids = order["participant_id"]
    own = ids.map(snap.where(snap.index.map(condition) == PEERS))
    block = own.ffill().bfill()
    return pd.Series(block.to_numpy(), index=ids.to_numpy(), name="block").dropna()


def selection_of(exposures: pd.DataFrame, condition: pd.Series) -> pd.Series:
    """Peer participant -> ``"bridging"`` or ``"random"`` (exposures' ``selection``).

    Empty unless the export has the column (format 1.13) and the peers show
    both kinds: only then does the design have the contrast.
    """
    if "selection" not in exposures.columns:
        return pd.Series(dtype=str, name="selection")
    peers = exposures[exposures["participant"].map(condition) == PEERS]
    sel = peers.groupby("participant")["selection"].first().dropna().astype(str)
    sel = sel[sel.isin([BRIDGING, RANDOM])]
    return sel.rename("selection") if sel.nunique() == 2 else pd.Series(dtype=str,
                                                                       name="selection")


def selection_effects(pairs: pd.DataFrame, selection: pd.Series,
                      outcomes: Sequence[str]) -> pd.DataFrame:
    """Bridging-selected vs random peers on each outcome (ANCOVA, HC2, Holm).

    The same model as :func:`peer_effects` among the peers only, with the
    random draw as the comparison: ``estimate`` is bridging minus random,
    ``n_bridging`` and ``n_random`` the participants.
    """
    d = pairs[pairs["item"].isin(list(outcomes))].copy()
    d["selection"] = d["participant_id"].map(selection)
    d = d.dropna(subset=["selection"])
    cols = ["item", "estimate", "se", "ci_low", "ci_high", "p", "p_holm", "n_bridging",
            "n_random"]
    if d.empty or d["selection"].nunique() < 2:
        return pd.DataFrame(columns=cols)
    out = ancova(d, group="selection", control=RANDOM, by=["item"])
    out = out.rename(columns={"n_arm": "n_bridging", "n_control": "n_random"})
    return adjust_pvalues(out, methods=("holm",))[cols].reset_index(drop=True)


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
