"""The seeding stage's opinion groups kept per app and campaign (app/exchange/group_cache.py).

The reference is the fresh computation, ``fit_groups`` on every anchor answer
read afresh (the PC1 sign, itself checked in test_routing.py): the kept groups
equal it whenever the component is fitted again, a deletion is noticed, and
between fits only newcomers are placed, on the fitted component.
"""

from __future__ import annotations

import random

from sqlalchemy import delete, insert, select

from app.campaigns.surveys import survey_for
from app.exchange import group_cache
from app.exchange.seeding import anchor_rows, fit_groups, missing_codes, opinion_groups
from app.extensions import db
from app.models import Answer, Campaign, Participant


def _add(campaign, rng: random.Random, n: int, start: int) -> list[int]:
    """``n`` participants with both anchor answers, leaning one way or the other."""
    ids = []
    for k in range(start, start + n):
        lean = rng.random() < 0.5
        pid = db.session.execute(insert(Participant).values(
            public_id=f"c{k}", campaign_id=campaign.id, arm="trees_peers", module_order="trees",
            language="en", step="card:1").returning(Participant.id)).scalar_one()
        trees = rng.choice((4, 5)) if lean else rng.choice((1, 2, 3))
        market = rng.choice((1, 2)) if lean else rng.choice((3, 4, 5))
        db.session.execute(insert(Answer), [
            {"participant_id": pid, "phase": "pre", "item": "support_trees", "value": trees,
             "page": "before"},
            {"participant_id": pid, "phase": "pre", "item": "support_market", "value": market,
             "page": "before"}])
        ids.append(pid)
    db.session.commit()
    return ids


def _fresh(campaign, survey) -> dict[int, str]:
    missing = missing_codes(survey)
    answers: dict[int, dict[str, float]] = {}
    for _id, pid, item, value in anchor_rows(db.session, campaign, survey):
        if value not in missing[item]:
            answers.setdefault(pid, {})[item] = float(value)
    return fit_groups(answers, list(survey.exchange.anchors))[0]


def _entry(app, campaign, survey):
    return app.extensions[group_cache._KEY][(campaign.id, survey.version)]


def test_kept_groups_refit_on_growth_place_newcomers_between_and_notice_deletions(
        app, exchange_campaign):
    exchange_campaign()
    rng = random.Random(7)
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        survey = survey_for(campaign)
        assert opinion_groups(db.session, campaign, survey) == {}  # nobody yet
        _add(campaign, rng, 5, 0)
        assert opinion_groups(db.session, campaign, survey) == _fresh(campaign, survey)
        _add(campaign, rng, 245, 5)  # 250 people: fitted again (the first fit had 5)
        groups = opinion_groups(db.session, campaign, survey)
        assert groups == _fresh(campaign, survey) and len(groups) == 250
        fits = _entry(app, campaign, survey).fits
        # A second call with nothing new reads nothing and fits nothing.
        assert opinion_groups(db.session, campaign, survey) == groups
        assert _entry(app, campaign, survey).fits == fits

        # Ten newcomers (under a tenth more): placed on the fitted component, no fit.
        new = _add(campaign, rng, 10, 250)
        kept = opinion_groups(db.session, campaign, survey)
        entry = _entry(app, campaign, survey)
        assert entry.fits == fits and entry.fitted_on == 250
        assert {p: kept[p] for p in groups} == groups  # the others keep their groups
        fit = entry.fit
        for pid in new:  # each newcomer by the sign of its score on the kept component
            trees, market = (entry.answers[pid][i] for i in ("support_trees", "support_market"))
            x = [(v - c) / s for v, c, s in zip((trees, market), fit["centre"], fit["scale"],
                                                 strict=True)]
            score = sum(a * b for a, b in zip(x, fit["axis"], strict=True))
            assert kept[pid] == ("a" if score >= 0 else "b")
        fresh = _fresh(campaign, survey)
        assert sum(kept[p] != fresh[p] for p in fresh) <= 3  # nearly the fresh groups

        # Growth by a tenth: fitted again, exactly the fresh groups.
        _add(campaign, rng, 20, 260)
        assert opinion_groups(db.session, campaign, survey) == _fresh(campaign, survey)
        assert _entry(app, campaign, survey).fits == fits + 1

        # A deletion (a withdrawal's erasure) is noticed: everything read and fitted again.
        gone = new[0]
        db.session.execute(delete(Answer).where(Answer.participant_id == gone))
        db.session.commit()
        after = opinion_groups(db.session, campaign, survey)
        assert gone not in after and after == _fresh(campaign, survey)


def test_kept_groups_are_per_campaign(app, exchange_campaign):
    exchange_campaign("one")
    exchange_campaign("two")
    rng = random.Random(3)
    with app.app_context():
        one, two = db.session.scalars(select(Campaign).order_by(Campaign.slug)).all()
        survey = survey_for(one)
        _add(one, rng, 6, 0)
        assert len(opinion_groups(db.session, one, survey)) == 6
        assert opinion_groups(db.session, two, survey_for(two)) == {}
