"""The example survey with display conditions (a renter-only block), for ``show_if`` tests.

:func:`show_if_survey` copies the example and adds ``tenure`` to the
about-you page, a pre page shown to renters only (``rent_burden``), its post
twin on a post page without a condition of its own, and a post-only item
shown to renters and "other" (``move_plans``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from surveys import EXAMPLE

__all__ = ["SHOW_IF_TOML", "show_if_survey"]

SHOW_IF_TOML = '''
[[pages]]
id = "renting_before"
phase = "pre"
show_if = 'tenure = "renter"'
title.en = "Renting"
title.de = "Zur Miete"
items = ["rent_burden"]

[[pages]]
id = "renting_after"
phase = "post"
title.en = "Renting, after reading"
title.de = "Zur Miete, nach dem Lesen"
items = ["rent_burden", "move_plans"]

[[items]]
id = "tenure"
type = "single_choice"
text.en = "Do you own or rent your home?"
text.de = "Wohnen Sie im Eigentum oder zur Miete?"
options = [
  { id = "owner", label.en = "I own it", label.de = "Eigentum" },
  { id = "renter", label.en = "I rent it", label.de = "Miete" },
  { id = "other", label.en = "Something else", label.de = "Etwas anderes" },
]

[[items]]
id = "rent_burden"
type = "likert"
points = 5
text.en = "How hard is it to pay your rent?"
text.de = "Wie schwer fällt es Ihnen, Ihre Miete zu zahlen?"
anchors.en = ["Very easy", "Easy", "Neither", "Hard", "Very hard"]
anchors.de = ["Sehr leicht", "Leicht", "Weder noch", "Schwer", "Sehr schwer"]

[[items]]
id = "move_plans"
type = "single_choice"
post_only = true
show_if = 'tenure in ["renter", "other"]'
text.en = "Do you plan to move within a year?"
text.de = "Planen Sie, innerhalb eines Jahres umzuziehen?"
options = [
  { id = "yes", label.en = "Yes", label.de = "Ja" },
  { id = "no", label.en = "No", label.de = "Nein" },
]
'''


def show_if_survey(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """A copy of the example with the renter-only block, then ``edits`` (old, new) applied."""
    folder = tmp_path / "show-if-survey"
    shutil.copytree(EXAMPLE, folder)
    toml = folder / "survey.toml"
    text = toml.read_text(encoding="utf-8").replace(
        'items = ["age_band", "transport"]', 'items = ["age_band", "transport", "tenure"]', 1)
    text += SHOW_IF_TOML
    for old, new in edits:
        assert old in text, f"{old!r} is not in the definition: the case would test nothing"
        text = text.replace(old, new, 1)
    toml.write_text(text, encoding="utf-8")
    return folder
