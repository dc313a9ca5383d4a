"""Every choice the analysis makes (:class:`Options`); the report prints them all."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Options"]


@dataclass(frozen=True)
class Options:
    """Every choice the analysis makes; the report prints them all.

    Attributes
    ----------
    exclusions : tuple of str
        Exclusion rules (see :data:`analysis.quality.RULES`).
    speed_fraction : float
        Speed-index threshold for ``speeder``.
    straightline_min_items : int
        Minimum Likert answers in a phase for ``straightliner``.
    margins : str or None
        CSV of population margins (``variable, level, share``) for raking;
        ``None``: unweighted.
    family : str
        Multiplicity family when the manifest has no preregistration:
        ``"all"`` (every ANCOVA test of every item and arm is one family) or
        ``"item"`` (one family per item).
    level : float
        Confidence level.
    n_boot : int
        Bootstrap resamples for BCa intervals.
    zero_method : str
        Wilcoxon zero handling.
    support_threshold : float or None
        Answer at or above which a Likert answer counts as support (McNemar,
        meta-perception); ``None``: the first point above the midpoint.
    subgroup : str or None
        Participant column (or profile item) for subgroup shifts.
    seed : int
        Seed for the bootstrap and k-means.
    min_cell : int
        Minimum cell size: the report shows "too few participants" instead of
        an estimate from fewer (default 10, see ``analysis.report.html.MIN_CELL``).
    pretreatment_checks : bool
        Exclusion rules look only at answers given before the treatment
        (phases ``profile`` and ``pre``), as Montgomery, Nyhan and Torres
        (2018) advise; ``False`` uses every phase.
    plan : dict or None
        Analysis plan (``analysis.plan.load_plan``); ``None``: the export's
        ``preregistration``, if any.
    """

    exclusions: tuple[str, ...] = ("speeder", "failed_attention")
    speed_fraction: float = 0.4
    straightline_min_items: int = 6
    margins: str | None = None
    family: str = "all"
    level: float = 0.95
    n_boot: int = 2000
    zero_method: str = "wilcox"
    support_threshold: float | None = None
    subgroup: str | None = None
    seed: int = 0
    min_cell: int = 10
    plan: dict | None = None
    pretreatment_checks: bool = True
