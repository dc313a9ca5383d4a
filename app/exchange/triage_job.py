"""Triage as a background job (``Job.kind == "triage"``, the app's job runner).

At submission a page with a statement asks for a triage job for its campaign
(:func:`request_triage`; one queued job serves every statement written
until it runs). The job triages each statement not yet triaged, oldest
first, against the statements before it (near-duplicates), and stores its
flags, risk and MinHash signature. The moderation queue and ``parley
exchange queue`` run the same function for anything still untriaged, so the
queue never waits for a worker.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.campaigns.surveys import SurveyChangedError, survey_for
from app.exchange.triage import triage_text
from app.models import Campaign, Job, Statement, utcnow
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
    before it forks its workers, which then share the loaded model. Otherwise
    the first triage in each worker imported scikit-learn (about 1.3 s of
    CPU) beside that worker's requests: in the bench's first 10 s of page
    saves the p99 was 3.3 s, and 0.17-0.22 s once loaded (bench/RESULTS.md).
    A campaign opened later loads it in each worker at its first statement.
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
    """Triage every untriaged statement of ``campaign``; does not commit; returns how many."""
    survey = survey_for(campaign)
    exchange = survey.exchange
    if exchange is None:
        return 0
    todo = list(session.scalars(
        select(Statement)
        .where(Statement.campaign_id == campaign.id, Statement.triaged_at.is_(None),
               Statement.participant_id.is_not(None))
        .order_by(Statement.id)
    ))
    if not todo:
        return 0
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
    now = utcnow()
    for statement in todo:
        before = [sig for (lang, sid), sig in earlier.items()
                  if lang == statement.language and sid < statement.id]
        found = triage_text(
            statement.text, statement.language,
            limits=(exchange.min_length, exchange.max_length),
            terms=exchange.words.get(statement.language.split("-")[0], ()),
            earlier=before, profanity=scores.get(statement.id),
        )
        statement.flags, statement.risk = list(found.flags), found.risk
        statement.signature, statement.triaged_at = found.signature, now
        if statement.status == "pending":
            earlier[(statement.language, statement.id)] = found.signature
    session.flush()
    return len(todo)


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
