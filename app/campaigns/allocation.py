"""Permuted-block randomisation: seeded, recorded, reproducible, safe under concurrency.

Each stratum of a campaign has one allocation sequence. Slot ``n`` lies in
block ``n // block_size``; a block is the arms repeated by weight up to
``block_size`` and shuffled by ``random.Random(f"{seed}:{stratum}:{block}")``.
So the arm of any slot is a pure function of the seed, and arm counts never
differ by more than one block at any moment.

Concurrency: the next slot is ``max(seq) + 1`` read inside the start
transaction (the campaign row is locked ``FOR UPDATE`` on PostgreSQL; SQLite
takes its write lock at BEGIN), and the database holds
``(campaign, stratum, allocation_seq)`` unique, so two starts can never share
a slot: a conflict rolls back and retries.

Dropout rebalancing (opt-in, ``Campaign.rebalance_dropouts``): a new
participant first takes over the arm of the earliest participant who dropped
out (withdrew, was screened out, or was inactive for
``abandon_after_minutes`` without completing) and was not yet replaced. This
keeps *completers* balanced, at a cost in randomness documented in
docs/randomisation.md: a replacement's arm is decided by someone else's
dropout rather than by the seed.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.models import Campaign, Participant, utcnow
from surveys import Survey

__all__ = ["Allocation", "arm_for_slot", "arm_weights", "module_order_for", "allocate",
           "default_block_size"]


@dataclass(frozen=True)
class Allocation:
    arm: str
    modules: list[str]
    seq: int | None
    replaces_id: int | None = None


def default_block_size(survey: Survey) -> int:
    """Two rounds of the weighted arms: small enough to stay balanced, large enough to hide."""
    return 2 * sum(arm_weights(survey).values())


def arm_weights(survey: Survey, weights: dict[str, int] | None = None) -> dict[str, int]:
    """Allocation ratio per arm: the campaign's choice, else the survey's weights."""
    if weights is None:
        return {arm.id: arm.weight for arm in survey.arms}
    return {arm.id: int(weights.get(arm.id, 0)) for arm in survey.arms}


def _block(
    survey: Survey, seed: str, stratum: str, block: int, size: int,
    weights: dict[str, int] | None = None,
) -> list[str]:
    base = [arm for arm, w in arm_weights(survey, weights).items() for _ in range(w)]
    arms = (base * (size // len(base) + 1))[:size]
    random.Random(f"{seed}:{stratum}:{block}").shuffle(arms)
    return arms


def arm_for_slot(
    survey: Survey, seed: str, stratum: str, seq: int, block_size: int,
    weights: dict[str, int] | None = None,
) -> str:
    """The arm of slot ``seq``: reproducible from the seed (and the campaign's ratios) alone."""
    block = _block(survey, seed, stratum, seq // block_size, block_size, weights)
    return block[seq % block_size]


def module_order_for(survey: Survey, seed: str, stratum: str, arm_id: str, k: int) -> list[str]:
    """Order of modules for the ``k``-th participant of an arm.

    Counterbalanced: the arm's orders (all permutations) are dealt in
    shuffled blocks, so each order is used equally often within each block.
    """
    modules = list(survey.arm(arm_id).modules)
    if len(modules) < 2:
        return modules
    orders = sorted(itertools.permutations(modules))
    rng = random.Random(f"{seed}:{stratum}:{arm_id}:order:{k // len(orders)}")
    rng.shuffle(orders)
    return list(orders[k % len(orders)])


def allocate(session: Session, campaign: Campaign, survey: Survey, stratum: str = "") -> Allocation:
    """Choose the arm and module order of a new participant in ``campaign``.

    Call inside the transaction that inserts the participant; the caller
    retries on IntegrityError.
    """
    # Serialise starts per campaign on PostgreSQL (a no-op on SQLite, which
    # already holds its write lock).
    session.execute(select(Campaign.id).where(Campaign.id == campaign.id).with_for_update())
    # Test participants (previews) never take a slot, never count, are never replaced.
    in_stratum = (
        (Participant.campaign_id == campaign.id)
        & (Participant.stratum == stratum)
        & Participant.is_test.is_(False)
    )
    if campaign.rebalance_dropouts:
        dropout = _first_dropout(session, campaign, in_stratum)
        if dropout is not None:
            dropout.replaced = True
            k = _arm_count(session, in_stratum, dropout.arm)
            order = module_order_for(survey, campaign.seed, stratum, dropout.arm, k)
            return Allocation(dropout.arm, order, None, dropout.id)
    last = session.scalar(select(func.max(Participant.allocation_seq)).where(in_stratum))
    seq = 0 if last is None else last + 1
    arm = arm_for_slot(survey, campaign.seed, stratum, seq, campaign.block_size,
                       campaign.arm_weights)
    k = _arm_count(session, in_stratum, arm)
    return Allocation(arm, module_order_for(survey, campaign.seed, stratum, arm, k), seq)


def _arm_count(session: Session, in_stratum, arm: str) -> int:
    return session.scalar(
        select(func.count()).select_from(Participant).where(in_stratum, Participant.arm == arm)
    )


def _first_dropout(session: Session, campaign: Campaign, in_stratum) -> Participant | None:
    cutoff = utcnow() - timedelta(minutes=campaign.abandon_after_minutes)
    return session.scalar(
        select(Participant)
        .where(
            in_stratum,
            Participant.arm != "",  # screened out before a stratified allocation
            Participant.replaced.is_(False),
            or_(
                Participant.status.in_(("withdrawn", "screened_out")),
                (Participant.status == "started") & (Participant.last_seen_at < cutoff),
            ),
        )
        .order_by(Participant.id)
        .limit(1)
    )
