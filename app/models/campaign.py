"""A campaign: one fielding of one pinned survey version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, object_session

from app.models.base import Base, UTCDateTime, utcnow

__all__ = ["Campaign", "CAMPAIGN_STATUSES", "ACCESS_MODES"]

CAMPAIGN_STATUSES = ("draft", "open", "paused", "closed", "archived")
#: How participants get in (docs/fielding.md): an open link, single-use invite
#: codes, or a panel link carrying an external id (Prolific, MTurk, any panel).
ACCESS_MODES = ("open", "invite", "prolific", "mturk", "panel")


class Campaign(Base):
    __tablename__ = "campaign"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'open', 'paused', 'closed', 'archived')", name="status"
        ),
        CheckConstraint("block_size > 0", name="block_size_positive"),
        CheckConstraint(
            "access IN ('open', 'invite', 'prolific', 'mturk', 'panel')", name="access"
        ),
        CheckConstraint(
            "followup_status IN ('none', 'open', 'closed')", name="followup_status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Appears in participant links: /c/<slug>/
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    #: Survey folder: a name under the shipped surveys/ folder, or an absolute path.
    survey_path: Mapped[str] = mapped_column(String(500))
    survey_id: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of the survey files when the campaign was created; pinned.
    survey_version: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Secret seed of the permuted-block allocation (hex); with it the arms are reproducible.
    seed: Mapped[str] = mapped_column(String(64))
    #: Allocation block length: a multiple of the sum of arm weights.
    block_size: Mapped[int]
    #: Give the arm of a participant who dropped out to the next new participant.
    rebalance_dropouts: Mapped[bool] = mapped_column(default=False)
    #: Minutes without activity after which a started participant counts as dropped out.
    abandon_after_minutes: Mapped[int] = mapped_column(default=120)
    #: Languages offered (a subset of the survey's, the first is the default).
    languages: Mapped[list[str]] = mapped_column(JSON)
    #: Completed participants needed before the thanks page shows results.
    results_min_completed: Mapped[int] = mapped_column(default=30)
    #: Show running results on the thanks page (opt-in: they can contaminate a
    #: follow-up wave or estimate items and give the design away; issue 19, 5).
    show_results: Mapped[bool] = mapped_column(default=False, server_default="0")
    #: The survey's codebook at creation (docs/export-format.md), so exports never
    #: depend on the survey files still being there or unchanged.
    #: Deferred: it is large (180 KB for the flagship) and only exports read it,
    #: never a participant page.
    codebook: Mapped[dict] = mapped_column(JSON, deferred=True)
    #: The survey's files as they were when the campaign was created ({relative
    #: path: base64}); the campaign is served from this copy (app.campaigns.
    #: survey_copy). Deferred: only loading the survey reads it.
    survey_files: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    #: Allocation ratio per arm id (0 leaves an arm out), or null for the
    #: survey's own arm weights. Set in the designer while the campaign is a draft.
    arm_weights: Mapped[dict[str, int] | None] = mapped_column(JSON)
    #: Pre-registered primary items and their correction family, or null.
    preregistration: Mapped[dict | None] = mapped_column(JSON)
    #: The analysis plan (the survey folder's plan.toml) as it was when the
    #: campaign opened, and its SHA-256: the export carries both, so the report
    #: can show the plan predates the data (docs/analysis.md, "Analysis plan").
    plan_text: Mapped[str | None] = mapped_column(Text)
    plan_sha256: Mapped[str | None] = mapped_column(String(64))
    #: Days after closing that answers are kept; ``parley purge`` deletes them
    #: afterwards (docs/retention.md). Null: kept until someone decides.
    retention_days: Mapped[int | None]
    #: When ``parley purge`` last deleted this campaign's expired data.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    #: Raised by one on every ORM update of the row (see ``_bump_revision``), so
    #: each process can keep the campaign cached and see any change at its next
    #: request by reading this one number (app/campaigns/cache.py).
    revision: Mapped[int] = mapped_column(default=1, server_default="1")
    # --- study design (validated and changed by app.campaigns.design) -------
    #: Access mode, one of ACCESS_MODES.
    access: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    #: Panel link settings for access "panel" (generic preset): {"id_param": name,
    #: "redirect": URL template with {code} and {id}}; null for the other modes.
    panel: Mapped[dict | None] = mapped_column(JSON)
    #: Per outcome (completed, screened_out, over_quota, failed_attention, declined):
    #: {"code": completion code or null, "redirect": URL template or null}.
    completion: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Eligibility rules on profile answers: [{"item": id, "allow"|"deny": [option ids]}].
    screening: Mapped[list] = mapped_column(JSON, default=list)
    #: Quotas: [{"name": str, "cap": int, "conditions": {item id or "arm": value}}].
    quotas: Mapped[list] = mapped_column(JSON, default=list)
    #: Profile items whose answers form the randomisation strata ([] = not stratified).
    strata: Mapped[list] = mapped_column(JSON, default=list)
    #: End the survey (outcome failed_attention) for a wrong attention-check answer.
    end_on_failed_attention: Mapped[bool] = mapped_column(default=False, server_default="0")
    #: Schedule: an open campaign takes participants only between these times.
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Completed participants wanted; the campaign stops taking new ones once reached.
    target_n: Mapped[int | None]
    #: Follow-up wave: "none" (never opened), "open" or "closed".
    followup_status: Mapped[str] = mapped_column(
        String(16), default="none", server_default="none"
    )

    @property
    def is_open(self) -> bool:
        """Taking participants now: status open and inside the schedule, if any."""
        if self.status != "open":
            return False
        now = utcnow()
        return (self.opens_at is None or now >= self.opens_at) and (
            self.closes_at is None or now < self.closes_at
        )


@event.listens_for(Campaign, "before_update")
def _bump_revision(_mapper, _connection, target: Campaign) -> None:
    """Every ORM update of a campaign raises its revision, atomically in SQL.

    ``revision + 1`` is computed by the database, so two concurrent updates
    give two different revisions. A Core ``update(Campaign)`` bypasses this
    event: such code must set ``revision=Campaign.revision + 1`` itself.
    """
    session = object_session(target)
    if session is None or session.is_modified(target, include_collections=False):
        target.revision = Campaign.revision + 1
