"""Throughput with one app host and with two on one PostgreSQL and one Redis (issue 24, 5).

``bench/run hosts``. Each host is ``gunicorn -w 2`` with its own instance
folder (``PARLEY_INSTANCE_PATH``), the same secret key, database and Redis
(limits), as the README's deployment section says. Participants walk the
flagship's journey (POST + redirected GET per page, bench/client.py); with
two hosts every participant's requests go to the hosts in turn, as behind a
round-robin proxy (the client alternates itself, so no proxy's CPU is in the
figures). One host and two hosts are measured in interleaved rounds; the
database is checked afterwards (nothing lost or doubled).

On a 2-core machine the second host adds processes, not cores: the ratio
shows what the second host costs or gains when the CPU is already full (about
1x is the expected answer); on a machine with more cores per host it would
show the scaling.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

REDIS = os.environ.get("PARLEY_BENCH_REDIS", "redis://127.0.0.1:6379/0")


def bench_hosts(args, report: dict) -> None:
    from bench.client import walk_parley
    from bench.harness import (
        BIN,
        CONNECTIONS,
        SLUG,
        Server,
        _all_saved,
        check_parley,
        drop_schema,
        flagship_answers,
        parley_env,
        pg_schema,
        prepare_parley,
    )

    tmp = Path(tempfile.mkdtemp(prefix="parley-bench-hosts-"))
    schema, url = pg_schema()
    servers = []
    try:
        prepare_parley(url)
        for name in ("host-a", "host-b"):
            env = {**parley_env(url), "PARLEY_INSTANCE_PATH": str(tmp / name),
                   "PARLEY_RATELIMIT_STORAGE_URI": REDIS, "PARLEY_WORKERS": "2"}
            servers.append(Server(name, [str(BIN / "gunicorn"), "-w", "2", "-b",
                                         "127.0.0.1:{port}", "--no-control-socket",
                                         "--log-level", "warning", "app:create_app()"],
                                  env, f"/c/{SLUG}/"))
        answers_for = flagship_answers()
        report["load_before_hosts"] = os.getloadavg()
        runs: dict[str, list] = {"one host": [], "two hosts": []}
        history: list = []
        ports = {"one host": servers[0].port, "two hosts": [s.port for s in servers]}
        for _round in range(args.rounds):
            for name, port in ports.items():
                tally = walk_parley("127.0.0.1", port, SLUG, answers_for, args.seconds,
                                    CONNECTIONS)
                ok = check_parley(url, _all_saved(history, tally.saved))
                lat = sorted(tally.latencies) or [0.0]
                runs[name].append({
                    "per_s": tally.saves / args.seconds, "n_errors": len(tally.errors),
                    "errors": tally.errors[:5], "db_ok": ok[0], "db_check": ok[1],
                    "p50": 1000 * lat[len(lat) // 2],
                    "p99": 1000 * lat[int(0.99 * (len(lat) - 1))]})
        report["hosts"] = runs
        report["load_after_hosts"] = os.getloadavg()
    finally:
        for server in servers:
            server.stop()
        drop_schema(schema)


def hosts_lines(report: dict, median, load) -> list[str]:
    runs = report["hosts"]
    lines = ["## One app host and two (PostgreSQL, Redis, gunicorn -w 2 per host)", "",
             f"Load average before/after: {load(report['load_before_hosts'])} / "
             f"{load(report.get('load_after_hosts'))}. Page saves (POST + redirected GET) by "
             "participants walking the journey; with two hosts each participant's requests "
             "alternate between them.", "",
             "| hosts | saves per s (each round) | median | p50 ms | p99 ms | errors "
             "| database check |", "|---|---|---|---|---|---|---|"]
    med = {}
    for name, rs in runs.items():
        med[name] = median([r["per_s"] for r in rs])
        ok = all(r["db_ok"] for r in rs)
        lines.append(f"| {name} | {', '.join(format(r['per_s'], '.0f') for r in rs)} "
                     f"| {med[name]:.0f} | {median([r['p50'] for r in rs]):.1f} "
                     f"| {median([r['p99'] for r in rs]):.1f} "
                     f"| {sum(r['n_errors'] for r in rs)} "
                     f"| {'nothing lost or doubled' if ok else '**MISMATCH**'} "
                     f"({rs[-1]['db_check']}) |")
    ratio = med["two hosts"] / med["one host"]
    lines += ["", f"Two hosts / one host: **{ratio:.2f}x**. This machine has {os.cpu_count()} "
              "cores shared by both hosts, the database, Redis and the load client, so the "
              "second host adds processes, not CPU. On a quiet machine a ratio near 1x says a "
              "second host costs nothing (no lock, cache or session state between hosts slows "
              "the pair down); on a busy shared machine a ratio above 1x comes from four worker "
              "processes taking a larger share of the contended CPU than two. More throughput "
              "needs hosts with cores of their own.", ""]
    return lines
