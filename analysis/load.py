"""Read a Parley export (folder, zip, wide formats) or a database into typed frames.

The reader holds the export to ``docs/export-format.md``: every file, column,
type and coding is checked, and any departure raises :class:`ExportError`
naming the file and the problem. Nothing is guessed silently.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.contract import (
    ANSWER_COLUMNS,
    ANSWER_KEY,
    ANSWERS_FILE,
    CODEBOOK_FILE,
    ESCAPE_MARK,
    FORMAT_NAME,
    LOSSLESS_ESCAPING_SINCE,
    MANIFEST_FILE,
    OPTIONAL_PARTICIPANT_COLUMNS,
    PARTICIPANT_COLUMNS,
    PARTICIPANTS_FILE,
    PHASES,
    SPREADSHEET_FILES,
    STATA_NAME_MAX,
    STATA_SHORT_NAME,
    STATUSES,
    SUPPORTED_MAJOR,
    TEXT_CODINGS,
    VALUE_CODINGS,
    WIDE_FILES,
    build_manifest,
    split_wide_column,
    stata_missing_tags,
    stata_safe,
    unescape_formula,
    upgrade_codebook,
    wide_column_names,
)

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



class ExportError(ValueError):
    """An export does not follow the contract; the message names file and problem."""

    def __init__(self, file: str, problem: str):
        self.file = file
        self.problem = problem
        super().__init__(f"{file}: {problem}")


@dataclass(frozen=True)
class Export:
    """A validated campaign export.

    Attributes
    ----------
    participants : DataFrame
        One row per participant (columns of ``participants.csv``); times are
        timezone-aware UTC, ``allocation_seq`` is ``Int64``, ``replaced`` is int.
    answers : DataFrame
        Long answers (columns of ``answers.csv``); ``value`` is float, ``module``
        is ``""`` (not missing) outside the ``module`` phase so it can be a key.
    codebook : dict
        ``codebook.json`` as parsed.
    manifest : dict
        ``manifest.json`` as parsed.
    items : DataFrame
        One row per codebook item: ``item, type, scale_min, scale_max, reverse,
        construct, correct, missing_codes, dont_know_codes, option_ids, phases,
        modules, label`` (see :func:`items_table`).
    source : str
        Where it was read from.
    """

    participants: pd.DataFrame
    answers: pd.DataFrame
    codebook: dict
    manifest: dict
    items: pd.DataFrame = field(repr=False)
    source: str = ""

    @property
    def control_arm(self) -> str | None:
        """Id of the control arm, or ``None``."""
        return (self.manifest.get("design") or {}).get("control_arm")

    @property
    def arms(self) -> list[str]:
        """Arm ids in design order (falling back to the order in participants)."""
        design = (self.manifest.get("design") or {}).get("arms") or self.codebook.get("arms") or []
        ids = [a["id"] for a in design if "id" in a]
        seen = list(pd.unique(self.participants["arm"].dropna()))
        return ids + [a for a in seen if a not in ids]

    @property
    def preregistration(self) -> dict | None:
        """``manifest["preregistration"]`` or ``None``."""
        return self.manifest.get("preregistration")

    def item_ids(self, *types: str) -> list[str]:
        """Item ids of the given types (all items when none given), codebook order."""
        t = self.items
        return list(t.loc[t["type"].isin(types), "item"]) if types else list(t["item"])


# --------------------------------------------------------------------------- helpers


def unescape_text(series: pd.Series, legacy: bool = False) -> pd.Series:
    """Undo the spreadsheet escaping of the export (:func:`analysis.contract.escape_formula`).

    From format 1.2 a cell starts with ``'`` exactly when the exporter
    escaped it, and loses that one apostrophe. ``legacy=True`` reads format
    1.0 and 1.1, where only an apostrophe before ``=``, ``+``, ``-``, ``@``,
    tab or carriage return was the exporter's. Missing values stay missing.
    Returns a new Series.

    Examples
    --------
    >>> unescape_text(pd.Series(["'=1+1", "''quoted'", "plain"])).tolist()
    ['=1+1', "'quoted'", 'plain']
    """
    s = series.astype("str") if series.dtype != "str" else series
    mask = (s.str.startswith(ESCAPE_MARK).fillna(False) & series.notna()).astype(bool)
    out = series.copy()
    if mask.any():
        out[mask] = [unescape_formula(v, legacy) for v in s[mask]]
    return out


def _legacy_escaping(manifest: Mapping[str, Any]) -> bool:
    """Whether the export predates lossless escaping (format 1.0 and 1.1)."""
    try:
        major, minor = (int(x) for x in str(manifest.get("format_version")).split(".")[:2])
    except ValueError:
        return True
    return (major, minor) < LOSSLESS_ESCAPING_SINCE


def _major(version: Any, file: str) -> int:
    try:
        return int(str(version).split(".")[0])
    except ValueError:
        raise ExportError(file, f"format_version {version!r} is not 'MAJOR.MINOR'") from None


def _check_manifest(manifest: Any) -> dict:
    f = MANIFEST_FILE
    if not isinstance(manifest, dict):
        raise ExportError(f, "must be a JSON object")
    if manifest.get("format") != FORMAT_NAME:
        raise ExportError(f, f"'format' is {manifest.get('format')!r}, expected {FORMAT_NAME!r}")
    if "format_version" not in manifest:
        raise ExportError(f, "missing key 'format_version'")
    if _major(manifest["format_version"], f) != SUPPORTED_MAJOR:
        raise ExportError(
            f,
            f"format_version {manifest['format_version']} is not supported "
            f"(this reader understands {SUPPORTED_MAJOR}.x)",
        )
    for key in ("campaign", "survey", "design", "row_counts"):
        if not isinstance(manifest.get(key), dict):
            raise ExportError(f, f"missing or non-object key {key!r}")
    for key in ("participants", "answers"):
        n = manifest["row_counts"].get(key)
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ExportError(f, f"row_counts.{key} must be a non-negative integer, got {n!r}")
    prereg = manifest.get("preregistration")
    if prereg is not None and (
        not isinstance(prereg, dict) or not isinstance(prereg.get("primary_items"), list)
    ):
        raise ExportError(f, "preregistration must be null or an object with 'primary_items'")
    return manifest


def _check_codebook(codebook: Any) -> dict:
    """The codebook checked, in the current format (older ones get their type facts)."""
    f = CODEBOOK_FILE
    if not isinstance(codebook, dict):
        raise ExportError(f, "must be a JSON object")
    items = codebook.get("items")
    if not isinstance(items, list) or not items:
        raise ExportError(f, "'items' must be a non-empty list")
    if not all(isinstance(item, dict) for item in items):
        raise ExportError(f, "every item must be a JSON object")
    try:
        codebook = upgrade_codebook(codebook)
    except ValueError as exc:
        raise ExportError(f, str(exc)) from None
    items = codebook["items"]
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"items[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise ExportError(f, f"{where} has no string 'id'")
        where = f"item {item['id']!r}"
        if item["id"] in seen:
            raise ExportError(f, f"{where} is defined twice")
        seen.add(item["id"])
        if not isinstance(item.get("type"), str):
            raise ExportError(f, f"{where} has no string 'type'")
        if item.get("value_coding") not in (*VALUE_CODINGS, None):
            raise ExportError(f, f"{where} has unknown value_coding {item['value_coding']!r}")
        if item.get("text_coding") not in (*TEXT_CODINGS, None):
            raise ExportError(f, f"{where} has unknown text_coding {item['text_coding']!r}")
        if item.get("value_coding") is None and item.get("text_coding") is None:
            raise ExportError(f, f"{where} has neither a value_coding nor a text_coding")
        if item.get("value_coding") == "quantity":
            scale = item.get("scale")
            if not isinstance(scale, dict) or not {"min", "max"} <= scale.keys():
                raise ExportError(
                    f, f"{where} of type {item['type']} needs scale.min and scale.max"
                )
        if item["type"] in ("knowledge", "attention") and item.get("correct") is None:
            raise ExportError(f, f"{where} of type {item['type']} needs 'correct'")
        for opt in item.get("options") or []:
            if not isinstance(opt, dict) or "code" not in opt or "id" not in opt:
                raise ExportError(f, f"{where} has an option without 'code' and 'id'")
    return codebook


def items_table(codebook: Mapping) -> pd.DataFrame:
    """One row per codebook item with the fields analyses need.

    Columns: ``item``, ``type``, ``scale_min``, ``scale_max`` (float, NaN when
    no scale; for Likert items without a scale, 1 and the number of options),
    ``reverse`` (bool), ``construct`` (str or None), ``correct`` (float or NaN),
    ``missing_codes`` (tuple of codes flagged ``missing: true``),
    ``option_ids`` (tuple of option ids in codebook order), ``option_codes``,
    ``phases`` (tuple), ``modules`` (tuple or None), ``label`` (English wording
    or the first language), ``estimates`` (for estimate items: the id of the
    item whose support they estimate, or None; format 1.1), and the type's
    facts (format 1.3): ``value_coding`` and ``text_coding`` (what ``value``
    and ``text`` hold; missing when nothing), ``numeric`` (``value_coding``
    is ``quantity``: means and shifts make sense) and ``attitude`` (bool).

    Examples
    --------
    >>> cb = {"items": [{"id": "warmth", "type": "slider", "value_coding": "quantity",
    ...                  "text_coding": None, "scale": {"min": 0, "max": 100}}]}
    >>> items_table(cb)[["item", "numeric", "scale_max"]].to_dict("records")
    [{'item': 'warmth', 'numeric': True, 'scale_max': 100.0}]
    """
    rows = []
    for item in upgrade_codebook(codebook)["items"]:
        options = item.get("options") or []
        scale = item.get("scale") or {}
        smin = scale.get("min", np.nan)
        smax = scale.get("max", np.nan)
        if item.get("value_coding") == "quantity" and options and not scale:
            codes = [o["code"] for o in options if not o.get("missing")]
            smin, smax = (min(codes), max(codes)) if codes else (np.nan, np.nan)
        text = item.get("text") or {}
        label = text.get("en") or next(iter(text.values()), item["id"]) if text else item["id"]
        rows.append(
            {
                "item": item["id"],
                "type": item["type"],
                "scale_min": float(smin),
                "scale_max": float(smax),
                "reverse": bool(item.get("reverse") or False),
                "construct": item.get("construct"),
                "correct": float(item["correct"]) if item.get("correct") is not None else np.nan,
                "missing_codes": tuple(o["code"] for o in options if o.get("missing")),
                "option_ids": tuple(str(o["id"]) for o in options),
                "option_codes": tuple(o["code"] for o in options),
                "phases": tuple(item.get("phases") or ()),
                "modules": tuple(item["modules"]) if item.get("modules") else None,
                "label": label,
                "estimates": item.get("estimates"),
                "value_coding": item.get("value_coding"),
                "text_coding": item.get("text_coding"),
                "numeric": item.get("value_coding") == "quantity",
                "attitude": bool(item.get("attitude")),
            }
        )
    return pd.DataFrame(rows)


def _read_csv(
    raw: bytes, file: str, columns: Mapping[str, str], optional=None, legacy: bool = False
) -> pd.DataFrame:
    if raw.startswith(b"\xef\xbb\xbf"):
        raise ExportError(
            file, "starts with a byte-order mark; the contract says UTF-8 without BOM"
        )
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExportError(file, f"is not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    if not raw.strip():
        raise ExportError(file, "is empty (no header row)")
    opts = dict(dtype=str, keep_default_na=False, na_values=[""])
    try:  # pyarrow's reader is several times faster; the C reader gives better messages
        df = pd.read_csv(io.BytesIO(raw), engine="pyarrow", **opts)
    except Exception:  # noqa: BLE001 - fall back, the C reader reports the problem
        try:
            df = pd.read_csv(io.BytesIO(raw), engine="c", encoding="utf-8", **opts)
        except (pd.errors.ParserError, ValueError) as exc:
            raise ExportError(file, f"cannot be parsed as CSV ({exc})") from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ExportError(file, f"missing column(s): {', '.join(missing)}")
    kinds = dict(columns) | {k: v for k, v in (optional or {}).items() if k in df.columns}
    return _type_columns(df, file, kinds, legacy=legacy)


def _bad(file: str, df: pd.DataFrame, col: str, mask: pd.Series, expected: str) -> ExportError:
    pos = int(np.flatnonzero(mask.to_numpy())[0])
    value = df[col].iloc[pos]
    value = value.item() if isinstance(value, np.generic) else value
    # rows rebuilt from a wide file say where they came from (column and participant)
    where = df["_where"].iloc[pos] if "_where" in df.columns else f"column {col!r}, line {pos + 2}"
    return ExportError(
        file,
        f"{where}: {value!r} is not {expected} "
        f"({int(mask.sum())} bad value(s) in this column)",
    )


def _type_columns(
    df: pd.DataFrame, file: str, kinds: Mapping[str, str], unescape: bool = True,
    legacy: bool = False,
) -> pd.DataFrame:
    out = {}
    for col, kind in kinds.items():
        s = df[col]
        if kind == "text":
            out[col] = unescape_text(s, legacy) if unescape else s
        elif kind == "number":
            num = pd.to_numeric(s, errors="coerce")
            bad = num.isna() & s.notna()
            if bad.any():
                raise _bad(file, df, col, bad, "a number")
            out[col] = num.astype("float64")
        elif kind in ("int", "flag"):
            num = pd.to_numeric(s, errors="coerce")
            bad = (num.isna() & s.notna()) | (num.notna() & (num % 1 != 0))
            if kind == "flag":
                bad |= num.notna() & ~num.isin([0, 1])
            if bad.any():
                raise _bad(file, df, col, bad, "0 or 1" if kind == "flag" else "an integer")
            out[col] = num.astype("Int64")
        elif kind == "time":
            t = pd.to_datetime(s, errors="coerce", utc=True, format="ISO8601")
            bad = t.isna() & s.notna()
            bad |= s.notna() & ~s.fillna("").str.contains(r"(?:[+-]\d\d:?\d\d|Z)$", regex=True)
            if bad.any():
                raise _bad(file, df, col, bad, "an ISO 8601 time with a UTC offset")
            out[col] = t
    extra = [c for c in df.columns if c not in kinds]
    typed = pd.DataFrame(out, index=df.index)
    for c in extra:  # columns added in a later minor version: keep, as text
        typed[c] = df[c]
    return typed


def _check_participants(p: pd.DataFrame) -> pd.DataFrame:
    f = PARTICIPANTS_FILE
    for col in ("participant_id", "arm", "status"):
        if p[col].isna().any():
            raise _bad(f, p, col, p[col].isna(), "a non-empty value")
    dup = p["participant_id"].duplicated()
    if dup.any():
        raise _bad(f, p, "participant_id", dup, "unique (it is repeated)")
    bad = ~p["status"].isin(STATUSES)
    if bad.any():
        raise _bad(f, p, "status", bad, f"one of {', '.join(STATUSES)}")
    p = p.copy()
    p["replaced"] = p["replaced"].fillna(0).astype("int64")
    return p


def _check_answers(
    a: pd.DataFrame, p: pd.DataFrame, items: pd.DataFrame, f: str = ANSWERS_FILE
) -> pd.DataFrame:
    for col in ("participant_id", "arm", "phase", "item"):
        if a[col].isna().any():
            raise _bad(f, a, col, a[col].isna(), "a non-empty value")
    bad = ~a["phase"].isin(PHASES)
    if bad.any():
        raise _bad(f, a, "phase", bad, f"one of {', '.join(PHASES)}")
    bad = (a["phase"] == "module") & a["module"].isna()
    if bad.any():
        raise _bad(f, a, "module", bad, "a module id (phase is 'module')")
    a = a.copy()
    a["module"] = a["module"].fillna("")
    bad = ~a["participant_id"].isin(p["participant_id"])
    if bad.any():
        raise _bad(f, a, "participant_id", bad, "a participant listed in participants.csv")
    arm_of = pd.Series(p["arm"].to_numpy(), index=p["participant_id"].to_numpy())
    bad = a["arm"].to_numpy() != arm_of.reindex(a["participant_id"].to_numpy()).to_numpy()
    bad = pd.Series(bad, index=a.index)
    if bad.any():
        raise _bad(f, a, "arm", bad, "the participant's arm in participants.csv")
    bad = ~a["item"].isin(items["item"])
    if bad.any():
        raise _bad(f, a, "item", bad, "an item id defined in codebook.json")
    dup = a.duplicated(list(ANSWER_KEY))
    if dup.any():
        raise _bad(f, a, "item", dup, "unique per (participant_id, phase, module, item)")
    # numeric answers within scale
    info = items.set_index("item")
    smin = info["scale_min"].reindex(a["item"]).to_numpy()
    smax = info["scale_max"].reindex(a["item"]).to_numpy()
    missing_ok = _is_missing_code(a, items)
    v = a["value"].to_numpy()
    out_of = ~np.isnan(v) & ~np.isnan(smin) & ((v < smin) | (v > smax)) & ~missing_ok
    if out_of.any():
        raise _bad(f, a, "value", pd.Series(out_of, index=a.index), "within the item's scale")
    return a


def _is_missing_code(a: pd.DataFrame, items: pd.DataFrame) -> np.ndarray:
    """Boolean array: the row's value is a code flagged ``missing: true``."""
    pairs = [
        (i, c)
        for i, codes in zip(items["item"], items["missing_codes"], strict=True)
        for c in codes
    ]
    if not pairs:
        return np.zeros(len(a), dtype=bool)
    mi = pd.MultiIndex.from_tuples(pairs)
    key = pd.MultiIndex.from_arrays([a["item"].to_numpy(), a["value"].to_numpy()])
    return np.asarray(key.isin(mi))


