"""Command line: ``python -m analysis EXPORT --out report.html`` and ``demo-data``.

The two plain functions :func:`analyse` and :func:`demo_data` are what
``parley analyse`` and ``parley demo-data`` call.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from analysis.load import ExportError
from analysis.plan import PlanError, load_plan, plan_from_primary
from analysis.power import plan_sample_size
from analysis.quality import RULES
from analysis.report import write_report
from analysis.synthetic import ARMS, demo_margins, write_demo_export

__all__ = ["analyse", "demo_data", "power", "main"]


def analyse(export: str | Path, out: str | Path = "report.html", *,
            margins: str | Path | None = None,
            exclusions: Sequence[str] = ("speeder", "failed_attention"),
            n_boot: int = 2000, subgroup: str | None = None, family: str = "all",
            seed: int = 0, plan: str | Path | None = None,
            primary: Sequence[str] | None = None, min_cell: int = 10) -> Path:
    """Write the HTML report of an export; returns the report path.

    Parameters
    ----------
    export : path
        Export folder or zip (``parley export``).
    out : path
        HTML file to write.
    margins : path, optional
        CSV ``variable, level, share`` of population margins for raking weights.
    exclusions : sequence of str
        Exclusion rules (``speeder``, ``straightliner``, ``failed_attention``,
        ``incomplete``); ``()`` keeps everyone.
    n_boot : int
        Bootstrap resamples.
    subgroup : str, optional
        Participant column or profile item for subgroup shifts.
    family : {"all", "item"}
        Multiplicity family when the campaign has no preregistration.
    seed : int
        Random seed.
    plan : path, optional
        Analysis plan TOML (``analysis.plan``); default: the plan frozen in the export.
    primary : sequence of str, optional
        Shortcut for a minimal plan: these items, every treated arm, either direction.
    min_cell : int
        Minimum cell size below which the report shows "too few participants".
    """
    the_plan = load_plan(plan) if plan else plan_from_primary(primary) if primary else None
    return write_report(export, out, margins=str(margins) if margins else None,
                        exclusions=tuple(exclusions), n_boot=n_boot, subgroup=subgroup,
                        family=family, seed=seed, plan=the_plan, min_cell=min_cell)


def power(plan: str | Path, n_sims: int = 2000, seed: int = 0,
          arms: Sequence[str] | None = None, exchange_arms: int | None = None) -> str:
    """How many participants per arm the plan needs, as a few lines of text.

    ``arms`` are the treated arms (every arm but control); a plan whose
    hypotheses say ``arm = "*"`` needs them to count its tests.
    ``exchange_arms``: arms per exchange condition of a crossed design.
    """
    r = plan_sample_size(load_plan(plan), treated_arms=arms, n_sims=n_sims, seed=seed,
                         exchange_arms=exchange_arms)
    sim = (f"; simulated power at that n: {r['power_simulated']:.1%} over {n_sims} studies"
           if n_sims else "")
    return (f"{r['n_per_arm']} analysed participants per arm ({r['total']} in "
            f"{r['arms']} arms including control) give {r['power']:.1%} power to detect "
            f"{r['effect']:g} SD in each of {r['tests']} tests ({r['hypotheses']} hypotheses; "
            f"ANCOVA against control, before/after correlation {r['correlation']:g}, alpha "
            f"{r['alpha_per_test']:.4g} per test; closed form, Borm et al. 2007{sim}). "
            f"{_exchange_power(r['exchange'])}Add "
            "the expected share of break-offs and exclusions on top.")


def _exchange_power(ex: dict | None) -> str:
    """The sentence on the peers-vs-placebo contrast of a plan's ``[exchange]``."""
    if not ex:
        return ""
    head = (f"Peers vs placebo ({ex['tests']} outcomes, alpha {ex['alpha_per_test']:.4g} per "
            f"test) needs {ex['needed_per_condition']} per condition to detect "
            f"{ex['effect']:g} SD")
    if "n_per_condition" not in ex:
        return head + ". "
    return (head + f"; the design gives {ex['n_per_condition']} per condition: "
            f"{ex['power']:.1%} power. ")


def demo_data(out_dir: str | Path, *, n_per_arm: int = 200, seed: int = 0,
              n_items: int = 12) -> Path:
    """Write a synthetic export (and ``margins.csv`` for raking) to ``out_dir``."""
    path = write_demo_export(out_dir, n_per_arm=n_per_arm, seed=seed, n_items=n_items)
    demo_margins().to_csv(path / "margins.csv", index=False, lineterminator="\n")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m analysis``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m analysis",
                                     description="Analyse a Parley export into an HTML report.")
    sub = parser.add_subparsers(dest="command")
    a = sub.add_parser("analyse", help="write the report of an export (default command)")
    a.add_argument("export", help="export folder or zip")
    a.add_argument("--out", default="report.html", help="HTML file (default report.html)")
    a.add_argument("--margins", help="CSV of population margins (variable,level,share)")
    a.add_argument("--exclude", nargs="*", default=["speeder", "failed_attention"],
                   choices=RULES, help="exclusion rules (none to keep everyone)")
    a.add_argument("--n-boot", type=int, default=2000)
    a.add_argument("--subgroup", help="participant column or profile item")
    a.add_argument("--family", choices=["all", "item"], default="all")
    a.add_argument("--seed", type=int, default=0)
    a.add_argument("--plan", help="analysis plan TOML (default: the plan frozen in the export)")
    a.add_argument("--primary", help="comma-separated primary items (a minimal plan)")
    a.add_argument("--min-cell", type=int, default=10,
                   help="minimum cell size shown as a number (default 10)")
    pw = sub.add_parser("power", help="participants per arm an analysis plan needs")
    pw.add_argument("plan", help="analysis plan TOML")
    pw.add_argument("--n-sims", type=int, default=2000)
    pw.add_argument("--seed", type=int, default=0)
    pw.add_argument("--arms", help="comma-separated treated arms (needed when a hypothesis "
                    "says arm = \"*\")")
    pw.add_argument("--exchange-arms", type=int, help="arms per exchange condition (peers "
                    "or placebo) of a design crossing the briefings with the exchange")
    d = sub.add_parser("demo-data", help="write a synthetic export with known effects")
    d.add_argument("out_dir")
    d.add_argument("--n-per-arm", type=int, default=200)
    d.add_argument("--n-items", type=int, default=12)
    d.add_argument("--seed", type=int, default=0)
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in ("analyse", "demo-data", "power", "-h", "--help"):
        argv = ["analyse", *argv]
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "demo-data":
            path = demo_data(args.out_dir, n_per_arm=args.n_per_arm, seed=args.seed,
                             n_items=args.n_items)
            print(f"wrote synthetic export to {path} (arms: {', '.join(ARMS)}, each ending "
                  "with the placebo step, and their _peers twins)")
        elif args.command == "power":
            print(power(args.plan, n_sims=args.n_sims, seed=args.seed,
                        arms=args.arms.split(",") if args.arms else None,
                        exchange_arms=args.exchange_arms))
        else:
            path = analyse(args.export, args.out, margins=args.margins,
                           exclusions=args.exclude, n_boot=args.n_boot,
                           subgroup=args.subgroup, family=args.family, seed=args.seed,
                           plan=args.plan,
                           primary=args.primary.split(",") if args.primary else None,
                           min_cell=args.min_cell)
            print(f"wrote {path}")
    except (ExportError, PlanError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
