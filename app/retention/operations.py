"""Deleting participant data: by retention period (``parley purge``) or on request.

What goes: every answer (free text and about-you answers included), every
page time, the hashes that could link a row back to a person or a panel
account (resume code, follow-up code, external id), the randomisation
stratum, quota claims, invite-code links and exchange data
(``app.retention.erasure``), and any export or report file of the campaign,
finished or left partial by a killed job. What stays: one anonymous row per
participant (random id, arm, language, status, timestamps), so the
campaign's counts and arm balance still add up, and the audit trail, which
records what was deleted and by whom.

A campaign's data expire ``retention_days`` after it was closed; a campaign
that is open, or has no retention period, is never purged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from analysis.contract import items_where
from app.audit import record_audit
from app.models import Answer, Campaign, Invite, PageVisit, Participant, QuotaClaim, utcnow
from app.participant.quotas import release_places
from app.retention.erasure import erase_links, flush_deleted, job_folders, remove_campaign_files

__all__ = ["PurgeCount", "expired_campaigns", "count_data", "purge", "set_retention",
           "delete_participant_data", "find_participant", "RetentionError"]


class RetentionError(ValueError):
    """A retention operation was refused; the message says why."""


@dataclass(frozen=True)
class PurgeCount:
    """What a purge deletes (or, in a dry run, would delete) from one campaign."""

    slug: str
    answers: int
    free_text: int
    about_you: int
    page_times: int
    external_ids: int
    codes: int
    files: int
    #: Strata, quota claims and invite links (``app.retention.erasure``).
    links: int = 0

    def describe(self) -> str:
        links = f", {self.links} strata and quota/invite links" if self.links else ""
        return (f"{self.answers} answers ({self.free_text} free text, {self.about_you} "
                f"about-you), {self.page_times} page times, {self.external_ids} external-id "
                f"hashes, {self.codes} resume/follow-up code hashes, "
                f"{self.files} export/report files{links}")

    @property
    def empty(self) -> bool:
        return not (self.answers or self.page_times or self.external_ids or self.codes
                    or self.files or self.links)


def set_retention(session: Session, campaign: Campaign, days: int | None) -> None:
    if days is not None and days < 0:
        raise RetentionError("a retention period is 0 or more days")
    previous, campaign.retention_days = campaign.retention_days, days
    record_audit(session, "campaign.retention", campaign=campaign,
                 detail=f"{_days(previous)} -> {_days(days)}")


def _days(days: int | None) -> str:
    return "no period" if days is None else f"{days} days"


def expires_at(campaign: Campaign) -> datetime | None:
    if campaign.retention_days is None or campaign.closed_at is None:
        return None
    if campaign.status not in ("closed", "archived"):
        return None
    return campaign.closed_at + timedelta(days=campaign.retention_days)


def expired_campaigns(session: Session, now: datetime | None = None) -> list[Campaign]:
    now = now or utcnow()
    candidates = session.scalars(
        select(Campaign).where(Campaign.retention_days.is_not(None),
                               Campaign.closed_at.is_not(None),
                               Campaign.status.in_(("closed", "archived")))
        .order_by(Campaign.id)
    ).all()
    return [c for c in candidates if expires_at(c) <= now]


def count_data(session: Session, campaign: Campaign,
               participant_ids: list[int] | None = None) -> PurgeCount:
    """What personal data the campaign (or these of its participants) still holds."""
    whose = Participant.campaign_id == campaign.id
    if participant_ids is not None:
        whose = whose & Participant.id.in_(participant_ids)
    text_items = items_where(campaign.codebook, "text_coding", "free_text")

    def answers(*extra) -> int:
        return session.scalar(
            select(func.count()).select_from(Answer)
            .join(Participant, Participant.id == Answer.participant_id).where(whose, *extra)
        )

    page_times = session.scalar(
        select(func.count()).select_from(PageVisit)
        .join(Participant, Participant.id == PageVisit.participant_id).where(whose)
    )
    external = session.scalar(select(func.count()).where(
        whose, Participant.external_id_hash.is_not(None)))
    codes = session.scalar(select(func.count()).where(
        whose, or_(Participant.resume_token_hash.is_not(None),
                   Participant.followup_token_hash.is_not(None))))
    files = 0
    if participant_ids is None:  # finished files, and folders a killed job left behind
        files = len(job_folders(session, campaign.id))
    ids = select(Participant.id).where(whose)
    links = sum(session.scalar(select(func.count()).where(condition)) for condition in (
        whose & (Participant.stratum != ""), QuotaClaim.participant_id.in_(ids),
        Invite.participant_id.in_(ids)))
    return PurgeCount(campaign.slug, answers(), answers(Answer.item.in_(text_items)),
                      answers(Answer.phase == "profile"), page_times, external, codes,
                      files, links)


def _erase(session: Session, campaign: Campaign, ids_query) -> None:
    session.execute(delete(Answer).where(Answer.participant_id.in_(ids_query)))
    session.execute(delete(PageVisit).where(PageVisit.participant_id.in_(ids_query)))
    erase_links(session, ids_query)
    session.execute(
        update(Participant).where(Participant.id.in_(ids_query))
        .values(external_id_hash=None, resume_token_hash=None, followup_token_hash=None,
                panel_session_hash=None, followup_session_hash=None)
        .execution_options(synchronize_session=False)
    )


def purge(session: Session, now: datetime | None = None, dry_run: bool = False
          ) -> list[PurgeCount]:
    """Delete the expired data of every expired campaign (commits per campaign).

    ``dry_run`` counts what would go and changes nothing (not even the
    audit trail). Otherwise each campaign's deletion and its audit row are
    one transaction.
    """
    done = []
    for campaign in expired_campaigns(session, now):
        counts = count_data(session, campaign)
        if counts.empty:  # purged before and nothing new: nothing to do or record
            continue
        if dry_run:
            done.append(counts)
            continue
        ids = select(Participant.id).where(Participant.campaign_id == campaign.id)
        _erase(session, campaign, ids)
        remove_campaign_files(session, campaign.id)
        campaign.purged_at = utcnow()
        record_audit(session, "retention.purge", campaign=campaign, detail=counts.describe())
        session.commit()
        done.append(counts)
    if dry_run:
        session.rollback()
    elif done:
        flush_deleted(session)
    return done


def find_participant(session: Session, campaign: Campaign, *, code: str | None = None,
                     external_id: str | None = None) -> Participant | None:
    """The participant of ``campaign`` with this resume code or panel id (both stored hashed)."""
    if code:
        from app.participant.operations import find_by_code

        return find_by_code(session, campaign, code.strip())
    if external_id:
        from app.campaigns.panel import hash_external_id

        return session.scalar(select(Participant).where(
            Participant.campaign_id == campaign.id,
            Participant.external_id_hash == hash_external_id(campaign, external_id.strip())))
    return None


def delete_participant_data(session: Session, campaign: Campaign, participant: Participant,
                            how: str) -> PurgeCount:
    """Delete one participant's data on their request; they count as withdrawn from now on."""
    counts = count_data(session, campaign, [participant.id])
    release_places(session, participant.id, filled_too=True)
    _erase(session, campaign, select(Participant.id).where(Participant.id == participant.id))
    remove_campaign_files(session, campaign.id)  # they hold this participant's answers
    session.execute(
        update(Participant).where(Participant.id == participant.id)
        .values(status="withdrawn", withdrawn_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    record_audit(session, "participant.delete", campaign=campaign,
                 detail=f"{participant.public_id} found by {how}: {counts.describe()}")
    return counts
