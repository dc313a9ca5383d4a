"""Database models, one module per aggregate; import them from here."""

from app.models.answer import Answer, PageVisit
from app.models.base import Base, utcnow
from app.models.campaign import CAMPAIGN_STATUSES, Campaign
from app.models.participant import PARTICIPANT_STATUSES, Participant
from app.models.user import ROLES, AuditEvent, User

__all__ = [
    "Answer", "AuditEvent", "Base", "CAMPAIGN_STATUSES", "Campaign", "PARTICIPANT_STATUSES",
    "PageVisit", "Participant", "ROLES", "User", "utcnow",
]  # fmt: skip
