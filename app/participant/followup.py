"""The follow-up wave: completers answer the "after" items again, weeks later.

Nobody's identity is needed to link the two waves. A completer is reached by
a personal follow-up code (``parley followup links`` or the campaign's
follow-up page mints one per completer and writes the links to a CSV:
app.campaigns.followup; only the code's SHA-256 is stored), or, in a
panel campaign, by the same panel id coming back to ``/c/<slug>/followup``
(the id's keyed hash finds the participant, who then gets a fresh code). The
code is the capability: ``/c/<slug>/followup/<code>`` shows that
participant's follow-up and nobody else's, and a code from another
participant or campaign finds nothing.

The follow-up asks the survey's post pages again, in order, then the
survey's ``followup`` pages (questions of its own, such as "did you discuss
the topic with anyone since?"), with answers stored as phase ``followup``
(one row per participant x item, like every phase), each page claimed with
the same conditional UPDATE as the main journey (``followup_step = :this
-> :next``), so a double submit or a second tab stores a page once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.campaigns.tokens import hash_code, new_resume_code, normalise
from app.models import Answer, Campaign, Participant, utcnow
from app.participant.operations import Outcome
from app.web.database import writing
from surveys import Answer as ParsedAnswer
from surveys import Page, Survey

__all__ = ["FollowupStep", "followup_steps", "FOLLOWUP_THANKS", "find_by_followup", "begin",
           "submit_followup", "mint_code_for"]

FOLLOWUP_THANKS = "followup:thanks"


@dataclass(frozen=True)
class FollowupStep:
    key: str
    page: Page | None = None


def followup_steps(survey: Survey) -> list[FollowupStep]:
    """The post pages, in order, then the followup pages, then the follow-up's thanks.

    The repeated post pages come first, so the follow-up measure of the
    "after" items is taken as at post, before any new question colours it.
    """
    pages = survey.pages_in("post") + survey.pages_in("followup")
    steps = [FollowupStep(f"followup:{p.id}", p) for p in pages]
    return steps + [FollowupStep(FOLLOWUP_THANKS)]


def mint_code_for(session: Session, participant: Participant) -> str:
    """A fresh follow-up code for one completer (a returning panel id); commits."""
    code = new_resume_code()
    with writing(session):
        session.execute(
            update(Participant).where(Participant.id == participant.id)
            .values(followup_token_hash=hash_code(code))
            .execution_options(synchronize_session=False)
        )
    return code


def find_by_followup(session: Session, campaign: Campaign, code: str) -> Participant | None:
    """The completer whose follow-up code this is, in this campaign; else None."""
    if not code or len(normalise(code)) != 16:
        return None
    return session.scalar(
        select(Participant).where(Participant.campaign_id == campaign.id,
                                  Participant.status == "completed",
                                  Participant.followup_token_hash == hash_code(code))
    )


def begin(session: Session, survey: Survey, participant: Participant) -> None:
    """Start the follow-up at its first page (once; a second start changes nothing)."""
    first = followup_steps(survey)[0].key
    with writing(session):
        session.execute(
            update(Participant)
            .where(Participant.id == participant.id, Participant.followup_step.is_(None))
            .values(followup_step=first, followup_started_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    session.expire(participant)


def submit_followup(session: Session, survey: Survey, participant: Participant, step_key: str,
                    answers: dict[str, ParsedAnswer | None]) -> Outcome:
    """Store one follow-up page and move on, in one transaction; commits."""
    keys = [s.key for s in followup_steps(survey)]
    if step_key not in keys or step_key == FOLLOWUP_THANKS or participant.followup_step is None:
        return Outcome.NOT_YET
    if participant.followup_step != step_key:
        done = keys.index(step_key) < keys.index(participant.followup_step)
        return Outcome.ALREADY_SAVED if done else Outcome.NOT_YET
    page = followup_steps(survey)[keys.index(step_key)].page
    next_key = keys[keys.index(step_key) + 1]
    now = utcnow()
    values: dict = {"followup_step": next_key}
    if next_key == FOLLOWUP_THANKS:
        values["followup_completed_at"] = now
    try:
        with writing(session):
            claimed = session.execute(
                update(Participant)
                .where(Participant.id == participant.id, Participant.followup_step == step_key,
                       Participant.status == "completed")
                .values(**values)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                raise IntegrityError("claimed", None, Exception("step claimed"))
            rows = [
                {"participant_id": participant.id, "phase": "followup", "module": "",
                 "item": item_id, "value": parsed.value, "text": parsed.text,
                 "page": page.id, "answered_at": now, "seconds_on_page": None}
                for item_id, parsed in answers.items() if parsed is not None
            ]
            if rows:
                session.execute(insert(Answer), rows)
    except IntegrityError:
        return Outcome.ALREADY_SAVED
    session.expire(participant)
    return Outcome.SAVED
