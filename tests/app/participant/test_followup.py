"""The follow-up wave: completers answer the "after" items again, linked without identity."""

from __future__ import annotations

import csv
import re
from collections import Counter

from sqlalchemy import func, select

from app.extensions import db
from app.models import Answer, Participant
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
POST_ITEMS = set(SURVEY.page("after").items)


def run(runner, *args):
    return runner.invoke(args=[str(a) for a in args])


def complete(app, n: int, query: str = "") -> list[Bot]:
    bots = [Bot(app.test_client(), "town", SURVEY) for _ in range(n)]
    for bot in bots:
        assert "Thank you" in bot.walk(query=query)
    return bots


def links(runner, tmp_path, *extra) -> list[dict]:
    out = tmp_path / f"followup-{len(list(tmp_path.iterdir()))}.csv"
    result = run(runner, "followup", "links", "town", "--out", out, *extra)
    assert result.exit_code == 0, result.output
    with out.open() as f:
        return list(csv.DictReader(f))


def path_of(link: str) -> str:
    return link.split("/c/town/", 1)[1]


def do_followup(app, link: str, answers: dict | None = None) -> Bot:
    bot = Bot(app.test_client(), "town", SURVEY, overrides={"after": answers or {}})
    bot.get(path_of(link))
    assert "Start the follow-up" in bot.html
    bot.post(re.search(r'action="([^"]+/start)"', bot.html).group(1), {})
    while bot.current_action() is not None:
        bot.submit_current()
    assert "Your follow-up answers have been saved" in bot.html
    return bot


def test_completers_answer_the_after_items_again_and_the_export_pairs_them(
    app, runner, make_campaign, tmp_path
):
    make_campaign(design={"completion": {"followup": {"code": "FU-OK"}}})
    complete(app, 3)
    Bot(app.test_client(), "town", SURVEY).start()  # started, never finished: no link
    rows = links(runner, tmp_path)
    assert len(rows) == 3 and all(r["link"].startswith("http://127.0.0.1:5000/c/town/followup/")
                                  for r in rows)
    assert app.test_client().get("/c/town/" + path_of(rows[0]["link"])).status_code == 403
    assert run(runner, "followup", "open", "town").exit_code == 0
    first = do_followup(app, rows[0]["link"], {"q_support_trees": "1"})
    assert "FU-OK" in first.html
    do_followup(app, rows[1]["link"])
    # The export pairs pre, post and followup per participant; the third never came back.
    out = tmp_path / "export"
    assert run(runner, "export", "town", out).exit_code == 0
    with (out / "answers.csv").open() as f:
        answers = list(csv.DictReader(f))
    with (out / "participants.csv").open() as f:
        people = {p["participant_id"]: p for p in csv.DictReader(f)}
    phases = Counter((a["participant_id"], a["phase"]) for a in answers
                     if a["item"] == "support_trees")
    back = {rows[0]["participant_id"], rows[1]["participant_id"]}
    for pid in back:
        assert phases[(pid, "pre")] == phases[(pid, "post")] == phases[(pid, "followup")] == 1
        assert people[pid]["followup_completed_at"]
    assert phases[(rows[2]["participant_id"], "followup")] == 0
    assert not people[rows[2]["participant_id"]]["followup_completed_at"]
    followup_items = {a["item"] for a in answers if a["phase"] == "followup"}
    assert followup_items <= POST_ITEMS and "support_trees" in followup_items
    mine = next(a for a in answers if a["participant_id"] == rows[0]["participant_id"]
                and a["phase"] == "followup" and a["item"] == "support_trees")
    assert mine["value"] == "1"
    # The analysis package reads it (phase followup is part of the contract).
    from analysis import load_export

    loaded = load_export(out)
    assert set(loaded.answers["phase"]) >= {"pre", "post", "followup"}


