"""Formula escaping is lossless and only where a spreadsheet reads the file (issue 11, 2 and 9).

A participant who typed ``'=1+1`` must read back differently from one who
typed ``=1+1``; fullwidth ``＝``/``＋`` are escaped like ``=``/``+``;
Parquet, SPSS and Stata files hold the text as typed; a control character
left in the database (stored before the edge checks existed) never breaks
the Excel export.
"""

from __future__ import annotations

import pandas as pd
import pyreadstat
import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from analysis import load_export
from analysis.contract import EXPORT_FORMATS
from app.extensions import db
from app.models import Answer, Participant
from tests.app.export.test_export import complete, read_csv
from tests.exporting import EVERYTHING

#: what participants typed -> what answers.csv and wide.csv hold
TYPED = {
    "=1+1": "'=1+1",
    "'=1+1": "''=1+1",
    "\uff1d1+1": "'\uff1d1+1",  # fullwidth equals
    "\uff0bSUM(A1)": "'\uff0bSUM(A1)",  # fullwidth plus
    "-minus": "'-minus",
    "@at": "'@at",
    "'just quoted'": "''just quoted'",
    "plain 'text'": "plain 'text'",
}


@pytest.fixture
def typed_export(app, runner, make_campaign, tmp_path):
    slug = make_campaign(block_size=8)
    for text in TYPED:
        complete(app.test_client(), slug, reflection=text)
    return slug


def export(runner, slug, out, fmt="csv"):
    result = runner.invoke(args=["export", slug, str(out), "--format", fmt, *EVERYTHING])
    assert result.exit_code == 0, result.output
    return out


def reflections(rows) -> list[str]:
    return sorted(r["text"] for r in rows if r["item"] == "reflection")


def test_csv_escaping_is_lossless_and_the_reader_reverses_it_exactly(typed_export, runner, tmp_path):
    out = export(runner, typed_export, tmp_path / "csv")
    assert reflections(read_csv(out / "answers.csv")) == sorted(TYPED.values())
    loaded = load_export(out)
    texts = loaded.answers.loc[loaded.answers["item"] == "reflection", "text"]
    assert sorted(texts) == sorted(TYPED)


def test_spreadsheet_files_are_escaped_and_the_others_hold_raw_text(typed_export, runner, tmp_path):
    column = "post__reflection"
    wide = pd.read_csv(export(runner, typed_export, tmp_path / "wide", "wide") / "wide.csv",
                       dtype=str, keep_default_na=False)
    assert sorted(wide[column]) == sorted(TYPED.values())

    sheet = load_workbook(export(runner, typed_export, tmp_path / "x", "xlsx") / "wide.xlsx").active
    header = [c.value for c in sheet[1]]
    cells = [row[header.index(column)] for row in sheet.iter_rows(min_row=2)]
    assert sorted(c.value for c in cells) == sorted(TYPED.values())
    assert {c.data_type for c in cells} == {"s"}  # never a formula

    parquet = pd.read_parquet(export(runner, typed_export, tmp_path / "p", "parquet")
                              / "wide.parquet")
    assert sorted(parquet[column]) == sorted(TYPED)
    sav, _ = pyreadstat.read_sav(str(export(runner, typed_export, tmp_path / "s", "sav")
                                     / "wide.sav"))
    assert sorted(sav[column]) == sorted(TYPED)
    dta, _ = pyreadstat.read_dta(str(export(runner, typed_export, tmp_path / "d", "dta")
                                     / "wide.dta"))
    assert sorted(dta[column]) == sorted(TYPED)


@pytest.mark.parametrize("fmt, name", [(f, name) for f, name in EXPORT_FORMATS.items() if name])
def test_every_wide_format_reads_back_the_typed_text(typed_export, runner, tmp_path, fmt, name):
    out = export(runner, typed_export, tmp_path / fmt, fmt)
    (out / "answers.csv").unlink()  # make the reader use the wide file
    loaded = load_export(out)
    texts = loaded.answers.loc[loaded.answers["item"] == "reflection", "text"]
    assert sorted(texts) == sorted(TYPED)


def test_control_characters_in_stored_text_do_not_break_the_excel_export(
    app, runner, make_campaign, tmp_path
):
    slug = make_campaign()
    complete(app.test_client(), slug, reflection="placeholder")
    with app.app_context():  # as stored before the edge checks (SQLite kept even NUL)
        db.session.execute(update(Answer).where(Answer.item == "reflection")
                           .values(text="a\x01b\x1fc\x0bd"))
        db.session.commit()
        assert db.session.scalar(select(Participant.status)) == "completed"
    out = export(runner, slug, tmp_path / "x", "xlsx")
    sheet = load_workbook(out / "wide.xlsx").active
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=header.index("post__reflection") + 1).value == (
        "a\ufffdb\ufffdc\ufffdd"
    )
    assert reflections(read_csv(out / "answers.csv")) == ["a\x01b\x1fc\x0bd"]  # kept in CSV
