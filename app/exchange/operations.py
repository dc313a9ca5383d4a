"""Writing and withdrawing statements; loading the survey's seeds and placebo set.

Plain functions of a session: they decide and write, the views only parse
and render. :func:`statements_from_page` runs inside the page's own
transaction (``app.participant.operations.submit_step``), so a statement is
saved with the answer it comes from, or not at all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.jobs.runner import enqueue
from app.models import (
    Answer,
    Campaign,
    Exposure,
    Job,
    Pair,
    Rating,
    Statement,
    StatementReport,
    utcnow,
)
from app.web.database import writing
from surveys import Answer as ParsedAnswer
from surveys import Source, Survey

__all__ = ["statements_from_page", "proposal_of", "withdraw_statements", "live_statements",
           "load_seeds", "forget_participant", "request_triage"]


def proposal_of(session: Session, survey: Survey, participant_id: int, source: Source,
                answers: dict[str, ParsedAnswer | None]) -> str | None:
    """The proposal a source's statement argues about, or None when it cannot be told.

    A fixed ``proposal``; else the participant's answer to ``proposal_from``:
    a ranking's last place (the proposal liked least) or a single choice's
    option, from this page, else the latest phase it was answered in.
    """
    if source.proposal is not None:
        return source.proposal
    item = survey.items[source.proposal_from]
    parsed = answers.get(item.id)
    if parsed is None:
        rows = session.execute(
            select(Answer.phase, Answer.value, Answer.text)
            .where(Answer.participant_id == participant_id, Answer.item == item.id)
        ).all()
        if not rows:
            return None
        latest = max(rows, key=lambda r: 1 if r.phase == "post" else 0)
        value, text = latest.value, latest.text
    else:
        value, text = parsed.value, parsed.text
    if item.kind.text_coding == "ranked_option_ids":
        return text.split("|")[-1] if text else None
    # (a "not shown" row's code, surveys/conditions.py, is no option: None)
    option = next((o for o in item.options if value is not None and o.code == int(value)), None)
    return option.id if option is not None else None


def statements_from_page(session: Session, campaign_id: int, survey: Survey,
                         participant_id: int, language: str,
                         answers: dict[str, ParsedAnswer | None],
                         now: datetime) -> list[int]:
    """Store a pending statement for each source item answered on this page.

    Called inside the page's transaction. A text is stored as written (its
    length and content are the triage's and the moderators' to judge); an
    empty answer, or one whose proposal cannot be told, makes no statement.
    Returns the new statements' ids (for triage).
    """
    if survey.exchange is None:
        return []
    made = []
    for source in survey.exchange.sources:
        parsed = answers.get(source.item)
        text = (parsed.text or "").strip() if parsed is not None else ""
        if not text:
            continue
        proposal = proposal_of(session, survey, participant_id, source, answers)
        if proposal is None:
            continue
        statement = Statement(
            campaign_id=campaign_id, participant_id=participant_id, language=language,
            proposal=proposal, side=source.side, source_item=source.item, text=text,
            status="pending", created_at=now,
        )
        session.add(statement)
        session.flush()
        made.append(statement.id)
    return made


def live_statements(session: Session, participant_id: int) -> list[Statement]:
    """The participant's own statements that are not withdrawn (for the thanks page)."""
    return list(session.scalars(
        select(Statement)
        .where(Statement.participant_id == participant_id, Statement.status != "withdrawn")
        .order_by(Statement.id)
    ))


def withdraw_statements(session: Session, participant_id: int) -> int:
    """Withdraw every statement of the participant; commits; returns how many.

    The text is deleted at once (a withdrawn text reaches no one and no
    export); the row stays, with status ``withdrawn``, so ratings it already
    had keep their statement id. A withdrawn statement never comes back.
    """
    with writing(session):
        return session.execute(
            update(Statement)
            .where(Statement.participant_id == participant_id,
                   Statement.status != "withdrawn")
            .values(status="withdrawn", text="", reason=None, signature=None)
            .execution_options(synchronize_session=False)
        ).rowcount


def forget_participant(session: Session, participant_id: int) -> None:
    """Delete everything of the participant's in the exchange (their data withdrawal).

    Runs inside the caller's transaction (``participant.operations.withdraw``):
    their statements (with the ratings others gave them), their ratings,
    pairwise choices, dealt cards and reports.
    """
    for model in (Rating, Pair, Exposure, StatementReport, Statement):
        session.execute(delete(model).where(model.participant_id == participant_id))


def load_seeds(session: Session, campaign: Campaign, survey: Survey) -> int:
    """Store the survey's seed and placebo statements for the campaign, once; returns how many.

    One row per statement and language, approved (the research team wrote
    them). Loading again adds only what is missing, so it is safe to call at
    every opening of the campaign.
    """
    if survey.exchange is None:
        return 0
    have = {tuple(row) for row in session.execute(
        select(Statement.seed_key, Statement.placebo, Statement.language)
        .where(Statement.campaign_id == campaign.id, Statement.seed_key.is_not(None))
    )}
    added = 0
    now = utcnow()
    for placebo, seeds in ((False, survey.exchange.seeds), (True, survey.exchange.placebo)):
        for seed in seeds:
            for lang, text in seed.text.items():
                if (seed.key, placebo, lang) in have:
                    continue
                session.add(Statement(
                    campaign_id=campaign.id, seed_key=seed.key, placebo=placebo,
                    language=lang, proposal=seed.proposal, side=seed.side, text=text,
                    status="approved", risk=0.0, flags=[], created_at=now,
                ))
                added += 1
    session.flush()
    return added


def request_triage(session: Session, campaign_id: int) -> None:
    """Ask the job runner to triage the campaign's new statements; commits.

    One queued triage job serves every statement written before it runs, so
    a burst of submissions adds one job, not one each (two racing submits
    may add two: the second finds nothing left to do).
    """
    with writing(session):
        queued = session.scalar(
            select(Job.id).where(Job.campaign_id == campaign_id, Job.kind == "triage",
                                 Job.status == "queued")
        )
        if queued is not None:
            return
        job = Job(campaign_id=campaign_id, kind="triage", fmt="-", options={},
                  requested_by="system")
        session.add(job)
        session.flush()
        job_id = job.id
    enqueue(job_id)
