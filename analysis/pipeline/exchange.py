"""The step of the argument exchange: bridging scores and the effect of hearing peers."""

from __future__ import annotations

from analysis.exchange.summary import analyse_exchange
from analysis.pipeline.run import Run

__all__ = ["exchange_step"]


def exchange_step(run: Run) -> None:
    """The exchange's tables (``exchange_*``) from the export's exchange files, if any.

    Bridging scores use every rating; effects use the participants kept
    after the exclusion rules.
    """
    plan = run.res.plan
    outcomes = list(plan["exchange"]["outcomes"]) if plan and plan.get("exchange") else None
    x = analyse_exchange(run.ex, run.kept, seed=run.opt.seed,
                         n_boot=min(run.opt.n_boot, 50), outcomes=outcomes)
    run.res.exchange = x
    if x is None:
        return
    run.res.exchange_flow = x.flow
    run.res.exchange_scores = x.scores.reset_index()
    run.res.exchange_centres = x.centres.reset_index()
    run.res.exchange_effects = x.effects
    run.res.exchange_effects_by_arm = x.effects_by_arm
    run.res.exchange_effects_by_group = x.effects_by_group
    run.res.exchange_selection_effects = x.selection_effects
    run.res.exchange_statement_effects = x.statement_effects.reset_index()
    run.res.exchange_feedback_effects = x.feedback_effects
    run.res.exchange_diagnostics = x.diagnostics
    run.res.exchange_checks = x.checks
    run.res.exchange_dri = x.dri
    run.res.exchange_pairwise = x.pairwise
    run.res.exchange_moderation = x.moderation
    run.res.exchange_moderation_tests = x.moderation_tests
    run.res.exchange_sensitivity = x.sensitivity
