"""The thanks page shows where participants stand only once enough have finished."""

from __future__ import annotations

import dataclasses
import re

from app.export.codebook import build_codebook
from surveys import EXAMPLE, FLAGSHIP, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)


def finish(client, slug: str, before: int, after: int) -> str:
    return Bot(client, slug, SURVEY, overrides={
        "before": {"q_support_trees": str(before)}, "after": {"q_support_trees": str(after)},
    }).walk()


def test_results_appear_only_from_the_threshold_on(app, make_campaign):
    slug = make_campaign(results_min_completed=3, design={"show_results": True})
    first = finish(app.test_client(), slug, 1, 2)
    second = finish(app.test_client(), slug, 2, 4)
    assert "Results will appear here once enough people have taken part." in second
    assert "Where participants stand so far" not in first + second
    third = finish(app.test_client(), slug, 3, 5)
    assert "Where participants stand so far" in third
    # Means over the three completers: before (1+2+3)/3 = 2.0, after (2+4+5)/3 = 3.7.
    trees = third[third.index("Plant trees on the square"):]
    assert re.search(r'<meter min="1" max="5" value="2.00">', trees)
    assert re.search(r'<meter min="1" max="5" value="3.67">', trees)


def test_the_default_threshold_is_thirty(app, make_campaign):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Campaign

    make_campaign()
    with app.app_context():
        assert db.session.scalar(select(Campaign.results_min_completed)) == 30


def test_the_flagship_codebook_documents_every_item_in_four_languages():
    survey = load_survey(FLAGSHIP)
    codebook = build_codebook(survey)
    assert codebook["survey"]["languages"] == ["en", "de", "uk", "ru"]
    assert {i["id"] for i in codebook["items"]} == set(survey.items)
    for item in codebook["items"]:
        assert set(item["text"]) == {"en", "de", "uk", "ru"}
        assert all(item["text"][lang].strip() for lang in item["text"])
        for option in item["options"]:
            assert set(option["label"]) == {"en", "de", "uk", "ru"}
        if item["role"] in ("knowledge", "attention"):
            assert item["correct"] is not None
    likert = [i for i in codebook["items"] if i["straightlining"] and i["construct"]]
    assert any(i["reverse"] for i in likert) and not all(i["reverse"] for i in likert)


def test_a_small_cell_is_not_shown_and_missing_codes_do_not_count(app, make_campaign):
    """Issue 10.3: the small-cell rule of the report applies to each cell on the thanks page.

    Two completers, threshold 2: both support items are shown. Declaring the code one of
    them answered a missing option ("prefer not to say") leaves one substantive answer
    before, fewer than the threshold: that item disappears, the other stays.
    """
    from app.extensions import db
    from app.models import Campaign
    from app.participant.results import results_for_thanks
    from surveys import Option

    slug = make_campaign(results_min_completed=2)
    finish(app.test_client(), slug, 1, 2)
    finish(app.test_client(), slug, 3, 4)
    with app.app_context():
        campaign = db.session.execute(db.select(Campaign)).scalar_one()
        shown = results_for_thanks(db.session, campaign, SURVEY, "en")
        assert [r.item_id for r in shown] == ["support_trees", "support_market"]
        item = SURVEY.items["support_trees"]
        first = item.options[0]
        missing = Option(**{**first.__dict__, "missing": True})
        patched = type(item)(**{**item.__dict__, "options": (missing, *item.options[1:])})
        survey = dataclasses.replace(SURVEY, items={**SURVEY.items, "support_trees": patched})
        shown = results_for_thanks(db.session, campaign, survey, "en")
        assert [r.item_id for r in shown] == ["support_market"]
