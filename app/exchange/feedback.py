"""What the follow-up's feedback page shows (issue 21, item 6): plain Python, no numpy.

Three parts, each from the database as it stands when the page is shown:

- **Your argument, by opinion group**: for each statement the participant
  wrote (not withdrawn), how raters of each opinion group answered "Is this
  a fair and reasonable argument?" (Yes / Somewhat / No; skips left out).
  A group's cell is shown only with at least :data:`MIN_RATERS` raters
  from it; otherwise it says too few (as the report's small-cell rule).
- **Arguments that convinced both groups**, per proposal: the approved peer
  and seed statements in the participant's language ranked by the *lower*
  of the two groups' mean fairness (0 / 0.5 / 1), among statements with at
  least :data:`MIN_RATERS` raters in each group; the top
  :data:`TOP_PER_PROPOSAL`. This is the quantity the anchored bridging model
  of ``../shared/EXCHANGE.md`` estimates (bridging = min over groups of the
  predicted fairness) without its ridge shrinkage, rater intercepts and
  continuous anchors: a documented approximation, computed here because the
  web process must not load numpy (the model lives in ``analysis``). The
  report's bridging table is the authoritative ranking.
- **Support and your estimate**: for each estimate item (``estimates =
  "<item>"``), the share of this survey's participants who supported the
  estimated item *before* any briefing (at or above the scale's midpoint
  + 1, the analysis' rule in ``analysis.pipeline.run.threshold``), shown
  once :data:`MIN_SUPPORT_ANSWERS` have answered, next to the participant's
  own latest earlier estimate (after the briefings, else before).

Opinion groups are the routing's (:mod:`app.exchange.plain_groups`, the
same rule as :func:`app.exchange.seeding.opinion_groups`). Group labels are
relative to the participant: "closer to your views" is their own group.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.exchange.plain_groups import pc1_groups
from app.models import Answer, Campaign, Participant, Rating, Statement
from surveys import Survey

__all__ = ["MIN_RATERS", "MIN_SUPPORT_ANSWERS", "TOP_PER_PROPOSAL", "GroupCell", "OwnArgument",
           "Bridging", "SupportEstimate", "Feedback", "feedback_for", "anchor_groups",
           "support_threshold"]

#: Raters a group needs before its answers to a statement are shown.
MIN_RATERS = 5
#: Answers to a support item before its share is shown.
MIN_SUPPORT_ANSWERS = 20
#: Bridging arguments shown per proposal.
TOP_PER_PROPOSAL = 2
GROUPS = ("a", "b")


@dataclass(frozen=True)
class GroupCell:
    """One opinion group's answers to one statement; counts None when too few raters."""

    group: str
    #: The participant's own opinion group; None when they have none (no anchor answers).
    own: bool | None
    raters: int
    yes: int | None = None
    somewhat: int | None = None
    no: int | None = None


@dataclass(frozen=True)
class OwnArgument:
    text: str
    language: str
    shown: bool  # rated by anyone at all
    cells: tuple[GroupCell, ...]


@dataclass(frozen=True)
class Bridging:
    statement_id: int
    text: str
    language: str
    #: Mean fairness (0-1) in the participant's group and in the other one (in "a"
    #: and "b" when the participant has no group).
    own_mean: float
    other_mean: float


@dataclass(frozen=True)
class SupportEstimate:
    label: str
    #: % supporting before the briefings; None while too few answered.
    actual: float | None
    #: The participant's latest earlier estimate (%), or None.
    estimate: float | None


@dataclass(frozen=True)
class Feedback:
    #: The participant has an opinion group (else groups are named "one" and "the other").
    placed: bool
    own: tuple[OwnArgument, ...]
    #: proposal title -> its most bridging statements (maybe none yet).
    bridging: tuple[tuple[str, tuple[Bridging, ...]], ...]
    support: tuple[SupportEstimate, ...]


def anchor_groups(session: Session, campaign: Campaign, survey: Survey) -> dict[int, str]:
    """Participant id -> "a"/"b" from the before answers to the anchor items (as routing)."""
    items = list(survey.exchange.anchors)
    missing = {i: {o.code for o in survey.items[i].options if o.missing} for i in items}
    rows = session.execute(
        select(Answer.participant_id, Answer.item, Answer.value)
        .join(Participant, Participant.id == Answer.participant_id)
        .where(Participant.campaign_id == campaign.id, Answer.item.in_(items),
               Answer.phase.in_(("profile", "pre")), Answer.value.is_not(None))
    ).all()
    answers: dict[int, dict[str, float]] = {}
    for pid, item, value in rows:
        if value not in missing[item]:
            answers.setdefault(pid, {})[item] = float(value)
    return pc1_groups(answers, items)


def feedback_for(session: Session, campaign: Campaign, survey: Survey,
                 participant: Participant) -> Feedback:
    """Everything the feedback page shows this participant, in their language."""
    groups = anchor_groups(session, campaign, survey) if survey.exchange else {}
    mine = groups.get(participant.id)
    return Feedback(
        placed=mine is not None,
        own=_own(session, participant, groups, mine),
        bridging=_bridging(session, campaign, survey, participant, groups, mine),
        support=_support(session, campaign, survey, participant),
    )


