"""Answers rebuilt from a wide file (CSV, Parquet, Excel, SPSS, Stata) when answers.csv is absent.

Column names follow the contract (``<phase>__<item>``,
``module_<module>__<item>``); Stata names shortened to fit its limits are
matched back to the one codebook column they can be, or refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.contract import (
    PHASES,
    STATA_NAME_MAX,
    STATA_SHORT_NAME,
    order_column_names,
    rank_column_names,
    split_order_column,
    split_wide_column,
    stata_missing_tags,
    stata_safe,
    upgrade_codebook,
    wide_column,
    wide_column_names,
)
from analysis.export import ExportError
from analysis.validate import unescape_text

__all__ = ["read_wide", "answers_from_wide"]


def read_wide(src, name: str) -> pd.DataFrame:
    try:
        if name == "wide.csv":
            df = pd.read_csv(src.local(name), dtype=str, keep_default_na=False, na_values=[""])
        elif name == "wide.parquet":
            df = pd.read_parquet(src.local(name))
        elif name == "wide.xlsx":
            df = pd.read_excel(src.local(name), dtype=object, keep_default_na=False,
                               na_values=[""])
        else:
            import pyreadstat

            reader = pyreadstat.read_sav if name.endswith("sav") else pyreadstat.read_dta
            local = src.local(name)
            if isinstance(local, Path):
                df, _ = reader(str(local), apply_value_formats=False, user_missing=True)
            else:  # inside a zip: pyreadstat needs a file name
                import tempfile

                with tempfile.TemporaryDirectory() as tmp:
                    path = Path(tmp) / name
                    path.write_bytes(local.getvalue())
                    df, _ = reader(str(path), apply_value_formats=False, user_missing=True)
    except ExportError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure is reported with the file
        raise ExportError(name, f"cannot be read ({type(exc).__name__}: {exc})") from None
    if "participant_id" not in df.columns:
        raise ExportError(name, "missing column: participant_id")
    return df


def _resolve_wide_columns(columns: list[str], name: str, codebook) -> dict[str, str | None]:
    """Map each answer column of a wide file to its full ``<phase>[_<module>]__<item>`` name.

    Full names map to themselves. In ``wide.dta`` a name may have been
    shortened to 28 characters (older files: Stata's 32;
    non-alphanumeric characters made ``_``, a ``_<n>`` suffix added when two
    shortened names collide): it maps
    to the one long name it is the start of, and is an error when several
    long names fit (the file does not say which is which). Columns are
    matched in file order, each long answer name once; rank columns (1.14)
    come after every answer column, so a shortened name that only a rank
    column fits is one (mapped to ``None``: the ranks are read from the
    answer's text).
    """
    # the display-order columns (1.12) too, so a shortened Stata name of one
    # is never taken for an answer column; and a follow-up wave asks the "after"
    # items again: their followup__<item> columns are in the file though the
    # codebook's phases name only pre and post
    full = wide_column_names(codebook) + order_column_names(codebook) + [
        wide_column("followup", "", it["id"]) for it in codebook["items"]
        if "post" in (it.get("phases") or []) and "followup" not in it["phases"]]
    ranks = rank_column_names(codebook)
    known = set(full) | set(ranks)
    long = {f: stata_safe(f) for f in full if len(f) > STATA_SHORT_NAME}
    long_ranks = [stata_safe(f) for f in ranks if len(f) > STATA_SHORT_NAME]
    out: dict[str, str | None] = {}
    taken: set[str] = set()
    for c in columns:
        if c in known or name != "wide.dta" or not STATA_SHORT_NAME <= len(c) <= STATA_NAME_MAX:
            out[c] = c
            continue
        # then a collision suffix: match on the part before it
        for start in (c, re.sub(r"_\d+$", "", c)):
            fits = [f for f, safe in long.items() if f not in taken and safe.startswith(start)]
            a_rank = any(safe.startswith(start) for safe in long_ranks)
            if fits or a_rank:
                break
        if len(fits) == 1:
            out[c] = fits[0]
            taken.add(fits[0])
        elif len(fits) > 1:
            raise ExportError(name, f"column {c!r} is a Stata name shortened to "
                                    f"{len(c)} characters and could be any of "
                                    f"{sorted(fits)}; the file cannot say which: read the "
                                    "export folder's answers.csv (the canonical input)")
        else:
            out[c] = None if a_rank else c
    return out


def _untag_stata_missing(raw: pd.Series, item: pd.Series, is_text, codebook) -> pd.Series:
    """Stata's ``.a``, ``.b``, ... back to the codes of the item's ``missing`` options.

    ``wide.dta`` stores "Don't know" and "Prefer not to say" as extended
    missing values (``analysis.contract.stata_missing_tags``); read with
    ``user_missing=True`` they arrive as the letters ``"a"``, ``"b"``, ...
    """
    tagged = ~is_text & raw.map(lambda v: isinstance(v, str) and len(v) == 1).to_numpy()
    if not tagged.any():
        return raw
    codes = {(i["id"], tag): code for i in codebook["items"]
             for code, tag in stata_missing_tags(i.get("options") or [],
                                                 i.get("not_shown_code")).items()}
    raw = raw.copy()
    raw[tagged] = [codes.get((i, t), t) for i, t in zip(item[tagged], raw[tagged], strict=True)]
    return raw


def answers_from_wide(
    wide: pd.DataFrame, name: str, participants: pd.DataFrame, items: pd.DataFrame,
    codebook: Mapping[str, Any], escaped: bool = True, legacy: bool = False,
) -> pd.DataFrame:
    """Melt ``<phase>__<item>`` / ``module_<module>__<item>`` columns to the long layout.

    ``escaped``: the file's text cells carry the spreadsheet escaping (CSV and
    Excel files; every wide file before format 1.2), which is undone.
    """
    cols = [str(c) for c in wide.columns if "__" in str(c)]
    if not cols:
        raise ExportError(name, "has no answer columns named <phase>__<item> or "
                                "module_<module>__<item>")
    full = _resolve_wide_columns(cols, name, codebook)
    # the display order (1.12) is read from display_order.csv, not from here; rank
    # columns (<answer column>__<option>) are derived from the answer's text: not read
    ranked = {(it["id"], o["id"]) for it in upgrade_codebook(codebook)["items"]
              if it.get("text_coding") == "ranked_option_ids" for o in it.get("options") or []}
    cols = [c for c in cols if full[c] is not None and split_order_column(full[c]) is None
            and tuple(split_wide_column(full[c])[2].split("__", 1)) not in ranked]
    if not cols:
        raise ExportError(name, "has no answer columns named <phase>__<item> or "
                                "module_<module>__<item>")
    known_items = set(items["item"])
    parsed = []
    for c in cols:
        phase, module, item = split_wide_column(full[c])
        if phase not in PHASES:
            raise ExportError(name, f"column {c!r}: {phase!r} is not a phase")
        if (phase == "module") != bool(module):
            raise ExportError(name, f"column {c!r}: only module columns name a module "
                                    "(module_<module>__<item>)")
        if item not in known_items:
            raise ExportError(name, f"column {c!r}: {item!r} is not an item id defined in "
                                    "codebook.json")
        parsed.append((c, phase, module, item))
    kept = set(cols)
    data = wide[[c for c in wide.columns if str(c) in kept]].copy()
    data.columns = [str(c) for c in data.columns]
    data.index = wide["participant_id"].astype("str").to_numpy()
    long = data.melt(ignore_index=False, var_name="column", value_name="raw")
    long = long.reset_index(names="participant_id")
    raw = long["raw"]
    # SPSS and Stata store a missing text as an empty string
    empty = raw.isna() | raw.map(lambda v: isinstance(v, str) and v.strip() == "")
    long = long[~empty.to_numpy()]
    meta = pd.DataFrame(parsed, columns=["column", "phase", "module", "item"])
    long = long.merge(meta, on="column")
    coding = items.set_index("item")["text_coding"].reindex(long["item"])
    is_text = coding.notna().to_numpy()
    raw = _untag_stata_missing(long["raw"], long["item"], is_text, codebook)
    value = pd.to_numeric(raw.where(~is_text).astype("object"), errors="coerce")
    bad = ~is_text & value.isna().to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise ExportError(name, f"column {long['column'].iloc[pos]!r}, participant "
                                f"{long['participant_id'].iloc[pos]!r}: "
                                f"{raw.iloc[pos]!r} is not a number ({int(bad.sum())} bad "
                                "value(s))")
    text = raw.where(is_text).map(lambda v: v if isinstance(v, str) else (
        None if pd.isna(v) else str(v))).astype("str")
    text = text.where(pd.Series(is_text, index=text.index))
    if escaped:
        text = unescape_text(text, legacy)
    # not shown (1.11): a text column holds the item's code as text; back to the value
    code = items.set_index("item")["not_shown_code"].reindex(long["item"]).to_numpy()
    hidden = is_text & ~np.isnan(code) & (text.to_numpy(dtype=object) == np.array(
        [f"{c:g}" for c in code], dtype=object))
    value = value.where(~hidden, pd.Series(code, index=value.index))
    text = text.where(~hidden)
    arm_of = participants.set_index("participant_id")["arm"]
    out = pd.DataFrame(
        {
            "participant_id": long["participant_id"].to_numpy(),
            "arm": arm_of.reindex(long["participant_id"]).to_numpy(),
            "phase": long["phase"].to_numpy(),
            "module": long["module"].replace("", np.nan).to_numpy(),
            "item": long["item"].to_numpy(),
            "value": value.astype("float64").to_numpy(),
            "text": text.to_numpy(),
            "page": pd.Series(np.nan, index=range(len(long)), dtype="str"),
            "answered_at": pd.Series(pd.NaT, index=range(len(long)), dtype="datetime64[us, UTC]"),
            "seconds_on_page": np.nan,
            "_where": ("column " + long["column"].map(repr) + ", participant "
                       + long["participant_id"].map(repr)).to_numpy(),
        }
    )
    return out
