"""The survey library: the shipped survey folders and the uploaded ones.

A campaign can be created from any of them (:func:`create_from_known`).
Each has a stable ``key`` used in forms (``shipped:<folder>`` or
``uploaded:<folder>``); a form never sends a path, so nobody can point a
campaign at an arbitrary folder on the server.

The survey list needs only a few facts of each survey (id, title, languages,
arms, version), so those are kept per folder and its files' modification
times (:class:`Listing`), for every folder, loaded or not: a list of 500
surveys reads file times, not 500 definitions. The whole survey is loaded
only for the one a campaign is made from (``KnownSurvey.survey``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from app.accounts.operations import add_member
from app.campaigns.operations import create_campaign
from app.campaigns.surveys import load_cached, survey_stamp, uploaded_surveys_folder
from app.campaigns.upload_store import sync
from app.extensions import db
from app.models import Campaign, User
from surveys import SHIPPED, Survey, SurveyError, Text, load_survey
from surveys.loader import DEFINITION_FILE

__all__ = ["KnownSurvey", "Listing", "known_surveys", "find_survey", "create_from_known"]


@dataclass(frozen=True)
class Listing:
    """What the survey list shows of one survey."""

    id: str
    title: Text
    languages: tuple[str, ...]
    arms: tuple[str, ...]
    version: str


#: Folder -> (its files' stamp, its listing or None when it does not load).
#: Keyed by folder and stamp, not least-recently-used: an entry is replaced
#: when the folder's files change and dropped when the folder goes.
_LISTINGS: dict[str, tuple[tuple, Listing | None]] = {}


@dataclass(frozen=True)
class KnownSurvey:
    key: str
    folder: Path
    #: "shipped" or "uploaded".
    source: str
    listing: Listing

    @property
    def survey(self) -> Survey:
        return load_cached(self.folder)

    @property
    def label(self) -> str:
        title = self.listing.title.get("en") or next(iter(self.listing.title.values()), "")
        return f"{title} ({self.listing.id}, {self.source}, {self.listing.version[:12]})"


def _folders(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(
        p for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / DEFINITION_FILE).is_file()
    )


def _listing(folder: Path) -> Listing | None:
    stamp = survey_stamp(folder)
    hit = _LISTINGS.get(str(folder))
    if hit is not None and hit[0] == stamp:
        return hit[1]
    try:
        s = load_survey(folder)
    except SurveyError:
        listing = None
    else:
        listing = Listing(s.id, s.title, s.languages, tuple(a.id for a in s.arms), s.version)
    _LISTINGS[str(folder)] = (stamp, listing)
    return listing


def known_surveys() -> list[KnownSurvey]:
    """Every loadable survey, shipped first; a folder that fails to load is left out.

    Surveys uploaded through another app host are written out here first.
    """
    sync(db.session)
    found, seen = [], set()
    for source, root in (("shipped", SHIPPED), ("uploaded", uploaded_surveys_folder())):
        for folder in _folders(root):
            seen.add(str(folder))
            listing = _listing(folder)
            if listing is not None:
                found.append(KnownSurvey(f"{source}:{folder.name}", folder, source, listing))
    for gone in [f for f in _LISTINGS if f not in seen and Path(f).parent in (
            SHIPPED, uploaded_surveys_folder())]:
        del _LISTINGS[gone]
    return found


def find_survey(key: str) -> KnownSurvey | None:
    return next((k for k in known_surveys() if k.key == key), None)


def create_from_known(
    session: Session, known: KnownSurvey, *, slug: str, user: User, title: str | None = None
) -> Campaign:
    """A draft campaign on a survey of the library (shipped or uploaded); does not commit.

    Changing a draft's design is :func:`app.campaigns.operations.update_design`
    (one validated operation for the browser, the CLI and the tests).

    A manager who creates a campaign becomes its member, or they could not
    see what they just made (owners see every campaign anyway).
    """
    campaign = create_campaign(
        session, slug=slug, survey_folder=known.folder, actor=user.email, title=title or None
    )
    if user.role != "owner":
        add_member(session, campaign, user)
    return campaign
