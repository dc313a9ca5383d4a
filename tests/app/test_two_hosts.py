"""Two app hosts on one PostgreSQL and one Redis, behind a reverse proxy that alternates.

Parley keeps no state between requests in a process that another process
would need: sessions are signed cookies, the campaign cache checks the
campaign's revision on every request, and limits count in Redis. This test
holds it to that (issue 24, 5). Two ``parley run`` processes ("hosts"), each
with its own instance folder (``PARLEY_INSTANCE_PATH``) and the same secret
key, serve one database; a small reverse proxy on loopback sends each
client's requests to the hosts in turn (A, B, A, B, ...), adding
``X-Forwarded-For`` as nginx would (``PARLEY_TRUSTED_PROXIES=1``).

- Participants whose every request alternates between the hosts finish, and
  the database holds each page they saw saved exactly once.
- A design edit (the opening time) and a survey upload made through one host
  take effect on the other at once.
- Jobs go through Redis to two RQ workers, each with its own instance folder
  too: an export started through one host is downloadable from either (the
  file is kept in the database, app/jobs/storage.py).
- A campaign paused through one host is paused on the other at once.
- Failed sign-ins and wrong resume codes count across hosts: the eleventh
  sign-in (the 21st code) in a minute is refused, whichever host it reaches,
  though each host alone saw only half of them.
"""

from __future__ import annotations

import http.client
import io
import os
import re
import subprocess
import threading
import time
import urllib.request
import uuid
import zipfile
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

from surveys import EXAMPLE, load_survey
from tests.bots import Bot
from tests.conftest import PG_URL
from tests.fault.test_faults_under_load import PARLEY, Server, free_port
from tests.forms import form_values
from tests.http import HttpClient
from tests.survey_zips import survey_zip

SURVEY = load_survey(EXAMPLE)
REDIS = os.environ.get("PARLEY_TEST_REDIS", "redis://127.0.0.1:6379/0")
PARTICIPANTS = 6
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
#: Hop-by-hop headers a proxy does not pass on (RFC 9110, 7.6.1).
HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
       "upgrade", "host", "content-length"}


class AlternatingProxy:
    """A reverse proxy on 127.0.0.1 that sends each client's requests to the hosts in turn.

    A client names itself in ``X-Test-Client``; ``hosts_seen`` records, per
    client, which host answered each of its requests. ``X-Forwarded-For``
    carries the client's address as the test chooses it (``X-Test-Address``).
    """

    def __init__(self, ports: list[int]):
        self.ports = ports
        self.turn: dict[str, int] = defaultdict(int)
        self.hosts_seen: dict[str, list[int]] = defaultdict(list)
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args):
                pass

            def _forward(self):
                client = self.headers.get("X-Test-Client", "anonymous")
                with proxy.lock:
                    index = proxy.turn[client] % len(proxy.ports)
                    proxy.turn[client] += 1
                    proxy.hosts_seen[client].append(index)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
                headers["X-Forwarded-For"] = self.headers.get("X-Test-Address", "192.0.2.1")
                headers["X-Forwarded-Proto"] = "http"
                headers["X-Forwarded-Host"] = self.headers["Host"]
                headers["X-Forwarded-Port"] = str(proxy.port)
                upstream = http.client.HTTPConnection("127.0.0.1", proxy.ports[index], timeout=120)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    response = upstream.getresponse()
                    data = response.read()
                    self.send_response(response.status)
                    for name, value in response.getheaders():
                        if name.lower() not in HOP:
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("X-Test-Host", str(index))
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    upstream.close()

            do_GET = do_POST = _forward  # noqa: N815 - http.server's method names

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


class Browser(HttpClient):
    """An HttpClient that names itself to the proxy (and the address it comes from)."""

    def __init__(self, base: str, name: str, address: str):
        super().__init__(base)
        self.opener.addheaders = [("X-Test-Client", name), ("X-Test-Address", address)]

    def upload(self, path: str, fields: dict, name: str, filename: str, data: bytes):
        """A multipart/form-data POST with one file, as a browser sends it."""
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                 .encode() for k, v in fields.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: application/zip\r\n\r\n'.encode()
                     + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self._open(urllib.request.Request(
            self.base + path, data=body, method="POST",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}))


