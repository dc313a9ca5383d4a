"""``wide.xlsx``: the wide table as an Excel workbook, written by XlsxWriter in constant memory.

XlsxWriter's ``constant_memory`` mode writes each row to the sheet's
temporary file as soon as the next one starts, so memory holds one row
whatever the size of the campaign, and it writes strings inline (no
shared-string table to build). It is about three times as fast as
openpyxl's write-only mode, whose pure-Python XML writer took most of an
Excel export (bench/RESULTS.md).

XlsxWriter turns strings that look like formulas or URLs into formulas and
links by default; both are switched off, and text is escaped like every
spreadsheet file's (``analysis.contract.escape_formula``). Excel cannot hold
C0 control characters: each becomes U+FFFD.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from analysis.contract import (
    OPTIONAL_PARTICIPANT_COLUMNS,
    PARTICIPANT_COLUMNS,
    escape_formula,
    split_wide_column,
)
from app.export.wide_rows import WideRows

__all__ = ["write_xlsx", "excel_text", "CODEBOOK_SHEET", "LABELS_SHEET"]

#: Characters an Excel cell cannot hold (openpyxl's ``ILLEGAL_CHARACTERS_RE``).
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
#: Options of the workbook: no formulas, links or numbers made from strings.
_PLAIN = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
          "strings_to_numbers": False}


def excel_text(value: str) -> str:
    """A text cell as ``wide.xlsx`` holds it: control characters U+FFFD, formulas escaped,
    a carriage return a line feed.

    XlsxWriter writes a CR as ``_x000D_``, which Excel shows as a line break
    but openpyxl and pandas read as those seven characters; openpyxl wrote it
    raw, and every reader got a line feed (XML's end-of-line rule): so it stays.
    """
    return escape_formula(_ILLEGAL.sub("\ufffd", value).replace("\r\n", "\n").replace("\r", "\n"))


def write_xlsx(rows: WideRows, path: Path, plain_rows) -> None:
    """Three sheets: ``answers`` from ``plain_rows`` (batches of wide rows, integers as ints),
    then ``codebook`` (each column: its parts, kind and label) and ``labels`` (each coded
    column's code -> label, and which codes are missing). Every sheet's header row is frozen;
    the participant times are Excel datetimes (UTC)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), _PLAIN)
    try:
        stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        sheet = _sheet(book, "answers", rows.names)
        times = {j for j, name in enumerate(rows.participant_columns)
                 if _PARTICIPANT_KINDS.get(name) == "time"}
        write_string, write_number = sheet.write_string, sheet.write_number
        write_datetime = sheet.write_datetime
        r = 1
        for batch in plain_rows:
            for row in batch:
                for c, value in enumerate(row):
                    if value is None or value == "":
                        continue
                    if c in times:
                        write_datetime(r, c, _utc(value), stamp)
                    elif isinstance(value, str):
                        write_string(r, c, excel_text(value))
                    else:
                        write_number(r, c, value)
                r += 1
        column_labels, value_labels, missing = rows.labels()
        value_labels = {**value_labels, "replaced": {0: "no", 1: "yes"}}
        _rows(_sheet(book, "codebook", CODEBOOK_SHEET), _codebook_rows(rows, column_labels))
        _rows(_sheet(book, "labels", LABELS_SHEET),
              ([column, code, label, int(code in missing.get(column, ()))]
               for column, labels in value_labels.items() for code, label in labels.items()))
    finally:
        book.close()


#: The columns of the ``codebook`` and ``labels`` sheets.
CODEBOOK_SHEET = ["column", "phase", "module", "item", "kind", "label"]
LABELS_SHEET = ["column", "code", "label", "missing"]
_PARTICIPANT_KINDS = {**PARTICIPANT_COLUMNS, **OPTIONAL_PARTICIPANT_COLUMNS}
_KIND_NAMES = {"int": "integer", "float": "number", "text": "text"}


def _sheet(book, name: str, header: list[str]):
    sheet = book.add_worksheet(name)
    sheet.write_row(0, 0, header)
    sheet.freeze_panes(1, 0)
    return sheet


def _rows(sheet, rows) -> None:
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, str):
                if value:
                    sheet.write_string(r, c, excel_text(value))
            elif value is not None:
                sheet.write_number(r, c, value)


def _codebook_rows(rows: WideRows, column_labels: dict):
    """One row per column of the answers sheet: its name, parts, kind and variable label."""
    for j, name in enumerate(rows.names):
        parts = split_wide_column(name)
        if parts is None:
            kind = _PARTICIPANT_KINDS.get(name, "text")
            yield [name, "", "", "", {"flag": "integer", "int": "integer"}.get(kind, kind), ""]
            continue
        phase, module, item = parts
        item = item.split("__")[0]  # a rank column: <answer column>__<option>
        yield [name, phase, module, item, _KIND_NAMES[rows.kind(j)], column_labels.get(name, "")]


def _utc(value: str) -> datetime:
    """An exported time (ISO 8601 in UTC) as the naive datetime Excel holds."""
    moment = datetime.fromisoformat(value)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
