"""Decisions taken on a participant's own answers: eligibility, stratum, attention.

All pure functions of the campaign's design and the answers; the writes
that follow from them happen in app.participant.operations.submit_step, in
the same transaction that stores the page.

- **Screening** rules (``campaign.screening``) are checked when the page
  holding their item is saved. An unanswered item passes a ``deny`` rule and
  fails an ``allow`` rule ("country must be one of ..." needs an answer).
- The **gate** is the last about-you (profile) page: when it is saved,
  quota places are claimed and then, in a campaign with strata, screening
  rules or quotas, the arm is allocated (app.participant.gate), so nobody
  screened out or over quota is ever allocated to an arm.
- A **stratum** is the answers to ``campaign.strata`` joined, e.g.
  ``age_band=under_30|region=east`` (unanswered: ``age_band=``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Answer, Campaign
from app.participant.steps import journey
from surveys import Answer as ParsedAnswer
from surveys import Page, Survey

__all__ = ["choices_of", "stored_profile_choices", "fails_screening",
           "stratum_for", "gate_key", "fails_attention"]


def gate_key(survey: Survey) -> str:
    """Step key after which arm, stratum and quota places are decided."""
    profile = survey.pages_in("profile")
    if profile:
        return f"page:{profile[-1].id}"
    return journey(survey, [])[0].key


def choices_of(survey: Survey, answers: dict[str, ParsedAnswer | None]) -> dict[str, str]:
    """Single-choice answers as {item id: option id}."""
    chosen = {}
    for item_id, parsed in answers.items():
        item = survey.items[item_id]
        if item.kind.role == "screening" and parsed is not None and parsed.value is not None:
            option = next((o for o in item.options if o.code == int(parsed.value)), None)
            if option is not None:
                chosen[item_id] = option.id
    return chosen


def stored_profile_choices(session: Session, survey: Survey, participant_id: int) -> dict:
    """The participant's saved single-choice profile answers as {item id: option id}."""
    rows = session.execute(
        select(Answer.item, Answer.value).where(
            Answer.participant_id == participant_id, Answer.phase == "profile"
        )
    ).all()
    return choices_of(survey, {item: ParsedAnswer(value=value) for item, value in rows
                               if item in survey.items})


def fails_screening(campaign: Campaign, page: Page, choices: dict[str, str],
                    asked=None) -> bool:
    """True if an answer on ``page`` breaks one of the campaign's screening rules.

    ``asked``: the items the page showed (its fields); a rule on an item a
    display condition hid does not apply (the question was never asked).
    """
    for rule in campaign.screening or []:
        if rule["item"] not in page.items or (asked is not None and rule["item"] not in asked):
            continue
        answer = choices.get(rule["item"])
        if "allow" in rule and answer not in rule["allow"]:
            return True
        if "deny" in rule and answer in rule["deny"]:
            return True
    return False


def stratum_for(campaign: Campaign, choices: dict[str, str]) -> str:
    return "|".join(f"{item}={choices.get(item, '')}" for item in campaign.strata or [])


def fails_attention(campaign: Campaign, survey: Survey, answers: dict) -> bool:
    """True if the campaign ends participants on a wrong attention-check answer and this is one.

    An unanswered (optional) attention item counts as failed too.
    """
    if not campaign.end_on_failed_attention:
        return False
    for item_id, parsed in answers.items():
        item = survey.items[item_id]
        if item.kind.role == "attention" and (parsed is None or parsed.value != item.correct):
            return True
    return False
