"""A large valid survey for load-cost tests: ``n`` Likert items asked before and after."""

from __future__ import annotations

import shutil
from pathlib import Path

from surveys import EXAMPLE

__all__ = ["big_survey"]


def big_survey(folder: Path, n: int) -> Path:
    """The example survey plus ``n`` items on pre pages and again on post pages (10 a page).

    About 350 bytes of definition per item: 5,400 items make a 1.9 MB ``survey.toml``.
    """
    shutil.copytree(EXAMPLE, folder)
    ids = [f"extra_{i}" for i in range(n)]
    parts = [(folder / "survey.toml").read_text(encoding="utf-8")]
    for phase in ("pre", "post"):
        for start in range(0, n, 10):
            listed = ", ".join(f'"{i}"' for i in ids[start:start + 10])
            parts.append(f'[[pages]]\nid = "{phase}_{start}"\nphase = "{phase}"\n'
                         f'title.en = "More questions"\ntitle.de = "Weitere Fragen"\n'
                         f"items = [{listed}]\n")
    for item in ids:
        parts.append(f'[[items]]\nid = "{item}"\ntype = "likert"\npoints = 5\n'
                     f'text.en = "How much do you agree with statement {item}?"\n'
                     f'text.de = "Wie sehr stimmen Sie Aussage {item} zu?"\n'
                     'anchors.en = ["No", "Rather no", "Neither", "Rather yes", "Yes"]\n'
                     'anchors.de = ["Nein", "Eher nein", "Weder noch", "Eher ja", "Ja"]\n')
    (folder / "survey.toml").write_text("\n".join(parts), encoding="utf-8")
    return folder
