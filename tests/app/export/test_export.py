"""`parley export`: the folder of docs/export-format.md, and the other formats."""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import UTC, datetime

import pandas as pd
import pyreadstat
import pytest
from openpyxl import load_workbook

from analysis.contract import ANSWER_COLUMNS, DISPLAY_ORDER_COLUMNS, EXPORT_FORMATS, PAGE_COLUMNS
from app.export.writer import PARTICIPANT_COLUMNS, _iso
from surveys import EXAMPLE, FLAGSHIP, load_survey
from tests.bots import Bot
from tests.exporting import EVERYTHING

SURVEY = load_survey(EXAMPLE)


def complete(client, slug: str, reflection: str = "Because people want different things.") -> Bot:
    bot = Bot(client, slug, SURVEY, overrides={"after": {"q_reflection": reflection}})
    bot.walk()
    return bot


def read_csv(path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_export_writes_the_documented_files_and_columns(app, runner, make_campaign, tmp_path):
    slug = make_campaign()
    complete(app.test_client(), slug)
    complete(app.test_client(), slug)
    out = tmp_path / "export"
    result = runner.invoke(args=["export", slug, str(out), *EVERYTHING])
    assert result.exit_code == 0, result.output
    assert "exported 2 participants" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "answers.csv", "codebook.json", "display_order.csv", "manifest.json", "pages.csv",
        "participants.csv",
    ]
    participants = read_csv(out / "participants.csv")
    answers = read_csv(out / "answers.csv")
    assert list(participants[0]) == PARTICIPANT_COLUMNS
    assert list(answers[0]) == list(ANSWER_COLUMNS)
    assert list(read_csv(out / "pages.csv")[0]) == list(PAGE_COLUMNS)
    # the example shuffles nothing: the display order (1.8) is its header alone
    assert (out / "display_order.csv").read_text(encoding="utf-8").splitlines() == [
        ",".join(DISPLAY_ORDER_COLUMNS)]
    assert {p["status"] for p in participants} == {"completed"}
    assert all(p["participant_id"].startswith("p_") for p in participants)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "parley-export" and manifest["format_version"] == "1.14"
    assert manifest["row_counts"]["participants"] == 2
    assert manifest["row_counts"]["answers"] == len(answers)
    assert manifest["survey"]["version"] == SURVEY.version
    assert manifest["design"]["control_arm"] == "control"
    codebook = json.loads((out / "codebook.json").read_text())
    assert {i["id"] for i in codebook["items"]} == set(SURVEY.items)
    know = next(i for i in codebook["items"] if i["id"] == "know_area")
    assert know["correct"] == 2 and know["options"][2]["missing"] is True
    assert know["text"]["de"].startswith("Wie viele Bäume")
    thermo = next(a for a in answers if a["item"] == "warmth_council" and a["phase"] == "pre")
    assert thermo["value"] == "60" and thermo["text"] == ""
    assert float(thermo["seconds_on_page"]) >= 0


def test_formula_like_text_is_escaped_but_numbers_are_not(app, runner, make_campaign, tmp_path):
    slug = make_campaign()
    complete(app.test_client(), slug, reflection='=HYPERLINK("http://evil","x")')
    complete(app.test_client(), slug, reflection="-1 is my answer")
    complete(app.test_client(), slug, reflection="@SUM(A1)")
    out = tmp_path / "export"
    assert runner.invoke(args=["export", slug, str(out), *EVERYTHING]).exit_code == 0
    texts = sorted(a["text"] for a in read_csv(out / "answers.csv") if a["item"] == "reflection")
    assert texts == ["'-1 is my answer", "'=HYPERLINK(\"http://evil\",\"x\")", "'@SUM(A1)"]
    values = [a["value"] for a in read_csv(out / "answers.csv") if a["value"]]
    assert all(not v.startswith("'") for v in values)


def test_withdrawn_participants_are_exported_without_answers(app, runner, make_campaign, tmp_path):
    slug = make_campaign()
    client = app.test_client()
    bot = complete(client, slug)
    bot.get("withdraw")
    bot.post(f"/c/{slug}/withdraw", {})
    complete(app.test_client(), slug)
    out = tmp_path / "export"
    assert runner.invoke(args=["export", slug, str(out), *EVERYTHING]).exit_code == 0
    participants = read_csv(out / "participants.csv")
    withdrawn = [p for p in participants if p["status"] == "withdrawn"]
    assert len(withdrawn) == 1
    answered = {a["participant_id"] for a in read_csv(out / "answers.csv")}
    assert withdrawn[0]["participant_id"] not in answered and len(answered) == 1


