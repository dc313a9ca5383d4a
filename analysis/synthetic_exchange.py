"""Synthetic fairness ratings with known bridging values (tests, demo data, benchmarks).

Three opinion camps on an anchor axis rate statements No / Somewhat / Yes
(0, 0.5, 1). Each statement has a true mean rating in each camp; its true
bridging value is the least of them. :func:`simulate_fairness` draws the
raters, the balanced ratings and the truth; ``analysis.synthetic_exchange_tables``
(below) turns them into the exchange files of a demo export.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from analysis.contract import (
    EXCHANGE_COLUMNS,
    OPTIONAL_STATEMENT_COLUMNS,
    REJECTION_REASONS,
    escape_formula,
)
from analysis.demo_crossing import cross_arms, crossed_truth
from analysis.exchange.anchors import anchor_scores
from analysis.synthetic_followup import DEMO_FEEDBACK_ITEM, demo_followup

__all__ = ["SimulatedFairness", "simulate_fairness", "CAMP_CENTRES", "DemoExchange",
           "demo_exchange", "write_demo_exchange", "DEMO_ANCHORS", "DEMO_EFFECT_ITEM",
           "DEMO_EFFECT"]

#: the camps' centres on the raw anchor axis (before standardising)
CAMP_CENTRES = (-1.2, 0.0, 1.2)
_CUTS = (1 / 3, 2 / 3)


@dataclass(frozen=True)
class SimulatedFairness:
    """Simulated ratings and the truth behind them.

    Attributes
    ----------
    ratings : DataFrame
        ``rater, statement, rating`` (0, 0.5, 1).
    anchors : DataFrame
        Indexed by rater: ``z1`` (the standardised position).
    groups : Series
        Rater -> camp (1, 2, 3).
    centres : DataFrame
        Indexed by camp: ``z1``, the camp's centre (its raters' mean) on the
        standardised scale.
    truth : DataFrame
        Indexed by statement: ``p_1, p_2, p_3`` (true mean rating per camp)
        and ``bridging`` (their minimum).
    """

    ratings: pd.DataFrame
    anchors: pd.DataFrame
    groups: pd.Series
    centres: pd.DataFrame
    truth: pd.DataFrame


def simulate_fairness(n_statements: int = 60, per_statement: int = 40,
                      raters_per_camp: int = 100, seed: int = 0, *, link: str = "ordinal",
                      noise: float = 0.3) -> SimulatedFairness:
    """Three camps rate statements; each statement gets ``per_statement`` balanced ratings.

    Parameters
    ----------
    n_statements, per_statement, raters_per_camp : int
        Sizes; ratings per statement are split as evenly as possible over
        the camps, raters drawn at random within a camp.
    seed : int
        Everything is drawn from ``numpy.random.default_rng(seed)``.
    link : {"ordinal", "linear"}
        ``ordinal``: a rater's latent judgement ``q_n + b_n z_u + eta_{n,camp}
        + lean_u + N(0, noise^2)`` is cut at 1/3 and 2/3 into No / Somewhat /
        Yes (the model is then only an approximation). ``linear``: the
        rating is the mean of two Bernoulli draws with probability
        ``q_n + b_n z_u + lean_u`` (clipped to [0.02, 0.98]), so its
        expectation is exactly linear in z, as the model assumes.

    Returns
    -------
    SimulatedFairness

    Notes
    -----
    Camps sit at :data:`CAMP_CENTRES` with rater spread 0.45 (sd); q_n ~
    U(0.3, 0.8), b_n ~ +-U(0, 0.25), eta ~ N(0, 0.04^2), lean_u ~ N(0, 0.1^2).
    The truth is the camp's mean expected rating over its raters (ordinal:
    the exact expectation under the normal noise), and bridging its minimum
    over camps.

    Examples
    --------
    >>> sim = simulate_fairness(n_statements=6, per_statement=12, raters_per_camp=10)
    >>> len(sim.ratings), sim.ratings.groupby("statement").size().unique().tolist()
    (72, [12])
    """
    if link not in ("ordinal", "linear"):
        raise ValueError("link must be 'ordinal' or 'linear'")
    if per_statement > 3 * raters_per_camp:
        raise ValueError("more ratings per statement than raters")
    rng = np.random.default_rng(seed)
    centres = np.asarray(CAMP_CENTRES)
    camp = np.repeat(np.arange(3), raters_per_camp)
    z = centres[camp] + rng.normal(0, 0.45, camp.size)
    lean = rng.normal(0, 0.1, camp.size)
    q = rng.uniform(0.3, 0.8, n_statements)
    b = rng.uniform(0.0, 0.25, n_statements) * rng.choice([-1, 1], n_statements)
    eta = rng.normal(0, 0.04, (n_statements, 3))
    if link == "ordinal":
        mean = q[:, None] + b[:, None] * z[None, :] + eta[:, camp] + lean[None, :]
        ey = 0.5 * (stats.norm.sf((_CUTS[0] - mean) / noise)
                    + stats.norm.sf((_CUTS[1] - mean) / noise))
    else:
        mean = np.clip(q[:, None] + b[:, None] * z[None, :] + lean[None, :], 0.02, 0.98)
        ey = mean
    truth_g = np.stack([ey[:, camp == g].mean(axis=1) for g in range(3)], axis=1)
    base, extra = divmod(per_statement, 3)
    picks = []
    for g in range(3):  # three camps, each draws its raters for every statement at once
        members = np.flatnonzero(camp == g)
        k = base + (1 if g < extra else 0)
        pick = rng.random((n_statements, members.size)).argsort(axis=1)[:, :k]
        picks.append(np.column_stack([np.repeat(np.arange(n_statements), k),
                                      members[pick].ravel()]))
    sn = np.vstack(picks)
    sn = sn[np.lexsort((sn[:, 1], sn[:, 0]))]
    m = mean[sn[:, 0], sn[:, 1]]
    if link == "ordinal":
        latent = m + rng.normal(0, noise, len(sn))
        y = np.where(latent < _CUTS[0], 0.0, np.where(latent < _CUTS[1], 0.5, 1.0))
    else:
        y = 0.5 * ((rng.random(len(sn)) < m).astype(float) + (rng.random(len(sn)) < m))
    zs_mean, zs_sd = z.mean(), z.std(ddof=1)
    camp_mean = np.bincount(camp, z) / np.bincount(camp)
    raters = pd.Index(np.arange(camp.size), name="rater")
    statements = pd.Index(np.arange(n_statements), name="statement")
    truth = pd.DataFrame(truth_g, index=statements, columns=["p_1", "p_2", "p_3"])
    truth["bridging"] = truth_g.min(axis=1)
    return SimulatedFairness(
        ratings=pd.DataFrame({"rater": sn[:, 1], "statement": sn[:, 0], "rating": y}),
        anchors=pd.DataFrame({"z1": (z - zs_mean) / zs_sd}, index=raters),
        groups=pd.Series(camp + 1, index=raters, name="group"),
        centres=pd.DataFrame({"z1": (camp_mean - zs_mean) / zs_sd},
                             index=pd.Index([1, 2, 3], name="group")),
        truth=truth,
    )


# --------------------------------------------------------------------------- demo export

#: the demo's anchor items (their before answers place each rater)
DEMO_ANCHORS = ("support_accord", "support_armistice", "support_strength")
#: the demo's known effect of reading peers' arguments (vs placebo) on the after answer
DEMO_EFFECT_ITEM, DEMO_EFFECT = "support_accord", 0.3
#: the statement whose exposure adds a further known step probability
DEMO_STATEMENT_EFFECT = 0.4
_PLACEBO_TEXTS = ("Tomatoes grow best in full sun.", "A library card is free in most towns.",
                  "Cycling to work takes about twenty minutes here.",
                  "Bread keeps longer in a cloth bag.", "Most trains run every half hour.",
                  "Tea tastes different with soft water.", "Autumn leaves make good compost.",
                  "Chess clubs often meet on Tuesdays.")


@dataclass(frozen=True)
class DemoExchange:
    """The exchange part of a demo export (:func:`demo_exchange`).

    Attributes
    ----------
    tables : dict of DataFrame
        File stem -> frame with the contract's columns (text not yet escaped).
    answers : DataFrame
        The answers with the known exposure effect added to the after answers.
    codebook : dict
        The codebook with its ``exchange`` key.
    truth : DataFrame
        Per statement: ``p_1 .. p_3`` (true mean fairness among the left,
        centre and right raters), ``bridging`` (their minimum), ``effect``
        (the true extra effect of seeing it on the outcome, scale points).
    effect : float
        True average effect of peers' arguments vs placebo on
        :data:`DEMO_EFFECT_ITEM` among the exchange participants.
    participants : DataFrame
        The participants with the peers' arm relabelled ``<arm>_peers``
        (:func:`cross_arms`).
    """

    tables: dict
    answers: pd.DataFrame
    codebook: dict
    truth: pd.DataFrame
    effect: float
    participants: pd.DataFrame | None = None


def demo_exchange(participants: pd.DataFrame, answers: pd.DataFrame, codebook: dict,
                  seed: int = 0, *, per_proposal: int = 12, cards: int = 8) -> DemoExchange:
    """Statements, ratings, pairs, exposures and moderation for the demo campaign.

    Completed participants with before answers to :data:`DEMO_ANCHORS` are
    randomised half to peers' arguments, half to placebo statements (the
    others, too, by a stream of their own, so every arm's twin
    ``<arm>_peers`` has its share of break-offs: :func:`cross_arms`).
    Peers see ``cards`` statements drawn at random from the frozen set
    (``per_proposal`` approved statements per proposal), each with inclusion
    probability ``cards / set size``; rating y = mean of two Bernoulli draws
    with probability ``clip(q_n + b_n z_u + lean_u, 0.02, 0.98)`` (z from the
    anchors). The outcome effect: a peer's after answer to
    :data:`DEMO_EFFECT_ITEM` rises one point with probability 0.3 (0.7 when
    the first statement was among the cards), unless at the top of the scale.
    """
    rng = np.random.default_rng([seed, 25])
    done = participants.loc[participants["status"] == "completed", "participant_id"]
    pre = answers[(answers["phase"] == "pre") & answers["item"].isin(DEMO_ANCHORS)
                  & answers["participant_id"].isin(done)]
    wide = pre.pivot(index="participant_id", columns="item", values="value")
    wide = wide.reindex(columns=list(DEMO_ANCHORS)).astype(float).dropna()
    z = anchor_scores(wide)["z1"]
    lr = answers[(answers["item"] == "left_right")].set_index("participant_id")["value"]
    camp = np.digitize(lr.reindex(z.index).astype(float).to_numpy(), [3.5, 6.5])
    people = z.index.to_numpy()
    peers = rng.random(people.size) < 0.5
    lean = rng.normal(0, 0.08, people.size)
    props = [m["id"] for m in codebook.get("modules", []) if m.get("kind") == "proposal"]
    n_st = per_proposal * len(props)
    q = rng.uniform(0.35, 0.8, n_st)
    b = rng.uniform(0.0, 0.22, n_st) * rng.choice([-1.0, 1.0], n_st)
    prob = np.clip(q[:, None] + b[:, None] * z.to_numpy()[None, :] + lean[None, :], 0.02, 0.98)
    truth = pd.DataFrame({f"p_{g + 1}": prob[:, camp == g].mean(axis=1) for g in range(3)},
                         index=pd.Index(np.arange(1, n_st + 1), name="statement"))
    truth["bridging"] = truth.min(axis=1)
    truth["effect"] = 0.0
    statements = _demo_statements(rng, props, per_proposal, b, people)
    frozen = statements[(statements["status"] == "approved")]
    version = hashlib.sha256(",".join(map(str, frozen["statement"])).encode()).hexdigest()
    ids_peer = np.arange(1, n_st + 1)
    ids_placebo = statements.loc[statements["placebo"] == 1, "statement"].to_numpy()
    who_p, who_c = np.flatnonzero(peers), np.flatnonzero(~peers)
    seen_p = ids_peer[rng.random((who_p.size, n_st)).argsort(axis=1)[:, :cards]]
    seen_c = ids_placebo[rng.random((who_c.size, ids_placebo.size)).argsort(axis=1)[:, :cards]]
    k_c = seen_c.shape[1]
    part = np.concatenate([np.repeat(who_p, cards), np.repeat(who_c, k_c)])
    stmt = np.concatenate([seen_p.ravel(), seen_c.ravel()])
    pos = np.concatenate([np.tile(np.arange(1, cards + 1), who_p.size),
                          np.tile(np.arange(1, k_c + 1), who_c.size)])
    arm = participants.set_index("participant_id")["arm"]
    exposures = pd.DataFrame({
        "participant": people[part], "statement": stmt, "position": pos,
        "probability": np.where(stmt <= n_st, cards / n_st, k_c / ids_placebo.size),
        "pool_version": version, "arm": arm.reindex(people[part]).to_numpy()})
    p_fair = np.where(stmt <= n_st, prob[np.minimum(stmt, n_st) - 1, part], 0.75)
    fair = 0.5 * ((rng.random(stmt.size) < p_fair).astype(float) + (rng.random(stmt.size) < p_fair))
    skipped = rng.random(stmt.size) < 0.04
    agree_draw = rng.random(stmt.size)
    agree = np.where(agree_draw < 0.1, "unsure", np.where(agree_draw < 0.1 + 0.8 * p_fair,
                                                          "agree", "disagree"))
    when = pd.Timestamp("2026-11-05T10:00:00+00:00") + pd.to_timedelta(part * 7 + pos, unit="s")
    ratings = pd.DataFrame({
        "rater": exposures["participant"], "statement": stmt,
        "fair": np.where(skipped, np.nan, fair), "skipped": skipped.astype(int),
        "agree": np.where(skipped, None, agree), "position": pos,
        "answered_at": when.map(lambda t: t.isoformat())})
    new_answers, effect = _apply_effect(answers, people, peers, seen_p, who_p, rng)
    truth.loc[1, "effect"] = DEMO_STATEMENT_EFFECT * effect[1]
    tables = {
        "statements": statements, "ratings": ratings,
        "pairs": _demo_pairs(rng, seen_p, people[who_p], prob[:, who_p], statements, when),
        "exposures": exposures,
        "moderation": _demo_moderation(rng, statements),
        "frozen_sets": pd.DataFrame({
            "pool_version": version, "statement": frozen["statement"],
            "language": frozen["language"], "proposal": frozen["proposal"],
            "frozen_at": "2026-11-04T12:00:00+00:00"}),
    }
    book = {**codebook, "exchange": {"anchors": list(DEMO_ANCHORS), "cards": cards,
                                     "pairs": 2, "mode": "frozen"}}
    rest = participants.loc[~participants["participant_id"].isin(people), "participant_id"]
    rest_peers = np.random.default_rng([seed, 26]).random(len(rest)) < 0.5
    moved = pd.Index(people[peers]).append(pd.Index(rest[rest_peers]))
    crossed, book = cross_arms(participants, book, moved)
    arm = crossed.set_index("participant_id")["arm"]
    tables["exposures"]["arm"] = arm.reindex(tables["exposures"]["participant"]).to_numpy()
    new_answers["arm"] = new_answers["participant_id"].map(arm).to_numpy()
    return DemoExchange(tables, new_answers, book, truth, effect[0], crossed)


def write_demo_exchange(out: Path, data, seed: int = 0):
    """Write the exchange files of a demo export into ``out``; ``data`` with them added.

    ``data`` is the generator's ``DemoData`` (any dataclass with
    ``participants``, ``answers``, ``codebook``, ``manifest``); the copy
    returned has the answers with the known effect, the codebook's
    ``exchange`` key and the files in the manifest. ``exchange_truth.csv``
    (not part of the contract) holds :attr:`DemoExchange.truth`, the
    true average effect (a row ``statement = "all"``) and the follow-up
    feedback's (``statement = "feedback"``: :mod:`analysis.synthetic_followup`,
    whose wave and ``feedback_order`` the copy's participants and answers get).
    """
    ex = demo_exchange(data.participants, data.answers, data.codebook, seed)
    # the crossed arms (ex.participants) with feedback_order (1.10)
    fu = demo_followup(ex.participants, ex.answers, seed)
    files = []
    for name, frame in ex.tables.items():
        columns = {**EXCHANGE_COLUMNS[name], **(OPTIONAL_STATEMENT_COLUMNS
                                                if name == "statements" else {})}
        frame = frame[list(columns)].copy()
        for c, kind in columns.items():
            if kind == "text":
                frame[c] = frame[c].map(escape_formula, na_action="ignore")
        frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n", encoding="utf-8")
        files.append(f"{name}.csv")
    truth = ex.truth.reset_index()
    truth["statement"] = truth["statement"].astype(str)
    extra = [{"statement": "all", "effect": ex.effect, "item": DEMO_EFFECT_ITEM},
             {"statement": "feedback", "effect": fu.effect, "item": DEMO_FEEDBACK_ITEM}]
    pd.concat([truth, pd.DataFrame(extra)]).to_csv(out / "exchange_truth.csv", index=False,
                                                   lineterminator="\n")
    arms = ex.codebook["arms"]
    design = {**data.manifest["design"], "arms": arms,
              "arm_weights": {a["id"]: a.get("weight", 1) for a in arms}}
    manifest = {**data.manifest, "design": design,
                "files": [*data.manifest.get("files", []), *files],
                "row_counts": {**data.manifest["row_counts"], "answers": len(fu.answers),
                               **{n: len(f) for n, f in ex.tables.items()}}}
    return dataclasses.replace(data, participants=fu.participants, answers=fu.answers,
                               codebook=ex.codebook, manifest=manifest,
                               truth=crossed_truth(data.truth, ex.effect, DEMO_EFFECT_ITEM))


def _demo_statements(rng, props, per_proposal, b, people) -> pd.DataFrame:
    """Approved statements 1..n (proposal by proposal), then rejected, withdrawn, placebo."""
    n_st = per_proposal * len(props)
    rows = []
    for k in range(n_st):  # statements, not ratings
        prop, j = props[k // per_proposal], k % per_proposal
        side = "for" if b[k] > 0 else "against"
        seed = j < 4
        lead = "=" if j == 5 else ""  # a formula-like start, escaped in the file
        text = (f"{lead}On {prop}: argument {j + 1} {side} the proposal, "
                f"{'a <b>seed</b> from the briefing' if seed else 'written by a participant'}.")
        rows.append((k + 1, "de" if j == 7 else "en", prop, side, "" if seed else "comment",
                     int(seed), 0, "approved", "", text, "" if seed else str(rng.choice(people))))
    nid = n_st
    for prop in props:
        for _ in range(2):
            nid += 1
            rows.append((nid, "en", prop, "for", "comment", 0, 0, "rejected",
                         str(rng.choice(REJECTION_REASONS)), "", str(rng.choice(people))))
    for status in ("withdrawn", "pending"):
        nid += 1
        text = "" if status == "withdrawn" else "Still waiting for a moderator."
        rows.append((nid, "en", props[0], "against", "comment", 0, 0, status, "", text,
                     str(rng.choice(people))))
    for text in _PLACEBO_TEXTS:
        nid += 1
        rows.append((nid, "en", "", "", "", 1, 1, "approved", "", text, ""))
    return pd.DataFrame(rows, columns=["statement", "language", "proposal", "side",
                                       "source_item", "seed", "placebo", "status", "reason",
                                       "text", "author"])


def _apply_effect(answers, people, peers, seen_p, who_p, rng):
    """Answers with the known effect; (true mean effect, share of peers below the top)."""
    out = answers.copy()
    hit = ((out["phase"] == "post") & (out["item"] == DEMO_EFFECT_ITEM)).to_numpy()
    post = out.loc[hit].set_index("participant_id")["value"].astype(float)
    saw_first = (seen_p == 1).any(axis=1)
    p_step = pd.Series(DEMO_EFFECT + DEMO_STATEMENT_EFFECT * saw_first, index=people[who_p])
    p_step = p_step.reindex(post.index).fillna(0.0)
    top = post.max() if post.notna().any() else 0.0
    below = (post < top).astype(float)
    step = (rng.random(post.size) < p_step.to_numpy()) & (below.to_numpy() > 0)
    out.loc[hit, "value"] = (post.to_numpy() + step).astype(int)
    treated = post.index.isin(people[who_p])
    return out, ((p_step * below)[treated].mean(), below[treated].mean())


def _demo_pairs(rng, seen_p, raters, prob, statements, when) -> pd.DataFrame:
    """Two pairwise choices per peer: two statements of one proposal, Bradley-Terry-like."""
    per = statements[(statements["status"] == "approved") & (statements["placebo"] == 0)]
    by_prop = per.groupby("proposal")["statement"].apply(np.asarray)
    n = raters.size * 2
    who = np.repeat(np.arange(raters.size), 2)
    prop = rng.integers(len(by_prop), size=n)
    size = by_prop.iloc[0].size
    pick = rng.random((n, size)).argsort(axis=1)[:, :2]
    ids = np.stack([by_prop.iloc[p] for p in range(len(by_prop))])[prop[:, None], pick]
    p_left = prob[ids[:, 0] - 1, who]
    p_right = prob[ids[:, 1] - 1, who]
    left_wins = rng.random(n) < 1 / (1 + np.exp(-6 * (p_left - p_right)))
    chosen = np.where(left_wins, ids[:, 0], ids[:, 1]).astype(float)
    chosen[rng.random(n) < 0.03] = np.nan
    return pd.DataFrame({"rater": raters[who], "left": ids[:, 0], "right": ids[:, 1],
                         "chosen": pd.array(chosen, dtype="Int64"),
                         "proposal": np.asarray(by_prop.index)[prop],
                         "answered_at": "2026-11-05T12:00:00+00:00"})


def _demo_moderation(rng, statements) -> pd.DataFrame:
    """One decision per participant statement; 30% coded a second time, blind."""
    decided = statements[(statements["seed"] == 0) & statements["status"].isin(
        ["approved", "rejected", "withdrawn"])]
    reject = (decided["status"] == "rejected").to_numpy()
    first = pd.DataFrame({"statement": decided["statement"].to_numpy(),
                          "decision": np.where(reject, "reject", "approve"),
                          "reason": np.where(reject, decided["reason"], ""),
                          "moderator_role": "moderator", "second": 0,
                          "decided_at": "2026-11-03T09:00:00+00:00"})
    again = rng.random(len(first)) < 0.3
    second = first[again].copy()
    flip = rng.random(len(second)) < 0.12
    second["decision"] = np.where(flip, np.where(second["decision"] == "reject", "approve",
                                                 "reject"), second["decision"])
    second["reason"] = np.where(second["decision"] == "reject",
                                np.where(second["reason"] == "", "off_topic", second["reason"]),
                                "")
    second["moderator_role"], second["second"] = "manager", 1
    second["decided_at"] = "2026-11-03T15:00:00+00:00"
    return pd.concat([first, second], ignore_index=True)
