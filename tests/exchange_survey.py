"""The shipped example survey with an argument exchange added, for tests.

:func:`with_exchange` copies ``surveys/example`` to a folder and adds what
the ``[exchange]`` table needs: the free-text item on a last page of its own,
two arms crossing the "trees" briefing with exposure (peers' statements or
the placebo set), seed and placebo statements in both languages and word
lists. Tests then break one thing at a time.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from surveys import EXAMPLE

__all__ = ["with_exchange", "EXCHANGE_TABLE", "SEED_TEXT"]

#: 50-600 characters, as the limits ask.
SEED_TEXT = {
    "en": "Trees give shade in summer, so older people can sit on the square again.",
    "de": "Bäume spenden im Sommer Schatten, so können ältere Menschen wieder dort sitzen.",
}
AGAINST_TEXT = {
    "en": "A market brings people to the square every week and pays for its upkeep.",
    "de": "Ein Markt bringt jede Woche Menschen auf den Platz und bezahlt seine Pflege.",
}
PLACEBO_TEXT = {
    "en": "Libraries that open on Sunday afternoons are used mostly by families. ({n})",
    "de": "Bibliotheken, die sonntags öffnen, werden vor allem von Familien genutzt. ({n})",
}

EXCHANGE_TABLE = """
[[pages]]
id = "write"
phase = "post"
title.en = "Your argument"
title.de = "Ihr Argument"
items = ["reflection"]

[[arms]]
id = "trees_peers"
modules = ["trees", "exchange"]

[[arms]]
id = "trees_placebo"
modules = ["trees", "exchange_placebo"]

[exchange]
anchors = ["support_trees", "support_market"]
cards = 3
pairs = 1
mode = "frozen"
seeds.en = "exchange/seeds.en.toml"
seeds.de = "exchange/seeds.de.toml"
placebo.en = "exchange/placebo.en.toml"
placebo.de = "exchange/placebo.de.toml"
words.en = "exchange/words.en.txt"
words.de = "exchange/words.de.txt"

[[exchange.sources]]
item = "reflection"
side = "for"
proposal_from = "rank_plans"
"""


def _seeds(lang: str) -> str:
    return (
        f'[[statements]]\nid = "trees_for"\nproposal = "trees"\nside = "for"\n'
        f'text = "{SEED_TEXT[lang]}"\n\n'
        f'[[statements]]\nid = "market_for"\nproposal = "market"\nside = "for"\n'
        f'text = "{AGAINST_TEXT[lang]}"\n'
    )


def _placebo(lang: str, count: int = 3) -> str:
    return "".join(
        f'[[statements]]\nid = "p{n}"\ntext = "{PLACEBO_TEXT[lang].format(n=n)}"\n\n'
        for n in range(1, count + 1)
    )


def with_exchange(folder: Path) -> Path:
    """Copy the example to ``folder`` with an exchange; returns ``folder``."""
    shutil.copytree(EXAMPLE, folder)
    toml = folder / "survey.toml"
    text = toml.read_text(encoding="utf-8")
    old = '"attention", "reflection"]'
    assert old in text
    text = text.replace(old, '"attention"]')
    toml.write_text(text + EXCHANGE_TABLE, encoding="utf-8")
    (folder / "exchange").mkdir()
    for lang in ("en", "de"):
        (folder / f"exchange/seeds.{lang}.toml").write_text(_seeds(lang), encoding="utf-8")
        (folder / f"exchange/placebo.{lang}.toml").write_text(_placebo(lang), encoding="utf-8")
    (folder / "exchange/words.en.txt").write_text("# slurs\nIdiot\nmoron  # comment\n\n")
    (folder / "exchange/words.de.txt").write_text("Depp\n")
    return folder
