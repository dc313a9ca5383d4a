"""Opinion groups in the manner of Pol.is: PCA map, k-means, what each group agrees on.

Written from the published description of Pol.is (Small et al. 2021,
"Polis: Scaling deliberation by mapping high-dimensional opinion spaces"):
participants are placed on a 2-D map by principal components of their
answers, clustered with k-means, and each group is described by the
statements it agrees with more than the rest; statements that every group
agrees with are "consensus". No Pol.is code is used.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

__all__ = ["opinion_groups"]


def opinion_groups(
    data: pd.DataFrame,
    scale: pd.DataFrame,
    subject: str = "participant_id",
    item: str = "item",
    value: str = "value",
    k_range: Sequence[int] = (2, 3, 4, 5),
    agree_share: float = 0.6,
    min_answered: float = 0.8,
    seed: int = 0,
    silhouette_sample: int = 5000,
) -> dict[str, pd.DataFrame]:
    """Place participants on an opinion map and find groups.

    Parameters
    ----------
    data : DataFrame
        Long answers (typically the after answers of the Likert items), one
        row per subject x item.
    scale : DataFrame
        ``item, scale_min, scale_max`` (``Export.items``): "agree" means above
        the item's midpoint, "disagree" below it.
    k_range : sequence of int
        Numbers of groups tried; the one with the highest silhouette wins.
    agree_share : float
        An item is a group's (or the consensus) position when at least this
        share of the group agrees.
    min_answered : float
        Participants need answers to at least this share of the items.
    seed : int
        For k-means starts and the silhouette subsample.
    silhouette_sample : int
        Silhouettes on at most this many participants (the score is O(n^2)).

    Returns
    -------
    dict of DataFrame
        ``map``: subject, ``pc1``, ``pc2``, ``group``;
        ``choice``: ``k`` and ``silhouette`` for each k tried;
        ``items``: group x item ``agree``, ``disagree`` shares, ``agree_rest``
        (agree share among everyone else), ``difference``, ``representative``
        (agree >= agree_share and the largest difference for that group's top
        items), ``consensus`` (every group agrees >= agree_share);
        ``explained``: variance explained by pc1 and pc2.

    Notes
    -----
    Answers are centred per item and divided by the half-range of the item's
    scale (so every item runs from about -1 to 1, like Pol.is's agree /
    disagree votes; items are not standardised, so an item nobody disagrees
    on carries little variance); missing answers are set to the item mean (0
    after centring). PCA keeps two components, k-means
    (``n_init=10``) runs on the two coordinates, as in the Pol.is map.
    """
    missing = [c for c in (subject, item, value) if c not in data.columns]
    if missing:
        raise ValueError(f"column(s) {missing} not in data")
    wide = data.pivot_table(index=subject, columns=item, values=value, aggfunc="first")
    keep = wide.notna().mean(axis=1) >= min_answered
    wide = wide[keep]
    if wide.shape[0] < max(k_range) + 1 or wide.shape[1] < 2:
        raise ValueError("too few participants or items for opinion groups")
    x = wide.to_numpy(dtype=float)
    sc = scale.set_index("item").reindex(wide.columns)
    half = ((sc["scale_max"] - sc["scale_min"]) / 2).to_numpy()
    half = np.where(np.isfinite(half) & (half > 0), half, 1.0)
    mu = np.nanmean(x, axis=0)
    z = np.nan_to_num((x - mu) / half)
    pca = PCA(n_components=2, random_state=seed)
    coords = pca.fit_transform(z)
    rng = np.random.default_rng(seed)
    sample = (rng.choice(coords.shape[0], silhouette_sample, replace=False)
              if coords.shape[0] > silhouette_sample else np.arange(coords.shape[0]))
    choice, best = [], None
    for k in k_range:
        # Two coordinates per participant: each Lloyd step is a few microseconds of
        # arithmetic, so OpenMP's threads only add start-up and spin-wait (on a busy
        # 2-core machine 17 s instead of 1 s for 25,000 participants). One thread
        # gives the same clusters.
        with threadpool_limits(1):
            km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(coords)
        labels = km.labels_
        if np.unique(labels[sample]).size < 2:
            continue
        s = silhouette_score(coords[sample], labels[sample])
        choice.append({"k": k, "silhouette": s})
        if best is None or s > best[0]:
            best = (s, labels)
    labels = best[1]
    # order groups by size so group 1 is the largest
    sizes = np.bincount(labels)
    relabel = np.empty_like(sizes)
    relabel[np.argsort(-sizes, kind="stable")] = np.arange(sizes.size)
    labels = relabel[labels] + 1
    mp = pd.DataFrame({subject: wide.index, "pc1": coords[:, 0], "pc2": coords[:, 1],
                       "group": labels})
    mid = ((sc["scale_min"] + sc["scale_max"]) / 2).to_numpy()
    agree = np.where(np.isnan(x), np.nan, (x > mid).astype(float))
    disagree = np.where(np.isnan(x), np.nan, (x < mid).astype(float))
    rows = []
    for g in np.unique(labels):
        inside = labels == g
        a_in = np.nanmean(agree[inside], axis=0)
        d_in = np.nanmean(disagree[inside], axis=0)
        a_out = np.nanmean(agree[~inside], axis=0)
        for j, it in enumerate(wide.columns):
            rows.append({"group": int(g), "item": it, "n": int(inside.sum()),
                         "agree": a_in[j], "disagree": d_in[j], "agree_rest": a_out[j],
                         "difference": a_in[j] - a_out[j]})
    items = pd.DataFrame(rows)
    items["representative"] = (items["agree"] >= agree_share) & (items["difference"] > 0)
    cons = items.groupby("item")["agree"].min() >= agree_share
    items["consensus"] = items["item"].map(cons)
    return {
        "map": mp,
        "choice": pd.DataFrame(choice),
        "items": items,
        "explained": pd.DataFrame({"component": ["pc1", "pc2"],
                                   "share": pca.explained_variance_ratio_}),
    }
