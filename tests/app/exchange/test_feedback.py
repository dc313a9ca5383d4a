"""The follow-up's feedback step: what it shows, where it comes, and that it is recorded.

A population is built in the database: raters of two opinion groups (their
before answers to the anchor items, support_trees and support_market, put
them in group "a" or "b"), the participant's own argument rated by both,
three other arguments about "trees" rated by both, and support answers.
The participant then takes the follow-up through its real pages.
"""

from __future__ import annotations

import csv
import math
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from app.exchange import feedback as fb
from app.exchange.plain_groups import pc1_groups
from app.exchange.seeding import opinion_groups
from app.extensions import db
from app.models import Answer, Campaign, Participant, Rating, Statement
from app.participant import followup as fu
from tests.bots import Bot
from tests.security.test_xss_corpus import PAYLOADS, assert_inert

FAIRS = {"yes": 1.0, "somewhat": 0.5, "no": 0.0}
OWN_TEXT = "Trees cool the square in summer, and that helps the old and the very young most."


def _person(campaign, public_id, trees, market, status="completed"):
    p = Participant(public_id=public_id, campaign_id=campaign.id, arm="trees_peers",
                    module_order="trees", language="en", step="thanks", status=status)
    db.session.add(p)
    db.session.flush()
    for item, value in (("support_trees", trees), ("support_market", market)):
        db.session.add(Answer(participant_id=p.id, phase="pre", item=item, value=value,
                              page="before"))
    return p


def _statement(campaign, author, text, proposal="trees"):
    s = Statement(campaign_id=campaign.id, participant_id=author.id if author else None,
                  seed_key=None if author else f"k{random.random()}", language="en",
                  proposal=proposal, side="for", source_item="reflection" if author else None,
                  text=text, status="approved")
    db.session.add(s)
    db.session.flush()
    return s


def _rate(statement, raters, fairs):
    for rater, fair in zip(raters, fairs, strict=False):
        db.session.add(Rating(participant_id=rater.id, statement_id=statement.id, fair=fair,
                              skipped=fair is None, position=1))


def population(app, slug: str, public_id: str, own_text: str = OWN_TEXT) -> dict:
    """Group a (support trees 5, market 1) and b (1, 5): 12 raters each; "me" in group a."""
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
        campaign.followup_status = "open"
        group_a = [_person(campaign, f"a{k}", 5, 1) for k in range(12)]
        group_b = [_person(campaign, f"b{k}", 1, 5) for k in range(12)]
        me = _person(campaign, public_id, 4, 2)
        db.session.add(Answer(participant_id=me.id, phase="pre", item="share_trees", value=70,
                              page="before"))
        db.session.add(Answer(participant_id=me.id, phase="post", item="share_trees", value=40,
                              page="after"))
        own = _statement(campaign, me, own_text)
        # group a: 6 ratings (3 yes, 2 somewhat, 1 no) and one skip; group b: only 3
        _rate(own, group_a, [1, 1, 1, 0.5, 0.5, 0, None])
        _rate(own, group_b, [0, 0, 1])
        rated = {}
        for name, a, b in (("fair to a only", [1] * 5, [0, 0, 0, 0.5, 0.5]),  # 1, 0.2
                           ("fair to both", [1, 1, 0.5, 0.5, 1], [1, 1, 0.5, 0.5, 1]),  # .8 .8
                           ("mostly fair", [1] * 5, [1, 1, 0.5, 0.5, 0]),  # 1, 0.6
                           ("too few in b", [1] * 5, [1] * 4)):
            s = _statement(campaign, None, f"Argument {name}: " + "x" * 40)
            _rate(s, group_a, a)
            _rate(s, group_b, b)
            rated[name] = s.id
        code = fu.mint_code_for(db.session, me)
        db.session.commit()
        return {"code": code, "me": me.id, "rated": rated, "seed": campaign.seed}


