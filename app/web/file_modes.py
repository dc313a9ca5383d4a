"""Parley's files are private to the account that runs it: 0600 files, 0700 folders.

The SQLite database (and its write-ahead log), exports, reports and job
files hold participants' answers; the instance folder holds the secret key.
So the process creates files with umask 077, and at start the instance
folder, the jobs folder and an existing SQLite database in the instance
folder are narrowed to owner-only (an installation made before this
change had them world-readable).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from flask import Flask

__all__ = ["configure_file_modes", "PRIVATE_UMASK"]

PRIVATE_UMASK = 0o077


def configure_file_modes(app: Flask) -> None:
    os.umask(PRIVATE_UMASK)
    instance = Path(app.instance_path)
    _narrow(instance, 0o700)
    _narrow(Path(app.config.get("PARLEY_JOBS_DIR") or instance / "jobs"), 0o700)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        database = Path(uri.removeprefix("sqlite:///"))
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            _narrow(path, 0o600)


def _narrow(path: Path, mode: int) -> None:
    """Take group and other permissions away from ``path`` if it exists and is ours."""
    try:
        info = path.stat()
        if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
            path.chmod(stat.S_IMODE(info.st_mode) & mode)
    except OSError:  # not there yet, or not ours: nothing to narrow
        return