def _redis_reachable() -> None:
    import redis  # the limiter's own client, a runtime dependency

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis not reachable at {REDIS}: {exc} (CI=true: this test must run)")
        pytest.skip(f"Redis not reachable at {REDIS}: {exc}")


@pytest.fixture(scope="module")
def hosts(request, tmp_path_factory):
    """Two hosts on one fresh PostgreSQL schema, shared by this module's tests (the pause
    comes last); yields (proxy, its URL, [host A, host B], engine)."""
    tmp_path = tmp_path_factory.mktemp("hosts")
    request.getfixturevalue("pg_schema")  # skips (or fails on CI) without a server
    _redis_reachable()
    schema = f"parley_hosts_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    base = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    env = {**os.environ, "DATABASE_URL": f"{base}?options=-csearch_path%3D{schema}",
           "PARLEY_SECRET_KEY": uuid.uuid4().hex * 2, "PARLEY_RATELIMIT_STORAGE_URI": REDIS,
           "PARLEY_TRUSTED_PROXIES": "1", "FLASK_DEBUG": "0",
           # Jobs go to Redis, on a queue of this run's own, and RQ workers run them.
           "PARLEY_JOBS": "rq", "PARLEY_REDIS_URL": REDIS, "PARLEY_RQ_QUEUE": schema}
    first = {**env, "PARLEY_INSTANCE_PATH": str(tmp_path / "host-a")}
    for args in (["db", "upgrade"], ["campaign", "create", "town", "--survey", str(EXAMPLE)],
                 ["campaign", "open", "town"]):
        subprocess.run([PARLEY, *args], env=first, check=True, capture_output=True, timeout=120)
    subprocess.run([PARLEY, "user", "create", "owner@example.org", "--role", "owner",
                    "--password-stdin"], input="correct horse battery\n", text=True, env=first,
                   check=True, capture_output=True, timeout=120)
    servers = [Server({**env, "PARLEY_INSTANCE_PATH": str(tmp_path / name)}, free_port())
               for name in ("host-a", "host-b")]
    engine = sa.create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    workers = []
    try:
        for name in ("worker-a", "worker-b"):  # each with its own instance folder as well
            folder = tmp_path / name
            folder.mkdir()
            with open(folder / "worker.log", "wb") as log:  # the child keeps its own handle
                workers.append(subprocess.Popen(
                    [PARLEY, "jobs", "worker"], env={**env, "PARLEY_INSTANCE_PATH": str(folder)},
                    stdout=log, stderr=subprocess.STDOUT))
        for server in servers:
            server.start()
        proxy = AlternatingProxy([s.port for s in servers])
        with proxy as url:
            yield proxy, url, servers, engine
    finally:
        for server in servers:
            server.stop()
        for worker in workers:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    # Each host kept its own instance folder; neither wrote into the other's.
    assert (tmp_path / "host-a").is_dir() and (tmp_path / "host-b").is_dir()


def test_participants_alternating_between_hosts_lose_and_double_nothing(hosts):
    proxy, url, _servers, engine = hosts
    bots = [Bot(Browser(url, f"p{i}", f"198.51.100.{i + 1}"), "town", SURVEY)
            for i in range(PARTICIPANTS)]
    errors: list[BaseException] = []

    def walk(bot):
        try:
            assert "Thank you" in bot.walk()
        except BaseException as exc:  # reported below, with the bot's history
            errors.append(exc)

    threads = [threading.Thread(target=walk, args=(b,)) for b in bots]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    for i in range(PARTICIPANTS):
        seen = proxy.hosts_seen[f"p{i}"]
        assert seen[:4] == [0, 1, 0, 1] and set(seen) == {0, 1}  # every request took turns
    with engine.connect() as conn:
        statuses = conn.execute(sa.text("SELECT status, count(*) FROM participant "
                                        "GROUP BY status")).all()
        saved = conn.execute(sa.text("SELECT count(*) FROM page_visit "
                                     "WHERE submitted_at IS NOT NULL")).scalar_one()
        answers = conn.execute(sa.text("SELECT count(*), count(DISTINCT (participant_id, phase, "
                                       "module, item)) FROM answer")).one()
    assert dict(statuses) == {"completed": PARTICIPANTS}  # no start doubled, nobody stuck
    assert saved == sum(len(b.history) for b in bots)  # each page saved once, none lost
    assert answers[0] == answers[1] > 0


