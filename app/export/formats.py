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
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from analysis.contract import (
    ANSWERS_FILE,
    EXPORT_FORMATS,
    PARTICIPANTS_FILE,
    answer_column,
    escape_formula,
    split_wide_column,
    stata_missing_tags,
    stata_names,
    unescape_formula,
    upgrade_codebook,
    wide_column,
)

if TYPE_CHECKING:
    import pandas as pd

# pandas (which loads pyarrow) and pyreadstat are imported by the functions
# that need them: wide.csv and wide.xlsx are written without them, and an
# export's memory starts from what its format really needs.

__all__ = ["wide_table", "write_other_format", "shorten_label", "WideBuilder",
           "CHUNK", "WIDE_FORMATS"]  # fmt: skip

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


class WideBuilder:
    """Builds the wide table from the rows of participants.csv and answers.csv, chunk by chunk.

    The writer feeds it the very rows it writes to the long files (or
    :func:`wide_table` reads them back), so every format holds exactly the
    answers of ``answers.csv``. Cells go straight into one typed array per
    column (float64 for numbers, strings for text), never into a frame of
    every answer: memory is the wide table itself, participants x columns.
    """

    def __init__(self, codebook: dict, participant_columns: list[str]) -> None:
        self.participant_columns = list(participant_columns)
        # the codebook says which column holds an item's answer, never the type's name
        self.items = {i["id"]: i for i in upgrade_codebook(codebook)["items"]}
        self.lang = codebook["survey"]["languages"][0]
        self._people: list[list[str]] = []
        self._row: dict[str, int] = {}
        #: wide column -> [is text, cells]; insertion order = first appearance
        self._columns: dict[str, list] = {}
        self._keys: dict[tuple[str, str, str], tuple[str, bool, bool]] = {}

    def add_participants(self, rows: list[list[str]]) -> None:
        for row in rows:
            row = [unescape_formula(v) if isinstance(v, str) else v for v in row]
            self._row[row[0]] = len(self._people)
            self._people.append(row)

    def add_answers(self, rows: list[list[str]]) -> None:
        """Rows in the columns of answers.csv (values and text as written there)."""
        n = len(self._people)
        columns, keys, index = self._columns, self._keys, self._row
        for public_id, _arm, phase, module, item, value, text, *_rest in rows:
            key = keys.get((phase, module, item))
            if key is None:
                in_text = answer_column(self.items[item]) == "text"
                key = keys[(phase, module, item)] = (
                    wide_column(phase, module, item), in_text, in_text,
                )  # fmt: skip
            column, is_text, text_cell = key
            cells = columns.get(column)
            if cells is None:
                cells = columns[column] = (
                    np.full(n, None, dtype=object) if is_text else np.full(n, np.nan)
                )
            # As the long files store it: the value, except for multiple
            # choice (a count) and answers with no value, where the text is
            # the answer (raw from here on: each format escapes as it needs).
            cell = unescape_formula(text) if (text_cell or value == "") else float(value)
            if is_text and not isinstance(cell, str):
                cell = str(cell)
            cells[index[public_id]] = cell

    def plain(self) -> tuple[list[str], list[list]]:
        """(column names, columns of plain Python values, None when missing); no pandas."""
        names = self.participant_columns
        people = list(zip(*self._people, strict=True)) or [()] * len(names)
        columns: list[list] = []
        for name, values in zip(names, people, strict=True):
            if name == "allocation_seq":
                columns.append([int(v) if v != "" else None for v in values])
            elif name == "replaced":
                columns.append([int(v) for v in values])
            else:
                columns.append(list(values))
        for cells in self._columns.values():
            if cells.dtype == object:
                columns.append(cells.tolist())
            else:
                columns.append([None if math.isnan(v) else v for v in cells.tolist()])
        return names + list(self._columns), columns

    def result(self) -> tuple[pd.DataFrame, dict, dict, dict]:
        """(table, column labels, value labels, missing codes), as :func:`wide_table`."""
        import pandas as pd

        names = self.participant_columns
        people = list(zip(*self._people, strict=True)) or [()] * len(names)
        data: dict[str, object] = {}
        for name, values in zip(names, people, strict=True):
            if name == "allocation_seq":
                data[name] = pd.array([int(v) if v != "" else None for v in values],
                                      dtype="Int64")  # fmt: skip
            elif name == "replaced":
                data[name] = np.array([int(v) for v in values], dtype="int8")
            else:
                data[name] = np.array(values, dtype=object)
        column_labels, value_labels, missing = {}, {}, {}
        for column, cells in self._columns.items():
            phase, module, item_id = split_wide_column(column)
            item = self.items[item_id]
            head = f"{phase}_{module}" if module else phase
            column_labels[column] = f"[{head}] {item['text'][self.lang]}"
            if answer_column(item) == "text":
                data[column] = pd.array(cells, dtype="string")
            else:
                data[column] = cells
                if item["options"]:
                    value_labels[column] = {float(o["code"]): o["label"][self.lang]
                                            for o in item["options"]}  # fmt: skip
                    codes = [float(c) for c in item["missing_codes"]]
                    if codes:
                        missing[column] = codes
        return pd.DataFrame(data), column_labels, value_labels, missing


