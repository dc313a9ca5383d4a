"""The surveys this server knows: the shipped folders and the uploaded ones.

A campaign can be created from any of them. Each has a stable ``key`` used in
forms (``shipped:<folder>`` or ``uploaded:<folder>``); a form never sends a
path, so nobody can point a campaign at an arbitrary folder on the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.campaigns.surveys import load_cached, uploaded_surveys_folder
from surveys import SHIPPED, Survey, SurveyError
from surveys.loader import DEFINITION_FILE

__all__ = ["KnownSurvey", "known_surveys", "find_survey"]


@dataclass(frozen=True)
class KnownSurvey:
    key: str
    folder: Path
    #: "shipped" or "uploaded".
    source: str
    survey: Survey

    @property
    def label(self) -> str:
        title = self.survey.title.get("en") or next(iter(self.survey.title.values()), "")
        return f"{title} ({self.survey.id}, {self.source}, {self.survey.version[:12]})"


def _folders(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(
        p for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / DEFINITION_FILE).is_file()
    )  # fmt: skip


def known_surveys() -> list[KnownSurvey]:
    """Every loadable survey, shipped first; a folder that fails to load is left out."""
    found = []
    for source, root in (("shipped", SHIPPED), ("uploaded", uploaded_surveys_folder())):
        for folder in _folders(root):
            try:
                survey = load_cached(folder)
            except SurveyError:
                continue
            found.append(KnownSurvey(f"{source}:{folder.name}", folder, source, survey))
    return found


def find_survey(key: str) -> KnownSurvey | None:
    return next((k for k in known_surveys() if k.key == key), None)
