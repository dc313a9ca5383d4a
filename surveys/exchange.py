"""Read the ``[exchange]`` table: participants write, read and rate arguments.

The table names the text items whose answers become statements (and which
proposal and side each argues), the length limits, the anchor items that
place a rater before any briefing, how many cards and pairwise choices a
rater gets, the pool mode, and three kinds of files per language: the
research team's seed statements, the neutral placebo set and the triage
word lists. Every problem is noted with its file and place, like the rest of
the loader; see ``docs/survey-format.md``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from types import MappingProxyType

from surveys.model import EXCHANGE_STEPS, Arm, Exchange, Item, Module, Page, Seed, Source, Text
from surveys.reader import ID_RE, DefinitionReader, without_bidi_controls

__all__ = ["read_exchange", "SIDES", "MODES", "LENGTH_LIMITS"]

SIDES = ("for", "against")
MODES = ("frozen", "live")
#: The bounds of ``min_length`` and ``max_length`` (characters).
LENGTH_LIMITS = (50, 600)
KEYS = {"sources", "anchors", "min_length", "max_length", "cards", "pairs", "mode",
        "seeds", "placebo", "words"}
PLACE = "exchange"


def read_exchange(reader: DefinitionReader, raw, items: Mapping[str, Item],
                  pages: tuple[Page, ...], modules: tuple[Module, ...],
                  arms: tuple[Arm, ...]) -> Exchange | None:
    """The survey's :class:`Exchange`, or None when it has no ``[exchange]`` table."""
    if raw is None:
        for i, arm in enumerate(arms):
            if arm.exchange:
                reader.problem(f"arms[{i}].modules", f"'{arm.exchange}' needs an [exchange] table")
        return None
    if not isinstance(raw, dict):
        reader.problem(PLACE, "must be a table ([exchange])")
        return None
    reader.unknown(raw, KEYS, PLACE)
    proposals = tuple(m.id for m in modules if m.kind == "proposal")
    low, high = LENGTH_LIMITS
    min_length = _whole(reader, raw, "min_length", low, low, high)
    max_length = _whole(reader, raw, "max_length", high, low, high)
    if min_length > max_length:
        reader.problem(PLACE, "min_length must not be more than max_length")
    cards = _whole(reader, raw, "cards", 10, 1, 50)
    mode = raw.get("mode", "frozen")
    if mode not in MODES:
        reader.problem(f"{PLACE}.mode", f"must be 'frozen' or 'live' (got {mode!r})")
        mode = "frozen"
    seeds = _statements(reader, raw, "seeds", proposals, (min_length, max_length))
    placebo = _statements(reader, raw, "placebo", None, (min_length, max_length))
    if "placebo" in raw and placebo and len(placebo) < cards:
        reader.problem(f"{PLACE}.placebo", f"must hold at least {cards} statements "
                       f"(one per card), got {len(placebo)}")
    _check_arms(reader, arms, bool(placebo))
    return Exchange(
        sources=_sources(reader, raw.get("sources"), items, pages, proposals),
        anchors=_anchors(reader, raw.get("anchors"), items, pages),
        min_length=min_length,
        max_length=max_length,
        cards=cards,
        pairs=_whole(reader, raw, "pairs", 2, 0, 10),
        mode=mode,
        seeds=seeds,
        placebo=placebo,
        words=_words(reader, raw),
    )


def _whole(reader: DefinitionReader, raw: dict, key: str, default: int, low: int,
           high: int) -> int:
    value = raw.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        reader.problem(f"{PLACE}.{key}", f"must be a whole number from {low} to {high}")
        return default
    return value


def _ids(reader: DefinitionReader, raw, place: str, what: str) -> list[str]:
    if not isinstance(raw, list) or not raw or not all(isinstance(v, str) for v in raw):
        reader.problem(place, f"must list at least one {what} (as text)")
        return []
    return raw


def _phases(pages: tuple[Page, ...], item_id: str) -> set[str]:
    return {p.phase for p in pages if item_id in p.items}


def _anchors(reader, raw, items, pages) -> tuple[str, ...]:
    place = f"{PLACE}.anchors"
    ids = _ids(reader, raw, place, "item id")
    for item_id in ids:
        item = items.get(item_id)
        if item is None:
            reader.problem(place, f"names item '{item_id}', which is not defined")
        elif not _phases(pages, item_id) & {"profile", "pre"}:
            reader.problem(place, f"item '{item_id}' is not asked before the briefings "
                           "(on a profile or pre page)")
        elif not item.kind.numeric:
            reader.problem(place, f"item '{item_id}' has no numeric answer")
    reader.no_duplicates(ids, place)
    return tuple(ids)


