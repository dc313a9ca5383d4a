"""The exchange's live figures for the monitor: statement flow, ratings, pool coverage.

Plain functions over the database, like ``app/monitor/figures.py``. Ratings
count fairness answers (a skip is not a rating). Coverage is measured on
the approved, non-placebo statements against the design's targets: 40
ratings per statement for the report, 80 before a statement is frozen as
treatment. Moderation agreement is the share of the blind second codes
that agree with the first (Cohen's kappa is the report's, issue 25).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.exchange.seeding import opinion_groups
from app.models import REASONS, Campaign, ModerationDecision, Rating, Statement
from surveys import Survey

__all__ = ["ExchangeFigures", "exchange_figures", "TARGETS"]

#: Ratings per statement: enough for the report, enough to freeze as treatment.
TARGETS = (40, 80)


@dataclass(frozen=True)
class ExchangeFigures:
    written: int
    waiting: int
    approved: int
    rejected: dict[str, int]
    withdrawn: int
    reported: int
    #: (statement id, proposal, language, ratings, ratings per opinion group)
    statements: list[tuple[int, str | None, str, int, dict[str, int]]]
    #: target -> approved statements with at least that many ratings
    coverage: dict[int, int]
    pool: int
    second_codes: int
    second_agree: int


def exchange_figures(session: Session, campaign: Campaign, survey: Survey) -> ExchangeFigures:
    """The exchange's figures for ``campaign`` (whose survey has an exchange)."""
    own = Statement.participant_id.is_not(None)
    status = Counter(dict(session.execute(
        select(Statement.status, func.count()).where(Statement.campaign_id == campaign.id, own)
        .group_by(Statement.status)).all()))
    reasons = dict(session.execute(
        select(Statement.reason, func.count())
        .where(Statement.campaign_id == campaign.id, own, Statement.status == "rejected")
        .group_by(Statement.reason)).all())
    pooled = session.execute(
        select(Statement.id, Statement.proposal, Statement.language)
        .where(Statement.campaign_id == campaign.id, Statement.status == "approved",
               ~Statement.placebo).order_by(Statement.id)).all()
    groups = opinion_groups(session, campaign, survey)
    ratings = session.execute(
        select(Rating.statement_id, Rating.participant_id)
        .join(Statement, Statement.id == Rating.statement_id)
        .where(Statement.campaign_id == campaign.id, Rating.fair.is_not(None))).all()
    total = Counter(sid for sid, _ in ratings)
    by_group: dict[int, Counter] = {}
    for sid, pid in ratings:
        by_group.setdefault(sid, Counter())[groups.get(pid, "all")] += 1
    codes = session.execute(
        select(ModerationDecision.statement_id, ModerationDecision.decision,
               ModerationDecision.second)
        .join(Statement, Statement.id == ModerationDecision.statement_id)
        .where(Statement.campaign_id == campaign.id,
               ModerationDecision.decision.in_(("approve", "reject")))).all()
    first = {c.statement_id: c.decision for c in codes if not c.second}
    seconds = [(c.statement_id, c.decision) for c in codes if c.second]
    return ExchangeFigures(
        written=sum(status.values()), waiting=status["pending"] + status["reported"],
        approved=status["approved"], rejected={r: reasons.get(r, 0) for r in REASONS},
        withdrawn=status["withdrawn"], reported=status["reported"],
        statements=[(s.id, s.proposal, s.language, total[s.id], dict(by_group.get(s.id, {})))
                    for s in pooled],
        coverage={t: sum(total[s.id] >= t for s in pooled) for t in TARGETS},
        pool=len(pooled), second_codes=len(seconds),
        second_agree=sum(first.get(sid) == d for sid, d in seconds),
    )
