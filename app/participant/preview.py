"""Preview and test mode: the journey's entry for a manager.

A manager takes a campaign as a participant: :func:`start_test_participant`
makes an ordinary participant row with ``is_test`` set and :func:`start`
(``POST /admin/campaign/<slug>/preview``) hands them the resume cookie and
sends them into the real journey, so the preview runs the real pages, steps
and storage. What keeps test runs out of the data is that every reader of
real data leaves them out: allocation (no slot in the seeded sequence,
never counted or replaced), the thanks-page results, the monitor figures,
the export (unless ``include_test``) and the database export views. Test
rows are counted and deleted in one action by the campaign
(app.campaigns.testdata), which the audit log records.
"""

from __future__ import annotations

import secrets

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import Session

from app.accounts.permissions import campaign_for_user
from app.audit import record_audit
from app.campaigns.allocation import module_order_for
from app.campaigns.forms import PreviewForm, choices
from app.campaigns.operations import CampaignError
from app.campaigns.surveys import survey_for
from app.campaigns.testdata import PREVIEW_STATUSES
from app.campaigns.tokens import hash_code, new_public_id, new_resume_code
from app.extensions import db
from app.models import Campaign, Participant
from app.participant.starting import Started
from app.participant.steps import journey
from app.participant.visitor import set_resume_cookie
from surveys import Survey

__all__ = ["start_test_participant", "start"]

def start_test_participant(
    session: Session, campaign: Campaign, survey: Survey, *, arm: str, language: str, actor: str
) -> Started:
    """Create a test participant in ``arm`` speaking ``language``; audited; commits.

    The module order is one of the arm's counterbalanced orders, drawn at
    random (not from the campaign's sequence, which test runs never touch).
    """
    if campaign.status not in PREVIEW_STATUSES:
        raise CampaignError(f"a {campaign.status} campaign cannot be previewed")
    if arm not in {a.id for a in survey.arms}:
        raise CampaignError(f"the survey has no arm '{arm}'")
    if language not in campaign.languages:
        raise CampaignError(f"the campaign does not offer language '{language}'")
    modules = module_order_for(survey, secrets.token_hex(8), "test", arm, secrets.randbelow(720))
    code = new_resume_code()
    participant = Participant(
        public_id=new_public_id(),
        campaign_id=campaign.id,
        arm=arm,
        module_order="|".join(modules),
        language=language,
        step=journey(survey, modules)[0].key,
        allocation_seq=None,
        resume_token_hash=hash_code(code),
        is_test=True,
    )
    session.add(participant)
    session.flush()
    record_audit(session, "campaign.preview", campaign=campaign, actor=actor,
                 detail=f"test participant {participant.public_id}, arm {arm}, "
                        f"language {language}")
    session.commit()
    return Started(participant, code)


@login_required
def start(slug: str):
    """Start a preview in the chosen arm and language and send the manager into the journey."""
    campaign = campaign_for_user(slug, "manage")
    survey = survey_for(campaign)
    form = PreviewForm()
    form.arm.choices = choices((a.id, a.id) for a in survey.arms)
    form.language.choices = choices((lang, lang) for lang in campaign.languages)
    if not form.validate_on_submit():
        flash(_("Choose an arm and a language for the preview."), "error")
        return redirect(url_for("campaigns.design", slug=slug), code=303)
    try:
        started = start_test_participant(
            db.session, campaign, survey, arm=form.arm.data, language=form.language.data,
            actor=current_user.email,
        )
    except CampaignError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("campaigns.design", slug=slug), code=303)
    # The landing page first: the preview shows consent and the decline ending
    # too (issue 19), then the journey.
    response = redirect(url_for("participant.landing", slug=slug), code=303)
    return set_resume_cookie(response, campaign, started.resume_code)
