"""Find and load the survey a campaign pins, refusing one whose files changed.

Surveys are immutable files, so the loaded object is cached per folder and
file modification times; the cache holds no request state.
"""

from __future__ import annotations

import functools
from pathlib import Path

from flask import current_app

from app.campaigns.survey_copy import copy_folder
from surveys import SHIPPED, Survey, load_survey

__all__ = ["resolve_survey_path", "survey_for", "SurveyChangedError", "stored_survey_path",
           "uploaded_surveys_folder", "UPLOADED_PREFIX", "load_cached", "survey_stamp",
           "survey_folder_of"]

#: How a campaign records a survey uploaded through the browser: the folder's
#: name under the instance folder's ``surveys/``, so the instance can move.
UPLOADED_PREFIX = "uploaded:"


class SurveyChangedError(RuntimeError):
    """The survey files differ from the version the campaign pinned."""


def uploaded_surveys_folder() -> Path:
    """Where surveys uploaded as zips are kept (see app.campaigns.uploads)."""
    return Path(current_app.instance_path) / "surveys"


def resolve_survey_path(stored: str) -> Path:
    if stored.startswith(UPLOADED_PREFIX):
        return uploaded_surveys_folder() / stored.removeprefix(UPLOADED_PREFIX)
    path = Path(stored)
    return path if path.is_absolute() else SHIPPED / path


def stored_survey_path(folder: str | Path) -> str:
    """How a campaign records its folder: relative to the shipped or uploaded surveys."""
    path = Path(folder).resolve()
    if SHIPPED in path.parents:
        return str(path.relative_to(SHIPPED))
    uploaded = uploaded_surveys_folder().resolve()
    if path.parent == uploaded:
        return UPLOADED_PREFIX + path.name
    return str(path)


def survey_stamp(folder: Path) -> tuple:
    """The folder's files and their modification times: changes when any file does."""
    return tuple(sorted((str(p), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()))


@functools.lru_cache(maxsize=32)
def _load(folder: str, _stamp: tuple) -> Survey:
    return load_survey(folder)


def load_cached(folder: Path) -> Survey:
    return _load(str(folder), survey_stamp(folder))


def survey_folder_of(campaign) -> Path:
    """Where the campaign's survey is read: its own copy, else (no copy) its folder."""
    if campaign.survey_files:
        return copy_folder(campaign.id, campaign.survey_version, campaign.survey_files)
    return resolve_survey_path(campaign.survey_path)


def survey_for(campaign) -> Survey:
    """The campaign's survey, from its own copy (issue 19) when it has one.

    Raises SurveyChangedError if the files read no longer match the pinned
    version (only possible for a campaign without a copy).
    """
    survey = load_cached(survey_folder_of(campaign))
    if survey.version != campaign.survey_version:
        raise SurveyChangedError(
            f"the files of survey '{survey.id}' changed after campaign '{campaign.slug}' "
            f"pinned version {campaign.survey_version[:12]} (now {survey.version[:12]})"
        )
    return survey
