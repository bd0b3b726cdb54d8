"""The house theme is explicit and the formatters speak the engagement's language."""

from __future__ import annotations

import matplotlib as mpl

from helpers.i18n import NBSP
from helpers.plots import PALETTE, currency_formatter, get_ax, percent_formatter, set_theme


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
