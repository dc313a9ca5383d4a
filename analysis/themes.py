"""Themes in free-text answers: TF-IDF and k-means per language (scikit-learn).

Simple and transparent on purpose: each theme is named by its highest-weight
terms and shown with real answers, so a reader can judge it; the report
calls them "themes found by clustering", not categories a person coded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["text_themes"]


def text_themes(
    answers: pd.DataFrame,
    min_answers: int = 10,
    max_themes: int = 6,
    n_terms: int = 5,
    n_examples: int = 3,
    seed: int = 0,
    max_answers: int = 5000,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Cluster free-text answers into themes, separately per language.

    Parameters
    ----------
    answers : DataFrame
        ``participant_id, arm, language, item, text`` (one answer per row;
        empty texts are dropped).
    min_answers : int
        Fewest answers of an item in a language to look for themes.
    max_themes : int
        Most themes per item and language; the number used is
        ``clip(round(sqrt(n / 2)), 2, max_themes)`` for n answers.
    max_answers : int
        Above this many answers of an item in a language, a random sample of
        this size (``seed``) is clustered and the shares are the sample's, so
        a campaign of 100,000 answers takes seconds, not minutes.

    Returns
    -------
    themes : DataFrame
        ``item, language, theme, terms`` (top terms), ``n``.
    shares : DataFrame
        ``item, language, theme, arm, n, share`` (share of the arm's answers
        of that item and language in the theme).
    examples : DataFrame
        ``item, language, theme, text``: the answers closest to the theme's
        centre (raw text: escape it before showing it).

    Notes
    -----
    Terms are words of two letters or more, weighted by TF-IDF with
    sublinear term frequency and L2-normalised rows; English stop words are
    removed for ``en`` (scikit-learn's list has no other language, so terms
    found in more than 90 % of a language's answers are dropped instead);
    k-means (k-means++, 10 starts, ``seed``) clusters the rows.

    Examples
    --------
    >>> df = pd.DataFrame({"participant_id": list("abcdefgh"), "arm": ["x"] * 8,
    ...     "language": ["en"] * 8, "item": ["why"] * 8,
    ...     "text": ["war costs lives"] * 4 + ["trade brings growth"] * 4})
    >>> themes, shares, _ = text_themes(df, min_answers=4)
    >>> sorted(themes["n"].tolist())
    [4, 4]
    """
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    cols = ["item", "language", "theme", "terms", "n"]
    t_rows, s_rows, e_rows = [], [], []
    d = answers.dropna(subset=["text"])
    d = d[d["text"].str.strip() != ""]
    for (item, lang), grp in d.groupby(["item", "language"], sort=True):
        if len(grp) < min_answers:
            continue
        if len(grp) > max_answers:
            grp = grp.sample(max_answers, random_state=seed)
        vec = TfidfVectorizer(sublinear_tf=True,  # words of 2+ letters (the default)
                              stop_words="english" if lang == "en" else None,
                              max_df=1.0 if len(grp) < 20 else 0.9)
        try:
            x = vec.fit_transform(grp["text"].to_numpy())
        except ValueError:  # nothing left after stop words
            continue
        k = int(np.clip(round(np.sqrt(len(grp) / 2)), 2, max_themes))
        k = min(k, x.shape[0], len({tuple(r) for r in x.toarray().round(6)}))
        if k < 2:
            continue
        km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(x)
        labels = km.labels_
        terms = np.array(vec.get_feature_names_out())
        dist = km.transform(x)
        for theme in range(k):
            members = np.flatnonzero(labels == theme)
            top = terms[np.argsort(km.cluster_centers_[theme])[::-1][:n_terms]]
            t_rows.append({"item": item, "language": lang, "theme": theme + 1,
                           "terms": ", ".join(top), "n": len(members)})
            closest = members[np.argsort(dist[members, theme])][:n_examples]
            for i in closest:
                e_rows.append({"item": item, "language": lang, "theme": theme + 1,
                               "text": grp["text"].iloc[i]})
        g = grp.assign(theme=labels + 1)
        counts = g.groupby(["arm", "theme"]).size()
        totals = g.groupby("arm").size()
        for (arm, theme), n in counts.items():
            s_rows.append({"item": item, "language": lang, "theme": theme, "arm": arm,
                           "n": int(n), "share": n / totals[arm]})
    return (pd.DataFrame(t_rows, columns=cols),
            pd.DataFrame(s_rows, columns=["item", "language", "theme", "arm", "n", "share"]),
            pd.DataFrame(e_rows, columns=["item", "language", "theme", "text"]))
