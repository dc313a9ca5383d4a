"""The Deliberative Reason Index (Niemeyer, Veri, Dryzek and Bachtiger, APSR 2023/2024).

For every pair of participants, the Spearman correlation of their answers
to the considerations (the views items) and of their preference rankings;
a pair is intersubjectively consistent when the two correlations agree. The
index averages how close the pairs lie to the diagonal r_C = r_P.

Speed (issue 24, 4): the report asks for the index of everyone and of a
few subgroups (the exchange's conditions, the briefing arms) in each phase.
Ranks are taken once (:func:`dri_by_group`), and one pass over every pair of
the participants computes the sums of every subgroup at once (a pair counts
for a group when both are in it), so the groups cost a small matrix product
each instead of a pass of their own; a pair's ``r_C - r_P`` is one matrix
product of the concatenated ranks, and each pair is computed once (d is
symmetric). Above ``MAX_FULL`` participants pairs
are sampled, in chunks that bound the memory.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from analysis.frames import isin_ids

__all__ = ["dri", "dri_by_group", "dri_table", "standardised_ranks", "MAX_FULL", "SAMPLED_PAIRS"]

#: above this many participants the pairs are sampled, not enumerated
MAX_FULL = 5000
#: pairs drawn when sampling
SAMPLED_PAIRS = 1_000_000
_BLOCK = 500
#: sampled pairs handled at a time
_CHUNK = 100_000


def standardised_ranks(x: np.ndarray) -> np.ndarray:
    """Each row's average ranks, centred and scaled to unit length (NaN for a constant row).

    The dot product of two such rows is their Spearman correlation.

    >>> z = standardised_ranks(np.array([[1.0, 2, 3], [3, 2, 2]]))
    >>> round(float(z[0] @ z[1]), 4)
    -0.866
    """
    if x.size == 0:
        return np.empty_like(x, dtype=float)
    ranks = rankdata(x, method="average", axis=1)
    centred = ranks - ranks.mean(axis=1, keepdims=True)
    norm = np.sqrt((centred**2).sum(axis=1, keepdims=True))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, centred / norm, np.nan)


def _ranked(considerations: pd.DataFrame, preferences: pd.DataFrame):
    """(left, right, ids, dropped): ``left[i] @ right[j]`` is r_C - r_P of i and j."""
    both = considerations.index.intersection(preferences.index)
    c = considerations.loc[both].to_numpy(dtype=float)
    p = preferences.loc[both].to_numpy(dtype=float)
    complete = np.isfinite(c).all(axis=1) & np.isfinite(p).all(axis=1)
    zc, zp = standardised_ranks(c[complete]), standardised_ranks(p[complete])
    ok = np.isfinite(zc).all(axis=1) & np.isfinite(zp).all(axis=1)
    zc, zp = zc[ok], zp[ok]
    return (np.hstack([zc, zp]), np.hstack([zc, -zp]), both[complete][ok],
            int(len(considerations) - ok.sum()))


def _full_sums(left: np.ndarray, right: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Every participant's summed distance to the others of each group (n x groups).

    ``member`` is n x groups (1 = in the group); row i, column g sums d_ij
    over the j in g (i itself excluded). d is symmetric, so each block of
    rows meets only itself and the rows after it (half the pairs): the block's
    own square adds to its rows, the rest to its rows and, transposed, to
    the later rows. Blocks bound the memory.
    """
    n = left.shape[0]
    out = np.zeros((n, member.shape[1]))
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        d = left[start:stop] @ right[start:].T
        np.abs(d, out=d)
        d[np.arange(stop - start), np.arange(stop - start)] = 0.0
        out[start:stop] += d @ member[start:]
        out[stop:] += d[:, stop - start:].T @ member[start:stop]
    return out / np.sqrt(2)


def _sampled(left: np.ndarray, right: np.ndarray, n_pairs: int, seed: int):
    """(mean distance, per-participant sums, per-participant counts) of random pairs."""
    n = left.shape[0]
    rng = np.random.default_rng(seed)
    i = rng.integers(n, size=n_pairs)
    j = (i + rng.integers(1, n, size=n_pairs)) % n  # j != i
    d = np.empty(n_pairs)
    for start in range(0, n_pairs, _CHUNK):
        a, b = i[start:start + _CHUNK], j[start:start + _CHUNK]
        d[start:start + _CHUNK] = np.abs(np.einsum("ij,ij->i", left[a], right[b]))
    d /= np.sqrt(2)
    sums = np.bincount(i, d, minlength=n) + np.bincount(j, d, minlength=n)
    count = np.bincount(i, minlength=n) + np.bincount(j, minlength=n)
    return float(d.mean()), sums, count


