"""analysis.load_database reads a campaign straight from a migrated app database
and gets exactly what the CLI export gives."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from analysis import ExportError, contract, load_database, load_export
from app.extensions import db
from surveys import EXAMPLE, load_survey
from tests.bots import Bot
from tests.exporting import EVERYTHING

SURVEY = load_survey(EXAMPLE)


def database_url(app) -> str:
    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() == "postgresql":  # the test's private schema
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"]
        url = url.update_query_dict({"options": options})
    return url.render_as_string(hide_password=False)


def test_the_database_reader_matches_the_export(app, runner, tmp_path):
    with app.app_context():
        db.drop_all()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0  # creates the export views
    assert runner.invoke(args=["campaign", "create", "town", "--survey", str(EXAMPLE),
                               "--primary", "support_trees"]).exit_code == 0
    assert runner.invoke(args=["campaign", "open", "town"]).exit_code == 0
    for k in range(3):
        Bot(app.test_client(), "town", SURVEY,
            overrides={"after": {"q_reflection": f"=reason {k}"}}).walk()
    Bot(app.test_client(), "town", SURVEY).start()  # one who has only started
    out = tmp_path / "export"
    assert runner.invoke(args=["export", "town", str(out), *EVERYTHING]).exit_code == 0

    from_files = load_export(out)
    from_db = load_database(database_url(app), "town")
    key = ["participant_id", "phase", "module", "item"]
    left = from_db.answers.sort_values(key, ignore_index=True)
    right = from_files.answers.sort_values(key, ignore_index=True)
    assert len(left) == len(right) > 0
    for column in ("participant_id", "arm", "phase", "module", "item", "value", "page"):
        pd.testing.assert_series_equal(left[column], right[column], check_dtype=False)
    # Files escape formula-like text and the reader undoes it; the database holds it as typed.
    assert sorted(left["text"].dropna()) == sorted(right["text"].dropna())
    assert "=reason 0" in set(left["text"].dropna())
    p_db = from_db.participants.set_index("participant_id").sort_index()
    p_files = from_files.participants.set_index("participant_id").sort_index()
    assert p_db["status"].tolist() == p_files["status"].tolist()
    assert sorted(p_db["status"]) == ["completed", "completed", "completed", "started"]
    assert from_db.manifest["design"]["control_arm"] == "control"
    assert from_db.manifest["preregistration"]["primary_items"] == ["support_trees"]
    with pytest.raises(ExportError, match="campaign 'nope' not found"):
        load_database(database_url(app), "nope")


def test_the_export_views_have_exactly_the_contract_columns(app, runner):
    """The migration's views restate the columns in SQL; the contract is what they must match."""
    with app.app_context():
        db.drop_all()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        for view, columns, optional in (
            ("export_participants", contract.PARTICIPANT_COLUMNS,
             contract.OPTIONAL_PARTICIPANT_COLUMNS),
            ("export_answers", contract.ANSWER_COLUMNS, {}),
        ):
            result = db.session.execute(sa.text(f"SELECT * FROM {view} WHERE 1 = 0"))  # noqa: S608
            names = list(result.keys())
            assert names[: len(columns) + 1] == ["campaign_slug", *columns]
            assert set(names[len(columns) + 1 :]) <= set(optional), names
