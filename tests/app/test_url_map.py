"""Every URL answers as before: the site's URL map against a committed snapshot.

The snapshot (``url_map.txt`` next to this file) lists each rule with its
methods, one per line, sorted; endpoint names are left out on purpose, so
code can move between packages and blueprints while the map stays the same.
A new page changes the map: add its line to the snapshot in the same commit.
"""

from __future__ import annotations

import re
from pathlib import Path

from app import create_app

SNAPSHOT = Path(__file__).with_name("url_map.txt")


def url_map_lines(app) -> list[str]:
    """``RULE METHODS`` for every rule of ``app``, sorted; HEAD and OPTIONS left out."""
    lines = []
    for rule in app.url_map.iter_rules():
        methods = ",".join(sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"}))
        lines.append(f"{rule.rule} {methods}")
    return sorted(lines)


def test_the_url_map_matches_the_snapshot(tmp_path):
    app = create_app({
        "TESTING": True, "SECRET_KEY": "x", "RATELIMIT_STORAGE_URI": "memory://",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'map.sqlite'}",
    })
    expected = SNAPSHOT.read_text(encoding="utf-8").splitlines()
    actual = url_map_lines(app)
    assert actual == expected, (
        "the URL map changed; if on purpose, update tests/app/url_map.txt:\n"
        + "\n".join(f"- {line}" for line in sorted(set(expected) - set(actual)))
        + "\n" + "\n".join(f"+ {line}" for line in sorted(set(actual) - set(expected)))
    )


def test_no_two_rules_answer_the_same_url_and_method(tmp_path):
    app = create_app({
        "TESTING": True, "SECRET_KEY": "x", "RATELIMIT_STORAGE_URI": "memory://",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'map.sqlite'}",
    })
    pairs = [(rule.rule, m) for rule in app.url_map.iter_rules() for m in rule.methods or ()
             if m not in ("HEAD", "OPTIONS")]
    assert len(pairs) == len(set(pairs))


def test_every_endpoint_named_in_the_code_exists(tmp_path):
    """Each ``url_for("x.y")`` and ``redirect`` target in app/ names a real endpoint.

    A moved view changes its endpoint name; a template that still says the
    old name would only fail when someone opens that page.
    """
    app = create_app({
        "TESTING": True, "SECRET_KEY": "x", "RATELIMIT_STORAGE_URI": "memory://",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'map.sqlite'}",
    })
    root = Path(__file__).resolve().parents[2] / "app"
    named = re.compile(r"""url_for\(\s*['"]([a-z_]+\.[a-z_]+)['"]""")
    missing = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".py", ".html") or "migrations" in path.parts:
            continue
        for endpoint in named.findall(path.read_text(encoding="utf-8")):
            if endpoint not in app.view_functions:
                missing.append(f"{path.relative_to(root.parent)}: {endpoint}")
    assert app.login_manager.login_view in app.view_functions
    assert not missing, "\n".join(missing)
