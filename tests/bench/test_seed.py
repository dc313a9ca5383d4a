"""bench/seed.py leaves a campaign people can still join, on PostgreSQL as on SQLite.

The seeder writes participant ids itself, which does not move PostgreSQL's
id sequence: every participant start afterwards failed on the primary key
until the sequences were reset.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Participant
from bench.seed import seed_campaign
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)


def test_participants_start_after_seeding(app):
    with app.app_context():
        people, answers = seed_campaign(EXAMPLE, "bench", 300)
    assert people > 0 and answers >= 300
    for _ in range(2):
        assert "Thank you" in Bot(app.test_client(), "bench", SURVEY).walk()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Participant)) == people + 2
