"""Call the export writer with a job's options (the writer owns how rows are written)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from app.export.writer import write_export
from app.models import Campaign

__all__ = ["export_to"]


def export_to(session: Session, campaign: Campaign, out: Path, fmt: str, options: dict):
    """``write_export`` with a job's options; each is off unless the job asked for it."""
    return write_export(
        session, campaign, out, fmt=fmt,
        include_test=bool(options.get("include_test")),
        include_text=bool(options.get("include_text")),
        include_profile=bool(options.get("include_profile")),
    )
