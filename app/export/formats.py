"""The other export formats: a wide table (CSV, Parquet, Excel, SPSS, Stata).

They are built from the rows of the long files as they are written (or read
back from them), so every format holds exactly the same answers as
``answers.csv``, without a frame of every answer in memory. Choice
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

import csv
import itertools
import json
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.contract import (
    ANSWERS_FILE,
    DISPLAY_ORDER_FILE,
    EXPORT_FORMATS,
    PARTICIPANTS_FILE,
    escape_formula,
)
from app.export.csv_rows import RowWriter
from app.export.excel import write_xlsx
from app.export.stat_files import shorten_label, write_stat_file
from app.export.wide_rows import WideRows

if TYPE_CHECKING:
    import pandas as pd

# pandas, pyarrow and pyreadstat are imported by the functions that need
# them: wide.csv and wide.xlsx are written with neither, Parquet with pyarrow
# alone, and an export's memory starts from what its format really needs.

__all__ = ["wide_table", "write_other_format", "shorten_label", "rows_from_folder",
           "CHUNK", "WIDE_FORMATS"]

#: Rows read, streamed and written at a time.
CHUNK = 5000
#: The formats that write a wide file (the contract names the file).
WIDE_FORMATS = tuple(fmt for fmt, name in EXPORT_FORMATS.items() if name)

def rows_from_folder(folder: Path, codebook: dict, chunk: int = CHUNK) -> WideRows:
    """:class:`WideRows` fed from the folder's participants.csv, answers.csv and display order."""
    with (folder / PARTICIPANTS_FILE).open(encoding="utf-8", newline="") as f:
        rows = WideRows(codebook, next(csv.reader(f)), folder, chunk)
    for name, add in ((PARTICIPANTS_FILE, rows.add_participants),
                      (ANSWERS_FILE, rows.add_answers),
                      (DISPLAY_ORDER_FILE, rows.add_orders)):
        if name == DISPLAY_ORDER_FILE and not (folder / name).is_file():
            continue  # an export before format 1.8
        with (folder / name).open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            next(reader)
            while batch := list(itertools.islice(reader, chunk)):
                add(batch)
    return rows


def wide_table(folder: Path, codebook: dict, chunk: int = CHUNK
               ) -> tuple[pd.DataFrame, dict, dict, dict]:
    """(table, column labels, value labels, missing codes) with one row per participant.

    Read from the folder's participants.csv and answers.csv, ``chunk`` rows
    at a time. ``missing codes`` maps a column to the option codes its
    codebook flags ``missing``. ``allocation_seq`` is a (nullable) integer
    and ``replaced`` 0/1, as ``participants.csv`` documents them, not text.
    """
    rows = rows_from_folder(folder, codebook, chunk)
    try:
        return (_frame(rows), *rows.labels())
    finally:
        rows.close()


def _frame(rows: WideRows, batches=None) -> pd.DataFrame:
    """The whole wide table as pandas, or the table of ``batches`` (lists of wide rows) with
    the whole table's dtypes (SPSS and Stata: ``app/export/stat_files.py``).

    Filled chunk by chunk into one array per column, so the table is held
    once: nullable int32 for whole numbers (int64 when a value needs it),
    float64 for other numbers, objects for text.
    """
    import numpy as np
    import pandas as pd

    rows.finish()
    if batches is None:
        batches, n = rows.chunks(), rows.count
    else:
        n = sum(len(batch) for batch in batches)
    names = rows.names
    people = len(rows.participant_columns)
    columns: list = []
    missing: dict[int, np.ndarray] = {}  # integer columns: where a cell is missing
    for j in range(len(names)):
        kind = rows.kind(j)
        if kind == "int":
            columns.append(np.zeros(n, dtype=np.int64))
            missing[j] = np.zeros(n, dtype=bool)
        else:
            columns.append(np.full(n, np.nan) if kind == "float" else np.empty(n, dtype=object))
    start = 0
    for batch in batches:
        stop = start + len(batch)
        for j, cells in enumerate(zip(*batch, strict=True)):
            column = columns[j]
            if column.dtype == object:
                column[start:stop] = cells
            elif j in missing:
                column[start:stop] = [0 if v is None else v for v in cells]
                missing[j][start:stop] = [v is None for v in cells]
            else:
                column[start:stop] = [np.nan if v is None else v for v in cells]
        start = stop
    data: dict[str, object] = {}
    for j, name in enumerate(names):
        if name == "allocation_seq":
            data[name] = pd.array([None if v in ("", None) else int(v) for v in columns[j]],
                                  dtype="Int64")
        elif name == "replaced":
            data[name] = columns[j].astype("int8")
        elif j in missing:
            data[name] = pd.arrays.IntegerArray(_narrowest(columns[j]), missing.pop(j))
        elif j >= people and rows.kind(j) == "text":
            data[name] = pd.array(columns[j], dtype="string")
        else:
            data[name] = columns[j]
        columns[j] = None  # each column held once
    return pd.DataFrame(data)


