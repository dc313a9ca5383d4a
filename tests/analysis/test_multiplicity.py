"""Holm and Benjamini-Hochberg against the Benjamini & Hochberg (1995) worked example."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.multiplicity import adjust_pvalues

# Benjamini & Hochberg (1995), JRSS B 57:289-300, section 4.2: 15 p-values of a trial
BH_1995 = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459,
           0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000]


def test_bh_1995_example_rejections():
    df = pd.DataFrame({"test": range(15), "p": BH_1995})
    out = adjust_pvalues(df, methods=("holm", "bh", "bonferroni"))
    # the paper: BH rejects the four smallest at q = 0.05, Bonferroni-type procedures three
    assert out["reject_bh"].sum() == 4
    assert out["reject_holm"].sum() == 3
    assert out["reject_bonferroni"].sum() == 3
    assert list(out.loc[out["reject_bh"], "p"]) == BH_1995[:4]
    # adjusted values by hand: BH p(4) = min_j>=4 15 p(j)/j = 15 * 0.0095 / 4;
    # Holm p(3) = max(15 * .0001, 14 * .0004, 13 * .0019)
    assert out.loc[3, "p_bh"] == pytest.approx(15 * 0.0095 / 4)
    assert out.loc[2, "p_holm"] == pytest.approx(13 * 0.0019)
    assert (out["family_size"] == 15).all()
    assert list(out["p"]) == BH_1995  # raw p kept beside the adjusted


def test_families_are_adjusted_separately_and_missing_p_stays_missing():
    df = pd.DataFrame({"fam": ["a"] * 3 + ["b"] * 3, "p": [0.01, 0.02, 0.03, 0.01, np.nan, 0.5]})
    out = adjust_pvalues(df, family="fam")
    assert out.loc[0, "p_holm"] == pytest.approx(0.03)
    assert out.loc[3, "p_holm"] == pytest.approx(0.02)  # family b has two real p-values
    assert np.isnan(out.loc[4, "p_holm"]) and not out.loc[4, "reject_holm"]
    assert list(out["family_size"]) == [3, 3, 3, 2, 2, 2]
    assert "p_holm" not in df.columns


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"p": "pval"}, "column 'pval' not in data"),
     ({"methods": ("sidak2",)}, "unknown method"),
     ({"family": "nope"}, "family column"),
     ({"alpha": 0}, "alpha must be")],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        adjust_pvalues(pd.DataFrame({"p": [0.1]}), **kwargs)


def test_p_out_of_range():
    with pytest.raises(ValueError, match="outside"):
        adjust_pvalues(pd.DataFrame({"p": [1.2]}))


def test_holm_is_statsmodels_holm_without_its_garbage_collection():
    """Holm is computed here (statsmodels' runs gc.collect() on every call, issue 24, 4);
    the reference is statsmodels' ``multipletests(method="holm")`` itself, ties included."""
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(5)
    for m in (1, 2, 7, 40):
        p = np.round(rng.uniform(0, 0.2, m), 3)  # rounded: ties happen
        out = adjust_pvalues(pd.DataFrame({"p": p}), methods=("holm",))
        reject, adjusted, _, _ = multipletests(p, alpha=0.05, method="holm")
        np.testing.assert_allclose(out["p_holm"], adjusted, rtol=0, atol=1e-15)
        assert list(out["reject_holm"]) == list(reject)
