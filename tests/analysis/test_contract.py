"""The export contract module: cheap to import, and its rules hold in both directions."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import contract
from analysis.validate import check_manifest
from surveys.model import PHASES as DEFINITION_PHASES


def test_importing_the_contract_loads_no_pandas():
    code = ("import sys, analysis.contract, app.export.codebook, app.export.writer; "
            "heavy = [m for m in ('pandas', 'numpy', 'scipy', 'matplotlib') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def test_the_package_still_offers_its_public_names():
    import analysis

    assert set(analysis.__all__) <= set(dir(analysis))
    assert analysis.load_export.__module__ == "analysis.load"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        analysis.nope  # noqa: B018


def test_every_function_docs_analysis_lists_is_exported():
    # docs/analysis.md's module table is the analyst's map: each statistics function it
    # names is in its module's __all__ and importable from the package (rank_matrix and
    # condorcet_winner were listed but not exported)
    import analysis

    doc = (Path(__file__).parents[2] / "docs" / "analysis.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| (.*) \|$", doc, re.M)
    assert len(rows) > 15
    for module, names in rows:
        listed = re.findall(r"`([\w.]+)`", names)
        public = importlib.import_module(f"analysis.{module}").__all__
        for name in listed:
            if "." not in name:
                assert name in public, (module, name)
            if module not in ("load", "report", "cli"):  # entry points and helpers aside
                assert name in analysis.__all__, (module, name)
                assert getattr(analysis, name) is getattr(
                    importlib.import_module(f"analysis.{module}"), name)


def test_every_definition_phase_is_an_export_phase_in_the_same_order():
    assert contract.PHASES[: len(DEFINITION_PHASES)] == DEFINITION_PHASES


@pytest.mark.parametrize("prefix", contract.FORMULA_PREFIXES)
def test_formula_escaping_round_trips(prefix):
    text = f"{prefix}SUM(A1)"
    escaped = contract.escape_formula(text)
    assert escaped == "'" + text
    assert contract.unescape_formula(escaped) == text


@pytest.mark.parametrize("text", ["plain", "it's", "Готово", "1+1"])
def test_text_that_is_not_formula_like_is_written_as_typed(text):
    assert contract.escape_formula(text) == text
    assert contract.unescape_formula(text) == text


def test_wide_column_names_split_back_into_their_parts():
    codebook = {"modules": [{"id": "accord"}, {"id": "control"}],
                "items": [{"id": "support", "phases": ["pre", "post"]},
                          {"id": "clarity", "phases": ["module"], "modules": None}]}
    names = contract.wide_column_names(codebook)
    assert names == ["pre__support", "post__support", "module_accord__clarity",
                     "module_control__clarity"]
    assert [contract.split_wide_column(n) for n in names] == [
        ("pre", "", "support"), ("post", "", "support"), ("module", "accord", "clarity"),
        ("module", "control", "clarity")]


def test_stata_names_are_short_safe_and_unique():
    columns = [f"module_a_very_long_module_name__item_{k}" for k in range(12)] + ["pre__a-b"]
    names = contract.stata_names(columns)
    assert len(set(names.values())) == len(columns)
    assert all(len(n) <= contract.STATA_NAME_MAX for n in names.values())
    assert names["pre__a-b"] == "pre__a_b"


def test_every_export_format_names_its_file():
    assert contract.EXPORT_FORMATS["csv"] is None
    assert contract.WIDE_FILES == ("wide.csv", "wide.parquet", "wide.xlsx", "wide.sav",
                                   "wide.dta")


def test_the_manifest_builder_writes_what_the_reader_accepts():
    codebook = {"survey": {"id": "s", "version": "v", "languages": ["en", "de"]},
                "arms": [{"id": "a", "modules": ["m"], "weight": 1, "control": False},
                         {"id": "c", "modules": ["k"], "weight": 1, "control": True}]}
    manifest = contract.build_manifest(
        codebook, campaign={"slug": "x"}, block_size=4, seed="ab", rebalance_dropouts=False,
        preregistration={"primary_items": ["q"]}, row_counts={"participants": 3, "answers": 9},
        files=["answers.csv"], exported_at="2026-11-26T09:00:00+00:00", extra_key=1,
    )
    assert check_manifest(manifest) is manifest
    assert manifest["format_version"] == contract.FORMAT_VERSION
    assert manifest["design"]["control_arm"] == "c"
    assert manifest["survey"] == {"id": "s", "version": "v", "languages": ["en", "de"]}
    assert manifest["extra_key"] == 1


def test_the_exchange_tables_are_part_of_the_contract_and_escaped():
    from analysis import contract_exchange

    assert set(contract_exchange.__all__) <= set(contract.__all__)
    assert contract.RATINGS_FILE == "ratings.csv"
    assert set(contract.EXCHANGE_FILES) <= set(contract.SPREADSHEET_FILES)
    # the column order agreed with the app half (EXCHANGE_CONTRACT, issues #21/#25)
    assert list(contract.STATEMENT_COLUMNS) == [
        "statement", "language", "proposal", "side", "source_item", "seed", "placebo",
        "status", "reason", "text"]
    assert list(contract.RATING_COLUMNS) == [
        "rater", "statement", "fair", "skipped", "agree", "position", "answered_at"]
    assert list(contract.PAIR_COLUMNS) == [
        "rater", "left", "right", "chosen", "proposal", "answered_at"]
    assert list(contract.EXPOSURE_COLUMNS) == [
        "participant", "statement", "position", "probability", "pool_version", "arm"]
    assert list(contract.MODERATION_COLUMNS) == [
        "statement", "decision", "reason", "moderator_role", "second", "decided_at"]
    assert list(contract.FROZEN_SET_COLUMNS) == [
        "pool_version", "statement", "language", "proposal", "frozen_at"]
    assert contract.EXCHANGE_FORMAT_SINCE == (1, 5)
    assert tuple(map(int, contract.FORMAT_VERSION.split("."))) >= contract.EXCHANGE_FORMAT_SINCE


def test_the_export_format_page_documents_every_exchange_column_in_order():
    from pathlib import Path

    page = (Path(__file__).parents[2] / "docs" / "export-format.md").read_text(encoding="utf-8")
    for name, columns in contract.EXCHANGE_COLUMNS.items():
        section = page.split(f"### {name}.csv", 1)[1].split("###", 1)[0]
        rows = [line.split("|")[1].strip() for line in section.splitlines()
                if line.startswith("| `")]
        documented = [c.strip(" `") for row in rows for c in row.split(",")]
        optional = {"statements": ["author"],
                    "exposures": list(contract.OPTIONAL_EXPOSURE_COLUMNS)}.get(name, [])
        assert documented == list(columns) + optional, name


def test_the_codebook_facts_are_part_of_the_contract():
    from analysis import contract_codebook

    assert set(contract_codebook.__all__) <= set(contract.__all__)
    assert contract.upgrade_codebook is contract_codebook.upgrade_codebook
    assert set(contract.TYPE_FACT_KEYS) >= {"role", "straightlining"}
