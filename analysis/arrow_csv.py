"""Fast typed reading of ``answers.csv`` with pyarrow, for exports that follow the contract.

``answers.csv`` is the big file of an export (about 7 MiB per 1,000
participants with 40 items). Reading every cell as text and converting it
afterwards with pandas took most of the loading time and several copies of
the file in memory. Here pyarrow parses the file once, straight to the
contract's types: key columns (participant, arm, phase, module, item, page)
as dictionaries (pandas categoricals: one small integer per row instead of
one Python-visible string), ``value`` and ``seconds_on_page`` as float64 and
``answered_at`` as a UTC timestamp (pyarrow rejects a time without an offset,
as the contract does).

This path only says yes or no: :func:`read_answers_typed` returns ``None``
whenever the file departs from the simple case in any way (another column,
a cell pyarrow cannot convert, a number written ``nan``, ...). The caller
then reads the file the slow way (:func:`analysis.validate.read_csv`), which
finds the problem and names the line, so error messages stay as before.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from analysis.contract import ANSWER_COLUMNS

__all__ = ["read_answers_typed", "KEY_COLUMNS"]

#: text columns with few distinct values, read as categoricals
KEY_COLUMNS = ("participant_id", "arm", "phase", "module", "item", "page")

_ARROW_TYPES = {"number": pa.float64(), "time": pa.timestamp("us", tz="UTC")}


def _arrow_type(col: str, kind: str) -> pa.DataType:
    if col in KEY_COLUMNS:
        return pa.dictionary(pa.int32(), pa.string())
    return _ARROW_TYPES.get(kind, pa.string())


def read_answers_typed(source: Path | bytes) -> pd.DataFrame | None:
    """``answers.csv`` typed by pyarrow, or ``None`` to ask for the checked slow path.

    ``source`` is the file's path (read without loading it whole into
    memory) or its bytes (from a zip). Text cells are returned as read
    (spreadsheet escaping is undone by the caller); empty cells are missing.
    """
    if isinstance(source, bytes):
        head = source[:65536]
        stream = io.BytesIO(source)
    else:
        with open(source, "rb") as fh:
            head = fh.read(65536)
        stream = source
    if head.startswith(b"\xef\xbb\xbf") or not head.strip():
        return None
    header = head.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace").split(",")
    if header != list(ANSWER_COLUMNS):
        return None  # other or reordered columns: the general reader handles them
    types = {c: _arrow_type(c, k) for c, k in ANSWER_COLUMNS.items()}
    try:
        table = pacsv.read_csv(
            stream,
            read_options=pacsv.ReadOptions(block_size=1 << 20),  # 1 MiB: least memory
            convert_options=pacsv.ConvertOptions(
                column_types=types, null_values=[""], strings_can_be_null=True,
                include_columns=list(ANSWER_COLUMNS)),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError, OSError):
        return None
    for col, kind in ANSWER_COLUMNS.items():
        if kind == "number":
            # "nan" parses as a NaN that is not missing; the contract has no such number
            n_nan = pc.sum(pc.is_nan(table[col]).cast(pa.int64())).as_py() or 0
            if n_nan:
                return None
    df = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    for col in KEY_COLUMNS:
        cat = df[col].cat
        df[col] = cat.reorder_categories(sorted(cat.categories))
    for col in ("value", "seconds_on_page"):
        df[col] = df[col].astype(np.float64)
    return df
