"""The report of a real flagship campaign: plan frozen at opening, reading speed, no NaN."""

from __future__ import annotations

import re

from analysis.load import load_export
from analysis.reading import reading_speed
from analysis.report import write_report
from surveys import FLAGSHIP, load_survey
from tests.analysis.test_report_cases import BAD, _visible_text
from tests.bots import Bot

SURVEY = load_survey(FLAGSHIP)


def test_the_flagship_report_follows_the_frozen_plan_and_shows_reading_speed(
    app, runner, make_campaign, tmp_path
):
    slug = make_campaign(survey=FLAGSHIP)
    for _ in range(3):
        Bot(app.test_client(), slug, SURVEY).walk()
    out = tmp_path / "exports" / "flagship"
    assert runner.invoke(args=["export", slug, str(out)]).exit_code == 0
    import json

    codebook = json.loads((out / "codebook.json").read_text())
    words = {m["id"]: m["words"]["en"] for m in codebook["modules"]}
    assert all(600 < n < 2500 for n in words.values()), words  # briefings of a few pages
    speed = reading_speed(load_export(out).pages, __import__("pandas").read_csv(
        out / "participants.csv", dtype=str), codebook)
    assert len(speed) >= 3 and (speed["wpm"] > 0).all()
    # by hand for one read: words in English over minutes on the read:<module> page
    row = speed.iloc[0]
    assert row["wpm"] == words[row["module"]] / (row["seconds"] / 60)
    report = write_report(out, tmp_path / "report.html", n_boot=0)
    html = report.read_text(encoding="utf-8")
    assert "Reading time of each briefing" in html
    assert "Plan: manifest.json plan" in html and "H1" in html
    assert "The plan was not frozen" not in html  # it was, when the campaign opened
    assert not BAD.search(_visible_text(html))
    assert re.search(r"3 participants started", html)
