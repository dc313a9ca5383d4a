"""Error pages and request ids: every error answers with a page of our own.

Each request gets a short random id. It is sent back as ``X-Request-ID``,
added to every log line the app writes while handling the request, and
shown on the server-error page, so a participant who reports "error
reference 3f9c..." leads an administrator straight to the traceback.

The server-error page says what a participant most needs to hear: answers
on pages that were saved are safe, and opening the survey link again
continues where they left off (the resume cookie and the step claimed in
the database make that true, see participant/operations.py).
"""

from __future__ import annotations

import logging
import secrets

from flask import Flask, g, has_request_context, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

__all__ = ["configure_errors", "request_id", "RequestIdFilter"]


def request_id() -> str:
    """The current request's id ("-" outside a request)."""
    if not has_request_context():
        return "-"
    if "request_id" not in g:
        g.request_id = secrets.token_hex(6)
    return g.request_id


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to each record and names it at the start of the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        rid = request_id()
        record.request_id = rid
        if rid != "-" and not getattr(record, "_parley_tagged", False):
            record.msg = f"[request {rid}] {record.msg}"
            record._parley_tagged = True
        return True


#: HTTP errors with a page of their own: code -> (title, text) chosen in _http_page.
PAGES = (400, 403, 405, 413)


def _participant_slug() -> str | None:
    if request.blueprint == "participant":
        return (request.view_args or {}).get("slug")
    return None


def configure_errors(app: Flask) -> None:
    app.logger.addFilter(RequestIdFilter())

    @app.before_request
    def _assign_request_id():
        request_id()

    @app.after_request
    def _send_request_id(response):
        response.headers["X-Request-ID"] = request_id()
        return response

    def http_page(error: HTTPException):
        return render_template(
            "errors/http.html", code=error.code, reason=error.description
        ), error.code

    for code in PAGES:
        app.register_error_handler(code, http_page)

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        # Flask has already logged the traceback (with the request id, through
        # the filter above). The session may be broken: roll it back quietly.
        from app.extensions import db

        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - a dead connection must not hide the page
            app.logger.warning("rollback after a server error failed", exc_info=True)
        context = {"rid": request_id(), "slug": _participant_slug()}
        try:
            return render_template("errors/500.html", **context), 500
        except Exception:  # noqa: BLE001 - the error page itself must never fail
            app.logger.exception("the error page could not be rendered")
            text = (f"Something went wrong. Saved answers are safe: open the survey link "
                    f"again to continue. Error reference: {context['rid']}")
            return text, 500, {"Content-Type": "text/plain; charset=utf-8"}
