"""Reading time of each briefing: words per minute, with too-fast readers flagged.

The export's ``pages.csv`` (``Export.pages``) holds the seconds each participant spent
step; the step ``read:<module>`` is the briefing. The codebook gives each
module's word count per language (``modules[].words``, format 1.3), so the
reading speed is the words in the participant's language over the minutes
on the page.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["reading_speed", "TYPICAL_WPM", "FAST_WPM"]

#: Average silent reading rate of adults for non-fiction in English:
#: 238 words per minute (Brysbaert 2019, *How many words do we read per
#: minute?*, J. Mem. Lang. 109:104047).
TYPICAL_WPM = 238
#: Faster than this (2.5 times the typical rate, beyond skimming's ~600)
#: nobody reads a briefing: flagged "too fast to have read it".
FAST_WPM = 600


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
