"""The access log without secrets: set-password tokens, follow-up codes and query strings.

A line of the access log shows the request's path. Some paths carry a
secret (``/admin/set-password/<token>``, ``/c/<slug>/followup/<code>``)
and query strings carry invite codes and panel ids (``?invite=...``,
``?PROLIFIC_PID=...``), so gunicorn is given :class:`RedactingLogger`: the
request line, path, query and referer are logged with those parts replaced
by ``[redacted]``.
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

__all__ = ["redact", "RedactingLogger"]

#: Path segments that are secrets, after the segment that announces them.
_SECRET_SEGMENT = re.compile(r"(/(?:set-password|followup)/)[^/?#\s]+")
_QUERY = re.compile(r"\?[^\s#]*")


def redact(text: str | None) -> str | None:
    """``text`` (a path, URL or request line) with secret segments and the query hidden."""
    if not text:
        return text
    text = _SECRET_SEGMENT.sub(r"\1[redacted]", text)
    return _QUERY.sub("?[redacted]", text)


class RedactingLogger(Logger):
    """gunicorn's logger, with :func:`redact` applied to what names the URL."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f", "{referer}i"):
            if key in atoms:
                atoms[key] = redact(atoms[key])
        if atoms.get("q"):
            atoms["q"] = "[redacted]"
        return atoms
