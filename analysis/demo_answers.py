"""The demo's answers: every item of every participant drawn from the model of
:mod:`analysis.demo_model`, with the exact true shift of each item and arm."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.demo_model import (
    _LR_GROUP,
    _LR_PMF,
    PROPOSALS,
    _change_pmf,
    _draw,
    _Item,
    _pre_pmf,
    _true_shift,
)
from analysis.demo_sample import Sample

__all__ = ["draw_answers", "answers_frame"]


def draw_answers(d: Sample, rng, items: list[_Item], eff: dict) -> tuple[list, list[dict]]:
    """Every answer as chunks ``(rows, phase, item, value, text, module, page, slot)``, and
    the truth table's rows: profile, attention check, before/after items, the ranking of
    the proposals, the questions on each briefing, free-text comments."""
    n, reached, speeder, arms = d.n, d.reached, d.speeder, d.arms
    order, n_mod, single_mod = d.order, d.n_mod, d.single_mod
    by_id = {it.id: it for it in items}
    lr = rng.choice(11, size=n, p=_LR_PMF)
    group = _LR_GROUP[lr]
    chunks: list[pd.DataFrame] = []
    values: dict[tuple[str, str], np.ndarray] = {}

    def emit(who, phase, item, value=None, text=None, module="", page="", slot=0):
        idx = np.flatnonzero(who)
        if idx.size:
            chunks.append((idx, phase, item, None if value is None else value[idx],
                           None if text is None else text[idx], module, page, slot))

    genuine = ~speeder
    profile_who = reached >= 1
    country = rng.choice(np.arange(1, 7), size=n, p=[0.3, 0.2, 0.15, 0.15, 0.15, 0.05])
    age = rng.choice(np.arange(1, 6), size=n, p=[0.2, 0.28, 0.27, 0.18, 0.07])
    emit(profile_who, "profile", "country", country, page="about_you", slot=1)
    emit(profile_who, "profile", "age_band", age, page="about_you", slot=1)
    emit(profile_who, "profile", "left_right", lr, page="about_you", slot=1)

    pre_who, post_who = reached >= 2, reached >= 4
    attn_ok = rng.random(n) < np.where(speeder, 0.4, 0.96)
    attn = np.where(attn_ok, 4, rng.choice([1, 2, 3, 5], size=n))
    emit(pre_who, "pre", "attn_pre", attn, page="before", slot=2)

    arm_pos = {a: i for i, a in enumerate(arms)}
    truth_rows = []
    straight = {ph: rng.integers(1, 6, size=n) for ph in ("pre", "post")}
    latent: dict[str, np.ndarray] = {}
    for item in items:
        if not ("pre" in item.phases and "post" in item.phases) or item.type == "ranking":
            continue
        item_eff = np.array([eff.get((a, item.id), 0.0) for a in arms])
        if item.type == "knowledge":
            vals, true = _knowledge_draws(d, rng, item, item_eff)
        else:
            vals, true = _scale_draws(d, rng, item, eff, group, straight, latent)
        values[("pre", item.id)], values[("post", item.id)] = vals["pre"], vals["post"]
        emit(pre_who, "pre", item.id, vals["pre"], page="before", slot=2)
        emit(post_who, "post", item.id, vals["post"], page="after", slot=6)
        for a in arms:
            truth_rows.append({"arm": a, "item": item.id, "type": item.type,
                               "intended": eff.get((a, item.id), 0.0),
                               "true_shift": true[arm_pos[a]]})

    # ranking of proposals from the support answers plus jitter
    for ph, who, slot, page in (("pre", pre_who, 2, "before"), ("post", post_who, 6, "after")):
        support = np.column_stack([values[(ph, f"support_{p}")] for p in PROPOSALS]).astype(float)
        rank = np.argsort(-(support + rng.random(support.shape) * 1.5), axis=1)
        names = np.array(PROPOSALS, dtype=object)[rank]
        text = names[:, 0] + "|" + names[:, 1] + "|" + names[:, 2]
        emit(who, ph, "rank_proposals", text=text, page=page, slot=slot)

    # module questions: clarity per module shown
    clarity = by_id["clarity"]
    for k in range(3):
        who = (reached >= 3) & (n_mod > k)
        mods = order[:, k]
        mods = np.where(n_mod == 1, single_mod, mods) if k == 0 else mods
        v = clarity.lo + _draw(_pre_pmf(clarity), group, rng)
        for m in (*PROPOSALS, "control"):
            emit(who & (mods == m), "module", "clarity", v, module=m, page=f"module_{m}",
                 slot=3 + k)

    # free-text comments, some starting with formula characters (escaped on export)
    samples = np.array(["More facts about costs, please.", "=1+1 is how simple they make it",
                        "-too long", "+1 for the accord", "@everyone read this",
                        "'quoted' words stay as they are", "Готово, дякую", "NA"], dtype=object)
    wants = post_who & genuine & (rng.random(n) < 0.3)
    emit(wants, "post", "comment", text=samples[rng.integers(0, samples.size, n)],
         page="after", slot=6)
    return chunks, truth_rows


def _knowledge_draws(d: Sample, rng, item: _Item, item_eff: np.ndarray):
    """Before/after codes of a knowledge item: P(correct) 0.45 before, 0.45 + effect after."""
    n, arm_idx, speeder = d.n, d.arm_idx, d.speeder
    pre_ok = rng.random(n) < 0.45
    post_ok = rng.random(n) < 0.45 + item_eff[arm_idx]
    wrong = np.array([o[0] for o in item.options if o[0] != item.correct and not o[3]])
    dk = [o[0] for o in item.options if o[3]][0]
    vals = {}
    for ph, ok in (("pre", pre_ok), ("post", post_ok)):
        is_dk = rng.random(n) < 0.4
        v = np.where(ok, item.correct, np.where(is_dk, dk, rng.choice(wrong, size=n)))
        v = np.where(speeder, rng.choice(np.array([o[0] for o in item.options]), size=n), v)
        vals[ph] = v
    return vals, item_eff


def _scale_draws(d: Sample, rng, item: _Item, eff: dict, group: np.ndarray, straight: dict,
                 latent: dict):
    """Before/after values of a scale item from the model, and the exact true shift per arm."""
    n, arm_idx, speeder, arms = d.n, d.arm_idx, d.speeder, d.arms
    arm_pos = {a: i for i, a in enumerate(arms)}
    pre_pmf = _pre_pmf(item)
    if item.construct:
        # items of a construct share a person-level factor: the uniform that picks the
        # category is Phi(0.7 z + 0.71 e), still uniform, so the pmf (and truth) is exact
        z = latent.setdefault(item.construct, rng.standard_normal(n))
        sign = -1.0 if item.reverse else 1.0
        u = stats.norm.cdf(0.7 * sign * z + np.sqrt(1 - 0.49) * rng.standard_normal(n))
        cdf = np.cumsum(pre_pmf, axis=1)
        cdf[:, -1] = 1.0
        pre = item.lo + (u[:, None] > cdf[group]).sum(axis=1)
    else:
        pre = item.lo + _draw(pre_pmf, group, rng)
    post = np.empty(n, dtype=np.int64)
    for a in arms:
        steps, q = _change_pmf(item, eff.get((a, item.id), 0.0))
        sel = arm_idx == arm_pos[a]
        step = steps[_draw(q[None, :], np.zeros(int(sel.sum()), dtype=int), rng)]
        post[sel] = np.clip(pre[sel] + step, item.lo, item.hi)
    if item.type == "likert":
        pre = np.where(speeder, straight["pre"], pre)
        post = np.where(speeder, straight["post"], post)
    else:
        pre = np.where(speeder, rng.integers(item.lo, item.hi + 1, size=n), pre)
        post = np.where(speeder, rng.integers(item.lo, item.hi + 1, size=n), post)
    vals = {"pre": pre, "post": post}
    return vals, np.array([_true_shift(item, eff.get((a, item.id), 0.0)) for a in arms])


def answers_frame(d: Sample, chunks: list) -> pd.DataFrame:
    """answers.csv's rows from the chunks, in answer order."""
    pid, arm, page_time, secs = d.pid, d.arm, d.page_time, d.secs
    sizes = np.array([c[0].size for c in chunks])
    rows = np.concatenate([c[0] for c in chunks])
    slot = np.repeat(np.array([c[7] for c in chunks]), sizes)

    def rep(j):
        return np.repeat(np.array([c[j] for c in chunks], dtype=object), sizes)

    value = np.concatenate([np.full(c[0].size, np.nan) if c[3] is None else c[3].astype(float)
                            for c in chunks])
    text = np.concatenate([np.full(c[0].size, None, dtype=object) if c[4] is None else c[4]
                           for c in chunks])
    module = rep(5)
    module[module == ""] = None
    answers = pd.DataFrame({
        "participant_id": pid[rows],
        "arm": arm[rows],
        "phase": rep(1),
        "module": module,
        "item": rep(2),
        "value": pd.array(value, dtype="Int64"),
        "text": text,
        "page": rep(6),
        "answered_at": page_time[rows, slot],
        "seconds_on_page": secs[rows, slot],
    })
    answers = answers.sort_values(["participant_id", "answered_at", "phase", "item"],
                                  kind="stable", ignore_index=True)
    return answers
