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

With an argument exchange, the follow-up has a **feedback** step
(app.exchange.feedback: how each opinion group rated one's own argument,
the arguments that convinced both groups, actual support next to one's own
estimate). Whether it comes before the re-asked questions (first of all)
or after them (last of all, after the followup pages too, so it colours no
follow-up answer) is a randomised factor: drawn when the follow-up starts
from ``random.Random(sha256("<seed>:feedback:<public id>"))`` (a fair coin,
reproducible from the campaign's seed), stored in
``participant.feedback_order`` ("before", "after", or "none" without an
exchange) and exported in participants.csv. The feedback step stores no
answers; it is claimed like a page, so submitting it twice moves on once.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.campaigns.tokens import hash_code, new_resume_code, normalise
from app.models import Answer, Campaign, Participant, utcnow
from app.participant.operations import Outcome
from app.participant.visibility import advance, first_shown
from app.web.database import writing
from surveys import Answer as ParsedAnswer
from surveys import Page, Survey

__all__ = ["FollowupStep", "followup_steps", "FOLLOWUP_THANKS", "FOLLOWUP_FEEDBACK",
           "FEEDBACK_ORDERS", "feedback_order", "find_by_followup", "begin", "submit_followup",
           "mint_code_for"]

FOLLOWUP_THANKS = "followup:thanks"
#: The feedback step's key (no page id has a hyphen, so none can clash with it).
FOLLOWUP_FEEDBACK = "followup:feed-back"
#: Where the feedback step comes: the randomised factor's levels, and "none".
FEEDBACK_ORDERS = ("before", "after", "none")


@dataclass(frozen=True)
class FollowupStep:
    key: str
    page: Page | None = None


def followup_steps(survey: Survey, order: str | None = None) -> list[FollowupStep]:
    """The post pages, in order, then the followup pages, then the follow-up's thanks;
    with the feedback step first (``order`` "before") or last ("after"; none otherwise,
    as for a follow-up begun before there was one).

    The repeated post pages come first, so the follow-up measure of the
    "after" items is taken as at post, before any new question colours it.
    """
    pages = survey.pages_in("post") + survey.pages_in("followup")
    steps = [FollowupStep(f"followup:{p.id}", p) for p in pages]
    if order == "before":
        steps.insert(0, FollowupStep(FOLLOWUP_FEEDBACK))
    elif order == "after":
        steps.append(FollowupStep(FOLLOWUP_FEEDBACK))
    return steps + [FollowupStep(FOLLOWUP_THANKS)]


def feedback_order(campaign: Campaign, survey: Survey, participant: Participant) -> str:
    """The participant's feedback order: "none" without an exchange, else a seeded coin."""
    if survey.exchange is None:
        return "none"
    digest = hashlib.sha256(f"{campaign.seed}:feedback:{participant.public_id}".encode())
    return "before" if random.Random(digest.hexdigest()).random() < 0.5 else "after"


def mint_code_for(session: Session, participant: Participant,
                  session_hash: str | None = None) -> str:
    """A fresh follow-up code for one completer (a returning panel id, who may enter:
    app.participant.panel_resume.may_continue_followup), with the panel session it
    came with; commits."""
    code = new_resume_code()
    with writing(session):
        session.execute(
            update(Participant).where(Participant.id == participant.id)
            .values(followup_token_hash=hash_code(code), followup_session_hash=session_hash)
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


def begin(session: Session, campaign: Campaign, survey: Survey,
          participant: Participant) -> None:
    """Start the follow-up at its first step, its feedback order drawn (once; a second
    start changes nothing)."""
    order = feedback_order(campaign, survey, participant)
    now = utcnow()
    with writing(session):
        # the first page shown: one whose items display conditions all hide is skipped
        first, hidden = first_shown(session, survey, participant.id,
                                    followup_steps(survey, order), now, phase="followup")
        started = session.execute(
            update(Participant)
            .where(Participant.id == participant.id, Participant.followup_step.is_(None))
            .values(followup_step=first, followup_started_at=now, feedback_order=order)
            .execution_options(synchronize_session=False)
        ).rowcount
        if started == 1 and hidden:
            session.execute(insert(Answer), hidden)
    session.expire(participant)


def submit_followup(session: Session, survey: Survey, participant: Participant, step_key: str,
                    answers: dict[str, ParsedAnswer | None], also=None) -> Outcome:
    """Store one follow-up page (the feedback step: no answers) and move on, in one
    transaction; commits. ``also(session, now)`` writes with it (a shuffled page's order)."""
    steps = followup_steps(survey, participant.feedback_order)
    keys = [s.key for s in steps]
    if step_key not in keys or step_key == FOLLOWUP_THANKS or participant.followup_step is None:
        return Outcome.NOT_YET
    if participant.followup_step != step_key:
        done = keys.index(step_key) < keys.index(participant.followup_step)
        return Outcome.ALREADY_SAVED if done else Outcome.NOT_YET
    page = steps[keys.index(step_key)].page
    now = utcnow()
    values: dict = {}
    try:
        with writing(session):
            # the next page shown, and "not shown" rows (app/participant/visibility.py)
            next_key, hidden = advance(session, survey, participant.id, steps, step_key,
                                       answers, now, phase="followup")
            values["followup_step"] = next_key
            if next_key == FOLLOWUP_THANKS:
                values["followup_completed_at"] = now
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
                for item_id, parsed in answers.items() if parsed is not None and page is not None
            ] + hidden
            if rows:
                session.execute(insert(Answer), rows)
            if also is not None:
                also(session, now)
    except IntegrityError:
        return Outcome.ALREADY_SAVED
    session.expire(participant)
    return Outcome.SAVED
