"""Parley's one benchmark command (``bench/run``): Parley beside its framework's ceiling.

Starts every server itself on loopback, each under gunicorn with 2 sync
workers (oTree under its own ``otree prodserver``), and measures in
interleaved rounds, so the ratios compare figures taken under the same load:

- http: participant page GET (``about_you``) with wrk at 16 connections:
  bare Flask hello world, a bare Flask page with a 20-field WTForms form,
  Parley on SQLite and PostgreSQL, and oTree 6's page with 20 fields; then
  page saves (POST + redirected GET) by participants walking the journey,
  against one POST inserting one row through Flask-SQLAlchemy, with the
  database checked afterwards (nothing lost, nothing doubled).
- export: every format at each size against a plain DB-API dump of the same
  rows, time and peak memory (VmHWM) of each in a process of its own.
- analysis: ``bench/analysis_report.py``'s stages (generate, write_report)
  at several sizes.
- hosts: page saves with one app host and with two on one PostgreSQL and one
  Redis (``bench/hosts.py``); not in the default run.
- steps: the exchange step beside survey pages (card view vs page view,
  rating save vs page save, in app CPU) and the moderation queue at 10,000
  pending statements (``bench/exchange_steps.py``).

Writes bench/RESULTS.md (date, machine, command, load average, figures,
the goals' ratios) on top of what the file held, which stays below under
"Earlier runs". Needs wrk (``apt-get install wrk``), PostgreSQL on
127.0.0.1:5432 (database ``test``) and oTree in bench/.otree-venv (made on
first use: ``python3 -m venv bench/.otree-venv && bench/.otree-venv/bin/pip
install otree``; never a dependency of Parley).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BIN = Path(sys.executable).parent
OTREE = ROOT / "bench" / ".otree-venv" / "bin" / "otree"
PG = "postgresql://postgres@127.0.0.1:5432/test"
SLUG = "peace-in-europe"
RESULTS = ROOT / "bench" / "RESULTS.md"
CONNECTIONS = 16


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server process on loopback, started and stopped by the benchmark."""

    def __init__(self, name: str, argv: list[str], env: dict, path: str = "/",
                 cwd: Path = ROOT):
        self.name, self.port = name, free_port()
        argv = [a.replace("{port}", str(self.port)) for a in argv]
        fd, self.log_path = tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")
        self.log = os.fdopen(fd, "wb")
        self.proc = subprocess.Popen(argv, env={**os.environ, **env}, cwd=cwd, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + path, timeout=2).read()
                return
            except urllib.error.HTTPError:  # it answers
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.3)
        self.stop()
        raise SystemExit(f"{name} did not start; log: {self.log_path}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def gunicorn(name: str, target: str, env: dict, path: str = "/") -> Server:
    return Server(name, [str(BIN / "gunicorn"), "-w", "2", "-b", "127.0.0.1:{port}",
                         "--no-control-socket", "--log-level", "warning", target], env, path)


def pg_schema() -> tuple[str, str]:
    """A fresh schema and a URL whose connections use it."""
    import sqlalchemy as sa

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(PG.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return schema, f"{PG}?options=-csearch_path%3D{schema}"


def drop_schema(schema: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(PG.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def prepare_parley(url: str) -> None:
    """Migrate the database and open the flagship campaign (in a process of its own)."""
    code = ("from app import create_app; from app.setup import prepare_flagship; "
            "from surveys import FLAGSHIP\n"
            "app = create_app()\nwith app.app_context(): prepare_flagship(FLAGSHIP)\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "DATABASE_URL": url, "PARLEY_SECRET_KEY": "bench"})


def parley_env(url: str) -> dict:
    """A Parley server's settings: gunicorn -w 2 needs limit counts shared by its workers,
    so in Redis (the app refuses per-worker memory counts), as a deployment would."""
    return {"DATABASE_URL": url, "PARLEY_SECRET_KEY": "bench", "PYTHONPATH": str(ROOT),
            "PARLEY_RATELIMIT_STORAGE_URI": os.environ.get("PARLEY_BENCH_REDIS",
                                                           "redis://127.0.0.1:6379/0")}


# --------------------------------------------------------------------------- load


def wrk(url: str, seconds: int, headers: dict | None = None) -> dict:
    argv = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url]
    for key, value in (headers or {}).items():
        argv += ["-H", f"{key}: {value}"]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(pct: str) -> float:
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)\b", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {"rps": rps, "p50": ms("50"), "p99": ms("99"),
            "bad": int(bad.group(1)) if bad else 0, "socket_errors": errors.group(0) if errors else ""}


def participant_cookie(server: Server) -> dict:
    """A participant on the about-you page: the cookie wrk sends."""
    from bench.client import Conn

    c = Conn("127.0.0.1", server.port)
    _, _, html = c.request("GET", f"/c/{SLUG}/")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    c.request("POST", f"/c/{SLUG}/start", {"csrf_token": token, "agree": "y"})
    _, _, html = c.request("GET", f"/c/{SLUG}/go")
    assert 'name="q_country"' in html, "not on the about-you page"
    return {"Cookie": f"parley_{SLUG}={c.cookies[f'parley_{SLUG}']}"}


def flagship_answers():
    """``answers_for(step)``: the form fields of a flagship step and how many answers they
    hold (a card's rating or a pair's choice holds none: they are not answers)."""
    from surveys import FLAGSHIP, load_survey
    from tests.bots import auto_answer

    survey = load_survey(FLAGSHIP)
    cache: dict[str, tuple[dict, int]] = {}

    def answers_for(step: str) -> tuple[dict, int]:
        if step not in cache:
            fields: dict = {}
            n = 0
            if step.startswith("page:"):
                for item_id in survey.page(step.split(":")[1]).items:
                    fields.update(auto_answer(survey.items[item_id]))
                    n += 1
            elif step.startswith("card:"):  # an exchange arm's card: a rating, not an answer
                fields = {"fair": "yes"}
            elif step.startswith("pair:"):
                fields = {"chosen": "left"}
            cache[step] = (fields, n)
        return cache[step]

    return answers_for


def check_parley(url: str, saved: dict[str, int]) -> tuple[bool, str]:
    """Every participant has exactly the answers the client saved."""
    import sqlalchemy as sa

    from app.campaigns.tokens import hash_code

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.text(
            "SELECT p.resume_token_hash, count(a.id) FROM participant p "
            "LEFT JOIN answer a ON a.participant_id = p.id GROUP BY p.resume_token_hash"
        )).all())
    engine.dispose()
    expected = {hash_code(code): n for code, n in saved.items()}
    wrong = {h: (n, stored.get(h)) for h, n in expected.items() if stored.get(h) != n}
    return not wrong, f"{sum(expected.values())} answers of {len(expected)} participants checked"


