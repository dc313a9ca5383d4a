"""What happens when a participant starts, sees, submits, resumes or withdraws.

Views call these functions and render the result; the decisions and the
writes are here. Every submit is one transaction that first *claims* the
step with a conditional UPDATE (``step = :this -> step = :next``): a double
click, a refresh, a back-button resubmit or a second tab finds the step
already claimed and stores nothing, and the unique key on answers backs this
up at the database level.

Requests read first and write last: each write below runs in
``app.web.database.writing``, a short transaction of its own, so on SQLite the
write lock is held only around the write (see app/web/database.py). What a
write decides from earlier reads it checks again in SQL (the claim).
"""

from __future__ import annotations

import enum

from sqlalchemy import Insert, Update, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.campaigns.tokens import hash_code
from app.exchange.cards import deal
from app.exchange.operations import forget_participant, request_triage, statements_from_page
from app.models import Answer, Campaign, PageVisit, Participant, utcnow
from app.participant.gate import pass_gate
from app.participant.quotas import fill_places, matching_quotas, release_places
from app.participant.screening import (
    choices_of,
    fails_attention,
    fails_screening,
    gate_key,
    stored_profile_choices,
    stratum_for,
)
from app.participant.starting import START_RETRIES
from app.participant.steps import THANKS, Step, exchange_step, journey
from app.participant.visibility import advance, passed
from app.retention.erasure import erase_links, remove_campaign_files
from app.web.database import insert_ignoring_duplicates, writing
from surveys import Answer as ParsedAnswer
from surveys import Survey

__all__ = ["Outcome", "steps_of", "current_step", "record_first_view", "submit_step",
           "withdraw", "find_by_code", "set_language", "progress", "step_was_saved"]

class Outcome(enum.Enum):
    SAVED = "saved"
    ALREADY_SAVED = "already_saved"
    NOT_YET = "not_yet"


def steps_of(survey: Survey, participant: Participant) -> list[Step]:
    return journey(survey, participant.modules, exchange_step(survey, participant.arm))


def current_step(survey: Survey, participant: Participant) -> Step:
    return next(s for s in steps_of(survey, participant) if s.key == participant.step)


def progress(survey: Survey, participant: Participant) -> tuple[int, int]:
    """(steps done, steps in all), for the progress indicator."""
    keys = [s.key for s in steps_of(survey, participant)]
    return keys.index(participant.step), len(keys) - 1


def record_first_view(session: Session, participant: Participant, step: Step) -> None:
    """Note when a step was first shown (server time); later views write nothing.

    A reload or a second tab finds the visit and only reads; so does the GET
    after a save, whose submit recorded the visit (:func:`submit_step`). The
    insert ignores a visit that a concurrent request recorded first, so the
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
        _insert_first_view(session, participant.id, step.key, utcnow())


_FIRST_VIEW: dict[str, Insert] = {}


def _insert_first_view(session: Session, participant_id: int, step_key: str, now) -> None:
    """Record ``step_key``'s first view at ``now`` unless one is recorded already."""
    dialect = session.get_bind().dialect.name
    statement = _FIRST_VIEW.get(dialect)
    if statement is None:
        statement = _FIRST_VIEW[dialect] = insert_ignoring_duplicates(session, PageVisit.__table__)
    values = {"participant_id": participant_id, "step": step_key, "shown_at": now}
    session.execute(statement, values)


