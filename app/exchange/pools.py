"""Display sets: freezing the statements every treated participant draws from.

A frozen set is stored with its SHA-256 (over each statement's id, language,
proposal, side and text, in id order), like the analysis plan: the hash is
the ``pool_version`` every exposure drawn from it records, so an analyst can
tell exactly which texts a participant could have seen. The set may come
from this campaign's seeding stage or from an earlier campaign of the same
survey (a seeding pilot); it then records that source campaign.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from app.audit import record_audit
from app.models import Campaign, FrozenMember, FrozenSet, Rating, Statement, User, utcnow

__all__ = ["PoolError", "freeze", "pool_hash", "active_frozen_set", "ratings_per_statement",
           "frozen_sets"]


class PoolError(ValueError):
    """A display set that cannot be frozen (nothing qualifies, unknown statements)."""


def pool_hash(statements: list[Statement]) -> str:
    """SHA-256 of the set: ``id, language, proposal, side, text`` per statement, in id order."""
    digest = hashlib.sha256()
    for s in sorted(statements, key=lambda s: s.id):
        digest.update("\t".join([str(s.id), s.language, s.proposal or "", s.side or "",
                                 s.text]).encode() + b"\n")
    return digest.hexdigest()


def ratings_per_statement(session: Session, campaign: Campaign) -> dict[int, int]:
    """Statement id -> number of (not skipped) ratings, for the campaign's statements."""
    return dict(session.execute(
        select(Rating.statement_id, func.count())
        .join(Statement, Statement.id == Rating.statement_id)
        .where(Statement.campaign_id == campaign.id, Rating.fair.is_not(None))
        .group_by(Rating.statement_id)
    ).all())


def freeze(session: Session, campaign: Campaign, *, min_ratings: int = 80,
           statement_ids: list[int] | None = None, user: User | None = None,
           actor: str | None = None, source: Campaign | None = None) -> FrozenSet:
    """Freeze the display set; does not commit; returns it (the same one if frozen before).

    The set is ``statement_ids`` when given (each must be an approved,
    non-placebo statement of the campaign), else every approved, non-placebo
    statement with at least ``min_ratings`` ratings. With ``source`` (an
    earlier campaign of the same survey: a seeding pilot) the statements and
    their ratings are the source's, and the set records it. Audited.
    """
    origin = campaign if source is None else _check_source(campaign, source)
    query = select(Statement).where(Statement.campaign_id == origin.id,
                                    Statement.status == "approved", ~Statement.placebo)
    candidates = {s.id: s for s in session.scalars(query)}
    whose = "this campaign" if source is None else f"campaign '{source.slug}'"
    if statement_ids is not None:
        unknown = sorted(set(statement_ids) - set(candidates))
        if unknown:
            raise PoolError(f"not approved statements of {whose}: "
                            + ", ".join(map(str, unknown)))
        chosen = [candidates[i] for i in sorted(set(statement_ids))]
    else:
        counts = ratings_per_statement(session, origin)
        chosen = [s for i, s in sorted(candidates.items()) if counts.get(i, 0) >= min_ratings]
    if not chosen:
        of = "" if source is None else f" of {whose}"
        raise PoolError(f"no approved statement{of} has {min_ratings} ratings yet: "
                        "nothing to freeze")
    version = pool_hash(chosen)
    existing = session.scalar(select(FrozenSet).where(FrozenSet.campaign_id == campaign.id,
                                                      FrozenSet.pool_version == version))
    if existing is not None:
        return existing
    frozen = FrozenSet(campaign_id=campaign.id, kind="frozen", pool_version=version,
                       min_ratings=None if statement_ids is not None else min_ratings,
                       frozen_at=utcnow(), frozen_by=user.id if user else None,
                       source_campaign_id=source.id if source is not None else None)
    session.add(frozen)
    session.flush()
    session.add_all(FrozenMember(frozen_set_id=frozen.id, statement_id=s.id) for s in chosen)
    record_audit(session, "exchange.freeze", campaign=campaign, actor=actor,
                 detail=f"{len(chosen)} statements"
                        + (f" from campaign {source.slug}" if source is not None else "")
                        + f", sha256 {version}")
    session.flush()
    return frozen


def _check_source(campaign: Campaign, source: Campaign) -> Campaign:
    """The source campaign, if its statements may be shown in ``campaign``; else PoolError.

    Only the same survey (the same survey id: its proposals, sides and
    languages) gives statements that fit this campaign's cards and analysis.
    """
    if source.id == campaign.id:
        raise PoolError("the earlier campaign named is this campaign itself: freeze from "
                        "its own statements without naming a source")
    if source.survey_id != campaign.survey_id:
        raise PoolError(f"campaign '{source.slug}' runs survey '{source.survey_id}', and "
                        f"'{campaign.slug}' runs '{campaign.survey_id}': a display set can "
                        "only come from a campaign of the same survey")
    return source


def active_frozen_set(session: Session, campaign: Campaign) -> FrozenSet | None:
    """The campaign's latest frozen display set, which new exposures draw from."""
    return session.scalar(
        select(FrozenSet).where(FrozenSet.campaign_id == campaign.id, FrozenSet.kind == "frozen")
        .order_by(FrozenSet.id.desc()).limit(1)
    )


def frozen_sets(session: Session, campaign: Campaign) -> list[tuple[FrozenSet, int, str | None]]:
    """The campaign's frozen display sets, newest first: (set, statements, source slug)."""
    source = aliased(Campaign)
    return [tuple(row) for row in session.execute(
        select(FrozenSet, func.count(FrozenMember.statement_id), source.slug)
        .outerjoin(FrozenMember, FrozenMember.frozen_set_id == FrozenSet.id)
        .outerjoin(source, source.id == FrozenSet.source_campaign_id)
        .where(FrozenSet.campaign_id == campaign.id, FrozenSet.kind == "frozen")
        .group_by(FrozenSet.id, source.slug).order_by(FrozenSet.id.desc())
    ).all()]
