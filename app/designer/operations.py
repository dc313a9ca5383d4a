"""Create a campaign from a survey the server knows.

Changing a draft's design is :func:`app.campaigns.operations.update_design`
(one validated operation for the browser, the CLI and the tests); this
module only adds what the browser needs around it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.accounts.operations import add_member
from app.campaigns.operations import create_campaign
from app.designer.registry import KnownSurvey
from app.models import Campaign, User

__all__ = ["create_from_known"]


def create_from_known(
    session: Session, known: KnownSurvey, *, slug: str, user: User, title: str | None = None
) -> Campaign:
    """A draft campaign on a survey of the registry (shipped or uploaded); does not commit.

    A manager who creates a campaign becomes its member, or they could not
    see what they just made (owners see every campaign anyway).
    """
    campaign = create_campaign(
        session, slug=slug, survey_folder=known.folder, actor=user.email, title=title or None
    )
    if user.role != "owner":
        add_member(session, campaign, user)
    return campaign
