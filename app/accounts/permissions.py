"""Who may do what to which campaign. Every admin view asks here.

Three roles: an **owner** may do everything on every campaign and manages
accounts; a **manager** runs the campaigns they are a member of; an
**analyst** reads the monitor, exports and reports of their campaigns and
changes nothing; a **moderator** sees only the argument exchange's moderation
queue of their campaigns (``moderate``). For anyone but an owner another campaign does not exist:
its URLs answer 404, so not even its slug leaks.

Views use :func:`campaign_for_user` (campaign URLs) or :func:`role_required`
(everything else)::

    @login_required
    def edit(slug):
        campaign = campaign_for_user(slug, "manage")
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Select, select

from app.extensions import db
from app.models import Campaign, CampaignMember, User

__all__ = ["ACTIONS", "can", "campaign_for_user", "role_required", "visible_campaigns",
           "is_member"]

#: Action on a campaign -> roles that may do it (members only, except owners).
ACTIONS = {
    # monitor, campaign page, audit rows of the campaign
    "view": {"owner", "manager", "analyst"},
    # download exports and reports
    "export": {"owner", "manager", "analyst"},
    # change status, design, preview, delete test data
    "manage": {"owner", "manager"},
    # membership, retention, deleting a participant's data
    "own": {"owner"},
    # the exchange's moderation queue: the only campaign page a moderator sees
    "moderate": {"owner", "manager", "moderator"},
}


def is_member(user: User, campaign: Campaign) -> bool:
    return (
        db.session.get(CampaignMember, {"campaign_id": campaign.id, "user_id": user.id})
        is not None
    )


def can(user: User, action: str, campaign: Campaign) -> bool:
    """True if ``user`` may do ``action`` (a key of :data:`ACTIONS`) on ``campaign``."""
    if not user.is_authenticated or not user.active:
        return False
    if user.role not in ACTIONS[action]:
        return False
    return user.role == "owner" or is_member(user, campaign)


def campaign_for_user(slug: str, action: str = "view") -> Campaign:
    """The campaign ``slug`` if the signed-in user may do ``action`` on it.

    404 when it does not exist or the user is not a member (the two look
    the same from outside), 403 when a member's role does not allow the
    action. Call it from a view under ``login_required``.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None or not current_user.is_authenticated:
        abort(404)
    if current_user.role != "owner" and not is_member(current_user, campaign):
        abort(404)
    if current_user.role not in ACTIONS[action]:
        abort(403)
    return campaign


def visible_campaigns(user: User) -> Select:
    """A query of the campaigns ``user`` may see, oldest first."""
    query = select(Campaign).order_by(Campaign.id)
    if user.role != "owner":
        query = query.join(CampaignMember, CampaignMember.campaign_id == Campaign.id).where(
            CampaignMember.user_id == user.id
        )
    return query


def role_required(*roles: str):
    """Decorator: signed in and one of ``roles``, else 403 (e.g. account pages)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
