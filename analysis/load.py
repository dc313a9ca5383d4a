"""Read a Parley export (folder, zip, wide formats) or a database into typed frames.

The entry points: :func:`load_export` (a folder or zip), :func:`load_database`
(the app's database) and :func:`export_from_frames` (frames in memory). The
reader holds the export to ``docs/export-format.md``: every file, column,
type and coding is checked (:mod:`analysis.validate`), wide files are melted
back to long answers (:mod:`analysis.wide`), and any departure raises
:class:`ExportError` naming the file and the problem. Nothing is guessed
silently.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.arrow_csv import KEY_COLUMNS, read_answers_typed
from analysis.contract import (
    ANSWER_COLUMNS,
    ANSWERS_FILE,
    CODEBOOK_FILE,
    DISPLAY_ORDER_COLUMNS,
    DISPLAY_ORDER_FILE,
    ESCAPE_MARK,
    EXCHANGE_COLUMNS,
    MANIFEST_FILE,
    OPTIONAL_EXPOSURE_COLUMNS,
    OPTIONAL_PARTICIPANT_COLUMNS,
    OPTIONAL_STATEMENT_COLUMNS,
    PAGE_COLUMNS,
    PAGES_FILE,
    PARTICIPANT_COLUMNS,
    PARTICIPANTS_FILE,
    SPREADSHEET_FILES,
    WIDE_FILES,
    wide_column_names,
)
from analysis.database import load_database
from analysis.export import Export, ExportError
from analysis.frames import split_not_shown
from analysis.order_effects import check_display_order
from analysis.validate import (
    as_text,
    check_answers,
    check_codebook,
    check_manifest,
    check_pages,
    check_participants,
    items_table,
    legacy_escaping,
    read_csv,
    type_columns,
    unescape_text,
)
from analysis.wide import answers_from_wide, read_wide

__all__ = [
    "Export",
    "ExportError",
    "load_export",
    "load_database",
    "export_from_frames",
    "unescape_text",
    "items_table",
    "wide_column_names",
]


class _Folder:
    def __init__(self, path: Path):
        self.path = path

    def names(self) -> set[str]:
        return {p.name for p in self.path.iterdir() if p.is_file()}

    def read(self, name: str) -> bytes:
        return (self.path / name).read_bytes()

    def local(self, name: str) -> Path:
        return self.path / name


class _Zip:
    def __init__(self, path: Path):
        try:
            self.zf = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise ExportError(path.name, "is not a valid zip file") from None
        files = [n for n in self.zf.namelist() if not n.endswith("/")]
        self.map = {n.rsplit("/", 1)[-1]: n for n in files}

    def names(self) -> set[str]:
        return set(self.map)

    def read(self, name: str) -> bytes:
        return self.zf.read(self.map[name])

    def local(self, name: str) -> io.BytesIO:
        return io.BytesIO(self.read(name))


def _json(src, name: str) -> Any:
    if name not in src.names():
        raise ExportError(name, "file not found in the export")
    try:
        return json.loads(src.read(name).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExportError(name, f"is not valid JSON ({exc})") from None


def _read_answers(src, legacy: bool) -> pd.DataFrame:
    """``answers.csv`` typed: pyarrow's fast path when the file is plain, else the checked
    reader (which names the line of any problem)."""
    typed = read_answers_typed(src.local(ANSWERS_FILE) if isinstance(src, _Folder)
                               else src.read(ANSWERS_FILE))
    if typed is None:
        return read_csv(src.read(ANSWERS_FILE), ANSWERS_FILE, ANSWER_COLUMNS, legacy=legacy)
    for col in KEY_COLUMNS:  # undo spreadsheet escaping once per distinct value
        cats = typed[col].cat.categories
        if cats.str.startswith(ESCAPE_MARK).any():
            typed[col] = typed[col].astype("str")
        typed[col] = unescape_text(typed[col], legacy) if not isinstance(
            typed[col].dtype, pd.CategoricalDtype) else typed[col]
    typed["text"] = unescape_text(typed["text"], legacy)
    return typed


def load_export(path: str | Path) -> Export:
    """Read and validate an export folder or zip.

    Parameters
    ----------
    path : str or Path
        The folder written by ``parley export`` or the same folder zipped.
        ``answers.csv`` is the canonical input and is always read when
        present. When it is absent but a wide file is present (``wide.csv``,
        ``wide.parquet``, ``wide.xlsx``, ``wide.sav``, ``wide.dta``, first
        found in that order), answers are rebuilt from the wide table's
        ``<phase>__<item>`` and ``module_<module>__<item>`` columns: page,
        answer time and seconds on page are then missing, and the row count
        in ``manifest.json`` is not checked. A Stata name shortened to 32
        characters is matched to the one codebook answer column it can be
        the start of; when several fit, ``ExportError`` says so.

    Returns
    -------
    Export

    Raises
    ------
    ExportError
        Naming the file and the problem: missing file or column, a value that
        is not of the documented type or coding, a duplicated key, answers of
        unknown participants or items, or row counts that disagree with
        ``manifest.json``.

    Examples
    --------
    >>> import shutil, tempfile
    >>> from analysis import write_demo_export
    >>> folder = write_demo_export(Path(tempfile.mkdtemp()) / "demo", n_per_arm=20, seed=1)
    >>> ex = load_export(folder)
    >>> ex.answers.columns[:5].tolist()
    ['participant_id', 'arm', 'phase', 'module', 'item']
    >>> ex.control_arm, len(ex.participants) == ex.manifest["row_counts"]["participants"]
    ('control', True)
    >>> shutil.rmtree(folder.parent)
    """
    path = Path(path)
    if not path.exists():
        raise ExportError(str(path), "does not exist")
    src = _Zip(path) if path.is_file() else _Folder(path)
    manifest = check_manifest(_json(src, MANIFEST_FILE))
    codebook = check_codebook(_json(src, CODEBOOK_FILE))
    items = items_table(codebook)
    legacy = legacy_escaping(manifest)
    names = src.names()
    if PARTICIPANTS_FILE not in names:
        raise ExportError(PARTICIPANTS_FILE, "file not found in the export")
    participants = check_participants(
        read_csv(
            src.read(PARTICIPANTS_FILE),
            PARTICIPANTS_FILE,
            PARTICIPANT_COLUMNS,
            OPTIONAL_PARTICIPANT_COLUMNS,
            legacy,
        )
    )
    if ANSWERS_FILE in names:  # the canonical input, even when a wide file sits beside it
        raw = _read_answers(src, legacy)
        answers = check_answers(raw, participants, items)
        check_rows = True
    else:
        wide = next((n for n in WIDE_FILES if n in names), None)
        if wide is None:
            raise ExportError(ANSWERS_FILE, "file not found in the export (and no wide file)")
        # Only spreadsheet files are escaped (before format 1.2: every file).
        escaped = legacy or wide in SPREADSHEET_FILES
        raw = answers_from_wide(read_wide(src, wide), wide, participants, items, codebook,
                                 escaped=escaped, legacy=legacy)
        answers = check_answers(raw, participants, items, wide).drop(columns="_where")
        check_rows = False
    counts = manifest["row_counts"]
    if counts["participants"] != len(participants):
        raise ExportError(
            PARTICIPANTS_FILE,
            f"has {len(participants)} rows but manifest.json row_counts.participants "
            f"says {counts['participants']}",
        )
    if check_rows and counts["answers"] != len(answers):
        raise ExportError(
            ANSWERS_FILE,
            f"has {len(answers)} rows but manifest.json row_counts.answers "
            f"says {counts['answers']}",
        )
    pages = None
    if PAGES_FILE in names:  # format 1.1 on; the reading times of the briefings
        pages = check_pages(read_csv(src.read(PAGES_FILE), PAGES_FILE, PAGE_COLUMNS,
                                     legacy=legacy), participants)
        n_pages = counts.get("pages")
        if isinstance(n_pages, int) and n_pages != len(pages):
            raise ExportError(PAGES_FILE, f"has {len(pages)} rows but manifest.json "
                              f"row_counts.pages says {n_pages}")
    optional = {"statements": OPTIONAL_STATEMENT_COLUMNS,
                "exposures": OPTIONAL_EXPOSURE_COLUMNS}
    exchange = {name: read_csv(src.read(f"{name}.csv"), f"{name}.csv", columns,
                               optional.get(name), legacy)
                for name, columns in EXCHANGE_COLUMNS.items()
                if f"{name}.csv" in names}
    answers, not_shown = split_not_shown(answers, items)
    display = None
    if DISPLAY_ORDER_FILE in names:  # format 1.12 on: the order of shuffled pages
        display = check_display_order(read_csv(src.read(DISPLAY_ORDER_FILE), DISPLAY_ORDER_FILE,
                                               DISPLAY_ORDER_COLUMNS, legacy=legacy),
                                      participants)
    return Export(participants, None, codebook, manifest, items, str(path),
                  keyed_answers=answers, pages=pages, exchange=exchange, not_shown=not_shown,
                  display_order=display)


def export_from_frames(
    participants: pd.DataFrame,
    answers: pd.DataFrame,
    codebook: dict,
    manifest: dict,
    source: str = "<frames>",
) -> Export:
    """Validate in-memory frames laid out as the contract's CSV files.

    Cells may be text (as read from CSV, without spreadsheet escaping) or
    already typed; they pass through the same checks as :func:`load_export`,
    including the row counts in ``manifest``.
    """
    manifest = check_manifest(manifest)
    codebook = check_codebook(codebook)
    items = items_table(codebook)
    for name, frame, cols in (("participants", participants, PARTICIPANT_COLUMNS),
                              ("answers", answers, ANSWER_COLUMNS)):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ExportError(name, f"missing column(s): {', '.join(missing)}")
    p = type_columns(as_text(participants), "participants", PARTICIPANT_COLUMNS, False)
    p = check_participants(p)
    a = type_columns(as_text(answers), "answers", ANSWER_COLUMNS, False)
    a = check_answers(a, p, items)
    counts = manifest["row_counts"]
    if counts["participants"] != len(p) or counts["answers"] != len(a):
        raise ExportError(MANIFEST_FILE, "row_counts disagree with the frames")
    a, not_shown = split_not_shown(a, items)
    return Export(p, None, codebook, manifest, items, source, keyed_answers=a,
                  not_shown=not_shown)
