"""``wide.sav`` (SPSS) and ``wide.dta`` (Stata), written row by row from the spool (issue 24).

pyreadstat has no chunked writer: ``write_sav`` and ``write_dta`` take one
DataFrame, read each column's type, missing cells and longest string from
it, tell readstat the row count, then insert the rows one by one from
``DataFrame.itertuples`` (through narwhals). Given the whole wide table,
an export's memory grew with the campaign: the table itself, and pandas'
iteration of a masked integer column, which makes a Python list of the
whole column for every column at once.

So the table pyreadstat sees is a stand-in: three rows that give each
column exactly the type, "has missing" flag and longest string the whole
column has (found in one pass over the spool), in a DataFrame whose
``len()`` is the real row count and whose ``itertuples`` yields the real rows
from the spool, converted as the whole table would have held them. Memory
is the stand-in and one chunk of rows, whatever the size of the campaign.
The file is the one the whole table gave (``tests/app/export/
test_stat_files.py`` compares them). One case keeps the whole table:
Stata text of 2,045 bytes or more, stored as ``strL``, whose string
references pyreadstat builds from the table's column itself.

This leans on how pyreadstat 1.3 reads a pandas frame (its ``len``, its
columns, ``itertuples``); the test above fails if a pyreadstat release
changes that.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from analysis.contract import split_wide_column, stata_missing_tags, stata_names
from app.export.wide_rows import WideRows

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["shorten_label", "write_stat_file", "SPSS_VARIABLE_LABEL", "SPSS_VALUE_LABEL",
           "STATA_VARIABLE_LABEL", "STATA_VALUE_LABEL", "REPLACED_LABELS", "STATA_STRL"]

#: Byte limits of the binary formats (UTF-8 bytes, not characters).
SPSS_VARIABLE_LABEL = 256
SPSS_VALUE_LABEL = 120
STATA_VARIABLE_LABEL = 80
STATA_VALUE_LABEL = 244
REPLACED_LABELS = {0: "no", 1: "yes"}
#: Stata text this long (UTF-8 bytes) or longer is a ``strL`` (pyreadstat: ``dta_117_max_width``).
STATA_STRL = 2045


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


def write_stat_file(fmt: str, rows: WideRows, path: Path, codebook: dict, frame,
                    streamed: bool = True) -> None:
    """Write ``wide.sav`` (``fmt`` ``sav``) or ``wide.dta`` from ``rows`` into ``path``.

    ``frame(rows, batches)`` builds the pandas table of ``batches`` (None:
    every row) with the wide table's dtypes (``app.export.formats``). ``streamed=False`` hands
    pyreadstat the whole table (the reference the streamed file is tested
    against).
    """
    import pyreadstat

    rows.finish()
    labels = rows.labels()
    sample, longest = _stand_in_rows(rows)
    whole = not streamed or not _streams(pyreadstat) or (fmt == "dta" and longest >= STATA_STRL)
    table = frame(rows, None if whole else [sample])
    if fmt == "sav":
        (table, kwargs), tags = _sav_arguments(table, *labels), {}
    else:
        table, kwargs, tags = _dta_arguments(table, *labels, codebook)
    if not whole:
        table = _streamed(table, rows, _converter(rows, tags), rows.count)
    (pyreadstat.write_sav if fmt == "sav" else pyreadstat.write_dta)(table, str(path), **kwargs)


def _streams(pyreadstat) -> bool:
    """pyreadstat 1.3 (narwhals) inserts the rows of ``itertuples``; an older one may not."""
    major, minor = (int(x) for x in pyreadstat.__version__.split(".")[:2])
    return (major, minor) >= (1, 3)


def _stand_in_rows(rows: WideRows) -> tuple[list[list], int]:
    """Three rows holding, per column, its largest and smallest value (the longest text),
    and a missing cell if it has one; and the longest text in UTF-8 bytes."""
    width = len(rows.names)
    high: list = [None] * width
    low: list = [None] * width
    size = [-1] * width
    blank: list = [False] * width  # None seen, or "" seen (kept as "")
    for batch in rows.chunks():
        for j, cells in enumerate(zip(*batch, strict=True)):
            if None in cells:
                blank[j] = None
            elif blank[j] is False and "" in cells:
                blank[j] = ""
            for v in cells:
                if v is None or v == "":
                    continue
                if isinstance(v, str):
                    n = len(v.encode("utf-8"))
                    if n > size[j]:
                        size[j], high[j], low[j] = n, v, v
                else:
                    if high[j] is None or v > high[j]:
                        high[j] = v
                    if low[j] is None or v < low[j]:
                        low[j] = v
    third = [high[j] if blank[j] is False else blank[j] for j in range(width)]
    sample = [high, [low[j] if low[j] is not None else high[j] for j in range(width)], third]
    return sample, max(size, default=0)


def _text_as_empty(table: pd.DataFrame) -> pd.DataFrame:
    """SPSS and Stata have no missing string: a missing text is ``""`` (in place: the table
    is the writer's own, and a copy would double the largest thing an export holds)."""
    for column in table.columns:
        if str(table[column].dtype) in ("string", "object"):
            table[column] = table[column].astype(object).where(table[column].notna(), "")
    return table


def _sav_arguments(table, column_labels, value_labels, missing):
    value_labels = {**value_labels, "replaced": REPLACED_LABELS}
    return _text_as_empty(table), {
        "column_labels": {c: shorten_label(t, SPSS_VARIABLE_LABEL)
                          for c, t in column_labels.items()},
        "variable_value_labels": {c: {k: shorten_label(v, SPSS_VALUE_LABEL)
                                      for k, v in vl.items()}
                                  for c, vl in value_labels.items()},
        "missing_ranges": {c: list(codes) for c, codes in missing.items()},
    }


def _dta_arguments(table, column_labels, value_labels, missing, codebook):
    """Stata: short names, missing options as ``.a``/``.b``, labels within Stata's limits.

    Returns the table, pyreadstat's arguments, and each tagged column's code -> tag.
    """
    import pandas as pd

    items = {i["id"]: i for i in codebook["items"]}
    table = _text_as_empty(table)
    tags_of = {}
    for column in missing:
        item = items[split_wide_column(column)[2]]
        tags = stata_missing_tags(item["options"], item.get("not_shown_code"))
        tags_of[column] = tags
        # a double, not an integer type: pyreadstat 1.3.8 reads a system-missing
        # cell of a ``long`` that has tagged missing values back as a random
        # number when ``user_missing=True`` (the analysis reads it so)
        cells = table[column].astype("float64").astype(object)
        table[column] = cells.map(lambda v, t=tags: t.get(int(v), v) if pd.notna(v) else v)
    labels = {}
    for column, vl in {**value_labels, "replaced": REPLACED_LABELS}.items():
        tags = tags_of.get(column, {})
        labels[column] = {
            (tags[int(k)] if int(k) in tags else int(k)): shorten_label(v, STATA_VALUE_LABEL)
            for k, v in vl.items()
        }
    names = stata_names(list(table.columns))
    return table.rename(columns=names), {
        "column_labels": {names[c]: shorten_label(t, STATA_VARIABLE_LABEL)
                          for c, t in column_labels.items()},
        "variable_value_labels": {names[c]: vl for c, vl in labels.items()},
        "missing_user_values": {names[c]: sorted(t.values()) for c, t in tags_of.items()},
    }, tags_of


def _converter(rows: WideRows, tags_of: dict):
    """A wide row (as spooled) -> the tuple the whole table's ``itertuples`` would give."""
    names = rows.names
    people = len(rows.participant_columns)
    seq, replaced = names.index("allocation_seq"), names.index("replaced")
    texts = [j for j in range(people, len(names)) if rows.kind(j) == "text"]
    tagged = [(names.index(c), tags) for c, tags in tags_of.items()]

    def convert(row: list) -> tuple:
        row[seq] = None if row[seq] in ("", None) else int(row[seq])
        row[replaced] = int(row[replaced])
        for j in texts:
            if row[j] is None:
                row[j] = ""
        for j, tags in tagged:
            v = row[j]
            if v is not None:
                row[j] = tags.get(int(v), float(v))
        return tuple(row)

    return convert


def _streamed(table, rows: WideRows, convert, length: int):
    """``table`` (the stand-in rows) as pyreadstat sees a frame of ``length`` spooled rows."""
    import pandas as pd

    class Streamed(pd.DataFrame):
        _metadata = ["_length", "_rows"]

        @property
        def _constructor(self):
            return pd.DataFrame

        def __len__(self) -> int:
            return self._length

        def itertuples(self, index: bool = True, name: str | None = "Pandas"):
            return (convert(row) for batch in self._rows.chunks() for row in batch)

    frame = Streamed(table)
    frame._length, frame._rows = length, rows
    return frame
