"""The frozen analysis plan (issue 10, points 6 and 7): format, confirmatory tests,
deviations, power at the sample reached and ``parley power``."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.power import TTestIndPower

from analysis.cli import main
from analysis.load import export_from_frames
from analysis.pipeline import analyse_export
from analysis.plan import PlanError, deviations, load_plan, parse_plan, plan_from_primary
from analysis.power import ancova_power, plan_sample_size, simulate_power
from analysis.report import render_report
from analysis.synthetic import make_demo_data
from surveys import FLAGSHIP

PLAN = FLAGSHIP / "plan.toml"


def test_the_flagship_plan_is_valid_and_names_its_hypotheses():
    plan = load_plan(PLAN)
    assert [h["id"] for h in plan["hypotheses"]] == ["H1", "H2", "H3"]
    assert plan["primary_items"] == ["support_accord", "support_armistice", "support_strength"]
    assert plan["correction"] == "holm" and plan["exclusions"]["pretreatment_only"]
    # issue 21 item 9: peers vs placebo is a family of its own over the three support items
    assert plan["exchange"]["outcomes"] == plan["primary_items"]
    assert (plan["exchange"]["minimum_effect"], plan["exchange"]["correction"]) == (0.12, "holm")


def test_the_exchange_contrast_is_powered_at_the_designs_n():
    # The flagship's ten arms: five peers arms against five placebo arms. References:
    # statsmodels TTestIndPower at effect d / sqrt(1 - 0.6^2), alpha 0.05/3 for both
    # families: 0.25 SD needs 215.6 -> 216 per arm; 0.12 SD needs 932.02 -> 933 per
    # condition, and 5 x 216 = 1080 per condition give power 0.862.
    r = plan_sample_size(load_plan(PLAN), n_sims=0, exchange_arms=5)
    ex = r["exchange"]
    assert (r["n_per_arm"], r["arms"], r["total"]) == (216, 10, 2160)
    assert ex["needed_per_condition"] == 933 == int(np.ceil(TTestIndPower().solve_power(
        0.12 / 0.8, alpha=0.05 / 3, power=0.8)))
    assert ex["n_per_condition"] == 1080
    assert ex["power"] == pytest.approx(TTestIndPower().power(0.12 / 0.8, nobs1=1080,
                                                              alpha=0.05 / 3), abs=1e-9)
    # a contrast the briefing n cannot carry raises n per arm: 0.08 SD needs 2096 per
    # condition (TTestIndPower: 2095.5), so 420 per arm (5 x 420 >= 2096)
    small = load_plan(PLAN)
    small["exchange"] = {**small["exchange"], "minimum_effect": 0.08}
    r = plan_sample_size(small, n_sims=0, exchange_arms=5)
    assert r["exchange"]["needed_per_condition"] == 2096 == int(np.ceil(
        TTestIndPower().solve_power(0.08 / 0.8, alpha=0.05 / 3, power=0.8)))
    assert r["n_per_arm"] == 420 and r["exchange"]["power"] >= 0.8
    # without the design's arms the contrast's need is still said, per condition
    alone = plan_sample_size(load_plan(PLAN), n_sims=0)["exchange"]
    assert alone["needed_per_condition"] == 933 and "n_per_condition" not in alone


@pytest.mark.parametrize(("text", "message"), [
    ("correction = 'tukey'\n[[hypotheses]]\nid='a'\nitem='x'\ndirection='any'\n",
     "correction 'tukey' is not one of holm, bonferroni, bh"),
    ("alpha = 2\n[[hypotheses]]\nid='a'\nitem='x'\ndirection='any'\n",
     "alpha = 2 must be a number in (0, 0.5)"),
    ("[[hypotheses]]\nid='a'\nitem='x'\ndirection='up'\n", "direction 'up' is not one of"),
    ("[[hypotheses]]\nid='a'\ndirection='any'\n", "hypotheses[1]: 'item' is required"),
    ("minimum_effect = 0.2\n", "no [[hypotheses]]"),
    ("[exclusions]\nrules=['lazy']\n[[hypotheses]]\nid='a'\nitem='x'\ndirection='any'\n",
     "exclusions.rules: unknown rule(s) ['lazy']"),
    ("colour = 'red'\n[[hypotheses]]\nid='a'\nitem='x'\ndirection='any'\n",
     "unknown key 'colour'"),
    ("this is = not toml =", "not valid TOML"),
    ("[[hypotheses]]\nid='a'\nitem='x'\ndirection='any'\n[exchange]\noutcomes=[]\n",
     "exchange.outcomes must be a non-empty list of item ids"),
    ("[[hypotheses]]\nid='a'\nitem='x'\ndirection='any'\n[exchange]\noutcomes=['x']\n"
     "minimum_effect=-1\n", "exchange.minimum_effect = -1 must be a number in (0, 10)"),
    ("[[hypotheses]]\nid='a'\nitem='x'\ndirection='any'\n[exchange]\noutcomes=['x']\n"
     "arm='accord'\n", "exchange: unknown key 'arm'"),
])
def test_plan_errors_name_the_place(text, message):
    with pytest.raises(PlanError, match="^plan.toml: .*" + __import__("re").escape(message)):
        parse_plan(text)


@pytest.fixture(scope="module")
def data():
    return make_demo_data(60, seed=11, n_items=6)


def _export(data, plan_text=None):
    manifest = copy.deepcopy(data.manifest)
    if plan_text is not None:
        manifest["plan"] = {"sha256": parse_plan(plan_text)["sha256"], "text": plan_text}
    return export_from_frames(data.participants, data.answers, data.codebook, manifest)


def test_confirmatory_tests_are_exactly_the_planned_item_and_arm(data):
    text = PLAN.read_text(encoding="utf-8")
    res = analyse_export(_export(data, text), n_boot=0)
    anc = res["ancova"]
    conf = anc[anc["confirmatory"]]
    assert sorted(zip(conf["item"], conf["arm"], strict=True)) == [
        ("support_accord", "accord"), ("support_armistice", "armistice"),
        ("support_strength", "strength")]
    # the plan's Holm correction is over these three tests only
    p = np.sort(conf["p"].to_numpy())
    holm = np.maximum.accumulate(np.minimum(p * np.array([3, 2, 1]), 1))
    assert np.sort(conf["p_plan"].to_numpy()) == pytest.approx(holm)
    assert res.deviations == []
    html = render_report(res)
    assert "Deviations from the plan: none." in html and "H1" in html
    assert "Power at the sample reached" in html


def test_deviations_are_listed(data):
    text = PLAN.read_text(encoding="utf-8")
    edited = text.replace("minimum_effect = 0.25", "minimum_effect = 0.3")
    ex = _export(data, text)
    res = analyse_export(ex, n_boot=0, plan=parse_plan(edited), exclusions=("speeder",))
    assert any("differs from the plan frozen" in d for d in res.deviations)
    assert any("Exclusion rules ['speeder'] instead of the planned" in d for d in res.deviations)
    unfrozen = deviations(parse_plan(text), exclusions=["speeder", "failed_attention"],
                          pretreatment_only=True, weighted=False, frozen=None,
                          items=["support_accord"], arms=["accord", "control"])
    assert any("not frozen when the campaign opened" in d for d in unfrozen)
    assert any("H2: item 'support_armistice' has no before/after" in d for d in unfrozen)


def test_primary_is_a_shortcut_for_a_minimal_plan(data):
    plan = plan_from_primary(["support_accord"])
    assert plan["hypotheses"] == [{"id": "support_accord", "item": "support_accord",
                                   "arm": "*", "direction": "any", "text": ""}]
    res = analyse_export(_export(data), n_boot=0, plan=plan)
    conf = res["ancova"][res["ancova"]["confirmatory"]]
    assert set(conf["item"]) == {"support_accord"}
    assert set(conf["arm"]) == set(data.manifest["design"]["arms"][i]["id"]
                                   for i in range(4))  # every treated arm, not control


def test_power_at_the_sample_reached_agrees_with_simulation_and_the_t_test():
    # correlation 0: ANCOVA power is the two-sample t test's (statsmodels TTestIndPower,
    # itself checked against G*Power); correlation 0.6: against our own simulation of the
    # ANCOVA (an independent computation), within 3 simulation standard errors
    assert ancova_power(80, 80, 0.3, 0.0) == pytest.approx(
        TTestIndPower().power(0.3, nobs1=80, alpha=0.05), rel=1e-9)
    closed = ancova_power(80, 80, 0.3, 0.6)
    sim = simulate_power(80, 0.3, "ancova", correlation=0.6, n_sims=6000, seed=3)
    assert abs(closed - sim) < 3 * np.sqrt(sim * (1 - sim) / 6000)


def test_parley_power_answers_how_many_per_arm(capsys):
    plan = load_plan(PLAN)
    r = plan_sample_size(plan, n_sims=1000)
    assert r["power"] >= 0.8 and r["arms"] == 4 and r["alpha_per_test"] == pytest.approx(0.05 / 3)
    # the closed form agrees: power at n is at least the target, at 0.9 n it is not
    assert ancova_power(r["n_per_arm"], r["n_per_arm"], 0.25, 0.6, 0.05 / 3) >= 0.78
    assert ancova_power(int(r["n_per_arm"] * 0.85), int(r["n_per_arm"] * 0.85), 0.25, 0.6,
                        0.05 / 3) < 0.8
    assert main(["power", str(PLAN), "--n-sims", "1000"]) == 0
    out = capsys.readouterr().out
    assert f"{r['n_per_arm']} analysed participants per arm" in out


STAR_PLAN = """correction = "holm"
alpha = 0.05
power = 0.8
minimum_effect = 0.25
correlation = 0.6
""" + "".join(f'[[hypotheses]]\nid = "{i}"\nitem = "{i}"\narm = "*"\ndirection = "any"\n'
              for i in ("support_accord", "support_armistice", "support_strength"))
TREATED = ["accord", "armistice", "strength", "all"]


def _noncentral_t_power(n: int, d: float, alpha: float) -> float:
    """Two-sided two-sample t power from scipy's noncentral t (df 2n - 2, ncp d sqrt(n/2))."""
    df, ncp = 2 * n - 2, d * np.sqrt(n / 2)
    crit = stats.t.ppf(1 - alpha / 2, df)
    return float(stats.nct.sf(crit, df, ncp) + stats.nct.cdf(-crit, df, ncp))


