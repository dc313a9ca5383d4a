"""The frozen analysis plan: a TOML file beside the survey (``plan.toml``).

A plan says, before the data exist, what will be tested and how: hypotheses
(item, arm, direction), the correction over the confirmatory family, the
exclusion rules, and the minimum effect of interest (for power). The app
stores the plan's text and SHA-256 when the campaign opens and the export
carries them (``manifest.plan``), so the report can show that the plan it
follows is the one frozen before fielding and list every deviation.

Format (``docs/analysis.md``, "Analysis plan")::

    version = 1
    title = "..."
    correction = "holm"        # holm | bonferroni | bh, over the hypotheses
    alpha = 0.05
    power = 0.8                # target power for `parley power`
    minimum_effect = 0.25      # smallest effect of interest, in SDs (Cohen's d)
    correlation = 0.5          # assumed before/after correlation for power

    [exclusions]
    rules = ["speeder", "failed_attention"]
    pretreatment_only = true

    [[hypotheses]]
    id = "H1"
    item = "support_accord"
    arm = "accord"             # or "*" for every treated arm
    direction = "increase"     # increase | decrease | any
    text = "..."

    [exchange]                 # optional: peers' arguments vs placebo (argument exchange)
    outcomes = ["support_accord"]
    minimum_effect = 0.12      # in SDs; Holm over the outcomes, its own family
    text = "..."
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["PlanError", "load_plan", "parse_plan", "plan_from_primary", "plan_hash",
           "deviations", "expand_hypotheses", "CORRECTIONS"]

CORRECTIONS = ("holm", "bonferroni", "bh")
DIRECTIONS = ("increase", "decrease", "any")
_RULES = ("speeder", "straightliner", "failed_attention", "incomplete")


class PlanError(ValueError):
    """A plan file that does not follow the format; the message names the place."""


def plan_hash(text: str) -> str:
    """SHA-256 (hex) of the plan's UTF-8 text, as the app stores it at opening."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_plan(text: str, source: str = "plan.toml") -> dict[str, Any]:
    """Validate plan TOML text; returns the plan as a dict with defaults filled in.

    The dict also has ``primary_items`` (the hypotheses' items, in order),
    ``family`` ("primary"), ``sha256`` and ``text``, so it can stand where a
    manifest's ``preregistration`` stands.

    Examples
    --------
    >>> p = parse_plan('minimum_effect = 0.3\\n[[hypotheses]]\\nid = "H1"\\n'
    ...                'item = "support_accord"\\narm = "accord"\\ndirection = "increase"\\n')
    >>> p["primary_items"], p["correction"], p["exclusions"]["pretreatment_only"]
    (['support_accord'], 'holm', True)
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"{source}: not valid TOML ({exc})") from None
    except RecursionError:
        raise PlanError(f"{source}: arrays or tables are nested too deeply") from None
    problems = []
    known = {"version", "title", "correction", "alpha", "power", "minimum_effect",
             "correlation", "exclusions", "hypotheses", "notes", "exchange"}
    for key in raw:
        if key not in known:
            problems.append(f"unknown key {key!r} (known: {', '.join(sorted(known))})")
    correction = raw.get("correction", "holm")
    if correction not in CORRECTIONS:
        problems.append(f"correction {correction!r} is not one of {', '.join(CORRECTIONS)}")
    for key, lo, hi in (("alpha", 0, 0.5), ("power", 0, 1), ("minimum_effect", 0, 10),
                        ("correlation", -1, 1)):
        if key in raw and not (isinstance(raw[key], (int, float)) and lo < raw[key] < hi):
            problems.append(f"{key} = {raw[key]!r} must be a number in ({lo}, {hi})")
    exclusions = raw.get("exclusions", {})
    rules = exclusions.get("rules", ["speeder", "failed_attention"])
    bad = [r for r in rules if r not in _RULES]
    if bad:
        problems.append(f"exclusions.rules: unknown rule(s) {bad} (known: {', '.join(_RULES)})")
    hypotheses = raw.get("hypotheses", [])
    if not hypotheses:
        problems.append("no [[hypotheses]]: a plan names at least one")
    ids = set()
    for n, h in enumerate(hypotheses, start=1):
        where = f"hypotheses[{n}]"
        for key in ("id", "item", "direction"):
            if not isinstance(h.get(key), str) or not h.get(key):
                problems.append(f"{where}: '{key}' is required (text)")
        if h.get("direction") not in DIRECTIONS + (None,):
            problems.append(f"{where}: direction {h['direction']!r} is not one of "
                            f"{', '.join(DIRECTIONS)}")
        if h.get("id") in ids:
            problems.append(f"{where}: id {h['id']!r} used twice")
        ids.add(h.get("id"))
    exchange = _exchange(raw.get("exchange"), problems)
    if problems:
        raise PlanError(f"{source}: " + "; ".join(problems))
    hyps = [{"id": h["id"], "item": h["item"], "arm": h.get("arm", "*"),
             "direction": h["direction"], "text": h.get("text", "")} for h in hypotheses]
    return {
        "version": raw.get("version", 1),
        "title": raw.get("title", ""),
        "correction": correction,
        "alpha": float(raw.get("alpha", 0.05)),
        "power": float(raw.get("power", 0.8)),
        "minimum_effect": float(raw.get("minimum_effect", 0.2)),
        "correlation": float(raw.get("correlation", 0.5)),
        "exclusions": {"rules": list(rules),
                       "pretreatment_only": bool(exclusions.get("pretreatment_only", True))},
        "hypotheses": hyps,
        "exchange": exchange,
        "primary_items": list(dict.fromkeys(h["item"] for h in hyps)),
        "family": "primary",
        "sha256": plan_hash(text),
        "text": text,
        "source": source,
    }


def _exchange(raw, problems: list) -> dict | None:
    """The plan's ``[exchange]`` table: the peers-vs-placebo contrast, or None.

    A family of its own (Holm over its outcomes), separate from the
    briefing hypotheses: the exchange factor is crossed with the briefings,
    so its contrast pools every briefing arm and is powered on its own
    minimum effect (``parley power`` checks both families at the design's n).
    """
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append("exchange must be a table")
        return None
    for key in raw:
        if key not in ("outcomes", "minimum_effect", "direction", "text"):
            problems.append(f"exchange: unknown key {key!r} (known: direction, "
                            "minimum_effect, outcomes, text)")
    outcomes = raw.get("outcomes")
    if not (isinstance(outcomes, list) and outcomes
            and all(isinstance(o, str) and o for o in outcomes)):
        problems.append("exchange.outcomes must be a non-empty list of item ids")
        outcomes = []
    effect = raw.get("minimum_effect", 0.1)
    if not (isinstance(effect, (int, float)) and 0 < effect < 10):
        problems.append(f"exchange.minimum_effect = {effect!r} must be a number in (0, 10)")
    direction = raw.get("direction", "any")
    if direction not in DIRECTIONS:
        problems.append(f"exchange.direction {direction!r} is not one of {', '.join(DIRECTIONS)}")
    return {"outcomes": list(dict.fromkeys(outcomes)), "minimum_effect": float(effect)
            if isinstance(effect, (int, float)) else 0.1, "direction": direction,
            "text": str(raw.get("text", "")), "correction": "holm"}


def load_plan(path: str | Path) -> dict[str, Any]:
    """Read and validate a plan file (see :func:`parse_plan`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanError(f"{path}: cannot be read ({exc.strerror})") from None
    return parse_plan(text, str(path))


def plan_from_primary(items: Sequence[str], **settings) -> dict[str, Any]:
    """The minimal plan ``--primary`` stands for: each item, every treated arm, either way.

    Examples
    --------
    >>> [h["id"] for h in plan_from_primary(["a", "b"])["hypotheses"]]
    ['a', 'b']
    """
    lines = [f"{k} = {v!r}" for k, v in settings.items()]
    for item in items:
        lines += ["[[hypotheses]]", f'id = "{item}"', f'item = "{item}"', 'arm = "*"',
                  'direction = "any"']
    return parse_plan("\n".join(lines) + "\n", "--primary")


def expand_hypotheses(plan: dict, treated_arms: Sequence[str] | None = None) -> list[dict]:
    """The plan's tests: one per hypothesis and arm, ``arm = "*"`` expanded.

    Parameters
    ----------
    plan : dict
        A parsed plan (:func:`parse_plan`).
    treated_arms : sequence of str, optional
        The arms compared with control (every arm but the control). Needed
        when a hypothesis names ``"*"``; without it such a plan raises
        ``ValueError``, since the number of tests, and so the correction,
        depends on it.

    Returns
    -------
    list of dict
        ``id, item, arm, direction`` per test, in the plan's order; a test
        that two hypotheses name is listed once.

    Examples
    --------
    >>> p = plan_from_primary(["a", "b", "c"])
    >>> len(expand_hypotheses(p, ["accord", "armistice", "strength", "all"]))
    12
    """
    tests, seen = [], set()
    for h in plan["hypotheses"]:
        if h["arm"] == "*":
            if treated_arms is None:
                raise ValueError(f"hypothesis {h['id']} tests every treated arm (arm = \"*\"): "
                                 "name the treated arms to count the tests")
            arms = list(treated_arms)
        else:
            arms = [h["arm"]]
        for arm in arms:
            if (h["item"], arm) not in seen:
                seen.add((h["item"], arm))
                tests.append({"id": h["id"], "item": h["item"], "arm": arm,
                              "direction": h["direction"]})
    return tests


def deviations(plan: dict, *, exclusions: Sequence[str], pretreatment_only: bool,
               weighted: bool, frozen: dict | None, items: Sequence[str],
               arms: Sequence[str]) -> list[str]:
    """Every way the analysis departs from the plan, in words (empty: none).

    ``frozen`` is the export's ``manifest.plan`` (text and hash stored when the
    campaign opened), or ``None``.
    """
    out = []
    if frozen is None or not frozen.get("sha256"):
        out.append("The plan was not frozen when the campaign opened (the export carries no "
                   "plan hash): it cannot be shown to predate the data.")
    elif frozen["sha256"] != plan["sha256"]:
        out.append(f"The plan used ({plan['sha256'][:12]}…) differs from the plan frozen when "
                   f"the campaign opened ({frozen['sha256'][:12]}…).")
    if list(exclusions) != list(plan["exclusions"]["rules"]):
        out.append(f"Exclusion rules {list(exclusions) or 'none'} instead of the planned "
                   f"{plan['exclusions']['rules'] or 'none'}.")
    if bool(pretreatment_only) != plan["exclusions"]["pretreatment_only"]:
        out.append("Exclusions " + ("used only pre-treatment checks" if pretreatment_only else
                                    "used post-treatment checks") + ", unlike the plan.")
    if weighted:
        out.append("Estimates are weighted (raking); the plan does not mention weights.")
    for h in plan["hypotheses"]:
        if h["item"] not in items:
            out.append(f"{h['id']}: item {h['item']!r} has no before/after answers in the data.")
        if h["arm"] != "*" and h["arm"] not in arms:
            out.append(f"{h['id']}: arm {h['arm']!r} has no analysed participants.")
    return out
