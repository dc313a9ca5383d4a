"""The export reader holds files to docs/export-format.md and names file and problem."""

from __future__ import annotations

import json
import shutil
import zipfile

import numpy as np
import pandas as pd
import pytest

from analysis.load import ExportError, load_export, unescape_text


def _edit_csv(path, edit):
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = edit(df)
    df.to_csv(path, index=False, lineterminator="\n")


def _edit_json(path, edit):
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


def test_demo_export_loads_with_contract_types(demo):
    a, p = demo.answers, demo.participants
    assert a["value"].dtype == np.float64
    assert str(a["answered_at"].dt.tz) == "UTC"
    assert str(p["started_at"].dt.tz) == "UTC"
    assert p["allocation_seq"].dtype == "Int64"
    assert len(p) == demo.manifest["row_counts"]["participants"]
    assert len(a) == demo.manifest["row_counts"]["answers"]
    assert set(a["phase"]) == {"profile", "pre", "module", "post"}
    assert demo.control_arm == "control"
    assert demo.arms == ["accord", "armistice", "strength", "all", "control"]


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
def test_unescape_text_cases(cell, expected):
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
        (lambda d: _edit_json(d / "codebook.json", lambda c: c["items"][4].update(type="slider")),
         "codebook.json", "unknown type 'slider'"),
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
    cell = a["value"].astype("str").where(a["value"].notna(), a["text"])
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
