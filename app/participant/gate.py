"""The gate: what is decided when the last about-you page is saved.

Screening rules come first (app.participant.screening), then the places in
quotas on about-you answers, then the arm, then the places in quotas that
name an arm, all in the transaction that saves the page
(app.participant.operations.submit_step). So a participant screened out or
over quota is never allocated to an arm (issue 19, 3).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.campaigns.allocation import Allocation, allocate
from app.models import Campaign, Participant
from app.participant.quotas import claim_places, matching_quotas
from app.participant.screening import stratum_for
from surveys import Survey

__all__ = ["allocates_at_gate", "pass_gate"]


def allocates_at_gate(campaign: Campaign) -> bool:
    """Whether the arm waits for the gate (strata, screening rules or quotas decide there)."""
    return bool(campaign.strata or campaign.screening or campaign.quotas)


def pass_gate(session: Session, campaign: Campaign, survey: Survey, participant: Participant,
              choices: dict[str, str], counts: bool) -> tuple[Allocation | None, bool]:
    """Quota places first, then the arm: ``(allocation to record or None, admitted)``.

    Call in the transaction that saves the gate page, after the screening
    rules passed; ``choices`` are the participant's about-you answers and
    ``counts`` is False for a test participant.

    A participant over quota never sees a treatment, so they are never
    allocated to an arm (issue 19, 3). Places in quotas on about-you answers
    are claimed before the arm is drawn; a full one ends the journey with no
    allocation at all. A quota that names an arm can only be claimed after
    the draw: when it is full the drawn slot stays used (so the sequence
    moves on and the next participant is not sent to the same full arm) but
    the participant's arm stays empty. Test participants (previews) claim no
    places. A participant allocated at start (a campaign without strata,
    screening or quotas, or one started before this rule) keeps their arm.
    """
    quotas = matching_quotas(session, campaign, choices, participant.arm) if counts else []
    if not claim_places(session, campaign, participant.id,
                        [q for q in quotas if "arm" not in q.conditions]):
        return None, False
    if participant.allocated:
        arm_quotas = [q for q in quotas if "arm" in q.conditions]
        return None, claim_places(session, campaign, participant.id, arm_quotas)
    drawn = allocate(session, campaign, survey, stratum_for(campaign, choices))
    arm_quotas = [q for q in matching_quotas(session, campaign, choices, drawn.arm)
                  if "arm" in q.conditions] if counts else []
    if not claim_places(session, campaign, participant.id, arm_quotas):
        return Allocation("", [], drawn.seq, drawn.replaces_id), False
    return drawn, True