def _index(mean_d):
    return 1 - 2 * np.sqrt(2) * mean_d


def dri(considerations: pd.DataFrame, preferences: pd.DataFrame, *, max_full: int = MAX_FULL,
        n_pairs: int = SAMPLED_PAIRS, seed: int = 0) -> dict:
    """Group and individual Deliberative Reason Index.

    Parameters
    ----------
    considerations : DataFrame
        Indexed by participant, one column per consideration (agreement
        with a statement, any ordinal scale).
    preferences : DataFrame
        Indexed by participant, one column per option: its rank (1 = first)
        or any score whose order is the preference.
    max_full : int
        Up to this many participants every pair is used; above it
        ``n_pairs`` pairs are drawn at random (with replacement, i != j).
    seed : int
        For the sampled pairs.

    Returns
    -------
    dict
        ``dri`` (group), ``individual`` (Series by participant), ``n``
        (participants used: complete answers that vary in both parts),
        ``pairs`` (pairs averaged), ``sampled`` (bool), ``dropped``.

    Notes
    -----
    With :math:`r^C_{ij}` and :math:`r^P_{ij}` the Spearman correlations of
    i's and j's considerations and preferences, the pair's distance to the
    diagonal is :math:`d_{ij} = |r^C_{ij} - r^P_{ij}| / \\sqrt 2`, and with
    :math:`\\lambda = \\sqrt 2 / 2` the index is
    :math:`DRI = (\\lambda - 2 \\bar d) / \\lambda = 1 - 2\\sqrt 2\\, \\bar d`,
    averaged over all pairs (group) or the pairs that include i
    (individual) (Niemeyer et al., "How Deliberation Happens: Enabling
    Deliberative Reason", APSR 2024, supplementary code; the unadjusted
    index). Preferences are ranks, so a lower number is a stronger
    preference for both participants alike: the sign does not matter.

    Examples
    --------
    >>> c = pd.DataFrame([[1, 2, 3, 4], [2, 1, 4, 3], [4, 3, 2, 1]], index=list("abc"))
    >>> p = pd.DataFrame([[1, 2, 3], [1, 3, 2], [3, 2, 1]], index=list("abc"))
    >>> round(dri(c, p)["dri"], 4)
    0.8667
    """
    left, right, ids, dropped = _ranked(considerations, preferences)
    n = ids.size
    out = {"dri": np.nan, "individual": pd.Series(dtype=float), "n": int(n), "pairs": 0,
           "sampled": False, "dropped": dropped}
    if n < 2:
        return out
    if n <= max_full:
        sums = _full_sums(left, right, np.ones((n, 1)))[:, 0]
        mean_d = sums.sum() / (n * (n - 1))  # every pair counted twice, as is its size
        ind = sums / (n - 1)
        pairs = n * (n - 1) // 2
    else:
        mean_d, sums, count = _sampled(left, right, n_pairs, seed)
        with np.errstate(invalid="ignore", divide="ignore"):
            ind = sums / count
        pairs, out["sampled"] = n_pairs, True
    out["dri"] = float(_index(mean_d))
    out["individual"] = pd.Series(_index(ind), index=ids, name="dri")
    out["pairs"] = int(pairs)
    return out


