"""Order effects: an item's answers split by where an option was shown (issue 22).

A survey may show an item's options in an order of each participant's own
(``shuffle_options``); ``display_order.csv`` says which order each saw
(format 1.12). :func:`by_position` asks the classic question of a primacy
effect: is an option chosen (or ranked first) more often when it is shown
first? With a uniform shuffle every option is shown in every place about
equally often, so the rows are comparable groups.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.contract import DISPLAY_ORDER_FILE
from analysis.export import Export, ExportError
from analysis.frames import isin_ids

__all__ = ["by_position", "position_table", "order_table", "check_display_order"]

#: The columns of :func:`by_position`'s table.
COLUMNS = ["position", "n", "chosen", "share", "mean_rank"]
#: The columns of :func:`order_table` (the report's "Order of the options").
ORDER_COLUMNS = ["item", "phase", "option", *COLUMNS]


def check_display_order(d: pd.DataFrame, participants: pd.DataFrame) -> pd.DataFrame:
    """``display_order.csv`` checked: every row names a listed participant and a place >= 1."""
    bad = ~pd.Series(isin_ids(d["participant_id"], participants["participant_id"]),
                     index=d.index)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise ExportError(DISPLAY_ORDER_FILE, f"row {row}: participant_id "
                          f"{d['participant_id'].iloc[row - 2]!r} is not listed in "
                          "participants.csv")
    low = d["position"].isna() | (d["position"] < 1)
    if low.any():
        row = int(np.flatnonzero(low.to_numpy())[0]) + 2
        raise ExportError(DISPLAY_ORDER_FILE, f"row {row}: position must be a whole number "
                          "of at least 1")
    return d


def position_table(answers: pd.DataFrame, display_order: pd.DataFrame, item: dict,
                   option: str, phase: str | None = None) -> pd.DataFrame:
    """The answers to ``item`` by the place (1-based) at which ``option`` was shown.

    ``answers`` and ``display_order`` are laid out as answers.csv and
    display_order.csv; ``item`` is the item's codebook entry. Per place:
    ``n`` participants' answers, ``chosen`` how many chose the option (a
    ranking: ranked it first), ``share`` = chosen / n, and for a ranking
    ``mean_rank``, the option's mean rank (NaN for other types). ``phase``
    keeps one phase (default: every phase, each answer a row). Answers
    without a shown order (a page before the item was shuffled) are left out.
    """
    ids = [o["id"] for o in item.get("options") or []]
    if option not in ids:
        raise ValueError(f"{option!r} is not an option of item {item['id']!r}")
    key = ["participant_id", "phase", "module", "item"]
    a = answers[answers["item"] == item["id"]]
    d = display_order[(display_order["item"] == item["id"])
                      & display_order["options"].notna()]
    if phase is not None:
        a, d = a[a["phase"] == phase], d[d["phase"] == phase]
    # the key as plain text, a missing module as "" (the files differ in how they say it)
    a = a.astype({c: "object" for c in key}).fillna({c: "" for c in key})
    d = d.astype({c: "object" for c in key}).fillna({c: "" for c in key})
    both = a[[*key, "value", "text"]].merge(d[[*key, "options"]], on=key, how="inner")
    shown = both["options"].map(lambda s: s.split("|"))
    both["position"] = shown.map(lambda order: order.index(option) + 1 if option in order
                                 else np.nan)
    coding = item.get("text_coding")
    if coding == "ranked_option_ids":
        ranked = both["text"].map(lambda s: s.split("|") if isinstance(s, str) else [])
        both["rank"] = ranked.map(lambda r: r.index(option) + 1 if option in r else np.nan)
        both["chosen"] = (both["rank"] == 1).astype(float)
    elif coding == "option_ids":
        both["rank"] = np.nan
        both["chosen"] = both["text"].map(
            lambda s: float(option in s.split("|")) if isinstance(s, str) else np.nan)
    else:
        code = next(o["code"] for o in item["options"] if o["id"] == option)
        both["rank"] = np.nan
        both["chosen"] = (both["value"] == code).astype(float)
    both = both.dropna(subset=["position"])
    if both.empty:
        return pd.DataFrame(columns=COLUMNS)
    table = both.groupby("position").agg(n=("chosen", "size"), chosen=("chosen", "sum"),
                                         mean_rank=("rank", "mean"))
    table["share"] = table["chosen"] / table["n"]
    table = table.reset_index()
    table["position"] = table["position"].astype(int)
    table["chosen"] = table["chosen"].astype(int)
    return table[COLUMNS]


def by_position(export: Export, item: str, option: str, phase: str | None = None
                ) -> pd.DataFrame:
    """:func:`position_table` of one item of a loaded export (format 1.12 on).

    Examples
    --------
    For a ranking shown to each participant in an order of their own, the
    share who ranked ``accord`` first when it was listed first, second or
    third: ``by_position(export, "rank_proposals", "accord", phase="pre")``.
    """
    if export.display_order is None:
        raise ExportError(DISPLAY_ORDER_FILE, "not in this export (format 1.12 on): no "
                          "display order to split by")
    entry = next((i for i in export.codebook["items"] if i["id"] == item), None)
    if entry is None:
        raise ValueError(f"{item!r} is not an item of the codebook")
    return position_table(export.answers, export.display_order, entry, option, phase)


def order_table(answers: pd.DataFrame, display_order: pd.DataFrame | None,
                items: list[dict]) -> pd.DataFrame:
    """:func:`position_table` of every option that moved, of every item shown in orders
    of each participant's own, per phase (the report's "Order of the options").

    ``items`` are the codebook's entries; an item counts when its
    ``display_order.options`` is true, and its ``fixed`` options (which never
    move) are left out. Empty when nothing was shuffled.
    """
    if display_order is None or display_order.empty:
        return pd.DataFrame(columns=ORDER_COLUMNS)
    parts = []
    for entry in items:
        if not (entry.get("display_order") or {}).get("options"):
            continue
        shown = display_order[(display_order["item"] == entry["id"])
                              & display_order["options"].notna()]
        for phase in sorted(shown["phase"].astype(str).unique()):
            for option in entry["options"]:
                if option.get("fixed"):
                    continue
                t = position_table(answers, display_order, entry, option["id"], phase)
                parts.append(t.assign(item=entry["id"], phase=phase, option=option["id"]))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=ORDER_COLUMNS)
    return pd.concat(parts, ignore_index=True)[ORDER_COLUMNS]
