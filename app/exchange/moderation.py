"""Pre-moderation: the queue, decisions, the blind second coding, participant reports.

Moderators approve or reject (with a reason code); they never edit a text.
Every decision is a :class:`~app.models.ModerationDecision` row and an audit
event. A random 5% of statements (a pure function of the campaign's seed and
the statement's id, so it can be reproduced) is offered after its first
decision to a *different* moderator, who does not see the first decision;
the second code changes nothing and feeds the agreement (kappa) in the
report. Three participant reports take an approved statement out of every
pool ("reported") until a moderator restores or rejects it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, load_only

from app.audit import record_audit
from app.exchange.triage_job import triage_pending
from app.models import (
    REASONS,
    REPORT_REASONS,
    Campaign,
    ModerationDecision,
    Statement,
    StatementReport,
    User,
    utcnow,
)

__all__ = ["ModerationError", "QueueEntry", "queue", "decide", "report", "in_second_sample",
           "SECOND_SHARE", "REPORTS_TO_HOLD", "moderator_role"]

#: Share of statements coded twice, blind.
SECOND_SHARE = 0.05
#: Participant reports that take a statement out pending review.
REPORTS_TO_HOLD = 3
#: Statuses waiting for a (first) decision.
WAITING = ("pending", "reported")


class ModerationError(ValueError):
    """A decision that cannot be made (unknown statement, bad reason, already decided)."""


@dataclass(frozen=True)
class QueueEntry:
    """One statement in the queue, as a moderator sees it (never the first coder's call)."""

    id: int
    text: str
    language: str
    proposal: str | None
    side: str | None
    risk: float
    flags: tuple[str, ...]
    status: str
    #: True when this is the blind second coding of the 5% sample.
    second: bool


def in_second_sample(campaign: Campaign, statement_id: int) -> bool:
    """Whether the statement is in the campaign's 5% sample for a blind second coding."""
    digest = hashlib.sha256(f"{campaign.seed}:second:{statement_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < SECOND_SHARE


def moderator_role(user: User | None) -> str:
    """The role a decision is recorded under: the account's, or ``system`` for commands."""
    return user.role if user is not None else "system"


def queue(session: Session, campaign: Campaign, user: User | None = None,
          limit: int = 200) -> list[QueueEntry]:
    """Statements waiting for a decision, riskiest first (then oldest), and the blind
    second codings offered to ``user`` (never ones they coded first).

    Anything not yet triaged is triaged now (in a write of its own, committed),
    so the order never waits for the job runner.
    """
    triage_pending(session, campaign)
    waiting = session.scalars(
        select(Statement).options(_SHOWN)
        .where(Statement.campaign_id == campaign.id, Statement.status.in_(WAITING),
               Statement.participant_id.is_not(None))
        .order_by(func.coalesce(Statement.risk, 1.0).desc(), Statement.id)
        .limit(limit)
    ).all()
    entries = [_entry(s, False) for s in waiting]
    if user is not None:
        entries += [_entry(s, True) for s in _second_codings(session, campaign, user)]
    return entries


#: What a queue entry shows: the statements' MinHash signatures and the rest stay unread.
_SHOWN = load_only(Statement.id, Statement.text, Statement.language, Statement.proposal,
                   Statement.side, Statement.risk, Statement.flags, Statement.status)


def _entry(s: Statement, second: bool) -> QueueEntry:
    return QueueEntry(s.id, s.text, s.language, s.proposal, s.side, s.risk or 0.0,
                      tuple(s.flags or ()), s.status, second)


def _second_codings(session: Session, campaign: Campaign, user: User) -> list[Statement]:
    """Decided statements of the 5% sample that ``user`` did not code and nobody coded twice."""
    decided = session.execute(
        select(ModerationDecision.statement_id, ModerationDecision.user_id,
               ModerationDecision.second)
        .join(Statement, Statement.id == ModerationDecision.statement_id)
        .where(Statement.campaign_id == campaign.id,
               ModerationDecision.decision.in_(("approve", "reject")))
    ).all()
    first_by = {r.statement_id: r.user_id for r in decided if not r.second}
    seconded = {r.statement_id for r in decided if r.second}
    ids = [sid for sid, who in first_by.items()
           if sid not in seconded and who != user.id and in_second_sample(campaign, sid)]
    if not ids:
        return []
    return list(session.scalars(
        select(Statement).options(_SHOWN)
        .where(Statement.id.in_(ids), Statement.status.in_(("approved",
                                                                             "rejected")))
        .order_by(Statement.id)
    ))


def decide(session: Session, campaign: Campaign, statement_id: int, decision: str,
           reason: str | None, user: User | None, actor: str | None = None,
           role: str | None = None) -> str:
    """Approve or reject a statement; returns what was recorded; does not commit.

    A waiting statement gets its first decision (a reported one: ``restore``
    or ``reject``) and its new status. A statement of the second-coding
    sample, decided by someone else, gets the blind second code instead (its
    status stays). Anything else raises :class:`ModerationError`. ``role``
    overrides the recorded role (``parley exchange moderate`` records
    ``owner``: shell access is an owner's).
    """
    if decision not in ("approve", "reject"):
        raise ModerationError("decide 'approve' or 'reject'")
    if decision == "reject" and reason not in REASONS:
        raise ModerationError(f"a rejection needs a reason: {', '.join(REASONS)}")
    if decision == "approve":
        reason = None
    statement = session.scalar(
        select(Statement).where(Statement.id == statement_id,
                                Statement.campaign_id == campaign.id,
                                Statement.participant_id.is_not(None))
    )
    if statement is None:
        raise ModerationError(f"no statement {statement_id} waits in this campaign")
    role = role or moderator_role(user)
    user_id = user.id if user is not None else None
    if statement.status in WAITING:
        recorded = "restore" if statement.status == "reported" and decision == "approve" \
            else decision
        new_status = "approved" if decision == "approve" else "rejected"
        claimed = session.execute(
            update(Statement)
            .where(Statement.id == statement.id, Statement.status == statement.status)
            .values(status=new_status, reason=reason)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:  # another moderator decided in the meantime
            raise ModerationError(f"statement {statement_id} was decided already")
        second = False
    elif _second_open(session, campaign, statement, user_id):
        recorded, second = decision, True
    else:
        raise ModerationError(f"statement {statement_id} was decided already")
    session.add(ModerationDecision(statement_id=statement.id, user_id=user_id, role=role,
                                   decision=recorded, reason=reason, second=second))
    record_audit(session, "exchange.second_code" if second else "exchange.moderate",
                 campaign=campaign, actor=actor,
                 detail=f"statement {statement.id}: {recorded}"
                        + (f" ({reason})" if reason else ""))
    session.flush()
    session.expire(statement)
    return recorded


def _second_open(session, campaign, statement, user_id) -> bool:
    if not in_second_sample(campaign, statement.id) or statement.status not in ("approved",
                                                                                  "rejected"):
        return False
    codes = session.execute(
        select(ModerationDecision.user_id, ModerationDecision.second)
        .where(ModerationDecision.statement_id == statement.id,
               ModerationDecision.decision.in_(("approve", "reject")))
    ).all()
    firsts = [c.user_id for c in codes if not c.second]
    return bool(firsts) and not any(c.second for c in codes) and user_id not in firsts \
        and user_id is not None


def report(session: Session, statement_id: int, participant_id: int, reason: str) -> bool:
    """A participant reports a card; returns True when this report put it on hold.

    Does not commit (runs in the card's transaction). One report per
    participant and statement (the database's unique key; a repeat is
    ignored by the caller's insert). At :data:`REPORTS_TO_HOLD` reports an
    approved statement becomes ``reported``: out of every pool until a
    moderator restores or rejects it.
    """
    if reason not in REPORT_REASONS:
        raise ModerationError(f"report reasons: {', '.join(REPORT_REASONS)}")
    session.add(StatementReport(statement_id=statement_id, participant_id=participant_id,
                                reason=reason, reported_at=utcnow()))
    session.flush()
    count = session.scalar(select(func.count()).select_from(StatementReport)
                           .where(StatementReport.statement_id == statement_id))
    if count < REPORTS_TO_HOLD:
        return False
    held = session.execute(
        update(Statement)
        .where(Statement.id == statement_id, Statement.status == "approved",
               Statement.participant_id.is_not(None))
        .values(status="reported")
        .execution_options(synchronize_session=False)
    ).rowcount
    if held:
        session.add(ModerationDecision(statement_id=statement_id, role="system",
                                       decision="report_hold"))
    return bool(held)
