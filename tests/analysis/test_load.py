"""The export reader holds files to docs/export-format.md and names file and problem."""

from __future__ import annotations

import json
import shutil
import zipfile

import numpy as np
import pandas as pd
import pytest

from analysis.contract import escape_formula, unescape_formula
from analysis.load import ExportError, load_export, unescape_text


def _edit_csv(path, edit):
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = edit(df)
    df.to_csv(path, index=False, lineterminator="\n")


def _edit_json(path, edit):
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


def _legacy_item_of_type(type_name=None):
    """An edit making the codebook a 1.1 one (no type facts); its 5th item gets ``type_name``."""

    def edit(codebook):
        codebook["format_version"] = "1.1"
        for item in codebook["items"]:
            for key in ("value_coding", "text_coding", "missing_codes", "attitude"):
                item.pop(key)
        if type_name:
            codebook["items"][4]["type"] = type_name

    return edit


def test_a_codebook_without_type_facts_still_loads_with_the_same_facts(demo_copy, demo):
    _edit_json(demo_copy / "codebook.json", _legacy_item_of_type())
    old = load_export(demo_copy)
    pd.testing.assert_frame_equal(old.items, demo.items)
    pd.testing.assert_frame_equal(old.answers, demo.answers)
    assert old.items.set_index("item")["numeric"].to_dict() == {
        i["id"]: i["type"] in ("likert", "thermometer", "estimate", "number")
        for i in demo.codebook["items"]}


def test_demo_export_loads_with_contract_types(demo):
    a, p = demo.answers, demo.participants
    assert a["value"].dtype == np.float64
    assert str(a["answered_at"].dt.tz) == "UTC"
    assert str(p["started_at"].dt.tz) == "UTC"
    assert p["allocation_seq"].dtype == "Int64"
    assert len(p) == demo.manifest["row_counts"]["participants"]
    assert len(a) == demo.manifest["row_counts"]["answers"]
    # followup: the demo's follow-up wave (analysis/synthetic_followup.py)
    assert set(a["phase"]) == {"profile", "pre", "module", "post", "followup"}
    assert demo.control_arm == "control"
    briefings = ["accord", "armistice", "strength", "all", "control"]
    # the flagship's design: each briefing arm and its twin with peers' arguments
    assert demo.arms == [*briefings, *(f"{b}_peers" for b in briefings)]


def test_spreadsheet_apostrophes_are_removed_once(demo, demo_dir):
    raw = pd.read_csv(demo_dir / "answers.csv", dtype=str, keep_default_na=False)
    assert (raw["text"] == "'=1+1 is how simple they make it").any()
    texts = set(demo.answers["text"].dropna())
    assert "=1+1 is how simple they make it" in texts
    assert "-too long" in texts and "+1 for the accord" in texts and "@everyone read this" in texts
    # an apostrophe not followed by a formula character is the participant's own
    assert "'quoted' words stay as they are" in texts
    # "NA" typed by a participant is text, not a missing value
    assert "NA" in texts


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("'=A1", "=A1"), ("'+1", "+1"), ("'-3", "-3"), ("'@x", "@x"), ("'\tx", "\tx"),
     ("''=x", "''=x"), ("'a", "'a"), ("=x", "=x"), ("plain", "plain")],
)
def test_unescape_text_cases_of_format_1_1(cell, expected):
    """Exports before 1.2 escaped only = + - @ tab CR and left a typed apostrophe alone."""
    s = pd.Series([cell, None], dtype="str")
    out = unescape_text(s, legacy=True)
    assert out.iloc[0] == expected and pd.isna(out.iloc[1])
    assert s.iloc[0] == cell  # input unchanged


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("'=A1", "=A1"), ("'+1", "+1"), ("'-3", "-3"), ("'@x", "@x"), ("'\tx", "\tx"),
     ("''=x", "'=x"), ("''a", "'a"), ("'\uff1d1", "\uff1d1"), ("'\uff0bx", "\uff0bx"),
     ("=x", "=x"), ("plain", "plain"), ("a'b", "a'b")],
)
def test_unescape_text_cases(cell, expected):
    """From 1.2 a cell starts with an apostrophe exactly when it was escaped."""
    s = pd.Series([cell, None], dtype="str")
    out = unescape_text(s)
    assert out.iloc[0] == expected and pd.isna(out.iloc[1])
    assert s.iloc[0] == cell  # input unchanged


