"""A killed server process loses nothing: every saved page survives SIGKILL.

Runs the real ``parley`` command in a subprocess on a SQLite file (the
embedded default), takes part over HTTP, kills the server with SIGKILL,
starts it again and carries on from the same browser cookie.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from surveys import EXAMPLE, load_survey
from tests.bots import auto_answer

SURVEY = load_survey(EXAMPLE)
PARLEY = str(Path(sys.executable).parent / "parley")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """Just enough of a browser: cookies, redirects, forms."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as r:
            self.html = r.read().decode()
        return self.html

    def post(self, path: str, data: dict) -> str:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.html).group(1)
        body = urllib.parse.urlencode({"csrf_token": token, **data}, doseq=True).encode()
        with self.opener.open(self.base + path, data=body, timeout=10) as r:
            self.html = r.read().decode()
        return self.html

    def submit_current(self) -> str:
        action = re.search(r'action="(/c/[^"]+/step/[^"]+)"', self.html).group(1)
        step = urllib.parse.unquote(action.split("/step/", 1)[1])
        answers = {}
        if step.startswith("page:"):
            for item_id in SURVEY.page(step.split(":")[1]).items:
                answers.update(auto_answer(SURVEY.items[item_id]))
        return self.post(action, answers)


def start_server(env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([PARLEY, "run", "--no-setup", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        # Ready when it answers HTTP, not when the port accepts: gunicorn's
        # master listens before its worker has booted.
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            return proc
        except urllib.error.HTTPError:
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("parley run did not start listening within 30 s")


def test_saved_pages_survive_a_killed_server(tmp_path):
    db_path = tmp_path / "parley.sqlite"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "PARLEY_SECRET_KEY": "k" * 32,
           "FLASK_DEBUG": "0"}
    for args in (["db", "upgrade"], ["campaign", "create", "town", "--survey", str(EXAMPLE)],
                 ["campaign", "open", "town"]):
        subprocess.run([PARLEY, *args], env=env, check=True, capture_output=True)
    port = free_port()
    server = start_server(env, port)
    browser = Browser(f"http://127.0.0.1:{port}")
    try:
        browser.get("/c/town/")
        browser.post("/c/town/start", {"agree": "y"})
        browser.submit_current()  # about you
        browser.submit_current()  # before
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    with sqlite3.connect(db_path) as conn:
        saved = conn.execute("SELECT phase, item, value, text FROM answer ORDER BY id").fetchall()
    expected = len(SURVEY.page("about").items) + len(SURVEY.page("before").items)
    assert len(saved) == expected

    server = start_server(env, port)
    try:
        html = browser.get("/c/town/go")  # the same cookie: back where they stopped
        assert "I have read this, continue" in html
        browser.submit_current()
    finally:
        server.terminate()
        server.wait()
    with sqlite3.connect(db_path) as conn:
        after = conn.execute("SELECT phase, item, value, text FROM answer ORDER BY id").fetchall()
        step = conn.execute("SELECT step FROM participant").fetchone()[0]
    assert after[: len(saved)] == saved
    assert step.startswith("page:on_module:")
