"""Call the export writer with a job's options (the writer owns how rows are written)."""

from __future__ import annotations

import inspect
from pathlib import Path

from sqlalchemy.orm import Session

from app.export.writer import write_export
from app.models import Campaign

__all__ = ["export_to"]


def export_to(session: Session, campaign: Campaign, out: Path, fmt: str, options: dict):
    """``write_export`` with the options it knows; an option it does not know must be off."""
    accepted = inspect.signature(write_export).parameters
    kwargs = {}
    for name, value in options.items():
        if name in accepted:
            kwargs[name] = bool(value)
        elif value:
            raise ValueError(f"this installation's exporter cannot {name.replace('_', ' ')}")
    return write_export(session, campaign, out, fmt=fmt, **kwargs)
