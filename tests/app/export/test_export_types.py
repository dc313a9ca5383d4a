"""Issue 19: every wide format keeps a column's type: codes and scale points are integers.

One rule decides, ``analysis.contract.whole_numbers`` (the codebook's
``integer``, written by the item type): the wide CSV writes ``3``, Parquet
holds a nullable int64, Excel an integer cell, SPSS a variable with no
decimals (``F8.0``) and Stata an integer storage type, never ``3.0`` or a
double. Each file is read back by the library an analyst would use.
"""

from __future__ import annotations

import csv

import pandas as pd
import pyreadstat
import pytest
from openpyxl import load_workbook

from analysis import contract
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
#: whole-number columns of the example survey (likert, thermometer, estimate,
#: knowledge, single choice, an integer number item), and the one that is
#: missing for the second participant (an optional number left empty)
WHOLE = ["pre__support_trees", "pre__warmth_council", "pre__share_trees", "pre__know_area",
         "profile__age_band", "post__attention"]
GAPPY = "module_trees__visits"
#: columns with "don't know" / "prefer not to say" options (Stata: tagged missing values)
TAGGED = {f"{phase}__{i.id}" for i in SURVEY.items.values() if any(o.missing for o in i.options)
          for phase in SURVEY.phases_of(i.id)}


@pytest.fixture
def exported(app, runner, make_campaign, tmp_path):
    slug = make_campaign(design={"arm_weights": {"trees": 1, "market": 0, "both": 0,
                                                 "control": 0}}, block_size=1)
    Bot(app.test_client(), slug, SURVEY).walk()
    Bot(app.test_client(), slug, SURVEY, overrides={"on_module": {"q_visits": ""}}).walk()

    def export(fmt: str):
        out = tmp_path / fmt
        result = runner.invoke(args=["export", slug, str(out), "--format", fmt,
                                     "--include-profile", "--include-text"])
        assert result.exit_code == 0, result.output
        return out

    return export


