"""The follow-up's own questions: asked after the repeated post pages, stored as phase
``followup``, exported, in the codebook, and read by the analysis (both backends)."""

from __future__ import annotations

import csv
import json
import re

from analysis import load_export
from analysis.pipeline import analyse_export
from surveys import load_survey
from tests.app.participant.test_followup import links, path_of, run
from tests.bots import Bot
from tests.followup_survey import followup_survey


def test_the_followup_asks_the_after_pages_then_its_own_questions(
    app, runner, make_campaign, tmp_path
):
    folder = followup_survey(tmp_path)
    survey = load_survey(folder)
    make_campaign(survey=folder)
    main = Bot(app.test_client(), "town", survey)
    assert "Thank you" in main.walk()
    # the main journey never shows the follow-up's own page
    assert not any("since" in step for step in main.history)
    row = links(runner, tmp_path)[0]
    assert run(runner, "followup", "open", "town").exit_code == 0
    bot = Bot(app.test_client(), "town", survey,
              overrides={"since": {"q_discussed": "yes", "q_since_note": "=talked to Ann"}})
    bot.get(path_of(row["link"]))
    bot.post(re.search(r'action="([^"]+/start)"', bot.html).group(1), {})  # "Start the follow-up"
    while bot.current_action() is not None:
        bot.submit_current()
    assert bot.history == ["followup:after", "followup:since"]
    assert "Your follow-up answers have been saved" in bot.html

    out = tmp_path / "export"
    assert run(runner, "export", "town", out, "--format", "wide", "--include-text").exit_code == 0
    with (out / "answers.csv").open(encoding="utf-8") as f:
        answers = [a for a in csv.DictReader(f) if a["participant_id"] == row["participant_id"]]
    own = {a["item"]: a for a in answers if a["page"] == "since"}
    assert own["discussed"]["phase"] == own["since_note"]["phase"] == "followup"
    assert own["discussed"]["value"] == "1"  # option code of "yes"
    assert own["since_note"]["text"] == "'=talked to Ann"  # escaped for spreadsheets
    codebook = json.loads((out / "codebook.json").read_text(encoding="utf-8"))
    entry = next(i for i in codebook["items"] if i["id"] == "discussed")
    assert entry["phases"] == ["followup"] and entry["pages"] == ["since"]
    with (out / "wide.csv").open(encoding="utf-8") as f:
        wide = next(r for r in csv.DictReader(f) if r["participant_id"] == row["participant_id"])
    assert wide["followup__discussed"] == "1"

    loaded = load_export(out)
    mine = loaded.answers[loaded.answers["item"] == "discussed"]
    assert list(mine["phase"]) == ["followup"] and list(mine["value"]) == [1.0]
    assert "discussed" in set(loaded.items["item"])
    res = analyse_export(loaded)  # the report's steps accept an item asked only at follow-up
    assert res.shifts.empty or "discussed" not in set(res.shifts["item"])