def test_zip_export_loads_the_same(demo_dir, tmp_path, demo):
    zpath = tmp_path / "export.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for f in demo_dir.iterdir():
            zf.write(f, f"demo/{f.name}")
    z = load_export(zpath)
    pd.testing.assert_frame_equal(z.answers, demo.answers)
    pd.testing.assert_frame_equal(z.participants, demo.participants)


def _drop(name):
    return lambda d: (d / name).unlink()


def _drop_col(name, col):
    return lambda d: _edit_csv(d / name, lambda df: df.drop(columns=[col]))


def _set(name, col, value, row=0):
    def edit(df):
        df.loc[row, col] = value
        return df
    return lambda d: _edit_csv(d / name, edit)


def _first_row_of(item, value):
    def edit(df):
        df.loc[df.index[df["item"] == item][0], "value"] = value
        return df
    return lambda d: _edit_csv(d / "answers.csv", edit)


def _manifest(fn):
    return lambda d: _edit_json(d / "manifest.json", fn)


def _duplicate_answer(d):
    _edit_csv(d / "answers.csv", lambda df: pd.concat([df, df.iloc[[5]]], ignore_index=True))
    _edit_json(
        d / "manifest.json",
        lambda m: m["row_counts"].update(answers=m["row_counts"]["answers"] + 1),
    )


def _drop_answer_row(d):
    _edit_csv(d / "answers.csv", lambda df: df.iloc[1:])


@pytest.mark.parametrize(
    ("corrupt", "file", "message"),
    [
        (_drop("answers.csv"), "answers.csv", "file not found"),
        (_drop("participants.csv"), "participants.csv", "file not found"),
        (_drop("codebook.json"), "codebook.json", "file not found"),
        (_drop("manifest.json"), "manifest.json", "file not found"),
        (_drop_col("answers.csv", "phase"), "answers.csv", "missing column(s): phase"),
        (_drop_col("participants.csv", "status"), "participants.csv", "missing column(s): status"),
        (_first_row_of("support_accord", "lots"), "answers.csv", "'lots' is not a number"),
        (_first_row_of("support_accord", "9"), "answers.csv", "within the item's scale"),
        (_set("answers.csv", "phase", "during"), "answers.csv", "one of profile, pre"),
        (_set("answers.csv", "item", "no_such_item"), "answers.csv", "defined in codebook.json"),
        (_set("answers.csv", "answered_at", "yesterday"), "answers.csv", "ISO 8601"),
        (_set("answers.csv", "answered_at", "2026-11-02T10:00:00"), "answers.csv", "UTC offset"),
        (_set("answers.csv", "participant_id", "ghost"), "answers.csv", "listed in participants"),
        (_set("participants.csv", "status", "finished"), "participants.csv", "one of started"),
        (_set("participants.csv", "replaced", "2"), "participants.csv", "0 or 1"),
        (_set("participants.csv", "allocation_seq", "1.5"), "participants.csv", "an integer"),
        (_drop_answer_row, "answers.csv", "manifest.json row_counts.answers says"),
        (_duplicate_answer, "answers.csv", "unique per (participant_id, phase, module, item)"),
        (_manifest(lambda m: m.update(format_version="2.0")), "manifest.json", "not supported"),
        (_manifest(lambda m: m.update(format="other")), "manifest.json", "'format' is 'other'"),
        (_manifest(lambda m: m["row_counts"].update(participants=3)), "participants.csv",
         "row_counts.participants says 3"),
        (lambda d: (d / "codebook.json").write_text("{not json"), "codebook.json",
         "not valid JSON"),
        # before 1.3 the reader knows a type only by its name ...
        (lambda d: _edit_json(d / "codebook.json", _legacy_item_of_type("slider")),
         "codebook.json", "unknown type 'slider'"),
        # ... from 1.3 by the facts the codebook states, which must be known ones
        (lambda d: _edit_json(d / "codebook.json",
                              lambda c: c["items"][4].update(value_coding="angle")),
         "codebook.json", "unknown value_coding 'angle'"),
        (lambda d: _edit_json(d / "codebook.json",
                              lambda c: c["items"][4].update(value_coding=None)),
         "codebook.json", "neither a value_coding nor a text_coding"),
        (lambda d: _edit_json(d / "codebook.json", lambda c: c["items"][4].update(scale=None)),
         "codebook.json", "needs scale.min and scale.max"),
        (lambda d: (d / "answers.csv").write_bytes(b"\xef\xbb\xbf" + (d / "answers.csv").read_bytes()),  # noqa: E501
         "answers.csv", "byte-order mark"),
        (lambda d: (d / "answers.csv").write_bytes(b""), "answers.csv", "is empty"),
    ],
)
def test_bad_exports_name_the_file_and_the_problem(demo_copy, corrupt, file, message):
    corrupt(demo_copy)
    with pytest.raises(ExportError) as info:
        load_export(demo_copy)
    assert info.value.file == file
    assert message in str(info.value)
    assert str(info.value).startswith(f"{file}: ")