def test_a_plan_for_every_treated_arm_counts_one_test_per_arm(capsys):
    # Issue #20: three primary items over the five briefing arms' four treated arms (the
    # demo's design; the flagship's crossed design: tests/app/test_power_cli.py) are 12 tests.
    # References: statsmodels TTestIndPower.solve_power (n = 283.47 -> 284 per arm at
    # alpha 0.05/12, effect 0.25 / sqrt(1 - 0.6^2) = 0.3125) and the noncentral t computed
    # here with scipy (power 0.649 at the 218 per arm the old count of 3 tests gave).
    plan = parse_plan(STAR_PLAN)
    r = plan_sample_size(plan, treated_arms=TREATED, n_sims=0)
    d = 0.25 / np.sqrt(1 - 0.6**2)
    assert (r["tests"], r["hypotheses"], r["arms"]) == (12, 3, 5)
    assert r["alpha_per_test"] == pytest.approx(0.05 / 12)
    assert r["n_per_arm"] == 284 == int(np.ceil(TTestIndPower().solve_power(
        d, alpha=0.05 / 12, power=0.8)))
    assert r["total"] == 284 * 5
    assert _noncentral_t_power(284, d, 0.05 / 12) >= 0.8 > _noncentral_t_power(283, d, 0.05 / 12)
    assert ancova_power(218, 218, 0.25, 0.6, 0.05 / 12) == pytest.approx(
        _noncentral_t_power(218, d, 0.05 / 12), abs=1e-9)
    assert round(_noncentral_t_power(218, d, 0.05 / 12), 2) == 0.65
    # the count of tests needs the arms; the plan alone cannot say how many "*" stands for
    with pytest.raises(ValueError, match=r'every treated arm \(arm = "\*"\)'):
        plan_sample_size(plan, n_sims=0)
    # named arms are one test each: the flagship's plan is 3 tests, 3 treated arms + control
    flagship = plan_sample_size(load_plan(PLAN), treated_arms=TREATED, n_sims=0)
    assert (flagship["tests"], flagship["arms"]) == (3, 4)
    assert flagship["n_per_arm"] == int(np.ceil(TTestIndPower().solve_power(
        d, alpha=0.05 / 3, power=0.8)))


