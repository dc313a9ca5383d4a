"""Display conditions on the server (both backends): who sees what, the "not shown" rows,
their export and codebook, the analysis's structural missingness, and crafted POSTs."""

from __future__ import annotations

import csv
import json
import re

import pytest
from sqlalchemy import select

from analysis.attrition import nonsubstantive_rates
from app.extensions import db
from app.models import Answer, Participant
from surveys import load_survey
from surveys.conditions import NOT_SHOWN_CODE
from tests.app.participant.test_followup import links, path_of, run
from tests.app.test_housing_study import HOUSING
from tests.app.test_housing_study import SURVEY as HOUSING_SURVEY
from tests.bots import Bot, auto_answer
from tests.exporting import EVERYTHING, export_every_format
from tests.show_if_survey import show_if_survey

RENTER_PAGES = {"page:renting_before", "page:renting_after"}


@pytest.fixture
def survey_folder(tmp_path, make_campaign):
    folder = show_if_survey(tmp_path)
    make_campaign(survey=folder)
    return folder


def walk(app, folder, tenure: str, plan: dict | None = None) -> Bot:
    bot = Bot(app.test_client(), "town", load_survey(folder),
              overrides={"about": {"q_tenure": tenure}}, plan=plan or {})
    assert "Thank you" in bot.walk()
    return bot


def stored(app, bot_or_id) -> dict[tuple[str, str], tuple]:
    """(phase, item) -> (value, text) of the newest participant's rows."""
    with app.app_context():
        pid = db.session.scalar(select(Participant.id).order_by(Participant.id.desc()))
        rows = db.session.execute(select(Answer.phase, Answer.item, Answer.value, Answer.text)
                                  .where(Answer.participant_id == pid)).all()
    return {(phase, item): (value, text) for phase, item, value, text in rows}


def export(runner, folder, fmt: str = "csv"):
    out = folder / f"export-{fmt}"
    assert run(runner, "export", "town", out, "--format", fmt, *EVERYTHING).exit_code == 0
    return out


def test_an_owner_never_sees_renter_items_and_their_rows_say_not_shown(
    app, runner, survey_folder, tmp_path
):
    owner = walk(app, survey_folder, "owner")
    assert not RENTER_PAGES & set(owner.history)
    assert "How hard is it to pay your rent?" not in owner.html
    rows = stored(app, owner)
    not_shown = (float(NOT_SHOWN_CODE), None)
    assert rows[("pre", "rent_burden")] == rows[("post", "rent_burden")] == not_shown
    assert rows[("post", "move_plans")] == not_shown
    renter = walk(app, survey_folder, "renter", {"renting_before": {"q_rent_burden": "4"},
                                                 "renting_after": {"q_rent_burden": "5",
                                                                   "q_move_plans": "no"}})
    assert set(renter.history) >= RENTER_PAGES
    rows = stored(app, renter)
    assert rows[("pre", "rent_burden")] == (4.0, None)
    assert rows[("post", "rent_burden")] == (5.0, None)
    assert rows[("post", "move_plans")] == (2.0, None)

    out = export(runner, tmp_path / "mine", "wide")
    with (out / "answers.csv").open(encoding="utf-8") as f:
        answers = list(csv.DictReader(f))
    owner_id = answers[0]["participant_id"]
    mine = {(a["phase"], a["item"]): a for a in answers if a["participant_id"] == owner_id}
    assert (mine[("pre", "rent_burden")]["value"], mine[("pre", "rent_burden")]["text"]) == (
        "-7", "")
    assert mine[("post", "move_plans")]["value"] == "-7"
    assert mine[("pre", "rent_burden")]["page"] == "renting_before"
    codebook = {i["id"]: i for i in json.loads((out / "codebook.json").read_text())["items"]}
    assert codebook["rent_burden"]["show_if"] == 'tenure = "renter"'
    assert codebook["rent_burden"]["not_shown_code"] == -7
    assert codebook["move_plans"]["show_if"] == 'tenure in ["renter", "other"]'
    assert codebook["support_trees"]["show_if"] is None
    assert codebook["support_trees"]["not_shown_code"] is None
    with (out / "wide.csv").open(encoding="utf-8") as f:
        wide = {r["participant_id"]: r for r in csv.DictReader(f)}
    assert wide[owner_id]["pre__rent_burden"] == "-7"

    # The analysis: structurally missing, in Export.not_shown, not an answer nor a nonresponse.
    # ... in every format: csv, zip, the wide files, SPSS (user-missing), Stata (.z)
    for fmt, loaded in export_every_format(runner, "town", tmp_path).items():
        hidden = loaded.not_shown
        assert hidden is not None, fmt
        assert set(zip(hidden["phase"], hidden["item"], strict=True)) == {
            ("pre", "rent_burden"), ("post", "rent_burden"), ("post", "move_plans")}
        assert set(hidden["participant_id"]) == {owner_id}, fmt
        burden = loaded.answers[loaded.answers["item"] == "rent_burden"]
        assert sorted(burden["value"]) == [4.0, 5.0], fmt  # the renter's only
        rates = nonsubstantive_rates(loaded.answers, loaded.items)
        assert (rates["nonsubstantive"] == 0).all()


