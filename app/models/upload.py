"""Surveys uploaded through the browser or ``parley survey import``, kept in the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow

__all__ = ["UploadedSurvey"]


class UploadedSurvey(Base):
    """One uploaded survey version, with its files (relative path -> base64 content).

    The upload is checked and unpacked on the host that received it
    (app/campaigns/uploads.py); this row is how every other host learns of it
    and writes the same folder into its own instance folder
    (app/campaigns/upload_store.py), since hosts share the database only.
    """

    __tablename__ = "uploaded_survey"

    #: The folder's name, ``<survey id>-<version prefix>`` (never from the zip).
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    files: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
