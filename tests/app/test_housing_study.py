"""Issue 22's "done when": the housing study (tests/surveys_data/housing), written as a lab
would, previewed page by page before any campaign exists, fielded, followed up, exported
in every format and analysed (both backends).

The browser walk of the same survey is tests/browser/test_housing_study.py.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from app.models import Campaign
from surveys import load_survey
from tests.app.campaigns.test_survey_uploads import upload
from tests.app.participant.test_followup import run
from tests.bots import Bot
from tests.exporting import export_every_format
from tests.survey_images import folder_zip

HOUSING = Path(__file__).parents[1] / "surveys_data" / "housing"
SURVEY = load_survey(HOUSING)


def test_the_housing_study_loads_with_every_feature_it_is_written_with():
    assert SURVEY.languages == ("en", "de") or list(SURVEY.languages) == ["en", "de"]
    assert [p.id for p in SURVEY.pages_in("followup")] == ["since"]
    assert SURVEY.phases_of("discussed") == SURVEY.phases_of("moved") == ("followup",)
    chart = SURVEY.images["rents"]
    assert chart.alt["en"].startswith("Bar chart") and chart.alt["de"].startswith("Balkendiagramm")


def workbench_keys(client, link: str, lang: str, arm: str) -> list[str]:
    """Page through the workbench step by step with its own "Next step" link; the keys shown."""
    keys, url = [], f"{link}?lang={lang}&arm={arm}&step=0"
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert f'lang="{lang}"' in html
        keys.append(re.search(r"\d+ / \d+: <code>([^<]+)</code>", html).group(1))
        if keys[-1].startswith("read:") and keys[-1] != "read:control":  # the chart, alt in lang
            assert f'alt="{SURVEY.images["rents"].alt[lang]}"' in html
        steps_nav = html.split('class="workbench-steps"', 1)[1].split("</nav>", 1)[0] + "</nav>"
        following = re.search(r'<a href="([^"]+)">[^<]+</a>\s*</nav>', steps_nav)
        url = following.group(1).replace("&amp;", "&") if following else None
    return keys


def test_a_designer_pages_through_it_in_both_languages_before_any_campaign(signed_in, app):
    designer = signed_in("designer@example.org", "manager", campaigns=())
    assert upload(designer, folder_zip(HOUSING)).status_code == 303
    link = f"/admin/workbench/uploaded/housing-{SURVEY.version[:16]}"
    for lang in ("en", "de"):
        for arm in ("rent_cap", "build", "control"):
            keys = workbench_keys(designer, link, lang, arm)
            assert keys == ["consent", "page:home", "page:renting", "page:before", f"read:{arm}",
                            "page:after", "thanks", "followup:since"], (lang, arm)
    since = designer.get(f"{link}?lang=de&arm=build&step=7").get_data(as_text=True)
    assert "Sind Sie seit Ihrer Teilnahme umgezogen?" in since and "<code>moved</code>" in since
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0


def walk(app, tenure: str, lang: str = "en") -> Bot:
    """A participant who answers ``tenure`` on the first page, to the thanks page."""
    bot = Bot(app.test_client(), "housing", SURVEY, overrides={"home": {"q_tenure": tenure}})
    assert "Thank you" in bot.walk(lang) or "Vielen Dank" in bot.html
    return bot


def followup(app, link: str) -> Bot:
    bot = Bot(app.test_client(), "housing", SURVEY,
              overrides={"since": {"q_discussed": "yes", "q_moved": "no"}})
    bot.get(link.split("/c/housing/", 1)[1])
    bot.post(re.search(r'action="([^"]+/start)"', bot.html).group(1), {})
    while bot.current_action() is not None:
        bot.submit_current()
    return bot


def test_a_campaign_runs_it_follows_it_up_and_exports_it(app, runner, make_campaign, tmp_path):
    make_campaign("housing", survey=HOUSING, design={"seed": 22})
    owner = walk(app, "owner")
    renter = walk(app, "renter", "de")
    assert "page:renting" in renter.history
    assert "page:renting" not in owner.history  # the renter-only block (show_if)

    rows = {r["participant_id"]: r for r in links_of(runner, tmp_path)}
    assert run(runner, "followup", "open", "housing").exit_code == 0
    for row in rows.values():
        bot = followup(app, row["link"])
        assert bot.history == ["followup:after", "followup:since"]

    exports = export_every_format(runner, "housing", tmp_path)
    for fmt, export in exports.items():
        answers = export.answers
        since = answers[answers["phase"] == "followup"]
        assert set(since["item"]) == {"support_cap", "support_build", "rank_policies",
                                      "move_plans", "discussed", "moved"}, fmt
        assert len(since[since["item"] == "moved"]) == 2, fmt
        # the owner's renter block: "not shown", apart from the answers
        hidden = export.not_shown
        assert set(zip(hidden["phase"], hidden["item"], strict=True)) == {
            ("profile", "rent_share"), ("profile", "landlord")}, fmt
        assert len(hidden) == 2, fmt
        assert answers["item"].isin(["rent_share", "landlord"]).sum() == 2, fmt  # the renter's


def links_of(runner, tmp_path) -> list[dict]:
    """The follow-up links, as ``parley followup links`` writes them (a campaign named housing)."""
    out = tmp_path / "followup-links.csv"
    result = run(runner, "followup", "links", "housing", "--out", out)
    assert result.exit_code == 0, result.output
    with out.open() as f:
        return list(csv.DictReader(f))