def test_other_sees_only_the_item_whose_condition_holds(app, runner, survey_folder):
    other = walk(app, survey_folder, "other", {"renting_after": {"q_move_plans": "yes"}})
    assert "page:renting_before" not in other.history
    assert "page:renting_after" in other.history
    rows = stored(app, other)
    assert rows[("post", "rent_burden")] == (float(NOT_SHOWN_CODE), None)
    assert rows[("post", "move_plans")] == (1.0, None)


def test_a_crafted_post_for_an_item_not_shown_changes_nothing(app, survey_folder):
    bot = Bot(app.test_client(), "town", load_survey(survey_folder),
              overrides={"about": {"q_tenure": "other"}})
    bot.start()
    while bot.current_page() != "page:renting_after":
        # on every page before, a forged answer to the renter question rides along
        step = bot.current_page()
        bot.post(bot.current_action(), {**bot.answers_for(step), "q_rent_burden": "5"})
        assert bot.current_page() != step, bot.html[:400]
    assert "q_rent_burden" not in bot.html and 'name="q_move_plans"' in bot.html
    # the skipped renter page cannot be posted to either
    response = bot.client.post("/c/town/step/page:renting_before",
                               data={"csrf_token": bot.csrf(), "q_rent_burden": "5"})
    assert response.status_code in (302, 303)
    bot.get()
    bot.post(bot.current_action(), {"q_move_plans": "no", "q_rent_burden": "5"})
    while bot.current_action() is not None:
        bot.submit_current()
    rows = stored(app, bot)
    assert rows[("pre", "rent_burden")] == rows[("post", "rent_burden")] == (
        float(NOT_SHOWN_CODE), None)
    assert rows[("post", "move_plans")] == (2.0, None)
    assert not any(v == (5.0, None) for (_phase, item), v in rows.items()
                   if item == "rent_burden")


def test_the_followup_skips_what_the_main_wave_hid_and_says_so(
    app, runner, survey_folder, tmp_path
):
    walk(app, survey_folder, "owner")
    row = links(runner, tmp_path)[0]
    assert run(runner, "followup", "open", "town").exit_code == 0
    bot = Bot(app.test_client(), "town", load_survey(survey_folder))
    bot.get(path_of(row["link"]))
    bot.post(re.search(r'action="([^"]+/start)"', bot.html).group(1), {})
    while bot.current_action() is not None:
        bot.submit_current()
    assert bot.history == ["followup:after"]  # renting_after: nothing to show an owner
    assert "Your follow-up answers have been saved" in bot.html
    rows = stored(app, bot)
    assert rows[("followup", "rent_burden")] == rows[("followup", "move_plans")] == (
        float(NOT_SHOWN_CODE), None)
    assert rows[("followup", "support_trees")][0] > 0


def test_a_skipped_last_about_you_page_still_allocates_the_arm(app, make_campaign):
    """The arm waits for the last profile page (strata, screening, quotas); when display
    conditions skip that page, the submit that skips it passes the gate instead."""

    assert HOUSING_SURVEY.pages_in("profile")[-1].show_if is not None
    make_campaign("housing", survey=HOUSING, design={"strata": ["tenure"]})
    after = {k: v for i in HOUSING_SURVEY.page("after").items if i != "move_plans"
             for k, v in auto_answer(HOUSING_SURVEY.items[i]).items()}  # renters' item hidden
    bot = Bot(app.test_client(), "housing", HOUSING_SURVEY, plan={"after": after},
              overrides={"home": {"q_tenure": "owner"}})
    assert "Thank you" in bot.walk()
    assert "page:renting" not in bot.history
    assert any(step.startswith("read:") for step in bot.history)
    with app.app_context():
        arm, stratum, status = db.session.execute(
            select(Participant.arm, Participant.stratum, Participant.status)).one()
    assert arm and status == "completed" and "owner" in stratum


def test_a_screening_rule_on_an_item_not_shown_does_not_apply():
    """A rule that allows only some answers screens out a participant who skipped the
    question, but not one who never saw it (``asked``: the page's fields)."""
    from types import SimpleNamespace

    from app.participant.screening import fails_screening

    survey = HOUSING_SURVEY
    campaign = SimpleNamespace(screening=[{"item": "landlord", "allow": ["city"]}])
    page = survey.page("renting")
    assert fails_screening(campaign, page, {})  # asked and left out
    assert fails_screening(campaign, page, {}, {"rent_share": None, "landlord": None})
    assert not fails_screening(campaign, page, {}, {"rent_share": None})  # hidden
    assert not fails_screening(campaign, page, {"landlord": "city"}, {"landlord": None})
