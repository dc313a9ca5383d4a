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

from analysis.frames import as_category, isin_ids

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
    left, right, ok = _ranked_arrays(considerations.loc[both].to_numpy(dtype=float),
                                     preferences.loc[both].to_numpy(dtype=float))
    return left, right, both[ok], int(len(considerations) - ok.sum())


def _ranked_arrays(c: np.ndarray, p: np.ndarray):
    """(left, right, used): the rows of ``c`` and ``p`` (one participant each) with
    complete answers that vary in both parts, as :func:`_ranked` pairs them."""
    complete = np.isfinite(c).all(axis=1) & np.isfinite(p).all(axis=1)
    zc, zp = standardised_ranks(c[complete]), standardised_ranks(p[complete])
    ok = np.isfinite(zc).all(axis=1) & np.isfinite(zp).all(axis=1)
    used = np.zeros(len(c), dtype=bool)
    used[np.flatnonzero(complete)[ok]] = True
    zc, zp = zc[ok], zp[ok]
    return np.hstack([zc, zp]), np.hstack([zc, -zp]), used


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
    return _groups_dri(left, right, members, max_full=max_full, n_pairs=n_pairs, seed=seed)


def _groups_dri(left: np.ndarray, right: np.ndarray, members: dict[str, np.ndarray], *,
                max_full: int, n_pairs: int, seed: int) -> dict[str, dict]:
    """:func:`dri_by_group` on ranked rows (:func:`_ranked`) and each group's row positions."""
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

    Works on participant codes (sorted ids) and numpy matrices: at 100,000
    participants pandas' pivot, id-index intersections and a Python call per
    ranking took 7 of the table's 13 seconds (issue 24). What :func:`dri_by_group`
    is given is what the tables would give it: considerations a participant
    answered (first non-missing value per item; items nobody answered in the
    phase left out), preferences each option's place in the first ranking
    answer, the participants who have both, in id order.
    """
    t = export.items
    both = t["phases"].map(lambda ph: "pre" in ph and "post" in ph)
    views = list(t.loc[both & t["attitude"].astype(bool), "item"])
    ranking = list(t.loc[both & (t["text_coding"] == "ranked_option_ids"), "item"])
    if len(views) < 3 or not ranking:
        return pd.DataFrame()
    options = list(t.set_index("item").loc[ranking[0], "option_ids"])
    a = export.answers
    a = a.loc[a["item"].isin([*views, ranking[0]]) & a["phase"].isin(["pre", "post"]),
              ["participant_id", "phase", "item", "value", "text"]]
    pid, item = as_category(a["participant_id"]), as_category(a["item"])
    ids, person = pid.cat.categories, pid.cat.codes.to_numpy()
    names = pd.Series(ids)
    keep = np.ones(ids.size, bool) if participants is None else isin_ids(names, participants)
    arm = export.participants.set_index("participant_id")["arm"]
    masks = [("all", "all", np.ones(ids.size, bool))]
    masks += [("exchange", g, isin_ids(names, condition.index[condition == g]))
              for g in ("peers", "placebo")]
    masks += [("arm", g, isin_ids(names, arm.index[arm == g])) for g in export.arms]
    view_code = np.flatnonzero(item.cat.categories.isin(views))
    rank_code = item.cat.categories.get_indexer([ranking[0]])[0]  # -1: nobody ranked
    codes, value = item.cat.codes.to_numpy(), a["value"].to_numpy(dtype=float)
    phases = as_category(a["phase"])
    phase = phases.cat.codes.to_numpy()
    phase_code = {name: code for code, name in enumerate(phases.cat.categories)}
    ranked = (codes == rank_code) & a["text"].notna().to_numpy()
    text = np.full(len(a), None, dtype=object)
    text[ranked] = a.loc[ranked, "text"].to_numpy(dtype=object)  # only the rankings' texts
    rows = []
    for ph in ("pre", "post"):
        here = (phase == phase_code.get(ph, -1)) & keep[person]
        c, has_c = _considerations(person[here], codes[here], value[here], view_code, ids.size)
        rk = here & ranked
        p, has_p = _preferences(person[rk], text[rk], options, ids.size)
        people = np.flatnonzero(has_c & has_p)
        splits = [(by, group, mask[people]) for by, group, mask in masks]
        splits = [(by, group, m) for by, group, m in splits if m.sum() >= 2]
        # Ranks once, and one pass over the pairs for every group.
        left, right, used = _ranked_arrays(c[people], p[people])
        found = _groups_dri(left, right,
                            {f"{by}:{group}": np.flatnonzero(m[used]) for by, group, m in splits},
                            max_full=MAX_FULL, n_pairs=SAMPLED_PAIRS, seed=seed)
        for by, group, _m in splits:
            r = found[f"{by}:{group}"]
            rows.append({"phase": ph, "by": by, "group": group, "n": r["n"],
                         "dri": r["dri"], "pairs": r["pairs"], "sampled": r["sampled"]})
    return pd.DataFrame(rows)


def _considerations(person: np.ndarray, code: np.ndarray, value: np.ndarray,
                    view_code: np.ndarray, n_people: int):
    """(matrix, answered): each participant's first non-missing value of each view item
    (columns: the items someone answered, in id order), and who answered any."""
    found = np.isin(code, view_code) & np.isfinite(value)
    # int64: category codes are as narrow as their count allows, and int16 codes
    # times the number of items would wrap around and merge participants' cells
    person, code, value = person[found].astype(np.int64), code[found], value[found]
    columns = np.unique(code)
    column = np.searchsorted(columns, code)
    _, first = np.unique(person * columns.size + column, return_index=True)
    out = np.full((n_people, columns.size), np.nan)
    out[person[first], column[first]] = value[first]
    answered = np.zeros(n_people, bool)
    answered[person] = True
    return out, answered


def _preferences(person: np.ndarray, text: np.ndarray, options: list, n_people: int):
    """(matrix, answered): each option's place (1 = first) in each participant's first
    ranking answer ("a|b|c"; NaN where the option is not ranked), and who answered."""
    out = np.full((n_people, len(options)), np.nan)
    answered = np.zeros(n_people, bool)
    if person.size == 0:
        return out, answered
    _, first = np.unique(person, return_index=True)
    person = person[first]
    # a few distinct rankings given by thousands: each text is split once
    codes, distinct = pd.factorize(pd.Series(text[first]).astype(str))
    places = pd.Series(distinct, dtype=str).str.split("|", expand=True)
    for j, option in enumerate(options):
        hit = (places == option).to_numpy(dtype=bool)
        place = np.where(hit.any(axis=1), hit.argmax(axis=1) + 1.0, np.nan)
        out[person, j] = place[codes]
    answered[person] = True
    return out, answered
