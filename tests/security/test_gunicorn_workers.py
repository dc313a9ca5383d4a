"""A plain ``gunicorn -w 2`` start cannot escape the guard on per-process sign-in limits.

With ``memory://`` limiter storage every worker counts sign-in attempts on
its own, so the app refuses to start with more than one worker. The worker
count came only from Parley's settings; now gunicorn's own configuration
(command line, config file, ``GUNICORN_CMD_ARGS``) is read too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from app.web.security import ConfigurationError, gunicorn_workers

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def _config(tmp_path) -> dict:
    return {"TESTING": True, "SECRET_KEY": "x" * 32, "RATELIMIT_STORAGE_URI": "memory://",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}"}


@pytest.mark.parametrize(("argv", "env", "workers"), [
    (["-w", "2", "app:create_app()"], {}, 2),
    (["--workers=3", "app:create_app()"], {}, 3),
    (["app:create_app()"], {"GUNICORN_CMD_ARGS": "--workers 4"}, 4),
    (["app:create_app()"], {}, 1),
])
def test_the_worker_count_is_read_from_gunicorn(monkeypatch, tmp_path, argv, env, workers):
    monkeypatch.chdir(tmp_path)  # no gunicorn.conf.py of ours in the way
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "argv", [GUNICORN, *argv])
    assert gunicorn_workers() == workers
    if workers > 1:
        with pytest.raises(ConfigurationError, match=f"gunicorn --workers {workers}"):
            create_app(_config(tmp_path))
    else:
        create_app(_config(tmp_path))


def test_a_config_file_counts_too(monkeypatch, tmp_path):
    (tmp_path / "gunicorn.conf.py").write_text("workers = 2\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [GUNICORN, "app:create_app()"])
    assert gunicorn_workers() == 2


def test_outside_gunicorn_nothing_is_read(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["/usr/bin/parley", "-w", "2"])
    assert gunicorn_workers() is None


def test_a_real_gunicorn_with_two_workers_refuses_to_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARLEY_", "WEB_CONC"))}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite'}",
               PARLEY_SECRET_KEY="x" * 32)
    done = subprocess.run([GUNICORN, "-w", "2", "-b", "127.0.0.1:0", "app:create_app()"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "gunicorn --workers 2 with RATELIMIT_STORAGE_URI=memory://" in done.stderr