def public_id_with(seed: str, order: str) -> str:
    """A public id whose seeded coin gives ``order``."""
    campaign, survey = Campaign(seed=seed), type("S", (), {"exchange": object()})()
    for k in range(100):
        pid = f"me{k}"
        if fu.feedback_order(campaign, survey, Participant(public_id=pid)) == order:
            return pid
    raise AssertionError("no such id in 100 tries")


def follow_up(client, survey, code: str) -> tuple[Bot, list[str], str]:
    """Take the follow-up; returns the bot, the step keys in order and the feedback page."""
    bot = Bot(client, "debate", survey)
    bot.get(f"followup/{code}")
    bot.post(re.search(r'action="([^"]+/start)"', bot.html).group(1), {})
    keys, feedback = [], ""
    while bot.current_action() is not None:
        key = bot.current_page()
        keys.append(key)
        if key == fu.FOLLOWUP_FEEDBACK:
            feedback = bot.html
            bot.submit_current({})
        else:
            bot.submit_current()
    assert "Your follow-up answers have been saved" in bot.html
    return bot, keys, feedback


@pytest.mark.parametrize("order", ["before", "after"])
def test_the_feedback_step_comes_where_the_seeded_coin_says_and_is_recorded(
        app, client, exchange_campaign, exchange_survey, order):
    exchange_campaign()
    with app.app_context():
        seed = db.session.scalar(select(Campaign.seed).where(Campaign.slug == "debate"))
    made = population(app, "debate", public_id_with(seed, order))
    _, keys, _ = follow_up(client, exchange_survey, made["code"])
    posts = [f"followup:{p.id}" for p in exchange_survey.pages_in("post")]
    assert keys == ([fu.FOLLOWUP_FEEDBACK] + posts if order == "before"
                    else posts + [fu.FOLLOWUP_FEEDBACK])
    with app.app_context():
        me = db.session.get(Participant, made["me"])
        assert me.feedback_order == order and me.followup_completed_at is not None
        # the feedback step stored no answer
        phases = db.session.scalars(select(Answer.page).where(
            Answer.participant_id == me.id, Answer.phase == "followup")).all()
        assert set(phases) == {p.id for p in exchange_survey.pages_in("post")}


def test_the_feedback_page_shows_group_ratings_bridging_and_support(
        app, client, exchange_campaign, exchange_survey):
    exchange_campaign()
    made = population(app, "debate", "me")
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "debate"))
        me = db.session.get(Participant, made["me"])
        shown = fb.feedback_for(db.session, campaign, exchange_survey, me)
    (own,) = shown.own
    mine, other = own.cells
    assert (mine.own, mine.raters, mine.yes, mine.somewhat, mine.no) == (True, 6, 3, 2, 1)
    assert (other.own, other.raters, other.yes) == (False, 3, None)  # too few: hidden
    (trees_title, trees), (market_title, market) = shown.bridging
    assert (trees_title, market_title) == ("Plant trees on the square", "A weekly market")
    # ranked by the lower group's mean; "too few in b" has 4 raters in b: not eligible
    assert [b.statement_id for b in trees] == [made["rated"]["fair to both"],
                                               made["rated"]["mostly fair"]]
    assert (trees[1].own_mean, trees[1].other_mean) == (1.0, pytest.approx(0.6))
    assert market == ()
    (support,) = shown.support
    # 25 before answers to support_trees (12 x 5, 12 x 1, me 4); supporting: >= 4 of 1..5
    assert support.estimate == 40 and support.actual == pytest.approx(100 * 13 / 25)
    html = client.get(f"/c/debate/followup/{made['code']}").get_data(as_text=True)
    assert "Welcome back" in html  # the follow-up not yet started: the page comes later