# --------------------------------------------------------------------------- sources


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
    >>> from analysis import load_export, write_demo_export
    >>> folder = write_demo_export(tmp_path / "demo", n_per_arm=50, seed=1)  # doctest: +SKIP
    >>> ex = load_export(folder)  # doctest: +SKIP
    >>> ex.answers.columns[:5].tolist()  # doctest: +SKIP
    ['participant_id', 'arm', 'phase', 'module', 'item']
    """
    path = Path(path)
    if not path.exists():
        raise ExportError(str(path), "does not exist")
    src = _Zip(path) if path.is_file() else _Folder(path)
    manifest = _check_manifest(_json(src, MANIFEST_FILE))
    codebook = _check_codebook(_json(src, CODEBOOK_FILE))
    items = items_table(codebook)
    legacy = _legacy_escaping(manifest)
    names = src.names()
    if PARTICIPANTS_FILE not in names:
        raise ExportError(PARTICIPANTS_FILE, "file not found in the export")
    participants = _check_participants(
        _read_csv(
            src.read(PARTICIPANTS_FILE),
            PARTICIPANTS_FILE,
            PARTICIPANT_COLUMNS,
            OPTIONAL_PARTICIPANT_COLUMNS,
            legacy,
        )
    )
    if ANSWERS_FILE in names:  # the canonical input, even when a wide file sits beside it
        raw = _read_csv(src.read(ANSWERS_FILE), ANSWERS_FILE, ANSWER_COLUMNS, legacy=legacy)
        answers = _check_answers(raw, participants, items)
        check_rows = True
    else:
        wide = next((n for n in WIDE_FILES if n in names), None)
        if wide is None:
            raise ExportError(ANSWERS_FILE, "file not found in the export (and no wide file)")
        # Only spreadsheet files are escaped (before format 1.2: every file).
        escaped = legacy or wide in SPREADSHEET_FILES
        raw = _answers_from_wide(_read_wide(src, wide), wide, participants, items, codebook,
                                 escaped=escaped, legacy=legacy)
        answers = _check_answers(raw, participants, items, wide).drop(columns="_where")
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
    return Export(participants, answers, codebook, manifest, items, str(path))


# --------------------------------------------------------------------------- wide formats


def _read_wide(src, name: str) -> pd.DataFrame:
    try:
        if name == "wide.csv":
            df = pd.read_csv(src.local(name), dtype=str, keep_default_na=False, na_values=[""])
        elif name == "wide.parquet":
            df = pd.read_parquet(src.local(name))
        elif name == "wide.xlsx":
            df = pd.read_excel(src.local(name), dtype=object, keep_default_na=False,
                               na_values=[""])
        else:
            import pyreadstat

            reader = pyreadstat.read_sav if name.endswith("sav") else pyreadstat.read_dta
            local = src.local(name)
            if isinstance(local, Path):
                df, _ = reader(str(local), apply_value_formats=False, user_missing=True)
            else:  # inside a zip: pyreadstat needs a file name
                import tempfile

                with tempfile.TemporaryDirectory() as tmp:
                    path = Path(tmp) / name
                    path.write_bytes(local.getvalue())
                    df, _ = reader(str(path), apply_value_formats=False, user_missing=True)
    except ExportError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure is reported with the file
        raise ExportError(name, f"cannot be read ({type(exc).__name__}: {exc})") from None
    if "participant_id" not in df.columns:
        raise ExportError(name, "missing column: participant_id")
    return df


def _resolve_wide_columns(columns: list[str], name: str, codebook) -> dict[str, str]:
    """Map each answer column of a wide file to its full ``<phase>[_<module>]__<item>`` name.

    Full names map to themselves. In ``wide.dta`` a name may have been
    shortened to 28 characters (older files: Stata's 32;
    non-alphanumeric characters made ``_``, a ``_<n>`` suffix added when two
    shortened names collide): it maps
    to the one long name it is the start of, and is an error when several
    long names fit (the file does not say which is which).
    """
    full = wide_column_names(codebook)
    known = set(full)
    long = {f: stata_safe(f) for f in full if len(f) > STATA_SHORT_NAME}
    out = {}
    for c in columns:
        if c in known or name != "wide.dta" or not STATA_SHORT_NAME <= len(c) <= STATA_NAME_MAX:
            out[c] = c
            continue
        fits = [f for f, safe in long.items() if safe.startswith(c)]
        if not fits:  # a collision suffix: match on the part before it
            stem = re.sub(r"_\d+$", "", c)
            fits = [f for f, safe in long.items() if safe.startswith(stem)]
        if len(fits) == 1:
            out[c] = fits[0]
        elif len(fits) > 1:
            raise ExportError(name, f"column {c!r} is a Stata name shortened to "
                                    f"{len(c)} characters and could be any of "
                                    f"{sorted(fits)}; the file cannot say which: read the "
                                    "export folder's answers.csv (the canonical input)")
        else:
            out[c] = c
    return out


def _untag_stata_missing(raw: pd.Series, item: pd.Series, is_text, codebook) -> pd.Series:
    """Stata's ``.a``, ``.b``, ... back to the codes of the item's ``missing`` options.

    ``wide.dta`` stores "Don't know" and "Prefer not to say" as extended
    missing values (``analysis.contract.stata_missing_tags``); read with
    ``user_missing=True`` they arrive as the letters ``"a"``, ``"b"``, ...
    """
    tagged = ~is_text & raw.map(lambda v: isinstance(v, str) and len(v) == 1).to_numpy()
    if not tagged.any():
        return raw
    codes = {(i["id"], tag): code for i in codebook["items"]
             for code, tag in stata_missing_tags(i.get("options") or []).items()}
    raw = raw.copy()
    raw[tagged] = [codes.get((i, t), t) for i, t in zip(item[tagged], raw[tagged], strict=True)]
    return raw


def _answers_from_wide(
    wide: pd.DataFrame, name: str, participants: pd.DataFrame, items: pd.DataFrame,
    codebook: Mapping[str, Any], escaped: bool = True, legacy: bool = False,
) -> pd.DataFrame:
    """Melt ``<phase>__<item>`` / ``module_<module>__<item>`` columns to the long layout.

    ``escaped``: the file's text cells carry the spreadsheet escaping (CSV and
    Excel files; every wide file before format 1.2), which is undone.
    """
    cols = [str(c) for c in wide.columns if "__" in str(c)]
    if not cols:
        raise ExportError(name, "has no answer columns named <phase>__<item> or "
                                "module_<module>__<item>")
    full = _resolve_wide_columns(cols, name, codebook)
    known_items = set(items["item"])
    parsed = []
    for c in cols:
        phase, module, item = split_wide_column(full[c])
        if phase not in PHASES:
            raise ExportError(name, f"column {c!r}: {phase!r} is not a phase")
        if (phase == "module") != bool(module):
            raise ExportError(name, f"column {c!r}: only module columns name a module "
                                    "(module_<module>__<item>)")
        if item not in known_items:
            raise ExportError(name, f"column {c!r}: {item!r} is not an item id defined in "
                                    "codebook.json")
        parsed.append((c, phase, module, item))
    data = wide[[c for c in wide.columns if str(c) in full]].copy()
    data.columns = [str(c) for c in data.columns]
    data.index = wide["participant_id"].astype("str").to_numpy()
    long = data.melt(ignore_index=False, var_name="column", value_name="raw")
    long = long.reset_index(names="participant_id")
    raw = long["raw"]
    # SPSS and Stata store a missing text as an empty string
    empty = raw.isna() | raw.map(lambda v: isinstance(v, str) and v.strip() == "")
    long = long[~empty.to_numpy()]
    meta = pd.DataFrame(parsed, columns=["column", "phase", "module", "item"])
    long = long.merge(meta, on="column")
    coding = items.set_index("item")["text_coding"].reindex(long["item"])
    is_text = coding.notna().to_numpy()
    raw = _untag_stata_missing(long["raw"], long["item"], is_text, codebook)
    value = pd.to_numeric(raw.where(~is_text).astype("object"), errors="coerce")
    bad = ~is_text & value.isna().to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise ExportError(name, f"column {long['column'].iloc[pos]!r}, participant "
                                f"{long['participant_id'].iloc[pos]!r}: "
                                f"{raw.iloc[pos]!r} is not a number ({int(bad.sum())} bad "
                                "value(s))")
    text = raw.where(is_text).map(lambda v: v if isinstance(v, str) else (
        None if pd.isna(v) else str(v))).astype("str")
    text = text.where(pd.Series(is_text, index=text.index))
    if escaped:
        text = unescape_text(text, legacy)
    arm_of = participants.set_index("participant_id")["arm"]
    out = pd.DataFrame(
        {
            "participant_id": long["participant_id"].to_numpy(),
            "arm": arm_of.reindex(long["participant_id"]).to_numpy(),
            "phase": long["phase"].to_numpy(),
            "module": long["module"].replace("", np.nan).to_numpy(),
            "item": long["item"].to_numpy(),
            "value": value.astype("float64").to_numpy(),
            "text": text.to_numpy(),
            "page": pd.Series(np.nan, index=range(len(long)), dtype="str"),
            "answered_at": pd.Series(pd.NaT, index=range(len(long)), dtype="datetime64[us, UTC]"),
            "seconds_on_page": np.nan,
            "_where": ("column " + long["column"].map(repr) + ", participant "
                       + long["participant_id"].map(repr)).to_numpy(),
        }
    )
    return out


# --------------------------------------------------------------------------- database


def load_database(url: str, campaign_slug: str) -> Export:
    """Read one campaign straight from the application's database.

    Parameters
    ----------
    url : str
        SQLAlchemy database URL (``sqlite:///instance/parley.sqlite``,
        ``postgresql+psycopg://...``).
    campaign_slug : str
        The campaign's slug.

    Notes
    -----
    The app's tables are not part of the export contract; its migrations
    create read-only views that are (``export_participants`` and
    ``export_answers`` with exactly the export's columns plus
    ``campaign_slug``, and ``export_metadata`` with one row of campaign
    metadata and the stored codebook). The manifest is rebuilt from that row.
    Times without an offset are taken as UTC (the app stores UTC). Rows then
    pass through the same validation as an export folder (without spreadsheet
    un-escaping: database text is stored as typed).
    """
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            meta = pd.read_sql(
                sa.text("SELECT * FROM export_metadata WHERE campaign_slug = :s"),
                conn,
                params={"s": campaign_slug},
            )
            if meta.empty:
                raise ExportError(url, f"campaign {campaign_slug!r} not found in export_metadata")
            codebook = _check_codebook(json.loads(meta.iloc[0]["codebook_json"]))
            frames = {}
            for table, cols in (
                ("export_participants", PARTICIPANT_COLUMNS),
                ("export_answers", ANSWER_COLUMNS),
            ):
                q = sa.text(
                    # table and columns are the contract's constants (bandit B608, below)
                    f"SELECT {', '.join(cols)} FROM {table} WHERE campaign_slug = :s"  # noqa: S608  # nosec B608
                )
                frames[table] = pd.read_sql(q, conn, params={"s": campaign_slug})
    except sa.exc.SQLAlchemyError as exc:
        raise ExportError(url, f"database error: {exc.__class__.__name__}: {exc}") from None
    finally:
        engine.dispose()
    counts = {"participants": len(frames["export_participants"]),
              "answers": len(frames["export_answers"])}
    manifest = _check_manifest(_manifest_from_row(meta.iloc[0], codebook, counts))
    items = items_table(codebook)
    # times: the app stores UTC; drivers may hand back naive datetimes or text (SQLite)
    for table, cols in (("export_participants", PARTICIPANT_COLUMNS),
                        ("export_answers", ANSWER_COLUMNS)):
        f = frames[table]
        for c in (c for c, kind in cols.items() if kind == "time"):
            try:
                f[c] = pd.to_datetime(f[c], utc=True, format="ISO8601")
            except (ValueError, TypeError) as exc:
                raise ExportError(table, f"column {c!r}: not a time ({exc})") from None
    # database text is stored as typed: no spreadsheet escaping to undo
    p = _type_columns(
        _as_text(frames["export_participants"]), "export_participants", PARTICIPANT_COLUMNS, False
    )
    p = _check_participants(p)
    a = _type_columns(_as_text(frames["export_answers"]), "export_answers", ANSWER_COLUMNS, False)
    a = _check_answers(a, p, items)
    return Export(p, a, codebook, manifest, items, url)


def _manifest_from_row(row: pd.Series, codebook: Mapping, counts: Mapping[str, int]) -> dict:
    """The manifest an export of this campaign would carry (without row counts)."""

    def time(value):
        return None if value is None or pd.isna(value) else str(value)

    prereg = row["preregistration_json"]
    return build_manifest(
        codebook,
        campaign={"slug": row["campaign_slug"], "title": row["title"], "status": row["status"],
                  "opened_at": time(row["opened_at"]), "closed_at": time(row["closed_at"]),
                  "languages": json.loads(row["languages_json"])},
        block_size=int(row["block_size"]),
        seed=row["seed"],
        rebalance_dropouts=bool(row["rebalance_dropouts"]),
        preregistration=json.loads(prereg) if isinstance(prereg, str) else None,
        row_counts=counts,
        format_version=codebook.get("format_version", "1.0"),
    )  # fmt: skip


def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Database rows as text cells, so one typing path serves files and databases."""
    out = {}
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            if s.dt.tz is None:
                s = s.dt.tz_localize("UTC")
            text = s.dt.strftime("%Y-%m-%dT%H:%M:%S.%f%z")
        else:
            text = s.astype("str")
        out[c] = text.where(s.notna())
    return pd.DataFrame(out, index=df.index)


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
    manifest = _check_manifest(manifest)
    codebook = _check_codebook(codebook)
    items = items_table(codebook)
    for name, frame, cols in (("participants", participants, PARTICIPANT_COLUMNS),
                              ("answers", answers, ANSWER_COLUMNS)):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ExportError(name, f"missing column(s): {', '.join(missing)}")
    p = _type_columns(_as_text(participants), "participants", PARTICIPANT_COLUMNS, False)
    p = _check_participants(p)
    a = _type_columns(_as_text(answers), "answers", ANSWER_COLUMNS, False)
    a = _check_answers(a, p, items)
    counts = manifest["row_counts"]
    if counts["participants"] != len(p) or counts["answers"] != len(a):
        raise ExportError(MANIFEST_FILE, "row_counts disagree with the frames")
    return Export(p, a, codebook, manifest, items, source)
