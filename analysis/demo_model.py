"""The demo survey's items and the discrete answer model of analysis.synthetic.

Kept apart from the generator so the model (what is drawn, and the exact true
shift it implies) reads on its own; see analysis/synthetic.py for the model in words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

PROPOSALS = ("accord", "armistice", "strength")
ARM_MODULES = {
    "accord": ("accord",),
    "armistice": ("armistice",),
    "strength": ("strength",),
    "all": PROPOSALS,
    "control": ("control",),
}
ARMS = tuple(ARM_MODULES)
_LR_PMF = np.array([3, 3, 5, 8, 10, 20, 12, 11, 9, 6, 4], dtype=float)
_LR_PMF /= _LR_PMF.sum()
_LR_GROUP = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2])  # 0-3 left, 4-6 centre, 7-10 right
_GROUP_W = np.bincount(_LR_GROUP, weights=_LR_PMF, minlength=3)

#: intended effects in scale points (knowledge: proportion correct), by (arm, item)
DEFAULT_EFFECTS: dict[tuple[str, str], float] = {
    ("accord", "support_accord"): 0.6,
    ("armistice", "support_armistice"): 0.5,
    ("strength", "support_strength"): 0.3,
    ("all", "support_accord"): 0.2,
    ("all", "support_armistice"): 0.2,
    ("all", "support_strength"): 0.1,
    ("accord", "therm_negotiators"): 5.0,
    ("strength", "therm_hawks"): 4.0,
    ("accord", "estimate_support_accord"): 5.0,
    ("all", "estimate_support_accord"): 3.0,
    ("accord", "know_finland"): 0.10,
    ("strength", "know_finland"): 0.15,
    ("all", "know_finland"): 0.15,
    ("armistice", "know_korea"): 0.20,
    ("all", "know_korea"): 0.15,
    ("accord", "opinion_01"): 0.3,
}


@dataclass(frozen=True)
class _Item:
    id: str
    type: str
    phases: tuple[str, ...]
    lo: int | None = None
    hi: int | None = None
    mean: float = 0.0  # latent mean (scale units) for the centre group
    slope: float = 0.0  # change of that mean per left-right group step
    reverse: bool = False
    construct: str | None = None
    options: tuple[tuple[int, str, str, bool], ...] = ()  # code, id, label, missing
    correct: int | None = None
    required: bool = True
    text: str = ""


def _likert(id_, k, mean, slope, text, construct=None, reverse=False):
    anchors = {5: ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"],
               7: ["Strongly oppose", "Oppose", "Somewhat oppose", "Neither",
                   "Somewhat support", "Support", "Strongly support"]}[k]
    opts = tuple((c, str(c), anchors[c - 1], False) for c in range(1, k + 1))
    return _Item(id_, "likert", ("pre", "post"), 1, k, mean, slope, reverse, construct, opts,
                 text=text)


def _catalogue(n_items: int) -> list[_Item]:
    items = [
        _Item("country", "single_choice", ("profile",),
              options=((1, "de", "Germany", False), (2, "fr", "France", False),
                       (3, "pl", "Poland", False), (4, "uk", "Ukraine", False),
                       (5, "other", "Another country", False),
                       (6, "no_say", "Prefer not to say", True)),
              text="Which country do you live in?"),
        _Item("age_band", "single_choice", ("profile",),
              options=tuple((i + 1, b, b, False) for i, b in
                            enumerate(["18-29", "30-44", "45-59", "60-74", "75+"])),
              text="How old are you?"),
        _Item("left_right", "number", ("profile",), 0, 10,
              text="In politics people talk of left and right. Where would you place yourself?"),
        _Item("attn_pre", "attention", ("pre",),
              options=tuple((c, str(c), lab, False) for c, lab in
                            enumerate(["Strongly disagree", "Disagree", "Neither", "Agree",
                                       "Strongly agree"], start=1)),
              correct=4, text="To show you are reading, please choose 'Agree'."),
        _likert("support_accord", 7, 3.8, -0.5,
                "How much do you support a continental security accord?"),
        _likert("support_armistice", 7, 4.2, 0.2,
                "How much do you support an armistice with EU accession and guarantees?"),
        _likert("support_strength", 7, 4.4, 0.8,
                "How much do you support peace through strength?"),
        _likert("trust_1", 5, 3.0, 0.0, "Most governments in Europe can be trusted to keep a deal.",
                construct="trust"),
        _likert("trust_2", 5, 2.9, 0.1, "International agreements usually hold.",
                construct="trust"),
        _likert("trust_3", 5, 3.1, 0.0, "Treaties are just paper.", construct="trust",
                reverse=True),
        _Item("therm_negotiators", "thermometer", ("pre", "post"), 0, 100, 55, -6,
              text="How warm do you feel toward people who favour negotiating now?"),
        _Item("therm_hawks", "thermometer", ("pre", "post"), 0, 100, 50, 8,
              text="How warm do you feel toward people who favour more military support?"),
        _Item("estimate_support_accord", "estimate", ("pre", "post"), 0, 100, 35, 0,
              text="What share of people taking this survey do you think support the accord "
                   "(5 or more on the 7-point scale)?"),
        _Item("know_finland", "knowledge", ("pre", "post"),
              options=((1, "y2019", "2019", False), (2, "y2023", "2023", False),
                       (3, "y2024", "2024", False), (4, "dk", "Don't know", True)),
              correct=2, text="In which year did Finland join NATO?"),
        _Item("know_korea", "knowledge", ("pre", "post"),
              options=((1, "treaty", "A peace treaty", False),
                       (2, "armistice", "An armistice", False),
                       (3, "dk", "Don't know", True)),
              correct=2, text="What ended the fighting in Korea in 1953?"),
        _Item("rank_proposals", "ranking", ("pre", "post"),
              options=tuple((i + 1, p, p.title(), False) for i, p in enumerate(PROPOSALS)),
              text="Rank the three proposals from the one you like most to the one you "
                   "like least."),
        _Item("clarity", "likert", ("module",), 1, 5, 3.6, 0.0,
              options=tuple((c, str(c), lab, False) for c, lab in
                            enumerate(["Very unclear", "Unclear", "Neither", "Clear",
                                       "Very clear"], start=1)),
              text="How clear was this briefing?"),
        _Item("comment", "text", ("post",), required=False,
              text="Anything you would like to add?"),
    ]
    n_core = sum(1 for it in items if "pre" in it.phases and "post" in it.phases)
    for j in range(max(0, n_items - n_core)):
        items.append(_likert(f"opinion_{j + 1:02d}", 5, 2.6 + 0.1 * (j % 9), 0.3 * ((j % 3) - 1),
                             f"Opinion statement {j + 1}.", construct=None))
    return items


# --------------------------------------------------------------------------- pmfs


def _discretised_normal(lo: int, hi: int, mean: np.ndarray, sd: float) -> np.ndarray:
    """pmf over lo..hi of round(N(mean, sd)) with the tails piled on the ends."""
    edges = np.arange(lo, hi + 2) - 0.5
    cdf = stats.norm.cdf((edges[None, :] - np.asarray(mean)[:, None]) / sd)
    cdf[:, 0], cdf[:, -1] = 0.0, 1.0
    return np.diff(cdf, axis=1)


def _pre_pmf(item: _Item) -> np.ndarray:
    """pmf of the before answer by left-right group, shape (3, hi - lo + 1)."""
    sd = (item.hi - item.lo) / 4.0 if item.type == "likert" else 22.0
    means = item.mean + item.slope * np.array([-1.0, 0.0, 1.0])
    return _discretised_normal(item.lo, item.hi, means, sd)


def _change_pmf(item: _Item, effect: float) -> tuple[np.ndarray, np.ndarray]:
    """(steps, pmf) of the change D for an intended effect."""
    if item.type == "likert":
        noise = np.array([0.12, 0.76, 0.12])  # -1, 0, +1
        whole, frac = int(np.floor(abs(effect))), abs(effect) - np.floor(abs(effect))
        sign = 1 if effect >= 0 else -1
        push = {sign * whole: 1 - frac}
        if frac > 0:
            push[sign * (whole + 1)] = frac
        span = whole + 2
        steps = np.arange(-span, span + 1)
        pmf = np.zeros(steps.size)
        for s, ps in push.items():
            for n, pn in zip((-1, 0, 1), noise, strict=True):
                pmf[np.searchsorted(steps, s + n)] += ps * pn
        return steps, pmf
    steps = np.arange(-40, 41)
    edges = np.append(steps - 0.5, steps[-1] + 0.5)
    cdf = stats.norm.cdf(edges, loc=effect, scale=8.0)
    cdf[0], cdf[-1] = 0.0, 1.0
    return steps, np.diff(cdf)


def _true_shift(item: _Item, effect: float) -> float:
    pre = _GROUP_W @ _pre_pmf(item)
    values = np.arange(item.lo, item.hi + 1)
    steps, q = _change_pmf(item, effect)
    moved = np.clip(values[:, None] + steps[None, :], item.lo, item.hi) - values[:, None]
    return float(pre @ moved @ q)


def _draw(pmf_rows: np.ndarray, row_index: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one category per row from ``pmf_rows[row_index]`` (inverse cdf, vectorised)."""
    cdf = np.cumsum(pmf_rows, axis=1)
    cdf[:, -1] = 1.0
    u = rng.random(row_index.size)
    return (u[:, None] > cdf[row_index]).sum(axis=1)


# --------------------------------------------------------------------------- data