def _narrowest(values):
    """``values`` (int64) as int32 when they fit: Stata then stores a ``long``, not a double."""
    import numpy as np

    small = np.iinfo(np.int32)
    if not len(values) or (values.min() >= small.min and values.max() <= small.max):
        return values.astype(np.int32)
    return values


def _write_sav(rows: WideRows, path: Path, codebook: dict) -> None:
    write_stat_file("sav", rows, path, codebook, _frame)


def _write_dta(rows: WideRows, path: Path, codebook: dict) -> None:
    write_stat_file("dta", rows, path, codebook, _frame)


def _plain(rows: WideRows, chunk: int):
    """Wide rows with ``allocation_seq`` and ``replaced`` as integers, ``chunk`` at a time."""
    names = rows.names
    seq, replaced = names.index("allocation_seq"), names.index("replaced")
    for batch in rows.chunks(chunk):
        for row in batch:
            row[seq] = None if row[seq] in ("", None) else int(row[seq])
            row[replaced] = int(row[replaced])
        yield batch


def _csv_cell(value):
    """Missing: empty; text escaped; a whole number as an integer (``3``, not ``3.0``: issue 19)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return escape_formula(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _write_wide_csv(rows: WideRows, path: Path, chunk: int) -> None:
    """Missing cells empty, whole numbers as integers, other numbers as Python writes floats,
    text escaped; no pandas."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = RowWriter(f)
        writer.writerow(rows.names)
        for batch in _plain(rows, rows.chunk):
            writer.writerows([_csv_cell(v) for v in row] for row in batch)


def _parquet_schema(rows: WideRows, first: list | None):
    """The Arrow schema (and the pandas metadata) that pandas' ``to_parquet`` gave the table.

    Written by pyarrow alone, without importing pandas (and its memory);
    the ``pandas`` metadata is what pyarrow's ``Schema.from_pandas`` wrote,
    so ``pandas.read_parquet`` restores the same dtypes (``Int64``,
    ``string``) and the file's bytes are unchanged.
    """
    import pyarrow as pa

    fields, meta = [], []
    people = len(rows.participant_columns)
    for j, name in enumerate(rows.names):
        if name == "allocation_seq":
            kind = (pa.int64(), "int64", "Int64")
        elif name == "replaced":
            kind = (pa.int8(), "int8", "int8")
        elif j >= people:
            kind = {"text": (pa.large_string(), "object", "string"),
                    "int": (pa.int64(), "int64", "Int64"),
                    "float": (pa.float64(), "float64", "float64")}[rows.kind(j)]
        elif first is None:  # no participants: pandas had empty object columns
            kind = (pa.null(), "empty", "object")
        elif isinstance(first[j], int):  # is_test from the database, 0/1
            kind = (pa.int64(), "int64", "object")
        else:
            kind = (pa.large_string(), "object", "str")
        fields.append(pa.field(name, kind[0]))
        meta.append({"name": name, "field_name": name, "pandas_type": kind[1],
                     "numpy_type": kind[2], "metadata": None})
    pandas_meta = {"index_columns": [], "column_indexes": [], "columns": meta, "attributes": {},
                   "creator": {"library": "pyarrow", "version": pa.__version__},
                   "pandas_version": version("pandas")}
    return pa.schema(fields, metadata={b"pandas": json.dumps(pandas_meta).encode()})


