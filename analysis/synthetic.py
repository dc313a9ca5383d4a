"""Synthetic, contract-valid exports with known true effects (for tests and demos).

The generator draws every answer from an explicit discrete model, so the true
population mean shift of each item in each arm is known *exactly* (it is
computed from the model, including the clipping at the ends of the scale),
not estimated from a big sample. All draws are numpy-vectorised; the only
Python loops run over items, arms and pages, never over participants.

Model (per numeric item *i*, arm *a*):

- ``left_right`` (0..10) is drawn first; it puts each participant in one of
  three groups *g* (left 0-3, centre 4-6, right 7-10).
- The "before" answer ``pre`` is drawn from a pmf ``p[i, g]`` over the scale
  points (a discretised normal whose mean depends on *g*).
- The change ``D`` is drawn from a pmf ``q[i, a]`` over integer steps and
  ``post = clip(pre + D, min, max)``. For Likert items
  ``D = N + S`` with test-retest noise ``N`` in {-1, 0, +1}
  (P(+1) = P(-1) = 0.12) and a push ``S`` of ``floor(|e|)`` or
  ``floor(|e|) + 1`` steps in the direction of the intended effect *e*
  (the fractional part is the probability of the extra step), so
  ``E[D] = e``. Thermometer and estimate items use a normal change with mean
  *e* and SD 8 points, discretised to whole points.
- The true shift is ``sum_g w_g sum_v p[i,g](v) sum_d q[i,a](d) (clip(v+d) - v)``
  with ``w_g`` the population share of group *g*: exact, and slightly smaller
  than *e* near the ends of the scale.
- Knowledge items: P(correct) before is 0.45, after ``0.45 + e``; the true
  shift of the knowledge score is *e*.

Speeders (``speeder_rate``) straight-line their Likert answers, answer other
items at random, and spend 1-4 s a page; they are excluded from the truth
table, which describes attentive respondents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from analysis.contract import (
    ANSWER_COLUMNS,
    ANSWERS_FILE,
    BUILTIN_TYPE_FACTS,
    CODEBOOK_FILE,
    FORMAT_VERSION,
    MANIFEST_FILE,
    PARTICIPANT_COLUMNS,
    PARTICIPANTS_FILE,
    build_manifest,
    escape_formula,
)
from analysis.demo_model import (
    _LR_GROUP,
    _LR_PMF,
    ARM_MODULES,
    ARMS,
    DEFAULT_EFFECTS,
    PROPOSALS,
    _catalogue,
    _change_pmf,
    _draw,
    _Item,
    _pre_pmf,
    _true_shift,
)

__all__ = [
    "ARMS",
    "DEFAULT_EFFECTS",
    "DemoData",
    "make_demo_data",
    "write_demo_export",
    "make_demo_export",
    "demo_margins",
]

@dataclass(frozen=True)
class DemoData:
    """Everything :func:`make_demo_data` produced.

    ``participants`` and ``answers`` follow the export contract column for
    column (times as ISO text, text cells *not yet* spreadsheet-escaped);
    ``truth`` has one row per arm x item with ``intended`` and ``true_shift``
    (exact population mean shift for attentive respondents) and
    ``true_effect_vs_control`` (``true_shift`` minus the control arm's).
    """

    participants: pd.DataFrame
    answers: pd.DataFrame
    codebook: dict
    manifest: dict
    truth: pd.DataFrame
    #: ids of the participants generated as speeders (not in the export: for checking)
    speeders: tuple = ()


def _hex_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    table = np.array([f"{b:02x}" for b in range(256)])
    for _ in range(10):
        raw = rng.integers(0, 256, size=(n, 8))
        parts = table[raw]
        ids = parts[:, 0]
        for j in range(1, 8):
            ids = np.char.add(ids, parts[:, j])
        if np.unique(ids).size == n:
            return ids.astype(object)
    raise RuntimeError("could not draw unique participant ids")  # pragma: no cover


def _block_assignment(rng, arms: list[str], n_per_arm: int, block_size: int) -> np.ndarray:
    """Permuted-block allocation: each block holds every arm block_size/len(arms) times."""
    per_block = block_size // len(arms)
    n_blocks = int(np.ceil(n_per_arm / per_block))
    seq = np.tile(np.repeat(np.arange(len(arms)), per_block), n_blocks)
    keys = np.repeat(np.arange(n_blocks), per_block * len(arms)) + rng.random(seq.size)
    seq = seq[np.argsort(keys, kind="stable")]
    # trim so each arm has exactly n_per_arm: drop surplus from the last blocks
    keep = np.zeros(seq.size, dtype=bool)
    for a in range(len(arms)):
        keep[np.flatnonzero(seq == a)[:n_per_arm]] = True
    return seq[keep]


def make_demo_data(
    n_per_arm: int = 200,
    effects: dict[tuple[str, str], float] | None = None,
    seed: int = 0,
    *,
    arms: tuple[str, ...] = ARMS,
    n_items: int = 12,
    dropout_rate: float = 0.10,
    speeder_rate: float = 0.03,
    screened_out_rate: float = 0.02,
    withdrawn_rate: float = 0.01,
    primary_items: tuple[str, ...] | None = ("support_accord", "support_armistice",
                                             "support_strength"),
) -> DemoData:
    """Generate a complete campaign in memory with known true effects.

    Parameters
    ----------
    n_per_arm : int
        Participants randomised to each arm (before dropouts).
    effects : dict, optional
        ``{(arm, item): intended effect}`` in scale points (proportion correct
        for knowledge items), merged over :data:`DEFAULT_EFFECTS`. Pass ``{}``
        ... to keep the defaults; use ``effects=None`` for the defaults too, and
        set a value to 0 to switch one off.
    seed : int
        Seed of the numpy Generator; the same arguments give the same data.
    arms : tuple of str
        Arms to use, a subset of :data:`ARMS` (``control`` is the control arm).
    n_items : int
        Number of before/after items; items beyond the 12 built-in ones are
        5-point Likert items ``opinion_01``, ``opinion_02``, ...
    dropout_rate, speeder_rate, screened_out_rate, withdrawn_rate : float
        Shares of participants who stop early, speed, are screened out at the
        profile page, or withdraw (no answers kept).
    primary_items : tuple of str or None
        Written to ``manifest.preregistration`` (``None`` for no
        preregistration).

    Returns
    -------
    DemoData
    """
    eff, items = _checked_options(n_per_arm, effects, arms, n_items, dropout_rate,
                                  speeder_rate, screened_out_rate, withdrawn_rate)
    rng = np.random.default_rng(seed)
    d = _allocate(rng, list(arms), n_per_arm)
    _progress(d, rng, withdrawn_rate, screened_out_rate, dropout_rate, speeder_rate)
    _module_orders(d, rng)
    _page_times(d, rng)
    participants = _participants_frame(d, rng)
    chunks, truth_rows = _draw_answers(d, rng, items, eff)
    answers = _answers_frame(d, chunks)
    truth = pd.DataFrame(truth_rows)
    ctrl = truth[truth["arm"] == "control"].set_index("item")["true_shift"]
    truth["true_effect_vs_control"] = truth["true_shift"] - truth["item"].map(ctrl)
    codebook = _codebook(items, d.arms)
    manifest = build_manifest(
        codebook,
        campaign={"slug": "demo", "title": "Synthetic demo campaign", "status": "closed",
                  "opened_at": "2026-11-01T08:00:00+00:00",
                  "closed_at": "2026-11-15T08:00:00+00:00"},
        block_size=d.block_size,
        seed=f"{seed:x}",
        rebalance_dropouts=False,
        preregistration=({"primary_items": list(primary_items), "family": "primary"}
                         if primary_items else None),
        row_counts={"participants": int(d.n), "answers": int(len(answers))},
        files=[PARTICIPANTS_FILE, ANSWERS_FILE, CODEBOOK_FILE],
        exported_at="2026-11-22T16:00:00+00:00",
        generator={"name": "analysis.synthetic", "seed": seed, "n_per_arm": n_per_arm},
    )  # fmt: skip
    return DemoData(participants, answers, codebook, manifest, truth, tuple(d.pid[d.speeder]))


# --------------------------------------------------------------------------- the steps
# make_demo_data runs these in order; each draws from the one Generator in a
# fixed order, so the same seed gives the same data.


@dataclass
class _Draws:
    """What the steps of :func:`make_demo_data` have drawn so far, per participant."""

    arms: list[str]
    arm_idx: np.ndarray
    block_size: int
    pid: np.ndarray
    status: np.ndarray = None
    #: how far each got: 0 none, 1 profile, 2 pre, 3 module, 4 post
    reached: np.ndarray = None
    speeder: np.ndarray = None
    n_mod: np.ndarray = None
    #: (n, 3) modules in the order shown ("" where fewer)
    order: np.ndarray = None
    single_mod: np.ndarray = None
    module_order: np.ndarray = None
    #: (n, 8) seconds on the pages in slots 0 consent, 1 about_you, 2 before,
    #: 3..5 read+module, 6 after, 7 thanks
    secs: np.ndarray = None
    page_time: np.ndarray = None
    start: np.ndarray = None

    @property
    def n(self) -> int:
        return self.arm_idx.size

    @property
    def arm(self) -> np.ndarray:
        return np.array(self.arms, dtype=object)[self.arm_idx]


def _checked_options(n_per_arm, effects, arms, n_items, dropout_rate, speeder_rate,
                     screened_out_rate, withdrawn_rate) -> tuple[dict, list[_Item]]:  # fmt: skip
    """The effects merged over the defaults and the item catalogue, or a ``ValueError``."""
    if n_per_arm < 1:
        raise ValueError("n_per_arm must be at least 1")
    unknown = set(arms) - set(ARMS)
    if unknown:
        raise ValueError(f"unknown arm(s) {sorted(unknown)}; choose from {ARMS}")
    rates = dict(dropout_rate=dropout_rate, speeder_rate=speeder_rate,
                 screened_out_rate=screened_out_rate, withdrawn_rate=withdrawn_rate)
    for name, r in rates.items():
        if not 0 <= r < 1:
            raise ValueError(f"{name} must be in [0, 1), got {r}")
    if sum(rates.values()) >= 1:
        raise ValueError("the rates add up to 1 or more")
    eff = dict(DEFAULT_EFFECTS)
    eff.update(effects or {})
    items = _catalogue(n_items)
    by_id = {it.id: it for it in items}
    for (_arm, item_id), e in eff.items():
        if item_id not in by_id and item_id.startswith("opinion_"):
            continue  # effect on an opinion item that this n_items does not create
        if item_id not in by_id:
            raise ValueError(f"effects names unknown item {item_id!r}")
        if by_id[item_id].type == "knowledge" and not 0 <= 0.45 + e <= 0.8:
            raise ValueError(
                f"knowledge effect {e} on {item_id!r} must keep P(correct) in [0, 0.8]"
            )
    return eff, items


def _allocate(rng, arms: list[str], n_per_arm: int) -> _Draws:
    """Permuted-block arms and random participant ids."""
    block_size = 2 * len(arms)
    arm_idx = _block_assignment(rng, arms, n_per_arm, block_size)
    return _Draws(arms, arm_idx, block_size, _hex_ids(rng, arm_idx.size))


def _progress(d: _Draws, rng, withdrawn_rate, screened_out_rate, dropout_rate,
              speeder_rate) -> None:  # fmt: skip
    """Status, how far each participant got, and who speeds."""
    n = d.n
    u = rng.random(n)
    cuts = np.cumsum([withdrawn_rate, screened_out_rate, dropout_rate])
    d.status = np.where(u < cuts[0], "withdrawn",
                        np.where(u < cuts[1], "screened_out",
                                 np.where(u < cuts[2], "started", "completed"))).astype(object)
    reached = np.full(n, 4)
    reached[d.status == "withdrawn"] = 0
    reached[d.status == "screened_out"] = 1
    drop = d.status == "started"
    reached[drop] = rng.integers(1, 4, size=int(drop.sum()))
    d.reached = reached
    d.speeder = (rng.random(n) < speeder_rate) & (d.status != "withdrawn")


def _module_orders(d: _Draws, rng) -> None:
    """Module order, counterbalanced by a random permutation for multi-module arms."""
    n = d.n
    d.n_mod = np.array([len(ARM_MODULES[a]) for a in d.arms])[d.arm_idx]
    perm_keys = rng.random((n, 3)).argsort(axis=1)
    mod_names = np.array(PROPOSALS, dtype=object)
    order = np.empty((n, 3), dtype=object)
    order[:] = ""
    multi = d.n_mod == 3
    order[multi] = mod_names[perm_keys[multi]]
    d.single_mod = np.array([ARM_MODULES[a][0] for a in d.arms], dtype=object)[d.arm_idx]
    order[~multi, 0] = d.single_mod[~multi]
    d.order = order
    d.module_order = np.where(multi, order[:, 0] + "|" + order[:, 1] + "|" + order[:, 2],
                              order[:, 0])


def _page_times(d: _Draws, rng) -> None:
    """Start times and seconds on each page (speeders: 1-4 s a page)."""
    n, reached, n_mod = d.n, d.reached, d.n_mod
    base = np.datetime64("2026-11-01T08:00:00", "us")
    d.start = base + (np.sort(rng.random(n)) * 14 * 86400 * 1e6).astype("timedelta64[us]")
    med = np.array([20, 45, 90, 200, 200, 200, 90, 5], dtype=float)
    secs = np.exp(np.log(med)[None, :] + 0.5 * rng.standard_normal((n, 8)))
    secs[d.speeder] = rng.uniform(1, 4, size=(int(d.speeder.sum()), 8))
    slot_reached = np.column_stack([
        reached >= 0, reached >= 1, reached >= 2,
        (reached >= 3) & (n_mod >= 1), (reached >= 3) & (n_mod >= 2), (reached >= 3) & (n_mod >= 3),
        reached >= 4, reached >= 4])
    d.secs = np.where(slot_reached, np.round(secs, 3), 0.0)
    done_at = d.start[:, None] + (np.cumsum(d.secs, axis=1) * 1e6).astype("timedelta64[us]")
    d.page_time = np.char.add(np.datetime_as_string(done_at, unit="us"), "+00:00").astype(object)


def _participants_frame(d: _Draws, rng) -> pd.DataFrame:
    """participants.csv's rows (languages are drawn here)."""
    n, reached, order, status, page_time = d.n, d.reached, d.order, d.status, d.page_time
    pid, arm, module_order, start = d.pid, d.arm, d.module_order, d.start
    step_names = np.array(["consent", "about_you", "before", "read", "after", "thanks"],
                          dtype=object)
    step = step_names[np.minimum(reached + 1, 5)]
    at_read = step == "read"
    step[at_read] = "read:" + order[at_read, 0]
    step[status == "withdrawn"] = "consent"
    completed_at = np.where(status == "completed", page_time[:, 7], None)

    participants = pd.DataFrame({
        "participant_id": pid,
        "arm": arm,
        "module_order": module_order,
        "language": rng.choice(np.array(["en", "de", "uk", "ru"], dtype=object), n,
                               p=[0.5, 0.25, 0.15, 0.1]),
        "status": status,
        "step": step,
        "started_at": np.char.add(np.datetime_as_string(start, unit="us"), "+00:00").astype(
            object),
        "completed_at": completed_at,
        "stratum": None,
        "allocation_seq": np.arange(n),
        "replaced": 0,
    })
    return participants


def _draw_answers(d: _Draws, rng, items: list[_Item], eff: dict) -> tuple[list, list[dict]]:
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


def _knowledge_draws(d: _Draws, rng, item: _Item, item_eff: np.ndarray):
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


def _scale_draws(d: _Draws, rng, item: _Item, eff: dict, group: np.ndarray, straight: dict,
                 latent: dict):  # fmt: skip
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


def _answers_frame(d: _Draws, chunks: list) -> pd.DataFrame:
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


def _codebook(items: list[_Item], arms: list[str]) -> dict:
    pages = {"profile": "about_you", "pre": "before", "post": "after"}
    out = []
    for it in items:
        out.append({
            "id": it.id,
            "type": it.type,
            "phases": list(it.phases),
            "pages": [pages.get(p, "module_<module>") for p in it.phases],
            "text": {"en": it.text},
            "hint": {},
            "scale": {"min": it.lo, "max": it.hi} if it.lo is not None else None,
            "reverse": it.reverse,
            "construct": it.construct,
            "options": [{"code": c, "id": i, "label": {"en": lab}, "missing": m}
                        for c, i, lab, m in it.options],
            "correct": it.correct,
            "modules": [*PROPOSALS, "control"] if "module" in it.phases else None,
            "required": it.required,
            "estimates": "support_accord" if it.id == "estimate_support_accord" else None,
            **BUILTIN_TYPE_FACTS[it.type],  # the generator draws only the built-in types
            "missing_codes": [c for c, _i, _lab, missing in it.options if missing],
        })
    return {
        "format_version": FORMAT_VERSION,
        "survey": {"id": "demo", "version": "0" * 64, "title": {"en": "Synthetic demo"},
                   "languages": ["en", "de", "uk", "ru"]},
        "modules": [{"id": m, "kind": "control" if m == "control" else "proposal",
                     "title": {"en": m.title()}, "summary": {"en": f"The {m} briefing."}}
                    for m in (*PROPOSALS, "control")],
        "arms": [{"id": a, "modules": list(ARM_MODULES[a]), "weight": 1,
                  "control": a == "control"} for a in arms],
        "items": out,
    }


def _escape(series: pd.Series) -> pd.Series:
    """Text cells as the contract writes them (:func:`analysis.contract.escape_formula`)."""
    return series.map(escape_formula, na_action="ignore")


def write_demo_export(
    out_dir: str | Path,
    n_per_arm: int = 200,
    effects: dict[tuple[str, str], float] | None = None,
    seed: int = 0,
    **options,
) -> Path:
    """Write a synthetic export folder (the four contract files plus ``truth.csv``).

    Parameters
    ----------
    out_dir : str or Path
        Folder to create (it may exist; files in it are overwritten).
    n_per_arm, effects, seed, **options
        As for :func:`make_demo_data`.

    Returns
    -------
    Path
        The folder. ``truth.csv`` in it (not part of the contract) holds the
        true shift per arm x item.
    """
    data = make_demo_data(n_per_arm, effects, seed, **options)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame, columns in ((PARTICIPANTS_FILE, data.participants, PARTICIPANT_COLUMNS),
                                 (ANSWERS_FILE, data.answers, ANSWER_COLUMNS)):
        frame = frame[list(columns)].copy()
        for c, kind in columns.items():
            if kind == "text":
                frame[c] = _escape(frame[c])
        frame.to_csv(out / name, index=False, lineterminator="\n", encoding="utf-8")
    (out / CODEBOOK_FILE).write_text(json.dumps(data.codebook, indent=1, ensure_ascii=False),
                                     encoding="utf-8")
    (out / MANIFEST_FILE).write_text(json.dumps(data.manifest, indent=1), encoding="utf-8")
    data.truth.to_csv(out / "truth.csv", index=False, lineterminator="\n")
    return out


def demo_margins() -> pd.DataFrame:
    """Population margins for raking the demo data (``variable, level, share``).

    Country and age band shares of a made-up target population, in the CSV
    layout :func:`analysis.weights.read_margins` reads.
    """
    rows = [("country", c, s) for c, s in
            zip(["de", "fr", "pl", "uk", "other"], [0.35, 0.25, 0.15, 0.10, 0.15], strict=True)]
    rows += [("age_band", a, s) for a, s in
             zip(["18-29", "30-44", "45-59", "60-74", "75+"], [0.17, 0.24, 0.27, 0.22, 0.10],
                 strict=True)]
    return pd.DataFrame(rows, columns=["variable", "level", "share"])


def make_demo_export(n_per_arm: int = 200, effects=None, seed: int = 0, **options):
    """Like :func:`make_demo_data` but returns ``(Export, truth)`` without touching disk."""
    from analysis.load import export_from_frames

    d = make_demo_data(n_per_arm, effects, seed, **options)
    return export_from_frames(d.participants, d.answers, d.codebook, d.manifest,
                              "<synthetic>"), d.truth
