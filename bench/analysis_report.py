"""Benchmark: full analysis report on a large synthetic export.

Usage::

    .venv/bin/python bench/analysis_report.py [--n-per-arm 20000] [--n-items 40] [--keep DIR]

Default: 5 arms x 20,000 = 100,000 participants, 40 before/after items.
Each stage runs in its own Python process so its time and peak memory
(``VmHWM``, not ``ru_maxrss``, which Linux carries from the parent) are its own:

1. generate the export (CSV folder) with ``analysis.synthetic``;
2. baseline: ``load_export`` only (read + validate);
3. ``analyse_export`` (all tables, no HTML);
4. ``write_report`` (all tables + plots + HTML), the real command.

Figures and the command line go to ``bench/results/analysis.md``; ratios are
against the baseline of stage 2 measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "analysis.md"

STAGES = {
    "generate": (
        "from analysis.synthetic import write_demo_export\n"
        "write_demo_export(EXPORT, n_per_arm=N, n_items=ITEMS, seed=1)\n"
    ),
    "load": (
        "from analysis.load import load_export\n"
        "ex = load_export(EXPORT)\n"
        "print(json.dumps({'participants': len(ex.participants), 'answers': len(ex.answers)}))\n"
    ),
    "analyse": (
        "from analysis.pipeline import analyse_export\n"
        "res = analyse_export(EXPORT, n_boot=2000)\n"
        "print(json.dumps({k: len(v) for k, v in res.tables.items()}))\n"
    ),
    "report": (
        "from analysis.report import write_report\n"
        "write_report(EXPORT, OUT, n_boot=2000)\n"
        "print(json.dumps({'html_bytes': os.path.getsize(OUT)}))\n"
    ),
}


def _stage(name: str, export: Path, out: Path, n: int, items: int) -> dict:
    code = (
        "import json, os, sys, time\n"
        f"EXPORT, OUT, N, ITEMS = {str(export)!r}, {str(out)!r}, {n}, {items}\n"
        "import analysis.load, analysis.pipeline, analysis.report, analysis.synthetic\n"
        "t0, c0 = time.perf_counter(), time.process_time()  # imports above are not timed\n"
        + STAGES[name]
        + "dt, cpu = time.perf_counter() - t0, time.process_time() - c0\n"
        # VmHWM, this process's own peak: ru_maxrss would carry the parent's peak across exec.
        "rss = next(int(ln.split()[1]) for ln in open('/proc/self/status') "
        "if ln.startswith('VmHWM:'))\n"
        # CPU seconds too: on a shared machine they, not the wall time, say what it costs.
        "print('BENCH', json.dumps({'seconds': dt, 'cpu_seconds': cpu, 'max_rss_kb': rss}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    if proc.returncode:
        raise SystemExit(f"stage {name} failed:\n{proc.stderr}")
    lines = proc.stdout.strip().splitlines()
    bench = json.loads(next(ln for ln in lines if ln.startswith("BENCH"))[6:])
    info = [ln for ln in lines if not ln.startswith("BENCH")]
    bench["info"] = json.loads(info[-1]) if info else {}
    return bench


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-per-arm", type=int, default=20000)
    parser.add_argument("--n-items", type=int, default=40)
    parser.add_argument("--keep", help="keep the export and report in this folder")
    parser.add_argument("--no-write", action="store_true", help="do not write the results file")
    args = parser.parse_args(argv)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="parley-analysis-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    export, out = work / "export", work / "report.html"
    rows = {}
    try:
        for name in ("generate", "load", "analyse", "report"):
            print(f"[{time.strftime('%H:%M:%S')}] {name} ...", flush=True)
            rows[name] = _stage(name, export, out, args.n_per_arm, args.n_items)
            print(f"    {rows[name]['seconds']:.1f} s, peak RSS "
                  f"{rows[name]['max_rss_kb'] / 1024:.0f} MiB", flush=True)
        size = sum(f.stat().st_size for f in export.iterdir())
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    base = rows["load"]["seconds"]
    n_part = rows["load"]["info"].get("participants")
    n_ans = rows["load"]["info"].get("answers")
    cmd = "  ".join(["$", ".venv/bin/python", "bench/analysis_report.py",
                     *(argv if argv is not None else sys.argv[1:])]).replace("  ", " ")
    lines = [
        "# Benchmark: analysis report",
        "",
        f"Command: `{cmd.lstrip('$ ').strip()}`",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M')} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"load average at the end {os.getloadavg()[0]:.1f} (other work shared the machine).",
        "",
        f"Data: {n_part:,} participants ({args.n_per_arm:,} per arm x 5 arms), "
        f"{args.n_items} before/after items, {n_ans:,} answer rows, export "
        f"{size / 2**20:,.0f} MiB of CSV.",
        "",
        "| stage | seconds | x load baseline | peak RSS (MiB) |",
        "|---|---:|---:|---:|",
    ]
    for name, label in (("generate", "generate export (synthetic)"),
                        ("load", "**baseline**: load + validate export"),
                        ("analyse", "all analyses (DataFrames)"),
                        ("report", "full HTML report (the `analyse` command)")):
        r = rows[name]
        lines.append(f"| {label} | {r['seconds']:.1f} | {r['seconds'] / base:.2f} | "
                     f"{r['max_rss_kb'] / 1024:,.0f} |")
    lines += [
        "",
        "Each stage runs in a fresh process; peak RSS is that process's `VmHWM` "
        "(includes the interpreter and libraries, about 150 MiB); times exclude imports. "
        "The analysis and report stages include loading the export. "
        "Bootstrap: 2,000 BCa resamples per item x arm.",
        f"Report size: {rows['report']['info'].get('html_bytes', 0) / 2**10:,.0f} KiB.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
