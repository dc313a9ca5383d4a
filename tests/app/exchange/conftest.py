"""Fixtures of the exchange tests: a campaign on the example survey with an exchange."""

from __future__ import annotations

import pytest

from surveys import load_survey
from tests.exchange_survey import with_exchange


@pytest.fixture
def exchange_folder(tmp_path):
    return with_exchange(tmp_path / "exchange_survey")


@pytest.fixture
def exchange_survey(exchange_folder):
    return load_survey(exchange_folder)


@pytest.fixture
def exchange_campaign(make_campaign, exchange_folder):
    """Builder: an open campaign (slug ``debate``) on the example survey with an exchange."""

    def build(slug: str = "debate", **options):
        return make_campaign(slug, survey=exchange_folder, **options)

    return build


@pytest.fixture
def model_during_a_write(app, monkeypatch):
    """SQLite: the triage model, replaced by one that first commits a write from another
    connection (as a participant's page save would) and scores every text 0.

    Returns the list of what that write did: ``"committed"``, or SQLite's message
    (``"database is locked"`` after 0.5 s when triage holds the write lock).
    """
    import sqlite3

    from app.exchange import triage_job

    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    outcomes = []

    def model(texts):
        other = sqlite3.connect(path, timeout=0.5, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE participant SET last_seen_at = CURRENT_TIMESTAMP")
            other.execute("COMMIT")
            outcomes.append("committed")
        except sqlite3.OperationalError as exc:
            outcomes.append(str(exc))
        finally:
            other.close()
        return [0.0 for _ in texts]

    monkeypatch.setattr(triage_job, "english_profanity", model)
    return outcomes
