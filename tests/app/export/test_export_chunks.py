"""Every export format read back equals the database, with chunks smaller than the data.

The export streams rows and writes wide files ``chunk`` rows at a time; a
chunk of 2 makes every file cross many chunk boundaries (4 participants:
two complete, one withdrawn, one on the first page), so a row lost or doubled at a boundary
shows up here.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from sqlalchemy import select

from analysis import load_export
from analysis.contract import EXPORT_FORMATS
from app.export.writer import write_export
from app.extensions import db
from app.models import Answer, Campaign, Participant
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)
TEXT_TYPES = ("multiple_choice", "ranking", "text")
CHUNK = 2


@pytest.fixture
def answered(app, make_campaign):
    slug = make_campaign()
    for n in range(3):
        bot = Bot(app.test_client(), slug, SURVEY,
                  overrides={"after": {"q_reflection": f"=reason {n}, with a comma"}})
        bot.walk()
    bot.get("withdraw")
    bot.post(f"/c/{slug}/withdraw", {})
    Bot(app.test_client(), slug, SURVEY).start()  # started, on the first page
    return slug


def database(app) -> tuple[dict, dict]:
    with app.app_context():
        people = {p.public_id: (p.arm, p.status) for p in db.session.scalars(select(Participant))}
        rows = db.session.execute(
            select(Participant.public_id, Answer.phase, Answer.module, Answer.item, Answer.value,
                   Answer.text).join(Answer, Answer.participant_id == Participant.id)
        ).all()
    return people, {(p, ph, m, i): (v, t) for p, ph, m, i, v, t in rows}


def read_back(folder, wide: bool) -> tuple[dict, dict]:
    export = load_export(folder)
    people = {r.participant_id: (r.arm, r.status) for r in export.participants.itertuples()}
    answers = {}
    for r in export.answers.itertuples():
        module = "" if not isinstance(r.module, str) else r.module
        value = None if math.isnan(r.value) else r.value
        text = r.text if isinstance(r.text, str) else None
        answers[(r.participant_id, r.phase, module, r.item)] = (value, text)
    return people, answers


def as_wide(answers: dict) -> dict:
    """What a wide file holds of each answer: the text of text types, else the value."""
    kinds = {i.id: i.type for i in SURVEY.items.values()}
    return {key: (None, text) if kinds[key[3]] in TEXT_TYPES else (value, None)
            for key, (value, text) in answers.items()}


@pytest.mark.parametrize("fmt", [f for f in EXPORT_FORMATS if f != "zip"])  # zip: the csv files
def test_every_format_read_back_equals_the_database(app, answered, tmp_path, fmt):
    people, answers = database(app)
    assert len(people) == 4 and len(answers) > 10 * CHUNK
    out = tmp_path / "export"
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        result = write_export(db.session, campaign, out, fmt=fmt, chunk=CHUNK)
    assert (result.participants, result.answers) == (len(people), len(answers))
    if fmt != "csv":  # read the wide file alone: the reader rebuilds answers from it
        (out / "answers.csv").unlink()
        (out / "pages.csv").unlink()
        answers = as_wide(answers)
    got_people, got_answers = read_back(out, wide=fmt != "csv")
    assert got_people == people
    assert got_answers == answers
    if fmt != "csv":
        shutil.rmtree(out)


@pytest.mark.parametrize("fmt", ["parquet", "sav", "dta"])
def test_the_parley_export_process_writes_what_the_app_writes(app, answered, tmp_path, fmt,
                                                              request):
    """``parley export`` loads pandas without pyarrow (SPSS, Stata) and Arrow with the system
    allocator (Parquet) in its own process (app/export/one_shot.py): its wide file holds what
    the app's own export holds, and reads back equal to the database."""
    people, answers = database(app)
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        write_export(db.session, campaign, tmp_path / "in_app", fmt=fmt)
        url = db.engine.url.render_as_string(hide_password=False)
    if url.startswith("postgresql"):
        schema = request.getfixturevalue("pg_schema")
        url += f"?options=-csearch_path%3D{schema}"
    out = tmp_path / "process"
    parley = Path(sys.executable).parent / "parley"
    env = {**os.environ, "PARLEY_SECRET_KEY": "k", "DATABASE_URL": url,
           "PYTHONPATH": str(Path(__file__).resolve().parents[3])}  # this checkout's app
    done = subprocess.run([str(parley), "export", answered, str(out), "--format", fmt,
                           "--include-text", "--include-profile"],  # as write_export's defaults
                          capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 0, done.stderr
    name = f"wide.{fmt}"
    if fmt == "parquet":
        assert (out / name).read_bytes() == (tmp_path / "in_app" / name).read_bytes()
    else:
        read = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
        (mine, meta), (theirs, their_meta) = (read(str(folder / name), user_missing=True)
                                              for folder in (out, tmp_path / "in_app"))
        pd.testing.assert_frame_equal(mine, theirs)
        assert meta.variable_value_labels == their_meta.variable_value_labels
        assert meta.column_names_to_labels == their_meta.column_names_to_labels
    (out / "answers.csv").unlink()
    (out / "pages.csv").unlink()
    assert read_back(out, wide=True) == (people, as_wide(answers))