def builder_from_folder(folder: Path, codebook: dict, chunk: int = CHUNK) -> WideBuilder:
    """A :class:`WideBuilder` fed from the folder's participants.csv and answers.csv."""
    with (folder / PARTICIPANTS_FILE).open(encoding="utf-8", newline="") as f:
        builder = WideBuilder(codebook, next(csv.reader(f)))
    for name, add in ((PARTICIPANTS_FILE, builder.add_participants),
                      (ANSWERS_FILE, builder.add_answers)):  # fmt: skip
        with (folder / name).open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            next(reader)
            while rows := list(itertools.islice(reader, chunk)):
                add(rows)
    return builder


def wide_table(folder: Path, codebook: dict, chunk: int = CHUNK
               ) -> tuple[pd.DataFrame, dict, dict, dict]:  # fmt: skip
    """(table, column labels, value labels, missing codes) with one row per participant.

    Read from the folder's participants.csv and answers.csv, ``chunk`` rows
    at a time. ``missing codes`` maps a column to the option codes its
    codebook flags ``missing``. ``allocation_seq`` is a (nullable) integer
    and ``replaced`` 0/1, as ``participants.csv`` documents them, not text.
    """
    return builder_from_folder(folder, codebook, chunk).result()


def _text_as_empty(table: pd.DataFrame) -> pd.DataFrame:
    """SPSS and Stata have no missing string: a missing text is ``""``."""
    table = table.copy()
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
    )  # fmt: skip


def _write_dta(table, path, column_labels, value_labels, missing, codebook) -> None:
    """Stata: short names, missing options as ``.a``/``.b``, labels within Stata's limits."""
    import pandas as pd
    import pyreadstat

    items = {i["id"]: i for i in codebook["items"]}
    table = _text_as_empty(table)
    tags_of = {}
    for column in missing:
        tags = stata_missing_tags(items[split_wide_column(column)[2]]["options"])
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


def _csv_cell(value):
    return escape_formula(value) if isinstance(value, str) else value


def _excel_cell(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if not isinstance(value, str):
        return value
    return escape_formula(ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))


def _chunks(table: pd.DataFrame, chunk: int):
    for start in range(0, len(table), chunk):
        yield table.iloc[start : start + chunk]


def _plain_rows(columns: list[list], chunk: int):
    """Rows of ``columns``, ``chunk`` at a time."""
    n = len(columns[0]) if columns else 0
    for start in range(0, n, chunk):
        yield zip(*(c[start : start + chunk] for c in columns), strict=True)


def _write_wide_csv(builder: WideBuilder, path: Path, chunk: int) -> None:
    """Rows as pandas' to_csv wrote them (missing cells empty), text escaped, no pandas."""
    names, columns = builder.plain()
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(names)
        for rows in _plain_rows(columns, chunk):
            writer.writerows(
                ["" if v is None else escape_formula(v) if isinstance(v, str) else v
                 for v in row] for row in rows
            )  # fmt: skip


def _write_parquet(table: pd.DataFrame, path: Path, chunk: int) -> None:
    """One row group per ``chunk`` participants, every chunk with the whole table's types."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.Schema.from_pandas(table, preserve_index=False)
    with pq.ParquetWriter(path, schema) as writer:
        for part in _chunks(table, chunk):
            writer.write_table(pa.Table.from_pandas(part, schema=schema, preserve_index=False))


def _write_xlsx(builder: WideBuilder, path: Path, chunk: int) -> None:
    """openpyxl's write-only mode: rows go to the file as they come, no cell objects kept."""
    from openpyxl import Workbook

    names, columns = builder.plain()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("answers")
    sheet.append(names)
    for rows in _plain_rows(columns, chunk):
        for row in rows:
            sheet.append([_excel_cell(v) for v in row])
    book.save(path)


def write_other_format(folder: Path, fmt: str, codebook: dict, wide: WideBuilder | None = None,
                       chunk: int = CHUNK) -> list[str]:  # fmt: skip
    """Write ``fmt`` into ``folder``; returns the names of the files written.

    ``wide`` is a :class:`WideBuilder` fed while the long files were
    written; without it the table is read back from them. CSV, Parquet and
    Excel are written ``chunk`` participants at a time (CSV and Excel
    without pandas, from plain columns). SPSS and Stata
    are written whole by pyreadstat, which has no chunked writer: their
    memory is bounded by the wide table (participants x columns), not by
    the number of answers. The file is written under a temporary name and
    renamed when complete, so a failure never leaves a truncated
    ``wide.<ext>`` behind.
    """
    name = EXPORT_FORMATS.get(fmt)
    if name is None:
        raise ValueError(f"{fmt!r} is not an export format with a wide file")
    final = folder / name
    partial = folder / f".partial.{name}"
    builder = wide or builder_from_folder(folder, codebook, chunk)
    try:
        if fmt == "wide":
            _write_wide_csv(builder, partial, chunk)
        elif fmt == "xlsx":
            _write_xlsx(builder, partial, chunk)
        else:
            _write_typed(fmt, builder, partial, chunk, codebook)
        partial.replace(final)
    finally:
        partial.unlink(missing_ok=True)
    return [name]


def _write_typed(fmt: str, builder: WideBuilder, partial: Path, chunk: int, codebook: dict):
    """Parquet, SPSS and Stata: from the typed pandas table."""
    table, column_labels, value_labels, missing = builder.result()
    if fmt == "parquet":
        _write_parquet(table, partial, chunk)
    elif fmt == "sav":
        _write_sav(table, partial, column_labels, value_labels, missing)
    else:
        _write_dta(table, partial, column_labels, value_labels, missing, codebook)
