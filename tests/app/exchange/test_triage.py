"""Triage: a table of inputs and the flags they raise, per language, and the job that runs it.

The texts are written for the test; each row names the flags it must raise
(and so, by equality, every flag it must not).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.exchange import triage_job
from app.exchange.triage import (
    personal_data,
    signature,
    similarity,
    triage_text,
)
from app.exchange.triage_job import english_profanity, warm_model
from app.extensions import db
from app.jobs.runner import wait_for_threads
from app.models import Job, Statement

LIMITS = (50, 600)
EN = "Trees would give the square shade in summer, so older people could sit there again."
DE = "Bäume würden dem Platz im Sommer Schatten geben, so könnten ältere Menschen dort sitzen."
UK = "Дерева дали б площі тінь улітку, і літні люди знову могли б там посидіти й відпочити."
RU = "Деревья дали бы площади тень летом, и пожилые люди снова могли бы там посидеть и отдохнуть."

CASES = [
    # (language, text, flags)
    ("en", EN, ()),
    ("de", DE, ()),
    ("uk", UK, ()),
    ("ru", RU, ()),
    ("en", "Trees are good.", ("too_short",)),
    ("de", DE + " " + "x" * 600, ("too_long",)),
    ("en", UK, ("script",)),
    ("ru", EN, ("script",)),
    ("uk", RU, ("language",)),
    ("ru", UK, ("language",)),
    ("de", EN, ("language",)),
    ("en", DE, ("language",)),
    ("en", EN + " Write to anna.k@example.org", ("email",)),
    ("de", DE + " Ruf an: +49 (30) 123 45 67", ("phone",)),
    ("uk", UK + " Телефон 050-123-45-67", ("phone",)),
    ("ru", RU + " Подробнее: https://example.ru/a?b=1", ("link",)),
    ("en", EN + " see www.example.com", ("link",)),
    ("de", DE + " Mehr auf example.de", ("link",)),
    ("en", EN + " Follow @peace_now", ("handle",)),
    ("uk", UK + " Номер справи 12345678", ("digits",)),
    ("en", EN + " Only an idiot would disagree.", ("word_list", "profanity")),
    ("de", DE + " Wer das ablehnt, ist ein Depp.", ("word_list",)),
    ("en", EN + " In 2024 about 300 trees were cut.", ()),
]


@pytest.mark.parametrize("lang, text, flags", CASES)
def test_triage_raises_exactly_these_flags(lang, text, flags):
    words = {"en": ("idiot", "moron"), "de": ("depp",), "uk": (), "ru": ()}[lang]
    score = english_profanity([text])[0] if lang == "en" else None
    found = triage_text(text, lang, limits=LIMITS, terms=words, profanity=score)
    assert found.flags == flags
    # no flag: only a low profanity score may add a little (half the score)
    assert found.risk >= 0.3 if flags else found.risk < 0.1


def test_an_email_is_not_also_a_handle():
    assert personal_data("mail bob@example.org please") == ["email"]


def test_near_duplicates_are_found_and_distinct_texts_are_not():
    first = signature(EN)
    copy = EN.replace(",", "").upper() + "!"
    assert similarity(first, signature(copy)) == 1.0
    found = triage_text(copy, "en", limits=LIMITS, earlier=[first])
    assert found.flags == ("near_duplicate",)
    other = "A weekly market brings people to the square and pays for keeping it clean."
    assert similarity(first, signature(other)) < 0.3
    assert triage_text(other, "en", limits=LIMITS, earlier=[first]).flags == ()


def test_minhash_estimates_jaccard_of_the_shingles():
    # 64 hash functions: the estimate's SE is sqrt(J(1-J)/64) <= 0.0625; the
    # exact Jaccard of these two texts' 5-shingles is computed here.
    a = "the quick brown fox jumps over the lazy dog"
    b = "the quick brown fox jumped over a lazy dog"
    grams = [{t[i:i + 5] for i in range(len(t) - 4)} for t in (a, b)]
    exact = len(grams[0] & grams[1]) / len(grams[0] | grams[1])
    assert abs(similarity(signature(a), signature(b)) - exact) < 4 * 0.0625


def test_profanity_model_scores_english_abuse_high_and_argument_low():
    low, high = english_profanity([EN, "You are a fucking idiot"])
    assert low < 0.2 < 0.8 < high


def test_a_written_statement_is_triaged_by_a_background_job(app, client, exchange_campaign,
                                                             exchange_survey):
    from tests.app.exchange.test_writing import walk_to_write

    exchange_campaign()
    bot = walk_to_write(client, exchange_survey)
    bot.submit("page:write", {"q_reflection": EN + " Mail me: x@example.org"})
    assert wait_for_threads(timeout=60)
    with app.app_context():
        statement = db.session.scalar(select(Statement).where(Statement.participant_id.is_not(None)))
        assert statement.flags == ["email"] and statement.risk >= 0.9
        assert len(statement.signature) == 64 and statement.triaged_at is not None
        job = db.session.scalar(select(Job).where(Job.kind == "triage"))
        assert (job.status, job.message) == ("done", "1 statement(s) triaged")


def test_the_model_is_warmed_only_when_a_campaign_taking_statements_has_an_exchange(
        app, make_campaign, exchange_campaign, monkeypatch):
    """``parley run`` with the thread runner loads the model before forking its workers
    (app/serve.py) when an open or paused campaign has an exchange; otherwise not at all."""
    warmed = []
    monkeypatch.setattr(triage_job, "english_profanity", lambda texts: warmed.append(texts))
    make_campaign(slug="plain")  # the example survey: no exchange
    exchange_campaign(slug="done", status="closed")
    with app.app_context():
        assert warm_model(db.session) is False and warmed == []
    exchange_campaign(slug="talk", status="paused")
    with app.app_context():
        assert warm_model(db.session) is True and len(warmed) == 1


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_triage_job_runs_its_model_without_holding_the_write_lock(
        app, client, exchange_campaign, exchange_survey, model_during_a_write):
    """SQLite: while the job scores a statement, another connection writes and commits
    at once, and the job still stores its findings after that write. A job that took the
    write lock first held every page save for its whole run (3.3 s on a first run)."""
    from tests.app.exchange.test_writing import walk_to_write

    exchange_campaign()
    bot = walk_to_write(client, exchange_survey)
    bot.submit("page:write", {"q_reflection": EN + " Mail me: x@example.org"})
    assert wait_for_threads(timeout=60)
    assert model_during_a_write == ["committed"]
    with app.app_context():
        statement = db.session.scalar(select(Statement).where(Statement.participant_id.is_not(None)))
        assert statement.flags == ["email"] and statement.triaged_at is not None
        job = db.session.scalar(select(Job).where(Job.kind == "triage"))
        assert (job.status, job.message) == ("done", "1 statement(s) triaged")
