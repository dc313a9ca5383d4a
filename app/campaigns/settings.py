"""Operational settings of a campaign that has opened: changed with an audit entry.

Opening pins what comparability needs: the survey version, the arms and
their ratios, block size and seed, strata, screening rules, access mode and
panel parameter, languages, attention and dropout rules, and the exchange's
settings (which live in the survey). What only runs the fieldwork stays
editable, so a mistyped completion code or an extended deadline does not
need a new campaign that splits the data (issue 19, 4):
:data:`OPERATIONAL_FIELDS`. Quotas may change their caps only (never their
conditions, nor which quotas exist), and not below the places already used.

Every change is one audit event ``campaign.settings`` whose detail says
each old and new value; the campaign page lists them as its change history.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import record_audit
from app.campaigns.design import DESIGN_FIELDS, DesignError
from app.models import Campaign, Quota

__all__ = ["OPERATIONAL_FIELDS", "SETTINGS_ACTION", "change_settings"]

#: What an opened campaign may still change.
OPERATIONAL_FIELDS = ("title", "completion", "opens_at", "closes_at", "target_n", "quotas",
                      "show_results", "results_min_completed")
#: The audit action of a change to an opened campaign's settings.
SETTINGS_ACTION = "campaign.settings"


def change_settings(session: Session, campaign: Campaign, merged: dict, actor: str) -> list[str]:
    """Apply the operational changes of the validated design ``merged``; does not commit.

    Raises DesignError (and changes nothing) when a pinned field would change,
    a quota would change anything but its cap, or a cap would fall below the
    places its quota has used. Returns the changed fields.
    """
    problems = []
    pinned = [f for f in DESIGN_FIELDS
              if f not in OPERATIONAL_FIELDS and merged[f] != getattr(campaign, f)]
    if pinned:
        problems.append(f"{', '.join(pinned)} of this {campaign.status} campaign cannot change "
                        "(opening pins what comparability needs); these can: "
                        + ", ".join(OPERATIONAL_FIELDS))
    quotas = session.scalars(select(Quota).where(Quota.campaign_id == campaign.id))
    rows = {q.name: q for q in quotas}
    problems += _quota_problems(campaign.quotas or [], merged["quotas"] or [], rows)
    if problems:
        raise DesignError(problems)
    changed = [f for f in OPERATIONAL_FIELDS if merged[f] != getattr(campaign, f)]
    notes = [_note(f, getattr(campaign, f), merged[f]) for f in changed]
    for field in changed:
        setattr(campaign, field, merged[field])
    for quota in merged["quotas"] or []:
        if quota["name"] in rows:
            rows[quota["name"]].cap = quota["cap"]
    if changed:
        record_audit(session, SETTINGS_ACTION, campaign=campaign, detail="; ".join(notes),
                     actor=actor)
    return changed


def _quota_problems(before: list[dict], after: list[dict], rows: dict[str, Quota]) -> list[str]:
    old = {q["name"]: q["conditions"] for q in before}
    new = {q["name"]: q["conditions"] for q in after}
    if old != new:
        return ["quotas of an opened campaign can change their caps only, not their "
                "conditions or which quotas there are"]
    return [f"quota {q['name']}: the cap cannot be below the {rows[q['name']].used} places "
            "already held or completed"
            for q in after if q["name"] in rows and q["cap"] < rows[q["name"]].used]


def _note(field: str, old, new) -> str:
    """``field: old -> new``, with dicts and lists in compact JSON (times in ISO 8601)."""
    if field == "quotas":
        caps = {q["name"]: q["cap"] for q in old or []}
        return "; ".join(f"quota {q['name']} cap: {caps.get(q['name'])} -> {q['cap']}"
                         for q in new or [] if caps.get(q["name"]) != q["cap"])
    return f"{field}: {_shown(old)} -> {_shown(new)}"


def _shown(value) -> str:
    if value is None:
        return "(none)"
    if hasattr(value, "isoformat"):
        return value.isoformat(timespec="minutes")
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)
