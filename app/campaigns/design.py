"""A campaign's study design: what it is, how it is checked, how a draft changes it.

The design is plain data on the campaign row (access mode, panel settings,
completion codes and redirects per outcome, screening rules, quotas, strata,
schedule, target n, and the allocation settings). Every change goes through
:func:`update_design`, which validates the whole result against the pinned
survey and refuses any change once the campaign has left ``draft``: opening
pins the design, so the data of one campaign always come from one design.

This module is pure (no database writes). The write is
``app.campaigns.operations.update_design``, which the admin designer form, the
CLI and the tests all call::

    update_design(session, campaign, {"access": "prolific",
                  "completion": {"completed": {"code": "C1A2B3"}},
                  "quotas": [{"name": "young", "cap": 50,
                              "conditions": {"age_band": "under_30"}}]}, actor)

Shapes (all JSON-able; :data:`DESIGN_FIELDS` lists every key):

- ``access``: one of ``open``, ``invite``, ``prolific``, ``mturk``, ``panel``.
- ``panel``: for ``panel`` (the generic preset) ``{"id_param": "pid",
  "redirect": "https://panel.example/done?c={code}&id={id}"}``; prolific and
  mturk use :data:`PANEL_PRESETS` and may override ``redirect`` the same way.
- ``completion``: ``{outcome: {"code": "ABC123" or None, "redirect": URL
  template or None}}`` for outcomes in :data:`app.models.OUTCOMES` and
  ``followup`` (finishing the follow-up wave). A
  redirect template may use ``{code}`` and ``{id}`` (the panel id).
- ``screening``: ``[{"item": "age_band", "deny": ["under_18"]}, {"item":
  "country", "allow": ["de", "at"]}]`` on profile items with options. An
  unanswered item passes a ``deny`` rule and fails an ``allow`` rule.
- ``quotas``: ``[{"name": "young", "cap": 50, "conditions": {"age_band":
  "under_30"}}]``; a condition key is a profile item with options (value: an
  option id) or ``"arm"`` (value: an arm id). One condition is a quota per
  answer or per arm, two are a cell of two questions.
- ``strata``: profile item ids whose answers form the randomisation strata.
- ``opens_at``/``closes_at``: aware datetimes (or ISO 8601 strings with an
  offset); an open campaign takes participants only between them.
- ``target_n``: completed participants wanted; new starts stop there.
- ``arm_weights``: ``{arm id: ratio}`` for every arm (0 leaves an arm out),
  or ``None`` for the survey's own weights; ``block_size`` is a multiple of
  the ratios' sum.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from app.models import ACCESS_MODES, OUTCOMES, Campaign, utcnow
from surveys import Survey

__all__ = [
    "DESIGN_FIELDS", "COMPLETION_KEYS", "PANEL_PRESETS", "PanelSettings", "CampaignError",
    "DesignError", "design_of",
    "validate_design", "panel_settings", "outcome_code", "outcome_redirect",
    "effective_status", "opening_problems", "is_panel", "merged_design",
]

#: Every key of a design; update_design refuses any other.
DESIGN_FIELDS = (
    "title", "languages", "block_size", "seed", "rebalance_dropouts", "abandon_after_minutes",
    "results_min_completed", "show_results", "access", "panel", "completion", "screening",
    "quotas", "strata", "end_on_failed_attention", "opens_at", "closes_at", "target_n",
    "arm_weights",
)
#: Largest allocation ratio of one arm.
MAX_ARM_WEIGHT = 20

#: Endings that may have a completion code: the outcomes, and finishing the follow-up wave.
COMPLETION_KEYS = (*OUTCOMES, "followup")
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
PARAM_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_STRATA_ITEMS = 3


class CampaignError(ValueError):
    """A campaign operation was refused; the message says why."""


class DesignError(CampaignError):
    """A design change was refused; ``problems`` lists every reason at once."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PanelSettings:
    """How a panel link names its participant and where a finished one goes back to."""

    #: Query parameter holding the panel's participant id.
    id_param: str
    #: Other parameters the panel adds (kept out of the database).
    extra_params: tuple[str, ...] = ()
    #: Redirect URL template ({code}, {id}), or None: show the code only.
    redirect: str | None = None
    #: Human name of the panel, for "Go back to <panel>".
    label: str = "the panel"


