"""Where a page save's time goes: statements, round trips and CPU per phase (issue 24, 1).

    .venv/bin/python bench/save_profile.py [--backend sqlite|postgresql] [--participants 30]

Participants walk the flagship's journey through the Flask test client (no
sockets, no load generator): each page is a POST and the redirected GET.
Prints, per save: SQL statements and transactions of the POST and of the
GET (on PostgreSQL each statement, BEGIN and COMMIT is a round trip, plus
the pool's pre-ping per checkout), CPU (thread time) of each, and a cProfile
of the POSTs grouped by phase (CSRF, form building and validation, SQL,
rendering). A one-row-insert POST is timed the same way as the baseline.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ACTION = re.compile(r'<form method="post" action="(/c/[^"]+/step/[^"]+)"')
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

#: Phases by the functions whose cumulative time they are (first match wins).
PHASES = [
    ("CSRF check", ("validate_csrf", "protect")),
    ("form building and validation", ("page_form", "validate_on_submit")),
    ("save transaction (SQL)", ("submit_step",)),
    ("lookup (campaign, participant)", ("_campaign", "_participant")),
    ("rendering", ("render_step", "render_template")),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--participants", type=int, default=30)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    import sqlalchemy as sa
    from sqlalchemy import event

    from app import create_app
    from app.extensions import db
    from app.setup import prepare_flagship
    from bench.harness import flagship_answers
    from surveys import FLAGSHIP

    tmp = Path(tempfile.mkdtemp(prefix="parley-save-profile-"))
    schema = None
    config = {"SECRET_KEY": "profile", "WTF_CSRF_ENABLED": True, "PARLEY_JOBS": "inline",
              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'p.sqlite'}"}
    if args.backend == "postgresql":
        schema = f"profile_{uuid.uuid4().hex[:8]}"
        with sa.create_engine(PG).begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        config |= {"SQLALCHEMY_DATABASE_URI": PG, "SQLALCHEMY_ENGINE_OPTIONS": {
            "connect_args": {"options": f"-csearch_path={schema}"}}}
    app = create_app(config)
    # The triage of a page's new statements is a background job, not part of the save:
    # left out here (inline it would import the profanity model into the first save).
    import app.participant.operations as participant_ops

    participant_ops.request_triage = lambda *_args, **_kwargs: None
    with app.app_context():
        slug = prepare_flagship(FLAGSHIP).slug
        engine = db.engine
    counts = {"statements": 0, "begin": 0, "commit": 0, "checkouts": 0}
    event.listen(engine, "before_cursor_execute",
                 lambda *a, **k: counts.__setitem__("statements", counts["statements"] + 1))
    event.listen(engine, "begin", lambda *a: counts.__setitem__("begin", counts["begin"] + 1))
    event.listen(engine, "commit", lambda *a: counts.__setitem__("commit", counts["commit"] + 1))
    event.listen(engine.pool, "checkout",
                 lambda *a: counts.__setitem__("checkouts", counts["checkouts"] + 1))
    answers_for = flagship_answers()
    post_cpu, get_cpu, post_sql, get_sql = [], [], [], []
    profile = cProfile.Profile(time.thread_time)  # CPU: the machine may be shared
    for k in range(args.participants):
        profiling = k % 2 == 1  # CPU is timed on the others: the profiler costs CPU too
        client = app.test_client()
        html = client.get(f"/c/{slug}/").get_data(as_text=True)
        client.post(f"/c/{slug}/start", data={"csrf_token": TOKEN.search(html).group(1),
                                              "agree": "y"})
        html = client.get(f"/c/{slug}/go").get_data(as_text=True)
        while match := ACTION.search(html):
            action = match.group(1)
            step = action.split("/step/", 1)[1]
            fields, _n = answers_for(step.replace("%3A", ":"))
            data = {"csrf_token": TOKEN.search(html).group(1), **fields}
            before = dict(counts)
            t0 = time.thread_time()
            if profiling:
                profile.enable()
            response = client.post(action, data=data)
            if profiling:
                profile.disable()
            else:
                post_cpu.append(time.thread_time() - t0)
            post_sql.append({k: counts[k] - before[k] for k in counts})
            assert response.status_code == 302, (step, response.status_code)
            before = dict(counts)
            t0 = time.thread_time()
            html = client.get(response.headers["Location"]).get_data(as_text=True)
            if not profiling:
                get_cpu.append(time.thread_time() - t0)
            get_sql.append({k: counts[k] - before[k] for k in counts})
    n = len(post_sql)
    profiled = n - len(post_cpu)

    def mean(rows, key):
        return sum(r[key] for r in rows) / len(rows)

    print(f"# Page save profile ({args.backend}, {args.participants} participants, {n} saves)\n")
    for name, rows, cpu in (("POST", post_sql, post_cpu), ("GET after it", get_sql, get_cpu)):
        trips = mean(rows, "statements") + mean(rows, "begin") + mean(rows, "commit")
        if args.backend == "postgresql":
            trips += mean(rows, "checkouts")  # pre-ping
        print(f"- {name}: {mean(rows, 'statements'):.1f} statements, "
              f"{mean(rows, 'begin'):.2f} BEGIN, {mean(rows, 'commit'):.2f} COMMIT, "
              f"{mean(rows, 'checkouts'):.2f} pool checkouts; ~{trips:.1f} round trips; "
              f"CPU {1000 * sorted(cpu)[len(cpu) // 2]:.2f} ms median")
    stats = pstats.Stats(profile)
    total = sum(v[3] for k, v in stats.stats.items() if k[2] == "post") / profiled
    print(f"\nPOST CPU by phase (cProfile on every other participant, per save; with the "
          f"profiler's own cost, total {1000 * total:.2f} ms):\n")
    for phase, names in PHASES:
        cum = sum(v[3] for k, v in stats.stats.items() if k[2] in names) / profiled
        print(f"- {phase}: {1000 * cum:.2f} ms")
    print()
    stats.sort_stats("cumulative").print_stats(args.top)
    with app.app_context():
        db.engine.dispose()
    if schema:
        with sa.create_engine(PG).begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    return 0


if __name__ == "__main__":
    sys.exit(main())
