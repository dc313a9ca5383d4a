"""The anchored bridging model: the optimum, its uncertainty, recovery and the fixed interface.

The reference for the fit is the model itself as Parley's exchange design
states it (``y = mu + a_u + c_n + z_u . f_n + e`` with ridge penalties
5, 5, 3, 1), solved here independently: the full design matrix is written
out and the ridge normal equations ``(X'X + Lambda) theta = X'y`` are solved
with ``numpy.linalg.solve``, a method the package does not use (it runs
conjugate gradients on a Schur complement and block coordinate descent).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import analysis
from analysis.exchange.anchors import anchor_scores, opinion_centres
from analysis.exchange.bridging import bridging_fit
from analysis.synthetic_exchange import simulate_fairness

# A written-out example: 6 raters, 4 statements, 2 anchor dimensions, 17 ratings.
RATINGS = pd.DataFrame(
    [("u1", "s1", 1.0), ("u1", "s2", 0.0), ("u1", "s3", 0.5),
     ("u2", "s1", 1.0), ("u2", "s2", 0.5), ("u2", "s4", 0.0),
     ("u3", "s1", 0.5), ("u3", "s3", 1.0), ("u3", "s4", 1.0),
     ("u4", "s2", 1.0), ("u4", "s3", 0.0), ("u4", "s4", 0.5),
     ("u5", "s1", 0.0), ("u5", "s2", 1.0),
     ("u6", "s3", 0.5), ("u6", "s4", 1.0), ("u6", "s1", 0.5)],
    columns=["rater", "statement", "rating"])
ANCHORS = pd.DataFrame({"left": [-1.3, -0.4, 0.2, 1.1, 0.9, -0.5],
                        "young": [0.3, -1.0, 0.8, 0.1, -0.6, 1.2]},
                       index=["u1", "u2", "u3", "u4", "u5", "u6"])
LAM_C, LAM_F, LAM_A, LAM_MU = 5.0, 5.0, 3.0, 1.0


def ridge_by_normal_equations(ratings, anchors):
    """mu, a, c, f and the penalised Hessian from the full design matrix."""
    raters = sorted(ratings["rater"].unique())
    statements = sorted(ratings["statement"].unique())
    d = anchors.shape[1]
    n_u, n_n = len(raters), len(statements)
    p = 1 + n_u + n_n * (1 + d)
    x = np.zeros((len(ratings), p))
    for i, (r, s, _) in enumerate(ratings.itertuples(index=False)):
        ui, si = raters.index(r), statements.index(s)
        x[i, 0] = 1.0
        x[i, 1 + ui] = 1.0
        x[i, 1 + n_u + si] = 1.0
        x[i, 1 + n_u + n_n + si * d: 1 + n_u + n_n + (si + 1) * d] = anchors.loc[r].to_numpy()
    penalty = np.concatenate([[LAM_MU], np.full(n_u, LAM_A), np.full(n_n, LAM_C),
                              np.full(n_n * d, LAM_F)])
    hessian = x.T @ x + np.diag(penalty)
    theta = np.linalg.solve(hessian, x.T @ ratings["rating"].to_numpy())
    mu, a = theta[0], theta[1:1 + n_u]
    c = theta[1 + n_u:1 + n_u + n_n]
    f = theta[1 + n_u + n_n:].reshape(n_n, d)
    rss = float(((ratings["rating"].to_numpy() - x @ theta) ** 2).sum())
    return mu, a, c, f, hessian, rss, raters, statements


def test_the_fit_is_the_ridge_optimum_solved_by_the_normal_equations():
    mu, a, c, f, hessian, rss, raters, statements = ridge_by_normal_equations(RATINGS, ANCHORS)
    fit = bridging_fit(RATINGS, ANCHORS)
    assert fit.mu == pytest.approx(mu, abs=1e-8)
    np.testing.assert_allclose(fit.raters.loc[raters, "intercept"], a, atol=1e-8)
    np.testing.assert_allclose(fit.statements.loc[statements, "intercept"], c, atol=1e-8)
    np.testing.assert_allclose(fit.statements.loc[statements, ["slope_left", "slope_young"]],
                               f, atol=1e-8)
    assert fit.max_change <= 1e-10
    assert fit.rss == pytest.approx(rss, rel=1e-8)


def test_sigma2_edf_and_the_covariance_follow_the_stated_formulas():
    mu, a, c, f, hessian, rss, raters, statements = ridge_by_normal_equations(RATINGS, ANCHORS)
    w_u = RATINGS["rater"].value_counts().reindex(raters).to_numpy()
    w_n = RATINGS["statement"].value_counts().reindex(statements).to_numpy()
    z2 = (ANCHORS**2).sum(axis=1)
    s_n = RATINGS.assign(z2=RATINGS["rater"].map(z2)).groupby("statement")["z2"].sum()
    s_n = s_n.reindex(statements).to_numpy()
    edf = (w_u / (w_u + 3)).sum() + (w_n / (w_n + 5)).sum() + (s_n / (s_n + 5)).sum() + 1
    sigma2 = rss / (len(RATINGS) - edf)
    fit = bridging_fit(RATINGS, ANCHORS)
    assert fit.edf == pytest.approx(edf, rel=1e-12)
    assert fit.sigma2 == pytest.approx(sigma2, rel=1e-8)
    # A_n is the (c_n, f_n) block of the penalised Hessian of the full problem
    n_u, n_n = len(raters), len(statements)
    for k in range(n_n):
        idx = [1 + n_u + k, 1 + n_u + n_n + 2 * k, 1 + n_u + n_n + 2 * k + 1]
        a_n = hessian[np.ix_(idx, idx)]
        np.testing.assert_allclose(fit.cov[k], sigma2 * np.linalg.inv(a_n), rtol=1e-8)
    # p and SE at a centre, by hand for statement s3
    centres = pd.DataFrame({"left": [-1.0, 1.0], "young": [0.5, -0.5]}, index=["L", "R"])
    table = fit.scores(centres)
    k = statements.index("s3")
    idx = [1 + n_u + k, 1 + n_u + n_n + 2 * k, 1 + n_u + n_n + 2 * k + 1]
    cov = sigma2 * np.linalg.inv(hessian[np.ix_(idx, idx)])
    for g, m in (("L", [-1.0, 0.5]), ("R", [1.0, -0.5])):
        v = np.array([1.0, *m])
        assert table.loc["s3", f"p_{g}"] == pytest.approx(mu + c[k] + f[k] @ m, abs=1e-8)
        assert table.loc["s3", f"se_{g}"] == pytest.approx(np.sqrt(v @ cov @ v), rel=1e-8)
    p = table[["p_L", "p_R"]].to_numpy()
    se = table[["se_L", "se_R"]].to_numpy()
    np.testing.assert_allclose(table["bridging"], p.min(axis=1))
    np.testing.assert_allclose(table["lower"], (p - 1.645 * se).min(axis=1))


def test_the_fixed_interface_columns():
    fit = analysis.bridging_fit(RATINGS, ANCHORS)
    centres = pd.DataFrame({"left": [-1.0, 1.0], "young": [0.0, 0.0]}, index=["L", "R"])
    table = fit.scores(centres)
    assert table.index.name == "statement"
    assert list(table.index) == ["s1", "s2", "s3", "s4"]
    expected = ["intercept", "slope_left", "slope_young", "n_ratings", "bridging", "lower",
                "p_L", "se_L", "p_R", "se_R"]
    assert list(table.columns[: len(expected)]) == expected
    assert table["n_ratings"].tolist() == [5, 4, 4, 4]
    assert set(table["status"]) == {"needs-ratings"}  # under 20 ratings each


def test_status_follows_the_thresholds():
    sim = simulate_fairness(n_statements=30, per_statement=60, seed=3)
    table = bridging_fit(sim.ratings, sim.anchors).scores(sim.centres, sim.groups)
    ok = table["status"] != "needs-ratings"
    assert ok.all()  # 60 ratings, 20 per camp
    assert (table.loc[table["status"] == "bridging", "lower"] >= 0.5).all()
    divisive = table["status"] == "divisive"
    assert (table.loc[divisive, "spread"] >= 0.4).all() and (table.loc[divisive, "lower"] < 0.5).all()
    mixed = table["status"] == "mixed"
    assert ((table.loc[mixed, "spread"] < 0.4) & (table.loc[mixed, "lower"] < 0.5)).all()
    assert (table[["n_1", "n_2", "n_3"]].to_numpy() == 20).all()
    # with only 4 ratings per camp, every statement still needs ratings
    few = simulate_fairness(n_statements=10, per_statement=12, seed=3)
    t2 = bridging_fit(few.ratings, few.anchors).scores(few.centres, few.groups)
    assert (t2["status"] == "needs-ratings").all()


def test_skips_are_left_out_and_bad_input_is_refused():
    with_skip = pd.concat([RATINGS, pd.DataFrame({"rater": ["u1"], "statement": ["s4"],
                                                  "rating": [np.nan]})])
    assert bridging_fit(with_skip, ANCHORS).n_ratings == len(RATINGS)
    with pytest.raises(ValueError, match="0, 0.5 or 1"):
        bridging_fit(RATINGS.assign(rating=0.7), ANCHORS)
    with pytest.raises(ValueError, match="no anchor"):
        bridging_fit(RATINGS, ANCHORS.drop(index="u6"))
    with pytest.raises(ValueError, match="lack the column"):
        bridging_fit(RATINGS.drop(columns="rating"), ANCHORS)
    before = RATINGS.copy()
    bridging_fit(RATINGS, ANCHORS)
    pd.testing.assert_frame_equal(RATINGS, before)


def test_bridging_recovers_the_least_convinced_camp():
    # three camps, 40 balanced ratings per statement (EXCHANGE design: 0.80-0.85)
    rhos, plain = [], []
    for seed in range(5):
        sim = simulate_fairness(n_statements=60, per_statement=40, seed=seed)
        table = bridging_fit(sim.ratings, sim.anchors).scores(sim.centres)
        rhos.append(stats.spearmanr(table["bridging"], sim.truth["bridging"])[0])
        mean = sim.ratings.groupby("statement")["rating"].mean()
        plain.append(stats.spearmanr(mean, sim.truth["bridging"])[0])
    assert min(rhos) >= 0.8, rhos
    assert np.mean(rhos) > np.mean(plain)  # better than the plain mean rating


def test_identical_input_gives_identical_output():
    sim = simulate_fairness(seed=7)
    one = bridging_fit(sim.ratings, sim.anchors).scores(sim.centres)
    shuffled = sim.ratings.sample(frac=1.0, random_state=1)
    two = bridging_fit(sim.ratings.copy(), sim.anchors.copy()).scores(sim.centres)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    three = bridging_fit(shuffled, sim.anchors).scores(sim.centres)
    pd.testing.assert_frame_equal(one, three, rtol=1e-9)


@pytest.mark.slow
def test_ninety_percent_intervals_cover_85_to_95_percent():
    # the "linear" simulation matches the model's form, so its camp means are the
    # quantities the intervals are for; 40 replications x 60 statements x 3 camps
    hits = []
    for rep in range(40):
        sim = simulate_fairness(seed=100 + rep, link="linear")
        table = bridging_fit(sim.ratings, sim.anchors).scores(sim.centres, sim.groups)
        for g in (1, 2, 3):
            err = (table[f"p_{g}"] - sim.truth[f"p_{g}"]).abs()
            hits.append((err <= 1.645 * table[f"se_{g}"]).to_numpy())
    coverage = np.concatenate(hits).mean()
    assert 0.85 <= coverage <= 0.95, coverage


def test_anchor_scores_are_the_first_principal_component_of_the_standardised_answers():
    rng = np.random.default_rng(2)
    latent = rng.normal(size=200)
    pre = pd.DataFrame({"a": latent + rng.normal(0, 0.5, 200),
                        "b": -latent + rng.normal(0, 0.7, 200),
                        "c": rng.normal(size=200)})
    z = anchor_scores(pre, d=2)
    # independently: eigenvectors of the correlation matrix (R's prcomp(scale.=TRUE))
    corr = np.corrcoef(pre.to_numpy().T)
    values, vectors = np.linalg.eigh(corr)
    v1 = vectors[:, np.argmax(values)]
    std = (pre - pre.mean()) / pre.std(ddof=1)
    pc1 = std.to_numpy() @ v1
    pc1 = pc1 / pc1.std(ddof=1)
    pc1 *= np.sign(np.corrcoef(pc1, pre["a"])[0, 1])
    np.testing.assert_allclose(z["z1"], pc1, atol=1e-10)
    assert z.std(ddof=1).tolist() == pytest.approx([1.0, 1.0])
    assert np.corrcoef(z["z1"], pre["a"])[0, 1] > 0


def test_opinion_centres_find_three_camps():
    sim = simulate_fairness(seed=4)
    groups, centres = opinion_centres(sim.anchors)
    assert len(centres) == 3
    assert stats.contingency.crosstab(groups, sim.groups).count.max(axis=1).sum() >= 0.9 * len(groups)
    np.testing.assert_allclose(centres["z1"], sim.centres["z1"], atol=0.15)
