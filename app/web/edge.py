"""Input checks at the edge: control characters never reach a view or the database.

PostgreSQL refuses NUL in text (the request would end in a server error),
SQLite stores it silently, and spreadsheets refuse most C0 control
characters. None of them can be typed into a form, so a request carrying
one is tampered with or broken: it is refused before any view runs, with a
400 page that says what is wrong and that nothing was saved.

Allowed: tab, line feed and carriage return in form *values* (free text is
sent with CRLF line ends). Nothing else below U+0020 and no DEL (U+007F),
anywhere in the path, the query string, form field names or values.

Numbers in URLs (``<int:user_id>``, ``<int:job_id>``) stop at the largest
id a column holds on both backends (2**31 - 1: PostgreSQL's ``integer``):
a larger one matches no route and answers 404, where PostgreSQL would
refuse the query and the request would end in a server error.
"""

from __future__ import annotations

import re

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

__all__ = ["configure_edge_checks", "has_control", "FORBIDDEN_IN_VALUES", "FORBIDDEN_ANYWHERE",
           "IdConverter", "MAX_ID"]

#: The largest id an ``integer`` column holds on PostgreSQL (SQLite's are wider).
MAX_ID = 2**31 - 1

#: Control characters refused in every part of a request that a view reads.
FORBIDDEN_ANYWHERE = re.compile("[\x00-\x1f\x7f]")
#: In form values tab, LF and CR are fine (text areas send CRLF).
FORBIDDEN_IN_VALUES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control(text: str, *, value: bool = False) -> bool:
    """Whether ``text`` holds a control character refused at the edge."""
    pattern = FORBIDDEN_IN_VALUES if value else FORBIDDEN_ANYWHERE
    return pattern.search(text) is not None


def _request_is_clean() -> bool:
    if has_control(request.path):
        return False
    for key, value in request.args.items(multi=True):
        if has_control(key) or has_control(value):
            return False
    if request.method in ("POST", "PUT", "PATCH"):
        for key, value in request.form.items(multi=True):
            if has_control(key) or has_control(value, value=True):
                return False
    return True


class IdConverter(IntegerConverter):
    """``<int:...>`` in a route: as werkzeug's, but no larger than :data:`MAX_ID`."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def configure_edge_checks(app: Flask) -> None:
    """Refuse control characters before any view; bound ids in URLs (before routes exist)."""
    app.url_map.converters["int"] = IdConverter

    @app.before_request
    def _refuse_control_characters():
        if not _request_is_clean():
            abort(400, description="control_characters")
