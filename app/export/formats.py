"""The other export formats: a wide table (CSV, Parquet, Excel, SPSS, Stata).

They are built from the long files already written to the export folder,
so every format holds exactly the same answers as ``answers.csv``. Choice
and Likert columns carry value labels from the codebook (in the survey's
first language) in SPSS and Stata.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyreadstat

__all__ = ["wide_table", "write_other_format", "wide_column"]

STATA_NAME_MAX = 32


def wide_column(phase: str, module: str, item: str) -> str:
    """Column name of one answer in the wide table: ``pre__x``, ``module_accord__y``."""
    return f"{phase}_{module}__{item}" if module else f"{phase}__{item}"


def wide_table(folder: Path, codebook: dict) -> tuple[pd.DataFrame, dict, dict]:
    """(table, column labels, value labels) with one row per participant."""
    participants = pd.read_csv(folder / "participants.csv", dtype=str, keep_default_na=False)
    answers = pd.read_csv(
        folder / "answers.csv", dtype={"module": str, "text": str}, keep_default_na=False,
        na_values={"value": [""]},
    )  # fmt: skip
    items = {i["id"]: i for i in codebook["items"]}
    lang = codebook["survey"]["languages"][0]
    numeric = answers["value"].notna() & ~answers["item"].map(
        lambda i: items[i]["type"] in ("multiple_choice",)
    )
    answers = answers.assign(
        column=[wide_column(p, m, i) for p, m, i in
                zip(answers["phase"], answers["module"], answers["item"], strict=True)],
        cell=answers["value"].where(numeric, answers["text"]),
    )  # fmt: skip
    wide = answers.pivot(index="participant_id", columns="column", values="cell")
    order = list(dict.fromkeys(answers["column"]))
    table = participants.set_index("participant_id").join(wide[order], how="left").reset_index()
    column_labels, value_labels = {}, {}
    for column in order:
        item = items[column.split("__", 1)[1]]
        column_labels[column] = f"[{column.split('__')[0]}] {item['text'][lang]}"[:250]
        if item["type"] in ("multiple_choice", "ranking", "text"):
            table[column] = table[column].astype("string")
        else:
            table[column] = pd.to_numeric(table[column])
            if item["options"]:
                value_labels[column] = {float(o["code"]): o["label"][lang] for o in item["options"]}
    return table, column_labels, value_labels


def _stata_names(columns: list[str]) -> dict[str, str]:
    """Stata allows 32-character names: shorten long ones, keeping them unique."""
    names, used = {}, set()
    for column in columns:
        name = re.sub(r"[^A-Za-z0-9_]", "_", column)[:STATA_NAME_MAX]
        n = 1
        while name in used:
            suffix = f"_{n}"
            name = name[: STATA_NAME_MAX - len(suffix)] + suffix
            n += 1
        used.add(name)
        names[column] = name
    return names


def write_other_format(folder: Path, fmt: str, codebook: dict) -> list[str]:
    """Write ``fmt`` into ``folder``; returns the names of the files written."""
    table, column_labels, value_labels = wide_table(folder, codebook)
    if fmt == "wide":
        table.to_csv(folder / "wide.csv", index=False)
        return ["wide.csv"]
    if fmt == "parquet":
        table.to_parquet(folder / "wide.parquet", index=False)
        return ["wide.parquet"]
    if fmt == "xlsx":
        # Text cells come from answers.csv, already spreadsheet-safe.
        table.to_excel(folder / "wide.xlsx", index=False, sheet_name="answers")
        return ["wide.xlsx"]
    for column in table.columns:
        if str(table[column].dtype) in ("string", "object"):
            table[column] = table[column].astype(object).where(table[column].notna(), "")
    if fmt == "sav":
        pyreadstat.write_sav(
            table, str(folder / "wide.sav"), column_labels=column_labels,
            variable_value_labels=value_labels,
        )  # fmt: skip
        return ["wide.sav"]
    if fmt == "dta":
        names = _stata_names(list(table.columns))
        pyreadstat.write_dta(
            table.rename(columns=names), str(folder / "wide.dta"),
            column_labels={names[c]: label[:80] for c, label in column_labels.items()},
            variable_value_labels={names[c]: {int(k): v for k, v in labels.items()}
                                   for c, labels in value_labels.items()},
        )  # fmt: skip
        return ["wide.dta"]
    raise ValueError(f"unknown export format {fmt!r}")
