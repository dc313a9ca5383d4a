"""Automatic triage of a statement: flags and a risk score for the moderation queue.

Triage never decides: it sorts the queue (riskiest first) and tells the
moderator what it found. Checks, per statement and the participant's
language:

- ``too_short`` / ``too_long``: outside the survey's length limits;
- ``script``: most letters are not in the language's script (Latin for en
  and de, Cyrillic for uk and ru); ``language``: the other language of the
  same script (Ukrainian-only letters in a Russian text and the reverse;
  English function words in a German text and the reverse);
- personal data: ``email``, ``phone``, ``link``, ``handle`` (@name),
  ``digits`` (a run of 6 or more digits);
- ``word_list``: a term of the survey's list for the language;
- ``profanity``: English texts scored by ``alt-profanity-check`` (a linear
  model shipped in its wheel) at 0.8 or more;
- ``near_duplicate``: estimated Jaccard similarity of character 5-shingles
  of 0.8 or more with an earlier statement (MinHash, 64 hash functions).

Pure functions of text; ``app/exchange/triage_job.py`` runs them on the
database through the job runner.

Examples
--------
>>> sorted(personal_data("Mail me: ann@example.org or call +49 30 1234567"))
['email', 'phone']
>>> script_flags("Мир можливий, якщо всі сторони їм довіряють.", "uk")
[]
>>> script_flags("Peace is possible if all sides trust it.", "ru")
['script']
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Finding", "triage_text", "personal_data", "script_flags", "word_list_hits",
           "signature", "similarity", "risk_of", "WEIGHTS", "NEAR_DUPLICATE",
           "PROFANITY_THRESHOLD"]

#: How much each flag adds to the risk (capped at 1): personal data and
#: abuse first, then what makes a text unusable, then what a moderator
#: should merely look at.
WEIGHTS = {
    "email": 0.9, "phone": 0.9, "handle": 0.7, "link": 0.7, "digits": 0.5,
    "word_list": 0.8, "profanity": 0.8, "near_duplicate": 0.4, "script": 0.5,
    "language": 0.3, "too_short": 0.3, "too_long": 0.3,
}
NEAR_DUPLICATE = 0.8
PROFANITY_THRESHOLD = 0.8
SHINGLE = 5
HASHES = 64
_MASK = (1 << 64) - 1


def _mix(x: int) -> int:
    """SplitMix64's finaliser: a 64-bit hash of a 64-bit value."""
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


#: One seed per hash function (SplitMix64's sequence, fixed, so signatures
#: stored in the database stay comparable); a shingle's hash is SplitMix64 of
#: (CRC-32 xor seed). Plain integers, not numpy: the web process imports this
#: module with the job runner and must not load numpy (the contract test).
_SEEDS = tuple(_mix(((i + 1) * 0x9E3779B97F4A7C15) & _MASK) for i in range(HASHES))

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
LINK = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|org|net|de|ru|ua|uk|eu|info|io|"
                  r"ly|me|tv|su|рф|укр)\b(?:/\S*)?", re.IGNORECASE)
HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_]{2,}")
#: A phone number: 7 to 15 digits written with a leading "+" or with spaces,
#: dots, dashes, slashes or brackets between groups (a bare run is ``digits``).
PHONE = re.compile(r"(?<!\w)\+?\(?\d(?:[\s./()-]{0,2}\d){6,14}(?!\w)")
DIGITS = re.compile(r"\d{6,}")
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")

#: The script a language is written in.
SCRIPTS = {"en": "LATIN", "de": "LATIN", "uk": "CYRILLIC", "ru": "CYRILLIC"}
UK_ONLY, RU_ONLY = set("іїєґ"), set("ыэъё")
FUNCTION_WORDS = {
    "en": {"the", "and", "is", "of", "to", "that", "it", "not", "are", "for", "with", "would",
           "could", "there", "this", "they", "be", "we", "our"},
    "de": {"der", "die", "das", "und", "ist", "nicht", "zu", "ein", "eine", "mit", "sind", "dem",
           "den", "im", "würde", "würden", "dort", "sie", "wir", "auf", "könnten"},
}