def _sign_in(browser: Browser, password: str):
    html = browser.get("/admin/login").get_data(as_text=True)
    return browser.post("/admin/login", {"csrf_token": CSRF.search(html).group(1),
                                         "email": "owner@example.org", "password": password})


def test_failed_sign_ins_count_across_hosts(hosts):
    proxy, url, _servers, _engine = hosts
    attacker = Browser(url, "attacker", "192.0.2.66")
    token = CSRF.search(attacker.get("/admin/login").get_data(as_text=True)).group(1)
    statuses = [attacker.post("/admin/login", {"csrf_token": token, "email": "owner@example.org",
                                               "password": f"wrong {i}"}).status_code
                for i in range(11)]
    posts = proxy.hosts_seen["attacker"][1:]
    assert posts[:10].count(0) == 5 and posts[:10].count(1) == 5  # each host saw five
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429  # the eleventh, counted across both hosts
    # Another address is not held back by the attacker's count.
    assert _sign_in(Browser(url, "owner", "203.0.113.8"), "correct horse battery").status_code == 200


def test_wrong_resume_codes_count_across_hosts(hosts):
    proxy, url, _servers, _engine = hosts
    guesser = Browser(url, "guesser", "192.0.2.77")
    token = CSRF.search(guesser.get("/c/town/resume").get_data(as_text=True)).group(1)
    statuses = [guesser.post("/c/town/resume", {"csrf_token": token,
                                                "code": f"AAAA-BBBB-CCCC-{i:04d}"}).status_code
                for i in range(21)]
    posts = proxy.hosts_seen["guesser"][1:]
    assert posts[:20].count(0) == 10 and posts[:20].count(1) == 10  # each host saw ten
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429  # the 21st, over the limit of 20 a minute across both hosts


def _owner(url: str, name: str) -> Browser:
    owner = Browser(url, name, "203.0.113.9")
    assert _sign_in(owner, "correct horse battery").status_code == 200
    return owner


def _direct(servers) -> list[HttpClient]:
    """A browser talking to each host itself, past the proxy."""
    return [HttpClient(f"http://127.0.0.1:{s.port}") for s in servers]


def test_a_design_edit_on_one_host_takes_effect_on_the_other_at_once(hosts):
    proxy, url, servers, _engine = hosts
    owner = _owner(url, "designer")
    direct = _direct(servers)
    for client in direct:  # both hosts have the open campaign in their caches
        assert 'name="agree"' in client.get("/c/town/").get_data(as_text=True)

    def save_design(opens_at: str) -> None:
        html = owner.get("/admin/campaign/town/design").get_data(as_text=True)
        data = form_values(html, "/design")
        data["opens_at"] = opens_at
        response = owner.post("/admin/campaign/town/design", data)
        assert response.status_code == 200, response.get_data(as_text=True)[:2000]

    tomorrow = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 86400))
    save_design(tomorrow)  # opens tomorrow: nobody new today
    for client in direct:  # the very next request on either host
        html = client.get("/c/town/").get_data(as_text=True)
        assert 'name="agree"' not in html and "not taking new participants" in html
    save_design("")  # open again
    for client in direct:
        assert 'name="agree"' in client.get("/c/town/").get_data(as_text=True)
    assert set(proxy.hosts_seen["designer"]) == {0, 1}


