"""``bench/run`` puts its run on top of RESULTS.md and keeps every earlier run below it."""

from __future__ import annotations

from bench.harness import with_earlier_runs


def test_a_new_run_goes_on_top_and_the_earlier_runs_stay_below_under_one_heading():
    before = ("# Benchmark results\n\nLatest: 7 Dec, report 88.6 s\n\n## Export\n\nxlsx 0.26x\n\n"
              "# Earlier runs\n\nThe 26 Nov run.\n\n## Export\n\nxlsx 0.28x")
    after = with_earlier_runs("# Benchmark results\n\nLatest: 8 Dec, report 70 s", before)
    assert after.startswith("# Benchmark results\n\nLatest: 8 Dec, report 70 s\n\n# Earlier runs")
    assert after.count("# Earlier runs") == 1 and after.count("# Benchmark results") == 1
    assert after.index("report 88.6 s") < after.index("xlsx 0.26x") < after.index("26 Nov") \
        < after.index("xlsx 0.28x")
    # a second run keeps both earlier ones
    again = with_earlier_runs("# Benchmark results\n\nLatest: 9 Dec", after)
    assert all(x in again for x in ("report 70 s", "report 88.6 s", "xlsx 0.28x"))


def test_a_new_file_holds_the_run_alone():
    assert with_earlier_runs("# Benchmark results\n\nfirst", "") == "# Benchmark results\n\nfirst"
