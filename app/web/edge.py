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

A view that takes a file larger than the global ``MAX_CONTENT_LENGTH`` says
so with :func:`in_memory_upload`: its body is then parsed here under its own
limit, with uploaded files kept in memory (never spooled to a temporary
file), and a body over that limit is left for the view to explain.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from flask import Flask, abort, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

__all__ = ["configure_edge_checks", "has_control", "FORBIDDEN_IN_VALUES", "FORBIDDEN_ANYWHERE",
           "IdConverter", "MAX_ID", "in_memory_upload"]

#: Room for a form's other fields and the multipart framing beside its file.
_FORM_ROOM = 64 * 1024


def in_memory_upload(limit: Callable[[], int]):
    """Mark a view that takes one file of up to ``limit()`` bytes, held in memory only."""
    def mark(view):
        view.upload_limit = limit
        return view
    return mark


def _in_memory(total_content_length, content_type, filename, content_length=None):
    return io.BytesIO()


def _prepare_upload() -> bool:
    """Set the marked view's size limit and in-memory files; True if the view is marked."""
    limit = getattr(current_app.view_functions.get(request.endpoint), "upload_limit", None)
    if limit is None:
        return False
    request.max_content_length = limit() + _FORM_ROOM
    request._get_file_stream = _in_memory  # werkzeug's stream factory, before the body is read
    return True

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
        upload = _prepare_upload()
        try:
            form = request.form
        except RequestEntityTooLarge:
            if upload:
                return True  # the view says the file is too large (nothing was read)
            raise
        for key, value in form.items(multi=True):
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
