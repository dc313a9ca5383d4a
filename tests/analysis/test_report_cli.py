"""The report and the command line on a synthetic export."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis.cli import analyse, demo_data, main
from analysis.pipeline import analyse_export


@pytest.fixture(scope="module")
def report_html(tmp_path_factory):
    folder = demo_data(tmp_path_factory.mktemp("rep") / "export", n_per_arm=80, seed=4)
    out = analyse(folder, folder.parent / "report.html", margins=folder / "margins.csv",
                  n_boot=200, subgroup="country")
    return out.read_text(encoding="utf-8")


def test_report_is_self_contained_and_accessible(report_html):
    assert report_html.startswith("<!DOCTYPE html>") and "lang='en'" in report_html
    # nothing fetched from elsewhere: no scripts, stylesheets, images or frames by URL
    assert "<script" not in report_html and "<link" not in report_html
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", report_html)
    assert 'name=\'viewport\'' in report_html
    # every table has a caption and column headers with scope
    assert report_html.count("<table>") == report_html.count("<caption>") > 10
    assert 'scope="col"' in report_html and 'scope="row"' in report_html
    # every inline plot has a title and a description referenced by aria-labelledby
    svgs = re.findall(r"<svg [^>]*>", report_html)
    assert len(svgs) >= 5
    assert all('role="img"' in s and "aria-labelledby" in s for s in svgs)
    assert report_html.count("<desc id=") == len(svgs)


def test_report_separates_confirmatory_and_states_methods(report_html):
    assert 'id="confirmatory"' in report_html
    assert "Preregistered primary items: support_accord" in report_html
    assert "(exploratory)" in report_html
    for phrase in ("HC2", "Holm", "Benjamini-Hochberg", "BCa", "Wilcoxon", "Stuart-Maxwell",
                   "Raking", "Kish", "speed index", "don't know = wrong", "silhouette",
                   "Unweighted, and why", "bimodality coefficient from weighted moments"):
        assert phrase in report_html, phrase


def test_analyse_export_recovers_the_primary_effect_and_keeps_the_export(demo):
    answers = demo.answers.copy()
    res = analyse_export(demo, n_boot=0)
    pd.testing.assert_frame_equal(demo.answers, answers)
    anc = res["ancova"].set_index(["item", "arm"])
    row = anc.loc[("support_accord", "accord")]
    assert row["ci_low"] > 0 and bool(row["confirmatory"])
    assert not anc.loc[("trust_1", "accord"), "confirmatory"]
    assert set(res["exclusions"]["rule"]) == {"speeder", "failed_attention", "any"}
    # excluded participants do not enter the shifts
    kept_n = len(demo.participants) - res["exclusions"].set_index("rule").loc["any", "flagged"]
    assert res["shifts"].groupby("item")["n"].sum().max() <= kept_n


def test_cli_demo_and_analyse(tmp_path, capsys):
    assert main(["demo-data", str(tmp_path / "d"), "--n-per-arm", "40", "--seed", "2"]) == 0
    assert (tmp_path / "d" / "answers.csv").exists()
    assert main([str(tmp_path / "d"), "--out", str(tmp_path / "r.html"), "--n-boot", "0",
                 "--exclude"]) == 0
    assert "Participants flagged by: none" in (tmp_path / "r.html").read_text()
    assert "wrote" in capsys.readouterr().out


def test_cli_reports_a_bad_export_clearly(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main([str(tmp_path / "empty"), "--out", str(tmp_path / "x.html")]) == 1
    assert "error: manifest.json: file not found" in capsys.readouterr().err


def test_analysis_does_not_import_app_or_surveys():
    import subprocess
    import sys

    code = ("import sys, analysis, analysis.report, analysis.cli; "
            "print([m for m in sys.modules if m.split('.')[0] in ('app', 'surveys')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"

