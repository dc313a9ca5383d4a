"""Triage as a background job (``Job.kind == "triage"``, the app's job runner).

At submission a page with a statement asks for a triage job for its campaign
(:func:`request_triage`; one queued job serves every statement written
until it runs). The job triages each statement not yet triaged, oldest
first, against the statements before it (near-duplicates), and stores its
flags, risk and MinHash signature. The moderation queue and ``parley
exchange queue`` run the same function for anything still untriaged, so the
queue never waits for a worker.

Both read and score in a snapshot that takes no write lock and then store
the findings in a short write transaction (:func:`triage_pending`): on
SQLite the one write lock is held for milliseconds, not while the model
loads and runs, and no read transaction has to turn into a write.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.campaigns.surveys import SurveyChangedError, survey_for
from app.exchange.triage import Finding, triage_text
from app.models import Campaign, Job, Statement, utcnow
from app.web.database import read_snapshot, writing
from surveys import SurveyError

__all__ = ["triage_pending", "run_triage_job", "english_profanity", "warm_model"]


def english_profanity(texts: list[str]) -> list[float]:
    """``alt-profanity-check``'s probability per text (a linear model in its wheel).

    Imported here, not at the top: the model loads scikit-learn (tens of MB),
    which only a process that triages needs; web processes never do.
    """
    if not texts:
        return []
    from profanity_check import predict_prob

    return [float(p) for p in predict_prob(texts)]


def warm_model(session: Session) -> bool:
    """Load the profanity model now if an open or paused campaign has an exchange; True if so.

    For ``parley run`` with the thread job runner, in the server's parent
    before it forks its workers, which then share the loaded model; otherwise
    the first triage in each worker imports scikit-learn (about 1.3 s of CPU)
    beside that worker's requests. A campaign opened later loads it in each
    worker at its first statement.
    """
    try:
        campaigns = list(session.scalars(
            select(Campaign).where(Campaign.status.in_(("open", "paused")))))
    except SQLAlchemyError:  # no tables yet (``--no-setup`` before ``db upgrade``): serve anyway
        session.rollback()
        return False
    if not any(_has_exchange(campaign) for campaign in campaigns):
        return False
    english_profanity(["warm"])
    return True


def _has_exchange(campaign: Campaign) -> bool:
    try:
        return survey_for(campaign).exchange is not None
    except (SurveyError, SurveyChangedError, OSError):  # its own pages say what is wrong
        return False


def triage_pending(session: Session, campaign: Campaign) -> int:
    """Triage every untriaged statement of ``campaign`` now; commits; returns how many.

    Reads and scores in a snapshot that takes no write lock, then stores in a
    short write transaction of its own. On SQLite a read transaction that
    then wrote failed with "database is locked" whenever a participant had
    saved a page in between (the moderation queue's page), and one that began
    with the write lock held every save while the model loaded and ran (the
    job).
    """
    with read_snapshot(session):
        findings = _findings(session, campaign)
    if not findings:
        return 0
    with writing(session):
        return _store(session, findings)


def _findings(session: Session, campaign: Campaign) -> list[tuple[int, Finding]]:
    """What triage finds in each untriaged statement of ``campaign``, oldest first: reads only.

    Each is compared with the statements before it (its language, not rejected
    or withdrawn), including the earlier ones of this batch that are pending.
    """
    exchange = survey_for(campaign).exchange
    if exchange is None:
        return []
    todo = session.execute(
        select(Statement.id, Statement.text, Statement.language, Statement.status)
        .where(Statement.campaign_id == campaign.id, Statement.triaged_at.is_(None),
               Statement.participant_id.is_not(None))
        .order_by(Statement.id)
    ).all()
    if not todo:
        return []
    earlier = {
        (row.language, row.id): row.signature
        for row in session.execute(
            select(Statement.id, Statement.language, Statement.signature)
            .where(Statement.campaign_id == campaign.id, Statement.signature.is_not(None),
                   Statement.status.not_in(("withdrawn", "rejected")))
        )
    }
    english = [s for s in todo if s.language.split("-")[0] == "en"]
    scores = dict(zip([s.id for s in english], english_profanity([s.text for s in english]),
                      strict=True))
    findings = []
    for statement in todo:
        before = [sig for (lang, sid), sig in earlier.items()
                  if lang == statement.language and sid < statement.id]
        found = triage_text(
            statement.text, statement.language,
            limits=(exchange.min_length, exchange.max_length),
            terms=exchange.words.get(statement.language.split("-")[0], ()),
            earlier=before, profanity=scores.get(statement.id),
        )
        findings.append((statement.id, found))
        if statement.status == "pending":
            earlier[(statement.language, statement.id)] = found.signature
    return findings


def _store(session: Session, findings: list[tuple[int, Finding]]) -> int:
    """Store each finding on its statement if it is still untriaged; flushes; returns how
    many were stored (a statement triaged or deleted meanwhile is left as it is)."""
    now, stored = utcnow(), 0
    for statement_id, found in findings:
        stored += session.execute(
            update(Statement)
            .where(Statement.id == statement_id, Statement.triaged_at.is_(None))
            .values(flags=list(found.flags), risk=found.risk, signature=found.signature,
                    triaged_at=now)
        ).rowcount
    return stored


def run_triage_job(session: Session, job: Job) -> None:
    """The job runner's entry for ``kind == "triage"``; commits; failures become the message."""
    campaign = session.get(Campaign, job.campaign_id)
    job_id = job.id
    job.status, job.progress = "running", 5
    session.commit()
    try:
        count = triage_pending(session, campaign)
    except Exception as exc:  # noted on the job; the queue triages again when shown
        session.rollback()
        job = session.get(Job, job_id)
        job.status, job.message, job.finished_at = "failed", f"triage failed: {exc}"[:300], utcnow()
        session.commit()
        raise
    job = session.get(Job, job_id)
    job.status, job.progress, job.finished_at = "done", 100, utcnow()
    job.message = f"{count} statement(s) triaged"
    session.commit()
