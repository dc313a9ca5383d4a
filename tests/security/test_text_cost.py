"""No survey text makes a page slow: rendered once per survey version, bounded at load.

Python-Markdown took about 20 s to render a consent of 1,500 links (each
link rescanned the rest of its paragraph) and the landing page rendered the
consent on every view, so one visitor could stall the server. Now the
consent and the briefings are rendered once per survey version and
language, with a renderer linear in the number of links, and the loader
refuses a text longer than ``MAX_TEXT_CHARS`` or with more than
``MAX_TEXT_LINKS`` brackets.
"""

from __future__ import annotations

import shutil
import time

import pytest

from app.web import markdown
from surveys import EXAMPLE, SurveyError, load_survey
from surveys.reader import MAX_TEXT_CHARS, MAX_TEXT_LINKS


def _survey_with_consent(tmp_path, consent: str):
    folder = tmp_path / "linky"
    shutil.copytree(EXAMPLE, folder)
    (folder / "consent.en.md").write_text(consent, encoding="utf-8")
    return folder


LINKS_1500 = "Sources: " + " ".join(f"[{i}](https://example.org/{i})"
                                      for i in range(1500)) + "\n"


def test_a_consent_of_1500_links_renders_in_under_a_second(app, client, make_campaign, tmp_path,
                                                           monkeypatch):
    monkeypatch.setattr(markdown, "_RENDERED", {})
    slug = make_campaign("linky", survey=_survey_with_consent(tmp_path, LINKS_1500))
    for _ in range(3):
        started = time.perf_counter()
        response = client.get(f"/c/{slug}/?lang=en")
        took = time.perf_counter() - started
        assert response.status_code == 200
        assert took < 1.0, f"the landing page took {took:.1f} s"
    page = response.get_data(as_text=True)
    assert page.count('href="https://example.org/') == 1500


def test_a_survey_text_is_rendered_once_per_version_and_language(app, client, make_campaign,
                                                                  monkeypatch):
    monkeypatch.setattr(markdown, "_RENDERED", {})
    calls: list[str] = []
    original = markdown.render_markdown

    def counting(source):
        calls.append(source)
        return original(source)

    monkeypatch.setattr(markdown, "render_markdown", counting)
    slug = make_campaign()
    for _ in range(4):
        assert client.get(f"/c/{slug}/?lang=en").status_code == 200
    assert len(calls) == 1
    assert client.get(f"/c/{slug}/?lang=de").status_code == 200
    assert len(calls) == 2


@pytest.mark.parametrize(("text", "message"), [
    ("a" * (MAX_TEXT_CHARS + 1),
     f"file 'consent.en.md' has {MAX_TEXT_CHARS + 1:,} characters; a text may have at most "
     f"{MAX_TEXT_CHARS:,}"),
    ("[x](https://e.org) " * (MAX_TEXT_LINKS + 1),
     f"file 'consent.en.md' has {MAX_TEXT_LINKS + 1:,} links or '[' brackets; a text may have "
     f"at most {MAX_TEXT_LINKS:,}"),
    ("[" * (MAX_TEXT_LINKS + 1),
     f"file 'consent.en.md' has {MAX_TEXT_LINKS + 1:,} links or '[' brackets"),
])
def test_a_text_beyond_the_bounds_is_refused_at_load_with_its_file(tmp_path, text, message):
    with pytest.raises(SurveyError) as caught:
        load_survey(_survey_with_consent(tmp_path, text))
    problems = [p for p in caught.value.problems if p.place == "consent.file.en"]
    assert problems and message in problems[0].message


#: Texts at the bounds that are slow for Markdown renderers (unclosed
#: brackets and images, emphasis runs, setext headings, raw HTML openers).
WORST_CASES = {
    "links": "[a](https://e.org) " * MAX_TEXT_LINKS,
    "open brackets": "[" * MAX_TEXT_LINKS + "a" * (MAX_TEXT_CHARS - MAX_TEXT_LINKS),
    "images": "![" * (MAX_TEXT_LINKS // 2) + "b" * (MAX_TEXT_CHARS - MAX_TEXT_LINKS),
    "nested": "[a [b " * (MAX_TEXT_LINKS // 2),
    "emphasis": "*a_" * (MAX_TEXT_CHARS // 3),
    "strong": "**_" * (MAX_TEXT_CHARS // 3),
    "setext": "a\n=\n" * (MAX_TEXT_CHARS // 4),
    "html": "<" * MAX_TEXT_CHARS,
    "entities": "&#" * (MAX_TEXT_CHARS // 2),
}


@pytest.mark.parametrize("name", sorted(WORST_CASES))
def test_any_text_within_the_bounds_renders_in_well_under_a_second(name):
    text = WORST_CASES[name]
    assert len(text) <= MAX_TEXT_CHARS and text.count("[") <= MAX_TEXT_LINKS
    # This thread's CPU time, the least of two renders: process time also
    # counted the suite's background job threads (1.7 s for a 0.36 s render).
    costs = []
    for _ in range(2):
        started = time.thread_time()
        markdown.render_markdown(text)
        costs.append(time.thread_time() - started)
    assert min(costs) < 1.0, f"{name}: {min(costs):.2f} s"
