"""Real HTTP for concurrency tests: the app served by werkzeug, clients over sockets.

``served(app)`` runs the test's app in a threaded werkzeug server on a free
port; ``HttpClient`` speaks to it with its own cookie jar and follows
redirects, and offers the two methods of Flask's test client that
``tests.bots.Bot`` uses, so a bot can walk a survey over real HTTP.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookiejar import CookieJar

from werkzeug.serving import make_server


@contextmanager
def served(app) -> Iterator[str]:
    """The app over HTTP on 127.0.0.1; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    server.socket.listen(512)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class HttpResponse:
    def __init__(self, status: int, body: bytes, url: str):
        self.status_code = status
        self._body = body
        self.url = url

    def get_data(self, as_text: bool = False):
        return self._body.decode("utf-8") if as_text else self._body


class HttpClient:
    """One browser: its own cookies; follows redirects as a browser does (POST -> GET)."""

    def __init__(self, base: str, timeout: float = 120):
        self.base = base
        self.timeout = timeout
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def _open(self, request) -> HttpResponse:
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return HttpResponse(response.status, response.read(), response.url)
        except urllib.error.HTTPError as error:
            with error:
                return HttpResponse(error.code, error.read(), error.url)

    def get(self, path: str, follow_redirects: bool = True) -> HttpResponse:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict, follow_redirects: bool = True) -> HttpResponse:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, method="POST"))
