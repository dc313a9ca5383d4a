"""Quota places: claimed in the transaction that saves the page, never over-filled.

**What a quota counts.** Completes. A participant who falls under a quota
*holds* a place from the moment their about-you answers are saved (the
"gate": the last profile page) and *fills* it when they complete. ``used``
on the quota row counts held and filled places together, so at no moment
can more people be on their way to completing a quota than it has places,
and nobody is screened out at the very end for a place they were promised.

**How a place is claimed.** ``UPDATE quota SET used = used + 1 WHERE id =
:id AND used < cap``, inside the same transaction that stores the page. On
PostgreSQL concurrent claims on one quota queue on its row lock, and each
re-checks ``used < cap`` against the committed row (READ COMMITTED
re-evaluates the WHERE of an UPDATE on the newest row version); SQLite runs
one writer at a time. So exactly ``cap`` claims succeed, however many
arrive at once, and a CHECK constraint (``used <= cap``) backs it up. A
participant under several quotas claims them in quota-id order (no
deadlocks); if any is full, none is kept (a savepoint rolls the others back)
and they are screened out as ``over_quota``, their answers kept.

**How held places are released.** A place is given back (claim deleted,
``used - 1``, in one transaction) when its holder withdraws, is screened out
later (failed attention check), or stops: a holder inactive for the
campaign's ``abandon_after_minutes`` loses the place to the next participant
who finds the quota full (released lazily, in that participant's claim
transaction). A holder whose place was released may still come back and
finish: at completion they claim a place again, and if none is free they
end as ``over_quota``. A completer who withdraws frees their filled place.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.orm import Session

from app.models import Campaign, Participant, Quota, QuotaClaim, utcnow

__all__ = ["matching_quotas", "claim_places", "fill_places", "release_places"]


def matching_quotas(session: Session, campaign: Campaign, choices: dict[str, str],
                    arm: str) -> list[Quota]:
    """The campaign's quotas this participant falls under, in claim (id) order.

    ``choices`` maps profile item ids to the chosen option id.
    """
    quotas = session.scalars(
        select(Quota).where(Quota.campaign_id == campaign.id).order_by(Quota.id)
    ).all()
    facts = {**choices, "arm": arm}
    return [q for q in quotas if all(facts.get(k) == v for k, v in q.conditions.items())]


def _take(session: Session, quota_id: int) -> bool:
    return session.execute(
        update(Quota)
        .where(Quota.id == quota_id, Quota.used < Quota.cap)
        .values(used=Quota.used + 1,
                full_at=case((Quota.used + 1 >= Quota.cap, utcnow()), else_=Quota.full_at))
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def _give_back(session: Session, claim_id: int, quota_id: int, only_held: bool = True) -> bool:
    """Delete one claim and free its place; False if it is gone (or filled, with only_held).

    ``only_held`` is re-checked by the DELETE itself: a holder completing at
    this moment turns the claim to "completed" first, and then keeps it.
    """
    query = delete(QuotaClaim).where(QuotaClaim.id == claim_id)
    if only_held:
        query = query.where(QuotaClaim.state == "held")
    gone = session.execute(query).rowcount
    if gone == 1:
        session.execute(
            update(Quota).where(Quota.id == quota_id).values(used=Quota.used - 1)
            .execution_options(synchronize_session=False)
        )
    return gone == 1


def _release_one_stale(session: Session, campaign: Campaign, quota_id: int) -> bool:
    """Free the place of one holder inactive for ``abandon_after_minutes``.

    On PostgreSQL the stale claim is picked ``FOR UPDATE SKIP LOCKED``: a
    claim that another transaction is releasing, or that its holder is
    filling at this moment, is passed over rather than waited for.
    """
    cutoff = utcnow() - timedelta(minutes=campaign.abandon_after_minutes)
    tried: list[int] = []
    while True:
        stale = session.scalar(
            select(QuotaClaim.id)
            .join(Participant, Participant.id == QuotaClaim.participant_id)
            .where(QuotaClaim.quota_id == quota_id, QuotaClaim.state == "held",
                   Participant.status == "started", Participant.last_seen_at < cutoff,
                   QuotaClaim.id.not_in(tried))
            .order_by(Participant.last_seen_at, QuotaClaim.id)
            .limit(1)
            .with_for_update(skip_locked=True, of=QuotaClaim)
        )
        if stale is None:
            return False
        if _give_back(session, stale, quota_id):
            return True
        tried.append(stale)


def _claim(session: Session, campaign: Campaign, quota: Quota, participant_id: int,
           state: str) -> bool:
    taken = _take(session, quota.id) or (
        _release_one_stale(session, campaign, quota.id) and _take(session, quota.id)
    )
    if not taken:
        return False
    session.add(QuotaClaim(quota_id=quota.id, participant_id=participant_id, state=state))
    return True


def claim_places(session: Session, campaign: Campaign, participant_id: int,
                 quotas: list[Quota]) -> bool:
    """Hold a place in every quota of ``quotas``, or in none; True if all were free.

    Call inside the page's write transaction; no commit.
    """
    if not quotas:
        return True
    savepoint = session.begin_nested()
    for quota in quotas:
        if not _claim(session, campaign, quota, participant_id, "held"):
            savepoint.rollback()
            return False
    savepoint.commit()
    return True


def fill_places(session: Session, campaign: Campaign, participant_id: int,
                quotas: list[Quota]) -> bool:
    """At completion: turn held places into filled ones, claiming again any released.

    True if the participant has a filled place in every quota of ``quotas``;
    False (and nothing changed) if a released place could not be claimed again.
    """
    if not quotas:
        return True
    savepoint = session.begin_nested()
    for quota in quotas:
        kept = session.execute(
            update(QuotaClaim)
            .where(QuotaClaim.quota_id == quota.id, QuotaClaim.participant_id == participant_id)
            .values(state="completed")
            .execution_options(synchronize_session=False)
        ).rowcount
        if kept != 1 and not _claim(session, campaign, quota, participant_id, "completed"):
            savepoint.rollback()
            return False
    savepoint.commit()
    return True


def release_places(session: Session, participant_id: int, *, filled_too: bool = False) -> None:
    """Give back the participant's held places (and filled ones when ``filled_too``)."""
    query = select(QuotaClaim.id, QuotaClaim.quota_id).where(
        QuotaClaim.participant_id == participant_id
    )
    if not filled_too:
        query = query.where(QuotaClaim.state == "held")
    for claim_id, quota_id in session.execute(query.order_by(QuotaClaim.quota_id)).all():
        _give_back(session, claim_id, quota_id, only_held=not filled_too)