#: Presets for the panels Parley knows; "panel" is the generic one.
PANEL_PRESETS = {
    "prolific": PanelSettings(
        "PROLIFIC_PID", ("STUDY_ID", "SESSION_ID"),
        "https://app.prolific.com/submissions/complete?cc={code}", "Prolific",
    ),
    "mturk": PanelSettings("workerId", ("assignmentId", "hitId"), None, "MTurk"),
}


def is_panel(campaign: Campaign) -> bool:
    return campaign.access in ("prolific", "mturk", "panel")


def panel_settings(campaign: Campaign) -> PanelSettings | None:
    """The panel settings of a panel campaign (preset, then the campaign's overrides)."""
    if not is_panel(campaign):
        return None
    own = campaign.panel or {}
    preset = PANEL_PRESETS.get(campaign.access)
    if preset is None:
        return PanelSettings(own.get("id_param", "pid"), (), own.get("redirect"),
                             own.get("label") or "the panel")
    return PanelSettings(preset.id_param, preset.extra_params,
                         own.get("redirect", preset.redirect), preset.label)


def outcome_code(campaign: Campaign, outcome: str) -> str | None:
    """The completion code of ``outcome``, or None when the campaign set none."""
    return ((campaign.completion or {}).get(outcome) or {}).get("code")


def outcome_redirect(campaign: Campaign, outcome: str, external_id: str | None = None):
    """The link back to the panel for ``outcome``, or None.

    The outcome's own redirect wins over the panel preset's. A template
    needing ``{code}`` gives no link when the outcome has no code, and one
    needing ``{id}`` none when the panel id is not known in this browser.
    """
    own = ((campaign.completion or {}).get(outcome) or {}).get("redirect")
    panel = panel_settings(campaign)
    template = own or (panel.redirect if panel else None)
    if not template:
        return None
    fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    code = outcome_code(campaign, outcome)
    if ("code" in fields and not code) or ("id" in fields and not external_id):
        return None
    return template.format(code=quote(code or "", safe=""), id=quote(external_id or "", safe=""))


def design_of(campaign: Campaign) -> dict:
    """The campaign's design as a plain dict (the keys of DESIGN_FIELDS)."""
    return {name: getattr(campaign, name) for name in DESIGN_FIELDS}


def effective_status(campaign: Campaign, now: datetime | None = None) -> str:
    """The status participants meet: an open campaign outside its schedule is not open.

    Returns the stored status, except ``"scheduled"`` for an open campaign
    before ``opens_at`` and ``"ended"`` for one after ``closes_at``. Reading
    it writes nothing, so participant GETs stay read-only; ``parley campaign
    tick`` records the schedule's transitions in the audit log.
    """
    now = now or utcnow()
    if campaign.status == "open":
        if campaign.opens_at is not None and now < campaign.opens_at:
            return "scheduled"
        if campaign.closes_at is not None and now >= campaign.closes_at:
            return "ended"
    return campaign.status


def _when(value, field: str, problems: list[str]) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            problems.append(f"{field}: not a date and time (ISO 8601, e.g. 2026-12-01T09:00+00:00)")
            return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        problems.append(f"{field}: give a time zone (e.g. +00:00)")
        return None
    return value


def _choice_item(survey: Survey, item_id, where: str, problems: list[str]):
    """A single-choice profile item, or None (with a problem) if ``item_id`` is not one."""
    item = survey.items.get(item_id) if isinstance(item_id, str) else None
    if item is None:
        problems.append(f"{where}: the survey has no item '{item_id}'")
        return None
    if "profile" not in survey.phases_of(item.id) or item.kind.role != "screening":
        problems.append(f"{where}: '{item_id}' is not a single-choice about-you question")
        return None
    return item


def _check_options(item, values, where: str, problems: list[str]) -> None:
    known = {o.id for o in item.options}
    unknown = [v for v in values if v not in known]
    if unknown:
        problems.append(f"{where}: '{item.id}' has no option {', '.join(map(str, unknown))} "
                        f"(options: {', '.join(sorted(known))})")


