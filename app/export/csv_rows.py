"""CSV rows that read back as written, even when a text holds a lone carriage return.

The export's CSV files end lines with LF. Python's ``csv`` writer quotes a
field only when it holds the delimiter, the quote or a character of the line
terminator, so a text with a carriage return but no LF was written bare, and
every reader (``csv``, pandas, spreadsheets) then split the row there. A
participant can type one (form values may hold CR), so a row holding a CR in
any text is written with every field quoted; all other rows are unchanged.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

__all__ = ["RowWriter"]


class RowWriter:
    """``csv.writer(f, lineterminator="\\n")`` that quotes a row holding a carriage return."""

    def __init__(self, f: TextIO) -> None:
        self._plain = csv.writer(f, lineterminator="\n")
        self._quoted = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def writerow(self, row: Iterable) -> None:
        row = list(row)
        has_cr = any(isinstance(v, str) and "\r" in v for v in row)
        (self._quoted if has_cr else self._plain).writerow(row)

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)
