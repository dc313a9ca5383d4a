"""``parley power`` counts a plan's tests with the arms of the survey beside it (issue #20)."""

from __future__ import annotations

import shutil

from surveys import FLAGSHIP
from tests.analysis.test_plan import STAR_PLAN


def test_parley_power_expands_every_treated_arm_from_the_survey_beside_the_plan(
    runner, tmp_path
):
    folder = shutil.copytree(FLAGSHIP, tmp_path / "survey")
    (folder / "plan.toml").write_text(STAR_PLAN)
    out = runner.invoke(args=["power", str(folder / "plan.toml"), "--n-sims", "0"])
    assert out.exit_code == 0, out.output
    # 3 items x the flagship's 9 treated arms (five briefings crossed with peers or
    # placebo, control with placebo as the control arm) are 27 tests at alpha 0.05/27:
    # statsmodels TTestIndPower.solve_power(0.25 / sqrt(1 - 0.6^2), alpha=0.05/27,
    # power=0.8) = 322.72 -> 323 per arm
    assert "323 analysed participants per arm (3230 in 10 arms" in out.output
    assert "27 tests (3 hypotheses" in out.output
    one = runner.invoke(args=["power", str(folder / "plan.toml"), "--n-sims", "0",
                              "--arms", "accord"])
    assert "3 tests (3 hypotheses" in one.output and "in 2 arms" in one.output
    alone = tmp_path / "plan.toml"  # no survey beside it: the arms must be given
    alone.write_text(STAR_PLAN)
    refused = runner.invoke(args=["power", str(alone), "--n-sims", "0"])
    assert refused.exit_code != 0 and 'every treated arm (arm = "*")' in refused.output


def test_parley_power_checks_the_flagships_exchange_contrast_at_the_design_n(runner):
    # The flagship's own plan: H1-H3 (3 tests, alpha 0.05/3) need 216 per arm; its
    # [exchange] contrast pools the five peers arms against the five placebo arms.
    # References (statsmodels TTestIndPower, effect d / sqrt(1 - 0.6^2)): 0.12 SD at
    # alpha 0.05/3 needs 932.02 -> 933 per condition; 1080 per condition give 0.862.
    out = runner.invoke(args=["power", str(FLAGSHIP / "plan.toml"), "--n-sims", "0"])
    assert out.exit_code == 0, out.output
    assert "216 analysed participants per arm (2160 in 10 arms" in out.output
    assert "3 tests (3 hypotheses" in out.output
    assert ("needs 933 per condition to detect 0.12 SD; the design gives 1080 per condition: "
            "86.2% power") in out.output