def _arrow_array(cells, kind):
    """An Arrow array of ``cells`` (``None`` = null) built from its buffers.

    ``pyarrow.array`` on Python values imports pandas (to ask whether they
    are a pandas object), which alone is most of an export's memory; the
    buffers are what it would build: a validity bitmap, then the values
    (numbers) or the UTF-8 bytes and their int64 offsets (large strings).
    """
    import numpy as np
    import pyarrow as pa

    n = len(cells)
    valid = [v is not None for v in cells]
    nulls = n - sum(valid)
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little")) if nulls else None
    if kind == pa.large_string():
        data = [v.encode("utf-8") for v in cells if v is not None]
        lengths = np.zeros(n + 1, dtype=np.int64)
        lengths[1:][np.array(valid, dtype=bool)] = [len(b) for b in data]
        buffers = [bitmap, pa.py_buffer(np.cumsum(lengths)), pa.py_buffer(b"".join(data))]
    else:
        values = np.array([0 if v is None else v for v in cells], dtype=kind.to_pandas_dtype())
        buffers = [bitmap, pa.py_buffer(values)]
    return pa.Array.from_buffers(kind, n, buffers, null_count=nulls)


def _write_parquet(rows: WideRows, path: Path, chunk: int) -> None:
    """One row group per ``chunk`` participants, every one with the whole table's types.

    A row group is gathered from the small batches the spool hands out (a
    few MB each), so only one row group's Arrow buffers are held.
    """
    import pyarrow.parquet as pq

    batches = _plain(rows, rows.chunk)
    first = next(batches, None)
    schema = _parquet_schema(rows, first[0] if first else None)
    _write_row_groups(pq.ParquetWriter(path, schema), schema, first, batches, chunk)


def _write_row_groups(writer, schema, first, batches, chunk: int) -> None:
    """Row groups of exactly ``chunk`` rows, each gathered from the spool's small batches."""
    import pyarrow as pa

    with writer:
        group: list = []
        size = 0
        for batch in itertools.chain([first] if first else [], batches):
            arrays = [_arrow_array(cells, field.type)
                      for cells, field in zip(zip(*batch, strict=True), schema, strict=True)]
            group.append(pa.RecordBatch.from_arrays(arrays, schema=schema))
            size += len(batch)
            while size >= chunk:
                table = pa.Table.from_batches(group, schema=schema)
                writer.write_table(table.slice(0, chunk))
                group, size = table.slice(chunk).to_batches(), size - chunk
        if size:
            writer.write_table(pa.Table.from_batches(group, schema=schema))


def write_other_format(folder: Path, fmt: str, codebook: dict, wide: WideRows | None = None,
                       chunk: int = CHUNK) -> list[str]:
    """Write ``fmt`` into ``folder``; returns the names of the files written.

    ``wide`` is a :class:`WideRows` fed while the long files were written;
    without it the rows are read back from them. CSV, Parquet and Excel are
    written ``chunk`` participants at a time from the spooled rows (CSV and
    Excel without pandas, Parquet with pyarrow alone); SPSS and Stata too,
    by pyreadstat given a stand-in table that yields the spooled rows
    (``app/export/stat_files.py``).
    The file is written under a temporary name and renamed when complete,
    so a failure never leaves a truncated ``wide.<ext>`` behind.
    """
    name = EXPORT_FORMATS.get(fmt)
    if name is None:
        raise ValueError(f"{fmt!r} is not an export format with a wide file")
    final = folder / name
    partial = folder / f".partial.{name}"
    rows = wide or rows_from_folder(folder, codebook, chunk)
    try:
        if fmt == "wide":
            _write_wide_csv(rows, partial, chunk)
        elif fmt == "xlsx":
            write_xlsx(rows, partial, _plain(rows, rows.chunk))
        elif fmt == "parquet":
            _write_parquet(rows, partial, chunk)
        elif fmt == "sav":
            _write_sav(rows, partial, codebook)
        else:
            _write_dta(rows, partial, codebook)
        partial.replace(final)
    finally:
        rows.close()
        partial.unlink(missing_ok=True)
    return [name]
