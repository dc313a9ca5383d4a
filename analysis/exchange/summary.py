"""The exchange's analysis for the report: every table from the exported files alone.

:func:`analyse_exchange` reads an export's exchange tables (format 1.5) and
returns :class:`ExchangeResults`; ``analysis.pipeline`` stores it on the
results and the report section "Listening to the other side" formats it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analysis.contract import EXCHANGE_CODEBOOK_KEY
from analysis.exchange.anchors import anchor_scores, opinion_centres
from analysis.exchange.bridging import BridgingFit, bridging_fit
from analysis.exchange.checks import (
    learned_factor,
    penalty_sensitivity,
    polis_consensus,
    rater_bootstrap,
    split_half,
)
from analysis.exchange.contrasts import exchange_effects
from analysis.exchange.dri import dri_table
from analysis.exchange.effects import exchange_condition, feedback_effects
from analysis.exchange.moderation import equal_rates_test, moderator_agreement, rejection_rates
from analysis.exchange.pairwise import bradley_terry, schulze
from analysis.frames import isin_ids
from analysis.tidy import pairs as before_after_pairs

__all__ = ["ExchangeResults", "analyse_exchange", "exchange_anchors"]


@dataclass
class ExchangeResults:
    """What the exchange analysis found (:func:`analyse_exchange`).

    Attributes
    ----------
    flow : DataFrame
        ``stage, n``: statements written, seeds, placebo, by moderation
        status and rejection reason, in the frozen set, rated, scored.
    scores : DataFrame
        One row per rated statement: the columns of
        :meth:`BridgingFit.scores` plus ``proposal, side, language, seed,
        text`` and ``se_bridging`` (the SE of the least convinced group).
    centres : DataFrame
        The opinion groups' centres on the anchor scale, with ``n`` raters.
    effects : DataFrame
        Peers vs placebo (:func:`analysis.exchange.effects.peer_effects`)
        for each outcome at ``post`` and ``followup`` (column ``wave``).
    effects_by_arm : DataFrame
        The same within each briefing arm (column ``briefing``).
    effects_by_group : DataFrame
        The same within each opinion group of the anchors (column
        ``opinion_group``; Holm within each group).
    statement_effects : DataFrame
        Per-statement exposure effects, shrunk (frozen design only).
    feedback_effects : DataFrame
        The follow-up's feedback before vs after the re-asked questions, on
        the follow-up answers (:func:`analysis.exchange.effects.feedback_effects`;
        from ``feedback_order`` in participants.csv, format 1.10).
    selection_effects : DataFrame
        Bridging-selected vs random peers (column ``wave``), only when the
        exposures show both selections
        (:func:`analysis.exchange.effects.selection_effects`).
    diagnostics : DataFrame
        ``quantity, value``: ratings, raters, statements, sigma, edf, the
        fit's sweeps and last parameter change, ratings per statement and group.
    checks : DataFrame
        ``check, value, note``: Pol.is consensus vs bridging (rank
        correlation), the learned factor's correlation with z (only when
        raters average at least 30 ratings), split-half reliability,
        bootstrap-to-model SE ratio.
    moderation : DataFrame
        ``by, level, decided, rejected, rate``: rejection rates of the
        participants' statements by language and (with an author column) by
        the author's opinion group.
    moderation_tests : DataFrame
        ``test, statistic, df, p, n, note``: chi-square tests of equal
        rejection rates, and Cohen's kappa on the double-coded sample.
    dri : DataFrame
        ``phase, by, group, n, dri, pairs, sampled``: the Deliberative
        Reason Index before and after, overall, by exchange condition and by
        briefing arm (:func:`analysis.exchange.dri.dri`).
    pairwise : DataFrame
        Per proposal and statement: Bradley-Terry ``strength`` and slopes
        from the pairwise choices, ``n_pairs``, ``wins``, and
        ``schulze_rank`` (Schulze over the opinion groups' rankings by
        predicted fairness, each group weighted by its raters) beside
        ``bridging_rank``.
    sensitivity : DataFrame
        Scores under lam_c = lam_f in {2, 5, 10}
        (:func:`analysis.exchange.checks.penalty_sensitivity`).
    design : str
        ``frozen``, ``live`` or ``none`` (no exposures), from the exposures'
        pool versions.
    notes : list of str
        Plain sentences for the report (warnings, what was left out).
    fit : BridgingFit or None
        The model itself.
    """

    flow: pd.DataFrame
    scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    centres: pd.DataFrame = field(default_factory=pd.DataFrame)
    effects: pd.DataFrame = field(default_factory=pd.DataFrame)
    effects_by_arm: pd.DataFrame = field(default_factory=pd.DataFrame)
    effects_by_group: pd.DataFrame = field(default_factory=pd.DataFrame)
    statement_effects: pd.DataFrame = field(default_factory=pd.DataFrame)
    feedback_effects: pd.DataFrame = field(default_factory=pd.DataFrame)
    selection_effects: pd.DataFrame = field(default_factory=pd.DataFrame)
    diagnostics: pd.DataFrame = field(default_factory=pd.DataFrame)
    checks: pd.DataFrame = field(default_factory=pd.DataFrame)
    moderation: pd.DataFrame = field(default_factory=pd.DataFrame)
    dri: pd.DataFrame = field(default_factory=pd.DataFrame)
    pairwise: pd.DataFrame = field(default_factory=pd.DataFrame)
    moderation_tests: pd.DataFrame = field(default_factory=pd.DataFrame)
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)
    design: str = "none"
    notes: list = field(default_factory=list)
    fit: BridgingFit | None = None


def exchange_anchors(export, d: int = 1) -> pd.DataFrame:
    """The anchors z of every participant with before answers to the anchor items.

    The items are ``codebook["exchange"]["anchors"]`` in their order (the
    first fixes the sign); answers are the ``pre`` values, missing codes
    left out (:func:`analysis.exchange.anchors.anchor_scores`).
    """
    spec = export.codebook.get(EXCHANGE_CODEBOOK_KEY) or {}
    items = list(spec.get("anchors") or [])
    if not items:
        raise ValueError("the codebook names no anchor items (codebook['exchange']['anchors'])")
    a = export.answers
    a = a[(a["phase"] == "pre") & a["item"].isin(items)]
    missing_codes = export.items.set_index("item")["missing_codes"].to_dict()
    bad = np.zeros(len(a), dtype=bool)
    for item in items:  # a few anchor items
        bad |= ((a["item"] == item) & a["value"].isin(missing_codes.get(item) or [])).to_numpy()
    wide = a[~bad].pivot_table(index="participant_id", columns="item", values="value",
                               aggfunc="first", observed=True)
    wide = wide.reindex(columns=items).astype(float)
    return anchor_scores(wide, d=min(d, len(items)))


def _flow(statements: pd.DataFrame, ratings: pd.DataFrame, frozen: pd.DataFrame,
          scores: pd.DataFrame) -> pd.DataFrame:
    st = statements
    own = st[(st["seed"] == 0) & (st["placebo"] == 0)]
    rows = [("written by participants", len(own)), ("seeds (research team)",
            int(((st["seed"] == 1) & (st["placebo"] == 0)).sum())),
            ("placebo statements", int((st["placebo"] == 1).sum()))]
    for status, n in own["status"].value_counts().sort_index().items():
        rows.append((f"participants' statements {status}", int(n)))
    for reason, n in own.loc[own["status"] == "rejected", "reason"].value_counts().items():
        rows.append((f"rejected: {reason}", int(n)))
    rows.append(("in the frozen display set", int(frozen["statement"].nunique())
                 if not frozen.empty else 0))
    rated = ratings.loc[ratings["fair"].notna(), "statement"].nunique()
    rows.append(("rated (at least one fairness rating)", int(rated)))
    scored = int((scores["status"] != "needs-ratings").sum()) if not scores.empty else 0
    rows.append(("scored (enough ratings from at least two groups)", scored))
    return pd.DataFrame(rows, columns=["stage", "n"])


def analyse_exchange(export, participants: pd.Series | None = None, *, seed: int = 0,
                     outcomes: list | None = None, n_boot: int = 50,
                     ) -> ExchangeResults | None:
    """The whole exchange analysis of an export, or ``None`` when it has no exchange.

    Parameters
    ----------
    export : Export
        A loaded export (:func:`analysis.load_export`) with ``exchange`` tables.
    participants : Series of str, optional
        Participant ids kept after exclusions (effects are on these only;
        every rating counts for the bridging scores).
    seed : int
        For the opinion groups' k-means.
    outcomes : list of str, optional
        Outcome items for the effects; default the plan's ``[exchange]``
        outcomes, else the preregistered primary items, else every numeric
        before/after item (:func:`analysis.exchange.contrasts.exchange_outcomes`).
    n_boot : int
        Rater-bootstrap refits for the SE check (0: none).
    """
    tables = getattr(export, "exchange", None) or {}
    if "statements" not in tables or "ratings" not in tables:
        return None
    if hasattr(export, "keyed"):
        # categorical keys, as the rest of the analysis: the text form of the answers
        # would be built for this section alone (about 1 GB at 100,000 participants)
        export = export.keyed()
    st, rt = tables["statements"], tables["ratings"]
    frozen = tables.get("frozen_sets", pd.DataFrame(columns=["statement"]))
    exposures = tables.get("exposures", pd.DataFrame(columns=["participant", "statement",
                                                              "pool_version"]))
    res = ExchangeResults(flow=_flow(st, rt, frozen, pd.DataFrame()))
    try:
        z = exchange_anchors(export)
    except ValueError as exc:
        res.notes.append(f"Bridging scores not computed: {exc}.")
        _moderation(res, st, tables.get("moderation"), None)
        return res
    groups, centres = opinion_centres(z, seed=seed)
    _moderation(res, st, tables.get("moderation"), groups)
    real = st.loc[st["placebo"] == 0, "statement"]
    use = rt[rt["fair"].notna() & rt["statement"].isin(real) & isin_ids(rt["rater"], z.index)]
    dropped = int(rt["fair"].notna().sum() - len(use))
    if use.empty:
        res.notes.append("No fairness ratings of arguments to score.")
        return res
    ratings = pd.DataFrame({"rater": use["rater"].astype(str).to_numpy(),
                            "statement": use["statement"].astype(int).to_numpy(),
                            "rating": use["fair"].astype(float).to_numpy()})
    fit = bridging_fit(ratings, z)
    raters = groups.reindex(fit.raters.index)
    scores = fit.scores(centres, raters)
    labels = [str(g) for g in centres.index]
    p = scores[[f"p_{g}" for g in labels]].to_numpy()
    se = scores[[f"se_{g}" for g in labels]].to_numpy()
    scores["se_bridging"] = se[np.arange(len(scores)), p.argmin(axis=1)]
    info = st.set_index("statement")[["proposal", "side", "language", "seed", "text"]]
    scores = scores.join(info.reindex(scores.index))
    res.scores, res.fit = scores, fit
    res.centres = centres.assign(n=groups.value_counts().reindex(centres.index).to_numpy())
    res.flow = _flow(st, rt, frozen, scores)
    per_group = scores[[f"n_{g}" for g in labels]]
    res.diagnostics = pd.DataFrame([
        ("ratings used", fit.n_ratings), ("raters", len(fit.raters)),
        ("statements scored", len(scores)),
        ("ratings left out (rater without anchors, placebo, skipped)", dropped
         + int(rt["fair"].isna().sum())),
        ("residual SD (sigma)", float(np.sqrt(fit.sigma2))), ("effective df", fit.edf),
        ("conjugate-gradient steps", fit.cg_steps), ("coordinate sweeps", fit.sweeps),
        ("largest parameter change in the last sweep", fit.max_change),
        ("median ratings per statement", float(scores["n_ratings"].median())),
        ("median ratings per statement and group", float(np.median(per_group.to_numpy()))),
        ("statements with fewer than 5 ratings in some group",
         int((per_group.to_numpy() < 5).any(axis=1).sum())),
    ], columns=["quantity", "value"])
    _checks(res, ratings, use, z, centres, groups, n_boot, seed)
    outcomes = _outcomes(export, outcomes)
    exchange_effects(res, export, exposures, st, participants, outcomes, groups)
    res.feedback_effects = _feedback(export, participants, outcomes)
    condition = exchange_condition(exposures, st) if not exposures.empty else pd.Series(
        dtype=str)
    res.dri = dri_table(export, condition, participants, seed)
    res.pairwise = _pairwise(tables.get("pairs"), z, res)
    return res


def _pairwise(pairs, z, res) -> pd.DataFrame:
    """Bradley-Terry per proposal beside Schulze over the groups' rankings."""
    scored = res.scores[res.scores["status"] != "needs-ratings"]
    labels = [str(g) for g in res.centres.index]
    frames = []
    for prop, rows in scored.groupby(scored["proposal"].fillna(""), sort=True):
        if len(rows) < 2:
            continue
        ballots = -rows[[f"p_{g}" for g in labels]].T.set_axis(rows.index, axis=1)
        sch = schulze(ballots.rank(axis=1, method="min"), res.centres["n"].to_numpy())
        out = pd.DataFrame({"proposal": prop,
                            "bridging_rank": rows["bridging"].rank(ascending=False,
                                                                   method="min").astype(int),
                            "schulze_rank": sch["rank"].reindex(rows.index)})
        if pairs is not None and not pairs.empty:
            pp = pairs[pairs["proposal"] == prop]
            pp = pp.assign(rater=pp["rater"].astype(str))
            if pp["chosen"].notna().sum() >= 10:
                bt = bradley_terry(pp, z)
                out = out.join(bt, how="left")
        frames.append(out)
    return pd.concat(frames).rename_axis("statement").reset_index() if frames else pd.DataFrame()