def test_export_refuses_a_non_empty_folder(app, runner, make_campaign, tmp_path):
    slug = make_campaign()
    (tmp_path / "keep.txt").write_text("mine")
    result = runner.invoke(args=["export", slug, str(tmp_path), *EVERYTHING])
    assert result.exit_code != 0
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_export_of_an_unknown_campaign_says_so(runner, tmp_path):
    result = runner.invoke(args=["export", "nope", str(tmp_path / "x")])
    assert result.exit_code != 0 and "no campaign 'nope'" in result.output


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_spss_and_stata_files_carry_value_labels(app, runner, make_campaign, tmp_path, fmt):
    slug = make_campaign()
    complete(app.test_client(), slug)
    out = tmp_path / "export"
    assert runner.invoke(args=["export", slug, str(out), "--format", fmt, *EVERYTHING]).exit_code == 0
    read = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    df, meta = read(str(out / f"wide.{fmt}"))
    assert len(df) == 1
    column = "pre__support_trees"
    assert df[column].iloc[0] == 3  # auto_answer picks the middle of five points
    labels = meta.variable_value_labels[column]
    item = SURVEY.items["support_trees"]  # the labels as the definition words them
    assert labels[1] == item.options[0].label["en"] and labels[5] == item.options[4].label["en"]
    assert item.text["en"][:20] in meta.column_names_to_labels[column]
    if fmt == "dta":  # Stata's 32-character limit: long names are shortened, uniquely
        assert all(len(c) <= 32 for c in df.columns)
        assert len(set(df.columns)) == len(df.columns)


def test_wide_parquet_and_excel_hold_the_same_answers(app, runner, make_campaign, tmp_path):
    slug = make_campaign()
    complete(app.test_client(), slug)
    for fmt in ("parquet", "xlsx", "wide"):
        out = tmp_path / fmt
        assert runner.invoke(args=["export", slug, str(out), "--format", fmt, *EVERYTHING]).exit_code == 0
    parquet = pd.read_parquet(tmp_path / "parquet" / "wide.parquet")
    wide = pd.read_csv(tmp_path / "wide" / "wide.csv")
    sheet = load_workbook(tmp_path / "xlsx" / "wide.xlsx")["answers"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    row = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert parquet["pre__warmth_council"].iloc[0] == 60
    assert wide["pre__warmth_council"].iloc[0] == 60
    assert row[header.index("pre__warmth_council")] == 60
    assert parquet["post__rank_plans"].iloc[0] == "trees|market"


def test_zip_export_contains_the_folder(app, runner, make_campaign, tmp_path):
    slug = make_campaign()
    complete(app.test_client(), slug)
    result = runner.invoke(args=["export", slug, str(tmp_path / "z"), "--format", "zip", *EVERYTHING])
    assert result.exit_code == 0
    with zipfile.ZipFile(tmp_path / "z.zip") as archive:
        assert {"participants.csv", "answers.csv", "codebook.json", "manifest.json"} <= set(
            archive.namelist()
        )


# --------------------------------------------------------------------------- issue 10, point 11
# The flagship survey (long item and module ids, "don't know"/"prefer not to say" options)
# in every format, read back by pyreadstat; the example survey adds the item types the
# flagship lacks (multiple choice, number).

FLAGSHIP_SURVEY = load_survey(FLAGSHIP)
ALL_FORMATS = list(EXPORT_FORMATS)


def _missing_overrides(survey) -> dict:
    """Page id -> fields answering every item that has a missing option with that option."""
    overrides = {}
    for page in survey.pages:
        for item_id in page.items:
            option = next((o for o in survey.items[item_id].options if o.missing), None)
            if option is not None:
                overrides.setdefault(page.id, {})[f"q_{item_id}"] = option.id
    return overrides


def _export_two(app, runner, make_campaign, tmp_path, survey_folder, survey, fmt):
    slug = make_campaign(survey=survey_folder)
    Bot(app.test_client(), slug, survey).walk()
    Bot(app.test_client(), slug, survey, overrides=_missing_overrides(survey)).walk()
    out = tmp_path / "exports" / "export"
    result = runner.invoke(args=["export", slug, str(out), "--format", fmt, *EVERYTHING])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_every_format_of_the_flagship_survey_is_written_whole(
    app, runner, make_campaign, tmp_path, fmt
):
    out = _export_two(app, runner, make_campaign, tmp_path, FLAGSHIP, FLAGSHIP_SURVEY, fmt)
    if fmt == "zip":
        with zipfile.ZipFile(out.parent / "export.zip") as archive:
            assert "manifest.json" in archive.namelist()
        assert [p.name for p in out.parent.iterdir()] == ["export.zip"]
        return
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["files"]) == sorted(p.name for p in out.iterdir()
                                               if p.name != "manifest.json")
    assert [p.name for p in out.parent.iterdir()] == ["export"]  # no partial folder left
    answers = read_csv(out / "answers.csv")
    assert {a["item"] for a in answers} == set(FLAGSHIP_SURVEY.items)  # every item answered
    if fmt == "csv":
        return
    name = {"wide": "wide.csv"}.get(fmt, f"wide.{fmt}")
    assert name in manifest["files"] and (out / name).stat().st_size > 0


@pytest.mark.parametrize(("survey_folder", "fmt"),
                         [(s, f) for s in (FLAGSHIP, EXAMPLE) for f in ("sav", "dta")])
