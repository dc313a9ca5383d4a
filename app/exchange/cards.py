"""The exchange step: dealing a participant's cards, showing one, saving its rating.

Each card is a step of the journey (``card:<n>``), so a card is saved whole
or not at all with the journey's own claim (``UPDATE participant SET step =
next WHERE step = this``, app/participant/operations.py): a double submit,
the back button or a second tab finds the step claimed and stores nothing,
and ``rating``'s unique key (rater x statement) backs it up. The deck is
dealt in the transaction that claims the step before the first card, so it
exists exactly once (``exposure`` is unique per participant and position).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.exchange.moderation import report
from app.exchange.routing import LIVE_PREFIX, deal_seed, draw, pool_for
from app.exchange.seeding import group_counts, opinion_groups, routed_draw
from app.models import REPORT_REASONS, Campaign, Exposure, Pair, Participant, Rating, Statement
from surveys import Survey

__all__ = ["FAIR", "AGREE_CHOICES", "CardAnswer", "deal", "card_for", "parse_card", "save_card",
           "ShownCard", "ShownPair", "pair_for", "save_pair", "PAIR_CHOICES"]

#: A pairwise choice: the left statement, the right one, or neither.
PAIR_CHOICES = ("left", "right", "neither")

#: The fair question's choices -> the stored ``fair`` (None: skipped).
FAIR = {"yes": 1.0, "somewhat": 0.5, "no": 0.0, "skip": None}
AGREE_CHOICES = ("agree", "disagree", "unsure")


@dataclass(frozen=True)
class CardAnswer:
    """A parsed card: fair (None when skipped), agree, and a report reason if any."""

    fair: float | None
    skipped: bool
    agree: str | None
    report: str | None


@dataclass(frozen=True)
class ShownCard:
    """What a card page shows: the statement (if it may still be shown) and where it is."""

    position: int
    statement_id: int | None
    text: str | None
    language: str | None
    proposal: str | None
    #: Written by the research team (a seed or placebo statement).
    seed: bool = False


def deal(session: Session, campaign: Campaign, survey: Survey, participant: Participant,
         step: str, now: datetime) -> int:
    """Deal the participant's cards (once); returns how many. Runs in the claim's transaction.

    Peers in the seeding stage (mode frozen, nothing frozen yet) are routed
    (app/exchange/seeding.py); everyone else draws at random, stratified by
    proposal (app/exchange/routing.py).
    """
    have = session.scalar(select(Exposure.id).where(Exposure.participant_id == participant.id)
                          .limit(1))
    if have is not None:
        return 0
    pool = pool_for(session, campaign, survey, participant, step)
    rng, k = deal_seed(campaign, participant), survey.exchange.cards
    if (step == "exchange" and survey.exchange.mode == "frozen"
            and pool.version.startswith(LIVE_PREFIX)):  # the seeding stage: routed
        groups = opinion_groups(session, campaign, survey)
        by_group, total = group_counts(session, list(pool.statements), groups)
        cards = routed_draw(pool, k, groups.get(participant.id, "all"), by_group, total, rng)
    else:
        cards = draw(pool, k, rng)
    session.add_all(
        Exposure(participant_id=participant.id, statement_id=c.statement_id,
                 position=c.position, probability=c.probability, pool_version=pool.version,
                 dealt_at=now)
        for c in cards
    )
    session.flush()
    return len(cards)


def card_for(session: Session, participant: Participant, position: int) -> ShownCard:
    """The card at ``position``; its text only while the statement is approved."""
    row = session.execute(
        select(Statement.id, Statement.text, Statement.language, Statement.proposal,
               Statement.status, Statement.participant_id)
        .join(Exposure, Exposure.statement_id == Statement.id)
        .where(Exposure.participant_id == participant.id, Exposure.position == position)
    ).first()
    if row is None:
        return ShownCard(position, None, None, None, None)
    shown = row.status == "approved" and row.participant_id != participant.id
    return ShownCard(position, row.id, row.text if shown else None, row.language, row.proposal,
                     row.participant_id is None)


def parse_card(form: dict, card: ShownCard) -> tuple[CardAnswer | None, list[str]]:
    """The answer of a card's form, or None and the error codes (``fair``, ``agree``,
    ``report``). A card whose statement can no longer be shown counts as skipped."""
    if card.text is None:
        return CardAnswer(None, True, None, None), []
    errors = []
    fair = form.get("fair", "")
    if fair not in FAIR:
        errors.append("fair")
    agree = form.get("agree", "") or None
    if agree is not None and agree not in AGREE_CHOICES:
        errors.append("agree")
    reason = form.get("report", "") or None
    if reason is not None and reason not in REPORT_REASONS:
        errors.append("report")
    if errors:
        return None, errors
    return CardAnswer(FAIR[fair], fair == "skip", agree, reason), []


def save_card(session: Session, participant_id: int, card: ShownCard, answer: CardAnswer,
              now: datetime, seconds: float | None = None) -> None:
    """Store the card's rating (and report) in the step's claim transaction."""
    if card.statement_id is None:
        return
    session.add(Rating(participant_id=participant_id, statement_id=card.statement_id,
                       fair=answer.fair, skipped=answer.skipped, agree=answer.agree,
                       position=card.position, answered_at=now,
                       seconds_on_page=seconds))
    session.flush()
    if answer.report is not None:
        report(session, card.statement_id, participant_id, answer.report)


@dataclass(frozen=True)
class ShownPair:
    """A pairwise choice: two dealt statements about one proposal (None: no pair to show)."""

    position: int
    proposal: str | None = None
    left: tuple[int, str] | None = None
    right: tuple[int, str] | None = None


def pair_for(session: Session, campaign: Campaign, participant: Participant,
             position: int) -> ShownPair:
    """The ``position``-th pair: two of the participant's dealt, still approved statements
    about one proposal (proposals in turn), chosen by the participant's seeded stream."""
    rows = session.execute(
        select(Statement.id, Statement.text, Statement.proposal)
        .join(Exposure, Exposure.statement_id == Statement.id)
        .where(Exposure.participant_id == participant.id, Statement.status == "approved",
               Statement.proposal.is_not(None))
        .order_by(Exposure.position)
    ).all()
    by_proposal: dict[str, list[tuple[int, str]]] = {}
    for sid, text, proposal in rows:
        by_proposal.setdefault(proposal, []).append((sid, text))
    usable = sorted(p for p, items in by_proposal.items() if len(items) >= 2)
    if not usable:
        return ShownPair(position)
    proposal = usable[(position - 1) % len(usable)]
    rng = deal_seed(campaign, participant)
    rng.seed(f"{rng.random()}:pair:{position}")
    left, right = rng.sample(by_proposal[proposal], 2)
    return ShownPair(position, proposal, left, right)


def save_pair(session: Session, participant_id: int, pair: ShownPair, chosen: str,
              now: datetime) -> None:
    """Store the choice (``left``, ``right`` or ``neither``) in the step's claim transaction."""
    if pair.left is None:
        return
    pick = {"left": pair.left[0], "right": pair.right[0]}.get(chosen)
    session.add(Pair(participant_id=participant_id, left_id=pair.left[0],
                     right_id=pair.right[0], chosen_id=pick, proposal=pair.proposal,
                     position=pair.position, answered_at=now))
    session.flush()
