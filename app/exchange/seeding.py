"""Routing in the seeding stage: cards go where ratings are missing, by opinion group.

Until a display set is frozen (mode ``frozen``), the aim is ratings from
every opinion group for every statement (EXCHANGE.md: routing to
statements short of ratings from the rater's own group was worth as much as
doubling the ratings). So:

- **Opinion group**: the sign of the rater's score on the first principal
  component of the standardised anchor answers (before any briefing) of
  the campaign's participants so far; "all" while fewer than 3 have them.
- **Priority** of a statement for a rater of group g: fewest ratings from
  group g first, then those under 10 ratings in all (the bonus), then a
  seeded random tie-break.
- **Shares** per proposal as in the random draw (at least cards/3 each when
  the pool allows): within each proposal the n_p statements first in
  priority.

The inclusion probability is exact: 1 for statements strictly ahead of the
cut, m/T for the T statements tied at the cut of which m are drawn, 0 for
the rest (not dealt).
"""

from __future__ import annotations

import random
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.exchange.routing import Card, Pool, by_proposal
from app.models import Answer, Campaign, Participant, Rating
from surveys import Survey
from surveys.conditions import not_shown_code

__all__ = ["opinion_groups", "group_counts", "routed_draw", "BONUS_UNDER"]

#: Statements with fewer ratings than this get priority after the group's need.
BONUS_UNDER = 10


def opinion_groups(session: Session, campaign: Campaign, survey: Survey) -> dict[int, str]:
    """Participant id -> "a" or "b" (the PC1 sign of their anchor answers), or {} when
    fewer than 3 participants have answered every anchor item that varies."""
    items = list(survey.exchange.anchors)
    rows = session.execute(
        select(Answer.participant_id, Answer.item, Answer.value)
        .join(Participant, Participant.id == Answer.participant_id)
        .where(Participant.campaign_id == campaign.id, Answer.item.in_(items),
               Answer.phase.in_(("profile", "pre")), Answer.value.is_not(None))
    ).all()
    # "missing" options, and the code of an item a display condition hid, are no answer
    missing = {i: {o.code for o in survey.items[i].options if o.missing}
               | {not_shown_code(survey.items[i])} for i in items}
    answers: dict[int, dict[str, float]] = {}
    for pid, item, value in rows:
        if value not in missing[item]:
            answers.setdefault(pid, {})[item] = float(value)
    people = sorted(answers)
    if len(people) < 3:
        return {}
    # numpy only here, as app/export/formats.py imports pandas: the web
    # process loads it when a seeding-stage deal needs it, not at start
    # (tests/analysis/test_contract.py holds the export path free of it).
    import numpy as np

    x = np.array([[answers[p].get(i, np.nan) for i in items] for p in people])
    varied = [j for j in range(len(items)) if np.sum(np.isfinite(x[:, j])) >= 2
              and np.nanstd(x[:, j]) > 0]
    if not varied:
        return {}
    x = x[:, varied]
    x = np.nan_to_num((x - np.nanmean(x, axis=0)) / np.nanstd(x, axis=0))
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    score = x @ vt[0]
    if np.corrcoef(score, x[:, 0])[0, 1] < 0:  # the sign follows the first anchor item
        score = -score
    return {p: "a" if s >= 0 else "b" for p, s in zip(people, score, strict=True)}


def group_counts(session: Session, statement_ids: list[int],
                 groups: dict[int, str]) -> tuple[Counter, Counter]:
    """Ratings (not skipped) per (statement, group) and per statement."""
    rows = session.execute(
        select(Rating.statement_id, Rating.participant_id)
        .where(Rating.statement_id.in_(statement_ids), Rating.fair.is_not(None))
    ).all()
    by_group = Counter((sid, groups.get(pid, "all")) for sid, pid in rows)
    total = Counter(sid for sid, _ in rows)
    return by_group, total


def routed_draw(pool: Pool, k: int, group: str, by_group: Counter, total: Counter,
                rng: random.Random) -> list[Card]:
    """Up to ``k`` cards by priority within each proposal's share, with exact probabilities."""
    strata, n = by_proposal(pool, k)
    chosen: list[tuple[int, float]] = []
    for proposal in sorted(strata, key=str):
        need = {sid: (by_group[(sid, group)], 0 if total[sid] < BONUS_UNDER else 1)
                for sid in strata[proposal]}
        ranked = sorted(strata[proposal], key=lambda s: (need[s], rng.random()))
        take = n[proposal]
        if take == 0:
            continue
        cut = need[ranked[take - 1]]
        ahead = [s for s in ranked if need[s] < cut]
        tied = [s for s in ranked if need[s] == cut]
        m = take - len(ahead)
        chosen += [(s, 1.0) for s in ahead]
        chosen += [(s, m / len(tied)) for s in ranked[len(ahead):take]]
    rng.shuffle(chosen)
    return [Card(sid, pos, p) for pos, (sid, p) in enumerate(chosen, start=1)]

