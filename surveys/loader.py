"""Load a survey folder into a :class:`~surveys.model.Survey`, or say what is wrong.

The loader collects *every* problem it finds (not just the first) and raises
one :class:`SurveyError` listing them, each with the file, the place inside it
(a TOML path such as ``items[3] (rank_plans).options[1]``, an item named by
its id too) and the problem, so an author fixes a definition in one pass.
Nothing half-valid is ever returned.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

from surveys.condition_check import check_conditions
from surveys.conditions import ConditionError, parse
from surveys.display_order import check_item, check_page
from surveys.exchange import read_exchange
from surveys.images import check_image_uses, read_images
from surveys.item_types import REGISTRY, get_type
from surveys.model import EXCHANGE_STEPS, PHASES, Arm, Item, Module, Page, Survey, Text
from surveys.piping import check_pipes
from surveys.reader import (
    DEFINITION_FILE,
    ID_RE,
    DefinitionReader,
    Problem,
    SurveyError,
    duplicates,
    without_bidi_controls,
)

__all__ = ["Problem", "SurveyError", "load_survey", "DEFINITION_FILE"]

#: Language pattern, used with fullmatch (as the reader's ID_RE).
LANG_RE = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")
SUMMARY_RE = re.compile(r"\{summary:([a-z0-9_]+)\}")
#: Keys every item accepts; the rest are its type's (``ItemType.required_keys`` ...).
COMMON_ITEM_KEYS = {"id", "type", "text", "hint", "required", "construct", "post_only", "image",
                    "show_if", "shuffle_options"}
TOP_KEYS = {"survey", "consent", "thanks", "modules", "arms", "pages", "items", "exchange",
            "images"}


class _Reader(DefinitionReader):
    """Reads the sections of a definition (modules, arms, items, pages) into objects."""

    # --- sections ------------------------------------------------------------

    def modules(self, raw: list) -> tuple[Module, ...]:
        modules = []
        for i, table in enumerate(raw):
            place = f"modules[{i}]"
            module_id = self.ident(table, place)
            kind = table.get("kind")
            if kind not in ("proposal", "control"):
                self.problem(f"{place}.kind", f"must be 'proposal' or 'control' (got {kind!r})")
            self.unknown(table, {"id", "kind", "file"}, place)
            titles, summaries, bodies = {}, {}, {}
            for lang, source in self.markdown(table, place).items():
                name = table["file"][lang]
                title, body, summary = split_briefing(source)
                if title is None:
                    self.problem("line 1", "must be the title: '# Title'", file=name)
                if summary is None:
                    self.problem("", "needs '## ' sections; the last one is the summary", name)
                titles[lang], bodies[lang], summaries[lang] = title or "", body, summary or ""
            modules.append(
                Module(module_id, str(kind), Text(titles), Text(summaries), Text(bodies))
            )
        self.no_duplicates([m.id for m in modules], "modules")
        return tuple(modules)

    def arms(self, raw: list, module_ids: set[str]) -> tuple[Arm, ...]:
        arms = []
        for i, table in enumerate(raw):
            place = f"arms[{i}]"
            self.unknown(table, {"id", "modules", "weight", "control"}, place)
            modules = table.get("modules")
            if not isinstance(modules, list) or not modules or not all(
                isinstance(m, str) for m in modules
            ):
                self.problem(f"{place}.modules", "must list at least one module id (as text)")
                modules = []
            exchange = None
            if modules and modules[-1] in EXCHANGE_STEPS:
                exchange, modules = modules[-1], modules[:-1]
                if not modules:
                    self.problem(f"{place}.modules", f"'{exchange}' must follow a briefing module")
            for name in modules:
                if name in EXCHANGE_STEPS:
                    self.problem(f"{place}.modules", f"'{name}' must be the last module")
                elif name not in module_ids:
                    self.problem(f"{place}.modules", f"names module '{name}', which is not defined")
            if len(set(modules)) != len(modules):
                self.problem(f"{place}.modules", "lists a module twice")
            weight = table.get("weight", 1)
            if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= 100:
                self.problem(f"{place}.weight", "must be a whole number from 1 to 100")
                weight = 1
            arms.append(
                Arm(self.ident(table, place), tuple(modules), weight,
                    self.flag(table, "control", place, False), exchange)
            )
        if not arms:
            self.problem("arms", "define at least one arm")
        if sum(a.control for a in arms) > 1:
            self.problem("arms", "at most one arm can be the control")
        self.no_duplicates([a.id for a in arms], "arms")
        return tuple(arms)

    def item(self, table: dict, place: str) -> Item | None:
        """Read one ``[[items]]`` table: the common keys here, the rest by the item's type."""
        item_id = self.ident(table, place)
        type_name = table.get("type")
        if not isinstance(type_name, str) or type_name not in REGISTRY:
            known = ", ".join(sorted(REGISTRY))
            self.problem(f"{place}.type", f"unknown item type {type_name!r} (known: {known})")
            return None
        kind = get_type(type_name)
        allowed = COMMON_ITEM_KEYS | set(kind.required_keys) | set(kind.optional_keys)
        self.unknown(table, allowed, place)
        for key in kind.required_keys:
            if key not in table:
                self.problem(place, f"a {type_name} item needs '{key}'")
        fields = kind.read(table, place, self)
        fields["settings"] = MappingProxyType(
            {k: v for k, v in fields.get("settings", {}).items() if v is not None}
        )
        construct = table.get("construct")
        if construct is not None and not (isinstance(construct, str)
                                          and ID_RE.fullmatch(construct)):
            self.problem(f"{place}.construct", "must be a lowercase identifier")
        item = Item(
            id=item_id,
            type=type_name,
            kind=kind,
            text=self.text(table, "text", place) or Text({}),
            hint=self.text(table, "hint", place, required=False),
            required=self.flag(table, "required", place, True),
            construct=construct,
            post_only=self.flag(table, "post_only", place, False),
            image=table.get("image"),
            show_if=self.condition(table, place),
            shuffle_options=self.flag(table, "shuffle_options", place, False),
            **fields,
        )
        check_item(item, place, self)
        return item

    def condition(self, table: dict, place: str):
        """Parse ``show_if`` (checked against the items once all are read)."""
        if "show_if" not in table:
            return None
        try:
            return parse(table["show_if"])
        except ConditionError as exc:
            self.problem(f"{place}.show_if", str(exc))
            return None

    def pages(self, raw: list, items: dict[str, Item],
              groups: dict[str, tuple[str, ...]]) -> tuple[Page, ...]:
        """Read the pages; a composite item's id (a grid) stands for its items (the rows)."""
        pages = []
        for i, table in enumerate(raw):
            place = f"pages[{i}]"
            self.unknown(table, {"id", "phase", "title", "intro", "items", "show_if",
                                 "shuffle_items"}, place)
            phase = table.get("phase")
            if phase not in PHASES:
                allowed = ", ".join(PHASES)
                self.problem(f"{place}.phase", f"must be one of {allowed} (got {phase!r})")
            ids = table.get("items")
            if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
                self.problem(f"{place}.items", "must list at least one item id (as text)")
                ids = []
            for item_id in ids:
                if item_id not in items and item_id not in groups:
                    self.problem(f"{place}.items", f"names item '{item_id}', which is not defined")
            ids = [part for item_id in ids for part in groups.get(item_id, (item_id,))]
            pages.append(Page(
                self.ident(table, place), str(phase), tuple(ids),
                self.text(table, "title", place, required=False),
                self.text(table, "intro", place, required=False),
                self.condition(table, place),
                self.flag(table, "shuffle_items", place, False),
            ))
            check_page(pages[-1], items, place, self)
        self.no_duplicates([p.id for p in pages], "pages")
        self.check_phases(pages, items)
        return tuple(pages)

    def check_phases(self, pages: list[Page], items: dict[str, Item]) -> None:
        in_phase: dict[str, list[str]] = {phase: [] for phase in PHASES}
        for page in pages:
            in_phase.setdefault(page.phase, []).extend(page.items)
        for phase, ids in in_phase.items():
            for dup in duplicates(ids):
                self.problem("pages", f"item '{dup}' is on more than one {phase} page")
        # Sets for every membership test: a definition of thousands of items
        # must load in time linear in its size (lists made it quadratic).
        pre, pre_set = in_phase["pre"], set(in_phase["pre"])
        post_twins = [i for i in in_phase["post"] if i in items and not items[i].post_only]
        twin_set = set(post_twins)
        for item_id in post_twins:
            if item_id not in pre_set:
                self.problem("pages", f"post item '{item_id}' has no pre twin "
                             "(ask it on a pre page, or mark it post_only = true)")
        shared = [i for i in pre if i in twin_set]
        asked = [i for i in post_twins if i in pre_set]
        if asked != shared:
            k = next((k for k, (a, b) in enumerate(zip(asked, shared, strict=False)) if a != b), 0)
            page = next(p.id for p in pages if p.phase == "post" and asked[k] in p.items)
            self.problem("pages", f"post page '{page}' asks '{asked[k]}' before '{shared[k]}', "
                         f"but the pre pages ask '{shared[k]}' first: keep the pre order")
        # The follow-up wave repeats the post pages by itself; its own pages
        # hold questions of their own, so one (participant, followup, item)
        # row can only mean one question.
        elsewhere = {i: phase for phase, ids in in_phase.items() if phase != "followup"
                     for i in ids}
        for item_id in in_phase["followup"]:
            if item_id in elsewhere:
                self.problem("pages", f"item '{item_id}' is on a followup page and on a "
                             f"{elsewhere[item_id]} page: a followup page asks questions of "
                             "its own (the follow-up repeats the post pages by itself)")
        used = {i for ids in in_phase.values() for i in ids}
        for item_id in items:
            if item_id not in used:
                self.problem("items", f"item '{item_id}' is on no page")
        for item_id, item in items.items():
            if item.post_only and item_id in pre_set:
                self.problem("pages", f"item '{item_id}' is post_only but is on a pre page")

