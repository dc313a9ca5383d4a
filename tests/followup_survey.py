"""The example survey with a follow-up page of its own, for the follow-up phase's tests.

The shipped example has no ``followup`` page (its tests count its pages and
phases); :func:`followup_survey` copies it and adds one page with two
questions the main journey never asks: "did you discuss it since?" (single
choice) and an optional note (free text).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from surveys import EXAMPLE

__all__ = ["FOLLOWUP_PAGE", "followup_survey"]

FOLLOWUP_PAGE = '''
[[pages]]
id = "since"
phase = "followup"
title.en = "Since you took part"
title.de = "Seit Ihrer Teilnahme"
items = ["discussed", "since_note"]

[[items]]
id = "discussed"
type = "single_choice"
text.en = "Did you discuss the town square with anyone since you took part?"
text.de = "Haben Sie seit Ihrer Teilnahme mit jemandem über den Marktplatz gesprochen?"
options = [
  { id = "yes", label.en = "Yes", label.de = "Ja" },
  { id = "no", label.en = "No", label.de = "Nein" },
]

[[items]]
id = "since_note"
type = "text"
required = false
text.en = "Has anything changed your view since? (optional)"
text.de = "Hat seitdem etwas Ihre Sicht verändert? (freiwillig)"
'''


def followup_survey(tmp_path: Path, extra: str = "") -> Path:
    """A copy of the example with the follow-up page (and ``extra`` TOML) appended."""
    folder = tmp_path / "followup-survey"
    shutil.copytree(EXAMPLE, folder)
    toml = folder / "survey.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + FOLLOWUP_PAGE + extra, encoding="utf-8")
    return folder
