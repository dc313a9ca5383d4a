"""Issue 22's "done when": the housing study (tests/surveys_data/housing), written as a lab
would, previewed page by page before any campaign exists, fielded, followed up, exported
in every format and analysed (both backends).

The browser walk of the same survey is tests/browser/test_housing_study.py.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select

from analysis import analyse_export, by_position, contract
from analysis.report import render_report
from app.extensions import db
from app.models import Campaign
from surveys import load_survey
from tests.app.campaigns.test_survey_uploads import upload
from tests.app.participant.test_followup import run
from tests.bots import Bot
from tests.exporting import EVERYTHING, export_every_format
from tests.survey_images import folder_zip

HOUSING = Path(__file__).parents[1] / "surveys_data" / "housing"
SURVEY = load_survey(HOUSING)
#: A wide file read by its own reader (pandas'), not by analysis.load_export.
READ_WIDE = {".csv": pd.read_csv, ".parquet": pd.read_parquet, ".xlsx": pd.read_excel,
             ".sav": pd.read_spss, ".dta": pd.read_stata}
RENTER_ITEMS = {("profile", "rent_share"), ("profile", "landlord"), ("post", "move_plans"),
                ("followup", "move_plans")}


def test_the_housing_study_loads_with_every_feature_it_is_written_with():
    assert list(SURVEY.languages) == ["en", "de"]
    ranking = SURVEY.items["rank_policies"]
    assert ranking.shuffle_options and [o.id for o in ranking.options if o.fixed] == ["none"]
    assert SURVEY.page("renting").show_if is not None
    assert SURVEY.items["move_plans"].show_if is not None
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
    renting = designer.get(f"{link}?lang=de&arm=build&step=2").get_data(as_text=True)
    condition = "<code>tenure = &#34;renter&#34;</code>; otherwise exported as -7 (not shown)"
    assert renting.count(condition) == 2  # the codebook beside the page: both items
    after = designer.get(f"{link}?lang=en&arm=build&step=5").get_data(as_text=True)
    assert after.count("Shown only if") == 1  # move_plans alone
    since = designer.get(f"{link}?lang=de&arm=build&step=7").get_data(as_text=True)
    assert "Sind Sie seitdem umgezogen?" in since and "<code>moved</code>" in since
    assert "„{answer:tenure}“" in since  # no participant, no answer: the pipe as written
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0


def answer_page(bot: Bot, fixed: dict) -> None:
    """Submit the bot's page as a satisficing participant would: only the fields the page
    shows (a hidden item has none), ``fixed`` answers, the ranking in the order shown."""
    key = bot.current_page()
    answers = {name: value for name, value in {**bot.answers_for(key), **fixed}.items()
               if f'name="{name}"' in bot.html}
    shown = re.findall(r'name="(q_rank_policies__\w+)"', bot.html)
    answers.update({name: str(rank) for rank, name in enumerate(shown, start=1)})
    bot.pages[key] = bot.html
    bot.submit_current(answers)


def walk(app, tenure: str, lang: str = "en") -> Bot:
    """A participant who answers ``tenure`` on the first page, to the thanks page."""
    bot = Bot(app.test_client(), "housing", SURVEY)
    bot.pages = {}
    bot.start(lang)
    while bot.current_action() is not None:
        answer_page(bot, {"q_tenure": tenure})
    assert SURVEY.thanks[lang] in bot.html
    return bot


def followup(app, link: str) -> Bot:
    bot = Bot(app.test_client(), "housing", SURVEY)
    bot.pages = {}
    bot.get(link.split("/c/housing/", 1)[1])
    bot.post(re.search(r'action="([^"]+/start)"', bot.html).group(1), {})
    while bot.current_action() is not None:
        answer_page(bot, {"q_discussed": "yes", "q_moved": "no"})
    return bot


def export_folder(runner, tmp_path, fmt: str = "wide") -> Path:
    out = tmp_path / f"export-{fmt}-{len(list(tmp_path.iterdir()))}"
    assert run(runner, "export", "housing", out, "--format", fmt, *EVERYTHING).exit_code == 0
    return out


def rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_owners_never_see_the_renter_block_and_their_rows_say_not_shown(
    app, runner, make_campaign, tmp_path
):
    make_campaign("housing", survey=HOUSING,  # both arms whose briefing pipes the tenure
                  design={"arm_weights": {"rent_cap": 1, "build": 1, "control": 0}})
    owner, renter = walk(app, "owner"), walk(app, "renter", "de")
    assert "page:renting" not in owner.history and "page:renting" in renter.history
    briefing = next(html for key, html in owner.pages.items() if key.startswith("read:"))
    assert "You told us about your home: I own it." in briefing  # piped, in their language
    briefing = next(html for key, html in renter.pages.items() if key.startswith("read:"))
    assert "Sie sagten uns zu Ihrer Wohnung: Zur Miete." in briefing
    assert "q_move_plans" not in owner.pages["page:after"]
    assert "q_move_plans" in renter.pages["page:after"]
    out = tmp_path / "links.csv"
    assert run(runner, "followup", "links", "housing", "--out", out).exit_code == 0
    assert run(runner, "followup", "open", "housing").exit_code == 0
    piped, shown = [], {}
    for link in rows(out):  # the follow-up wave asks its own two questions
        bot = followup(app, link["link"])
        order = re.findall(r'name="q_(discussed|moved)"', bot.pages["followup:since"])
        shown[link["participant_id"]] = {item: str(n) for n, item in
                                         enumerate(dict.fromkeys(order), start=1)}
        assert bot.history == ["followup:after", "followup:since"]
        assert "q_discussed" in bot.pages["followup:since"] and "q_moved" in bot.pages["followup:since"]
        piped += re.findall(r"(?:“|„)[^“”„]+(?:”|“)", bot.pages["followup:since"])
    assert sorted(piped) == ["“I own it”", "„Zur Miete“"]  # each their own, weeks later

    folder = export_folder(runner, tmp_path)
    codebook = {i["id"]: i for i in json.loads((folder / "codebook.json").read_text())["items"]}
    code = str(codebook["rent_share"]["not_shown_code"])
    assert code == "-7" and codebook["rent_share"]["show_if"] == 'tenure = "renter"'
    answers = rows(folder / "answers.csv")
    tenure = {a["participant_id"]: a["value"] for a in answers if a["item"] == "tenure"}
    owner_id = next(p for p, value in tenure.items() if value == "2")  # code of "owner"
    renter_id = next(p for p, value in tenure.items() if value == "1")
    mine = {(a["phase"], a["item"]): a["value"] for a in answers if a["participant_id"] == owner_id}
    theirs = {(a["phase"], a["item"]): a["value"] for a in answers
              if a["participant_id"] == renter_id}
    assert {key: mine[key] for key in RENTER_ITEMS} == dict.fromkeys(RENTER_ITEMS, code)
    assert all(theirs[key] not in ("", code) for key in RENTER_ITEMS)
    assert (mine[("followup", "discussed")], theirs[("followup", "moved")]) == ("1", "2")
    since = {}  # the follow-up's own page, shuffled: the order each saw is stored
    for d in rows(folder / "display_order.csv"):
        if d["phase"] == "followup":
            since.setdefault(d["participant_id"], {})[d["item"]] = d["position"]
    assert since == shown and len(shown) == 2
    wide = {r["participant_id"]: r for r in rows(folder / "wide.csv")}
    assert wide[owner_id]["profile__rent_share"] == wide[owner_id]["post__move_plans"] == code
    for fmt, export in export_every_format(runner, "housing", tmp_path).items():
        hidden = export.not_shown  # structurally missing: not among the answers
        assert set(zip(hidden["phase"], hidden["item"], strict=True)) == RENTER_ITEMS, fmt
        assert set(hidden["participant_id"]) == {owner_id}, fmt
        assert set(export.answers[export.answers["item"] == "rent_share"]["participant_id"]) == {
            renter_id}, fmt


def test_the_ranking_order_is_exported_and_splits_the_ranking_by_position(
    app, runner, make_campaign, tmp_path
):
    make_campaign("housing", survey=HOUSING, design={"seed": 22})
    for n in range(12):
        walk(app, ("owner", "renter", "other")[n % 3], ("en", "de")[n % 2])
    wide = rows(export_folder(runner, tmp_path) / "wide.csv")
    # The outside reference: the wide file read with the csv module. These participants rank
    # in the order shown (a primacy effect at its strongest): first shown, ranked first.
    orders = [r["pre__rank_policies__order"].split("|") for r in wide]
    assert all(order[-1] == "none" for order in orders)  # the fixed option stays last
    assert {order.index("rent_cap") + 1 for order in orders} == {1, 2, 3}
    expected = {}
    for order in orders:
        position = order.index("rent_cap") + 1
        n, chosen = expected.get(position, (0, 0))
        expected[position] = (n + 1, chosen + (order[0] == "rent_cap"))
    for fmt, export in export_every_format(runner, "housing", tmp_path).items():
        ranking = export.display_order[export.display_order["item"] == "rank_policies"]
        assert len(ranking) == 2 * 12 and set(ranking["phase"]) == {"pre", "post"}, fmt
        table = by_position(export, "rank_policies", "rent_cap", phase="pre")
        assert {int(r.position): (int(r.n), int(r.chosen)) for r in table.itertuples()} == expected
        assert list(table["share"]) == [1.0, 0.0, 0.0], fmt
    # the report's "Order of the options" holds the same split, and never the fixed option
    res = analyse_export(export, n_boot=0)
    oe = res.order_effects
    rent = oe[(oe["item"] == "rank_policies") & (oe["phase"] == "pre")
              & (oe["option"] == "rent_cap")]
    assert {int(r.position): (int(r.n), int(r.chosen)) for r in rent.itertuples()} == expected
    assert "none" not in set(oe["option"]) and set(oe["phase"]) == {"pre", "post"}
    assert "Order of the options" in render_report(res, min_cell=1)
    for fmt, wide_file in contract.EXPORT_FORMATS.items():  # each wide file holds the order too
        if wide_file:
            frame = READ_WIDE[Path(wide_file).suffix](tmp_path / f"export-{fmt}" / wide_file)
            assert frame["pre__rank_policies__order"].astype(str).str.endswith("|none").all(), fmt
