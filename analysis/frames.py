"""Answer key columns as categoricals inside the analysis, as text outside it.

The loaders keep the answers' key columns (:data:`CATEGORY_COLUMNS`) as
categoricals, so filters, joins and groups work on small integer codes;
everything the public API returns has text columns again
(:func:`as_text_columns`). Used by the loader (:mod:`analysis.validate`),
the export (:mod:`analysis.export`) and the analysis steps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["CATEGORY_COLUMNS", "as_category", "as_text_columns", "isin_ids", "not_shown_mask",
           "split_not_shown", "missing_code_mask", "participant_item_key"]


def as_category(s: pd.Series) -> pd.Series:
    """``s`` as a categorical with sorted categories (a no-op when it already is one).

    Answer keys repeat a few thousand distinct texts millions of times; as
    categoricals every filter, join and group works on small integer codes.
    Sorted categories keep ``groupby`` and ``sort_values`` in text order.
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        if cats.is_monotonic_increasing:
            return s
        return s.cat.reorder_categories(sorted(cats))
    return s.astype(pd.CategoricalDtype(sorted(pd.unique(s.dropna()))))


#: answer columns held as categoricals (see :func:`as_category`)
CATEGORY_COLUMNS = ("participant_id", "arm", "phase", "module", "item", "page")


def as_text_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every categorical column back to text (the public dtype)."""
    cols = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    if not cols:
        return frame
    out = frame.copy(deep=False)
    for c in cols:
        out[c] = _category_text(out[c])
    return out


def _category_text(s: pd.Series) -> pd.Series:
    """A categorical of texts as a text Series, gathered by pyarrow (6x faster than astype)."""
    cats = s.cat.categories
    if not (pd.api.types.is_string_dtype(cats.dtype) and len(cats)):
        return s.astype("str")
    codes = s.cat.codes.to_numpy()
    values = pa.array(cats.to_numpy(dtype=object), type=pa.large_string())
    text = pc.take(values, pa.array(codes, mask=codes < 0))
    return pd.Series(pd.array(text, dtype="str"), index=s.index, name=s.name)


def isin_ids(s: pd.Series, values) -> np.ndarray:
    """``s.isin(values).to_numpy()`` for a column of ids, fast when both are many.

    pandas tests text columns by turning every one of ``values`` into a
    pyarrow scalar in a Python loop (0.7 s for 100,000 participant ids);
    pyarrow's ``is_in`` does the same test on whole arrays.
    """
    vals = pd.Series(values)
    if isinstance(s.dtype, pd.CategoricalDtype) or not pd.api.types.is_string_dtype(s.dtype):
        return s.isin(vals).to_numpy(dtype=bool)
    if isinstance(vals.dtype, pd.CategoricalDtype):
        vals = _category_text(vals)
    elif not pd.api.types.is_string_dtype(vals.dtype):
        return s.isin(vals).to_numpy(dtype=bool)
    hit = pc.is_in(pa.array(s.astype("str")), value_set=pa.array(vals.astype("str")))
    return hit.to_numpy(zero_copy_only=False).astype(bool)


def participant_item_key(frame: pd.DataFrame) -> tuple[np.ndarray, int]:
    """(key, n_item): one int64 per row for its participant x item, from the categorical
    codes (``key // n_item`` is the participant's code, ``key % n_item`` the item's).

    Sorted keys order rows by participant, then item, as a groupby or unstack on
    the two would; one integer per row is what makes those fast at millions of rows.
    """
    n_item = max(len(frame["item"].cat.categories), 1)
    key = (frame["participant_id"].cat.codes.to_numpy().astype(np.int64) * n_item
           + frame["item"].cat.codes.to_numpy())
    return key, n_item


def missing_code_mask(item: pd.Series, value: np.ndarray, items: pd.DataFrame) -> np.ndarray:
    """Boolean array: the row's value is a code its item flags ``missing: true``.

    ``item`` is the answers' item column (categorical or text), ``value``
    the values as floats. Works item by item on the categorical codes, so
    no per-row (item, value) tuples are built.
    """
    out = np.zeros(len(value), dtype=bool)
    codes_of = {i: c for i, c in zip(items["item"], items["missing_codes"], strict=True) if c}
    if not codes_of:
        return out
    cat = as_category(item)
    row_codes = cat.cat.codes.to_numpy()
    for k, name in enumerate(cat.cat.categories):
        codes = codes_of.get(name)
        if codes:
            rows = row_codes == k
            out[rows] = np.isin(value[rows], np.asarray(codes, dtype=float))
    return out


def not_shown_mask(a: pd.DataFrame, items: pd.DataFrame) -> np.ndarray:
    """Boolean array: the row says its item was not shown (format 1.11).

    Its ``value`` is the item's declared ``not_shown_code`` (codebook) and
    its ``text`` is empty: a display condition hid the item from this
    participant. Not a nonresponse: the question was never asked.
    """
    out = np.zeros(len(a), dtype=bool)
    if "not_shown_code" not in items.columns:
        return out
    codes = items.set_index("item")["not_shown_code"].dropna()
    if codes.empty:
        return out
    wanted = as_category(a["item"]).astype(object).map(codes).to_numpy(dtype=float)
    return (a["value"].to_numpy(dtype=float) == wanted) & a["text"].isna().to_numpy()


def split_not_shown(a: pd.DataFrame, items: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the answers, the "not shown" rows): items hidden by a display condition.

    The analysis treats a hidden item as structurally missing: its rows leave
    the answers (so no mean, shift, quality or attrition table counts them,
    not even as nonresponse) and are kept apart, ``Export.not_shown``.
    """
    hidden = not_shown_mask(a, items)
    if not hidden.any():
        return a, a.iloc[:0][[c for c in a.columns if c not in ("value", "text")]]
    kept = a.loc[~hidden]
    gone = a.loc[hidden, [c for c in a.columns if c not in ("value", "text")]]
    return kept.reset_index(drop=True), gone.reset_index(drop=True)
