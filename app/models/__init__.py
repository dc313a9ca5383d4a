"""Database models, one module per aggregate; import them from here."""

from app.models.answer import Answer, PageVisit
from app.models.arrival import Arrival
from app.models.audit import AuditEvent
from app.models.base import Base, utcnow
from app.models.campaign import ACCESS_MODES, CAMPAIGN_STATUSES, Campaign
from app.models.display_order import DisplayOrder
from app.models.exchange import (
    REASONS,
    REPORT_REASONS,
    Exposure,
    FrozenMember,
    FrozenSet,
    ModerationDecision,
    Pair,
    Rating,
    Statement,
    StatementReport,
)
from app.models.fielding import Invite, Quota, QuotaClaim
from app.models.job import JOB_KINDS, JOB_STATUSES, Job, JobFileChunk
from app.models.participant import OUTCOMES, PARTICIPANT_STATUSES, Participant
from app.models.upload import UploadedSurvey
from app.models.user import ROLES, AccountToken, CampaignMember, User

__all__ = [
    "ACCESS_MODES", "AccountToken", "Answer", "Arrival", "AuditEvent", "Base", "CAMPAIGN_STATUSES",
    "Campaign", "CampaignMember", "DisplayOrder", "Exposure", "FrozenMember", "FrozenSet",
    "Invite", "JOB_KINDS", "JOB_STATUSES", "Job", "JobFileChunk", "ModerationDecision", "OUTCOMES",
    "PARTICIPANT_STATUSES", "PageVisit", "Pair", "Participant", "Quota", "QuotaClaim", "REASONS",
    "REPORT_REASONS", "ROLES", "Rating", "Statement", "StatementReport", "UploadedSurvey", "User",
    "utcnow",
]
