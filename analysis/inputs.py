"""Input checks every statistic shares: a clear ``ValueError`` before any arithmetic.

The functions take a long DataFrame plus column names (pingouin's habit);
a wrong frame or column name should say what is wrong and what was there,
not fail later inside pandas.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["check_frame"]


def check_frame(
    data: pd.DataFrame,
    columns: Sequence[str],
    *,
    group: str | None = None,
    control: object = None,
) -> None:
    """Raise ``ValueError`` unless ``data`` is a DataFrame holding ``columns``.

    With ``group``, ``control`` must also be one of that column's values
    (the control arm of an effect estimate).

    Examples
    --------
    >>> df = pd.DataFrame({"arm": ["a", "control"], "post": [1, 2]})
    >>> check_frame(df, ["arm", "post"], group="arm", control="control")
    >>> check_frame(df, ["pre"])
    Traceback (most recent call last):
    ...
    ValueError: column(s) ['pre'] not in data (columns: ['arm', 'post'])
    """
    if not isinstance(data, pd.DataFrame):
        raise ValueError("data must be a pandas DataFrame")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(f"column(s) {missing} not in data (columns: {list(data.columns)})")
    if group is not None and (control is None or not (data[group] == control).any()):
        raise ValueError(
            f"control {control!r} is not a value of column {group!r} "
            f"(values: {sorted(map(str, pd.unique(data[group])))})"
        )