@dataclass(frozen=True)
class Finding:
    """What triage found in one text."""

    flags: tuple[str, ...]
    risk: float
    signature: list[int]


def personal_data(text: str) -> list[str]:
    """Flags for e-mail addresses, phone numbers, links, @handles and long digit runs."""
    flags = []
    without_mail = EMAIL.sub(" ", text)
    if without_mail != text:
        flags.append("email")
    if any(m.group().startswith("+") or not m.group().isdigit()
           for m in PHONE.finditer(without_mail)):
        flags.append("phone")
    if LINK.search(without_mail):
        flags.append("link")
    if HANDLE.search(without_mail):
        flags.append("handle")
    if DIGITS.search(without_mail) and "phone" not in flags:
        flags.append("digits")
    return flags


def script_flags(text: str, language: str) -> list[str]:
    """``script`` when most letters are not in the language's script, ``language``
    when the text reads as the other language of that script."""
    letters = [c for c in text if c.isalpha()]
    expected = SCRIPTS.get(language.split("-")[0])
    if not letters or expected is None:
        return []
    share = sum(unicodedata.name(c, "").startswith(expected) for c in letters) / len(letters)
    if share < 0.6:
        return ["script"]
    lower = set(text.lower())
    lang = language.split("-")[0]
    if lang == "uk" and lower & RU_ONLY and not lower & UK_ONLY:
        return ["language"]
    if lang == "ru" and lower & UK_ONLY and not lower & RU_ONLY:
        return ["language"]
    if lang in FUNCTION_WORDS:
        words = [w.lower() for w in WORD.findall(text)]
        other = "de" if lang == "en" else "en"
        own = sum(w in FUNCTION_WORDS[lang] for w in words)
        theirs = sum(w in FUNCTION_WORDS[other] for w in words)
        if theirs >= 2 and theirs > own:
            return ["language"]
    return []


def word_list_hits(text: str, terms: Iterable[str]) -> list[str]:
    """The list's terms found in ``text``: whole words (or phrases), case-insensitive."""
    words = " " + " ".join(w.lower() for w in WORD.findall(text)) + " "
    return [t for t in terms if f" {' '.join(WORD.findall(t.lower()))} " in words]


def _shingles(text: str) -> list[int]:
    norm = " ".join(WORD.findall(text.lower()))
    if len(norm) <= SHINGLE:
        grams = {norm}
    else:
        grams = {norm[i:i + SHINGLE] for i in range(len(norm) - SHINGLE + 1)}
    return sorted(zlib.crc32(g.encode()) for g in grams)


def signature(text: str) -> list[int]:
    """MinHash signature (64 values) of the text's character 5-shingles (words only,
    lowercased), so two texts' share of equal values estimates their Jaccard similarity."""
    shingles = _shingles(text)
    return [min(_mix(s ^ seed) for s in shingles) for seed in _SEEDS]


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a) if a and b else 0.0


def risk_of(flags: Iterable[str], profanity: float = 0.0) -> float:
    """Risk in [0, 1]: 1 - product of (1 - weight) over the flags, and the profanity score."""
    keep = 1.0 - min(profanity, 1.0) * 0.5
    for flag in flags:
        keep *= 1.0 - WEIGHTS.get(flag, 0.2)
    return round(1.0 - keep, 4)


def triage_text(text: str, language: str, *, limits: tuple[int, int],
                terms: Iterable[str] = (), earlier: Iterable[Sequence[int]] = (),
                profanity: float | None = None) -> Finding:
    """Every check on one text; ``earlier`` are the signatures of statements before it,
    ``profanity`` the English model's score (None when not scored)."""
    flags: list[str] = []
    size = len(text.strip())
    if size < limits[0]:
        flags.append("too_short")
    elif size > limits[1]:
        flags.append("too_long")
    flags += script_flags(text, language)
    flags += personal_data(text)
    if word_list_hits(text, terms):
        flags.append("word_list")
    if profanity is not None and profanity >= PROFANITY_THRESHOLD:
        flags.append("profanity")
    mine = signature(text)
    if any(similarity(mine, other) >= NEAR_DUPLICATE for other in earlier):
        flags.append("near_duplicate")
    return Finding(tuple(flags), risk_of(flags, profanity or 0.0), mine)