def submit_step(
    session: Session,
    survey: Survey,
    participant: Participant,
    step_key: str,
    answers: dict[str, ParsedAnswer | None],
    campaign: Campaign | None = None,
    also=None,
) -> Outcome:
    """Store the answers of ``step_key`` and move on, all in one transaction; commits.

    The same transaction takes every decision the answers lead to, so a
    page and its consequences are saved together or not at all:

    - a screening rule broken on this page ends the journey (``screened_out``);
    - at the gate (the last about-you page) the participant claims a place
      in each quota they fall under (full: ``over_quota``) and only then is
      allocated an arm (see :func:`_pass_gate`);
    - a wrong attention-check answer ends it when the campaign says so
      (``failed_attention``);
    - the last page fills the held quota places (``completed``);
    - a journey that goes on records the next page's first view (the
      redirect to it leaves now), so the GET that follows only reads: one
      write transaction per page instead of two.

    An ended participant keeps their answers, gets status ``screened_out``
    with the reason in ``outcome``, and goes to the thanks page.

    ``also(session, now)``, when given, writes in the same transaction after
    the claim (a card's rating, app/exchange/cards.py); the step before the
    first card deals the participant's cards.

    Returns ALREADY_SAVED (nothing stored) if the step was submitted before,
    NOT_YET if the participant has not reached it.
    """
    if campaign is None:
        campaign = session.get(Campaign, participant.campaign_id)
    for _attempt in range(START_RETRIES):
        outcome = _submit_once(session, campaign, survey, participant, step_key, answers, also)
        if outcome is not None:
            return outcome
        session.expire(participant)
    return Outcome.ALREADY_SAVED


def _submit_once(session, campaign, survey, participant, step_key, answers,
                 also=None) -> Outcome | None:
    """One attempt of submit_step; None means "retry" (an allocation slot was taken)."""
    keys = [s.key for s in steps_of(survey, participant)]
    if step_key not in keys:
        return Outcome.NOT_YET
    if participant.step != step_key:
        done = keys.index(step_key) < keys.index(participant.step)
        return Outcome.ALREADY_SAVED if done else Outcome.NOT_YET
    step = next(s for s in steps_of(survey, participant) if s.key == step_key)
    counts, now = not participant.is_test, utcnow()  # test runs (previews) hold no quota places
    written: list[int] = []
    try:
        with writing(session):
            claim: dict = {"last_seen_at": now}
            ending = None
            modules, arm = participant.modules, participant.arm
            choices = choices_of(survey, answers) if step.phase == "profile" else {}
            if step.page is not None and fails_screening(campaign, step.page, choices, answers):
                ending = "screened_out"
            if ending is None and gate_key(survey) in passed(session, survey, participant.id,
                    steps_of(survey, participant), step_key, answers, now):  # or skipped past
                choices = {**stored_profile_choices(session, survey, participant.id), **choices}
                drawn, admitted = pass_gate(session, campaign, survey, participant, choices,
                                             counts)
                if not admitted:
                    ending = "over_quota"
                if drawn is not None:
                    modules, arm = drawn.modules, drawn.arm
                    claim.update(arm=arm, module_order="|".join(modules),
                                 stratum=stratum_for(campaign, choices),
                                 allocation_seq=drawn.seq,
                                 replaces_id=drawn.replaces_id)
            if ending is None and fails_attention(campaign, survey, answers):
                ending = "failed_attention"
            next_key, hidden = advance(session, survey, participant.id, journey(
                survey, modules, exchange_step(survey, arm)), step_key, answers, now, not ending)
            if ending is not None:
                claim.update(step=THANKS, status="screened_out", outcome=ending)
            else:
                claim["step"] = next_key
                if next_key == THANKS:
                    claim.update(status="completed", completed_at=now, outcome="completed")
            claimed = session.execute(
                _claim_statement(frozenset(claim)),
                {"pid": participant.id, "this_step": step_key,
                 **{f"new_{key}": value for key, value in claim.items()}},
            ).rowcount
            if claimed != 1:
                raise _AlreadyClaimedError
            _store_answers(session, participant, step, step_key, answers, now, hidden)
            if also is not None:
                also(session, now)
            if next_key == "card:1" and ending is None:
                deal(session, campaign, survey, participant, exchange_step(survey, arm), now)
            if survey.exchange is not None and step.phase == "post":
                written = statements_from_page(session, campaign.id, survey, participant.id,
                                               participant.language, answers, now)
            if ending is not None:
                release_places(session, participant.id)
            elif counts and next_key == THANKS:
                choices = stored_profile_choices(session, survey, participant.id)
                quotas = matching_quotas(session, campaign, choices, arm)
                if not fill_places(session, campaign, participant.id, quotas):
                    _end(session, participant.id, "over_quota")
                    release_places(session, participant.id)
            if ending is None and next_key != THANKS:
                _insert_first_view(session, participant.id, next_key, now)
    except _AlreadyClaimedError:
        return Outcome.ALREADY_SAVED
    except IntegrityError:
        # A duplicate answer (the step was saved after all) or an allocation
        # slot a concurrent submit took: only the second is worth a retry.
        fresh = session.scalar(select(Participant.step).where(Participant.id == participant.id))
        return None if fresh == step_key else Outcome.ALREADY_SAVED
    # The UPDATE bypassed the loaded object: let it reload if anyone looks.
    session.expire(participant)
    if written:
        request_triage(session, campaign.id)
    return Outcome.SAVED


