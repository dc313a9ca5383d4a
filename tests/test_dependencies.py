"""Every third-party module the shipped packages import is a declared runtime dependency.

A module installed by hand into a developer's virtualenv passes every test
there and fails on a fresh clone (``./run.sh`` installs only the runtime
dependencies). This test reads the imports of ``app``, ``surveys`` and
``analysis`` with ``ast`` and maps each top-level module to its distribution
through ``importlib.metadata``.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("app", "surveys", "analysis")


def _imported_top_level_modules() -> dict[str, str]:
    """Top-level module name -> one file that imports it."""
    found: dict[str, str] = {}
    for package in SHIPPED:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue  # Alembic's own scripts run with Flask-Migrate, declared
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def _name(requirement: str) -> str:
    return _normalise(re.split(r"[\[<>=!~; (]", requirement.strip(), maxsplit=1)[0])


def _installed_by_runtime_install() -> set[str]:
    """The declared runtime dependencies and everything they require in turn.

    A module such as ``click`` (Flask's) or ``werkzeug`` is always there when
    Flask is; requirements behind an extra marker are left out, since the
    runtime install does not ask for extras.
    """
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    todo = [_name(r) for r in project["dependencies"]]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            needs = requires(name) or []
        except PackageNotFoundError:
            continue
        todo.extend(_name(r) for r in needs if "extra ==" not in r.replace('"', "'").replace("'", ""))
    return seen


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_third_party_import_is_a_declared_runtime_dependency():
    declared = _installed_by_runtime_install()
    distributions = packages_distributions()
    missing = []
    for module, where in sorted(_imported_top_level_modules().items()):
        if module in SHIPPED or module in sys.stdlib_module_names:
            continue
        owners = {_normalise(d) for d in distributions.get(module, [])}
        if not owners:
            missing.append(f"{module} (imported in {where}) is not installed at all")
        elif not owners & declared:
            missing.append(f"{module} (imported in {where}) comes from {sorted(owners)}, "
                           "which no runtime dependency in pyproject.toml brings")
    assert missing == []
