"""The whole analysis of one export as named tables (what the report shows).

:func:`analyse_export` runs every step of :data:`STEPS` with explicit,
recorded options (:class:`~analysis.options.Options`) and returns
:class:`~analysis.results.Results`; :mod:`analysis.report` only formats it.
The steps live by meaning: :mod:`.sample` (who is analysed), :mod:`.change`
(shifts, effects, the plan) and :mod:`.opinion` (distributions, structure,
text); :mod:`.run` holds what they share.
"""

from __future__ import annotations

from pathlib import Path

from threadpoolctl import threadpool_limits

from analysis.export import Export
from analysis.frames import as_text_columns
from analysis.load import load_export
from analysis.options import Options
from analysis.pipeline import change, exchange, opinion, sample
from analysis.pipeline.change import resolve_plan
from analysis.pipeline.run import Run, as_text
from analysis.results import Results

__all__ = ["Options", "Results", "analyse_export", "resolve_plan", "STEPS", "ALWAYS"]


#: The analysis as named steps, run in order; each reads and fills tables of
#: :class:`Results`. A new analysis is a function ``step(run)`` (in the module
#: of its kind) added here, the tables it fills declared in
#: :class:`~analysis.results.Results`, and a report section that shows them
#: (see ``analysis/report/``).
STEPS: list[tuple[str, object]] = [
    ("quality", sample.quality_step),
    ("weights", sample.weights_step),
    ("shifts", change.shifts_step),
    ("effects", change.effects_step),
    ("plan", change.plan_step),
    ("ordinal", opinion.ordinal_step),
    ("constructs", change.constructs_step),
    ("polarisation", opinion.polarisation_step),
    ("rankings", opinion.rankings_step),
    ("order", opinion.order_step),
    ("metaperception", opinion.metaperception_step),
    ("groups", opinion.groups_step),
    ("freetext", opinion.freetext_step),
    ("followup", change.followup_step),
    ("flow", sample.flow_step),
    ("attrition", sample.attrition_step),
    ("checks", sample.checks_step),
    ("exchange", exchange.exchange_step),
]
#: steps that run even when no participant has a complete before/after pair
ALWAYS = ("quality", "weights", "shifts", "flow", "checks", "exchange")


def analyse_export(export: Export | str | Path, options: Options | None = None,
                   **kwargs) -> Results:
    """Run the full analysis: every step of :data:`STEPS`, in order.

    Parameters
    ----------
    export : Export or path
        A loaded export or a path for :func:`analysis.load.load_export`.
    options : Options, optional
        All choices; keyword arguments override single fields
        (``analyse_export(path, n_boot=500)``).

    Returns
    -------
    Results
        Every table a named attribute (``res.shifts``), its columns documented
        in :class:`~analysis.results.Results`.
    """
    public = export if isinstance(export, Export) else load_export(export)
    ex = public.keyed()  # categorical keys inside; the tables come out with text columns
    opt = options or Options()
    if kwargs:
        opt = Options(**{**opt.__dict__, **kwargs})
    run = Run(ex, opt, Results(public, opt))
    run.res.plan = resolve_plan(ex, opt)
    # One BLAS/OpenMP thread: the steps do thousands of small products (a dot of
    # 25,000 values, a 40-column regression), where a second thread only adds
    # hand-over and spin-waiting; on a shared 2-core machine OpenBLAS's threads made
    # bimodality_coefficient 40 times slower (3.0 s instead of 0.08 s for 72 groups).
    with threadpool_limits(limits=1):
        for name, step in STEPS:
            if name not in ALWAYS and (run.pp is None or run.pp.empty):
                continue  # nothing to analyse: the report says so, from the empty tables
            step(run)
    if run.pp is not None and run.pp.empty:
        run.res.notes.append("No analysed participant has answered an item before and after: "
                             "there are no shifts or effects to report.")
    for name in Results.table_names():
        setattr(run.res, name, as_text_columns(getattr(run.res, name)))
    run.res.kept = as_text(run.res.kept)
    run.res.analysed = as_text(run.res.analysed)
    return run.res
