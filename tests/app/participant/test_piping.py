"""Piped answers in the journey (issue 22): each participant sees their own, escaped, uncached.

On both backends: an item text and a briefing that pipe earlier answers
show each participant's own answer as its label in their language; a free
text answer holding HTML and Markdown shows as those characters (escaped
before Markdown), never as markup; and a piped page is never served from,
or kept in, the caches that give everyone the same page: two participants
who answered differently each see their own answer, view after view, and
the caches hold no entry for the piped page or briefing.
"""

from __future__ import annotations

import pytest

from app.participant import step_page
from app.web import markdown
from surveys import load_survey
from tests.bots import Bot
from tests.samples import sample_survey

XSS = '<script>alert("x")</script> **bold** [link](https://evil.example) & <img src=x>'


@pytest.fixture
def folder(tmp_path):
    text = {"en": "You live {answer:single_choice} and wrote: {answer:text}. Do you agree?",
            "de": "Sie wohnen {answer:single_choice} und schrieben: {answer:text}. Zustimmung?"}
    folder = sample_survey(tmp_path / "piped", profile=["single_choice", "text"],
                           pre_post=["likert", "number"], post_only=[],
                           extra={"likert": {"text": text}, "text": {"required": False}})
    for name, lang in ((n, lang) for n in ("plan", "other") for lang in ("en", "de")):
        path = folder / "modules" / f"{name}.{lang}.md"
        path.write_text(path.read_text(encoding="utf-8").replace(
            "## What it proposes\n", "## What it proposes\nYou wrote: {answer:text}\n"),
            encoding="utf-8")
    return folder


def _profile(app, survey, choice: str, text: str, lang: str = "en") -> Bot:
    bot = Bot(app.test_client(), "piped", survey)
    bot.start(lang)
    bot.submit("page:about", {"q_single_choice": choice, "q_text": text})
    return bot


def test_each_participant_sees_their_own_answer_never_a_cached_one(app, make_campaign, folder):
    survey = load_survey(folder)
    make_campaign("piped", survey=folder)
    town = _profile(app, survey, "town", "Trees please")
    outside = _profile(app, survey, "outside", "More parking", lang="de")
    for _ in range(2):  # a second view would come from a cache if any kept the page
        for bot, mine, theirs in ((town, "You live In town and wrote: Trees please.",
                                   "More parking"),
                                  (outside, "Sie wohnen Außerhalb und schrieben: More parking.",
                                   "Trees please")):
            bot.get()
            assert mine in bot.html and theirs not in bot.html
    kept = app.extensions["parley_campaign_cache"]["piped"].pages
    assert not [k for k in kept if k[0] == "page:before"], "a piped page was kept"
    # the module-wide caches hold other tests' surveys too: look at this one's only
    assert not [k for k in step_page._QUESTIONS
                if k[0] == survey.version and k[1] == "before"]
    town.submit("page:before")
    town.get()
    town.get()
    assert [k for k in kept if k[0].startswith("read:")] == []  # the briefing pipes too
    assert "You wrote: Trees please" in town.html
    assert not [k for k in markdown._RENDERED
                if k[0] == survey.version and k[1].startswith("module:")]


def test_a_hostile_free_text_answer_is_shown_as_text(app, make_campaign, folder):
    survey = load_survey(folder)
    make_campaign("piped", survey=folder)
    bot = _profile(app, survey, "town", XSS)
    bot.get()
    escaped = ("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; **bold** "
               "[link](https://evil.example) &amp; &lt;img src=x&gt;")
    assert escaped in bot.html  # the item text: escaped by the template
    assert "<script>alert" not in bot.html and "<img src=x" not in bot.html
    bot.submit("page:before")
    # the briefing: escaped before Markdown, so no markup, link or image comes of it
    body = bot.html.split("You wrote:", 1)[1].split("</p>", 1)[0]
    assert body.startswith(' &lt;script&gt;alert("x")&lt;/script&gt; **bold** '
                           "[link](https://evil.example) &amp; &lt;img src=x&gt;\n")
    assert "evil.example\"" not in bot.html and "<strong>bold" not in bot.html


def test_an_unanswered_piped_item_shows_a_dash(app, make_campaign, folder):
    survey = load_survey(folder)
    make_campaign("piped", survey=folder)
    bot = _profile(app, survey, "town", "")
    bot.get()
    assert "You live In town and wrote: —." in bot.html
