"""The seeding stage's opinion groups, kept per app and campaign (issue 24, 2).

Every routed deal needs every participant's group. Computing them afresh
read every participant's anchor answers and ran an SVD on each deal, a cost
that grew with the campaign. The groups only change when anchor answers
are written or deleted, so this keeps, per app (``current_app.extensions``)
and campaign and survey version: the anchor answers read so far and the
highest answer id among them, the fitted component, and the groups.

Each call:

1. reads the anchor answers with an id above the highest one read (new
   participants; answers are never updated, only inserted or deleted), and
   counts the campaign's anchor answers; if the count is not what was read
   (answers were deleted: a withdrawal, an erasure), everything is read again;
2. fits the component again when the people with answers grew by a tenth
   since the last fit, or always below ``REFIT_BELOW`` people (small
   campaigns, cheap fits, exactly the fresh result);
3. otherwise places each newcomer on the fitted component, and leaves the
   others' groups as fitted.

So between fits a newcomer is placed as by a fit on at most a tenth fewer
people, and each app process fits on its own (two processes may draw the
line at slightly different moments); the inclusion probabilities a deal
stores are exact for the groups it used. Tests: tests/app/exchange/test_group_cache.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy.orm import Session

from app.exchange.seeding import anchor_count, anchor_rows, fit_groups, missing_codes, place
from app.models import Campaign
from surveys import Survey

__all__ = ["cached_groups", "REFIT_BELOW", "REFIT_GROWTH"]

_KEY = "parley_opinion_groups"
#: Below this many people the component is fitted on every change.
REFIT_BELOW = 200
#: Fitted again when the people grew by this factor since the last fit.
REFIT_GROWTH = 1.1


@dataclass
class _Entry:
    answers: dict[int, dict[str, float]] = field(default_factory=dict)
    read: int = 0  # answers read (kept or not: a missing code is read and left out)
    last_id: int = 0
    fitted_on: int = 0
    fit: dict | None = None
    groups: dict[int, str] = field(default_factory=dict)
    fits: int = 0  # how many times the component was fitted (for tests)


def _store() -> dict:
    return current_app.extensions.setdefault(_KEY, {})


def cached_groups(session: Session, campaign: Campaign, survey: Survey) -> dict[int, str]:
    key = (campaign.id, survey.version)
    entry = _store().get(key) or _Entry()
    rows = anchor_rows(session, campaign, survey, entry.last_id)
    if anchor_count(session, campaign, survey) != entry.read + len(rows):
        entry = _Entry(fits=entry.fits)  # answers were deleted: read everything again
        rows = anchor_rows(session, campaign, survey)
    missing = missing_codes(survey)
    changed = set()
    for answer_id, pid, item, value in rows:
        entry.last_id = max(entry.last_id, answer_id)
        entry.read += 1
        if value not in missing[item]:
            entry.answers.setdefault(pid, {})[item] = float(value)
            changed.add(pid)
    n = len(entry.answers)
    if changed or entry.fit is None and n != entry.fitted_on:
        if n < REFIT_BELOW or n >= REFIT_GROWTH * entry.fitted_on or entry.fit is None:
            entry.groups, entry.fit = fit_groups(entry.answers, list(survey.exchange.anchors))
            entry.fitted_on, entry.fits = n, entry.fits + 1
        else:
            for pid in changed:
                entry.groups[pid] = place(entry.fit, entry.answers[pid])
    _store()[key] = entry
    return dict(entry.groups)
