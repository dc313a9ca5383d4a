"""Writing the audit trail: one function every feature calls."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Session

from app.cli_support import acting_user
from app.models import AuditEvent, Campaign

__all__ = ["record_audit"]


def record_audit(
    session: Session,
    action: str,
    *,
    campaign: Campaign | None = None,
    detail: str | None = None,
    actor: str | None = None,
    remote_addr: str | None = None,
) -> AuditEvent:
    """Add one audit row to ``session`` (the caller commits with its own change).

    ``actor`` and ``remote_addr`` default to the signed-in user and the
    client address inside a request, and to ``cli:<os user>`` outside one.
    Written in the same transaction as the change it records, so a change
    is never without its record nor a record without its change.
    """
    if actor is None:
        if has_request_context() and current_user.is_authenticated:
            actor = current_user.email
        elif has_request_context():
            actor = "anonymous"
        else:
            actor = acting_user()
    if remote_addr is None and has_request_context():
        remote_addr = request.remote_addr
    event = AuditEvent(
        actor=actor[:254],
        action=action,
        campaign_id=campaign.id if campaign is not None else None,
        campaign_slug=campaign.slug if campaign is not None else None,
        remote_addr=remote_addr,
        detail=detail,
    )
    session.add(event)
    return event