def _sources(reader, raw, items, pages, proposals) -> tuple[Source, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(t, dict) for t in raw):
        reader.problem(f"{PLACE}.sources", "must list at least one source ([[exchange.sources]])")
        return ()
    sources = []
    for i, table in enumerate(raw):
        place = f"{PLACE}.sources[{i}]"
        reader.unknown(table, {"item", "side", "proposal", "proposal_from"}, place)
        item_id = table.get("item")
        item = items.get(item_id) if isinstance(item_id, str) else None
        if item is None:
            reader.problem(f"{place}.item", f"names item {item_id!r}, which is not defined")
        elif item.type != "text":
            reader.problem(f"{place}.item", f"item '{item_id}' must be a text item")
        elif not _after_outcomes(pages, item_id, {s.get("item") for s in raw}):
            reader.problem(f"{place}.item", f"item '{item_id}' must come after every outcome "
                           "question (on the last post pages, with no other item)")
        side = table.get("side")
        if side not in SIDES:
            reader.problem(f"{place}.side", f"must be 'for' or 'against' (got {side!r})")
        proposal, source_from = table.get("proposal"), table.get("proposal_from")
        if (proposal is None) == (source_from is None):
            reader.problem(place, "give one of 'proposal' or 'proposal_from'")
        elif proposal is not None and proposal not in proposals:
            reader.problem(f"{place}.proposal", f"names {proposal!r}, which is not a proposal "
                           "module")
        elif source_from is not None:
            chooser = items.get(source_from) if isinstance(source_from, str) else None
            if chooser is None or chooser.type not in ("ranking", "single_choice") or not {
                o.id for o in chooser.options} <= set(proposals):
                reader.problem(f"{place}.proposal_from", f"{source_from!r} must be a ranking or "
                               "single choice whose options are proposal modules")
        sources.append(Source(str(item_id), str(side), proposal, source_from))
    reader.no_duplicates([s.item for s in sources], f"{PLACE}.sources")
    return tuple(sources)


def _after_outcomes(pages: tuple[Page, ...], item_id: str, sources: set) -> bool:
    """Whether ``item_id`` is asked only on post pages that follow every other question."""
    post = [p for p in pages if p.phase == "post"]
    mine = [k for k, p in enumerate(post) if item_id in p.items]
    if not mine or any(p.phase != "post" for p in pages if item_id in p.items):
        return False
    tail = post[min(mine):]
    return all(i in sources for p in tail for i in p.items)


