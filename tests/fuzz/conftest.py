"""Fuzz suite set-up: Hypothesis profiles, request figures, and a log watch.

Profiles (``PARLEY_FUZZ_PROFILE``):

- ``ci`` (default): a fixed number of derandomised examples per test, so a
  CI run takes a few minutes on both backends and fails the same way twice.
- ``nightly``: many more random examples, with Hypothesis' example database
  in ``.hypothesis/`` so a failure found once is replayed first next time.

Run only this suite: ``./test.sh tests/fuzz -s`` (``-s`` shows the figures
as they are printed; they are also in the terminal summary).
"""

from __future__ import annotations

import logging
import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("PARLEY_FUZZ_PROFILE", "ci")
_COMMON = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
    print_blob=True,
)
settings.register_profile("ci", max_examples=40, derandomize=True, database=None, **_COMMON)
settings.register_profile("nightly", max_examples=1500, **_COMMON)
if PROFILE not in ("ci", "nightly"):
    raise pytest.UsageError(f"PARLEY_FUZZ_PROFILE must be ci or nightly, not {PROFILE!r}")

#: requests tried, by (suite area, status code); handled report failures; loader outcomes
FIGURES: Counter = Counter()


def fuzz_settings(scale: float = 1.0) -> settings:
    """The active profile, with ``scale`` times its number of examples."""
    base = settings.get_profile(PROFILE)
    return settings(base, max_examples=max(1, int(base.max_examples * scale)))


class LogWatch(logging.Handler):
    """Collects warnings and errors; a traceback that no code handled fails the test."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def unhandled(self) -> list[str]:
        bad = []
        for r in self.records:
            if getattr(r, "parley_handled", False):
                FIGURES["handled failures logged (report of live data)"] += 1
                continue
            if r.exc_info or r.levelno >= logging.ERROR:
                bad.append(f"{r.levelname} {r.name}: {r.getMessage()}")
        return bad


@pytest.fixture
def log_watch():
    watch = LogWatch()
    root = logging.getLogger()
    root.addHandler(watch)
    yield watch
    root.removeHandler(watch)
    bad = watch.unhandled()
    assert not bad, "errors or tracebacks in the log:\n" + "\n".join(bad[:5])


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    tr = terminalreporter
    tr.section(f"fuzz figures (profile {PROFILE})")
    tried = sum(n for (k, n) in FIGURES.items() if isinstance(k, tuple))
    fives = sum(n for (k, n) in FIGURES.items() if isinstance(k, tuple) and k[1] >= 500)
    tr.write_line(f"requests tried: {tried}; answered 5xx: {fives}")
    areas = sorted({k[0] for k in FIGURES if isinstance(k, tuple)})
    for area in areas:
        codes = {k[1]: n for k, n in FIGURES.items() if isinstance(k, tuple) and k[0] == area}
        tr.write_line(f"  {area}: " + ", ".join(f"{c}: {n}" for c, n in sorted(codes.items())))
    for key, n in sorted((k, n) for k, n in FIGURES.items() if isinstance(k, str)):
        tr.write_line(f"{key}: {n}")
