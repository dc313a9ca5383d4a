"""A shuffled page in a real browser at 360 px (issue 22): the participant's order, axe-core
clean, no sideways scrolling, with and without JavaScript, and the answers and the order
saved as shown."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from app.extensions import db
from app.models import Answer, Campaign, DisplayOrder, Participant
from surveys.display_order import display_for
from tests.browser.test_accessibility import AXE_OPTIONS, DANGLING_REFERENCES, readable
from tests.samples import sample_survey

pytestmark = pytest.mark.browser

OPTIONS = [
    {"id": "five", "label": {"en": "Five", "de": "Fünf"}},
    {"id": "ten", "label": {"en": "Ten", "de": "Zehn"}},
    {"id": "other", "label": {"en": "Other", "de": "Andere"}},
    {"id": "dont_know", "label": {"en": "Don't know", "de": "Weiß nicht"}, "missing": True,
     "fixed": True},
]


def _folder(tmp_path):
    folder = sample_survey(tmp_path / "shuffled", pre_post=["ranking", "knowledge", "likert"],
                           extra={"ranking": {"shuffle_options": True},
                                  "knowledge": {"shuffle_options": True, "options": OPTIONS}})
    toml = folder / "survey.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'id = "before"\n', 'id = "before"\nshuffle_items = true\n', 1), encoding="utf-8")
    return folder


def _expected(app, survey):
    with app.app_context():
        seed = db.session.scalar(select(Campaign.seed))
        public_id = db.session.scalar(select(Participant.public_id))
    return display_for(survey.page("before"), survey.items, seed, public_id)


def _answer_before(page) -> None:
    """Answers by option id (never by place, which is the participant's own)."""
    for rank, option in enumerate(("market", "park", "parking"), 1):
        page.select_option(f"select[name='q_ranking__{option}']", str(rank))
    page.check("input[name='q_knowledge'][value='ten']")
    page.check("input[name='q_likert'][value='4']")
    page.click("main form[action*='/step/'] button[type=submit]")


@pytest.mark.parametrize("java_script", [True, False])
def test_a_shuffled_page_at_360_px_shows_the_participants_order_and_saves_it(
        participant, live_server, tmp_path, java_script):
    folder = _folder(tmp_path)
    person = participant(survey=folder, slug="shuffled", how="pointer",
                         viewport={"width": 360, "height": 740},
                         java_script_enabled=java_script)
    page = person.page
    person.open()
    person.consent()
    person.answer_current()  # about you
    assert person.step() == "page:before"
    expected = _expected(live_server.app, person.survey)

    names = page.eval_on_selector_all(
        "main form input[name^='q_'], main form select[name^='q_']",
        "els => els.map(e => e.name)")
    items = list(dict.fromkeys(n[2:].split("__")[0] for n in names))
    assert items == list(expected.items)
    ranking = [n.split("__")[1] for n in names if n.startswith("q_ranking__")]
    assert ranking == list(expected.options["ranking"])
    knowledge = page.eval_on_selector_all("input[name='q_knowledge']",
                                          "els => els.map(e => e.value)")
    assert knowledge == list(expected.options["knowledge"]) and knowledge[-1] == "dont_know"

    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    if java_script:  # axe-core runs in the page; without JavaScript the order and save alone
        axe = Axe()
        found = {"shuffled page": axe.run(page, options=AXE_OPTIONS).response["violations"]}
        assert not page.evaluate(DANGLING_REFERENCES)
        person.submit()  # empty: the errors, in the participant's order
        found["shuffled page with errors"] = axe.run(page, options=AXE_OPTIONS).response[
            "violations"]
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert not any(found.values()), "\n".join(readable(k, v) for k, v in found.items() if v)
        after_error = page.eval_on_selector_all("input[name='q_knowledge']",
                                                "els => els.map(e => e.value)")
        assert after_error == knowledge

    _answer_before(page)
    assert person.step() != "page:before"
    with live_server.app.app_context():
        answers = {a.item: (a.value, a.text) for a in db.session.scalars(select(Answer))}
        rows = db.session.scalars(select(DisplayOrder).order_by(DisplayOrder.position)).all()
    assert answers["ranking"] == (None, "market|park|parking")
    assert answers["knowledge"] == (2.0, None)  # "ten" is code 2 wherever it was shown
    assert [r.item for r in rows] == list(expected.items)
    assert {r.item: r.options for r in rows if r.options} == {
        k: "|".join(v) for k, v in expected.options.items()}