def test_spss_and_stata_declare_dont_know_and_prefer_not_to_say_missing(
    app, runner, make_campaign, tmp_path, survey_folder, fmt
):
    survey = load_survey(survey_folder)
    out = _export_two(app, runner, make_campaign, tmp_path, survey_folder, survey, fmt)
    read = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    plain, meta = read(str(out / f"wide.{fmt}"))
    tagged, tmeta = read(str(out / f"wide.{fmt}"), user_missing=True)
    assert len(plain) == 2
    assert all(len(c) <= (32 if fmt == "dta" else 64) for c in plain.columns)
    answers = pd.read_csv(out / "answers.csv", dtype={"module": str}, keep_default_na=False)
    checked = 0
    for item in survey.items.values():
        missing = [o for o in item.options if o.missing]
        if not missing:
            continue
        for phase in survey.phases_of(item.id):
            if phase == "module":
                continue
            column = f"{phase}__{item.id}"
            if fmt == "dta":
                column = next(c for c in meta.column_names if column.startswith(c))
            first = missing[0]
            # the second participant chose the missing option; the first a real answer
            assert pd.isna(plain[column].iloc[1]), column  # a mean leaves it out
            assert pd.notna(plain[column].iloc[0]), column
            if fmt == "sav":
                assert tagged[column].iloc[1] == first.code
                assert {"lo": first.code, "hi": first.code} in tmeta.missing_ranges[column]
                assert meta.variable_value_labels[column][first.code] == first.label[
                    survey.languages[0]]
            else:
                assert tagged[column].iloc[1] == "a"
                assert tmeta.missing_user_values[column] == ["a"]  # the tags in use
                for k, option in enumerate(missing):  # every missing option keeps its label
                    assert meta.variable_value_labels[column][chr(97 + k)] == option.label[
                        survey.languages[0]]
            row = answers[(answers["item"] == item.id) & (answers["phase"] == phase)]
            assert int(row["value"].iloc[1]) == first.code
            checked += 1
    assert checked >= 2
    # participants' numbers are numbers, and labels are cut at a word boundary
    assert plain["allocation_seq"].dtype.kind in "if" and plain["replaced"].dtype.kind in "if"
    for label in meta.column_names_to_labels.values():
        if label and label.endswith("…"):
            assert not label[-2].isspace()


def test_analysis_reads_missing_codes_back_from_spss_and_stata(
    app, runner, make_campaign, tmp_path
):
    from analysis import load_export

    out = _export_two(app, runner, make_campaign, tmp_path, FLAGSHIP, FLAGSHIP_SURVEY, "dta")
    canonical = load_export(out).answers
    for fmt in ("sav", "dta"):
        folder = tmp_path / f"only_{fmt}"
        folder.mkdir()
        for f in out.iterdir():
            if f.name != "answers.csv":
                (folder / f.name).write_bytes(f.read_bytes())
        if fmt == "sav":
            (folder / "wide.dta").unlink()
            from app.export.formats import write_other_format

            (folder / "answers.csv").write_bytes((out / "answers.csv").read_bytes())
            write_other_format(folder, "sav", json.loads((out / "codebook.json").read_text()))
            (folder / "answers.csv").unlink()
        wide = load_export(folder).answers
        key = ["participant_id", "phase", "module", "item"]
        left = canonical.sort_values(key, ignore_index=True)
        right = wide.sort_values(key, ignore_index=True)
        pd.testing.assert_series_equal(left["value"], right["value"], check_dtype=False)
        assert left["item"].tolist() == right["item"].tolist()


def test_a_failed_export_leaves_nothing(app, runner, make_campaign, tmp_path, monkeypatch):
    import app.export.formats as formats

    slug = make_campaign()
    complete(app.test_client(), slug)

    def broken(*args, **kwargs):
        (args[1]).write_bytes(b"half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(formats, "_write_dta", broken)
    out = tmp_path / "exports" / "export"
    result = runner.invoke(args=["export", slug, str(out), "--format", "dta", *EVERYTHING])
    assert result.exit_code != 0
    assert list(out.parent.iterdir()) == []


def test_labels_are_cut_at_word_boundaries_within_byte_limits():
    from app.export.formats import shorten_label

    for text, limit in [("Wie stark unterstützen Sie " + "einen dauerhaften Frieden " * 20, 250),
                        ("Наскільки ви підтримуєте мирну угоду " * 10, 80)]:
        cut = shorten_label(text, limit)
        assert len(cut.encode()) <= limit and cut.endswith("…")
        kept = cut[:-1]
        assert text.startswith(kept) and text[len(kept)] == " "  # a whole word, then a space
        assert len(kept.encode()) > limit - 40  # and not much shorter than needed


@pytest.mark.parametrize("moment", [
    datetime(2026, 1, 1, 0, 1, 51, tzinfo=UTC),
    datetime(2026, 11, 22, 15, 47, 44, 123456, tzinfo=UTC),
    datetime(2026, 2, 28, 23, 59, 59, 1, tzinfo=UTC),
])
def test_sqlite_times_are_rewritten_as_isoformat_writes_them(moment):
    """The writer turns SQLite's stored text into ISO 8601 without a datetime: same text."""
    stored = moment.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's layout
    assert _iso(stored) == moment.isoformat()
    assert _iso(stored[:19]) == moment.replace(microsecond=0).isoformat()  # any other layout
    assert _iso(moment) == moment.isoformat()  # PostgreSQL: a datetime
