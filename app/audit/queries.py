"""Reading the audit trail: one filtered query for the page and the CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.export.writer import spreadsheet_safe
from app.models import AuditEvent

__all__ = ["AuditFilter", "audit_query", "csv_lines", "CSV_COLUMNS"]

CSV_COLUMNS = ["id", "at", "actor", "action", "campaign", "remote_addr", "detail"]


class AuditFilter:
    """Filters from the query string; every one optional, unknown values ignored."""

    def __init__(self, args) -> None:
        self.actor = (args.get("actor") or "").strip()
        self.action = (args.get("action") or "").strip()
        self.campaign = (args.get("campaign") or "").strip()
        self.since = _day(args.get("since"))
        self.until = _day(args.get("until"))

    def as_args(self) -> dict[str, str]:
        values = {"actor": self.actor, "action": self.action, "campaign": self.campaign,
                  "since": self.since and self.since.isoformat(),
                  "until": self.until and self.until.isoformat()}
        return {k: v for k, v in values.items() if v}


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def audit_query(f: AuditFilter) -> Select:
    """Newest first; ``actor`` and ``action`` match a prefix (``account.`` finds all of those)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if f.actor:
        query = query.where(AuditEvent.actor.startswith(f.actor, autoescape=True))
    if f.action:
        query = query.where(AuditEvent.action.startswith(f.action, autoescape=True))
    if f.campaign:
        query = query.where(AuditEvent.campaign_slug == f.campaign)
    if f.since:
        query = query.where(AuditEvent.at >= datetime.combine(f.since, time(), UTC))
    if f.until and f.until < date.max:  # "until the last day there is": no bound
        query = query.where(
            AuditEvent.at < datetime.combine(f.until + timedelta(days=1), time(), UTC)
        )
    return query


def csv_lines(session: Session, query: Select) -> Iterator[str]:
    """The rows as CSV text, a line at a time (streamed; formula-like text escaped)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def line(row) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        return buffer.getvalue()

    yield line(CSV_COLUMNS)
    for e in session.scalars(query.execution_options(yield_per=1000)):
        yield line([e.id, e.at.isoformat(), spreadsheet_safe(e.actor), e.action,
                    e.campaign_slug or "", e.remote_addr or "",
                    spreadsheet_safe(e.detail)])
