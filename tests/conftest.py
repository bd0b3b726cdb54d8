"""Shared test set-up: a non-interactive backend, and figures closed after each test."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def title_clears_tick_labels():
    """A check that a drawn chart's title sits wholly above its top tick labels."""

    def check(ax) -> None:
        fig = ax.figure
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        title = next(t for t in (ax.title, ax._left_title, ax._right_title) if t.get_text())
        labels = [t for t in ax.get_xticklabels(which="both") if t.get_text()]
        top = max(t.get_window_extent(renderer).y1 for t in labels)
        assert title.get_window_extent(renderer).y0 >= top, "the title overlaps tick labels"

    return check
