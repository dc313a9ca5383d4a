"""Participants see the survey's translated title, never the internal name (issue 19, 7)."""

from __future__ import annotations

import re

from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
INTERNAL = "Town square (wave 1, lab B)"


def _site_name(html: str) -> str:
    return re.search(r'<p class="site-name">([^<]*)</p>', html)[1]


def test_every_participant_page_shows_the_surveys_title_in_their_language(app, make_campaign):
    slug = make_campaign(title=INTERNAL)
    client = app.test_client()
    for lang in ("en", "de"):
        html = client.get(f"/c/{slug}/?lang={lang}").get_data(as_text=True)
        assert INTERNAL not in html
        assert _site_name(html) == SURVEY.title[lang]
    bot = Bot(app.test_client(), slug, SURVEY)
    thanks = bot.walk(lang="de")
    assert INTERNAL not in thanks and _site_name(thanks) == SURVEY.title["de"]


def test_the_team_still_sees_the_internal_name(app, client, make_campaign, make_user, login):
    slug = make_campaign(title=INTERNAL)
    make_user()
    login(client)
    assert INTERNAL in client.get(f"/admin/campaign/{slug}").get_data(as_text=True)
