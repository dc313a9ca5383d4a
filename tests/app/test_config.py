"""Configuration defaults: generated secret, SQLite pragmas, PostgreSQL URLs."""

from __future__ import annotations

import stat

import pytest
from sqlalchemy import text

from app import create_app
from app.config import _instance_secret
from app.extensions import db


def test_a_secret_key_is_generated_once_per_installation(tmp_path):
    first = _instance_secret(tmp_path)
    assert len(first) == 64 and int(first, 16)
    assert _instance_secret(tmp_path) == first  # read back, not regenerated
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert _instance_secret(tmp_path / ".." / tmp_path.name) == first
    other = tmp_path / "other"
    other.mkdir()
    assert _instance_secret(other) != first


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 15000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


@pytest.mark.parametrize("given, used", [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:////tmp/x.sqlite", "sqlite:////tmp/x.sqlite"),
])
def test_database_urls_from_hosting_providers_are_normalised(given, used, tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": given, "SECRET_KEY": "k"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == used
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    with app.app_context():
        db.engine.dispose()
