"""Who a participant request is for: its campaign and the participant of its resume cookie.

Every participant view starts here. :func:`request_campaign` takes the
campaign from this process's cache with one statement that also reads the
resume cookie's participant (app/participant/lookup.py);
:func:`request_participant` hands that participant out, unless a panel id in
the link names someone else; :func:`set_resume_cookie` gives the browser its
code.
"""

from __future__ import annotations

from flask import abort, current_app, g, request

from app.campaigns.panel import hash_external_id, panel_id_from
from app.campaigns.tokens import normalise
from app.extensions import db
from app.models import Campaign, Participant
from app.participant.lookup import visit

__all__ = ["COOKIE", "request_campaign", "request_participant", "set_resume_cookie"]

COOKIE = "parley_{slug}"


def request_campaign(slug: str) -> Campaign:
    """The campaign from this process's cache, current as of this request.

    The one statement that checks the cached copy also reads the resume
    cookie's participant (app/participant/lookup.py); :func:`request_participant`
    hands it out.
    """
    found = visit(db.session, slug, request.cookies.get(COOKIE.format(slug=slug), ""))
    if found.found is None:
        abort(404)
    g.parley_visit = found
    # A session-bound copy without a query, so operations may use it as usual.
    campaign = db.session.merge(found.found.campaign, load=False)
    if campaign.status == "draft":
        # A draft exists only for its managers' previews: the resume cookie
        # must belong to a test participant (app.participant.preview).
        tester = request_participant(campaign)
        if tester is None or not tester.is_test:
            abort(404)
    g.campaign = campaign
    g.survey = found.found.survey
    return campaign


def request_participant(campaign: Campaign, link=None) -> Participant | None:
    """The participant of the resume cookie, read by :func:`request_campaign` with the campaign.

    With ``link`` (the request's arguments or the start form), a panel id in
    it decides who the participant is: when it is not the cookie's
    participant's id, the cookie is ignored, so the link starts or resumes
    that id (issue 19, 2: a shared lab computer, or one person with two
    panel accounts, never lands on someone else's ending and code).
    """
    participant = g.parley_visit.participant
    if participant is not None and link is not None and not _link_is(campaign, participant, link):
        return None
    if participant is not None:
        g.lang = participant.language
        g.participant = participant
    return participant


def _link_is(campaign: Campaign, participant: Participant, link) -> bool:
    """False when ``link`` names a panel id that is not ``participant``'s."""
    external_id = panel_id_from(campaign, link)
    if external_id is None:
        return True
    return participant.external_id_hash == hash_external_id(campaign, external_id)


def set_resume_cookie(response, campaign: Campaign, code: str):
    """Give the browser the participant's resume code (scoped to the campaign's path)."""
    response.set_cookie(
        COOKIE.format(slug=campaign.slug),
        normalise(code),
        max_age=current_app.config["PARLEY_RESUME_DAYS"] * 86400,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        path=f"/c/{campaign.slug}/",
    )
    return response
