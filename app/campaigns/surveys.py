"""Find and load the survey a campaign pins, refusing one whose files changed.

Surveys are immutable files, so the loaded object is cached per folder and
file modification times; the cache holds no request state.
"""

from __future__ import annotations

import functools
from pathlib import Path

from surveys import SHIPPED, Survey, load_survey

__all__ = ["resolve_survey_path", "survey_for", "SurveyChangedError", "stored_survey_path"]


class SurveyChangedError(RuntimeError):
    """The survey files differ from the version the campaign pinned."""


def resolve_survey_path(stored: str) -> Path:
    path = Path(stored)
    return path if path.is_absolute() else SHIPPED / path


def stored_survey_path(folder: str | Path) -> str:
    """How a campaign records its folder: relative to the shipped surveys when inside them."""
    path = Path(folder).resolve()
    return str(path.relative_to(SHIPPED)) if SHIPPED in path.parents else str(path)


def _stamp(folder: Path) -> tuple:
    return tuple(sorted((str(p), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()))


@functools.lru_cache(maxsize=32)
def _load(folder: str, _stamp: tuple) -> Survey:
    return load_survey(folder)


def load_cached(folder: Path) -> Survey:
    return _load(str(folder), _stamp(folder))


def survey_for(campaign) -> Survey:
    """The campaign's survey; raises SurveyChangedError if its files no longer match."""
    survey = load_cached(resolve_survey_path(campaign.survey_path))
    if survey.version != campaign.survey_version:
        raise SurveyChangedError(
            f"the files of survey '{survey.id}' changed after campaign '{campaign.slug}' "
            f"pinned version {campaign.survey_version[:12]} (now {survey.version[:12]})"
        )
    return survey
