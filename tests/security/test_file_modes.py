"""The SQLite database, exports, reports and job files are private: 0600 files, 0700 folders."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.jobs.operations import job_folder, request_export, run
from app.models import Campaign
from surveys import EXAMPLE, load_survey
from tests.bots import Bot

SURVEY = load_survey(EXAMPLE)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _loose(root: Path) -> list[str]:
    """Every file or folder under ``root`` that group or others may read.

    (``root`` itself is the test's own folder, made before the app.)
    """
    return [f"{p} {oct(_mode(p))}" for p in root.rglob("*") if _mode(p) & 0o077]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_database_and_export_files_are_private(app, make_campaign, tmp_path):
    slug = make_campaign()
    Bot(app.test_client(), slug, SURVEY).walk()
    with app.app_context():
        job = request_export(db.session, db.session.scalar(select(Campaign)), "wide",
                             {"include_text": True}, actor="test")
        db.session.commit()
        run(db.session, job.id)
        folder = job_folder(job)
    assert any(folder.iterdir())
    assert _loose(Path(app.instance_path)) == []
    database = tmp_path / "parley.sqlite"
    for path in (database, Path(f"{database}-wal")):
        assert _mode(path) == 0o600, path


def test_an_older_world_readable_installation_is_narrowed_at_start(tmp_path):
    instance = tmp_path / "old"
    (instance / "jobs" / "7").mkdir(parents=True)
    database = instance / "parley.sqlite"
    database.write_bytes(b"")
    os.chmod(instance, 0o755)  # noqa: S103 - the old, world-readable state under test
    os.chmod(instance / "jobs", 0o755)  # noqa: S103
    os.chmod(database, 0o644)
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                      "PARLEY_JOBS_DIR": str(instance / "jobs")})
    app.instance_path = str(instance)
    assert _mode(database) == 0o600 and _mode(instance / "jobs") == 0o700