def test_bad_value_message_gives_the_line(demo_copy):
    _set("answers.csv", "value", "x", row=3)(demo_copy)
    with pytest.raises(ExportError, match=r"column 'value', line 5: 'x'"):
        load_export(demo_copy)


def test_arm_mismatch_between_files_is_reported(demo_copy):
    def edit(df):
        df.loc[0, "arm"] = "control" if df.loc[0, "arm"] != "control" else "accord"
        return df
    _edit_csv(demo_copy / "answers.csv", edit)
    with pytest.raises(ExportError, match="the participant's arm in participants.csv"):
        load_export(demo_copy)


def test_missing_path_and_bad_zip(tmp_path):
    with pytest.raises(ExportError, match="does not exist"):
        load_export(tmp_path / "nope")
    bad = tmp_path / "x.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ExportError, match="not a valid zip"):
        load_export(bad)


def test_wide_csv_rebuilds_the_answers(demo_dir, tmp_path, demo):
    a = demo.answers
    col = np.where(a["module"] != "", a["phase"] + "_" + a["module"], a["phase"]) + "__" + a["item"]
    # a spreadsheet file: text cells escaped as the contract says
    escaped = a["text"].map(lambda t: escape_formula(t) if isinstance(t, str) else t)
    cell = a["value"].astype("str").where(a["value"].notna(), escaped)
    wide = pd.DataFrame({"participant_id": a["participant_id"], "col": col, "cell": cell}).pivot(
        index="participant_id", columns="col", values="cell").reset_index()
    out = tmp_path / "wide"
    out.mkdir()
    for f in ("manifest.json", "codebook.json", "participants.csv"):
        shutil.copy(demo_dir / f, out / f)
    wide.to_csv(out / "wide.csv", index=False)
    w = load_export(out)
    key = ["participant_id", "phase", "module", "item"]
    left = w.answers.sort_values(key, ignore_index=True)
    right = demo.answers.sort_values(key, ignore_index=True)
    pd.testing.assert_series_equal(left["value"], right["value"])
    pd.testing.assert_series_equal(left["item"], right["item"])
    assert left["text"].dropna().tolist() == right["text"].dropna().tolist()


def test_load_database_reads_export_views_from_sqlite(demo, tmp_path):
    # the app's migrations create views with these columns; tables stand in here
    # (tests/app/test_load_database.py reads the real views of a real app database)
    import sqlalchemy as sa

    from analysis.load import load_database

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = sa.create_engine(url)
    p = demo.participants.assign(campaign_slug="demo")
    a = demo.answers.assign(campaign_slug="demo", module=demo.answers["module"].replace("", None))
    with engine.begin() as conn:
        p.to_sql("export_participants", conn, index=False)
        a.to_sql("export_answers", conn, index=False)
        m = demo.manifest
        pd.DataFrame({
            "campaign_slug": ["demo"], "title": [m["campaign"]["title"]],
            "status": [m["campaign"]["status"]], "survey_id": [m["survey"]["id"]],
            "survey_version": [m["survey"]["version"]], "seed": [str(m["design"]["seed"])],
            "block_size": [m["design"]["block_size"]], "rebalance_dropouts": [0],
            "opened_at": [None], "closed_at": [None],
            "languages_json": [json.dumps(m["survey"]["languages"])],
            "codebook_json": [json.dumps(demo.codebook)], "preregistration_json": [None],
        }).to_sql("export_metadata", conn, index=False)
    engine.dispose()
    db = load_database(url, "demo")
    key = ["participant_id", "phase", "module", "item"]
    left = db.answers.sort_values(key, ignore_index=True)
    right = demo.answers.sort_values(key, ignore_index=True)
    pd.testing.assert_series_equal(left["value"], right["value"])
    assert (left["answered_at"] == right["answered_at"]).all()
    assert left["text"].dropna().tolist() == right["text"].dropna().tolist()
    assert len(db.participants) == len(demo.participants)
    with pytest.raises(ExportError, match="campaign 'nope' not found"):
        load_database(url, "nope")


