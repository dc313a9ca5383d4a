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
from pathlib import Path

from analysis.contract import escape_formula
from app.export.wide_rows import WideRows

__all__ = ["write_xlsx", "excel_text"]

#: Characters an Excel cell cannot hold (openpyxl's ``ILLEGAL_CHARACTERS_RE``).
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
#: Options of the workbook: no formulas, links or numbers made from strings.
_PLAIN = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
          "strings_to_numbers": False}


def excel_text(value: str) -> str:
    """A text cell as ``wide.xlsx`` holds it: control characters U+FFFD, formulas escaped."""
    return escape_formula(_ILLEGAL.sub("\ufffd", value))


def write_xlsx(rows: WideRows, path: Path, plain_rows) -> None:
    """The answers sheet from ``plain_rows`` (batches of wide rows, integers as ints)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), _PLAIN)
    try:
        sheet = book.add_worksheet("answers")
        sheet.write_row(0, 0, rows.names)
        write_string, write_number = sheet.write_string, sheet.write_number
        r = 1
        for batch in plain_rows:
            for row in batch:
                for c, value in enumerate(row):
                    if value is None or value == "":
                        continue
                    if isinstance(value, str):
                        write_string(r, c, excel_text(value))
                    else:
                        write_number(r, c, value)
                r += 1
    finally:
        book.close()
