"""Balance across arms: standardised differences of what was measured before treatment."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["standardised_differences", "IMBALANCE", "BALANCE_RULE"]

#: The one pre-specified balance rule: a baseline variable whose standardised difference
#: exceeds this (in absolute value) between an arm and the reference is imbalanced
IMBALANCE = 0.1
#: the rule in words, for the report's text and its warning (the same rule in both)
BALANCE_RULE = (
    f"a baseline variable with |d| > {IMBALANCE:g} between an arm and the reference is "
    "imbalanced and is to be added as a covariate to that arm's ANCOVA in a sensitivity "
    "analysis; the primary ANCOVA adjusts for the before answer only, as planned. "
    "Baseline differences are described, not tested: after randomisation any difference is "
    "chance by construction (CONSORT 2010, explanation of item 15; Altman 1985)")


def standardised_differences(
    data: pd.DataFrame,
    group: str,
    reference: str,
    numeric: Sequence[str] = (),
    categorical: Sequence[str] = (),
) -> pd.DataFrame:
    """Standardised difference of each variable between every group and ``reference``.

    Parameters
    ----------
    data : DataFrame
        One row per participant.
    group : str
        Column with the arm.
    reference : str
        The arm every other arm is compared with (the control).
    numeric : sequence of str
        Numeric columns (missing values dropped per variable).
    categorical : sequence of str
        Categorical columns: one row per level (share in the level).

    Returns
    -------
    DataFrame
        ``variable, level`` ("" for numeric), ``arm, n_arm, n_reference,
        value_arm, value_reference`` (mean, or share in the level), ``smd``,
        ``imbalanced`` (:math:`|d| >` :data:`IMBALANCE`).

    Notes
    -----
    Austin (2009), *Balance diagnostics for comparing the distribution of
    baseline covariates between treatment groups in propensity-score matched
    samples*, Stat. Med. 28:3083-3107, equations (1) and (2):
    numeric :math:`d = (\\bar x_a - \\bar x_r) / \\sqrt{(s_a^2 + s_r^2)/2}`;
    a level of a categorical variable with shares :math:`p`:
    :math:`d = (p_a - p_r) / \\sqrt{(p_a(1-p_a) + p_r(1-p_r))/2}`.
    |d| above 0.1 is the usual mark of imbalance (Austin 2009) and the one
    rule here (:data:`IMBALANCE`, :data:`BALANCE_RULE`). No significance test
    of baseline differences is made: after randomisation they are chance by
    construction (CONSORT 2010, item 15). When both variances are 0 the
    difference is undefined (NaN, not imbalanced).

    Examples
    --------
    >>> df = pd.DataFrame({"arm": ["t"] * 3 + ["c"] * 3, "x": [2, 3, 4, 1, 2, 3]})
    >>> float(standardised_differences(df, "arm", "c", numeric=["x"])["smd"].iloc[0])
    1.0
    """
    if group not in data.columns:
        raise ValueError(f"column {group!r} not in data")
    rows = []
    ref = data[data[group] == reference]
    arms = [a for a in pd.unique(data[group].dropna()) if a != reference]
    for arm in arms:
        sub = data[data[group] == arm]
        for var in numeric:
            a, r = sub[var].dropna().astype(float), ref[var].dropna().astype(float)
            pooled = np.sqrt((a.var(ddof=1) + r.var(ddof=1)) / 2) if min(len(a), len(r)) > 1 \
                else np.nan
            smd = (a.mean() - r.mean()) / pooled if pooled and pooled > 0 else np.nan
            rows.append({"variable": var, "level": "", "arm": arm, "n_arm": len(a),
                         "n_reference": len(r), "value_arm": a.mean(),
                         "value_reference": r.mean(), "smd": smd})
        for var in categorical:
            a, r = sub[var].dropna(), ref[var].dropna()
            for level in sorted(set(pd.unique(a)) | set(pd.unique(r)), key=str):
                pa = float((a == level).mean()) if len(a) else np.nan
                pr = float((r == level).mean()) if len(r) else np.nan
                pooled = np.sqrt((pa * (1 - pa) + pr * (1 - pr)) / 2)
                smd = (pa - pr) / pooled if pooled > 0 else np.nan
                rows.append({"variable": var, "level": str(level), "arm": arm,
                             "n_arm": len(a), "n_reference": len(r), "value_arm": pa,
                             "value_reference": pr, "smd": smd})
    out = pd.DataFrame(rows, columns=["variable", "level", "arm", "n_arm", "n_reference",
                                      "value_arm", "value_reference", "smd"])
    out["imbalanced"] = out["smd"].abs().gt(IMBALANCE)
    return out
