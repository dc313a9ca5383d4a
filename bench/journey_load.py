"""Load benchmark of the participant journey: many bots through a live server.

Runs the real app (threaded werkzeug server) on SQLite and, when reachable,
PostgreSQL; N participants walk the example survey from C concurrent threads,
each page a real HTTP form submit with its CSRF token. Reports throughput and
submit latency, and as the same-run baseline the latency of fetching a static
file, so figures compare across noisy machines as ratios. Afterwards it checks
that every answer is stored exactly once.

    .venv/bin/python bench/journey_load.py [--participants 200] [--concurrency 8]

Figures are printed and appended to bench/results/journey.md with the command.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import func, select
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.campaigns.operations import create_campaign, set_status  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Answer, Participant  # noqa: E402
from surveys import EXAMPLE, load_survey  # noqa: E402
from tests.bots import auto_answer  # noqa: E402

SURVEY = load_survey(EXAMPLE)
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ACTION_RE = re.compile(r'action="(/c/[^"]+/step/[^"]+)"')


def walk(base: str, submit_times: list[float]) -> int:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )

    def request(path, data=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        with opener.open(base + path, data=body, timeout=60) as r:
            return r.read().decode()

    html = request("/c/bench/")
    html = request("/c/bench/start", {"csrf_token": TOKEN_RE.search(html).group(1), "agree": "y"})
    pages = 2
    while match := ACTION_RE.search(html):
        action = match.group(1)
        step = urllib.parse.unquote(action.split("/step/", 1)[1])
        answers = {}
        if step.startswith("page:"):
            for item_id in SURVEY.page(step.split(":")[1]).items:
                answers.update(auto_answer(SURVEY.items[item_id]))
        t0 = time.perf_counter()
        html = request(action, {"csrf_token": TOKEN_RE.search(html).group(1), **answers})
        submit_times.append(time.perf_counter() - t0)
        pages += 1
    return pages


def static_latency(base: str, n: int = 200) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        urllib.request.urlopen(base + "/static/parley.css", timeout=10).read()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run(backend: str, participants: int, concurrency: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="parley-bench-"))
    config = {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'b.sqlite'}"}
    schema = None
    if backend == "postgresql":
        schema = f"parley_bench_{uuid.uuid4().hex[:8]}"
        with sa.create_engine(PG_URL).begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        config |= {"SQLALCHEMY_DATABASE_URI": PG_URL, "SQLALCHEMY_ENGINE_OPTIONS": {
            "connect_args": {"options": f"-csearch_path={schema}"},
            "pool_size": concurrency + 2}}
    app = create_app(config)
    with app.app_context():
        db.create_all()
        campaign = create_campaign(db.session, slug="bench", survey_folder=EXAMPLE, actor="bench")
        set_status(db.session, campaign, "open", "bench")
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        baseline = static_latency(base)
        submit_times: list[float] = []
        t0 = time.perf_counter()
        errors: list[str] = []

        def one(_):
            try:
                return walk(base, submit_times)
            except urllib.error.HTTPError as exc:  # keep going; report it below
                errors.append(f"{exc.code} {exc.url}")
                return 0

        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            pages = sum(pool.map(one, range(participants)))
        elapsed = time.perf_counter() - t0
    finally:
        server.shutdown()
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Answer))
        done = db.session.scalar(
            select(func.count()).select_from(Participant).where(Participant.status == "completed")
        )
        db.session.remove()
        db.engine.dispose()
    if schema:
        with sa.create_engine(PG_URL).begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    per_person = sum(len(SURVEY.page(p).items) for p in ("about", "before", "after"))
    submit_times.sort()
    p95 = submit_times[int(0.95 * (len(submit_times) - 1))]
    median = statistics.median(submit_times)
    return {
        "backend": backend,
        "participants": participants,
        "completed": done,
        "answers_ok": stored >= participants * per_person and done == participants,
        "errors": errors,
        "requests_per_s": pages / elapsed,
        "completions_per_min": participants / elapsed * 60,
        "submit_median_ms": median * 1000,
        "submit_p95_ms": p95 * 1000,
        "static_median_ms": baseline * 1000,
        "submit_vs_static": median / baseline,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    rows = [run("sqlite", args.participants, args.concurrency)]
    try:
        with sa.create_engine(PG_URL).connect():
            pass
        rows.append(run("postgresql", args.participants, args.concurrency))
    except sa.exc.OperationalError as exc:
        print(f"PostgreSQL not reachable, measured SQLite only: {exc}", file=sys.stderr)
    command = "python bench/journey_load.py " + " ".join(sys.argv[1:])
    lines = [
        f"\n## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n",
        f"Command: `{command.strip()}` (concurrency {args.concurrency})\n",
        "| backend | participants | completed | all answers stored once | requests/s "
        "| completions/min | submit median ms | submit p95 ms | static median ms "
        "| submit / static |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['backend']} | {r['participants']} | {r['completed']} | {r['answers_ok']} "
            f"| {r['requests_per_s']:.1f} | {r['completions_per_min']:.0f} "
            f"| {r['submit_median_ms']:.1f} | {r['submit_p95_ms']:.1f} "
            f"| {r['static_median_ms']:.2f} | {r['submit_vs_static']:.1f}x |"
        )
    for r in rows:
        for error in r["errors"]:
            lines.append(f"\n{r['backend']}: HTTP error {error}")
    text = "\n".join(lines) + "\n"
    print(text)
    results = ROOT / "bench" / "results" / "journey.md"
    if not results.exists():
        results.write_text("# Participant journey under load\n\nWritten by bench/journey_load.py.\n")
    with results.open("a") as f:
        f.write(text)
    return 0 if all(r["answers_ok"] and not r["errors"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
