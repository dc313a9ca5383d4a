"""What happens when a participant starts, sees, submits, resumes or withdraws.

Views call these functions and render the result; the decisions and the
writes are here. Every submit is one transaction that first *claims* the
step with a conditional UPDATE (``step = :this -> step = :next``): a double
click, a refresh, a back-button resubmit or a second tab finds the step
already claimed and stores nothing, and the unique key on answers backs this
up at the database level.

Requests read first and write last: each write below runs in
``app.database.writing``, a short transaction of its own, so on SQLite the
write lock is held only around the write (see app/database.py). What a
write decides from earlier reads it checks again in SQL (the claim).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.database import insert_ignoring_duplicates, writing
from app.models import Answer, Campaign, PageVisit, Participant, utcnow
from app.participant.allocation import allocate
from app.participant.steps import THANKS, Step, journey
from app.participant.tokens import hash_code, new_public_id, new_resume_code
from surveys import Answer as ParsedAnswer
from surveys import Survey

__all__ = [
    "Outcome", "Started", "start", "steps_of", "current_step", "record_first_view",
    "submit_step", "withdraw", "find_by_code", "set_language", "progress",
]  # fmt: skip

START_RETRIES = 8


class Outcome(enum.Enum):
    SAVED = "saved"
    ALREADY_SAVED = "already_saved"
    NOT_YET = "not_yet"


@dataclass(frozen=True)
class Started:
    participant: Participant
    resume_code: str


def start(session: Session, campaign: Campaign, survey: Survey, language: str) -> Started:
    """Create a participant with a freshly allocated arm; commits.

    Retries when a concurrent start took the same allocation slot (the
    unique key on ``(campaign, stratum, allocation_seq)`` says so).
    """
    for attempt in range(START_RETRIES):
        code = new_resume_code()
        try:
            with writing(session):
                allocation = allocate(session, campaign, survey)
                first = journey(survey, allocation.modules)[0]
                participant = Participant(
                    public_id=new_public_id(),
                    campaign_id=campaign.id,
                    arm=allocation.arm,
                    module_order="|".join(allocation.modules),
                    language=language,
                    step=first.key,
                    allocation_seq=allocation.seq,
                    replaces_id=allocation.replaces_id,
                    resume_token_hash=hash_code(code),
                )
                session.add(participant)
            return Started(participant, code)
        except IntegrityError:
            if attempt == START_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def steps_of(survey: Survey, participant: Participant) -> list[Step]:
    return journey(survey, participant.modules)


def current_step(survey: Survey, participant: Participant) -> Step:
    return next(s for s in steps_of(survey, participant) if s.key == participant.step)


def progress(survey: Survey, participant: Participant) -> tuple[int, int]:
    """(steps done, steps in all), for the progress indicator."""
    keys = [s.key for s in steps_of(survey, participant)]
    return keys.index(participant.step), len(keys) - 1


def record_first_view(session: Session, participant: Participant, step: Step) -> None:
    """Note when a step was first shown (server time); later views write nothing.

    A reload or a second tab finds the visit and only reads. The insert
    ignores a visit that a concurrent request recorded first, so the
    earlier time is kept. ``last_seen_at`` moves at each submit, not here.
    """
    seen = session.scalar(
        select(PageVisit.id).where(
            PageVisit.participant_id == participant.id, PageVisit.step == step.key
        )
    )
    if seen is not None:
        return
    with writing(session):
        session.execute(
            insert_ignoring_duplicates(session, PageVisit.__table__).values(
                participant_id=participant.id, step=step.key, shown_at=utcnow()
            )
        )


def submit_step(
    session: Session,
    survey: Survey,
    participant: Participant,
    step_key: str,
    answers: dict[str, ParsedAnswer | None],
) -> Outcome:
    """Store the answers of ``step_key`` and move on, all in one transaction; commits.

    Returns ALREADY_SAVED (nothing stored) if the step was submitted before,
    NOT_YET if the participant has not reached it.
    """
    keys = [s.key for s in steps_of(survey, participant)]
    if step_key not in keys:
        return Outcome.NOT_YET
    if participant.step != step_key:
        done = keys.index(step_key) < keys.index(participant.step)
        return Outcome.ALREADY_SAVED if done else Outcome.NOT_YET
    step = next(s for s in steps_of(survey, participant) if s.key == step_key)
    next_key = keys[keys.index(step_key) + 1]
    now = utcnow()
    claim = {"step": next_key, "last_seen_at": now}
    if next_key == THANKS:
        claim.update(status="completed", completed_at=now)
    try:
        with writing(session):
            claimed = session.execute(
                update(Participant)
                .where(Participant.id == participant.id, Participant.step == step_key)
                .where(Participant.status == "started")
                .values(**claim)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                raise _AlreadyClaimedError
            shown_at = session.scalar(
                update(PageVisit)
                .where(PageVisit.participant_id == participant.id, PageVisit.step == step_key)
                .values(submitted_at=now)
                .returning(PageVisit.shown_at)
                .execution_options(synchronize_session=False)
            )
            seconds = round((now - shown_at).total_seconds(), 3) if shown_at else None
            rows = [
                {
                    "participant_id": participant.id,
                    "phase": step.phase,
                    "module": step.module,
                    "item": item_id,
                    "value": parsed.value,
                    "text": parsed.text,
                    "page": step.page.id if step.page else step_key,
                    "answered_at": now,
                    "seconds_on_page": seconds,
                }
                for item_id, parsed in answers.items()
                if parsed is not None
            ]
            if rows:
                session.execute(insert(Answer), rows)
    except (_AlreadyClaimedError, IntegrityError):
        return Outcome.ALREADY_SAVED
    # The UPDATE bypassed the loaded object: let it reload if anyone looks.
    session.expire(participant, ["step", "status", "last_seen_at", "completed_at"])
    return Outcome.SAVED


class _AlreadyClaimedError(Exception):
    """Another request claimed the step first: roll back, store nothing."""


def withdraw(session: Session, participant: Participant) -> None:
    """Delete every answer and page time; keep a tombstone row for arm balance; commits."""
    with writing(session):
        session.execute(delete(Answer).where(Answer.participant_id == participant.id))
        session.execute(delete(PageVisit).where(PageVisit.participant_id == participant.id))
        participant.status = "withdrawn"
        participant.withdrawn_at = utcnow()
        participant.resume_token_hash = None


def find_by_code(session: Session, campaign: Campaign, code: str) -> Participant | None:
    if not code:
        return None
    return session.scalar(
        select(Participant).where(
            Participant.campaign_id == campaign.id,
            Participant.resume_token_hash == hash_code(code),
        )
    )


def set_language(session: Session, participant: Participant, language: str) -> None:
    with writing(session):
        participant.language = language
