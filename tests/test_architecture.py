"""The code's shape, checked: module sizes, what may import what, and the doc that says so.

``docs/architecture.md`` is the map a newcomer reads. Its ``layers`` block
orders the packages of ``app/``; a module may import only modules of its own
line or of the lines above it. Its "Where a change goes" list names the
files each kind of change touches; each of those files must exist.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
MAX_LINES = 450

#: Modules still over MAX_LINES, each with the engineer whose split removes it.
#: Shrinks to nothing; a module may leave the list, never join it.
OVER_THE_LIMIT: dict[str, str] = {}

#: Imports that still go up the layers: (importing module, imported module) ->
#: why, and whose work removes it. Shrinks to nothing; never add to it.
UPWARD_IMPORTS: dict[tuple[str, str], str] = {
    ("app.jobs.tasks", "app"): "the RQ worker's entry point builds the app; rq imports it by name",
    ("app.campaigns.operations", "app.exchange.operations"):
        "exchange (#21): seeds load when a campaign opens; loading them belongs to the "
        "campaign's rules, or the exchange's seeds to a module below campaigns",
    ("app.exchange.operations", "app.jobs.runner"):
        "exchange (#21): a written statement queues its triage job; jobs could offer the "
        "queue below the features",
    ("app.exchange.participant_views", "app.participant.forms"):
        "exchange (#21): its participant pages reuse the journey's ConfirmForm",
    ("app.exchange.participant_views", "app.participant.lookup"):
        "exchange (#21): its participant pages find the participant with the journey's lookup",
    ("app.participant.operations", "app.retention.erasure"):
        "security (#23 item 5): withdrawal erases links and files; erasure belongs below "
        "the journey (it imports app.jobs only for the job folder)",
}


def _python_files(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def test_no_module_is_over_the_line_limit():
    over = {}
    for package in ("app", "surveys", "analysis"):
        for path in _python_files(package):
            n = len(path.read_text(encoding="utf-8").splitlines())
            if n > MAX_LINES:
                over[str(path.relative_to(ROOT))] = n
    unlisted = {p: n for p, n in over.items() if p not in OVER_THE_LIMIT}
    assert not unlisted, f"modules over {MAX_LINES} lines (split them by meaning): {unlisted}"
    gone = set(OVER_THE_LIMIT) - set(over)
    assert not gone, f"no longer over the limit, take them off OVER_THE_LIMIT: {sorted(gone)}"


def layers() -> list[tuple[str, list[str]]]:
    """The ``layers`` block of docs/architecture.md: (name, module prefixes), lowest first."""
    block = re.search(r"```layers\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block, "docs/architecture.md has no ```layers block"
    found = []
    for line in block.group(1).strip().splitlines():
        name, _, modules = line.partition(":")
        found.append((name.strip(), modules.split()))
    return found


def layer_of(module: str, table: list[tuple[str, list[str]]]) -> int:
    """Index of the layer whose longest prefix matches ``module``."""
    best, where = "", None
    for index, (_name, prefixes) in enumerate(table):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
                best, where = prefix, index
    assert where is not None, f"{module} is on no line of the layers block in docs/architecture.md"
    return where


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def app_imports(path: Path) -> set[str]:
    """Every module of ``app`` that ``path`` imports, at module level or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "app" or node.module.startswith("app."):
                # ``from app.x import y`` may name a module y: count the deepest real one.
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    is_module = (ROOT / Path(*sub.split("."))).with_suffix(".py").exists() or (
                        ROOT / Path(*sub.split(".")) / "__init__.py").exists()
                    found.add(sub if is_module else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "app")
    return found


def test_every_app_module_imports_only_its_layer_and_those_below():
    table = layers()
    upward = {}
    for path in _python_files("app"):
        importer = module_name(path)
        for imported in app_imports(path):
            if layer_of(imported, table) > layer_of(importer, table):
                upward[(importer, imported)] = (f"{table[layer_of(importer, table)][0]} -> "
                                                f"{table[layer_of(imported, table)][0]}")
    unlisted = {k: v for k, v in upward.items() if k not in UPWARD_IMPORTS}
    assert not unlisted, "imports that go up the layers of docs/architecture.md:\n" + "\n".join(
        f"  {a} imports {b} ({why})" for (a, b), why in sorted(unlisted.items()))
    gone = set(UPWARD_IMPORTS) - set(upward)
    assert not gone, f"fixed: take them off UPWARD_IMPORTS: {sorted(gone)}"


def test_models_import_no_feature():
    table = layers()
    core = layer_of("app.models", table)
    for path in _python_files("app/models"):
        for imported in app_imports(path):
            assert layer_of(imported, table) == core, f"{path.name} imports {imported}"
            assert not imported.startswith(("app.web", "app.audit", "app.cli_support")), imported


def test_shipped_packages_keep_their_boundaries():
    """surveys imports neither app nor analysis; analysis imports neither app nor surveys."""
    for package, forbidden in (("surveys", ("app", "analysis")), ("analysis", ("app", "surveys"))):
        for path in _python_files(package):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0
                         and node.module else [])
                for name in names:
                    assert name.split(".")[0] not in forbidden, f"{path} imports {name}"


def test_every_module_of_app_is_on_a_line_of_the_layers():
    table = layers()
    for path in _python_files("app"):
        layer_of(module_name(path), table)


KINDS_OF_CHANGE = ("A campaign page", "A participant page or step", "A question type",
                   "An export format", "A report section", "A CLI command", "A migration",
                   "A new feature")


def where_a_change_goes() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## Where a change goes")
    return text[start:text.index("\n## ", start + 1)]


@pytest.mark.parametrize("kind", KINDS_OF_CHANGE)
def test_the_doc_says_where_each_kind_of_change_goes(kind):
    assert f"- **{kind}**:" in where_a_change_goes()


def test_every_path_the_architecture_doc_names_exists():
    text = DOC.read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:app|surveys|analysis|tests|docs)/[^`\s:]*)", text))
    named |= {"README.md"} if "`README.md`" in text else set()
    missing = sorted(p for p in named if "<" not in p and "*" not in p and not (ROOT / p).exists())
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"
    assert len(named) > 40  # the check reads the doc it means to read
