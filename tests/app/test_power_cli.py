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
    # 3 items x the flagship's 4 treated arms; 284 per arm: see tests/analysis/test_plan.py
    assert "284 analysed participants per arm (1420 in 5 arms" in out.output
    assert "12 tests (3 hypotheses" in out.output
    one = runner.invoke(args=["power", str(folder / "plan.toml"), "--n-sims", "0",
                              "--arms", "accord"])
    assert "3 tests (3 hypotheses" in one.output and "in 2 arms" in one.output
    alone = tmp_path / "plan.toml"  # no survey beside it: the arms must be given
    alone.write_text(STAR_PLAN)
    refused = runner.invoke(args=["power", str(alone), "--n-sims", "0"])
    assert refused.exit_code != 0 and 'every treated arm (arm = "*")' in refused.output