def check_rows(url: str, saved: dict[str, int]) -> tuple[bool, str]:
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.text(
            "SELECT participant, count(*) FROM row GROUP BY participant")).all())
    engine.dispose()
    return stored == saved, f"{sum(saved.values())} rows checked"


def bench_http(args, report: dict) -> None:
    from bench.client import post_rows, walk_parley

    tmp = Path(tempfile.mkdtemp(prefix="parley-bench-http-"))
    schemas, servers = [], {}
    try:
        sqlite_url = f"sqlite:///{tmp / 'parley.sqlite'}"
        pg_parley_schema, pg_url = pg_schema()
        pg_insert_schema, pg_insert_url = pg_schema()
        schemas += [pg_parley_schema, pg_insert_schema]
        insert_sqlite = f"sqlite:///{tmp / 'insert.sqlite'}"
        for url in (sqlite_url, pg_url):
            prepare_parley(url)
        for url in (insert_sqlite, pg_insert_url):  # create the table before the workers start
            subprocess.run([sys.executable, "-c", "import bench.servers.insert"], cwd=ROOT,
                           env={**os.environ, "BENCH_DATABASE_URL": _sa(url)}, check=True)
        servers["hello"] = gunicorn("hello", "bench.servers.hello:app", {})
        servers["form20"] = gunicorn("form20", "bench.servers.form20:app", {})
        servers["parley-sqlite"] = gunicorn("parley-sqlite", "app:create_app()",
                                            parley_env(sqlite_url), f"/c/{SLUG}/")
        servers["parley-pg"] = gunicorn("parley-pg", "app:create_app()", parley_env(pg_url),
                                        f"/c/{SLUG}/")
        servers["insert-sqlite"] = gunicorn("insert-sqlite", "bench.servers.insert:app",
                                            {"BENCH_DATABASE_URL": _sa(insert_sqlite)}, "/x")
        servers["insert-pg"] = gunicorn("insert-pg", "bench.servers.insert:app",
                                        {"BENCH_DATABASE_URL": _sa(pg_insert_url)}, "/x")
        otree_url = None
        if not args.skip_otree:
            servers["otree"], otree_url = start_otree()
        gets = {
            "hello": (servers["hello"].url + "/", None),
            "form20": (servers["form20"].url + "/", None),
            "parley-sqlite": (servers["parley-sqlite"].url + f"/c/{SLUG}/go",
                              participant_cookie(servers["parley-sqlite"])),
            "parley-pg": (servers["parley-pg"].url + f"/c/{SLUG}/go",
                          participant_cookie(servers["parley-pg"])),
        }
        if otree_url:
            gets["otree"] = (otree_url, None)
        report["load_before_http"] = os.getloadavg()
        results: dict[str, list] = {name: [] for name in gets}
        for _round in range(args.rounds):
            for name, (url, headers) in gets.items():
                wrk(url, 2, headers)  # warm-up
                results[name].append(wrk(url, args.seconds, headers))
        report["get"] = results
        answers_for = flagship_answers()
        saves: dict[str, list] = {n: [] for n in ("parley-sqlite", "parley-pg", "insert-sqlite",
                                                  "insert-pg")}
        checks: dict[str, list] = {n: [] for n in saves}
        for _round in range(args.rounds):
            for name in saves:
                server = servers[name]
                if name.startswith("parley"):
                    tally = walk_parley("127.0.0.1", server.port, SLUG, answers_for,
                                        args.seconds, CONNECTIONS)
                    ok = check_parley(sqlite_url if name.endswith("sqlite") else pg_url,
                                      _all_saved(checks[name], tally.saved))
                else:
                    tally = post_rows("127.0.0.1", server.port, args.seconds, CONNECTIONS)
                    ok = check_rows(insert_sqlite if name.endswith("sqlite") else pg_insert_url,
                                    _all_saved(checks[name], tally.saved, add=True))
                lat = sorted(tally.latencies) or [0.0]
                saves[name].append({
                    "per_s": tally.saves / args.seconds, "errors": tally.errors[:5],
                    "n_errors": len(tally.errors), "db_ok": ok[0], "db_check": ok[1],
                    "p50": 1000 * lat[len(lat) // 2], "p99": 1000 * lat[int(0.99 * (len(lat) - 1))],
                })
        report["save"] = saves
        report["load_after_http"] = os.getloadavg()
    finally:
        for server in servers.values():
            server.stop()
        for schema in schemas:
            drop_schema(schema)
        shutil.rmtree(tmp, ignore_errors=True)


def _sa(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://")


def _all_saved(history: list, saved: dict, add: bool = False) -> dict:
    """Saved counts over every round so far (participants are new each round; rows add up)."""
    merged = dict(history[-1]) if history else {}
    for key, n in saved.items():
        merged[key] = merged.get(key, 0) + n if add else n
    history.append(merged)
    return merged


def start_otree() -> tuple[Server, str]:
    """oTree 6 in its own virtual environment, a session of the 20-field page."""
    if not OTREE.exists():
        raise SystemExit("oTree is not installed: python3 -m venv bench/.otree-venv && "
                         "bench/.otree-venv/bin/pip install otree  (or pass --skip-otree)")
    project = ROOT / "bench" / "otree_project"
    db = Path(tempfile.mkdtemp(prefix="bench-otree-")) / "db.sqlite3"
    env = {"OTREE_PRODUCTION": "1", "OTREE_ADMIN_PASSWORD": "bench", "OTREE_REST_KEY": "bench",
           "DATABASE_URL": f"sqlite:///{db}", "PYTHONPATH": "",
           "PATH": f"{OTREE.parent}:{os.environ['PATH']}"}
    server = Server("otree", [str(OTREE), "prodserver", "{port}"], env, "/", cwd=project)
    request = urllib.request.Request(
        server.url + "/api/sessions",
        data=json.dumps({"session_config_name": "twenty", "num_participants": 1}).encode(),
        headers={"otree-rest-key": "bench", "Content-Type": "application/json"}, method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as r:
        code = json.loads(r.read())["code"]
    with urllib.request.urlopen(f"{server.url}/api/sessions/{code}",
                                timeout=30) as r:
        participant = json.loads(r.read())["participants"][0]["code"]
    start = f"{server.url}/InitializeParticipant/{participant}"
    with urllib.request.urlopen(start, timeout=30) as r:  # follows the redirect to the page
        page_url = r.geturl()
        assert "q20" in r.read().decode(), "oTree page without the 20 fields"
    return server, page_url


# --------------------------------------------------------------------------- export

# The export is the `parley export` command itself, run in this process (its
# choices of what to load are part of what is measured: app/export/one_shot.py).
# A stage's own peak memory: VmHWM, the high-water mark of this process's
# memory. Not ru_maxrss: Linux carries the parent's peak into a child across
# fork and exec, so every stage would report at least this harness's size.
PEAK = """
def peak_kb():
    with open("/proc/self/status") as f:
        return next(int(ln.split()[1]) for ln in f if ln.startswith("VmHWM:"))
"""

EXPORT_STAGE = PEAK + """
import contextlib, io, json, os, sys, time
sys.path.insert(0, ROOT)
from flask.cli import ScriptInfo
from app import create_app
app = create_app()
said = io.StringIO()
t0 = time.perf_counter()
with contextlib.redirect_stdout(said):
    # Everything the bench has always exported: free text and about-you
    # answers are opt-in since `parley export` became safe by default.
    app.cli.main(args=["export", "bench", OUT, "--format", FMT, "--include-text",
                       "--include-profile"],
                 obj=ScriptInfo(create_app=lambda: app), standalone_mode=False)
dt = time.perf_counter() - t0
answers = int(said.getvalue().split(" participants and ")[1].split()[0])
print("BENCH", json.dumps({"seconds": dt, "answers": answers,
      "max_rss_kb": peak_kb()}))
"""

DUMP_STAGE = PEAK + """
import csv, json, sys, time
t0 = time.perf_counter()
if URL.startswith("sqlite"):
    import sqlite3
    conn = sqlite3.connect(URL.removeprefix("sqlite:///"))
    cur = conn.cursor()
else:
    import psycopg
    conn = psycopg.connect(URL.removeprefix("postgresql+psycopg://").join(["postgresql://", ""]))
    cur = conn.cursor(name="dump")
cur.execute("SELECT p.public_id, p.arm, a.phase, a.module, a.item, a.value, a.text, a.page, "
            "a.answered_at, a.seconds_on_page FROM answer a JOIN participant p "
            "ON p.id = a.participant_id ORDER BY p.id, a.id")
n = 0
with open(OUT, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    while rows := cur.fetchmany(5000):
        w.writerows(rows)
        n += len(rows)
dt = time.perf_counter() - t0
print("BENCH", json.dumps({"seconds": dt, "answers": n,
      "max_rss_kb": peak_kb()}))
"""  # noqa: S608 - the fixed text of a subprocess, nothing from outside in it

SEED_STAGE = """
import sys
sys.path.insert(0, ROOT)
from app import create_app
from app.extensions import db
from bench.seed import seed_campaign
from surveys import FLAGSHIP
app = create_app()
with app.app_context():
    db.create_all()
    print(seed_campaign(FLAGSHIP, "bench", N))
"""


def _run(code: str, env: dict, **values) -> dict:
    head = "".join(f"{k} = {v!r}\n" for k, v in values.items())
    proc = subprocess.run([sys.executable, "-c", head + code], cwd=ROOT, capture_output=True,
                          text=True, check=False, env={**os.environ, **env})
    if proc.returncode:
        raise SystemExit(f"stage failed:\n{proc.stderr[-3000:]}")
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH")), None)
    return json.loads(line[6:]) if line else {"stdout": proc.stdout.strip()}


def bench_export(args, report: dict) -> None:
    report["load_before_export"] = os.getloadavg()
    rows = report["export"] = []  # filled as it goes: a cut-short run keeps what it measured
    for backend in args.backends:
        for size in args.export_sizes:
            formats = args.formats if size <= 1_000_000 else args.big_formats
            if backend == "postgresql" and size > 1_000_000 and not args.big_pg:
                continue
            tmp = Path(tempfile.mkdtemp(prefix="parley-bench-export-"))
            schema = None
            if backend == "sqlite":
                url = f"sqlite:///{tmp / 'export.sqlite'}"
            else:
                schema, url = pg_schema()
            env = {"DATABASE_URL": url, "PARLEY_SECRET_KEY": "bench"}
            try:
                _run(SEED_STAGE, env, ROOT=str(ROOT), N=size)
                dump = _run(DUMP_STAGE, env, URL=_sa(url), OUT=str(tmp / "dump.csv"))
                rows.append({"backend": backend, "size": size, "format": "plain DB-API dump",
                             **dump})
                for fmt in formats:
                    out = tmp / f"out-{fmt}"
                    result = _run(EXPORT_STAGE, env, ROOT=str(ROOT), OUT=str(out), FMT=fmt)
                    rows.append({"backend": backend, "size": size, "format": fmt,
                                 "baseline_seconds": dump["seconds"], **result})
                    _save(report)
                    shutil.rmtree(out, ignore_errors=True)
                    with contextlib.suppress(FileNotFoundError):
                        Path(str(out) + ".zip").unlink()
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
                if schema:
                    drop_schema(schema)
    report["load_after_export"] = os.getloadavg()


def _save(report: dict) -> None:
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    (ROOT / "bench" / "out" / "report.json").write_text(json.dumps(report, indent=1))


# --------------------------------------------------------------------------- analysis


def bench_analysis(args, report: dict) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from analysis_report import _stage

    report["load_before_analysis"] = os.getloadavg()
    rows = report["analysis"] = []
    for n in args.analysis_sizes:
        tmp = Path(tempfile.mkdtemp(prefix="parley-bench-analysis-"))
        try:
            export, out = tmp / "export", tmp / "report.html"
            _stage("generate", export, out, n // 5, 40)
            result = _stage("report", export, out, n // 5, 40)
            rows.append({"participants": n, **result})
            _save(report)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    report["load_after_analysis"] = os.getloadavg()


# --------------------------------------------------------------------------- results


def median(values):
    values = sorted(values)
    if not values:
        return float("nan")
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text()
                .splitlines() if ln.startswith("model name")), platform.processor())
    mem = next((ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines()
                if ln.startswith("MemTotal")), "?")
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}), "
            f"{int(mem) // 1024 // 1024} GiB, Python {platform.python_version()}")