def _validate_completion(completion, problems: list[str]) -> None:
    if not isinstance(completion, dict):
        problems.append("completion: expected {outcome: {code, redirect}}")
        return
    for outcome, spec in completion.items():
        where = f"completion.{outcome}"
        if outcome not in COMPLETION_KEYS:
            problems.append(f"{where}: unknown outcome (one of {', '.join(COMPLETION_KEYS)})")
            continue
        if not isinstance(spec, dict) or set(spec) - {"code", "redirect"}:
            problems.append(f"{where}: expected {{code, redirect}}")
            continue
        code = spec.get("code")
        if code is not None and not CODE_RE.match(str(code)):
            problems.append(f"{where}.code: 1-64 letters, digits, '-' or '_'")
        if spec.get("redirect") is not None:
            _validate_template(spec["redirect"], f"{where}.redirect", problems)


def _validate_template(template, where: str, problems: list[str]) -> None:
    if not isinstance(template, str) or not re.match(r"^https?://[^\s]+$", template):
        problems.append(f"{where}: an http(s) URL without spaces")
        return
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        problems.append(f"{where}: unbalanced braces")
        return
    if fields - {"code", "id"}:
        problems.append(f"{where}: only {{code}} and {{id}} may be filled in")


def _validate_panel(access: str, panel, problems: list[str]) -> None:
    if panel is None:
        if access == "panel":
            problems.append("panel: a generic panel needs {id_param: the link's id parameter}")
        return
    if access not in ("prolific", "mturk", "panel"):
        problems.append(f"panel: settings only apply to panel access, not '{access}'")
        return
    if not isinstance(panel, dict) or set(panel) - {"id_param", "redirect", "label"}:
        problems.append("panel: expected {id_param, redirect, label}")
        return
    if access == "panel" and not PARAM_RE.match(str(panel.get("id_param", ""))):
        problems.append("panel.id_param: a query parameter name (letters, digits, '_')")
    if access != "panel" and "id_param" in panel:
        problems.append(f"panel.id_param: the {access} preset fixes it")
    if panel.get("redirect") is not None:
        _validate_template(panel["redirect"], "panel.redirect", problems)


def _validate_screening(survey: Survey, rules, problems: list[str]) -> None:
    if not isinstance(rules, list):
        problems.append("screening: expected a list of rules")
        return
    for n, rule in enumerate(rules, start=1):
        where = f"screening rule {n}"
        if not isinstance(rule, dict) or len(set(rule) & {"allow", "deny"}) != 1 \
                or set(rule) - {"item", "allow", "deny"}:
            problems.append(f"{where}: expected {{item, allow: [...]}} or {{item, deny: [...]}}")
            continue
        item = _choice_item(survey, rule.get("item"), where, problems)
        values = rule.get("allow", rule.get("deny"))
        if not isinstance(values, list) or not values:
            problems.append(f"{where}: list at least one option")
        elif item is not None:
            _check_options(item, values, where, problems)


def _validate_quotas(survey: Survey, quotas, problems: list[str]) -> None:
    if not isinstance(quotas, list):
        problems.append("quotas: expected a list")
        return
    names = set()
    arms = {a.id for a in survey.arms}
    for n, quota in enumerate(quotas, start=1):
        where = f"quota {n}"
        if not isinstance(quota, dict) or set(quota) != {"name", "cap", "conditions"}:
            problems.append(f"{where}: expected {{name, cap, conditions}}")
            continue
        name = quota["name"]
        if not isinstance(name, str) or not NAME_RE.match(name):
            problems.append(f"{where}: name is 1-64 lowercase letters, digits, '-' or '_'")
        elif name in names:
            problems.append(f"{where}: another quota is called '{name}'")
        names.add(name)
        cap = quota["cap"]
        if not isinstance(cap, int) or isinstance(cap, bool) or cap < 0:
            problems.append(f"{where}: cap is a whole number of places, 0 or more")
        conditions = quota["conditions"]
        if not isinstance(conditions, dict) or not 1 <= len(conditions) <= 2:
            problems.append(f"{where}: one or two conditions (an answer, an arm, or a cell of two)")
            continue
        for key, value in conditions.items():
            if key == "arm":
                if value not in arms:
                    problems.append(f"{where}: the survey has no arm '{value}'")
                continue
            item = _choice_item(survey, key, where, problems)
            if item is not None:
                _check_options(item, [value], where, problems)


