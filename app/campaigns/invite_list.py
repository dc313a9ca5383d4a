"""Invite codes on the campaign pages: the CSV of personal links and the list a manager sees.

Creating and revoking codes are app.campaigns.invites' operations; this
module adds what the browser needs around them. Only a code's hash is
stored, so the CSV (shown once, at creation) names each code's invite id,
and the list shows ids with their state: that is how a manager sees which
of the codes they handed out were used.
"""

from __future__ import annotations

import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.campaigns.invites import invite_link
from app.campaigns.tokens import hash_code
from app.models import Campaign, Invite

__all__ = ["CSV_COLUMNS", "invites_csv", "recent_invites", "MAX_BROWSER_INVITES", "LIST_LIMIT"]

#: Codes one click may make (the CLI makes more); the CSV stays a quick download.
MAX_BROWSER_INVITES = 10_000
#: Newest invites listed on the page.
LIST_LIMIT = 500
#: Columns of the CSV: ``link`` is the fixed interface shared with ``parley invites create``.
CSV_COLUMNS = ["invite_id", "code", "link"]
_CHUNK = 500


def invites_csv(session: Session, campaign: Campaign, codes: list[str], base_url: str) -> str:
    """The CSV (as text) of freshly made ``codes``: invite id, code and personal link."""
    ids: dict[str, int] = {}
    hashes = {hash_code(c): c for c in codes}
    keys = list(hashes)
    for start in range(0, len(keys), _CHUNK):
        for invite_id, digest in session.execute(
            select(Invite.id, Invite.code_hash).where(
                Invite.campaign_id == campaign.id, Invite.code_hash.in_(keys[start:start + _CHUNK])
            )
        ):
            ids[hashes[digest]] = invite_id
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for code in sorted(codes, key=lambda c: ids[c]):
        writer.writerow([ids[code], code, invite_link(base_url, campaign, code)])
    return out.getvalue()


def recent_invites(session: Session, campaign: Campaign, limit: int = LIST_LIMIT) -> list[Invite]:
    """The newest ``limit`` invites of ``campaign``, newest first."""
    return list(session.scalars(
        select(Invite).where(Invite.campaign_id == campaign.id)
        .order_by(Invite.id.desc()).limit(limit)
    ))
