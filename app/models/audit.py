"""The audit trail: who did what, when, from where. Append-only in the database.

The database itself refuses UPDATE and DELETE of audit rows (triggers on
SQLite and PostgreSQL), so neither a bug nor someone with the app's
database account can quietly rewrite history. The same triggers are made by
migration 0005 and, for ``create_all`` (tests), by the listener below.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow

__all__ = ["AuditEvent", "APPEND_ONLY_DDL"]


class AuditEvent(Base):
    """One recorded action."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_action", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Email of the signed-in user, "cli:<os user>" for commands, or what
    #: was typed on a failed sign-in.
    actor: Mapped[str] = mapped_column(String(254))
    #: Dotted name, e.g. "account.login", "campaign.open", "export.request".
    action: Mapped[str] = mapped_column(String(64))
    #: No foreign key on purpose: the record outlives a deleted campaign
    #: (and a cascade would have to UPDATE the row, which is refused).
    campaign_id: Mapped[int | None] = mapped_column(index=True)
    campaign_slug: Mapped[str | None] = mapped_column(String(64))
    #: Client address as the app saw it (after the trusted-proxy setting).
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)


#: dialect -> statements that make audit_event append-only.
APPEND_ONLY_DDL = {
    "sqlite": [
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$",
        "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
    ],
}

for _dialect, _statements in APPEND_ONLY_DDL.items():
    for _sql in _statements:
        event.listen(AuditEvent.__table__, "after_create",
                     DDL(_sql).execute_if(dialect=_dialect))
