"""A campaign keeps its own copy of its survey's files, in the database (issue 19).

At creation every file of the survey's folder is stored with the campaign
(``Campaign.survey_files``: relative path -> base64 content). Every host
serves the campaign from that copy, written once into its instance folder
(``survey_copies/<campaign id>-<version>/``, made in a temporary folder and
renamed into place, so two processes never see half a copy). So editing a
survey's folder, or upgrading Parley when a shipped survey changed, never
touches a running campaign, and app hosts share the database and nothing
else. A campaign without a copy (none could be made) reads its folder as
before.
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
from pathlib import Path

from flask import current_app

__all__ = ["COPIES_FOLDER", "survey_files", "copy_folder", "copy_path", "write_folder"]

#: Folder under the instance folder where the copies are written out.
COPIES_FOLDER = "survey_copies"


def survey_files(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` as {relative POSIX path: base64 content}."""
    return {
        path.relative_to(folder).as_posix(): base64.b64encode(path.read_bytes()).decode("ascii")
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def copy_path(campaign_id: int, version: str) -> Path:
    """Where the campaign's copy is (or will be) written on this host."""
    return Path(current_app.instance_path) / COPIES_FOLDER / f"{campaign_id}-{version[:16]}"


def copy_folder(campaign_id: int, version: str, files: dict[str, str]) -> Path:
    """The campaign's copy on this host's disk, written out first if it is not there yet."""
    return write_folder(copy_path(campaign_id, version), files)


def write_folder(target: Path, files: dict[str, str]) -> Path:
    """``files`` written out as the folder ``target``, unless it is there already.

    Written in a temporary folder beside it and renamed into place, so no
    process ever reads half of it.
    """
    if target.is_dir():
        return target
    root = target.parent
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".copy-", dir=root))
    for name, content in files.items():
        path = (work / name).resolve()
        if work.resolve() not in path.parents:  # a stored name never leaves the copy
            raise ValueError(f"survey copy: unsafe file name {name!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(content))
    try:
        os.rename(work, target)
    except OSError:  # another process wrote the same copy first
        shutil.rmtree(work, ignore_errors=True)
    return target
