"""The other export formats: a wide table (CSV, Parquet, Excel, SPSS, Stata).

They are built from the long files already written to the export folder,
so every format holds exactly the same answers as ``answers.csv``. Choice
and Likert columns carry value labels from the codebook (in the survey's
first language) in SPSS and Stata, and the options the codebook flags
``missing`` ("Don't know", "Prefer not to say") are declared missing there,
so a mean computed in SPSS or Stata leaves them out: SPSS keeps the code as
a user-missing value, Stata (which has no user-missing codes) stores the
extended missing value ``.a``, ``.b``, ... of ``analysis.contract.stata_missing_tags``.

Text is escaped for spreadsheets (``analysis.contract.escape_formula``)
only in the files a spreadsheet opens, ``wide.csv`` and ``wide.xlsx``;
Parquet, SPSS and Stata files get the text exactly as typed. Excel cannot
hold C0 control characters at all: in ``wide.xlsx`` each becomes U+FFFD
(``answers.csv`` keeps the original).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from analysis.contract import escape_formula, stata_missing_tags, stata_names, unescape_formula

__all__ = ["wide_table", "write_other_format", "wide_column", "shorten_label"]

TEXT_TYPES = ("multiple_choice", "ranking", "text")
#: Byte limits of the binary formats (UTF-8 bytes, not characters).
SPSS_VARIABLE_LABEL = 256
SPSS_VALUE_LABEL = 120
STATA_VARIABLE_LABEL = 80
STATA_VALUE_LABEL = 244
REPLACED_LABELS = {0: "no", 1: "yes"}


def wide_column(phase: str, module: str, item: str) -> str:
    """Column name of one answer in the wide table: ``pre__x``, ``module_accord__y``."""
    return f"{phase}_{module}__{item}" if module else f"{phase}__{item}"


def shorten_label(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes at a word boundary, ending in "…".

    SPSS and Stata count label lengths in bytes, so a Cyrillic label is cut
    at half the characters of a Latin one. A single word longer than the
    limit is cut inside the word (there is no boundary to use).

    Examples
    --------
    >>> shorten_label("How much do you support the accord?", 20)
    'How much do you…'
    >>> shorten_label("short", 20)
    'short'
    """
    if len(text.encode("utf-8")) <= limit:
        return text
    room = limit - len("…".encode())
    cut = text.encode("utf-8")[:room].decode("utf-8", errors="ignore")
    if " " in cut.strip():
        cut = cut[: cut.rstrip().rfind(" ")]
    return cut.rstrip(" ,;:-–") + "…"


def wide_table(folder: Path, codebook: dict) -> tuple[pd.DataFrame, dict, dict, dict]:
    """(table, column labels, value labels, missing codes) with one row per participant.

    ``missing codes`` maps a column to the option codes its codebook flags
    ``missing``. ``allocation_seq`` is a (nullable) integer and ``replaced``
    0/1, as ``participants.csv`` documents them, not text.
    """
    participants = pd.read_csv(folder / "participants.csv", dtype=str, keep_default_na=False)
    participants = participants.map(unescape_formula)  # raw text from here on
    participants["allocation_seq"] = pd.to_numeric(
        participants["allocation_seq"].replace("", None)).astype("Int64")
    participants["replaced"] = pd.to_numeric(participants["replaced"]).astype("int8")
    answers = pd.read_csv(
        folder / "answers.csv", dtype={"module": str, "text": str}, keep_default_na=False,
        na_values={"value": [""]},
    )  # fmt: skip
    answers["text"] = answers["text"].map(
        lambda t: unescape_formula(t) if isinstance(t, str) else t)  # raw text from here on
    items = {i["id"]: i for i in codebook["items"]}
    lang = codebook["survey"]["languages"][0]
    numeric = answers["value"].notna() & ~answers["item"].map(
        lambda i: items[i]["type"] in ("multiple_choice",)
    )
    answers = answers.assign(
        column=[wide_column(p, m, i) for p, m, i in
                zip(answers["phase"], answers["module"], answers["item"], strict=True)],
        cell=answers["value"].where(numeric, answers["text"]),
    )  # fmt: skip
    wide = answers.pivot(index="participant_id", columns="column", values="cell")
    order = list(dict.fromkeys(answers["column"]))
    table = participants.set_index("participant_id").join(wide[order], how="left").reset_index()
    column_labels, value_labels, missing = {}, {}, {}
    for column in order:
        item = items[column.split("__", 1)[1]]
        column_labels[column] = f"[{column.split('__')[0]}] {item['text'][lang]}"
        if item["type"] in TEXT_TYPES:
            table[column] = table[column].astype("string")
        else:
            table[column] = pd.to_numeric(table[column])
            if item["options"]:
                value_labels[column] = {float(o["code"]): o["label"][lang] for o in item["options"]}
                codes = [float(o["code"]) for o in item["options"] if o.get("missing")]
                if codes:
                    missing[column] = codes
    return table, column_labels, value_labels, missing


