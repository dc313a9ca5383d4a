"""Where each rater stands before treatment: the anchors z and the opinion groups.

The bridging model fixes each rater's factor to ``z``: the standardised
scores on the first d principal components of the standardised *before*
answers to the campaign's anchor items (``codebook["exchange"]["anchors"]``).
Opinion groups are k-means clusters of z, their centres the m_g at which
the model predicts each group's fairness.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["anchor_scores", "opinion_centres", "kmeans", "silhouette"]


def anchor_scores(pre: pd.DataFrame, d: int = 1) -> pd.DataFrame:
    """The anchors z: standardised scores on the first ``d`` principal components.

    Parameters
    ----------
    pre : DataFrame
        Indexed by participant, one numeric column per anchor item (the
        before answers), first column the first anchor item. Not changed.
    d : int
        Number of components (1 or 2 in the design; any ``d`` below the
        number of items works).

    Returns
    -------
    DataFrame
        Indexed as ``pre`` (participants without any anchor answer left
        out), columns ``z1`` ... ``z<d>``, each with mean 0 and standard
        deviation 1.

    Notes
    -----
    Each item is standardised, :math:`x_{ij} = (v_{ij} - \\bar v_j) / s_j`
    (``ddof=1``); a missing answer is then 0, the item mean. With
    :math:`X = U \\Sigma V^\\top` (SVD), component k's score is :math:`X V_k`
    and z_k is that score divided by its standard deviation (``ddof=1``):
    R's ``scale(prcomp(x, scale. = TRUE)$x[, 1:d])``. Signs: z1 correlates
    positively with the first anchor item; a later component's largest
    loading (in absolute value) is positive.

    Examples
    --------
    >>> import pandas as pd
    >>> pre = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 1, 4, 3, 5]}, index=list("pqrst"))
    >>> anchor_scores(pre).round(3)["z1"].tolist()
    [-1.0, -1.0, 0.333, 0.333, 1.333]
    """
    if pre.shape[1] < 1:
        raise ValueError("no anchor items")
    if not 1 <= d <= pre.shape[1]:
        raise ValueError(f"d must be between 1 and the number of anchor items ({pre.shape[1]})")
    keep = pre.notna().any(axis=1)
    x = pre[keep].to_numpy(dtype=float)
    if x.shape[0] < 3:
        raise ValueError("anchors need at least 3 participants with answers")
    if (np.isfinite(x).sum(axis=0) < 2).any():  # nanstd would warn: no variance to tell
        raise ValueError("every anchor item needs answers that vary")
    sd = np.nanstd(x, axis=0, ddof=1)
    if not (np.isfinite(sd) & (sd > 0)).all():
        raise ValueError("every anchor item needs answers that vary")
    x = np.nan_to_num((x - np.nanmean(x, axis=0)) / sd)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    scores = x @ vt[:d].T
    for k in range(d):
        if k == 0:
            sign = np.sign(np.corrcoef(scores[:, 0], x[:, 0])[0, 1]) if x[:, 0].std() > 0 else 1
        else:
            sign = np.sign(vt[k][np.argmax(np.abs(vt[k]))])
        scores[:, k] *= sign if sign != 0 else 1.0
    sds = scores.std(axis=0, ddof=1)
    if not (sds > 0).all():
        raise ValueError("a principal component has no variance (too few distinct answers)")
    z = scores / sds
    return pd.DataFrame(z, index=pre.index[keep], columns=[f"z{k + 1}" for k in range(d)])


def kmeans(x: np.ndarray, k: int, seed: int = 0, n_init: int = 10,
           max_iter: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Lloyd's k-means with k-means++ starts: ``(labels, centres)`` of the best start.

    Notes
    -----
    Arthur & Vassilvitskii (2007) seeding, then Lloyd's iterations until no
    label changes; the start with the least within-cluster sum of squares
    wins. Deterministic for a given ``seed``.

    Examples
    --------
    >>> labels, centres = kmeans(np.array([[0.0], [0.1], [5.0], [5.2]]), 2)
    >>> sorted(np.round(centres[:, 0], 2).tolist())
    [0.05, 5.1]
    """
    rng = np.random.default_rng(seed)
    best = None
    for _ in range(n_init):
        centres = x[[rng.integers(x.shape[0])]]
        for _ in range(1, k):
            d2 = ((x[:, None, :] - centres[None]) ** 2).sum(axis=2).min(axis=1)
            total = d2.sum()
            pick = rng.choice(x.shape[0], p=d2 / total) if total > 0 else rng.integers(x.shape[0])
            centres = np.vstack([centres, x[pick]])
        labels = np.full(x.shape[0], -1)
        for _ in range(max_iter):
            new = ((x[:, None, :] - centres[None]) ** 2).sum(axis=2).argmin(axis=1)
            if (new == labels).all():
                break
            labels = new
            counts = np.bincount(labels, minlength=k)
            sums = np.stack([np.bincount(labels, x[:, j], minlength=k) for j in range(x.shape[1])],
                            axis=1)
            centres = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], centres)
        sse = float(((x - centres[labels]) ** 2).sum())
        if best is None or sse < best[0]:
            best = (sse, labels, centres)
    return best[1], best[2]


def silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette width (Rousseeuw 1987) with Euclidean distances.

    >>> round(silhouette(np.array([[0.0], [1.0], [10.0], [11.0]]), np.array([0, 0, 1, 1])), 4)
    0.8997
    """
    dist = np.sqrt(((x[:, None, :] - x[None]) ** 2).sum(axis=2))
    groups = np.unique(labels)
    member = labels[:, None] == groups[None, :]
    sums = dist @ member
    sizes = member.sum(axis=0)
    own = member.argmax(axis=1)
    n_own = sizes[own]
    a = np.where(n_own > 1, sums[np.arange(x.shape[0]), own] / np.maximum(n_own - 1, 1), 0.0)
    other = np.where(member, np.inf, sums / sizes[None, :])
    b = other.min(axis=1)
    s = np.where(n_own > 1, (b - a) / np.maximum(a, b), 0.0)
    return float(s.mean())


def opinion_centres(z: pd.DataFrame, k: int | None = None, k_range=(2, 3, 4, 5),
                    seed: int = 0, sample: int = 2000,
                    ) -> tuple[pd.Series, pd.DataFrame]:
    """Opinion groups of the raters and their centres on the z scale.

    Parameters
    ----------
    z : DataFrame
        The anchors (:func:`anchor_scores`), indexed by participant.
    k : int, optional
        Number of groups; by default the k in ``k_range`` with the highest
        mean silhouette (on at most ``sample`` participants), as Pol.is does.
    seed : int
        For the k-means starts and the silhouette sample.

    Returns
    -------
    (Series, DataFrame)
        Participant -> group (1, 2, ... ordered by the centre's first
        coordinate, so group 1 is furthest towards low z1), and the centres
        indexed by group with the columns of ``z``.

    Examples
    --------
    >>> import pandas as pd
    >>> z = pd.DataFrame({"z1": [-2.0, -1.9, 0.0, 0.1, 2.0, 2.1]})
    >>> groups, centres = opinion_centres(z, k=3)
    >>> groups.tolist(), centres["z1"].round(2).tolist()
    ([1, 1, 2, 2, 3, 3], [-1.95, 0.05, 2.05])
    """
    x = z.to_numpy(dtype=float)
    if k is None:
        rng = np.random.default_rng(seed)
        idx = rng.choice(x.shape[0], sample, replace=False) if x.shape[0] > sample else None
        best = None
        for kk in k_range:
            if kk >= x.shape[0]:
                continue
            labels, _ = kmeans(x, kk, seed)
            sil = silhouette(x[idx], labels[idx]) if idx is not None else silhouette(x, labels)
            if best is None or sil > best[0]:
                best = (sil, kk)
        if best is None:
            raise ValueError("too few raters for opinion groups")
        k = best[1]
    labels, centres = kmeans(x, k, seed)
    order = np.argsort(centres[:, 0], kind="stable")
    rank = np.empty(k, dtype=int)
    rank[order] = np.arange(1, k + 1)
    groups = pd.Series(rank[labels], index=z.index, name="group")
    table = pd.DataFrame(centres[order], columns=z.columns,
                         index=pd.Index(np.arange(1, k + 1), name="group"))
    return groups, table