def _answers(out) -> dict[str, list]:
    """Column -> the participants' values in participant order, from answers.csv (the truth)."""
    with (out / "participants.csv").open(encoding="utf-8") as f:
        people = [row["participant_id"] for row in csv.DictReader(f)]
    cells = {}
    with (out / "answers.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            column = contract.wide_column(row["phase"], row["module"], row["item"])
            cells[(column, row["participant_id"])] = row["value"]
    return {c: [int(cells[(c, p)]) if (c, p) in cells else None for p in people]
            for c in [*WHOLE, GAPPY]}


def test_the_codebook_says_which_items_hold_whole_numbers(exported):
    import json

    out = exported("csv")
    items = {i["id"]: i for i in json.loads((out / "codebook.json").read_text())["items"]}
    assert items["visits"]["integer"] is True and items["support_trees"]["integer"] is True
    assert items["rank_plans"]["integer"] is False and items["reflection"]["integer"] is False
    assert contract.whole_numbers(items["know_area"])
    assert not contract.whole_numbers(items["transport"])  # the wide cell is the chosen ids


def test_wide_csv_writes_integers(exported):
    out = exported("wide")
    truth = _answers(out)
    with (out / "wide.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for column, values in truth.items():
        assert [r[column] for r in rows] == ["" if v is None else str(v) for v in values]
    wide = pd.read_csv(out / "wide.csv")
    assert all(wide[c].dtype == "int64" for c in WHOLE)


def test_parquet_holds_nullable_integers(exported):
    out = exported("parquet")
    wide = pd.read_parquet(out / "wide.parquet")
    for column, values in _answers(out).items():
        assert str(wide[column].dtype) == "Int64", column
        assert [None if pd.isna(v) else int(v) for v in wide[column]] == values


def test_excel_cells_are_integers(exported):
    out = exported("xlsx")
    book = load_workbook(out / "wide.xlsx", read_only=True)
    try:
        rows = list(book["answers"].iter_rows(values_only=True))
    finally:
        book.close()  # a read-only workbook keeps its file open until closed
    header = list(rows[0])
    for column, values in _answers(out).items():
        cells = [r[header.index(column)] for r in rows[1:]]
        assert cells == values, column
        assert all(type(c) is int for c in cells if c is not None), column  # not 3.0


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_spss_and_stata_store_integer_variables(exported, fmt):
    out = exported(fmt)
    read = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    df, meta = read(str(out / f"wide.{fmt}"), user_missing=True)
    names = contract.stata_names(df.columns) if fmt == "sav" else None
    for column, values in _answers(out).items():
        name = column if names is not None else next(c for c in df.columns
                                                     if column.startswith(c))
        cells = [None if pd.isna(v) else v for v in df[name]]
        assert cells == values, column
        if fmt == "sav":  # SPSS stores doubles: the format says "no decimals"
            assert meta.original_variable_types[name] == "F8.0", column
        elif column in TAGGED:  # Stata: a double holds the tags .a, .b (see formats.py)
            assert meta.readstat_variable_types[name] == "double", column
        else:  # Stata has integer storage types
            assert meta.readstat_variable_types[name] in ("int8", "int16", "int32"), column


# --------------------------------------------------------------------------- ranks (issue 19)
RANKS = {"pre__rank_plans__trees": 1, "pre__rank_plans__market": 2,
         "post__rank_plans__trees": 1, "post__rank_plans__market": 2}


def _read_wide(out, fmt: str) -> tuple[pd.DataFrame, dict]:
    """The wide file as the analyst's library reads it, and each column's label (if any)."""
    path = out / contract.EXPORT_FORMATS[fmt]
    if fmt == "wide":
        return pd.read_csv(path), {}
    if fmt == "parquet":
        return pd.read_parquet(path), {}
    if fmt == "xlsx":
        return pd.read_excel(path, sheet_name="answers"), {}
    read = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    df, meta = read(str(path))
    return df, meta.column_names_to_labels


@pytest.mark.parametrize("fmt", ["wide", "parquet", "xlsx", "sav", "dta"])
def test_a_ranking_exports_one_rank_column_per_option(exported, fmt):
    """``<answer column>__<option> = rank`` beside the joined text, after every answer column."""
    out = exported(fmt)
    df, labels = _read_wide(out, fmt)
    columns = list(df.columns)
    assert df["post__rank_plans"].tolist() == ["trees|market"] * 2  # the joined text stays
    for column, rank in RANKS.items():
        assert df[column].tolist() == [rank, rank], column
        assert columns.index(column) > max(columns.index(c) for c in columns
                                           if contract.split_wide_column(c)
                                           and c not in RANKS)
        if fmt in ("wide", "parquet", "xlsx"):
            assert str(df[column].dtype) in ("int64", "Int64"), column
        if labels:
            option = "Trees" if column.endswith("trees") else "Market"
            assert labels[column].startswith(f"[{column.split('__')[0]}] rank of {option}: ")


def test_every_format_is_read_back_by_the_analysis_with_rank_columns(app, runner, make_campaign,
                                                                     tmp_path):
    """The analysis reads a wide file alone: the rank columns are known, and not answers."""
    from tests.exporting import export_every_format

    slug = make_campaign()
    Bot(app.test_client(), slug, SURVEY).walk()
    exports = export_every_format(runner, slug, tmp_path)
    truth = exports["csv"].answers
    for fmt, export in exports.items():
        assert len(export.answers) == len(truth), fmt
        ranked = export.answers[export.answers["item"] == "rank_plans"]
        assert set(ranked["text"]) == {"trees|market"}, fmt


# --------------------------------------------------------------------------- Excel (issue 19)
def test_excel_has_a_codebook_and_labels_sheet_typed_times_and_frozen_headers(exported):
    from datetime import datetime

    out = exported("xlsx")
    book = load_workbook(out / "wide.xlsx")  # not read-only: freeze panes are read there
    assert book.sheetnames == ["answers", "codebook", "labels"]
    assert all(book[name].freeze_panes == "A2" for name in book.sheetnames)
    answers = list(book["answers"].iter_rows(values_only=True))
    header = list(answers[0])
    with (out / "participants.csv").open(encoding="utf-8") as f:
        people = list(csv.DictReader(f))
    for row, person in zip(answers[1:], people, strict=True):
        for column in ("started_at", "completed_at"):
            cell = row[header.index(column)]
            assert isinstance(cell, datetime), column  # a real Excel date, not text
            stored = datetime.fromisoformat(person[column]).replace(tzinfo=None)
            assert abs((cell - stored).total_seconds()) < 0.001

    codebook = {r[0]: r for r in book["codebook"].iter_rows(min_row=2, values_only=True)}
    assert list(codebook) == header  # one row per column, in the answers sheet's order
    item = SURVEY.items["support_trees"]
    assert codebook["pre__support_trees"] == (
        "pre__support_trees", "pre", None, "support_trees", "integer",
        f"[pre] {item.text['en']}")
    assert codebook["post__reflection"][4] == "text"
    assert codebook["started_at"][4] == "time"
    rank = codebook["post__rank_plans__market"]
    assert rank[3] == "rank_plans" and rank[4] == "integer" and "rank of Market" in rank[5]

    labels = [r for r in book["labels"].iter_rows(min_row=2, values_only=True)]
    know = SURVEY.items["know_area"]
    assert [r[1:] for r in labels if r[0] == "pre__know_area"] == [
        (o.code, o.label["en"], int(o.missing)) for o in know.options]
    assert ("replaced", 1, "yes", 0) in labels
    # a reader of the first sheet (the analysis) sees the answers only
    assert list(pd.read_excel(out / "wide.xlsx").columns) == header