def _file(reader: DefinitionReader, name, place: str) -> str | None:
    """The text of ``name`` inside the survey folder, or None (with a problem noted)."""
    if not isinstance(name, str):
        reader.problem(place, "must name a file in the survey folder")
        return None
    try:
        path = (reader.folder / name).resolve()
        found = reader.folder.resolve() in path.parents and path.is_file()
    except (OSError, ValueError):
        found = False
    if not found:
        reader.problem(place, f"file '{name}' not found in the folder")
        return None
    reader.files_read.add(path)
    try:
        return without_bidi_controls(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        reader.problem(place, f"file '{name}' is not UTF-8 text")
        return None


def _per_language(reader: DefinitionReader, raw: dict, key: str) -> dict[str, tuple[str, str]]:
    """``key.<lang> = "file"`` -> {lang: (file name, text)} for the files that read."""
    files = raw.get(key)
    place = f"{PLACE}.{key}"
    if not isinstance(files, dict):
        reader.problem(place, f"must name a file per language ({key}.en = \"...\")")
        return {}
    for lang in files:
        if lang not in reader.languages:
            reader.problem(f"{place}.{lang}", f"language '{lang}' is not declared")
    texts = {}
    for lang in reader.languages:
        if lang not in files:
            reader.problem(place, f"missing translation for language '{lang}'")
            continue
        text = _file(reader, files[lang], f"{place}.{lang}")
        if text is not None:
            texts[lang] = (files[lang], text)
    return texts


def _statements(reader, raw, key, proposals, limits) -> tuple[Seed, ...]:
    """Seed (``proposals`` given) or placebo statements, the same keys in every language."""
    if key not in raw:
        return ()
    by_lang: dict[str, dict[str, dict]] = {}
    for lang, (name, text) in _per_language(reader, raw, key).items():
        try:
            tables = tomllib.loads(text).get("statements")
        except tomllib.TOMLDecodeError as exc:
            reader.problem("", f"not valid TOML: {exc}", file=name)
            continue
        except RecursionError:
            reader.problem("", "arrays or tables are nested too deeply", file=name)
            continue
        if not isinstance(tables, list) or not tables or not all(
                isinstance(t, dict) for t in tables):
            reader.problem("statements", "must list statements ([[statements]])", file=name)
            continue
        by_lang[lang] = _read_statements(reader, name, tables, proposals, limits)
    if len(by_lang) != len(reader.languages):
        return ()
    first_lang = reader.languages[0]
    first = by_lang[first_lang]
    for lang, found in by_lang.items():
        name = raw[key][lang]
        for k in first.keys() - found.keys():
            reader.problem("statements", f"statement '{k}' is missing (it is in the "
                           f"'{first_lang}' file)", file=name)
        for k in found.keys() - first.keys():
            reader.problem("statements", f"statement '{k}' is not in the '{first_lang}' file",
                           file=name)
        for k in found.keys() & first.keys():
            if (found[k]["proposal"], found[k]["side"]) != (first[k]["proposal"],
                                                            first[k]["side"]):
                reader.problem("statements", f"statement '{k}' has another proposal or side "
                               f"than in the '{first_lang}' file", file=name)
    return tuple(
        Seed(k, Text({lang: by_lang[lang].get(k, {}).get("text", "")
                      for lang in reader.languages}),
             first[k]["proposal"], first[k]["side"])
        for k in first
    )


def _read_statements(reader, name, tables, proposals, limits) -> dict[str, dict]:
    found: dict[str, dict] = {}
    allowed = {"id", "text"} | ({"proposal", "side"} if proposals is not None else set())
    for j, table in enumerate(tables):
        place = f"statements[{j}]"
        for unknown in table.keys() - allowed:
            reader.problem(place, f"unknown key '{unknown}'", file=name)
        key = table.get("id")
        if not isinstance(key, str) or not ID_RE.fullmatch(key):
            reader.problem(place, f"'id' must be lowercase letters, digits or _ (got {key!r})",
                           file=name)
            continue
        if key in found:
            reader.problem("statements", f"duplicate id '{key}'", file=name)
        text = table.get("text")
        if not isinstance(text, str) or not limits[0] <= len(text.strip()) <= limits[1]:
            size = len(text.strip()) if isinstance(text, str) else 0
            reader.problem(f"{place}.text", f"must be {limits[0]} to {limits[1]} characters "
                           f"(got {size})", file=name)
        proposal = side = None
        if proposals is not None:
            proposal, side = table.get("proposal"), table.get("side")
            if proposal not in proposals:
                reader.problem(f"{place}.proposal", f"names {proposal!r}, which is not a "
                               "proposal module", file=name)
            if side not in SIDES:
                reader.problem(f"{place}.side", f"must be 'for' or 'against' (got {side!r})",
                               file=name)
        found[key] = {"text": str(text or "").strip(), "proposal": proposal, "side": side}
    return found


def _words(reader: DefinitionReader, raw: dict) -> Mapping[str, tuple[str, ...]]:
    """Triage word lists: one term a line, ``#`` starts a comment; compared lowercased."""
    if "words" not in raw:
        return MappingProxyType({})
    lists = {}
    for lang, (_name, text) in _per_language(reader, raw, "words").items():
        terms = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
        lists[lang] = tuple(dict.fromkeys(t for t in terms if t))
    return MappingProxyType(lists)


def _check_arms(reader: DefinitionReader, arms: tuple[Arm, ...], has_placebo: bool) -> None:
    """Exposure is crossed with the briefings: each exchange arm has its placebo twin."""
    steps = {(tuple(sorted(a.modules)), a.exchange) for a in arms}
    for i, arm in enumerate(arms):
        if arm.exchange is None:
            continue
        if arm.exchange == "exchange_placebo" and not has_placebo:
            reader.problem(f"arms[{i}].modules", "'exchange_placebo' needs exchange.placebo "
                           "statements")
        twin = next(s for s in EXCHANGE_STEPS if s != arm.exchange)
        if (tuple(sorted(arm.modules)), twin) not in steps:
            reader.problem(f"arms[{i}]", f"no arm with the same briefings ends with '{twin}' "
                           "(exposure must be crossed with the briefings)")