def _moderation(res, st, moderation, groups) -> None:
    """Rejection rates by language and the author's group; moderators' kappa."""
    frames, tests = [], []
    bys = [("language", "language")]
    if groups is not None and "author" in st.columns:
        author_group = st.set_index("statement")["author"].map(groups).dropna().astype(int)
        bys.append(("author's opinion group", author_group.astype(str)))
    elif "author" not in st.columns:
        res.notes.append("The export has no statement authors (exported without them), so "
                         "rejection rates by the author's opinion group are not shown.")
    for label, by in bys:
        rates = rejection_rates(st, by)
        if rates.empty:
            continue
        frames.append(rates.assign(by=label))
        t = equal_rates_test(rates)
        note = ("expected counts under 5: the chi-square is approximate"
                if t["min_expected"] < 5 else "")
        tests.append((f"equal rejection rates by {label} (chi-square)", t["chi2"], t["df"],
                      t["p"], t["n"], note))
    if moderation is not None and not moderation.empty:
        k = moderator_agreement(moderation)
        tests.append(("moderators' agreement (Cohen's kappa)", k["kappa"], np.nan, np.nan,
                      k["n"], f"raw agreement {k['agreement']:.1%}" if k["n"] else
                      "no statement was coded twice"))
    if frames:
        res.moderation = pd.concat(frames, ignore_index=True)[
            ["by", "level", "decided", "rejected", "rate"]]
    res.moderation_tests = pd.DataFrame(tests, columns=["test", "statistic", "df", "p", "n",
                                                        "note"])


