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


# ---- the inline PNG: laid out once, drawn once ------------------------------------------
def _png_size(b64: str) -> tuple[int, int]:
    import base64
    import io

    from PIL import Image

    return Image.open(io.BytesIO(base64.b64decode(b64))).size


def _pixels(png: bytes) -> bytes:
    import io

    from PIL import Image

    return Image.open(io.BytesIO(png)).convert("RGBA").tobytes()


def _count_draws(fig) -> list:
    draws: list = []
    fig.canvas.mpl_connect("draw_event", lambda event: draws.append(event))
    return draws


def test_figure_png_draws_a_laid_out_figure_once_at_its_own_size():
    import base64

    import matplotlib.pyplot as plt
    from IPython.core.pylabtools import print_figure
    from matplotlib.layout_engine import TightLayoutEngine

    from helpers.plots import figure_png

    ax = get_ax(figsize=(6, 4))
    ax.barh(["a long category name", "b"], [3, 1])
    ax.set(title="Short title", xlabel="revenue")
    fig = ax.figure
    engine = fig.get_layout_engine()
    assert isinstance(engine, TightLayoutEngine) and engine.get()["rect"] is None
    draws = _count_draws(fig)
    png = figure_png(fig, fmt="png", base64=True, bbox_inches="tight")
    assert len(draws) == 1  # IPython's own printer draws twice
    assert _png_size(png) == (600, 400)  # 6 x 4 in at 100 dpi, nothing cropped
    assert fig.get_layout_engine() is engine  # restored for later edits
    # the fast compression loses nothing: the same pixels as zlib's best
    fast = figure_png(fig, fmt="png")
    best = figure_png(fig, fmt="png", pil_kwargs={"compress_level": 9})
    assert fast == base64.b64decode(png) and _pixels(fast) == _pixels(best)
    # the layout kept every label inside: the tight box IPython would crop to is within
    renderer = fig.canvas.get_renderer()
    tight = fig.get_tightbbox(renderer)
    assert tight.x0 >= 0 and tight.y0 >= 0 and tight.x1 <= 6 and tight.y1 <= 4
    draws.clear()
    print_figure(fig, fmt="png", bbox_inches="tight")
    assert len(draws) == 2
    plt.close(fig)


def test_figure_png_grows_the_canvas_when_a_title_sticks_out():
    import matplotlib.pyplot as plt

    from helpers.plots import _outside_figure, figure_png

    ax = get_ax(figsize=(3, 2))
    ax.plot([0, 1], [0, 1])
    ax.set_title("A title far wider than a three-inch figure can hold", loc="left")
    fig = ax.figure
    draws = _count_draws(fig)
    width, height = _png_size(figure_png(fig, fmt="png", base64=True, bbox_inches="tight"))
    assert len(draws) == 1  # still one draw
    assert _outside_figure(fig) == [ax._left_title]
    title_right = ax._left_title.get_window_extent(fig.canvas.get_renderer()).x1
    # the canvas grows to the right only: the whole title and a 0.1-inch margin
    assert height == 200 and width == round(title_right + 10)
    assert not ax.get_position().x0 == 0  # the layout itself is untouched
    plt.close(fig)


def test_figure_png_leaves_figures_without_a_layout_engine_to_ipython():
    import matplotlib.pyplot as plt

    from helpers.plots import figure_png

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, 1])
    ax.set_ylabel("a label")
    draws = _count_draws(fig)
    width, height = _png_size(figure_png(fig, fmt="png", base64=True, bbox_inches="tight"))
    assert len(draws) == 2 and (width, height) != (300, 200)  # cropped as IPython does
    assert fig.get_layout_engine() is None
    assert figure_png(plt.figure(), fmt="png") is None  # an empty figure shows nothing
    plt.close("all")


def test_the_inline_png_printer_is_replaced_only_when_it_is_ipythons_plain_png():
    from functools import partial

    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.pylabtools import select_figure_formats
    from matplotlib.figure import Figure

    from helpers.plots import _png_drawn_once, figure_png

    shell = InteractiveShell.instance()
    png = shell.display_formatter.formatters["image/png"]
    try:
        select_figure_formats(shell, {"png"}, bbox_inches="tight")
        _png_drawn_once()
        printer = png.lookup_by_type(Figure)
        assert isinstance(printer, partial) and printer.func is figure_png
        assert printer.keywords == {"fmt": "png", "base64": True, "bbox_inches": "tight"}
        select_figure_formats(shell, {"retina"})
        retina = png.lookup_by_type(Figure)
        _png_drawn_once()
        assert png.lookup_by_type(Figure) is retina  # the user's choice stands
    finally:
        select_figure_formats(shell, {"png"})
        InteractiveShell.clear_instance()


def test_new_figures_place_titles_just_above_the_axes_unless_ticks_are_on_top(
    title_clears_tick_labels,
):
    import matplotlib.pyplot as plt

    from helpers.plots import new_figure

    fig, ax = new_figure(figsize=(4, 3))
    ax.plot([0, 1], [0, 1])
    ax.set_title("Fixed")
    fig.canvas.draw()
    assert ax.title.get_position()[1] == 1.0
    renderer = fig.canvas.get_renderer()
    assert ax.title.get_window_extent(renderer).y0 >= ax.get_window_extent(renderer).y1
    assert mpl.rcParams["axes.titley"] is None  # nothing leaks into later figures

    top = get_ax(figsize=(4, 3), title_above_ticks=True)
    top.plot([0, 1], [0, 1])
    top.xaxis.tick_top()
    top.set_xticks([0, 1], ["two\nlines", "b"])
    top.set_title("Searched")
    title_clears_tick_labels(top)

    fixed = get_ax(figsize=(4, 3))
    fixed.xaxis.tick_top()
    fixed.set_xticks([0, 1], ["two\nlines", "b"])
    fixed.set_title("Fixed")
    with pytest.raises(AssertionError, match="overlaps"):
        title_clears_tick_labels(fixed)  # why top-tick charts must ask for the search
    plt.close("all")


def test_the_one_pass_tight_layout_places_a_lone_axes_as_matplotlibs_default_does():
    from matplotlib.layout_engine import TightLayoutEngine

    from helpers.plots import figure_layout, new_figure

    for title, ylabel, values in (
        ("Revenue", "segment", [1, 10]),
        ("A longer title", "a long y label\non two lines", [1, 1e7]),
    ):
        fig, ax = new_figure(figsize=(6, 4))
        ax.barh(["a rather long category name", "b"], values)
        ax.set(title=title, xlabel="revenue", ylabel=ylabel)
        ax.legend(["bars"], loc="upper left", bbox_to_anchor=(1.0, 1.0))
        positions = []
        for engine in (TightLayoutEngine(), figure_layout()):
            fig.subplots_adjust(left=0.125, right=0.9, bottom=0.11, top=0.88)
            engine.execute(fig)
            positions.append(ax.get_position().extents * [600, 400, 600, 400])
        assert abs(positions[0] - positions[1]).max() < 0.5  # pixels
    # panels keep the two passes that get the spacing between them right
    assert figure_layout(2, 3).get()["rect"] == (0, 0, 1, 1)
