"""Faults under load: a SIGKILLed server and terminated database connections.

Bot participants walk the example campaign over real HTTP against ``parley
run`` (a subprocess), each with its own cookie jar. Mid-load the server is
killed with SIGKILL and started again, or (PostgreSQL) every connection of
this app is terminated with ``pg_terminate_backend`` again and again. Bots
that lose a request carry on from their cookie, as a browser would.

Afterwards, read straight from the database: every page a bot saw
acknowledged is stored exactly once, no page is stored half, and every
participant finished. The figures (requests tried, 5xx answers, connection
errors, acknowledged pages, lost, duplicated, half pages) are printed.

One command: ``./test.sh tests/fault -s``. Traffic goes to 127.0.0.1 only;
every loop is bounded in count and time.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa

from surveys import EXAMPLE, load_survey
from tests.bots import auto_answer
from tests.conftest import PG_URL

pytestmark = pytest.mark.fault
SURVEY = load_survey(EXAMPLE)
PARLEY = str(Path(sys.executable).parent / "parley")
BOTS = 12
DEADLINE_S = 240
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ACTION_RE = re.compile(r'<form method="post" action="([^"]*/step/[^"]+)"')
LOST = (urllib.error.URLError, ConnectionError, http.client.HTTPException, socket.timeout,
        TimeoutError)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Server:
    """``parley run`` in a subprocess, restartable on the same port."""

    def __init__(self, env: dict, port: int):
        self.env, self.port, self.proc = env, port, None

    def start(self) -> None:
        log = open(os.environ.get("PARLEY_FAULT_LOG", os.devnull), "ab")  # noqa: SIM115
        self.proc = subprocess.Popen([PARLEY, "run", "--no-setup", "--port", str(self.port)],
                                     env=self.env, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        pytest.fail("parley run did not start listening within 60 s")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class Bot:
    """A participant with a cookie jar: starts, answers every page, resumes after a fault."""

    def __init__(self, base: str, figures: Counter, lock: threading.Lock):
        self.base, self.figures, self.lock = base, figures, lock
        self.jar = http.cookiejar.CookieJar()
        # Redirects are not followed: a page submit's own answer (302: saved) is
        # told apart from the next page's load.
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.html = ""
        self.acknowledged: list[str] = []  # step keys whose submit came back moved on
        self.unanswered: str | None = None  # a submit whose answer was an error or lost
        self.done = False

    def count(self, key: str) -> None:
        with self.lock:
            self.figures[key] += 1

    def _open(self, path: str, data: dict | None = None) -> int:
        """Request ``path``; returns the status (the page is in ``html``); 5xx raise."""
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        self.count("requests tried")
        try:
            with self.opener.open(self.base + path, data=body, timeout=20) as r:
                self.html = r.read().decode()
                return r.status
        except urllib.error.HTTPError as exc:
            if exc.code in (302, 303):
                self.html = ""
                return exc.code
            self.count(f"answered {exc.code}")
            if exc.code >= 500:
                self.count("answered 5xx")
            raise

    def start(self) -> None:
        while True:
            try:
                self._open("/c/town/")
                token = CSRF_RE.search(self.html).group(1)
                self._open("/c/town/start", {"csrf_token": unescape(token), "agree": "y"})
                self._open("/c/town/go")
                if ACTION_RE.search(self.html):
                    return
            except LOST as exc:
                if not isinstance(exc, urllib.error.HTTPError):
                    self.count("connection errors")
                time.sleep(0.3)

    def step(self) -> None:
        """Submit the page on screen, or reload /go after a fault."""
        try:
            action = ACTION_RE.search(self.html) if self.html else None
            if action is None:
                self._open("/c/town/go")
                action = ACTION_RE.search(self.html)
                if self.unanswered is not None:  # was that submit saved after all?
                    if action is None or unescape(action.group(1)) != self.unanswered:
                        self.count("submits saved though their answer was 5xx or lost")
                    self.unanswered = None
                if action is None:
                    self.done = "Thank you" in self.html
                    return
            path = unescape(action.group(1))
            key = urllib.parse.unquote(path.split("/step/", 1)[1])
            answers = {}
            if key.startswith("page:"):
                for item_id in SURVEY.page(key.split(":")[1]).items:
                    answers.update(auto_answer(SURVEY.items[item_id]))
            token = unescape(CSRF_RE.search(self.html).group(1))
            self.unanswered = path
            status = self._open(path, {"csrf_token": token, **answers})
            self.unanswered = None
            if status == 302:  # the app's "saved, go on"
                self.acknowledged.append(key)
                self.count("acknowledged submits")
            self.html = ""  # load the next page from /go
        except LOST as exc:
            if not isinstance(exc, urllib.error.HTTPError):  # HTTP errors counted in _open
                self.count("connection errors")
            self.html = ""
            time.sleep(0.2)

    def cookie(self) -> str:
        return next(c.value for c in self.jar if c.name == "parley_town")


def _run(base: str, fault, figures: Counter) -> list[Bot]:
    """Start every bot, arm ``fault`` (called once with a progress check), walk to the end."""
    lock = threading.Lock()
    bots = [Bot(base, figures, lock) for _ in range(BOTS)]
    starters = [threading.Thread(target=b.start) for b in bots]
    for t in starters:
        t.start()
    for t in starters:
        t.join(timeout=120)
    deadline = time.monotonic() + DEADLINE_S

    def walk(bot):
        while not bot.done and time.monotonic() < deadline:
            bot.step()

    walkers = [threading.Thread(target=walk, args=(b,)) for b in bots]
    for t in walkers:
        t.start()
    fault(lambda: figures["acknowledged submits"])
    for t in walkers:
        t.join(timeout=DEADLINE_S + 30)
    return bots


def _check(engine: sa.Engine, bots: list[Bot], figures: Counter, label: str) -> None:
    from app.campaigns.tokens import hash_code
    from app.participant.steps import journey

    with engine.connect() as conn:
        people = conn.execute(sa.text(
            "SELECT id, resume_token_hash, status, module_order FROM participant")).all()
        rows = conn.execute(sa.text(
            "SELECT participant_id, page, module, item, count(*) FROM answer "
            "GROUP BY participant_id, page, module, item")).all()
    by_hash = {h: (pid, status, order) for pid, h, status, order in people}
    stored: dict[tuple, set] = {}
    duplicated = 0
    for pid, page, module, item, n in rows:
        stored.setdefault((pid, page, module or ""), set()).add(item)
        duplicated += n - 1
    lost = half = unfinished = 0
    for bot in bots:
        pid, status, order = by_hash[hash_code(bot.cookie())]
        unfinished += status != "completed"
        steps = {s.key: s for s in journey(SURVEY, order.split("|"))}
        for key in bot.acknowledged:
            s = steps[key]
            if s.kind == "page" and (pid, s.page.id, s.module) not in stored:
                lost += 1
    for (_pid, page, _module), items in stored.items():
        half += items != set(SURVEY.page(page).items)
    figures.update({"answers lost (acknowledged page not stored)": lost,
                    "answers duplicated": duplicated, "pages stored half": half,
                    "participants unfinished": unfinished,
                    "participants": len(people)})
    for key in ("answered 5xx", "connection errors",
                "submits saved though their answer was 5xx or lost"):
        figures.setdefault(key, 0)  # printed even when nothing happened
    print(f"\nfault suite, {label}:")
    for key in sorted(figures):
        print(f"  {key}: {figures[key]}")
    assert len(people) == BOTS, "a start whose answer was lost left an extra participant"
    assert lost == 0 and duplicated == 0 and half == 0
    assert unfinished == 0, "every interrupted participant finishes"
    assert figures["acknowledged submits"] >= BOTS * 3  # the load really ran


def _env(url: str) -> dict:
    return {**os.environ, "DATABASE_URL": url, "PARLEY_SECRET_KEY": "k" * 32,
            "FLASK_DEBUG": "0"}


def _prepare(env: dict) -> None:
    for args in (["db", "upgrade"], ["campaign", "create", "town", "--survey", str(EXAMPLE)],
                 ["campaign", "open", "town"]):
        subprocess.run([PARLEY, *args], env=env, check=True, capture_output=True, timeout=120)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """(DATABASE_URL for the server, engine for the checks, application name)."""
    if request.param == "sqlite":
        path = tmp_path / "parley.sqlite"
        engine = sa.create_engine(f"sqlite:///{path}")
        yield f"sqlite:///{path}", engine, None
        engine.dispose()
        return
    request.getfixturevalue("pg_schema")  # skips (or fails on CI) without a server
    schema = f"parley_fault_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    base = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    url = f"{base}?options=-csearch_path%3D{schema}&application_name={schema}"
    engine = sa.create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    yield url, engine, schema
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_a_server_killed_mid_load_loses_and_duplicates_nothing(database):
    url, engine, _name = database
    env = _env(url)
    _prepare(env)
    server = Server(env, free_port())
    server.start()
    figures: Counter = Counter()

    def kill_and_restart(progress):
        deadline = time.monotonic() + 120
        while progress() < BOTS * 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()
        figures["server SIGKILLs"] += 1
        time.sleep(1)
        server.start()

    try:
        bots = _run(f"http://127.0.0.1:{server.port}", kill_and_restart, figures)
    finally:
        server.stop()
    _check(engine, bots, figures, f"SIGKILL ({engine.dialect.name})")


# pg_terminate_backend is PostgreSQL's: SQLite has no server connections to end (its
# process faults are the SIGKILL test above).
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_database_connections_terminated_mid_load_lose_and_duplicate_nothing(database):
    url, engine, name = database
    env = _env(url)
    _prepare(env)
    server = Server(env, free_port())
    server.start()
    figures: Counter = Counter()
    killer = sa.create_engine(PG_URL)

    def terminate_repeatedly(progress):
        deadline = time.monotonic() + 120
        while progress() < BOTS and time.monotonic() < deadline:
            time.sleep(0.05)
        for _ in range(15):  # bounded: 15 rounds, 0.3 s apart
            with killer.connect() as conn:
                figures["backend connections terminated"] += conn.execute(sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name"), {"name": name}).scalar()
            time.sleep(0.3)

    try:
        bots = _run(f"http://127.0.0.1:{server.port}", terminate_repeatedly, figures)
    finally:
        server.stop()
        killer.dispose()
    assert figures["backend connections terminated"] > 0
    _check(engine, bots, figures, "pg_terminate_backend (postgresql)")
