"""SPSS and Stata written row by row from the spool (issue 24): the same file as the whole table.

``app/export/stat_files.py`` hands pyreadstat a three-row stand-in whose
``itertuples`` yields the spooled rows. The reference is pyreadstat given the
whole table (``streamed=False``, how every earlier export was written); both
files are read back by pyreadstat and must agree in every cell and in all the
metadata a reader sees: names, types, formats, widths, labels, missing values.
"""

from __future__ import annotations

import json

import pandas as pd
import pyreadstat
import pytest

from app.export.formats import _frame, rows_from_folder
from app.export.stat_files import write_stat_file
from surveys import EXAMPLE, FLAGSHIP, load_survey
from tests.app.export.test_export import _missing_overrides
from tests.bots import Bot

META = ("column_names", "column_names_to_labels", "variable_value_labels", "missing_ranges",
        "missing_user_values", "readstat_variable_types", "original_variable_types",
        "variable_display_width", "variable_storage_width", "number_rows")


@pytest.mark.parametrize("fmt", ["sav", "dta"])
@pytest.mark.parametrize("survey_folder", [FLAGSHIP, EXAMPLE])
def test_the_streamed_file_is_the_whole_tables_file(app, runner, make_campaign, tmp_path,
                                                    survey_folder, fmt):
    survey = load_survey(survey_folder)
    slug = make_campaign(survey=survey_folder)
    Bot(app.test_client(), slug, survey).walk()  # real answers, free text, about-you
    Bot(app.test_client(), slug, survey, overrides=_missing_overrides(survey)).walk()
    out = tmp_path / "export"
    result = runner.invoke(args=["export", slug, str(out), "--include-text", "--include-profile"])
    assert result.exit_code == 0, result.output
    codebook = json.loads((out / "codebook.json").read_text())
    read = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    files = {}
    for streamed in (True, False):
        rows = rows_from_folder(out, codebook, chunk=1)  # every row its own chunk
        path = tmp_path / f"{streamed}.{fmt}"
        try:
            write_stat_file(fmt, rows, path, codebook, _frame, streamed=streamed)
        finally:
            rows.close()
        files[streamed] = [read(str(path), user_missing=tagged) for tagged in (False, True)]
    for (mine, meta), (theirs, their_meta) in zip(files[True], files[False], strict=True):
        assert len(mine) == 2 and mine.shape[1] > 35
        pd.testing.assert_frame_equal(mine, theirs)
        for key in META:
            assert getattr(meta, key) == getattr(their_meta, key), key


def test_long_stata_text_keeps_the_whole_table(app, runner, make_campaign, tmp_path, monkeypatch):
    """Stata text of 2,045 bytes or more is a strL, whose references pyreadstat takes from
    the table's column: such an export hands it the whole table (and still writes the text)."""
    import app.export.stat_files as stat_files

    monkeypatch.setattr(stat_files, "STATA_STRL", 10)  # every typed answer is "long"
    handed = []
    real = stat_files._streamed
    monkeypatch.setattr(stat_files, "_streamed", lambda *a: handed.append(a) or real(*a))
    survey = load_survey(EXAMPLE)
    slug = make_campaign()
    Bot(app.test_client(), slug, survey).walk()
    out = tmp_path / "export"
    result = runner.invoke(args=["export", slug, str(out), "--format", "dta", "--include-text"])
    assert result.exit_code == 0, result.output
    df, _ = pyreadstat.read_dta(str(out / "wide.dta"))
    assert df["post__reflection"].tolist() == ["Because people want different things."]
    assert handed == []