def _ratings(session: Session, statement_ids: list[int]) -> dict[int, list[tuple[int, float]]]:
    rows = session.execute(
        select(Rating.statement_id, Rating.participant_id, Rating.fair)
        .where(Rating.statement_id.in_(statement_ids), Rating.fair.is_not(None))
    ).all() if statement_ids else []
    by_statement: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for sid, rater, fair in rows:
        by_statement[sid].append((rater, float(fair)))
    return by_statement


def _order(mine: str | None) -> tuple[str, str]:
    """The participant's group first (or "a" first when they have none)."""
    first = mine or GROUPS[0]
    return (first, next(g for g in GROUPS if g != first))


def _own(session, participant, groups, mine) -> tuple[OwnArgument, ...]:
    statements = list(session.scalars(
        select(Statement).where(Statement.participant_id == participant.id,
                                Statement.status != "withdrawn").order_by(Statement.id)))
    ratings = _ratings(session, [s.id for s in statements])
    result = []
    for s in statements:
        cells = []
        for g in _order(mine):
            own = None if mine is None else g == mine
            fair = [f for rater, f in ratings[s.id] if groups.get(rater) == g]
            if len(fair) < MIN_RATERS:
                cells.append(GroupCell(g, own, len(fair)))
                continue
            count = Counter(fair)
            cells.append(GroupCell(g, own, len(fair), count[1.0], count[0.5], count[0.0]))
        result.append(OwnArgument(s.text, s.language, bool(ratings[s.id]), tuple(cells)))
    return tuple(result)


def _bridging(session, campaign, survey, participant, groups, mine):
    if survey.exchange is None:
        return ()
    lang = participant.language
    statements = {s.id: s for s in session.scalars(
        select(Statement).where(Statement.campaign_id == campaign.id, ~Statement.placebo,
                                Statement.status == "approved", Statement.language == lang,
                                Statement.proposal.is_not(None),
                                # one's own argument has its own part above, with its ratings
                                or_(Statement.participant_id.is_(None),
                                    Statement.participant_id != participant.id)))}
    ratings = _ratings(session, sorted(statements))
    ranked: dict[str, list[tuple[float, int, Bridging]]] = defaultdict(list)
    for sid, s in statements.items():
        means = {}
        for g in GROUPS:
            fair = [f for rater, f in ratings[sid] if groups.get(rater) == g]
            if len(fair) < MIN_RATERS:
                break
            means[g] = sum(fair) / len(fair)
        else:
            own, other = _order(mine)
            ranked[s.proposal].append((min(means.values()), len(ratings[sid]), Bridging(
                sid, s.text, s.language, means[own], means[other])))
    result = []
    for module in survey.modules:
        if module.kind != "proposal":
            continue
        top = sorted(ranked.get(module.id, ()), key=lambda r: (-r[0], -r[1], r[2].statement_id))
        result.append((module.title[lang], tuple(b for _, _, b in top[:TOP_PER_PROPOSAL])))
    return tuple(result)


def support_threshold(item) -> float:
    """The lowest answer that counts as supporting: the scale's midpoint (floored) + 1."""
    scale = item.kind.scale(item) or {"min": 1, "max": 1}
    return math.floor((scale["min"] + scale["max"]) / 2) + 1


def _support(session, campaign, survey, participant) -> tuple[SupportEstimate, ...]:
    pairs = [(i, survey.items.get(i.setting("estimates"))) for i in survey.items.values()
             if i.kind.role == "estimate"]
    pairs = [(e, t) for e, t in pairs if t is not None]
    if not pairs:
        return ()
    lang = participant.language
    own: dict[tuple[str, str], float] = {
        (item, phase): float(value) for item, phase, value in session.execute(
            select(Answer.item, Answer.phase, Answer.value)
            .where(Answer.participant_id == participant.id, Answer.value.is_not(None),
                   Answer.item.in_([e.id for e, _ in pairs]), Answer.phase.in_(("pre", "post"))))
    }
    result = []
    for estimate, target in pairs:
        missing = [o.code for o in target.options if o.missing]
        values = session.scalars(
            select(Answer.value).join(Participant, Participant.id == Answer.participant_id)
            .where(Participant.campaign_id == campaign.id, Participant.is_test.is_(False),
                   Answer.item == target.id, Answer.phase == "pre", Answer.value.is_not(None),
                   Answer.value.not_in(missing) if missing else Answer.value.is_not(None))
        ).all()
        threshold = support_threshold(target)
        actual = (100.0 * sum(v >= threshold for v in values) / len(values)
                  if len(values) >= MIN_SUPPORT_ANSWERS else None)
        guess = own.get((estimate.id, "post"), own.get((estimate.id, "pre")))
        module_id = (target.construct or "").removeprefix("support_")
        module = next((m for m in survey.modules if m.id == module_id), None)
        label = module.title[lang] if module else target.text[lang]
        result.append(SupportEstimate(label, actual, guess))
    return tuple(result)