def test_nobody_reaches_another_participants_followup(app, runner, make_campaign, tmp_path):
    make_campaign()
    make_campaign("other")
    complete(app, 2)
    other_bot = Bot(app.test_client(), "other", SURVEY)
    assert "Thank you" in other_bot.walk()
    rows = links(runner, tmp_path)
    run(runner, "followup", "open", "town")
    run(runner, "followup", "open", "other")
    a, b = rows
    client = app.test_client()
    # Each code shows its own participant's follow-up only.
    do_followup(app, a["link"])
    with app.app_context():
        done = db.session.scalars(select(Participant.public_id).where(
            Participant.followup_completed_at.is_not(None))).all()
    assert done == [a["participant_id"]]
    # B's code is untouched by A finishing, and a code never works in another campaign.
    assert "Start the follow-up" in client.get("/c/town/" + path_of(b["link"])).get_data(
        as_text=True)
    assert client.get("/c/other/" + path_of(b["link"])).status_code == 404
    # Guessed, tampered or cut codes find nobody.
    code = path_of(a["link"]).split("/")[1]
    tampered = code[:-1] + ("0" if code[-1] != "0" else "1")
    for bad in (tampered, code[:-3], "AAAAAAAAAAAAAAAA", "../go"):
        response = client.get(f"/c/town/followup/{bad}")
        assert response.status_code == 404, bad
    # Posting a page with A's step to B's code cannot write into A's answers.
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Answer).where(
            Answer.phase == "followup"))
    html = client.get("/c/town/" + path_of(b["link"])).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    client.post(f"/c/town/followup/{code}/step/followup:after", data={"csrf_token": token})
    with app.app_context():
        after = db.session.scalar(select(func.count()).select_from(Answer).where(
            Answer.phase == "followup"))
    assert after == before


def test_a_followup_page_submitted_twice_is_stored_once(app, runner, make_campaign, tmp_path):
    make_campaign()
    complete(app, 1)
    row = links(runner, tmp_path)[0]
    run(runner, "followup", "open", "town")
    bot = Bot(app.test_client(), "town", SURVEY)
    bot.get(path_of(row["link"]))
    bot.post(re.search(r'action="([^"]+/start)"', bot.html).group(1), {})
    page = bot.html
    bot.submit_current()
    bot.html = page  # the back button: the same page again, submitted again
    bot.submit_current()
    with app.app_context():
        counts = Counter(db.session.scalars(select(Answer.item).where(Answer.phase == "followup")))
    assert counts and set(counts.values()) == {1}


def test_a_panel_id_returning_to_the_followup_link_continues_its_participant(
    app, runner, make_campaign
):
    make_campaign(design={"access": "prolific", "completion": {
        "completed": {"code": "C1"}, "followup": {"code": "FU2"}}})
    complete(app, 1, query="PROLIFIC_PID=returning-1")
    run(runner, "followup", "open", "town")
    client = app.test_client()
    assert client.get("/c/town/followup").status_code == 400  # no id
    assert client.get("/c/town/followup?PROLIFIC_PID=stranger").status_code == 404
    bot = Bot(client, "town", SURVEY)
    bot.get("followup?PROLIFIC_PID=returning-1")
    assert "Start the follow-up" in bot.html
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', bot.html))
    bot.post("/c/town/followup", hidden)
    # The welcome is shown once: its button leads to the first page (issue 19).
    assert "Start the follow-up" not in bot.html and bot.current_action() is not None
    while bot.current_action() is not None:
        bot.submit_current()
    assert "FU2" in bot.html
    assert 'href="https://app.prolific.com/submissions/complete?cc=FU2"' in bot.html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Participant)) == 1
        assert db.session.scalar(select(Participant.followup_completed_at)) is not None


def test_invite_codes_map_to_followup_links(app, runner, make_campaign, tmp_path):
    make_campaign(design={"access": "invite"})
    invites = tmp_path / "invites.csv"
    assert run(runner, "invites", "create", "town", "--n", 2, "--out", invites).exit_code == 0
    with invites.open() as f:
        sent = list(csv.DictReader(f))
    Bot(app.test_client(), "town", SURVEY).walk(query=sent[1]["link"].split("?", 1)[1])
    rows = links(runner, tmp_path, "--invites", invites)
    assert [r["invite_code"] for r in rows] == [sent[1]["code"]]
    # Without --renew a second run mints nothing new; with it the old link stops working.
    assert links(runner, tmp_path) == []
    renewed = links(runner, tmp_path, "--renew")
    run(runner, "followup", "open", "town")
    assert app.test_client().get("/c/town/" + path_of(rows[0]["link"])).status_code == 404
    assert app.test_client().get("/c/town/" + path_of(renewed[0]["link"])).status_code == 200
