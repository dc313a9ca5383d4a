"""The follow-up wave, seen from the campaign: its personal links and its numbers.

``parley followup links`` and the campaign's follow-up page mint the codes
and write the links CSV with the same :func:`write_links_csv`, so both files
look alike. Opening and closing the wave is ``set_followup_status``
(operations.py); answering it is the journey's (app.participant.followup).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import record_audit
from app.campaigns.tokens import hash_code, new_resume_code, normalise
from app.models import Campaign, Participant

__all__ = ["FollowupCounts", "followup_counts", "LINKS_CSV_COLUMNS", "followup_link", "mint_codes",
           "write_links_csv"]

#: Columns of the follow-up links CSV, the same from ``parley followup links`` and the browser.
LINKS_CSV_COLUMNS = ["participant_id", "invite_code", "followup_code", "link"]


@dataclass(frozen=True)
class FollowupCounts:
    completers: int  # who can be followed up (real participants who completed)
    with_link: int  # completers holding a follow-up code
    started: int
    answered: int  # completers who finished the follow-up


def followup_counts(session: Session, campaign: Campaign) -> FollowupCounts:
    """One query: completers, and how far the follow-up has reached them."""
    row = session.execute(
        select(func.count(),
               func.count(Participant.followup_token_hash),
               func.count(Participant.followup_started_at),
               func.count(Participant.followup_completed_at))
        .where(Participant.campaign_id == campaign.id, Participant.status == "completed",
               Participant.is_test.is_(False))
    ).one()
    return FollowupCounts(*row)


def followup_link(base_url: str, campaign: Campaign, code: str) -> str:
    return f"{base_url.rstrip('/')}/c/{campaign.slug}/followup/{normalise(code)}"


def mint_codes(session: Session, campaign: Campaign, *, renew: bool = False
               ) -> list[tuple[Participant, str]]:
    """A follow-up code for every completer who has none (every completer with ``renew``).

    Returns (participant, code) pairs; the codes are not stored, only their
    hashes, so this is the one moment they can be written down. Renewing
    makes earlier codes stop working. Does not commit.
    """
    query = select(Participant).where(Participant.campaign_id == campaign.id,
                                      Participant.status == "completed",
                                      Participant.is_test.is_(False))
    if not renew:
        query = query.where(Participant.followup_token_hash.is_(None))
    minted = []
    for participant in session.scalars(query.order_by(Participant.id)):
        code = new_resume_code()
        participant.followup_token_hash = hash_code(code)
        minted.append((participant, code))
    session.flush()
    return minted


def write_links_csv(session: Session, campaign: Campaign, out: TextIO, base_url: str,
                    actor: str, *, renew: bool = False,
                    invite_codes: Mapping[int, str] | None = None) -> int:
    """Mint follow-up codes (see ``mint_codes``), write their CSV to ``out`` and audit it.

    Does not commit.
    The one code path of the CLI and the browser page, so both files look
    alike. ``invite_codes`` maps participant ids to the invite code they
    started with, when known, so a lab knows whom to send each link.
    Returns how many links were written.
    """
    invite_codes = invite_codes or {}
    minted = mint_codes(session, campaign, renew=renew)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LINKS_CSV_COLUMNS)
    for participant, code in minted:
        writer.writerow([participant.public_id, invite_codes.get(participant.id, ""), code,
                         followup_link(base_url, campaign, code)])
    record_audit(session, "followup.links", campaign=campaign, actor=actor,
                 detail=f"{len(minted)} links" + (", all renewed" if renew else ""))
    return len(minted)
