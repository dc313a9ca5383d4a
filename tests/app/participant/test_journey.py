"""The whole participant journey through the Flask test client, on both backends."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Answer, PageVisit, Participant
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)


def test_a_participant_walks_the_whole_survey_and_every_answer_is_stored(app, client, make_campaign):
    slug = make_campaign()
    bot = Bot(client, slug, SURVEY)
    html = bot.walk()
    assert "Thank you" in html
    with app.app_context():
        p = db.session.scalar(select(Participant))
        assert p.status == "completed" and p.completed_at is not None
        rows = db.session.scalars(select(Answer).where(Answer.participant_id == p.id)).all()
        expected = (
            len(SURVEY.page("about").items)
            + len(SURVEY.page("before").items)
            + len(SURVEY.page("on_module").items) * len(p.modules)
            + len(SURVEY.page("after").items)
        )
        assert len(rows) == expected
        by_key = {(a.phase, a.module, a.item): a for a in rows}
        assert by_key[("pre", "", "warmth_council")].value == 60
        assert by_key[("post", "", "rank_plans")].text == "trees|market"
        assert by_key[("profile", "", "transport")].text == "walk|car"
        assert by_key[("profile", "", "transport")].value == 2
        assert by_key[("post", "", "attention")].value == 2  # "blue" is option 2
        for module in p.modules:
            assert ("module", module, "balanced") in by_key
        assert all(a.seconds_on_page is not None and a.seconds_on_page >= 0 for a in rows)
        visits = db.session.scalar(select(func.count()).select_from(PageVisit))
        assert visits == len(bot.history)
