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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.exchange.routing import Card, Pool, by_proposal
from app.models import Answer, Campaign, Participant, Rating
from surveys import Survey
from surveys.conditions import not_shown_code

__all__ = ["opinion_groups", "group_counts", "routed_draw", "BONUS_UNDER", "anchor_rows",
           "anchor_count", "missing_codes", "fit_groups", "place"]

#: Statements with fewer ratings than this get priority after the group's need.
BONUS_UNDER = 10


def opinion_groups(session: Session, campaign: Campaign, survey: Survey) -> dict[int, str]:
    """Participant id -> "a" or "b" (the PC1 sign of their anchor answers), or {} when
    fewer than 3 participants have answered every anchor item that varies.

    Kept per app and campaign (app/exchange/group_cache.py): each call reads
    only the anchor answers written since the last one, and the component is
    fitted again only when the people grew by a tenth (below 200 people, on
    every change); in between, newcomers are placed on the fitted component.
    """
    from app.exchange.group_cache import cached_groups

    return cached_groups(session, campaign, survey)


def anchor_rows(session: Session, campaign: Campaign, survey: Survey, after_id: int = 0):
    """(answer id, participant id, item, value) of the campaign's anchor answers (before any
    briefing) with an id above ``after_id``."""
    return session.execute(
        select(Answer.id, Answer.participant_id, Answer.item, Answer.value)
        .join(Participant, Participant.id == Answer.participant_id)
        .where(Participant.campaign_id == campaign.id,
               Answer.item.in_(list(survey.exchange.anchors)),
               Answer.phase.in_(("profile", "pre")), Answer.value.is_not(None),
               Answer.id > after_id)
    ).all()


def anchor_count(session: Session, campaign: Campaign, survey: Survey) -> int:
    """How many such answers there are now (a deletion lowers it)."""
    return session.scalar(
        select(func.count(Answer.id))
        .join(Participant, Participant.id == Answer.participant_id)
        .where(Participant.campaign_id == campaign.id,
               Answer.item.in_(list(survey.exchange.anchors)),
               Answer.phase.in_(("profile", "pre")), Answer.value.is_not(None)))


def missing_codes(survey: Survey) -> dict[str, set]:
    """Per anchor item, the codes that are no answer: "missing" options, and the code
    of an item a display condition hid."""
    return {i: {o.code for o in survey.items[i].options if o.missing}
            | {not_shown_code(survey.items[i])} for i in survey.exchange.anchors}


def fit_groups(answers: dict[int, dict[str, float]], items: list[str]):
    """(groups, fit): the groups of everyone in ``answers`` (participant -> item -> value),
    and the fitted component to place others on (None when there is none)."""
    people = sorted(answers)
    if len(people) < 3:
        return {}, None
    # numpy only here, as app/export/formats.py imports pandas: the web
    # process loads it when a seeding-stage deal needs it, not at start
    # (tests/analysis/test_contract.py holds the export path free of it).
    import numpy as np

    x = np.array([[answers[p].get(i, np.nan) for i in items] for p in people])
    varied = [j for j in range(len(items)) if np.sum(np.isfinite(x[:, j])) >= 2
              and np.nanstd(x[:, j]) > 0]
    if not varied:
        return {}, None
    x = x[:, varied]
    centre, scale = np.nanmean(x, axis=0), np.nanstd(x, axis=0)
    x = np.nan_to_num((x - centre) / scale)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    axis = vt[0]
    score = x @ axis
    if np.corrcoef(score, x[:, 0])[0, 1] < 0:  # the sign follows the first anchor item
        axis, score = -axis, -score
    fit = {"columns": [items[j] for j in varied], "centre": centre, "scale": scale,
           "axis": axis}
    return {p: "a" if s >= 0 else "b" for p, s in zip(people, score, strict=True)}, fit


def place(fit: dict, answers: dict[str, float]) -> str:
    """The group of one participant's answers on a fitted component."""
    import numpy as np

    x = np.array([answers.get(i, np.nan) for i in fit["columns"]])
    x = np.nan_to_num((x - fit["centre"]) / fit["scale"])
    return "a" if float(x @ fit["axis"]) >= 0 else "b"


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

