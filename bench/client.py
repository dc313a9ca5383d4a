"""A small, bounded HTTP load client for page saves (loopback only).

Each of ``connections`` threads keeps one keep-alive connection and plays
participants one after another: landing page, consent, then every page of
the journey (POST the form with its CSRF token, follow the redirect with a
GET) until the thanks page, for ``seconds`` seconds. It records, per
participant (by resume code), how many answers it saved, so the benchmark
can check the database afterwards: nothing lost, nothing doubled.

The baseline mode POSTs one form field pair to a one-row-insert server.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ACTION_RE = re.compile(r'<form method="post" action="(/c/[^"]+/step/[^"]+)"')
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class Tally:
    saves: int = 0
    errors: list[str] = field(default_factory=list)
    #: resume code -> answers saved
    saved: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Conn:
    def __init__(self, host: str, port: int):
        assert host in LOOPBACK, "load goes to loopback only"
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        body = urllib.parse.urlencode(form, doseq=True) if form is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        data = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in header or "expires=Thu, 01 Jan 1970" in header:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response.status, response.headers.get("Location"), data


class Alternating(Conn):
    """One browser whose requests go to several app hosts in turn (A, B, A, B, ...).

    What a round-robin reverse proxy does, without a proxy's own CPU in the
    measurement: one keep-alive connection per host, one cookie jar.
    """

    def __init__(self, host: str, ports: list[int]):
        self.conns = [Conn(host, port) for port in ports]
        self.turn = 0
        self.cookies = {}
        for c in self.conns:
            c.cookies = self.cookies  # one browser

    @property
    def conn(self):
        return _CloseAll(self.conns)

    def request(self, method: str, path: str, form: dict | None = None):
        c = self.conns[self.turn % len(self.conns)]
        self.turn += 1
        return c.request(method, path, form)


class _CloseAll:
    def __init__(self, conns):
        self.conns = conns

    def close(self):
        for c in self.conns:
            c.conn.close()


def walk_parley(host, port, slug, answers_for, seconds: float, connections: int) -> Tally:
    """Participants walk the journey for ``seconds``.

    ``answers_for(step_key)`` gives (form fields, number of answers they hold).
    ``port`` may be a list: each participant's requests then go to those app
    hosts in turn.
    """
    tally = Tally()
    stop = time.monotonic() + seconds

    def one():
        while time.monotonic() < stop:
            c = Alternating(host, port) if isinstance(port, list) else Conn(host, port)
            status, _, html = c.request("GET", f"/c/{slug}/")
            token = TOKEN_RE.search(html).group(1)
            status, _, _ = c.request("POST", f"/c/{slug}/start", {"csrf_token": token, "agree": "y"})
            code = c.cookies.get(f"parley_{slug}")
            status, _, html = c.request("GET", f"/c/{slug}/go")
            saved = 0
            while (match := ACTION_RE.search(html)) and time.monotonic() < stop:
                action = match.group(1)
                step = urllib.parse.unquote(action.split("/step/", 1)[1])
                fields, count = answers_for(step)
                form = {"csrf_token": TOKEN_RE.search(html).group(1), **fields}
                t0 = time.perf_counter()
                status, location, _ = c.request("POST", action, form)
                if status != 302 or not location or not location.endswith("/go"):
                    with tally.lock:
                        tally.errors.append(f"POST {step}: {status} -> {location}")
                    break
                status, _, html = c.request("GET", f"/c/{slug}/go")
                elapsed = time.perf_counter() - t0
                if status != 200:
                    with tally.lock:
                        tally.errors.append(f"GET after {step}: {status}")
                    break
                saved += count
                with tally.lock:
                    tally.saves += 1
                    tally.latencies.append(elapsed)
            with tally.lock:
                tally.saved[code] = saved
            c.conn.close()

    threads = [threading.Thread(target=one) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally


def post_rows(host, port, seconds: float, connections: int) -> Tally:
    """The baseline: each request POSTs one row."""
    tally = Tally()
    stop = time.monotonic() + seconds

    def one(n):
        c = Conn(host, port)
        i = 0
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            status, _, _ = c.request("POST", "/", {"participant": f"p{n}", "value": str(i % 7)})
            elapsed = time.perf_counter() - t0
            with tally.lock:
                if status != 200:
                    tally.errors.append(f"POST: {status}")
                    return
                tally.saves += 1
                tally.latencies.append(elapsed)
                tally.saved[f"p{n}"] = tally.saved.get(f"p{n}", 0) + 1
            i += 1
        c.conn.close()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally
