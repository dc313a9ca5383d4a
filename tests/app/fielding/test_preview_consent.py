"""A preview includes the consent page and the decline ending (issue 19, smaller)."""

from __future__ import annotations

import re
from html import unescape

from surveys import EXAMPLE, load_survey

SURVEY = load_survey(EXAMPLE)


def _token(html: str) -> str:
    return unescape(re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)[1])


def _preview(admin, slug: str):
    design = admin.get(f"/admin/campaign/{slug}/design").get_data(as_text=True)
    return admin.post(f"/admin/campaign/{slug}/preview", data={
        "csrf_token": _token(design), "arm": "control", "language": "en"})


def test_the_preview_shows_consent_then_the_journey(app, admin, make_campaign):
    slug = make_campaign(status="draft")
    landing = admin.get(_preview(admin, slug).headers["Location"]).get_data(as_text=True)
    assert 'name="agree"' in landing and "I do not want to take part" in landing
    started = admin.post(f"/c/{slug}/start", data={"csrf_token": _token(landing), "agree": "y"},
                         follow_redirects=True).get_data(as_text=True)
    assert "About you" in started or 'name="q_age_band"' in started


def test_the_preview_shows_the_decline_ending(app, admin, make_campaign):
    slug = make_campaign(status="draft", design={"completion": {"declined": {"code": "C-NO"}}})
    landing = admin.get(_preview(admin, slug).headers["Location"]).get_data(as_text=True)
    ending = admin.post(f"/c/{slug}/decline", data={"csrf_token": _token(landing)},
                        follow_redirects=True).get_data(as_text=True)
    assert "C-NO" in ending