def _validate_arm_weights(survey: Survey, weights, problems: list[str]) -> int:
    """Check the campaign's allocation ratios; return their sum (0 if invalid).

    ``None`` means the survey's own arm weights. Otherwise every arm of the
    survey has a whole-number ratio from 0 (the arm is left out) to
    MAX_ARM_WEIGHT, and at least one is above 0.
    """
    if weights is None:
        return sum(arm.weight for arm in survey.arms)
    arms = {a.id for a in survey.arms}
    if not isinstance(weights, dict) or set(weights) != arms or any(
        not isinstance(w, int) or isinstance(w, bool) or not 0 <= w <= MAX_ARM_WEIGHT
        for w in weights.values()
    ):
        problems.append(f"arm_weights: a whole number from 0 to {MAX_ARM_WEIGHT} for each arm "
                        f"({', '.join(sorted(arms))})")
        return 0
    if not sum(weights.values()):
        problems.append("arm_weights: at least one arm needs a ratio above 0")
    return sum(weights.values())


def _validate_strata(survey: Survey, strata, problems: list[str]) -> None:
    if not isinstance(strata, list) or len(strata) > MAX_STRATA_ITEMS:
        problems.append(f"strata: a list of at most {MAX_STRATA_ITEMS} about-you questions")
        return
    if len(set(strata)) != len(strata):
        problems.append("strata: an item is listed twice")
    for item_id in strata:
        _choice_item(survey, item_id, "strata", problems)


def merged_design(campaign: Campaign, changes: dict, survey: Survey) -> dict:
    """The campaign's design with ``changes`` applied, validated and normalised.

    Raises DesignError listing every problem (unknown keys included).
    """
    unknown = sorted(set(changes) - set(DESIGN_FIELDS))
    if unknown:
        raise DesignError([f"unknown design field {', '.join(unknown)}"])
    merged = {**design_of(campaign), **changes}
    problems = validate_design(survey, merged)
    if problems:
        raise DesignError(problems)
    for field in ("opens_at", "closes_at"):
        merged[field] = _when(merged[field], field, problems)
    return merged


def validate_design(survey: Survey, design: dict) -> list[str]:
    """Every problem with a complete design (a dict with the keys of DESIGN_FIELDS)."""
    problems: list[str] = []
    languages = design["languages"]
    if not languages or not isinstance(languages, list):
        problems.append("languages: choose at least one")
    else:
        unknown = [lang for lang in languages if lang not in survey.languages]
        if unknown:
            problems.append(f"languages: the survey has no language {', '.join(unknown)}")
    weights = _validate_arm_weights(survey, design.get("arm_weights"), problems)
    block = design["block_size"]
    if not isinstance(block, int) or block <= 0 or (weights and block % weights):
        problems.append(f"block size must be a multiple of the arm weights' sum ({weights})")
    if not design["seed"] or not re.match(r"^[A-Za-z0-9_-]{1,64}$", str(design["seed"])):
        problems.append("seed: 1-64 letters, digits, '-' or '_'")
    if not str(design["title"] or "").strip() or len(design["title"]) > 200:
        problems.append("title: 1-200 characters")
    for field in ("abandon_after_minutes", "results_min_completed"):
        if not isinstance(design[field], int) or design[field] < 0:
            problems.append(f"{field}: a whole number, 0 or more")
    if not isinstance(design.get("show_results", False), bool):
        problems.append("show_results: true or false")
    if design["access"] not in ACCESS_MODES:
        problems.append(f"access: one of {', '.join(ACCESS_MODES)}")
    else:
        _validate_panel(design["access"], design["panel"], problems)
    _validate_completion(design["completion"], problems)
    _validate_screening(survey, design["screening"], problems)
    _validate_quotas(survey, design["quotas"], problems)
    _validate_strata(survey, design["strata"], problems)
    opens = _when(design["opens_at"], "opens_at", problems)
    closes = _when(design["closes_at"], "closes_at", problems)
    if opens and closes and closes <= opens:
        problems.append("closes_at must be after opens_at")
    target = design["target_n"]
    if target is not None and (not isinstance(target, int) or target <= 0):
        problems.append("target_n: a whole number above 0, or empty")
    return problems


def opening_problems(campaign: Campaign) -> list[str]:
    """What must be fixed before a campaign can open (beyond a valid design)."""
    problems = []
    if campaign.access == "prolific" and not outcome_code(campaign, "completed"):
        problems.append("a Prolific campaign needs a completion code for 'completed' "
                        "(--completion-code completed=CODE)")
    return problems
