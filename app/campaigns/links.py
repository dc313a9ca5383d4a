"""Ready-to-paste study links for a campaign's access mode (issue 19, 6).

Absolute, from ``PARLEY_BASE_URL`` when set (behind a proxy the request's
host may be an internal one), else the request's own address. A Prolific
link carries Prolific's placeholders, which Prolific fills in per person;
MTurk adds its parameters itself; a generic panel's link ends where the
panel puts its own id placeholder. The follow-up wave has its own entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.campaigns.design import panel_settings
from app.campaigns.invites import invite_link
from app.models import Campaign

__all__ = ["StudyLink", "study_links", "PROLIFIC_PLACEHOLDERS"]

#: Prolific's URL parameters and the placeholders Prolific fills in.
PROLIFIC_PLACEHOLDERS = (("PROLIFIC_PID", "{{%PROLIFIC_PID%}}"), ("STUDY_ID", "{{%STUDY_ID%}}"),
                         ("SESSION_ID", "{{%SESSION_ID%}}"))


@dataclass(frozen=True)
class StudyLink:
    #: ``study``, ``followup`` or ``invite`` (the template words each).
    kind: str
    url: str


def study_links(campaign: Campaign, base: str) -> list[StudyLink]:
    """The study link for ``campaign``'s access mode and its follow-up entry, absolute."""
    root = f"{base.rstrip('/')}/c/{campaign.slug}/"
    panel = panel_settings(campaign)
    if campaign.access == "prolific":
        query = "&".join(f"{name}={value}" for name, value in PROLIFIC_PLACEHOLDERS)
        study = f"{root}?{query}"
        # The follow-up study's own SESSION_ID lets a participant who saved a
        # follow-up page continue from Prolific (app/participant/panel_resume.py).
        followup = f"{root}followup?{query}"
    elif campaign.access == "mturk":
        study, followup = root, f"{root}followup"
    elif panel is not None:
        study, followup = f"{root}?{panel.id_param}=", f"{root}followup?{panel.id_param}="
    elif campaign.access == "invite":
        study = invite_link(base, campaign, "") + "CODE"  # personal: one code per person
        return [StudyLink("invite", study), StudyLink("followup", f"{root}followup")]
    else:
        study, followup = root, f"{root}followup"
    return [StudyLink("study", study), StudyLink("followup", followup)]
