"""Which statements a participant's cards show: the pool, the draw, its probabilities.

The pool a participant draws from:

- the placebo arm (``exchange_placebo``): the survey's neutral statements in
  the participant's language;
- the peers arm (``exchange``), once a display set is frozen (mode
  ``frozen``): the frozen set's statements in the participant's language;
- otherwise (the seeding stage, or mode ``live``) a snapshot of the live
  pool: approved statements in the participant's language (in ``live`` mode
  only seeds and statements of writers outside the peers arms), capped as
  the design says (about 0.88 x raters x cards / 40). A snapshot is stored
  as a ``frozen_set`` of kind ``live`` once per distinct content, and its
  ``live:<hash>`` is the exposures' pool version.

Never an unapproved statement, never the participant's own. The draw is
stratified by proposal (at least cards/3 per proposal when the pool allows):
each stratum's share is fixed before drawing (equal shares, the remainder to
the largest strata, what a small stratum cannot fill moved to the others),
then a simple random sample within each stratum, so a statement's inclusion
probability is exactly n_p / N_p. The shuffle and the sample come from
``random.Random(f"{seed}:deal:{public_id}")``: reproducible from the
campaign's seed.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.exchange.pools import active_frozen_set, pool_hash
from app.models import Campaign, FrozenMember, FrozenSet, Participant, Statement, utcnow
from surveys import Survey

__all__ = ["Card", "Pool", "pool_for", "draw", "by_proposal", "shares", "pool_cap", "deal_seed",
           "LIVE_PREFIX"]

LIVE_PREFIX = "live:"


@dataclass(frozen=True)
class Card:
    """One dealt card: the statement, its position and inclusion probability."""

    statement_id: int
    position: int
    probability: float


@dataclass(frozen=True)
class Pool:
    """The statements a participant may draw (id -> proposal) and the pool's version."""

    statements: dict[int, str | None]
    version: str


def pool_cap(raters: int, cards: int) -> int:
    """The active pool's size so each statement gets about 40 ratings (0.88 x n x k / 40)."""
    return max(cards, round(0.88 * raters * cards / 40))


def shares(sizes: dict[str | None, int], k: int) -> dict[str | None, int]:
    """Cards per stratum: equal shares, the remainder to the largest strata (ties by
    name), what a stratum cannot fill moved to those with room; never more than it has.

    >>> shares({"a": 10, "b": 10, "c": 10}, 10)
    {'a': 4, 'b': 3, 'c': 3}
    >>> shares({"a": 1, "b": 10, "c": 10}, 10)
    {'a': 1, 'b': 5, 'c': 4}
    """
    order = sorted(sizes, key=lambda p: (-sizes[p], str(p)))
    given = dict.fromkeys(order, 0)
    left = min(k, sum(sizes.values()))
    while left:
        room = [p for p in order if given[p] < sizes[p]]
        each, extra = divmod(left, len(room))
        for i, p in enumerate(room):
            add = min(each + (1 if i < extra else 0), sizes[p] - given[p])
            given[p] += add
            left -= add
    return {p: given[p] for p in sorted(sizes, key=str)}


def by_proposal(pool: Pool, k: int) -> tuple[dict[str | None, list[int]], dict]:
    """The pool's statement ids per proposal (ascending), and each proposal's
    share of ``k`` cards (:func:`shares`): the strata of every draw."""
    strata: dict[str | None, list[int]] = {}
    for sid, proposal in sorted(pool.statements.items()):
        strata.setdefault(proposal, []).append(sid)
    return strata, shares({p: len(ids) for p, ids in strata.items()}, k)


def draw(pool: Pool, k: int, rng: random.Random) -> list[Card]:
    """Up to ``k`` cards: a stratified random sample by proposal, shuffled."""
    strata, n = by_proposal(pool, k)
    chosen: list[tuple[int, float]] = []
    for proposal in sorted(strata, key=str):
        ids = strata[proposal]
        chosen += [(sid, n[proposal] / len(ids)) for sid in rng.sample(ids, n[proposal])]
    rng.shuffle(chosen)
    return [Card(sid, pos, p) for pos, (sid, p) in enumerate(chosen, start=1)]


def pool_for(session: Session, campaign: Campaign, survey: Survey, participant: Participant,
             step: str) -> Pool:
    """The pool ``participant`` draws from for ``step`` ("exchange" or "exchange_placebo")."""
    lang = participant.language
    if step == "exchange_placebo":
        rows = session.scalars(select(Statement).where(
            Statement.campaign_id == campaign.id, Statement.placebo,
            Statement.language == lang, Statement.status == "approved"))
        rows = list(rows)
        return Pool({s.id: None for s in rows}, f"placebo:{pool_hash(rows)}")
    frozen = active_frozen_set(session, campaign) if survey.exchange.mode == "frozen" else None
    if frozen is not None:
        rows = session.execute(
            select(Statement.id, Statement.proposal)
            .join(FrozenMember, FrozenMember.statement_id == Statement.id)
            .where(FrozenMember.frozen_set_id == frozen.id, Statement.language == lang,
                   Statement.status == "approved",
                   Statement.participant_id.is_distinct_from(participant.id))
        ).all()
        return Pool({r.id: r.proposal for r in rows}, frozen.pool_version)
    return _live_pool(session, campaign, survey, participant)


def _live_pool(session: Session, campaign: Campaign, survey: Survey,
               participant: Participant) -> Pool:
    query = select(Statement).where(
        Statement.campaign_id == campaign.id, ~Statement.placebo,
        Statement.language == participant.language, Statement.status == "approved")
    if survey.exchange.mode == "live":  # fed by seeds and writers outside the peers arms
        peers = [a.id for a in survey.arms if a.exchange == "exchange"]
        writers = select(Participant.id).where(Participant.campaign_id == campaign.id,
                                               Participant.arm.not_in(peers))
        query = query.where(Statement.participant_id.is_(None)
                            | Statement.participant_id.in_(writers))
    rows = list(session.scalars(query.order_by(Statement.id)))
    raters = session.scalar(select(func.count()).select_from(Participant).where(
        Participant.campaign_id == campaign.id))
    # The cap keeps the seeds and the oldest approved statements (first in, first rated).
    rows = rows[:max(pool_cap(raters or 0, survey.exchange.cards), len(
        [r for r in rows if r.participant_id is None]))]
    snapshot = _snapshot(session, campaign, rows)
    return Pool({s.id: s.proposal for s in rows if s.participant_id != participant.id},
                snapshot)


def _snapshot(session: Session, campaign: Campaign, rows: list[Statement]) -> str:
    """``live:<hash>`` of the pool's content, stored once (members included) per content."""
    version = LIVE_PREFIX + pool_hash(rows)[:16]
    found = session.scalar(select(FrozenSet.id).where(FrozenSet.campaign_id == campaign.id,
                                                      FrozenSet.pool_version == version))
    if found is None and rows:
        snapshot = FrozenSet(campaign_id=campaign.id, kind="live", pool_version=version,
                             frozen_at=utcnow())
        session.add(snapshot)
        session.flush()
        session.add_all(FrozenMember(frozen_set_id=snapshot.id, statement_id=s.id) for s in rows)
        session.flush()
    return version


def deal_seed(campaign: Campaign, participant: Participant) -> random.Random:
    """The participant's own random stream for the deal, from the campaign's seed."""
    digest = hashlib.sha256(f"{campaign.seed}:deal:{participant.public_id}".encode()).hexdigest()
    return random.Random(digest)
