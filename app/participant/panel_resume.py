"""A panel id alone resumes only a participant who has not saved a page yet.

Panel ids are not secrets: the panel and the research team see them, and
they travel in links. So once a participant has saved a page, opening the
panel link in a browser that does not hold their resume cookie continues
them only with proof that it is them: the panel's session id for this
participant (Prolific's ``SESSION_ID``, MTurk's ``assignmentId``), which the
panel puts in the link it shows that person only and which Parley stored
(keyed hash) when they started; or their resume code, typed on the resume
page, which sets the cookie. Before the first save there is nothing to
take over, and the id alone starts or resumes them (a lost tab, a second
device). Without proof the page says how to continue; the participant's
own cookie keeps working (it is not replaced).

The follow-up wave follows the same rule (:func:`may_continue_followup`):
a panel id alone enters a completer's follow-up only until a follow-up page
is saved; then the panel session id that entered it is needed (a follow-up
study on the panel gives each person a session id of its own), or the
follow-up code in the link the participant was sent on to. Without it an
id alone could answer, or restart with a fresh code, someone else's
follow-up.
"""

from __future__ import annotations

import hmac

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.campaigns.panel import EXTERNAL_ID_RE, hash_external_id
from app.models import Campaign, PageVisit, Participant

__all__ = ["SESSION_PARAMS", "ResumeNeedsProofError", "panel_session_hash", "may_continue",
           "check_may_continue", "may_continue_followup"]

#: The parameter of each panel preset that names this person's session.
SESSION_PARAMS = {"prolific": "SESSION_ID", "mturk": "assignmentId"}


class ResumeNeedsProofError(Exception):
    """A panel id alone tried to continue a participant who has saved a page."""


def panel_session_hash(campaign: Campaign, values) -> str | None:
    """The keyed hash of the panel session id in ``values`` (link or form), or None."""
    param = SESSION_PARAMS.get(campaign.access)
    value = (values.get(param) or "").strip() if param else ""
    if not EXTERNAL_ID_RE.match(value):
        return None
    return hash_external_id(campaign, f"session:{value}")


def may_continue(session: Session, participant: Participant, session_hash: str | None) -> bool:
    """Whether a panel link (no resume cookie) may continue ``participant``."""
    saved = session.scalar(select(exists().where(
        PageVisit.participant_id == participant.id, PageVisit.submitted_at.is_not(None))))
    if not saved:
        return True
    stored = participant.panel_session_hash
    return bool(stored and session_hash and hmac.compare_digest(stored, session_hash))


def check_may_continue(session: Session, participant: Participant,
                       session_hash: str | None) -> None:
    """Raise ResumeNeedsProofError unless :func:`may_continue`."""
    if not may_continue(session, participant, session_hash):
        raise ResumeNeedsProofError


def may_continue_followup(participant: Participant, first_step: str,
                          session_hash: str | None) -> bool:
    """Whether a panel link may enter ``participant``'s follow-up (``first_step`` is its
    first page's key: the follow-up is begun there but nothing is saved yet)."""
    if participant.followup_step in (None, first_step):
        return True
    stored = participant.followup_session_hash
    return bool(stored and session_hash and hmac.compare_digest(stored, session_hash))