def step_was_saved(session: Session, participant_id: int, step_key: str) -> bool:
    """Whether ``step_key`` is behind the participant now (read afresh).

    For a submit whose COMMIT failed on a lost connection: the server may have
    committed before the connection died. The claim and the answers are one
    transaction, so the step having moved on means the whole page is stored.
    """
    session.rollback()
    current = session.scalar(select(Participant.step).where(Participant.id == participant_id))
    return current is not None and current != step_key


# The statements of a page save, built once (Core, on the tables): building
# them per request, and the ORM's bulk-DML layer they went through, cost more
# than the rest of the transaction. They bypass the session's objects as
# before; submit_step expires the participant afterwards.
_PARTICIPANT = Participant.__table__
_VISIT = PageVisit.__table__
_ANSWERS = insert(Answer.__table__)
_VISIT_SUBMITTED = (
    update(_VISIT)
    .where(_VISIT.c.participant_id == bindparam("pid"), _VISIT.c.step == bindparam("this_step"))
    .values(submitted_at=bindparam("now"))
    .returning(_VISIT.c.shown_at)
)
_CLAIMS: dict[frozenset, Update] = {}


def _claim_statement(columns: frozenset) -> Update:
    """The claim ``UPDATE participant SET <columns> WHERE id, step, started``, once per set."""
    statement = _CLAIMS.get(columns)
    if statement is None:
        statement = _CLAIMS[columns] = (
            update(_PARTICIPANT)
            .where(_PARTICIPANT.c.id == bindparam("pid"),
                   _PARTICIPANT.c.step == bindparam("this_step"),
                   _PARTICIPANT.c.status == "started")
            .values({name: bindparam(f"new_{name}") for name in sorted(columns)})
        )
    return statement


def _store_answers(session, participant, step, step_key, answers, now, hidden=()) -> None:
    """The page's answers, and a "not shown" row per hidden item (app/participant/visibility)."""
    shown_at = session.execute(
        _VISIT_SUBMITTED, {"pid": participant.id, "this_step": step_key, "now": now}
    ).scalar()
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
    ] + list(hidden)
    if rows:
        session.execute(_ANSWERS, rows)


def _end(session: Session, participant_id: int, outcome: str) -> None:
    """End a journey that was going on: screened out for ``outcome``, answers kept."""
    session.execute(
        update(Participant)
        .where(Participant.id == participant_id)
        .values(status="screened_out", outcome=outcome, step=THANKS, completed_at=None)
        .execution_options(synchronize_session=False)
    )


class _AlreadyClaimedError(Exception):
    """Another request claimed the step first: roll back, store nothing."""


def withdraw(session: Session, participant: Participant) -> None:
    """Delete every answer and page time; keep a tombstone row for arm balance; commits.

    Exchange texts and ratings go (``exchange.operations.forget_participant``),
    quota places are given back, and the stratum, invite link and the
    campaign's export files go (``app.retention.erasure``). The panel id's
    keyed hash stays, so the same id cannot start again (it sees it withdrew).
    """
    with writing(session):
        release_places(session, participant.id, filled_too=True)
        session.execute(delete(Answer).where(Answer.participant_id == participant.id))
        session.execute(delete(PageVisit).where(PageVisit.participant_id == participant.id))
        forget_participant(session, participant.id)
        erase_links(session, select(Participant.id).where(Participant.id == participant.id))
        remove_campaign_files(session, participant.campaign_id)
        participant.status = "withdrawn"
        participant.withdrawn_at = utcnow()
        participant.resume_token_hash = participant.followup_token_hash = None
        participant.panel_session_hash = participant.followup_session_hash = None
        participant.stratum, participant.allocation_seq = "", None


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