def test_the_page_says_too_few_and_hides_shares_below_the_minimums(
        app, client, exchange_campaign, exchange_survey):
    exchange_campaign()
    made = population(app, "debate", public_id_with_seed(app, "before"))
    bot = Bot(client, "debate", exchange_survey)
    bot.get(f"followup/{made['code']}")
    bot.post(re.search(r'action="([^"]+/start)"', bot.html).group(1), {})
    assert bot.current_page() == fu.FOLLOWUP_FEEDBACK
    html = bot.html
    assert "6 ratings: 3 yes, 2 somewhat, 1 no." in html
    assert "too few ratings to show (fewer than 5)." in html
    assert "Argument fair to both" in html and "Argument fair to a only" not in html
    assert "Not enough ratings from both groups yet." in html
    assert "Your estimate: 40%" in html and "Participants who supported it: 52%" in html
    assert 'name="csrf_token"' in html


def test_a_participant_without_anchor_answers_sees_the_groups_unnamed(
        app, client, exchange_campaign, exchange_survey):
    exchange_campaign()
    made = population(app, "debate", public_id_with_seed(app, "before"))
    with app.app_context():
        for answer in db.session.scalars(select(Answer).where(
                Answer.participant_id == made["me"], Answer.item.like("support_%"))):
            db.session.delete(answer)
        db.session.commit()
    bot = Bot(client, "debate", exchange_survey)
    bot.get(f"followup/{made['code']}")
    bot.post(re.search(r'action="([^"]+/start)"', bot.html).group(1), {})
    html = bot.html
    assert "One opinion group:" in html and "The other opinion group:" in html
    assert "closer to yours" not in html
    assert "Fairness score: 80 of 100 in one opinion group, 80 of 100 in the other." in html


def public_id_with_seed(app, order: str) -> str:
    with app.app_context():
        seed = db.session.scalar(select(Campaign.seed).where(Campaign.slug == "debate"))
    return public_id_with(seed, order)


def test_submitting_the_feedback_step_twice_moves_on_once(app, client, exchange_campaign,
                                                          exchange_survey):
    exchange_campaign()
    made = population(app, "debate", public_id_with_seed(app, "before"))
    bot = Bot(client, "debate", exchange_survey)
    bot.get(f"followup/{made['code']}")
    bot.post(re.search(r'action="([^"]+/start)"', bot.html).group(1), {})
    page = bot.html
    bot.submit(fu.FOLLOWUP_FEEDBACK, {})
    first_post = bot.current_page()
    assert first_post == f"followup:{exchange_survey.pages_in('post')[0].id}"
    bot.html = page  # the back button: the feedback page posted again
    bot.submit_current({})
    assert bot.current_page() == first_post  # still on the first question page
    bot.submit_current()  # a second tab's answers to the first page, then the first again
    with app.app_context():
        me = db.session.get(Participant, made["me"])
        assert me.followup_step == f"followup:{exchange_survey.pages_in('post')[1].id}"
    # a feedback post from a stale tab now (claimed step) changes nothing
    bot.html = page
    bot.submit_current({})
    with app.app_context():
        assert db.session.get(Participant, made["me"]).followup_step == me.followup_step


def test_hostile_text_is_escaped_on_the_feedback_page(app, client, exchange_campaign,
                                                      exchange_survey):
    exchange_campaign()
    text = "Trees matter. " + " ".join(PAYLOADS)
    made = population(app, "debate", public_id_with_seed(app, "before"), own_text=text)
    bot = Bot(client, "debate", exchange_survey)
    bot.get(f"followup/{made['code']}")
    bot.post(re.search(r'action="([^"]+/start)"', bot.html).group(1), {})
    assert bot.current_page() == fu.FOLLOWUP_FEEDBACK
    assert_inert(bot.html, "feedback page")
    assert "&lt;script&gt;alert(1337)" in bot.html  # shown as text


