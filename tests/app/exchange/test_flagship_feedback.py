"""Issue 21's "done when" on the flagship: write, be moderated, be rated, see it at follow-up.

One participant ("the author") walks surveys/peace_in_europe through its real
pages and writes the strongest argument for the proposal ranked last. The
statement waits until ``parley exchange moderate`` approves it. A manager
then freezes a display set holding just that statement (a chosen list, as
``pools.freeze`` allows; the CLI and the freeze page only freeze by a
minimum of ratings, which a new statement cannot have), so every later
participant of a ``_peers`` arm gets it on a card. Raters of two opinion
groups walk the flagship and rate it on that card: their before answers to
the exchange's anchor items (support for each proposal, the security views,
left-right) are all at the low end or all at the high end of every scale,
so the routing's groups (first principal component, app/exchange/plain_groups.py)
put them apart, the author with the low group. With the wave opened by
``parley followup open`` the author takes the follow-up from their link of
``parley followup links``; its feedback page says how each group rated the
argument, with the counts the raters gave (a skip is no rating).
"""

from __future__ import annotations

import csv
import re

from sqlalchemy import select

from app.exchange.feedback import MIN_RATERS, anchor_groups
from app.exchange.pools import freeze
from app.extensions import db
from app.models import Campaign, Exposure, Participant, Rating, Statement
from app.participant import followup as fu
from surveys import FLAGSHIP, load_survey
from tests.bots import Bot

SURVEY = load_survey(FLAGSHIP)
ARM = "accord_peers"
SEED = "flagship-feedback-1"
#: The author's argument for the proposal they rank last (the bot ranks in the listed
#: order, so the last one: continued military support and deterrence).
TEXT = ("Continued military support keeps an aggressor from gaining anything by force, and a "
        "credible deterrent makes the next war less likely than a ceasefire that rewards it.")
#: The low group's (the author's) and the high group's answers to the author's card.
LOW_FAIRS = ["yes", "yes", "yes", "somewhat", "no"]
HIGH_FAIRS = ["no", "no", "no", "somewhat", "yes", "skip"]


def anchored(end: str) -> dict[str, dict]:
    """Overrides putting every anchor item's before answer at the ``low`` or ``high`` end."""
    overrides: dict[str, dict] = {}
    for item_id in SURVEY.exchange.anchors:
        item = SURVEY.items[item_id]
        options = [o for o in item.options if not o.missing]
        page = next(p for p in SURVEY.pages if item_id in p.items and p.phase in ("profile", "pre"))
        pick = options[0] if end == "low" else options[-1]
        overrides.setdefault(page.id, {})[f"q_{item_id}"] = pick.id
    return overrides


def walk(client, end: str, text: str | None = None, fair: str | None = None) -> tuple[Bot, list]:
    """Walk the flagship in English to the thanks page; returns the bot and the HTML of the
    cards that showed a statement (the journey keeps its ten card steps; past the
    dealt cards they are empty)."""
    overrides = anchored(end)
    if text is not None:
        overrides["after_other_side"] = {"q_strongest_argument_least_liked": text}
    bot = Bot(client, "peace", SURVEY, overrides=overrides)
    bot.start("en")
    cards = []
    for _ in range(100):
        step = bot.current_page()
        if step is None:
            break
        if step.startswith("card:") and fair is not None and 'name="fair"' in bot.html:
            cards.append(bot.html)
            bot.submit_current({"fair": fair} if fair == "skip" else {"fair": fair, "agree": "unsure"})
        else:
            bot.submit_current()
    assert "Thank you" in bot.html
    return bot, cards


