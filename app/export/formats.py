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
    split_wide_column,
    stata_missing_tags,
    stata_names,
)
from app.export.csv_rows import RowWriter
from app.export.excel import write_xlsx
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

#: Byte limits of the binary formats (UTF-8 bytes, not characters).
SPSS_VARIABLE_LABEL = 256
SPSS_VALUE_LABEL = 120
STATA_VARIABLE_LABEL = 80
STATA_VALUE_LABEL = 244
REPLACED_LABELS = {0: "no", 1: "yes"}


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


def _frame(rows: WideRows) -> pd.DataFrame:
    """The whole wide table as pandas (SPSS and Stata: pyreadstat has no chunked writer).

    Filled chunk by chunk into one array per column, so the table is held
    once: nullable int32 for whole numbers (int64 when a value needs it),
    float64 for other numbers, objects for text.
    """
    import numpy as np
    import pandas as pd

    rows.finish()
    n, names = rows.count, rows.names
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
    for batch in rows.chunks():
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


def _text_as_empty(table: pd.DataFrame) -> pd.DataFrame:
    """SPSS and Stata have no missing string: a missing text is ``""`` (in place: the table
    is the writer's own, and a copy would double the largest thing an export holds)."""
    for column in table.columns:
        if str(table[column].dtype) in ("string", "object"):
            table[column] = table[column].astype(object).where(table[column].notna(), "")
    return table


def _write_sav(table, path, column_labels, value_labels, missing) -> None:
    import pyreadstat

    value_labels = {**value_labels, "replaced": REPLACED_LABELS}
    pyreadstat.write_sav(
        _text_as_empty(table), str(path),
        column_labels={c: shorten_label(t, SPSS_VARIABLE_LABEL) for c, t in column_labels.items()},
        variable_value_labels={c: {k: shorten_label(v, SPSS_VALUE_LABEL) for k, v in vl.items()}
                               for c, vl in value_labels.items()},
        missing_ranges={c: list(codes) for c, codes in missing.items()},
    )


def _write_dta(table, path, column_labels, value_labels, missing, codebook) -> None:
    """Stata: short names, missing options as ``.a``/``.b``, labels within Stata's limits."""
    import pandas as pd
    import pyreadstat

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
    pyreadstat.write_dta(
        table.rename(columns=names), str(path),
        column_labels={names[c]: shorten_label(t, STATA_VARIABLE_LABEL)
                       for c, t in column_labels.items()},
        variable_value_labels={names[c]: vl for c, vl in labels.items()},
        missing_user_values={names[c]: sorted(t.values()) for c, t in tags_of.items()},
    )


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
    Excel without pandas, Parquet with pyarrow alone). SPSS and Stata are
    written whole by pyreadstat, which has no chunked writer: their memory
    is the wide table (participants x columns), not the number of answers.
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
        else:
            table, column_labels, value_labels, missing = _frame(rows), *rows.labels()
            rows.close()
            if fmt == "sav":
                _write_sav(table, partial, column_labels, value_labels, missing)
            else:
                _write_dta(table, partial, column_labels, value_labels, missing, codebook)
        partial.replace(final)
    finally:
        rows.close()
        partial.unlink(missing_ok=True)
    return [name]
