"""Fixtures for the analysis tests: synthetic exports built by the generator."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.load import load_export
from analysis.synthetic import write_demo_export


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """A read-only synthetic export (200 per arm, seed 1). Copy it before changing it."""
    return write_demo_export(tmp_path_factory.mktemp("demo") / "export", n_per_arm=200, seed=1)


@pytest.fixture
def demo_copy(demo_dir, tmp_path) -> Path:
    """A private, writable copy of the demo export."""
    return Path(shutil.copytree(demo_dir, tmp_path / "export"))


@pytest.fixture(scope="session")
def demo(demo_dir):
    """The demo export loaded (tests must not modify its frames)."""
    return load_export(demo_dir)
