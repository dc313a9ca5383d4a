"""A participant walking the flagship reads and rates cards (issue 21 item 9).

The flagship crosses its five briefings with the exchange: an arm ending with
the placebo step rates ten of the neutral statements, its ``_peers`` twin ten
of the statements in the pool, which before anyone has written (and before a
display set is frozen) holds the research team's seeds in the participant's
language. Both then write their argument on the last page.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Exposure, Participant, Rating, Statement
from surveys import FLAGSHIP, load_survey
from tests.bots import Bot

SURVEY = load_survey(FLAGSHIP)


@pytest.mark.parametrize(("arm", "lang", "placebo"), [
    ("accord_peers", "uk", False), ("control", "de", True), ("all_peers", "ru", False)])
def test_a_flagship_participant_rates_ten_cards_then_writes(app, client, make_campaign, arm,
                                                            lang, placebo):
    make_campaign("peace", survey=FLAGSHIP,
                  design={"arm_weights": {a.id: int(a.id == arm) for a in SURVEY.arms}})
    bot = Bot(client, "peace", SURVEY)
    bot.start(lang)
    cards = []
    for _ in range(80):
        step = bot.current_page()
        if step is None or step == "page:after_other_side":
            break
        if step.startswith("card:"):
            cards.append(step)
        bot.submit_current()
    assert cards == [f"card:{n}" for n in range(1, 11)]
    assert bot.current_page() == "page:after_other_side"  # writing comes after every outcome
    with app.app_context():
        person = db.session.scalar(select(Participant))
        assert person.arm == arm and person.language == lang
        shown = db.session.execute(
            select(Statement.placebo, Statement.participant_id, Statement.language)
            .join(Exposure, Exposure.statement_id == Statement.id)).all()
        # peers: the seeds (no author) in the participant's language; else the placebo set
        assert len(shown) == 10 and {tuple(s) for s in shown} == {(placebo, None, lang)}
        assert len(db.session.scalars(select(Rating.id)).all()) == 10
