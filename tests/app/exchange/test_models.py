"""The exchange tables hold their invariants in the database, on both backends.

Each test writes a row the rules forbid and expects the database (not the
application) to refuse it: one rating per rater and statement, one card per
exposure position, a reason only on a rejected statement, a fair value of
0, 0.5 or 1 unless skipped.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    Campaign,
    Exposure,
    ModerationDecision,
    Participant,
    Rating,
    Statement,
    StatementReport,
)


@pytest.fixture
def rows(app, make_campaign):
    slug = make_campaign()
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
        people = [Participant(public_id=f"p{k}", campaign_id=campaign.id, arm="trees",
                              module_order="trees", language="en", step="thanks")
                  for k in range(2)]
        db.session.add_all(people)
        db.session.flush()
        statement = Statement(campaign_id=campaign.id, participant_id=people[0].id,
                              language="en", proposal="trees", side="for",
                              source_item="reflection", text="x" * 60)
        seed = Statement(campaign_id=campaign.id, seed_key="s1", language="en",
                         proposal="trees", side="against", text="y" * 60, status="approved")
        db.session.add_all([statement, seed])
        db.session.commit()
        yield {"campaign": campaign.id, "author": people[0].id, "rater": people[1].id,
               "statement": statement.id, "seed": seed.id}


def refused(row) -> None:
    db.session.add(row)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_one_rating_per_rater_and_statement(app, rows):
    with app.app_context():
        db.session.add(Rating(participant_id=rows["rater"], statement_id=rows["seed"],
                              fair=1, position=1))
        db.session.commit()
        refused(Rating(participant_id=rows["rater"], statement_id=rows["seed"], fair=0,
                       position=2))


@pytest.mark.parametrize("fair, skipped", [(0.3, False), (None, False), (1.0, True)])
def test_a_rating_is_0_half_or_1_unless_skipped(app, rows, fair, skipped):
    with app.app_context():
        refused(Rating(participant_id=rows["rater"], statement_id=rows["seed"], fair=fair,
                       skipped=skipped, position=1))


def test_a_skipped_rating_has_no_fair_value(app, rows):
    with app.app_context():
        db.session.add(Rating(participant_id=rows["rater"], statement_id=rows["seed"],
                              skipped=True, position=1))
        db.session.commit()
        assert db.session.scalar(select(Rating.fair)) is None


def test_one_card_per_exposure_position_and_statement(app, rows):
    with app.app_context():
        db.session.add(Exposure(participant_id=rows["rater"], statement_id=rows["seed"],
                                position=1, probability=0.5, pool_version="live:1"))
        db.session.commit()
        refused(Exposure(participant_id=rows["rater"], statement_id=rows["statement"],
                         position=1, probability=0.5, pool_version="live:1"))
        refused(Exposure(participant_id=rows["rater"], statement_id=rows["seed"],
                         position=2, probability=0.5, pool_version="live:1"))
        refused(Exposure(participant_id=rows["rater"], statement_id=rows["statement"],
                         position=2, probability=0, pool_version="live:1"))


def test_a_reason_belongs_to_a_rejected_statement_only(app, rows):
    with app.app_context():
        statement = db.session.get(Statement, rows["statement"])
        statement.reason = "spam"
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        statement = db.session.get(Statement, rows["statement"])
        statement.status, statement.reason = "rejected", "spam"
        db.session.commit()


def test_a_statement_is_a_participants_or_a_seed_never_both(app, rows):
    with app.app_context():
        refused(Statement(campaign_id=rows["campaign"], participant_id=rows["rater"],
                          seed_key="s2", language="en", text="z" * 60))
        refused(Statement(campaign_id=rows["campaign"], language="en", text="z" * 60))


def test_one_statement_per_author_and_source_item(app, rows):
    with app.app_context():
        refused(Statement(campaign_id=rows["campaign"], participant_id=rows["author"],
                          source_item="reflection", language="en", text="w" * 60))


def test_a_rejection_needs_a_reason_and_a_report_is_made_once(app, rows):
    with app.app_context():
        refused(ModerationDecision(statement_id=rows["statement"], role="manager",
                                   decision="reject"))
        refused(ModerationDecision(statement_id=rows["statement"], role="bot",
                                   decision="approve"))
        db.session.add(StatementReport(statement_id=rows["seed"], participant_id=rows["rater"],
                                       reason="spam"))
        db.session.commit()
        refused(StatementReport(statement_id=rows["seed"], participant_id=rows["rater"],
                                reason="other"))


def test_deleting_the_author_deletes_their_statements(app, rows):
    with app.app_context():
        db.session.delete(db.session.get(Participant, rows["author"]))
        db.session.commit()
        assert db.session.get(Statement, rows["statement"]) is None
        assert db.session.get(Statement, rows["seed"]) is not None
