"""Checks that hold an export to the contract, file by file and column by column.

Every departure raises :class:`~analysis.export.ExportError` naming the file
and the problem; nothing is guessed silently. Used by every entry point
(:mod:`analysis.load`, :mod:`analysis.wide`, :mod:`analysis.database`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from analysis.contract import (
    ANSWER_KEY,
    ANSWERS_FILE,
    CODEBOOK_FILE,
    ESCAPE_MARK,
    FORMAT_NAME,
    LOSSLESS_ESCAPING_SINCE,
    MANIFEST_FILE,
    PAGES_FILE,
    PARTICIPANTS_FILE,
    PHASES,
    ROLES,
    STATUSES,
    SUPPORTED_MAJOR,
    TEXT_CODINGS,
    VALUE_CODINGS,
    unescape_formula,
    upgrade_codebook,
)
from analysis.export import ExportError
from analysis.frames import (
    CATEGORY_COLUMNS,
    as_category,
    isin_ids,
    missing_code_mask,
    not_shown_mask,
)

__all__ = [
    "unescape_text", "legacy_escaping", "check_manifest", "check_codebook", "items_table",
    "read_csv", "type_columns", "check_participants", "check_answers", "check_pages", "as_text",
]


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


def legacy_escaping(manifest: Mapping[str, Any]) -> bool:
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


def check_manifest(manifest: Any) -> dict:
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


def check_codebook(codebook: Any) -> dict:
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
        code = item.get("not_shown_code")  # 1.11
        if code is not None and (isinstance(code, bool) or not isinstance(code, (int, float))):
            raise ExportError(f, f"{where} has a not_shown_code that is not a number")
        if item.get("role") not in (*ROLES, None):
            raise ExportError(f, f"{where} has unknown role {item['role']!r}")
        if item.get("role") in ("knowledge", "attention") and item.get("correct") is None:
            raise ExportError(f, f"{where} (role {item['role']}) needs 'correct'")
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
    is ``quantity``: means and shifts make sense) and ``attitude`` (bool);
    ``role`` (one of the contract's ``ROLES`` or None) and ``straightlining``
    (bool: the item joins the straight-lining check) (format 1.5);
    ``not_shown_code`` (float, NaN when the item is always shown; 1.11).

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
                "role": item.get("role"),
                "straightlining": bool(item.get("straightlining")),
                "not_shown_code": float(item.get("not_shown_code") if item.get(
                    "not_shown_code") is not None else np.nan),
            }
        )
    return pd.DataFrame(rows)


def read_csv(
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
    return type_columns(df, file, kinds, legacy=legacy)


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


def type_columns(
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


def check_participants(p: pd.DataFrame) -> pd.DataFrame:
    f = PARTICIPANTS_FILE
    # ``arm`` may be empty: a participant of a stratified campaign is allocated after the
    # about-you page, so one screened out there, or not yet past it, has no arm
    for col in ("participant_id", "status"):
        if p[col].isna().any():
            raise _bad(f, p, col, p[col].isna(), "a non-empty value")
    bad = p["arm"].isna() & (p["status"] == "completed")
    if bad.any():
        raise _bad(f, p, "arm", bad, "an arm (the participant completed)")
    dup = p["participant_id"].duplicated()
    if dup.any():
        raise _bad(f, p, "participant_id", dup, "unique (it is repeated)")
    bad = ~p["status"].isin(STATUSES)
    if bad.any():
        raise _bad(f, p, "status", bad, f"one of {', '.join(STATUSES)}")
    p = p.copy()
    p["replaced"] = p["replaced"].fillna(0).astype("int64")
    return p


def check_answers(
    a: pd.DataFrame, p: pd.DataFrame, items: pd.DataFrame, f: str = ANSWERS_FILE
) -> pd.DataFrame:
    """The answers checked against participants and codebook; key columns as categoricals."""
    a = a.copy(deep=False)  # copy-on-write: only the columns replaced below are new
    for col in CATEGORY_COLUMNS:
        if col in a.columns:
            a[col] = as_category(a[col])
    for col in ("participant_id", "phase", "item"):  # arm: empty when the participant's is
        if a[col].isna().any():
            raise _bad(f, a, col, a[col].isna(), "a non-empty value")
    bad = ~a["phase"].isin(PHASES)
    if bad.any():
        raise _bad(f, a, "phase", bad, f"one of {', '.join(PHASES)}")
    bad = (a["phase"] == "module") & a["module"].isna()
    if bad.any():
        raise _bad(f, a, "module", bad, "a module id (phase is 'module')")
    module = a["module"]
    if "" not in module.cat.categories:
        module = module.cat.add_categories("")
    a["module"] = as_category(module.fillna(""))
    bad = ~a["participant_id"].isin(p["participant_id"])
    if bad.any():
        raise _bad(f, a, "participant_id", bad, "a participant listed in participants.csv")
    # the arm each participant category should have, as a code of the answers' arm column
    arm_of = pd.Series(p["arm"].to_numpy(), index=p["participant_id"].to_numpy())
    want = arm_of.reindex(a["participant_id"].cat.categories).to_numpy()
    want_code = a["arm"].cat.categories.get_indexer(pd.Index(want, dtype=object))
    want_code = np.where(want_code < 0, -2, want_code)  # -2: an arm no answer has
    # an empty arm in participants.csv wants an empty arm (code -1) in answers.csv
    want_code = np.where(pd.isna(want), -1, want_code)
    bad = want_code[a["participant_id"].cat.codes.to_numpy()] != a["arm"].cat.codes.to_numpy()
    bad = pd.Series(bad, index=a.index)
    if bad.any():
        raise _bad(f, a, "arm", bad, "the participant's arm in participants.csv")
    bad = ~a["item"].isin(items["item"])
    if bad.any():
        raise _bad(f, a, "item", bad, "an item id defined in codebook.json")
    dup = _duplicated_key(a)
    if dup.any():
        raise _bad(f, a, "item", dup, "unique per (participant_id, phase, module, item)")
    # numeric answers within scale
    info = items.set_index("item")
    item_codes = a["item"].cat.codes.to_numpy()
    cats = a["item"].cat.categories
    smin = info["scale_min"].reindex(cats).to_numpy()[item_codes]
    smax = info["scale_max"].reindex(cats).to_numpy()[item_codes]
    v = a["value"].to_numpy()
    out_of = ~np.isnan(v) & ~np.isnan(smin) & ((v < smin) | (v > smax))
    if out_of.any():
        out_of &= ~missing_code_mask(a["item"], v, items) & ~not_shown_mask(a, items)
    if out_of.any():
        raise _bad(f, a, "value", pd.Series(out_of, index=a.index), "within the item's scale")
    return a


def _duplicated_key(a: pd.DataFrame) -> pd.Series:
    """``a.duplicated(ANSWER_KEY)``, computed on one integer made of the categorical codes.

    The key columns are categoricals without missing values here, so the
    codes combine into a single int64 per row (mixed radix); hashing one
    integer column is several times faster than pandas' per-column
    factorisation of four.
    """
    if np.prod([float(len(a[c].cat.categories)) for c in ANSWER_KEY]) >= 2.0**62:
        return a.duplicated(list(ANSWER_KEY))
    key = np.zeros(len(a), dtype=np.int64)
    for col in ANSWER_KEY:
        cat = a[col].cat
        key = key * len(cat.categories) + cat.codes.to_numpy().astype(np.int64)
    return pd.Series(key, index=a.index).duplicated()


def check_pages(g: pd.DataFrame, p: pd.DataFrame) -> pd.DataFrame:
    """``pages.csv`` checked against the participants: every row names a listed
    participant and a step, and seconds are not negative."""
    f = PAGES_FILE
    for col in ("participant_id", "step"):
        if g[col].isna().any():
            raise _bad(f, g, col, g[col].isna(), "a non-empty value")
    bad = ~pd.Series(isin_ids(g["participant_id"], p["participant_id"]), index=g.index)
    if bad.any():
        raise _bad(f, g, "participant_id", bad, "a participant listed in participants.csv")
    bad = g["seconds"] < 0
    if bad.any():
        raise _bad(f, g, "seconds", bad, "a number of seconds of at least 0")
    return g


def as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Database rows as text cells, so one typing path serves files and databases.

    An empty text is missing, as an empty CSV cell is (the app stores ``""`` for the
    arm of a participant not yet allocated; the file has an empty cell).
    """
    out = {}
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            if s.dt.tz is None:
                s = s.dt.tz_localize("UTC")
            text = s.dt.strftime("%Y-%m-%dT%H:%M:%S.%f%z")
        else:
            text = s.astype("str")
        out[c] = text.where(s.notna() & (text != ""))
    return pd.DataFrame(out, index=df.index)
