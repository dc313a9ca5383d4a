"""Benchmark: the anchored bridging model's fit and scores at 50k and 500k ratings.

Usage::

    .venv/bin/python bench/exchange_fit.py [--sizes 50000 500000] [--rounds 3]
                                           [--report-participants 5000]

Goals (issue 25): ``bridging_fit`` + ``scores`` under 1 s at 50,000 ratings
and under 10 s at 500,000 on 2 cores. Data: raters with 10 cards each (the
exchange step's size), about 100 ratings per statement, three opinion camps
on one anchor dimension, ordinal 0 / 0.5 / 1 ratings; three group centres.
Each size runs ``--rounds`` times in this process (medians shown; imports
and data generation not timed). ``--report-participants N`` also times
``analyse_exchange`` (the report section's tables, bootstrap off and on)
on a demo export of about N participants. Figures and the command go to
``bench/results/exchange.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "exchange.md"

from analysis import bridging_fit  # noqa: E402
from analysis.exchange.summary import analyse_exchange  # noqa: E402
from analysis.load import load_export  # noqa: E402
from analysis.synthetic import write_demo_export  # noqa: E402


def ratings_of_size(n_ratings: int, seed: int = 0, cards: int = 10, per_statement: int = 100):
    """Ratings, anchors and centres: ``n_ratings`` ratings, ``cards`` per rater."""
    rng = np.random.default_rng(seed)
    n_raters = n_ratings // cards
    n_statements = max(n_ratings // per_statement, 2)
    camp = rng.integers(3, size=n_raters)
    z = np.array([-1.2, 0.0, 1.2])[camp] + rng.normal(0, 0.45, n_raters)
    z = (z - z.mean()) / z.std(ddof=1)
    rater = np.repeat(np.arange(n_raters), cards)
    statement = rng.integers(n_statements, size=rater.size)
    q = rng.uniform(0.3, 0.8, n_statements)
    b = rng.uniform(-0.25, 0.25, n_statements)
    latent = q[statement] + b[statement] * z[rater] + rng.normal(0, 0.3, rater.size)
    y = np.where(latent < 1 / 3, 0.0, np.where(latent < 2 / 3, 0.5, 1.0))
    ratings = pd.DataFrame({"rater": rater, "statement": statement, "rating": y})
    anchors = pd.DataFrame({"z1": z})
    centres = pd.DataFrame({"z1": [np.mean(z[camp == g]) for g in range(3)]}, index=[1, 2, 3])
    return ratings, anchors, centres


def time_fit(n_ratings: int, rounds: int) -> dict:
    ratings, anchors, centres = ratings_of_size(n_ratings)
    fits, scores, sweeps = [], [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fit = bridging_fit(ratings, anchors)
        t1 = time.perf_counter()
        fit.scores(centres)
        t2 = time.perf_counter()
        fits.append(t1 - t0)
        scores.append(t2 - t1)
        sweeps.append(f"{fit.cg_steps} CG + {fit.sweeps} sweep(s), last change "
                      f"{fit.max_change:.1e}")
    return {"ratings": n_ratings, "raters": int(ratings["rater"].nunique()),
            "statements": int(ratings["statement"].nunique()),
            "fit": statistics.median(fits), "scores": statistics.median(scores),
            "total": statistics.median(f + s for f, s in zip(fits, scores, strict=True)),
            "rounds": ", ".join(f"{f + s:.2f}" for f, s in zip(fits, scores, strict=True)),
            "convergence": sweeps[-1]}


def time_report(participants: int) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_demo_export(Path(tmp) / "demo", n_per_arm=participants // 5, seed=1)
        ex = load_export(folder)
        rows = []
        for n_boot in (0, 50):
            t0 = time.perf_counter()
            x = analyse_exchange(ex, n_boot=n_boot)
            rows.append({"participants": len(ex.participants), "n_boot": n_boot,
                         "ratings": int(ex.exchange["ratings"]["fair"].notna().sum()),
                         "seconds": time.perf_counter() - t0, "statements": len(x.scores)})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 500_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--report-participants", type=int, default=5000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    load_start = os.getloadavg()
    fits = [time_fit(n, args.rounds) for n in args.sizes]
    report = time_report(args.report_participants) if args.report_participants else []
    load_end = os.getloadavg()
    goals = {50_000: 1.0, 500_000: 10.0}
    lines = ["# Benchmark: the exchange's bridging model", "",
             "Command: `" + " ".join([".venv/bin/python bench/exchange_fit.py", *sys.argv[1:]])
             + "`", "",
             f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.machine()}, "
             f"{os.cpu_count()} CPUs, Python {platform.python_version()}; load average (1, 5, "
             f"15 min) {', '.join(f'{x:.1f}' for x in load_start)} at the start, "
             f"{', '.join(f'{x:.1f}' for x in load_end)} at the end (a shared machine).", "",
             "Data: 10 ratings per rater, about 100 per statement, one anchor dimension, three "
             "group centres. Times exclude imports and data generation; medians of the rounds.",
             "", "| ratings | raters | statements | fit s | scores s | total s | each round "
             "(total s) | goal | convergence |", "|---:|---:|---:|---:|---:|---:|---|---|---|"]
    for r in fits:
        goal = goals.get(r["ratings"])
        verdict = (f"< {goal:g} s: {'met' if r['total'] < goal else '**missed**'}"
                   if goal else "")
        lines.append(f"| {r['ratings']:,} | {r['raters']:,} | {r['statements']:,} | "
                     f"{r['fit']:.2f} | {r['scores']:.2f} | {r['total']:.2f} | {r['rounds']} | "
                     f"{verdict} | {r['convergence']} |")
    if report:
        lines += ["", "The report section's tables (`analyse_exchange`) on a demo export "
                  "(generation not timed):", "",
                  "| participants | ratings | statements | rater bootstrap | seconds |",
                  "|---:|---:|---:|---:|---:|"]
        lines += [f"| {r['participants']:,} | {r['ratings']:,} | {r['statements']} | "
                  f"{r['n_boot']} | {r['seconds']:.1f} |" for r in report]
    text = "\n".join(lines) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
