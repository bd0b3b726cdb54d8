"""Shared fixtures: figures closed after each test, one sample engagement per session."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def sample_engagement(tmp_path_factory) -> Path:
    """A sample engagement made by the template, shared read-only by the session's tests.

    Tests that write into it (runs) must use ``fresh_engagement`` instead.
    """
    from helpers.sample import write_sample_engagement

    return write_sample_engagement(tmp_path_factory.mktemp("engagements") / "maison-durand")


@pytest.fixture
def fresh_engagement(tmp_path) -> Path:
    """A new sample engagement for a test that writes runs or edits files."""
    from helpers.sample import write_sample_engagement

    return write_sample_engagement(tmp_path / "maison-durand")


@pytest.fixture(scope="session")
def cdnow_dir() -> Path:
    """The CDNOW reference data (../shared/data/cdnow), beside the repository."""
    path = Path(os.environ.get("STRATBOOK_SHARED", SHARED)) / "data" / "cdnow"
    if not path.exists():
        pytest.skip(f"CDNOW reference data not found at {path}")
    return path