def test_parley_power_takes_the_treated_arms(tmp_path, capsys):
    star = tmp_path / "plan.toml"
    star.write_text(STAR_PLAN)
    assert main(["power", str(star), "--n-sims", "0", "--arms", ",".join(TREATED)]) == 0
    out = capsys.readouterr().out
    assert "284 analysed participants per arm (1420 in 5 arms" in out and "12 tests" in out
    assert main(["power", str(star), "--n-sims", "0"]) == 1
    assert 'every treated arm (arm = "*")' in capsys.readouterr().err


def test_power_reached_uses_the_planned_correlation_and_the_expanded_family(data):
    # A "*" plan of one item over the four treated arms: 4 tests, alpha / 4 each; power
    # from the plan's correlation (0.6), checked against statsmodels TTestIndPower at
    # d = 0.25 / sqrt(1 - 0.36). The observed within-arm correlation beside it is the
    # partial correlation of before and after given arm, checked against the correlation
    # of the residuals of statsmodels OLS fits (pre ~ arm, post ~ arm).
    import statsmodels.formula.api as smf

    plan = parse_plan(STAR_PLAN.split("[[hypotheses]]")[0] + '[[hypotheses]]\nid = "H"\n'
                      'item = "support_accord"\narm = "*"\ndirection = "any"\n')
    res = analyse_export(_export(data), n_boot=0, plan=plan)
    pw = res.power
    assert len(pw) == 4 and (pw["tests"] == 4).all()
    assert (pw["correlation"] == 0.6).all() and (pw["correlation_source"] == "planned").all()
    assert pw["alpha"].tolist() == pytest.approx([0.05 / 4] * 4)
    for r in pw.itertuples():
        ref = TTestIndPower().power(0.25 / np.sqrt(1 - 0.36), nobs1=r.n_arm,
                                    ratio=r.n_control / r.n_arm, alpha=0.05 / 4)
        assert r.power == pytest.approx(ref, rel=1e-9)
    row = pw.iloc[0]
    pp = res.export.answers  # rebuild the pairs of the row's arm and control
    kept = set(res.analysed)
    a = pp[(pp["item"] == "support_accord") & pp["participant_id"].isin(kept)
           & pp["phase"].isin(["pre", "post"])]
    wide = a.pivot_table(index=["participant_id", "arm"], columns="phase", values="value",
                         observed=True).dropna().reset_index()
    wide = wide[wide["arm"].isin([row["arm"], data.manifest["design"]["control_arm"]])]
    r_pre = smf.ols("pre ~ C(arm)", wide).fit().resid
    r_post = smf.ols("post ~ C(arm)", wide).fit().resid
    assert row["correlation_within_arm"] == pytest.approx(np.corrcoef(r_pre, r_post)[0, 1],
                                                          rel=1e-9)
    assert "using the plan's before/after correlation" in render_report(res)
