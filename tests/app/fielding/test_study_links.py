"""Ready-to-paste absolute study links on the campaign page (issue 19, 6)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
PROLIFIC = {"access": "prolific", "completion": {"completed": {"code": "CDONE1"}}}


def _links(client, slug: str) -> list[str]:
    html = client.get(f"/admin/campaign/{slug}").get_data(as_text=True)
    section = html[html.index('id="study-links"'):html.index("</dl>")]
    return [unescape(u) for u in re.findall(r'<code class="select-all">([^<]+)</code>', section)]


@pytest.mark.parametrize(("design", "expected"), [
    ({}, ["https://survey.example.org/c/town/", "https://survey.example.org/c/town/followup"]),
    (PROLIFIC, ["https://survey.example.org/c/town/?PROLIFIC_PID={{%PROLIFIC_PID%}}"
                "&STUDY_ID={{%STUDY_ID%}}&SESSION_ID={{%SESSION_ID%}}",
                "https://survey.example.org/c/town/followup?PROLIFIC_PID={{%PROLIFIC_PID%}}"
                "&STUDY_ID={{%STUDY_ID%}}&SESSION_ID={{%SESSION_ID%}}"]),
    ({"access": "mturk"}, ["https://survey.example.org/c/town/",
                           "https://survey.example.org/c/town/followup"]),
    ({"access": "panel", "panel": {"id_param": "rid"}},
     ["https://survey.example.org/c/town/?rid=", "https://survey.example.org/c/town/followup?rid="]),
    ({"access": "invite"}, ["https://survey.example.org/c/town/?invite=CODE",
                            "https://survey.example.org/c/town/followup"]),
])
def test_each_access_mode_gets_its_absolute_link(app, client, make_campaign, design, expected, make_user, login):
    app.config["PARLEY_BASE_URL"] = "https://survey.example.org/"
    slug = make_campaign(design=design)
    make_user()
    login(client)
    assert _links(client, slug) == expected


def test_without_a_base_url_the_request_decides(app, client, make_campaign, make_user, login):
    app.config["PARLEY_BASE_URL"] = None
    slug = make_campaign()
    make_user()
    login(client)
    assert _links(client, slug)[0] == "http://localhost/c/town/"


def test_the_prolific_link_works_as_prolific_fills_it_in(app, client, make_campaign, make_user, login):
    app.config["PARLEY_BASE_URL"] = "http://localhost/"
    slug = make_campaign(design=PROLIFIC)
    make_user()
    login(client)
    link = _links(client, slug)[0]
    filled = (link.replace("{{%PROLIFIC_PID%}}", "5f1a2b3c4d5e6f7a8b9c0d1e")
              .replace("{{%STUDY_ID%}}", "s1").replace("{{%SESSION_ID%}}", "x9"))
    query = filled.split("?", 1)[1]
    assert "CDONE1" in Bot(app.test_client(), slug, SURVEY).walk(query=query)