def test_a_survey_uploaded_on_one_host_is_offered_by_the_other(hosts):
    proxy, url, _servers, engine = hosts
    owner = _owner(url, "uploader")
    html = owner.get("/admin/surveys").get_data(as_text=True)
    response = owner.upload("/admin/surveys/upload",
                            {"csrf_token": CSRF.search(html).group(1)}, "archive",
                            "survey.zip", survey_zip())
    assert "was checked and stored" in response.get_data(as_text=True)
    with engine.connect() as conn:
        (name,) = conn.execute(sa.text("SELECT name FROM uploaded_survey")).one()
    seen = proxy.hosts_seen["uploader"]
    # The POST stored it on one host; the page it redirected to came from the other host,
    # which never saw the zip, and lists it.
    assert seen[-1] != seen[-2]
    upload_host = seen[-2]
    assert f"uploaded:{name}" in response.get_data(as_text=True)
    html = owner.get("/admin/campaigns/new").get_data(as_text=True)
    assert f'value="uploaded:{name}"' in html
    # A campaign is made from it on the other host.
    response = owner.post("/admin/campaigns/new", {
        "csrf_token": CSRF.search(html).group(1), "survey": f"uploaded:{name}",
        "slug": "uploaded-town", "title": "Uploaded"})
    assert seen[-2] != upload_host  # the create POST
    assert response.status_code == 200 and "/admin/campaign/uploaded-town/design" in response.url
    with engine.connect() as conn:
        path = conn.execute(sa.text("SELECT survey_path FROM campaign "
                                    "WHERE slug = 'uploaded-town'")).scalar_one()
    assert path == f"uploaded:{name}"


def test_an_export_started_on_one_host_downloads_from_either(hosts):
    proxy, url, servers, engine = hosts
    owner = _owner(url, "exporter")
    html = owner.get("/admin/campaign/town/exports").get_data(as_text=True)
    response = owner.post("/admin/campaign/town/exports",
                          {"csrf_token": CSRF.search(html).group(1), "fmt": "zip"})
    assert response.status_code == 200
    with engine.connect() as conn:
        (job_id,) = conn.execute(sa.text("SELECT max(id) FROM job WHERE kind = 'export'")).one()
    deadline = time.monotonic() + 120
    while True:  # an RQ worker picks it up from Redis
        with engine.connect() as conn:
            status, message, worker = conn.execute(sa.text(
                "SELECT status, message, worker FROM job WHERE id = :id"), {"id": job_id}).one()
        if status in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert status == "done", (status, message)
    bodies = []
    for _ in range(2):  # through each host in turn
        response = owner.get(f"/admin/campaign/town/jobs/{job_id}/download")
        assert response.status_code == 200
        bodies.append(response.get_data())
    assert set(proxy.hosts_seen["exporter"][-2:]) == {0, 1}
    assert bodies[0] == bodies[1]
    with zipfile.ZipFile(io.BytesIO(bodies[0])) as z:
        names = z.namelist()
        assert any(n.endswith("answers.csv") for n in names), names
        assert z.testzip() is None
    # No host's disk holds it: the worker built it in its own folder, stored it, removed it.
    for server in servers:
        assert not list((Path(server.env["PARLEY_INSTANCE_PATH"]) / "jobs").glob("*/*"))
    assert worker  # which worker ran it (host, process, thread)


def test_a_pause_on_one_host_takes_effect_on_the_other_at_once(hosts):
    proxy, url, servers, _engine = hosts
    owner = Browser(url, "owner", "203.0.113.7")
    assert _sign_in(owner, "correct horse battery").status_code == 200  # the dashboard
    for _ in range(2):  # the session is good on both hosts
        page = owner.get("/admin/campaign/town")
        assert page.status_code == 200 and "/admin/login" not in page.url
    page = page.get_data(as_text=True)
    direct = [HttpClient(f"http://127.0.0.1:{s.port}") for s in servers]
    for client in direct:  # both hosts have the open campaign in their caches
        assert 'name="agree"' in client.get("/c/town/").get_data(as_text=True)
    response = owner.post("/admin/campaign/town/status",
                          {"csrf_token": CSRF.search(page).group(1), "status": "paused"})
    assert "Campaign is now paused" in response.get_data(as_text=True)
    for client in direct:  # the very next request on either host
        html = client.get("/c/town/").get_data(as_text=True)
        assert 'name="agree"' not in html, html[:500]
    assert set(proxy.hosts_seen["owner"]) == {0, 1}