# --------------------------------------------------------------------------- wide formats
# docs/export-format.md "Other formats": the folder plus one wide.<ext> file with the
# participants.csv columns, then one column per answer named <phase>__<item> or
# module_<module>__<item>; Stata shortens names to 32 characters, uniquely. The tables
# below are written from the export's own CSV files: text cells stay spreadsheet-safe
# in xlsx, and are raw (the escaping undone) in Parquet, SPSS and Stata (format 1.2).


def _wide_table(folder, raw_text=False):
    p = pd.read_csv(folder / "participants.csv", dtype=str, keep_default_na=False)
    a = pd.read_csv(folder / "answers.csv", dtype=str, keep_default_na=False, na_values=[""])
    if raw_text:
        p = p.map(unescape_formula)
        a["text"] = a["text"].map(lambda t: unescape_formula(t) if isinstance(t, str) else t)
    col = np.where(a["phase"] == "module", "module_" + a["module"].fillna(""), a["phase"])
    a = a.assign(column=pd.Series(col, index=a.index) + "__" + a["item"],
                 cell=a["value"].where(a["value"].notna(), a["text"]))
    cells = a.pivot(index="participant_id", columns="column", values="cell")
    cells = cells[list(dict.fromkeys(a["column"]))]
    for c in cells.columns:
        numeric = pd.to_numeric(cells[c], errors="coerce")
        if numeric.notna().sum() == cells[c].notna().sum():
            cells[c] = numeric
    return p.merge(cells, left_on="participant_id", right_index=True, how="left")


def _stata_names_of_older_files(columns):
    """Stata names as exports before the 28-character rule wrote them (cut at 32)."""
    out, used = {}, set()
    for c in columns:
        name, k = c[:32], 0
        while name in used:
            k += 1
            name = c[: 32 - len(f"_{k}")] + f"_{k}"
        used.add(name)
        out[c] = name
    return out


def _write_wide(folder, fmt):
    import pyreadstat

    table = _wide_table(folder, raw_text=fmt != "xlsx")
    path = folder / f"wide.{fmt}"
    if fmt == "parquet":
        table.to_parquet(path, index=False)
    elif fmt == "xlsx":
        table.to_excel(path, index=False, sheet_name="answers")
    else:  # SPSS and Stata store a missing string as ""
        text = [c for c in table.columns if not pd.api.types.is_numeric_dtype(table[c])]
        table[text] = table[text].astype(object).where(table[text].notna(), "")
        if fmt == "sav":
            pyreadstat.write_sav(table, str(path))
        else:
            pyreadstat.write_dta(table.rename(columns=_stata_names_of_older_files(list(table.columns))),
                                 str(path))
    (folder / "answers.csv").unlink()
    return path


def _same_answers(left, right):
    key = ["participant_id", "phase", "module", "item"]
    left = left.sort_values(key, ignore_index=True)
    right = right.sort_values(key, ignore_index=True)
    for col in ("participant_id", "arm", "phase", "module", "item", "value"):
        pd.testing.assert_series_equal(left[col], right[col], check_dtype=False, obj=col)
    assert left["text"].isna().tolist() == right["text"].isna().tolist()
    assert left["text"].dropna().tolist() == right["text"].dropna().tolist()
    assert left["answered_at"].isna().all() and left["page"].isna().all()


