"""Free-text answers: themes found by clustering, their share by arm, example answers."""

from __future__ import annotations

import pandas as pd

from analysis.report.html import Page, esc, table

ID = "freetext"
HEADING = "Free-text answers"


def render(page: Page) -> str | None:
    res = page.res
    counts = res.text_counts
    if counts is None or counts.empty:
        return None
    themes = res.text_themes
    body = [f"<p>Themes found by clustering (TF-IDF and k-means per language, "
            f"scikit-learn), named by their most typical words; a language with fewer than "
            f"{max(page.min_cell, 4)} answers to a question is not clustered. Answers are "
            "shown as typed, escaped.</p>"]
    for row in counts.itertuples(index=False):
        body.append(f"<h3>{page.label(row.item)} · {esc(str(row.language))}</h3>")
        th = themes[(themes["item"] == row.item) & (themes["language"] == row.language)] \
            if not themes.empty else themes
        if th.empty:
            body.append(f"<p>{row.n} answer(s): too few to look for themes.</p>")
            continue
        body.append(table(th, f"Themes ({row.language})", ["theme", "terms", "n"]))
        sh = res.text_shares
        sh = sh[(sh["item"] == row.item) & (sh["language"] == row.language)]
        wide = sh.pivot_table(index="arm", columns="theme", values="share", aggfunc="first")
        wide = wide.fillna(0.0)
        wide.columns = [f"share_theme_{c}" for c in wide.columns]
        n = sh.groupby("arm")["n"].sum().rename("n")
        wide = pd.concat([n, wide], axis=1).reset_index().rename(columns={"index": "arm"})
        body.append(table(wide, f"Share of answers in each theme, by arm ({row.language})",
                          guard=("n",), min_cell=page.min_cell,
                          labels={c: c.replace("share_theme_", "theme ") for c in wide.columns}))
        ex = res.text_examples
        ex = ex[(ex["item"] == row.item) & (ex["language"] == row.language)]
        items = "".join(f"<li>Theme {int(r.theme)}: “{esc(str(r.text))}”</li>"
                        for r in ex.itertuples(index=False))
        body.append(f"<p>Example answers (closest to each theme's centre):</p><ul>{items}</ul>")
    return "".join(body)
