"""Surveys uploaded as a zip: checked, unpacked safely, validated, stored by version.

A zip that comes from a browser is hostile until proven otherwise, so it is
read in two passes and nothing is written before the first pass accepts the
whole archive:

1. **The table of contents.** At most ``max_members`` entries; every name
   relative, in forward slashes, with no ``..``, no drive letter, no control
   characters, not too deep, not repeated (also not in another letter case,
   which would overwrite a file on a case-insensitive disk), ending in an
   allowed suffix (text, or a PNG, JPEG or WebP image; never SVG, which
   can carry script); at most ``images`` images, each within ``image_bytes``;
   no symbolic links or other special files (the Unix mode in
   the entry's external attributes); no encrypted entries; declared sizes
   within the per-file and total limits and a plausible compression ratio.
2. **The bytes.** Each entry is decompressed in chunks while its real size
   is counted, so a forged size in the header cannot hide a zip bomb: the
   copy stops at the limit and the upload is refused. An image's first
   bytes must say it is the image its name says (``surveys.images.sniff``).

The files go to a fresh temporary folder inside the store (the same disk),
the survey loader validates them there, and only a valid survey is renamed
to its final folder ``<survey id>-<version prefix>``. The folder name comes
from the validated survey, never from the zip, and the version is the
loader's content hash, so uploading the same survey twice stores it once and
a stored folder never changes (campaigns pin it by version).
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from flask_babel import lazy_gettext as _l

from surveys import Problem, Survey, SurveyError, load_survey
from surveys.images import MAX_IMAGE_BYTES, MAX_IMAGES, MEDIA_TYPES, sniff

__all__ = ["Limits", "UploadError", "store_survey_zip", "stored_folder", "STORE_FOLDER"]

#: Sub-folder of the Flask instance folder that holds uploaded surveys.
STORE_FOLDER = "surveys"
#: Images a survey may show (surveys/images.py): PNG, JPEG, WebP.
IMAGE_SUFFIXES = tuple(end for ends in MEDIA_TYPES.values() for end in ends)
#: The only kinds of file a survey folder holds.
ALLOWED_SUFFIXES = (".toml", ".md", ".txt", *IMAGE_SUFFIXES)
#: Entries that archivers add on their own; skipped, never extracted.
IGNORED_PARTS = ("__MACOSX", ".DS_Store", "Thumbs.db")
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Limits:
    """How big and how many: defaults fit the shipped surveys many times over."""

    #: Size of the zip file itself (room for a few images).
    zip_bytes: int = 8 * 1024 * 1024
    #: Entries in the archive (files and folders).
    members: int = 200
    #: Uncompressed size of one file.
    file_bytes: int = 2 * 1024 * 1024
    #: Uncompressed size of all files together.
    total_bytes: int = 16 * 1024 * 1024
    #: Folder depth of a path inside the survey.
    depth: int = 4
    #: Uncompressed / compressed size of one entry (text compresses about 3-10x).
    ratio: int = 100
    #: Image files in the archive, and the size of one (as the loader allows).
    images: int = MAX_IMAGES
    image_bytes: int = MAX_IMAGE_BYTES


class UploadError(ValueError):
    """The zip was refused before the loader saw it; ``messages`` says why."""

    def __init__(self, messages: list[str]):
        self.messages = [str(m) for m in messages]
        super().__init__("; ".join(self.messages))


@dataclass(frozen=True)
class _Entry:
    info: zipfile.ZipInfo
    #: Path inside the survey folder (a common top folder removed).
    path: PurePosixPath


def _is_image(name: str) -> bool:
    return name.lower().endswith(IMAGE_SUFFIXES)


def _size_limit(name: str, limits: Limits) -> int:
    return min(limits.image_bytes, limits.file_bytes) if _is_image(name) else limits.file_bytes


def _is_ignored(name: str) -> bool:
    return any(part in IGNORED_PARTS for part in name.split("/"))


def _name_problem(name: str, limits: Limits) -> str | None:
    """Why ``name`` (from the zip's table of contents) may not be extracted, or None."""
    if not name or any(unicodedata.category(ch).startswith("C") for ch in name):
        return _l("%(name)s: the name contains control characters", name=repr(name))
    if "\\" in name:
        return _l("%(name)s: backslashes are not allowed in names", name=name)
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return _l("%(name)s: absolute paths are not allowed", name=name)
    parts = [p for p in name.rstrip("/").split("/")]
    if any(p in ("", ".", "..") for p in parts):
        return _l("%(name)s: '..', '.' and empty path parts are not allowed", name=name)
    if len(parts) > limits.depth + 1:  # +1: a common top folder is allowed
        return _l("%(name)s: folders nested more than %(n)d deep", name=name, n=limits.depth)
    return None


def _entry_problem(info: zipfile.ZipInfo, limits: Limits) -> str | None:
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return _l("%(name)s: symbolic links are not allowed", name=info.filename)
    # Many archivers store only permission bits (no file type): those are plain files.
    if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return _l("%(name)s: only plain files and folders are allowed", name=info.filename)
    if info.flag_bits & 0x1:
        return _l("%(name)s: encrypted files are not allowed", name=info.filename)
    if info.is_dir():
        return None
    if info.filename.lower().endswith(".svg"):
        return _l("%(name)s: SVG images are not allowed (an SVG can carry script); use PNG, "
                  "JPEG or WebP", name=info.filename)
    if not info.filename.lower().endswith(ALLOWED_SUFFIXES):
        return _l("%(name)s: only %(kinds)s files belong in a survey",
                  name=info.filename, kinds=", ".join(ALLOWED_SUFFIXES))
    if info.compress_size and info.file_size / info.compress_size > limits.ratio:
        return _l("%(name)s: compressed suspiciously well (a zip bomb?)", name=info.filename)
    if info.file_size > (limit := _size_limit(info.filename, limits)):
        return _l("%(name)s: larger than %(n)d bytes", name=info.filename, n=limit)
    return None


def _entries(archive: zipfile.ZipFile, limits: Limits) -> list[_Entry]:
    """Check the table of contents (pass 1); the files to extract, or UploadError."""
    infos = archive.infolist()
    if len(infos) > limits.members:
        raise UploadError([_l("the zip holds %(n)d entries; at most %(max)d are allowed",
                              n=len(infos), max=limits.members)])
    problems: list = []
    seen: set[str] = set()
    kept: list[zipfile.ZipInfo] = []
    for info in infos:
        if _is_ignored(info.filename):
            continue
        problem = _name_problem(info.filename, limits) or _entry_problem(info, limits)
        if problem is not None:
            problems.append(problem)
            continue
        key = unicodedata.normalize("NFC", info.filename.rstrip("/")).casefold()
        if key in seen:
            problems.append(_l("%(name)s: appears twice in the zip", name=info.filename))
        seen.add(key)
        kept.append(info)
    if (images := sum(_is_image(i.filename) for i in kept)) > limits.images:
        problems.append(_l("the zip holds %(n)d images; at most %(max)d are allowed",
                           n=images, max=limits.images))
    declared = sum(i.file_size for i in kept)
    if declared > limits.total_bytes:
        problems.append(_l("the files add up to more than %(n)d bytes", n=limits.total_bytes))
    if problems:
        raise UploadError(problems)
    files = [i for i in kept if not i.is_dir()]
    if not files:
        raise UploadError([_l("the zip holds no files")])
    paths = [PurePosixPath(i.filename) for i in files]
    # A zip of a folder ("mysurvey/survey.toml", ...): its files are the survey.
    tops = {p.parts[0] for p in paths}
    strip = len(tops) == 1 and all(len(p.parts) > 1 for p in paths)
    entries = [
        _Entry(info, PurePosixPath(*path.parts[1:]) if strip else path)
        for info, path in zip(files, paths, strict=True)
    ]
    too_deep = [e.info.filename for e in entries if len(e.path.parts) > limits.depth]
    if too_deep:
        raise UploadError([_l("%(name)s: folders nested more than %(n)d deep",
                              name=name, n=limits.depth) for name in too_deep])
    return entries


def _extract(archive: zipfile.ZipFile, entries: list[_Entry], target: Path, limits: Limits):
    """Copy the entries' bytes into ``target`` (pass 2), counting what really comes out."""
    total = 0
    for entry in entries:
        destination = target.joinpath(*entry.path.parts)
        # Belt and braces: the name checks above already rule this out.
        if target.resolve() not in destination.resolve().parents:
            raise UploadError([_l("%(name)s: path leaves the survey folder",
                                  name=entry.info.filename)])
        destination.parent.mkdir(parents=True, exist_ok=True)
        written, limit = 0, _size_limit(entry.info.filename, limits)
        with archive.open(entry.info) as src, destination.open("xb") as dst:
            while chunk := src.read(CHUNK):
                written += len(chunk)
                total += len(chunk)
                if written > limit or total > limits.total_bytes:
                    raise UploadError([_l("%(name)s: unpacks to more than its limit (a zip "
                                          "bomb?)", name=entry.info.filename)])
                dst.write(chunk)
        if _is_image(entry.info.filename):
            _check_image(entry.info.filename, destination)


def _check_image(name: str, path: Path) -> None:
    """Refuse an image whose first bytes are not the kind its name says."""
    facts = sniff(path.read_bytes())
    if facts is None or not name.lower().endswith(MEDIA_TYPES[facts[0]]):
        raise UploadError([_l("%(name)s: not a PNG, JPEG or WebP image of the kind its name "
                              "says (its first bytes say otherwise)", name=name)])


def _relative_problems(problems: list[Problem], folder: Path) -> list[Problem]:
    """The loader's problems with the temporary folder's path taken out of file names."""
    out = []
    for p in problems:
        file = p.file
        if file.startswith(str(folder)):
            file = file[len(str(folder)) :].lstrip("/") or "(zip)"
        out.append(Problem(file, p.place, p.message))
    return out


def stored_folder(store: Path, survey) -> Path:
    """The folder an uploaded survey version is kept in (one per version)."""
    return store / f"{survey.id}-{survey.version[:16]}"


def store_survey_zip(stream: BinaryIO, store: Path, limits: Limits = Limits()) -> Survey:
    """Validate the survey zip ``stream`` and keep it under ``store``; return the survey.

    Raises :class:`UploadError` if the archive itself is refused (nothing is
    written), or :class:`~surveys.SurveyError` with the loader's problems (file
    names relative to the survey folder) if the survey is invalid (nothing is
    kept). The stored folder is ``store / f"{survey.id}-{survey.version[:16]}"``.
    """
    data = stream.read(limits.zip_bytes + 1)
    if len(data) > limits.zip_bytes:
        raise UploadError([_l("the zip is larger than %(n)d bytes", n=limits.zip_bytes)])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise UploadError([_l("this file is not a zip archive")]) from None
    store.mkdir(parents=True, exist_ok=True)
    with archive:
        entries = _entries(archive, limits)
        work = Path(tempfile.mkdtemp(prefix=".upload-", dir=store))
        try:
            try:
                _extract(archive, entries, work, limits)
            except (zipfile.BadZipFile, EOFError, NotImplementedError, ValueError) as exc:
                if isinstance(exc, UploadError):
                    raise
                raise UploadError([_l("the zip is damaged: %(error)s", error=str(exc))]) from None
            try:
                survey = load_survey(work)
            except SurveyError as exc:
                raise SurveyError(_relative_problems(exc.problems, work)) from None
            final = stored_folder(store, survey)
            try:
                os.replace(work, final)
            except OSError:
                if not (final / "survey.toml").is_file():
                    raise
                # The same survey was stored before (or by a concurrent upload).
            # Its files are those just checked (the version is their hash), so
            # the survey loaded from the work folder is the stored one: no second load.
            return survey
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
