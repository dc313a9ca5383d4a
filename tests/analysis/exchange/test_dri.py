"""The Deliberative Reason Index against a hand-worked example of its definition.

Reference: Niemeyer, Veri, Dryzek and Bachtiger, "How Deliberation Happens:
Enabling Deliberative Reason", APSR 2024 (first view 2023), and its
supplementary code: d_ij = |r_C - r_P| / sqrt(2) for each pair of
participants (Spearman correlations of considerations and of preference
rankings), DRI = (lambda - 2 mean d) / lambda with lambda = sqrt(2) / 2.
The R package deliberr implements the same: its output on a small data set
with ties is kept in ``tests/analysis/reference`` with the R script that made
it (R from Debian, deliberr's functions sourced from its repository, as
there is no CRAN here), and the first test below also works the definition
by hand, with Spearman's textbook formula 1 - 6 sum(d^2) / (n (n^2 - 1))
for untied ranks.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.exchange.dri import _considerations, dri, dri_by_group, dri_table
from analysis.exchange.effects import exchange_condition
from analysis.exchange.summary import analyse_exchange

C = pd.DataFrame([[1, 2, 3, 4], [2, 1, 4, 3], [4, 3, 2, 1]], index=["a", "b", "c"])
P = pd.DataFrame([[1, 2, 3], [1, 3, 2], [3, 2, 1]], index=["a", "b", "c"])


def spearman_by_hand(x, y):
    n = len(x)
    return 1 - 6 * sum((xi - yi) ** 2 for xi, yi in zip(x, y, strict=True)) / (n * (n * n - 1))


def test_group_and_individual_dri_follow_the_definition_worked_by_hand():
    # a-b: r_C = 1 - 6*4/60 = 0.6, r_P = 1 - 6*2/24 = 0.5; a-c: -1 and -1; b-c: -0.6 and -0.5
    assert spearman_by_hand([1, 2, 3, 4], [2, 1, 4, 3]) == pytest.approx(0.6)
    assert spearman_by_hand([1, 3, 2], [3, 2, 1]) == pytest.approx(-0.5)
    d = {}
    for i, j in itertools.combinations(C.index, 2):
        rc = spearman_by_hand(C.loc[i].tolist(), C.loc[j].tolist())
        rp = spearman_by_hand(P.loc[i].tolist(), P.loc[j].tolist())
        d[(i, j)] = abs(rc - rp) / math.sqrt(2)
    lam = math.sqrt(2) / 2
    group = (lam - 2 * np.mean(list(d.values()))) / lam
    out = dri(C, P)
    assert out["dri"] == pytest.approx(group, abs=1e-12) and out["dri"] == pytest.approx(1 - 0.4 / 3)
    ind_a = (lam - 2 * (d[("a", "b")] + d[("a", "c")]) / 2) / lam
    assert out["individual"]["a"] == pytest.approx(ind_a)
    assert out["pairs"] == 3 and not out["sampled"]


def test_ties_use_average_ranks_and_constant_answers_are_left_out():
    c = pd.DataFrame([[1, 1, 2, 3], [3, 3, 3, 3], [2, 1, 1, 3], [1, 2, 3, 3]], index=list("abcd"))
    p = pd.DataFrame([[1, 2, 3], [1, 2, 3], [2, 1, 3], [3, 1, 2]], index=list("abcd"))
    out = dri(c, p)
    assert out["n"] == 3 and out["dropped"] == 1  # b answered every consideration alike
    # average-rank Spearman, as R's cor(method = "spearman")
    ids = ["a", "c", "d"]
    ds = [abs(stats.spearmanr(c.loc[i], c.loc[j])[0] - stats.spearmanr(p.loc[i], p.loc[j])[0])
          / math.sqrt(2) for i, j in itertools.combinations(ids, 2)]
    assert out["dri"] == pytest.approx(1 - 2 * math.sqrt(2) * np.mean(ds))


def test_above_the_limit_pairs_are_sampled_and_agree_with_all_pairs():
    rng = np.random.default_rng(3)
    lean = rng.normal(size=600)
    c = pd.DataFrame(np.round(lean[:, None] * np.linspace(-1, 1, 8) + rng.normal(0, 1, (600, 8))))
    p = pd.DataFrame(lean[:, None] * np.array([-1, 0, 1]) + rng.normal(0, 0.7, (600, 3)))
    full = dri(c, p)
    sampled = dri(c, p, max_full=100, n_pairs=300_000)
    assert sampled["sampled"] and sampled["pairs"] == 300_000
    assert sampled["dri"] == pytest.approx(full["dri"], abs=0.01)


def test_the_demo_report_has_the_dri_before_and_after(demo):
    table = analyse_exchange(demo, n_boot=0).dri
    assert set(table["phase"]) == {"pre", "post"}
    assert {"all", "peers", "placebo"} <= set(table["group"])
    assert table["dri"].between(-1, 1).all()


def test_the_report_table_is_dri_by_group_on_the_pivoted_answers(demo):
    """``dri_table`` works on participant codes and numpy matrices; what it gives must be
    :func:`dri_by_group` on the answers pivoted by pandas, the plain statement of which
    answers count (first non-missing value per item, each option's place in the ranking,
    the kept participants with both). The demo's 1,000 participants have int16 codes:
    a code times the 36 items overflowed int16 in a first version of the matrices."""
    ex = demo.keyed()
    condition = exchange_condition(ex.exchange["exposures"], ex.exchange["statements"])
    kept = ex.participants["participant_id"].iloc[::3]  # exclusions: a third kept
    table = dri_table(ex, condition, kept, seed=0)
    t = ex.items
    both = t["phases"].map(lambda ph: "pre" in ph and "post" in ph)
    views = list(t.loc[both & t["attitude"].astype(bool), "item"])
    ranking = t.loc[both & (t["text_coding"] == "ranked_option_ids"), "item"].iloc[0]
    options = list(t.set_index("item").loc[ranking, "option_ids"])
    arm = ex.participants.set_index("participant_id")["arm"]
    expected = []
    for phase in ("pre", "post"):
        a = demo.answers
        a = a[(a["phase"] == phase) & a["participant_id"].isin(kept)]
        c = a[a["item"].isin(views)].pivot_table(index="participant_id", columns="item",
                                                 values="value", aggfunc="first")
        order = a[a["item"] == ranking].set_index("participant_id")["text"].dropna()
        pos = pd.DataFrame({o: [r.split("|").index(o) + 1 if o in r.split("|") else np.nan
                                for r in order] for o in options}, index=order.index)
        people = c.index.intersection(pos.index)
        groups = {("all", "all"): people,
                  **{("exchange", g): people.intersection(condition.index[condition == g])
                     for g in ("peers", "placebo")},
                  **{("arm", g): people.intersection(arm.index[arm == g]) for g in ex.arms}}
        found = dri_by_group(c.loc[people], pos.loc[people], groups)
        expected += [(phase, g, r["n"], r["dri"]) for (_by, g), r in found.items()]
    assert len(people) > 200 and len(table) == len(expected) == 2 * (3 + len(ex.arms))
    for (phase, group, n, value), row in zip(expected, table.itertuples(), strict=True):
        assert (row.phase, row.group, row.n) == (phase, group, n)
        assert row.dri == pytest.approx(value, abs=1e-12)


def test_narrow_participant_codes_do_not_merge_participants_answers():
    """Categorical codes of 3,000 participants are int16; a code times the 40 items passed
    int16's range and merged participants' cells in a first version of the matrices."""
    n, k = 3000, 40
    person = np.repeat(np.arange(n, dtype=np.int16), k)
    item = np.tile(np.arange(k, dtype=np.int8), n)
    value = (np.arange(n * k) % 7).astype(float)
    matrix, answered = _considerations(person, item, value, np.arange(k), n)
    assert answered.all()
    np.testing.assert_array_equal(matrix, value.reshape(n, k))


def test_groups_in_one_pass_are_each_group_on_its_own():
    """``dri_by_group`` (ranks once, one pass over the pairs for every group) gives what
    ``dri`` gives each group's rows alone; above the limit a group is sampled."""
    rng = np.random.default_rng(4)
    n = 700
    lean = rng.normal(size=n)
    c = pd.DataFrame(np.round(lean[:, None] * np.linspace(-1, 1, 6) + rng.normal(0, 1, (n, 6))),
                     index=[f"p{i}" for i in range(n)])
    p = pd.DataFrame(lean[:, None] * np.array([-1, 0, 1]) + rng.normal(0, 0.7, (n, 3)),
                     index=c.index)
    c.iloc[3] = 2.0  # no variation: left out, as dri leaves it out
    groups = {"all": c.index, "even": c.index[::2], "some": c.index[5:300], "one": c.index[:1]}
    found = dri_by_group(c, p, groups)
    for name, ids in groups.items():
        alone = dri(c.loc[ids], p.loc[ids])
        assert found[name]["n"] == alone["n"] and found[name]["pairs"] == alone["pairs"]
        if alone["n"] >= 2:
            assert found[name]["dri"] == pytest.approx(alone["dri"], abs=1e-12)
    sampled = dri_by_group(c, p, groups, max_full=400, n_pairs=300_000)
    assert sampled["all"]["sampled"] and not sampled["some"]["sampled"]
    assert sampled["all"]["dri"] == pytest.approx(found["all"]["dri"], abs=0.01)
    assert sampled["some"]["dri"] == pytest.approx(found["some"]["dri"], abs=1e-12)
    every = dri_by_group(c, p, groups, max_full=50, n_pairs=100_000)  # no group enumerated
    assert all(every[name]["sampled"] for name in ("all", "even", "some"))
    assert every["one"] == {"dri": every["one"]["dri"], "n": 1, "pairs": 0, "sampled": False}
    assert every["some"]["dri"] == pytest.approx(found["some"]["dri"], abs=0.02)


def test_group_and_individual_dri_equal_deliberrs_output():
    # Reference: the R package deliberr (Kreia Umbelino and Veri; github.com/gumbelino/deliberr,
    # commit 6bcba3c), get_dri_ic + get_dri(adjusted = FALSE) + get_dri_ind run on
    # reference/dri_deliberr_input.csv by reference/dri_deliberr.R (R 4.2.2); its output is
    # kept in reference/dri_deliberr_output.csv. adjusted = FALSE is the paper's formula, which
    # the report gives; the data have ties, so R's average-rank Spearman is exercised.
    from pathlib import Path

    ref = Path(__file__).parents[1] / "reference"
    data = pd.read_csv(ref / "dri_deliberr_input.csv").set_index("pnum")
    expected = pd.read_csv(ref / "dri_deliberr_output.csv").set_index("who")["value"]
    out = dri(data.filter(regex=r"^C\d+$"), data.filter(regex=r"^P\d+$"))
    assert out["n"] == 14 and out["pairs"] == 91 and not out["sampled"]
    assert out["dri"] == pytest.approx(expected["group"], abs=1e-12)
    for pnum, value in out["individual"].items():
        assert value == pytest.approx(expected[f"pnum_{pnum}"], abs=1e-12), pnum
