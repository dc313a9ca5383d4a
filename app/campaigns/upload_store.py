"""Uploaded surveys shared by every app host, through the database (issue 24, 5).

A zip is checked and unpacked on the host that received it, into its own
instance folder (app/campaigns/uploads.py). App hosts share the database and
nothing else, so the stored folder's files are also recorded in
``uploaded_survey``; before any host lists the uploaded surveys it writes out
those it does not have yet (``sync``), made in a temporary folder and renamed
into place like a campaign's survey copy. So a survey uploaded through one
host can be chosen on the next request, whichever host serves it.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.campaigns.survey_copy import survey_files, write_folder
from app.campaigns.surveys import uploaded_surveys_folder
from app.models import UploadedSurvey

__all__ = ["record", "sync"]


def record(session: Session, folder: Path, version: str) -> None:
    """Record the stored folder ``folder`` (once per version; not committed)."""
    if session.get(UploadedSurvey, folder.name) is None:
        session.add(UploadedSurvey(name=folder.name, version=version, files=survey_files(folder)))


def sync(session: Session) -> int:
    """Write out the uploaded surveys this host lacks; returns how many it wrote.

    One query for the names; the files are read only for a folder missing here.
    """
    store = uploaded_surveys_folder()
    names = session.scalars(select(UploadedSurvey.name)).all()
    missing = [n for n in names if not (store / n).is_dir()]
    for name in missing:
        write_folder(store / name, session.get(UploadedSurvey, name).files)
    return len(missing)