def split_briefing(source: str) -> tuple[str | None, str, str | None]:
    """Split a module file into (title, body, summary).

    The title is the first line's ``# Title``; the body is everything after
    it; the summary is the text of the last ``## `` section.
    """
    lines = source.strip().splitlines()
    title = None
    if lines and lines[0].startswith("# "):
        title = lines[0][2:].strip()
        lines = lines[1:]
    body = "\n".join(lines).strip()
    starts = [i for i, line in enumerate(lines) if line.startswith("## ")]
    summary = None
    if starts:
        summary = " ".join(s.strip() for s in lines[starts[-1] + 1 :] if s.strip()) or None
    return title, body, summary


def load_survey(folder: str | Path) -> Survey:
    """Load and validate the survey in ``folder``; raise SurveyError listing every problem."""
    folder = Path(folder)
    path = folder / DEFINITION_FILE
    if not path.is_file():
        raise SurveyError([Problem(str(folder), "", f"no {DEFINITION_FILE} in this folder")])
    try:
        data = without_bidi_controls(tomllib.loads(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise SurveyError([Problem(DEFINITION_FILE, "", f"not valid TOML: {exc}")]) from None
    except UnicodeDecodeError as exc:
        raise SurveyError([Problem(DEFINITION_FILE, "", f"not UTF-8 text: {exc}")]) from None
    except RecursionError:  # tomllib (and the walk above) recurse once per level
        raise SurveyError([Problem(DEFINITION_FILE, "", "arrays or tables are nested too "
                                   "deeply (a survey needs a few levels, not hundreds)")]) from None
    reader = _Reader(folder)
    reader.files_read.add(path.resolve())
    reader.unknown(data, TOP_KEYS, "")
    head = data.get("survey")
    if not isinstance(head, dict):
        raise SurveyError([Problem(DEFINITION_FILE, "survey", "missing the [survey] table")])
    reader.unknown(head, {"id", "title", "languages"}, "survey")
    languages = head.get("languages")
    if (
        not isinstance(languages, list)
        or not languages
        or not all(isinstance(lang, str) and LANG_RE.fullmatch(lang) for lang in languages)
    ):
        reader.problem("survey.languages", "must list language codes, e.g. [\"en\", \"de\"]")
        languages = ["en"]
    if len(set(languages)) != len(languages):
        reader.problem("survey.languages", "lists a language twice")
    reader.languages = tuple(dict.fromkeys(languages))
    survey_id = reader.ident(head, "survey")
    title = reader.text(head, "title", "survey")
    consent_table = _table(reader, data, "consent", {"file"})
    consent = reader.markdown(consent_table, "consent")
    thanks = reader.text(_table(reader, data, "thanks", {"text"}), "text", "thanks", required=False)
    images = read_images(reader, _tables(reader, data, "images"))
    module_tables = _tables(reader, data, "modules")
    modules = reader.modules(module_tables)
    arms = reader.arms(_tables(reader, data, "arms"), {m.id for m in modules})
    items: dict[str, Item] = {}
    #: composite items (a rating grid) -> the ids of the items they stand for
    groups: dict[str, tuple[str, ...]] = {}
    item_tables = _tables(reader, data, "items")
    where = [item_place(i, table) for i, table in enumerate(item_tables)]
    for i, table in enumerate(item_tables):
        item = reader.item(table, where[i])
        if item is None:
            continue
        if item.id in items or item.id in groups:
            reader.problem(where[i], f"duplicate id '{item.id}'")
        parts = item.kind.expand(item, table, where[i], reader)
        if tuple(p.id for p in parts) != (item.id,):
            groups[item.id] = tuple(p.id for p in parts)
            for part in parts:
                if part.id in items or part.id in groups:
                    reader.problem(where[i], f"duplicate id '{part.id}' (a row of "
                                   f"'{item.id}')")
        items.update((p.id, p) for p in parts)
    pages = reader.pages(_tables(reader, data, "pages"), items, groups)
    for i, table in enumerate(item_tables):
        # An id of the wrong type (a list, a table) was reported above; skip it here.
        target = items.get(table.get("id")) if isinstance(table.get("id"), str) else None
        if target is not None:
            target.kind.check_references(target, items, where[i], reader)
    module_ids = {m.id for m in modules}
    places = {t.get("id"): where[i] for i, t in enumerate(item_tables)
              if isinstance(t.get("id"), str)}
    items = {
        k: _with_summaries(reader, v, places.get(k, "items"), modules, module_ids)
        for k, v in items.items()
    }
    row_places = {part: places[grid] for grid, parts in groups.items() if grid in places
                  for part in parts}
    check_conditions(reader, pages, items, {**row_places, **places})
    raw_modules = data.get("modules") if isinstance(data.get("modules"), list) else []
    files = {(t.get("id"), lang): name for t in raw_modules
             if isinstance(t, dict) and isinstance(t.get("file"), dict)
             for lang, name in t["file"].items()}
    check_pipes(items, pages, modules, places, files, reader)
    exchange = read_exchange(reader, data.get("exchange"), items, pages, modules, arms)
    check_image_uses(reader, images, _markdown_texts(consent_table, consent, module_tables,
                                                     modules), items, places)
    if reader.problems:
        raise SurveyError(reader.problems)
    return Survey(
        id=survey_id,
        version=_version(folder, reader.files_read),
        title=title or Text({}),
        languages=reader.languages,
        consent=Text(consent),
        modules=modules,
        arms=arms,
        pages=pages,
        items=MappingProxyType(items),
        thanks=thanks,
        exchange=exchange,
        images=images,
    )


def item_place(index: int, table: dict) -> str:
    """Where an ``[[items]]`` table is, named by its id when it has one: ``items[10] (trust)``."""
    item_id = table.get("id")
    if isinstance(item_id, str) and ID_RE.fullmatch(item_id):
        return f"items[{index}] ({item_id})"
    return f"items[{index}]"


def _table(reader: _Reader, data: dict, key: str, allowed: set[str]) -> dict:
    raw = data.get(key, {})
    if not isinstance(raw, dict):
        reader.problem(key, f"must be a table ([{key}])")
        return {}
    reader.unknown(raw, allowed, key)
    return raw


def _tables(reader: _Reader, data: dict, key: str) -> list[dict]:
    raw = data.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        reader.problem(key, f"must be an array of tables ([[{key}]])")
        return []
    return raw


def _markdown_texts(consent_table: dict, consent: dict, module_tables: list, modules):
    """(file name, text) of every Markdown text read: where images may be placed."""
    texts = [(consent_table["file"][lang], text) for lang, text in consent.items()]
    for table, module in zip(module_tables, modules, strict=False):
        texts += [(table["file"][lang], body) for lang, body in module.body.items() if body]
    return texts


def _with_summaries(reader, item: Item, place: str, modules, module_ids: set[str]) -> Item:
    """Replace ``{summary:MODULE}`` in the item's text with that module's summary."""
    texts = {}
    for lang, text in item.text.items():
        for name in SUMMARY_RE.findall(text):
            if name not in module_ids:
                reader.problem(f"{place}.text.{lang}", f"no module '{name}' to summarise")
        if "{summary" in SUMMARY_RE.sub("", text):
            reader.problem(f"{place}.text.{lang}", "write a summary as {summary:module_id}")
        summaries = {mod.id: mod.summary.get(lang, "") for mod in modules}
        texts[lang] = SUMMARY_RE.sub(
            lambda m, found=summaries: found.get(m.group(1), m.group(0)), text
        )
    return replace(item, text=Text(texts))


def _version(folder: Path, files: set[Path]) -> str:
    """SHA-256 over the definition and every file it references, by relative path."""
    digest = hashlib.sha256()
    root = folder.resolve()
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
