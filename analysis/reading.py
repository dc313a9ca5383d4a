"""Reading time of each briefing: words per minute, with too-fast readers flagged.

The export's ``pages.csv`` holds the seconds each participant spent on each
step; the step ``read:<module>`` is the briefing. The codebook gives each
module's word count per language (``modules[].words``, format 1.3), so the
reading speed is the words in the participant's language over the minutes
on the page.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["read_pages", "reading_speed", "TYPICAL_WPM", "FAST_WPM"]

#: Average silent reading rate of adults for non-fiction in English:
#: 238 words per minute (Brysbaert 2019, *How many words do we read per
#: minute?*, J. Mem. Lang. 109:104047).
TYPICAL_WPM = 238
#: Faster than this (2.5 times the typical rate, beyond skimming's ~600)
#: nobody reads a briefing: flagged "too fast to have read it".
FAST_WPM = 600


def read_pages(source: str | Path) -> pd.DataFrame | None:
    """``pages.csv`` of an export folder or zip, or ``None`` when there is none.

    Examples
    --------
    >>> read_pages("/nonexistent") is None
    True
    """
    path = Path(str(source))
    try:
        if path.is_dir():
            if not (path / "pages.csv").is_file():
                return None
            raw = (path / "pages.csv").read_bytes()
        elif path.is_file() and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if n.rsplit("/", 1)[-1] == "pages.csv"]
                if not names:
                    return None
                raw = zf.read(names[0])
        else:
            return None
    except OSError:
        return None
    return pd.read_csv(io.BytesIO(raw), dtype={"participant_id": str, "step": str},
                       keep_default_na=False, na_values={"seconds": [""]})


def reading_speed(pages: pd.DataFrame, participants: pd.DataFrame, codebook: dict,
                  fast_wpm: float = FAST_WPM) -> pd.DataFrame:
    """Words per minute on each briefing read.

    Returns
    -------
    DataFrame
        ``participant_id, arm, module, language, words, seconds, wpm, too_fast``
        for every submitted ``read:<module>`` step whose module has a word
        count in the participant's language.

    Examples
    --------
    >>> pages = pd.DataFrame({"participant_id": ["a"], "step": ["read:m"], "seconds": [120.0]})
    >>> people = pd.DataFrame({"participant_id": ["a"], "arm": ["x"], "language": ["en"]})
    >>> cb = {"modules": [{"id": "m", "words": {"en": 480}}]}
    >>> reading_speed(pages, people, cb)[["wpm", "too_fast"]].values.tolist()
    [[240.0, False]]
    """
    words = {(m["id"], lang): n for m in codebook.get("modules") or []
             for lang, n in (m.get("words") or {}).items()}
    cols = ["participant_id", "arm", "module", "language", "words", "seconds", "wpm",
            "too_fast"]
    if not words or pages is None or pages.empty:
        return pd.DataFrame(columns=cols)
    r = pages[pages["step"].str.startswith("read:")].dropna(subset=["seconds"])
    r = r.assign(module=r["step"].str.slice(5)).merge(
        participants[["participant_id", "arm", "language"]], on="participant_id")
    r["words"] = [words.get((m, lang), np.nan) for m, lang in
                  zip(r["module"], r["language"], strict=True)]
    r = r.dropna(subset=["words"])
    r = r[r["seconds"] > 0]
    r = r.assign(wpm=r["words"] / (r["seconds"].astype(float) / 60))
    r["too_fast"] = r["wpm"] > fast_wpm
    return r[cols].reset_index(drop=True)