def _checks(res, ratings, use, z, centres, groups, n_boot, seed) -> None:
    """The checks beside the scores (analysis/exchange/checks.py)."""
    s = res.scores[res.scores["status"] != "needs-ratings"]
    rows = []
    agree = use[["rater", "statement", "agree"]].assign(rater=use["rater"].astype(str))
    if agree["agree"].notna().any() and len(s) >= 3:
        cons = polis_consensus(agree, groups).reindex(s.index)["consensus"]
        rows.append(("Pol.is consensus (agree answers, Jeffreys prior) vs bridging",
                     float(stats.spearmanr(cons, s["bridging"], nan_policy="omit")[0]),
                     "Spearman over scored statements"))
    per_rater = float(ratings.groupby("rater").size().mean())
    if per_rater >= 30:
        g, _ = learned_factor(ratings, seed=seed)
        r = float(np.corrcoef(g, z.loc[g.index].iloc[:, 0])[0, 1])
        rows.append(("learned factor vs anchor z1", abs(r), "absolute correlation"))
    else:
        rows.append(("learned factor vs anchor z1", np.nan,
                     f"not computed: raters average {per_rater:.1f} ratings (needs 30)"))
    if len(s) >= 3 and ratings["rater"].nunique() >= 20:
        half = split_half(ratings, z, centres, seed=seed)
        rows.append(("split-half reliability (Spearman-Brown)", half["reliability"],
                     f"halves correlate {half['r_half']:.3f}"))
    if n_boot > 1:
        boot = rater_bootstrap(ratings, z, centres, n_boot=n_boot, seed=seed)
        rows.append(("bootstrap / model SE of bridging (median)",
                     float(boot["ratio"].median()), f"{n_boot} rater resamples"))
    res.checks = pd.DataFrame(rows, columns=["check", "value", "note"])
    res.sensitivity = penalty_sensitivity(ratings, z, centres)


def _outcomes(export, outcomes: list | None) -> list:
    """The effects' outcomes: as given, else the preregistered primary items, else every
    numeric item asked before and after (Holm runs over them: the plan's family)."""
    if outcomes is None:
        outcomes = list((export.preregistration or {}).get("primary_items") or [])
    if not outcomes:
        t = export.items
        both = t["phases"].map(lambda ph: "pre" in ph and "post" in ph)
        outcomes = list(t.loc[t["numeric"] & both, "item"])
    return outcomes


def _feedback(export, participants, outcomes) -> pd.DataFrame:
    """The feedback factor's contrast at follow-up, when the export has the order (1.8)."""
    people = export.participants
    if "feedback_order" not in people.columns:
        return pd.DataFrame()
    pp = before_after_pairs(export, outcomes, after="followup", participants=participants)
    if pp.empty:
        return pd.DataFrame()
    order = people.set_index("participant_id")["feedback_order"]
    return feedback_effects(pp.rename(columns={"followup": "post"}), order, outcomes)