def _text_as_empty(table: pd.DataFrame) -> pd.DataFrame:
    """SPSS and Stata have no missing string: a missing text is ``""``."""
    table = table.copy()
    for column in table.columns:
        if str(table[column].dtype) in ("string", "object"):
            table[column] = table[column].astype(object).where(table[column].notna(), "")
    return table


def _write_sav(table, path, column_labels, value_labels, missing) -> None:
    value_labels = {**value_labels, "replaced": REPLACED_LABELS}
    pyreadstat.write_sav(
        _text_as_empty(table), str(path),
        column_labels={c: shorten_label(t, SPSS_VARIABLE_LABEL) for c, t in column_labels.items()},
        variable_value_labels={c: {k: shorten_label(v, SPSS_VALUE_LABEL) for k, v in vl.items()}
                               for c, vl in value_labels.items()},
        missing_ranges={c: list(codes) for c, codes in missing.items()},
    )  # fmt: skip


def _write_dta(table, path, column_labels, value_labels, missing, codebook) -> None:
    """Stata: short names, missing options as ``.a``/``.b``, labels within Stata's limits."""
    items = {i["id"]: i for i in codebook["items"]}
    table = _text_as_empty(table)
    tags_of = {}
    for column in missing:
        tags = stata_missing_tags(items[column.split("__", 1)[1]]["options"])
        tags_of[column] = tags
        cells = table[column].astype(object)
        table[column] = cells.map(lambda v, t=tags: t.get(int(v), v) if pd.notna(v) else v)
    labels = {}
    for column, vl in {**value_labels, "replaced": REPLACED_LABELS}.items():
        tags = tags_of.get(column, {})
        labels[column] = {
            (tags[int(k)] if int(k) in tags else int(k)): shorten_label(v, STATA_VALUE_LABEL)
            for k, v in vl.items()
        }
    names = stata_names(list(table.columns))
    pyreadstat.write_dta(
        table.rename(columns=names), str(path),
        column_labels={names[c]: shorten_label(t, STATA_VARIABLE_LABEL)
                       for c, t in column_labels.items()},
        variable_value_labels={names[c]: vl for c, vl in labels.items()},
        missing_user_values={names[c]: sorted(t.values()) for c, t in tags_of.items()},
    )  # fmt: skip


def _for_spreadsheets(table: pd.DataFrame, excel: bool = False) -> pd.DataFrame:
    """A copy of ``table`` whose text cells are escaped (and Excel-safe if ``excel``)."""

    def cell(value):
        if not isinstance(value, str):
            return value
        if excel:
            value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        return escape_formula(value)

    out = table.copy()
    for column in out.columns:
        if str(out[column].dtype) in ("string", "object", "str"):
            out[column] = out[column].astype(object).map(cell)
    return out


def write_other_format(folder: Path, fmt: str, codebook: dict) -> list[str]:
    """Write ``fmt`` into ``folder``; returns the names of the files written.

    The file is written under a temporary name and renamed when complete, so
    a failure never leaves a truncated ``wide.<ext>`` behind.
    """
    if fmt not in ("wide", "parquet", "xlsx", "sav", "dta"):
        raise ValueError(f"unknown export format {fmt!r}")
    name = "wide.csv" if fmt == "wide" else f"wide.{fmt}"
    final = folder / name
    partial = folder / f".partial.{name}"
    table, column_labels, value_labels, missing = wide_table(folder, codebook)
    try:
        if fmt == "wide":
            _for_spreadsheets(table).to_csv(partial, index=False)
        elif fmt == "parquet":
            table.to_parquet(partial, index=False)
        elif fmt == "xlsx":
            _for_spreadsheets(table, excel=True).to_excel(
                partial, index=False, sheet_name="answers", engine="openpyxl")
        elif fmt == "sav":
            _write_sav(table, partial, column_labels, value_labels, missing)
        else:
            _write_dta(table, partial, column_labels, value_labels, missing, codebook)
        partial.replace(final)
    finally:
        partial.unlink(missing_ok=True)
    return [name]
