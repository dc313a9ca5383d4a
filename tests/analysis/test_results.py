"""The analysis' structure: named, documented result tables; pages.csv loaded; one API list;
no import cycles inside the package."""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analysis
from analysis.load import ExportError, load_export
from analysis.pipeline import analyse_export
from analysis.results import Results
from analysis.synthetic import demo_margins

ROOT = Path(analysis.__file__).parent


@pytest.fixture(scope="module")
def runs(demo, tmp_path_factory):
    margins = tmp_path_factory.mktemp("margins") / "margins.csv"
    demo_margins().to_csv(margins, index=False)
    # and a live pool whose peers' cards were chosen two ways (random, bridging), which
    # fills the block-adjusted and bridging-vs-random tables
    exposures = demo.exchange["exposures"]
    peers = sorted(exposures["participant"].unique())
    live = exposures.assign(
        pool_version="live:" + exposures["participant"].map(
            {p: str(i % 3) for i, p in enumerate(peers)}),
        selection=np.where(exposures["participant"].isin(peers[::2]), "bridging", "random"))
    both = dataclasses.replace(demo, exchange={**demo.exchange, "exposures": live})
    return [analyse_export(demo, n_boot=0),
            analyse_export(demo, n_boot=0, subgroup="age_band", margins=str(margins)),
            analyse_export(both, n_boot=0)]


def test_every_table_is_a_documented_attribute_with_the_columns_it_has(runs):
    names = Results.table_names()
    assert len(names) == len(set(names)) >= 39
    assert all(f"    {n} : DataFrame" in Results.__doc__ for n in names)
    filled = set()
    for res in runs:
        for name in names:
            frame = getattr(res, name)
            assert isinstance(frame, pd.DataFrame), name
            if frame.empty:
                continue
            filled.add(name)
            documented = [c.replace("<subgroup>", res.options.subgroup or "")
                          for c in Results.table_columns(name)]
            if name == "flow":  # one excluded_<rule> column per rule
                documented = [c for c in documented if c != "excluded_<rule>"] + [
                    f"excluded_{r}" for r in res.options.exclusions]
            # a column per opinion group or anchor dimension: p_<group>, slope_<anchor>
            wild = [c for c in documented if "<" in c]
            documented = [c for c in documented if "<" not in c] + [
                col for col in frame.columns
                if any(re.fullmatch(re.sub(r"<\w+>", r"\\w+", w), col) for w in wild)]
            assert set(frame.columns) <= set(documented), (name, set(frame.columns) - set(
                documented))
            optional = {"family", "p_plan", "direction", "supported",  # ancova: plan only
                        "ci_low_adj", "ci_high_adj", "blocks",  # blocks: live pools only
                        "estimate", "ci_low", "ci_high", "p", "p_holm"}  # followup: control
            assert set(documented) - set(frame.columns) <= optional, name
    # the demo fills all but the reading-time table (its follow-up wave, with the
    # exchange's feedback order, fills the follow-up's: analysis/synthetic_followup.py) and
    # the order effects (it shuffles no options; tests/app/test_housing_study.py fills them)
    assert set(names) - filled == {"reading_speed", "order_effects"}


def test_the_mapping_view_is_kept_for_backwards_compatibility_and_read_only(runs):
    res = runs[0]
    assert res["shifts"] is res.shifts
    assert res.tables["ancova"] is res.ancova
    assert list(res.tables) == list(Results.table_names())
    with pytest.raises(TypeError):
        res.tables["shifts"] = pd.DataFrame()  # type: ignore[index]
    with pytest.raises(KeyError):
        res["export"]  # only tables, not the other fields


def test_report_sections_read_tables_as_attributes_not_strings():
    report = ROOT / "report"
    for path in sorted(report.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\.tables\b|res\[\"|\bt\[\"|\.t\.get\(", text), path.name


def test_load_export_reads_and_checks_pages_csv(demo_copy):
    people = pd.read_csv(demo_copy / "participants.csv", dtype=str)
    first = people["participant_id"].iloc[0]
    rows = pd.DataFrame({"participant_id": [first, first], "step": ["page:before", "read:accord"],
                         "shown_at": ["2026-11-01T08:00:00+00:00", "2026-11-01T08:01:00+00:00"],
                         "submitted_at": ["2026-11-01T08:01:00+00:00", ""],
                         "seconds": ["60.0", ""]})
    rows.to_csv(demo_copy / "pages.csv", index=False, lineterminator="\n")
    manifest = json.loads((demo_copy / "manifest.json").read_text())
    manifest["row_counts"]["pages"] = 2
    (demo_copy / "manifest.json").write_text(json.dumps(manifest))
    ex = load_export(demo_copy)
    assert ex.pages["seconds"].iloc[0] == 60.0 and pd.isna(ex.pages["seconds"].iloc[1])
    assert str(ex.pages["shown_at"].dt.tz) == "UTC"
    assert ex.keyed().pages is ex.pages  # the analysis sees the same pages

    manifest["row_counts"]["pages"] = 3
    (demo_copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ExportError, match=r"pages.csv: has 2 rows .* says 3"):
        load_export(demo_copy)
    manifest["row_counts"]["pages"] = 2
    (demo_copy / "manifest.json").write_text(json.dumps(manifest))
    rows.assign(participant_id=["nobody", first]).to_csv(demo_copy / "pages.csv", index=False)
    with pytest.raises(ExportError, match=r"pages.csv: .*'nobody' is not a participant"):
        load_export(demo_copy)
    (demo_copy / "pages.csv").unlink()
    assert load_export(demo_copy).pages is None


def test_the_public_api_is_one_list_and_every_name_resolves():
    assert analysis.__all__ == sorted(set(analysis.__all__))
    for name in analysis.__all__:
        assert getattr(analysis, name) is not None
    source = (ROOT / "__init__.py").read_text(encoding="utf-8")
    assert source.count('"analyse_export"') == 1  # listed once


def _module_imports(path: Path) -> tuple[set[str], list[str]]:
    """Modules of ``analysis`` imported at module level, and imports inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top, nested = set(), []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names])
            names = [n for n in names if n == "analysis" or n.startswith("analysis.")]
            if node.col_offset:
                nested += names
            else:
                top |= set(names)
    return top, nested


def test_analysis_has_no_import_cycle_and_no_import_inside_a_function():
    modules = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        modules[name] = path
    graph = {}
    for name, path in modules.items():
        top, nested = _module_imports(path)
        assert not nested, f"{name} imports inside a function: {nested}"
        if name == "analysis":
            continue  # the package's names are imported lazily, when first used
        graph[name] = {m for m in top if m in modules and m != "analysis" and m != name}
    done: set[str] = set()

    def visit(node: str, stack: list[str]) -> None:
        if node in stack:
            raise AssertionError("import cycle: " + " -> ".join([*stack, node]))
        if node in done:
            return
        for nxt in graph.get(node, ()):
            if not stack or not nxt.startswith(node + "."):  # a package importing its parts
                visit(nxt, [*stack, node])
        done.add(node)

    for name in graph:
        visit(name, [])