def test_a_flagship_author_is_moderated_rated_by_both_groups_and_sees_it_at_follow_up(
        app, runner, make_campaign, tmp_path):
    make_campaign("peace", survey=FLAGSHIP, seed=SEED,
                  design={"arm_weights": {a.id: int(a.id == ARM) for a in SURVEY.arms}})

    # 1. The author writes; the argument waits for a moderator, shown to nobody.
    walk(app.test_client(), "low", text=TEXT)
    with app.app_context():
        author = db.session.scalar(select(Participant))
        statement = db.session.scalar(select(Statement).where(
            Statement.participant_id == author.id))
        assert (author.arm, statement.text, statement.status) == (ARM, TEXT, "pending")
        assert statement.proposal == SURVEY.items["rank_proposals"].options[-1].id == "strength"
        author_id, author_pid, statement_id = author.id, author.public_id, statement.id

    # 2. Moderated through the fixed interface.
    queue = runner.invoke(args=["exchange", "queue", "peace"])
    assert f"{statement_id}\t{TEXT}" in queue.output.splitlines()
    moderated = runner.invoke(args=["exchange", "moderate", "peace", str(statement_id),
                                    "--approve"])
    assert moderated.exit_code == 0, moderated.output

    # 3. A display set of just this statement; raters of both groups rate it on their card.
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "peace"))
        assert db.session.get(Statement, statement_id).status == "approved"
        freeze(db.session, campaign, statement_ids=[statement_id], actor="test")
        db.session.commit()
    rater_ids = {}
    for end, fairs in (("low", LOW_FAIRS), ("high", HIGH_FAIRS)):
        for fair in fairs:
            bot, cards = walk(app.test_client(), end, fair=fair)
            assert len(cards) == 1 and TEXT in cards[0]
            with app.app_context():
                rater = db.session.scalar(select(Participant.id).order_by(Participant.id.desc())
                                          .limit(1))
            rater_ids[rater] = end
    with app.app_context():
        groups = anchor_groups(db.session, campaign, SURVEY)
        low, high = groups[author_id], next(g for g in groups.values() if g != groups[author_id])
        assert {r: groups[r] for r in rater_ids} == {
            r: low if end == "low" else high for r, end in rater_ids.items()}
        ratings = db.session.execute(select(Rating.participant_id, Rating.fair, Rating.skipped)
                                     .where(Rating.statement_id == statement_id)).all()
        assert len(ratings) == len(LOW_FAIRS) + len(HIGH_FAIRS)  # each card saved once
        shown = db.session.scalars(select(Exposure.statement_id).where(
            Exposure.participant_id.in_(rater_ids))).all()
        assert shown == [statement_id] * len(rater_ids)
    assert len(LOW_FAIRS) >= MIN_RATERS and len(HIGH_FAIRS) - 1 >= MIN_RATERS

    # 4. The follow-up wave: the author's own link, the feedback page among its steps.
    assert runner.invoke(args=["followup", "open", "peace"]).exit_code == 0
    out = tmp_path / "links.csv"
    made = runner.invoke(args=["followup", "links", "peace", "--out", str(out)])
    assert made.exit_code == 0, made.output
    with out.open(encoding="utf-8") as f:
        link = next(r["link"] for r in csv.DictReader(f) if r["participant_id"] == author_pid)
    bot = Bot(app.test_client(), "peace", SURVEY)
    bot.get(link.split("/c/peace/", 1)[1])
    bot.post(re.search(r'action="([^"]+/start)"', bot.html).group(1), {})
    feedback = ""
    while bot.current_action() is not None:
        if bot.current_page() == fu.FOLLOWUP_FEEDBACK:
            feedback = bot.html
            bot.submit_current({})
        else:
            bot.submit_current()
    assert "Your follow-up answers have been saved" in bot.html
    own_part = feedback.split("How others rated your argument", 1)[1].split("</ul>", 1)[0]
    assert TEXT in own_part
    # "Arguments both sides found fair" lists others' arguments: one's own is above only
    assert feedback.count(TEXT) == 1
    # the counts the raters gave, own group first; the skip is not a rating
    assert re.findall(r"<strong>([^<]+):</strong>\s*([^<]+?)\s*</li>", own_part) == [
        ("People whose earlier answers were closer to yours", "5 ratings: 3 yes, 1 somewhat, 1 no."),
        ("People whose earlier answers differed from yours", "5 ratings: 1 yes, 1 somewhat, 3 no."),
    ]
    with app.app_context():
        assert db.session.get(Participant, author_id).followup_completed_at is not None
