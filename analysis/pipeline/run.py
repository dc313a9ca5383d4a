"""What the analysis steps share: the run (export, options, results, samples) and helpers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.export import Export
from analysis.frames import as_text_columns, participant_item_key
from analysis.options import Options
from analysis.results import Results
from analysis.shifts import paired_shifts
from analysis.tidy import clean_values

#: phases answered before the treatment (the briefing)
PRE_TREATMENT = ("profile", "pre")


#: the answer columns the steps after "ordinal" read from the cleaned answers
CLEAN_COLUMNS = ["participant_id", "arm", "phase", "module", "item", "value"]


@dataclass
class Run:
    """What the steps share: the export, the options, the results and the sample kept."""

    ex: Export
    opt: Options
    res: Results
    kept: pd.Series = None
    weights: pd.Series | None = None
    wcol: str | None = None
    pp: pd.DataFrame = None
    clean: pd.DataFrame = None

    def with_w(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with the participant's weight (participants without one dropped)."""
        if self.weights is None:
            return frame
        weight = self.weights.reindex(frame["participant_id"].to_numpy()).to_numpy()
        return frame.assign(weight=weight).dropna(subset=["weight"])


def threshold(items: pd.DataFrame, item: str, opt: float | None) -> float:
    if opt is not None:
        return opt
    row = items.set_index("item").loc[item]
    return float(np.floor((row["scale_min"] + row["scale_max"]) / 2) + 1)


def kept_clean(run: Run) -> pd.DataFrame:
    """Cleaned answers of the kept participants, only the columns the steps read
    (text, page and times would be copied by every filter for nothing)."""
    clean = clean_values(run.ex)
    return clean.loc[clean["participant_id"].isin(run.kept), CLEAN_COLUMNS]


def wide(long: pd.DataFrame) -> pd.DataFrame:
    if long.empty:
        return pd.DataFrame(columns=["participant_id", "arm", "item", "pre", "post"])
    w = long[long["phase"].isin(["pre", "post"])].pivot_table(
        index=["participant_id", "arm", "item"], columns="phase", values="value",
        aggfunc="first").reset_index()
    w.columns.name = None
    for c in ("pre", "post"):
        if c not in w.columns:
            w[c] = np.nan
    return w.dropna(subset=["pre", "post"])


def long_pairs_shifts(long: pd.DataFrame, opt: Options, with_w) -> pd.DataFrame:
    w = wide(long)
    if w.empty:
        return pd.DataFrame()
    return paired_shifts(with_w(w), weights="weight" if opt.margins else None, level=opt.level,
                         zero_method=opt.zero_method, n_boot=opt.n_boot, seed=opt.seed)


def order_arms(frame: pd.DataFrame, ex: Export) -> pd.DataFrame:
    if frame.empty or "arm" not in frame.columns:
        return frame
    # text first: Series.map on a categorical maps its categories and keeps their
    # (alphabetical) order, which would sort items alphabetically
    frame = as_text_columns(frame)
    order = {a: i for i, a in enumerate(ex.arms)}
    items = {it: i for i, it in enumerate(ex.items["item"])}
    keys = [c for c in ("item", "arm") if c in frame.columns]
    return frame.sort_values(keys, key=lambda c: c.map(items if c.name == "item" else order),
                             kind="stable").reset_index(drop=True)


def as_text(s: pd.Series) -> pd.Series:
    return s.astype("str") if isinstance(s.dtype, pd.CategoricalDtype) else s


def paired(frame: pd.DataFrame, answered: str = "value") -> pd.DataFrame:
    """The before and after rows of participants who answered the item in both phases
    (``answered`` not missing): the paired sample, as the shift tables use.

    A before/after comparison of everyone who answered each phase mixes a change of
    opinion with a change of who answered (break-offs, exclusions by phase)."""
    f = frame[frame["phase"].isin(["pre", "post"]) & frame[answered].notna()]
    if not all(isinstance(f[c].dtype, pd.CategoricalDtype) for c in ("participant_id", "item")):
        both = f.groupby(["participant_id", "item"], observed=True, sort=False)[
            "phase"].transform("nunique") == 2
        return f[both.to_numpy()]
    # on the keyed answers: one integer per participant x item (a groupby's nunique
    # on the categoricals was the step's largest cost at 100,000 participants)
    keys, inverse = np.unique(participant_item_key(f)[0], return_inverse=True)
    after = (f["phase"] == "post").to_numpy()
    seen = np.zeros((keys.size, 2), bool)
    seen[inverse, after.astype(int)] = True
    return f[seen.all(axis=1)[inverse]]

