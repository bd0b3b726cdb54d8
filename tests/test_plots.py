"""The house theme is explicit and the formatters speak the engagement's language."""

from __future__ import annotations

import matplotlib as mpl
import pytest

from helpers.i18n import NBSP, NNBSP
from helpers.plots import (
    PALETTE,
    currency_formatter,
    get_ax,
    localise_axes,
    number_formatter,
    percent_formatter,
    set_theme,
)


def test_importing_does_not_style_and_set_theme_does():
    mpl.rcdefaults()
    assert mpl.rcParams["axes.titlelocation"] == "center"
    set_theme()
    assert mpl.rcParams["axes.titlelocation"] == "left"
    first = mpl.rcParams["axes.prop_cycle"].by_key()["color"][0]
    assert mpl.colors.to_hex(first) == PALETTE[0]
    mpl.rcdefaults()


def test_get_ax_reuses_or_creates():
    ax = get_ax()
    assert get_ax(ax) is ax
    assert ax.figure is not None


def test_formatters():
    assert currency_formatter("EUR", "fr")(1_250_000) == f"1,2{NBSP}M€"
    assert currency_formatter("EUR", "en")(1_250_000) == "€1.2M"
    assert currency_formatter("EUR", "en")(950) == "€950"
    assert percent_formatter("fr")(0.25) == f"25{NBSP}%"


def _labels(formatter, locs):
    formatter.set_locs(locs)
    return [formatter(x, i) for i, x in enumerate(locs)]


@pytest.mark.parametrize(
    ("language", "locs", "expected"),
    [
        ("fr", [0, 2500, 5000, 7500], ["0", f"2{NNBSP}500", f"5{NNBSP}000", f"7{NNBSP}500"]),
        ("en", [0, 2500, 5000, 7500], ["0", "2,500", "5,000", "7,500"]),
        ("fr", [-0.5, 0.0, 0.5, 1.0], ["−0,5", "0,0", "0,5", "1,0"]),
        ("en", [-0.5, 0.0, 0.5, 1.0], ["−0.5", "0.0", "0.5", "1.0"]),
        ("fr", [1234.25, 1234.5], [f"1{NNBSP}234,25", f"1{NNBSP}234,50"]),
        ("fr", [0.001, 0.002], ["0,001", "0,002"]),
        ("en", [2e9, 4e9], ["2,000,000,000", "4,000,000,000"]),
    ],
)
def test_number_formatter(language, locs, expected):
    assert _labels(number_formatter(language), locs) == expected


def test_money_and_percent_ticks():
    assert currency_formatter("EUR", "fr")(-2500) == f"−2{NNBSP}500{NBSP}€"
    assert currency_formatter("USD", "en")(45_000) == "$45k"
    assert percent_formatter("en", decimals=1)(0.186) == "18.6%"
    assert percent_formatter("fr", decimals=1)(-0.05) == f"−5,0{NBSP}%"


def test_localise_axes_changes_only_plain_number_axes():
    import matplotlib.pyplot as plt

    ax = get_ax()
    ax.plot([0, 1, 2], [1000.0, 2500.5, 4000.0])
    ax.xaxis.set_major_formatter(percent_formatter("fr"))
    assert localise_axes(ax, "fr") is ax
    ax.figure.canvas.draw()
    y_labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    x_labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    plt.close(ax.figure)
    assert f"2{NNBSP}000" in y_labels and not any("." in t or "," in t for t in y_labels)
    assert all(t.endswith(f"{NBSP}%") for t in x_labels)  # kept its percent formatter