def goal(ok: bool) -> str:
    return "met" if ok else "**missed**"


def write_results(args, report: dict) -> str:
    lines = [
        "# Benchmark results", "",
        f"Written by `bench/run` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.", "",
        f"- Command: `{report['command']}`",
        f"- Machine: {machine()}",
        f"- Load average (1, 5, 15 min) at start: {_load(report.get('load_start'))}; "
        f"at end: {_load(report.get('load_end'))}. The machine is shared: read the ratios, "
        "which compare figures taken in the same interleaved rounds, not the absolute figures.",
        f"- Rounds: {args.rounds} x {args.seconds} s per measurement (medians shown), "
        f"{CONNECTIONS} connections, load generator on loopback (wrk for GETs; "
        "bench/client.py, Python threads with keep-alive, for page saves).",
        "",
    ]
    if "get" in report:
        med = {n: {k: median([r[k] for r in rs]) for k in ("rps", "p50", "p99")}
               for n, rs in report["get"].items()}
        lines += ["## Participant page GET (about_you, 6 items)", "",
                  f"Load average before/after: {_load(report['load_before_http'])} / "
                  f"{_load(report['load_after_http'])}", "",
                  "| server | req/s (each round) | median req/s | p50 ms | p99 ms |",
                  "|---|---|---|---|---|"]
        for name, rs in report["get"].items():
            bad = sum(r["bad"] for r in rs)
            each = ", ".join(format(r["rps"], ".0f") for r in rs)
            lines.append(f"| {name} | {each} "
                         f"| {med[name]['rps']:.0f} | {med[name]['p50']:.1f} "
                         f"| {med[name]['p99']:.1f}{f' ({bad} non-2xx)' if bad else ''} |")
        lines += ["", "| goal | SQLite | PostgreSQL |", "|---|---|---|"]
        for backend in ("sqlite", "pg"):
            med.setdefault(f"parley-{backend}", {"rps": float("nan"), "p99": float("nan")})
        hello = med["hello"]["rps"]
        row = ["GET >= 0.1x hello world"]
        for b in ("sqlite", "pg"):
            r = med[f"parley-{b}"]["rps"] / hello
            row.append(f"{r:.3f}x: {goal(r >= 0.1)}")
        lines.append("| " + " | ".join(row) + " |")
        if "otree" in med:
            row = ["GET >= 10x oTree"]
            for b in ("sqlite", "pg"):
                r = med[f"parley-{b}"]["rps"] / med["otree"]["rps"]
                row.append(f"{r:.1f}x: {goal(r >= 10)}")
            lines.append("| " + " | ".join(row) + " |")
        row = ["p99 < 100 ms at 16 connections"]
        for b in ("sqlite", "pg"):
            p = med[f"parley-{b}"]["p99"]
            row.append(f"{p:.0f} ms: {goal(p < 100)}")
        lines.append("| " + " | ".join(row) + " |")
        lines.append(f"| (bare 20-field WTForms page / hello world) | "
                     f"{med['form20']['rps'] / hello:.3f}x | |")
        lines.append("")
    if "save" in report:
        lines += ["## Page save (POST + redirected GET), participants walking the journey", "",
                  "| server | per s (each round) | median per s | p50 ms | p99 ms | errors "
                  "| database check |", "|---|---|---|---|---|---|---|"]
        med = {}
        for name, rs in report["save"].items():
            med[name] = median([r["per_s"] for r in rs])
            errors = sum(r["n_errors"] for r in rs)
            ok = all(r["db_ok"] for r in rs)
            each = ", ".join(format(r["per_s"], ".0f") for r in rs)
            lines.append(f"| {name} | {each} "
                         f"| {med[name]:.0f} | {median([r['p50'] for r in rs]):.1f} "
                         f"| {median([r['p99'] for r in rs]):.1f} | {errors} "
                         f"| {'nothing lost or doubled' if ok else '**MISMATCH**'} "
                         f"({rs[-1]['db_check']}) |")
        lines += ["", "| goal | SQLite | PostgreSQL |", "|---|---|---|"]
        row = ["page saves >= 0.5x one-row inserts, nothing lost"]
        for b in ("sqlite", "pg"):
            r = med[f"parley-{b}"] / med[f"insert-{b}"]
            lost = not all(x["db_ok"] for x in report["save"][f"parley-{b}"])
            row.append(f"{r:.2f}x: {goal(r >= 0.5 and not lost)}")
        lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    if "export" in report:
        lines += ["## Export", "",
                  f"Load average before/after: {_load(report['load_before_export'])} / "
                  f"{_load(report.get('load_after_export'))}. Peak memory is the whole process's "
                  "peak resident memory (VmHWM), imports included.", "",
                  "| backend | answers | format | seconds | answers/s | vs dump | peak MB | goal |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in report["export"]:
            rate = r["answers"] / r["seconds"]
            mb = r["max_rss_kb"] / 1024
            if "baseline_seconds" in r:
                ratio = r["baseline_seconds"] / r["seconds"]
                ok = ratio >= 0.5 and (mb < 200 or r["size"] != 1_000_000)
                verdict = goal(ok) if r["size"] == 1_000_000 else ("" if ok else "(over)")
                lines.append(f"| {r['backend']} | {r['answers']:,} | {r['format']} "
                             f"| {r['seconds']:.1f} | {rate:,.0f} | {ratio:.2f}x | {mb:.0f} "
                             f"| {verdict} |")
            else:
                lines.append(f"| {r['backend']} | {r['answers']:,} | {r['format']} "
                             f"| {r['seconds']:.1f} | {rate:,.0f} | 1 | {mb:.0f} | |")
        lines += ["", "Goal (at 1,000,000 answers): every format >= 0.5x the dump's answers/s "
                  "and < 200 MB.", "", *_export_growth(report["export"])]
    if "analysis" in report:
        lines += ["## Analysis report (participants x 40 items x 5 arms, exchange and attrition "
                  "sections included, write_report)", "",
                  f"Load average before/after: {_load(report['load_before_analysis'])} / "
                  f"{_load(report.get('load_after_analysis'))}", "",
                  "| participants | seconds | CPU seconds | peak MB | s per 10k | MB per 10k "
                  "| goal (100k: < 20 s, < 1.5 GB) |",
                  "|---|---|---|---|---|---|---|"]
        for r in report["analysis"]:
            mb = r["max_rss_kb"] / 1024
            per = 10_000 / r["participants"]
            verdict = (goal(r["seconds"] < 20 and mb < 1536) if r["participants"] == 100_000
                       else "")
            lines.append(f"| {r['participants']:,} | {r['seconds']:.1f} "
                         f"| {r.get('cpu_seconds', float('nan')):.1f} | {mb:,.0f} "
                         f"| {r['seconds'] * per:.2f} | {mb * per:.0f} | {verdict} |")
        lines += ["", "Linear growth shows as a flat or falling 's per 10k' and 'MB per 10k' "
                  "(the fixed cost of the interpreter and libraries is spread thinner).", ""]
    if "steps" in report:
        from bench.exchange_steps import lines as steps_lines

        lines += steps_lines(report["steps"])
    if "hosts" in report:
        from bench.hosts import hosts_lines

        lines += hosts_lines(report, median, _load)
    if report.get("profile"):
        lines += ["## Where the time goes", "", report["profile"].rstrip(), ""]
    if report.get("notes"):
        lines += ["## Notes", "", *report["notes"], ""]
    return "\n".join(lines)


def _export_growth(rows: list[dict]) -> list[str]:
    """Peak memory of each format at its largest size against its smallest: flat means ~1x."""
    sizes: dict[tuple[str, str], dict[int, float]] = {}
    for r in rows:
        if "baseline_seconds" in r:
            sizes.setdefault((r["backend"], r["format"]), {})[r["size"]] = r["max_rss_kb"] / 1024
    out = []
    for (backend, fmt), by_size in sorted(sizes.items()):
        if len(by_size) > 1:
            small, big = min(by_size), max(by_size)
            out.append(f"- {backend} {fmt}: peak {by_size[small]:.0f} MB at {small:,} answers, "
                       f"{by_size[big]:.0f} MB at {big:,} ({by_size[big] / by_size[small]:.2f}x "
                       f"for {big // small}x the answers)")
    return ["Memory growth with size:", "", *out, ""] if out else []


def _load(values) -> str:
    return ", ".join(f"{v:.2f}" for v in values) if values else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sections", nargs="*", metavar="SECTION",
                        help="http, export, analysis, steps, hosts (default: the first four)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--skip-otree", action="store_true")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--export-sizes", type=int, nargs="+",
                        default=[100_000, 1_000_000, 3_000_000])
    parser.add_argument("--formats", nargs="+",
                        default=["csv", "wide", "parquet", "xlsx", "sav", "dta"])
    parser.add_argument("--big-formats", nargs="+", default=["csv", "parquet", "sav"],
                        help="Formats measured above 1M answers (time-bounded run).")
    parser.add_argument("--big-pg", action="store_true", help="Also above 1M on PostgreSQL.")
    parser.add_argument("--analysis-sizes", type=int, nargs="+",
                        default=[25_000, 50_000, 100_000, 200_000])
    parser.add_argument("--profile", type=Path,
                        help="A Markdown file saying where the time goes (the profiles that "
                             "explain each figure), written into RESULTS.md.")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--from-json", type=Path,
                        help="Write RESULTS.md again from a run's bench/out/report.json.")
    args = parser.parse_args()
    args.sections = args.sections or ["http", "export", "analysis", "steps"]
    unknown = set(args.sections) - {"http", "export", "analysis", "steps", "hosts"}
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    if args.from_json:
        report = json.loads(args.from_json.read_text())
        if args.profile:
            report["profile"] = args.profile.read_text(encoding="utf-8")
        args.rounds = len(next(iter(report.get("get", {"x": [0] * args.rounds}).values())))
        args.out.write_text(write_results(args, report) + "\n", encoding="utf-8")
        return 0
    if "http" in args.sections and not shutil.which("wrk"):
        raise SystemExit("wrk is needed for the GET figures: apt-get install wrk")
    report: dict = {"command": "bench/run " + " ".join(sys.argv[1:]),
                    "load_start": os.getloadavg(), "notes": []}
    if args.profile:
        report["profile"] = args.profile.read_text(encoding="utf-8")
    earlier = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    for section in args.sections:
        from bench.exchange_steps import bench_steps
        from bench.hosts import bench_hosts

        {"http": bench_http, "export": bench_export, "analysis": bench_analysis,
         "steps": bench_steps, "hosts": bench_hosts}[section](args, report)
        _save(report)
        report["load_end"] = os.getloadavg()
        text = write_results(args, report)  # after every section: a partial run still reports
        args.out.write_text(with_earlier_runs(text, earlier) + "\n", encoding="utf-8")
    print(text)
    return 0


def with_earlier_runs(text: str, earlier: str) -> str:
    """This run's results on top, and below them what the file held before, as it was.

    RESULTS.md carries the earlier runs' figures and profiles (the before and
    after of each change): a new run must not erase them. The earlier text
    keeps its sections; its own "Earlier runs" heading goes, so there is one.

    >>> with_earlier_runs("# Benchmark results\\n\\nnew",
    ...                   "# Benchmark results\\n\\nold\\n\\n# Earlier runs\\n\\nolder")
    '# Benchmark results\\n\\nnew\\n\\n# Earlier runs\\n\\nold\\n\\nolder'
    """
    if not earlier.strip():
        return text
    title, _, body = earlier.partition("\n")
    if not title.startswith("# Benchmark results"):
        body = earlier
    body = body.replace("\n# Earlier runs\n", "\n", 1).strip().replace("\n\n\n", "\n\n")
    return f"{text}\n\n# Earlier runs\n\n{body}"


if __name__ == "__main__":
    sys.exit(main())