@pytest.mark.parametrize("fmt", ["parquet", "xlsx", "sav", "dta"])
def test_wide_formats_round_trip(demo_copy, demo, fmt):
    _write_wide(demo_copy, fmt)
    w = load_export(demo_copy)
    _same_answers(w.answers, demo.answers)
    texts = set(w.answers["text"].dropna())
    # spreadsheet-safety apostrophes removed, a typed "NA" kept as text
    assert "=1+1 is how simple they make it" in texts and "NA" in texts
    pd.testing.assert_frame_equal(w.participants, demo.participants)


def test_analysis_of_a_wide_only_export_says_times_are_missing(demo_copy):
    from analysis.pipeline import analyse_export

    _write_wide(demo_copy, "parquet")
    res = analyse_export(demo_copy, n_boot=0)
    assert any("no times on page" in note for note in res.notes)
    assert not res["shifts"].empty


def test_wide_file_inside_a_zip(demo_copy, demo, tmp_path):
    _write_wide(demo_copy, "sav")
    zpath = tmp_path / "export.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for f in demo_copy.iterdir():
            zf.write(f, f"demo/{f.name}")
    _same_answers(load_export(zpath).answers, demo.answers)


def test_answers_csv_is_read_when_a_wide_file_sits_beside_it(demo_copy, demo):
    (demo_copy / "wide.parquet").write_bytes(b"not parquet")  # never opened
    ex = load_export(demo_copy)
    pd.testing.assert_frame_equal(ex.answers, demo.answers)


def _rename_item(folder, old, new):
    _edit_json(folder / "codebook.json",
               lambda c: next(i for i in c["items"] if i["id"] == old).update(id=new))
    _edit_csv(folder / "answers.csv", lambda df: df.assign(item=df["item"].replace(old, new)))


def test_stata_shortened_names_are_matched_to_the_codebook(demo_copy):
    long_id = "therm_negotiators_of_the_northern_accord"  # post__... is 46 characters
    _rename_item(demo_copy, "therm_negotiators", long_id)
    expected = load_export(demo_copy).answers
    _write_wide(demo_copy, "dta")
    import pyreadstat

    _, meta = pyreadstat.read_dta(str(demo_copy / "wide.dta"), metadataonly=True)
    assert "post__therm_negotiators_of_the_n" in meta.column_names
    _same_answers(load_export(demo_copy).answers, expected)


def test_stata_names_that_collide_are_an_error_not_a_guess(demo_copy):
    _rename_item(demo_copy, "therm_negotiators", "therm_negotiators_of_the_northern_accord")
    _rename_item(demo_copy, "therm_hawks", "therm_negotiators_of_the_northern_armistice")
    _write_wide(demo_copy, "dta")
    with pytest.raises(ExportError, match=r"^wide\.dta: column 'pre__therm_negotiators_of_th.*"
                                          r"could be any of .*answers\.csv \(the canonical"):
        load_export(demo_copy)


@pytest.mark.parametrize(
    ("edit", "message"),
    [(lambda t: t.rename(columns={"pre__trust_1": "during__trust_1"}),
      "column 'during__trust_1': 'during' is not a phase"),
     (lambda t: t.rename(columns={"pre__trust_1": "pre__trust_9"}),
      "column 'pre__trust_9': 'trust_9' is not an item id defined in codebook.json"),
     (lambda t: t.assign(pre__trust_1=t["pre__trust_1"].astype(object).where(
         t.index != 3, "lots")), "column 'pre__trust_1', participant "),
     (lambda t: t.assign(pre__trust_1=t["pre__trust_1"].where(t.index != 3, 9.0)),
      "is not within the item's scale"),
     (lambda t: t.drop(columns="participant_id"), "missing column: participant_id")],
)
def test_bad_wide_files_name_the_file_column_and_participant(demo_copy, edit, message):
    table = edit(_wide_table(demo_copy))
    table.to_csv(demo_copy / "wide.csv", index=False)
    (demo_copy / "answers.csv").unlink()
    with pytest.raises(ExportError) as info:
        load_export(demo_copy)
    assert info.value.file == "wide.csv" and message in str(info.value)


def test_unreadable_wide_file_is_reported(demo_copy):
    (demo_copy / "answers.csv").unlink()
    (demo_copy / "wide.parquet").write_bytes(b"not parquet")
    with pytest.raises(ExportError, match=r"^wide\.parquet: cannot be read"):
        load_export(demo_copy)