def dri_by_group(considerations: pd.DataFrame, preferences: pd.DataFrame,
                 groups: dict[str, pd.Index], *, max_full: int = MAX_FULL,
                 n_pairs: int = SAMPLED_PAIRS, seed: int = 0) -> dict[str, dict]:
    """The group index of each of ``groups`` (name -> participant ids), ranks taken once.

    Each result is what :func:`dri` gives for the group's rows alone
    (without ``individual``): ``dri``, ``n``, ``pairs``, ``sampled``. The
    groups with at most ``max_full`` participants share one pass over every
    pair of their union when that union is itself at most ``max_full``
    (each pass's cost is the union's pairs, not the groups'); larger groups
    are sampled as :func:`dri` samples them.
    """
    left, right, ids, _dropped = _ranked(considerations, preferences)
    position = pd.Series(np.arange(ids.size), index=ids)
    members = {name: position.reindex(ids.intersection(g)).to_numpy() for name, g in
               groups.items()}
    out: dict[str, dict] = {}
    small = {name: m for name, m in members.items() if 2 <= m.size <= max_full}
    union = np.unique(np.concatenate(list(small.values()))) if small else np.array([], int)
    if not small:
        passes = []
    elif union.size <= max_full:
        passes = [small]
    else:
        passes = [{k: v} for k, v in small.items()]
    for batch in passes:
        rows = np.unique(np.concatenate(list(batch.values())))
        where = pd.Series(np.arange(rows.size), index=rows)
        member = np.zeros((rows.size, len(batch)))
        for g, m in enumerate(batch.values()):
            member[where.loc[m].to_numpy(), g] = 1.0
        sums = _full_sums(left[rows], right[rows], member)
        for g, (name, m) in enumerate(batch.items()):
            k = m.size
            mean_d = (sums[:, g] * member[:, g]).sum() / (k * (k - 1))
            out[name] = {"dri": float(_index(mean_d)), "n": int(k), "pairs": k * (k - 1) // 2,
                         "sampled": False}
    for name, m in members.items():
        if name in out:
            continue
        if m.size < 2:
            out[name] = {"dri": np.nan, "n": int(m.size), "pairs": 0, "sampled": False}
            continue
        mean_d, _sums, _count = _sampled(left[m], right[m], n_pairs, seed)
        out[name] = {"dri": float(_index(mean_d)), "n": int(m.size), "pairs": n_pairs,
                     "sampled": True}
    return out


def dri_table(export, condition: pd.Series, participants, seed: int) -> pd.DataFrame:
    """The exchange report's DRI table: before and after, for everyone, each exchange
    condition (``condition``: participant -> peers or placebo) and each arm.

    Considerations are the attitude items asked before and after, preferences
    the first ranking item; ``participants`` (kept after exclusions) or everyone.
    Empty when the survey has fewer than 3 such items or no ranking.
    """
    t = export.items
    both = t["phases"].map(lambda ph: "pre" in ph and "post" in ph)
    views = list(t.loc[both & t["attitude"].astype(bool), "item"])
    ranking = list(t.loc[both & (t["text_coding"] == "ranked_option_ids"), "item"])
    if len(views) < 3 or not ranking:
        return pd.DataFrame()
    options = list(t.set_index("item").loc[ranking[0], "option_ids"])
    a = export.answers
    # the few columns and rows used, once: each phase's filter then runs on these
    a = a.loc[a["item"].isin([*views, ranking[0]]) & a["phase"].isin(["pre", "post"]),
              ["participant_id", "phase", "item", "value", "text"]]
    arm = export.participants.set_index("participant_id")["arm"]
    rows = []
    for phase in ("pre", "post"):
        ph = a[a["phase"] == phase]
        if participants is not None:
            ph = ph[isin_ids(ph["participant_id"], participants)]
        c = ph[ph["item"].isin(views)].pivot_table(index="participant_id", columns="item",
                                                   values="value", aggfunc="first",
                                                   observed=True)
        ranked = ph.loc[ph["item"] == ranking[0]].set_index("participant_id")["text"].dropna()
        order = ranked.astype(str).str.split("|")
        pos = pd.DataFrame({o: order.map(lambda r, o=o: r.index(o) + 1 if o in r else np.nan)
                            for o in options}, index=order.index)
        people = c.index.intersection(pos.index)
        splits = [("all", "all", people)]
        splits += [("exchange", g, people.intersection(condition.index[condition == g]))
                   for g in ("peers", "placebo")]
        splits += [("arm", g, people.intersection(arm.index[arm == g]))
                   for g in export.arms]
        splits = [(by, group, ids) for by, group, ids in splits if len(ids) >= 2]
        # Ranks once, and one pass over the pairs for every group (dri.py).
        found = dri_by_group(c.loc[people], pos.loc[people],
                             {f"{by}:{group}": ids for by, group, ids in splits}, seed=seed)
        for by, group, _ids in splits:
            r = found[f"{by}:{group}"]
            rows.append({"phase": phase, "by": by, "group": group, "n": r["n"],
                         "dri": r["dri"], "pairs": r["pairs"], "sampled": r["sampled"]})
    return pd.DataFrame(rows)