def test_the_seeded_coin_is_reproducible_and_fair():
    survey = type("S", (), {"exchange": object()})()
    campaign = Campaign(seed="s1")
    draws = [fu.feedback_order(campaign, survey, Participant(public_id=f"p{k}"))
             for k in range(2000)]
    again = [fu.feedback_order(campaign, survey, Participant(public_id=f"p{k}"))
             for k in range(2000)]
    assert draws == again and set(draws) == {"before", "after"}
    # a fair coin: 2000 draws within 4 SD of 1000 (binomial SD 22.4)
    assert abs(draws.count("before") - 1000) < 90
    other = [fu.feedback_order(Campaign(seed="s2"), survey, Participant(public_id=f"p{k}"))
             for k in range(2000)]
    assert other != draws
    assert fu.feedback_order(campaign, type("S", (), {"exchange": None})(),
                             Participant(public_id="p1")) == "none"


def test_the_export_has_the_feedback_order(app, client, runner, exchange_campaign,
                                           exchange_survey, tmp_path):
    exchange_campaign()
    pid = public_id_with_seed(app, "after")
    made = population(app, "debate", pid)
    follow_up(client, exchange_survey, made["code"])
    out = tmp_path / "export"
    assert runner.invoke(args=["export", "debate", str(out)]).exit_code == 0
    with (out / "participants.csv").open(encoding="utf-8") as f:
        orders = {r["participant_id"]: r["feedback_order"] for r in csv.DictReader(f)}
    assert orders[pid] == "after"
    assert orders["a0"] == ""  # never started the follow-up


# --- the groups: numpy-free, the routing's rule ------------------------------------------


def _numpy_groups(matrix: np.ndarray) -> list[str]:
    """The outside reference: numpy's SVD on the standardised matrix (seeding's rule)."""
    varied = [j for j in range(matrix.shape[1]) if np.sum(np.isfinite(matrix[:, j])) >= 2
              and np.nanstd(matrix[:, j]) > 0]
    x = matrix[:, varied]
    x = np.nan_to_num((x - np.nanmean(x, axis=0)) / np.nanstd(x, axis=0))
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    score = x @ vt[0]
    if np.corrcoef(score, x[:, 0])[0, 1] < 0:
        score = -score
    return ["a" if s >= 0 else "b" for s in score]


@pytest.mark.parametrize("seed", range(8))
def test_plain_groups_match_numpys_svd(seed):
    rng = np.random.default_rng(seed)
    n, k = 60, 4
    side = rng.choice([-1.0, 1.0], size=n)
    matrix = np.clip(np.round(4 + side[:, None] * rng.uniform(0.5, 2.5, size=(n, k))
                              + rng.normal(0, 1, size=(n, k))), 1, 7)
    matrix[rng.random((n, k)) < 0.1] = np.nan  # some answers missing
    items = [f"i{j}" for j in range(k)]
    answers = {p: {items[j]: float(matrix[p, j]) for j in range(k) if math.isfinite(matrix[p, j])}
               for p in range(n)}
    plain = pc1_groups(answers, items)
    assert [plain[p] for p in range(n)] == _numpy_groups(matrix)


def test_plain_groups_match_the_routings_groups(app, exchange_campaign, exchange_survey):
    exchange_campaign()
    population(app, "debate", "me")
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "debate"))
        routed = opinion_groups(db.session, campaign, exchange_survey)
        assert fb.anchor_groups(db.session, campaign, exchange_survey) == routed
        assert len(set(routed.values())) == 2


def test_too_few_answered_gives_no_groups():
    assert pc1_groups({1: {"x": 1.0}, 2: {"x": 2.0}}, ["x"]) == {}
    assert pc1_groups({1: {"x": 1.0}, 2: {"x": 1.0}, 3: {"x": 1.0}}, ["x"]) == {}


def test_the_feedback_path_loads_no_numpy():
    # The web process must not load numpy on the participant path: the page's groups
    # and bridging approximation are plain Python.
    code = ("import sys, app.exchange.feedback, app.participant.followup_views; "
            "print(','.join(m for m in ('numpy', 'pandas', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parents[3])
    assert out.stdout.strip() == ""
