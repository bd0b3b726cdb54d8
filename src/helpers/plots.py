"""The house theme and small plotting utilities shared by every chapter.

Styling is one explicit call, :func:`set_theme`, made by each notebook after its imports;
importing this module changes nothing. Plot functions in the chapter modules draw on the
Axes they are given (or a new one from :func:`get_ax`) and return it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import LayoutEngine

#: One palette for every chart: a calm blue first, then contrasting accents.
PALETTE = (
    "#1f4e79",  # deep blue: the client
    "#e07a1f",  # orange: the main contrast
    "#4a9c6d",  # green: good / growth
    "#c0392b",  # red: risk / decline
    "#8e7cc3",
    "#7f8c8d",
    "#d4a017",
    "#2e86c1",
)
CLIENT_COLOR = PALETTE[0]
GOOD_COLOR = PALETTE[2]
BAD_COLOR = PALETTE[3]
NEUTRAL_COLOR = PALETTE[5]
FONT_FAMILY = "DejaVu Sans"  # ships with matplotlib: the same glyphs on every machine
FIGSIZE = (9.0, 5.0)
#: zlib level of the inline PNGs. Levels 1-3 use zlib's fast strategy; on the demo's
#: charts level 3 encodes in half the time of the default 6 and the files are 3 % smaller.
PNG_COMPRESS_LEVEL = 3
#: How far (in pixels) a text may reach past the figure's edge and still count as inside.
OVERFLOW_TOLERANCE_PX = 0.5


def set_theme(*, context: str = "notebook") -> None:
    """Apply the house style (seaborn theme, palette, font) to every later chart.

    In a Jupyter kernel with the inline backend, also stop pyplot's redraw after each
    cell (see :func:`_draw_once_inline`) and lay out each chart once before its PNG is
    drawn, once (see :func:`_png_drawn_once`).

    Text is rendered without font hinting: hinting snaps glyph outlines to the pixel
    grid, which is FreeType's slowest step (a fifth of a chart's drawing time) and only
    sharpens small text on low-resolution screens; antialiased text reads the same.
    """
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(context=context, style="whitegrid", palette=list(PALETTE), font=FONT_FAMILY)
    mpl.rcParams.update(
        {
            "figure.figsize": FIGSIZE,
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.titleweight": "bold",
            "axes.titlesize": 13,
            "axes.titlelocation": "left",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "svg.hashsalt": "stratbook",  # deterministic ids in vector output
            "text.hinting": "no_hinting",
        }
    )
    _draw_once_inline()


def _draw_once_inline() -> None:
    """Drop pyplot's post-cell ``draw_all`` when figures are shown by the inline backend.

    In a kernel, pyplot redraws every open figure after each cell (a hook for interactive
    windows), then the inline backend draws each one again to make its PNG: the first
    draw is thrown away, and was a third of a notebook's chart time. The PNGs have the
    same size and content; constrained layout, run twice per chart instead of three
    times, can place an element a pixel apart (1-2 % of pixels differ on the demo
    charts). Outside IPython, or with another backend, nothing changes.
    """
    import sys

    if "IPython" not in sys.modules:
        return
    import matplotlib as mpl

    backend = str(mpl.rcParams["backend"])
    if "inline" not in backend:
        return
    import matplotlib.pyplot as plt

    # resolve the backend now: pyplot (re)installs its hook when it first loads one
    plt.switch_backend(backend)
    plt.uninstall_repl_displayhook()
    _png_drawn_once()


def _png_drawn_once() -> None:
    """Make the inline backend draw a laid-out figure once for its PNG, not twice.

    IPython renders a figure's PNG with ``bbox_inches="tight"``: matplotlib draws the
    figure twice, once without output to run its layout engine and find the tight box,
    once for the pixels. A figure with a layout engine (every kit figure, see
    :func:`figure_layout`) already fits its content into its canvas, so here the engine
    runs and the PNG is drawn once, uncropped: a third less time per chart on the demo
    (see :func:`figure_png`). Figures without a layout engine keep IPython's behaviour,
    and so does any other format the user chose (``retina``, ``svg``...).
    """
    from functools import partial

    from IPython import get_ipython
    from IPython.core.pylabtools import print_figure
    from matplotlib.figure import Figure

    shell = get_ipython()
    if shell is None:
        return
    png = shell.display_formatter.formatters["image/png"]
    current = png.lookup_by_type(Figure) if Figure in png.type_printers else None
    if not (
        isinstance(current, partial)
        and current.func is print_figure
        and current.keywords.get("fmt") == "png"
    ):
        return  # not IPython's plain PNG printer: someone chose another format
    png.for_type(Figure, partial(figure_png, **current.keywords))
    from helpers import background

    background.install(shell, current.keywords)  # under stratbook run: in other processes


def figure_png(fig, **kwargs):
    """IPython's PNG of ``fig`` (:func:`IPython.core.pylabtools.print_figure` and its
    keywords), drawn once when ``fig`` has a layout engine.

    The engine runs, then the figure is drawn once with the engine off and without
    tight-box cropping, since the layout fits the content into the figure; the engine is
    restored afterwards. Layout engines leave out the width of titles and axis labels:
    when one of those (or a figure-level legend or text) sticks out, the PNG is extended
    to hold it with matplotlib's padding (``savefig.pad_inches``), so nothing is cut off.
    PNGs are compressed at :data:`PNG_COMPRESS_LEVEL` unless ``pil_kwargs`` says
    otherwise.
    """
    from IPython.core.pylabtools import print_figure
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    kwargs = {"pil_kwargs": {"compress_level": PNG_COMPRESS_LEVEL}, **kwargs}
    engine = fig.get_layout_engine()
    if engine is None or isinstance(engine, PlaceHolderLayoutEngine) or not fig.axes:
        return print_figure(fig, **kwargs)
    engine.execute(fig)
    fig.set_layout_engine(None)  # no engine at all: matplotlib then draws once
    try:
        return print_figure(fig, **{**kwargs, "bbox_inches": _canvas_box(fig)})
    finally:
        fig.set_layout_engine(engine)


def _canvas_box(fig):
    """The area of ``fig`` to print, in inches: the figure, grown on each side where a
    text or legend sticks out (see :func:`_outside_figure`) to hold it and a margin of
    ``savefig.pad_inches``; None when nothing sticks out."""
    import matplotlib as mpl
    from matplotlib.transforms import Bbox

    out = _outside_extents(fig)
    if not out:
        return None
    box = fig.bbox
    union = Bbox.union([box, *(extent for _artist, extent in out)])
    pad = mpl.rcParams["savefig.pad_inches"] * fig.dpi
    grown = Bbox.from_extents(
        union.x0 - pad if union.x0 < box.x0 else box.x0,
        union.y0 - pad if union.y0 < box.y0 else box.y0,
        union.x1 + pad if union.x1 > box.x1 else box.x1,
        union.y1 + pad if union.y1 > box.y1 else box.y1,
    )
    return grown.transformed(fig.dpi_scale_trans.inverted())


def _outside_figure(fig) -> list:
    """The visible texts and legends of ``fig`` that extend past its edges."""
    return [artist for artist, _extent in _outside_extents(fig)]


def _outside_extents(fig) -> list:
    """``(artist, extent)`` of each visible text and legend of ``fig`` that extends past
    its edges (extent in display pixels).

    Checked: every text of each Axes (titles, annotations), the axis labels and the
    figure-level texts and legends, the artists a layout engine may leave out or only
    partly place. Their extents come from the text metrics the layout has just
    measured, so the check costs a fraction of computing the figure's tight box.
    """
    from matplotlib.text import Text

    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    artists = [*fig.texts, *fig.legends]
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        artists += [a for a in ax.get_children() if isinstance(a, Text)]
        artists += [ax.xaxis.label, ax.yaxis.label]
    out = []
    for artist in artists:
        if not artist.get_visible() or (isinstance(artist, Text) and not artist.get_text()):
            continue
        ext = artist.get_window_extent(renderer)
        tol = OVERFLOW_TOLERANCE_PX
        if (
            ext.x0 < box.x0 - tol
            or ext.y0 < box.y0 - tol
            or ext.x1 > box.x1 + tol
            or ext.y1 > box.y1 + tol
        ):
            out.append((artist, ext))
    return out


def get_ax(
    ax: Axes | None = None,
    *,
    figsize: tuple[float, float] | None = None,
    title_above_ticks: bool = False,
) -> Axes:
    """Return ``ax``, or the Axes of a new figure (see :func:`new_figure`).

    The new figure is made with ``plt.subplots`` so that notebooks display it inline;
    nothing else touches pyplot's state. ``title_above_ticks``: the chart puts its tick
    labels above the Axes, and the title must clear them.
    """
    if ax is not None:
        return ax
    _fig, new_ax = new_figure(figsize=figsize or FIGSIZE, title_above_ticks=title_above_ticks)
    return new_ax


def new_figure(
    nrows: int = 1,
    ncols: int = 1,
    *,
    figsize: tuple[float, float] = FIGSIZE,
    title_above_ticks: bool = False,
    **kwargs: Any,
) -> tuple[Figure, Any]:
    """A new pyplot figure and its Axes (``plt.subplots`` arguments), laid out by
    :func:`figure_layout`.

    Titles sit at a fixed place, just above the Axes. Matplotlib otherwise searches for
    the best height at every draw, measuring every y tick label to do so, a quarter of a
    chart's drawing time, to move the title only when tick labels are above the Axes:
    charts that put them there pass ``title_above_ticks=True`` and keep the search.
    """
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    with mpl.rc_context({} if title_above_ticks else {"axes.titley": 1.0}):
        layout = figure_layout(nrows, ncols)
        return plt.subplots(nrows, ncols, figsize=figsize, layout=layout, **kwargs)


def figure_layout(nrows: int = 1, ncols: int = 1) -> LayoutEngine:
    """The layout engine of a new kit figure with an ``nrows`` x ``ncols`` grid of Axes:
    matplotlib's tight layout.

    A tight layout fits titles, tick labels and legends (inside or beside the Axes) into
    the figure by measuring the labels once; constrained layout measured them twice, a
    third of a chart's rendering time. Tight layout also measures everything a second
    time to fit into a target rectangle (by default the whole figure), which only
    matters for the spacing between panels: a lone Axes is laid out in one pass, to the
    same position, in half the time.
    """
    from matplotlib.layout_engine import TightLayoutEngine

    return TightLayoutEngine(rect=None) if (nrows, ncols) == (1, 1) else TightLayoutEngine()


def currency_formatter(currency: str = "EUR", language: str = "en", *, compact: bool = True):
    """A tick formatter for money axes (``1,2 M€`` / ``€1.2M`` when compact)."""
    from matplotlib.ticker import FuncFormatter

    from helpers.i18n import CURRENCY_SYMBOLS, format_currency, format_number

    symbol = CURRENCY_SYMBOLS.get(currency, currency)

    def fmt(x: float, _pos: int | None = None) -> str:
        if not compact or abs(x) < 10_000:
            return format_currency(x, currency, language)
        for div, suffix in ((1e9, "G" if language == "en" else "Md"), (1e6, "M"), (1e3, "k")):
            if abs(x) >= div:
                n = format_number(x / div, language, decimals=1 if abs(x) < 10 * div else 0)
                return f"{n}\u00a0{suffix}{symbol}" if language == "fr" else f"{symbol}{n}{suffix}"
        return format_currency(x, currency, language)

    return FuncFormatter(fmt)


def percent_formatter(language: str = "en", *, decimals: int = 0):
    """A tick formatter for shares shown as percentages."""
    from matplotlib.ticker import FuncFormatter

    from helpers.i18n import format_percent

    return FuncFormatter(lambda x, _pos=None: format_percent(x, language, decimals=decimals))


def _tick_decimals(locs: list[float]) -> int:
    """The fewest decimals (at most six) that tell every tick of ``locs`` apart exactly."""
    for decimals in range(7):
        if all(abs(round(x, decimals) - x) <= 1e-9 * max(abs(x), 1.0) for x in locs):
            return decimals
    return 6


def number_formatter(language: str = "en"):
    """A tick formatter for plain numbers in the language's conventions.

    ``1,234.5`` in English, ``1 234,5`` in French (narrow no-break space between
    thousands, decimal comma, true minus sign); every tick of an axis takes the decimals
    its spacing needs (``0.5, 1.0, 1.5``), as matplotlib's default does.
    """
    from matplotlib.ticker import Formatter

    from helpers.i18n import check_language, format_number

    check_language(language)

    class NumberFormatter(Formatter):
        decimals = 0

        def set_locs(self, locs) -> None:
            super().set_locs(locs)
            finite = [float(x) for x in locs if abs(x) < float("inf")]
            self.decimals = _tick_decimals(finite) if finite else 0

        def __call__(self, x: float, pos: int | None = None) -> str:
            return format_number(float(x), language, decimals=self.decimals)

    return NumberFormatter()


def localise_axes(ax: Axes, language: str = "en") -> Axes:
    """Give ``ax``'s plain numeric axes the language's number format; returns ``ax``.

    Only axes still using matplotlib's default number formatter change: money and percent
    axes (:func:`currency_formatter`, :func:`percent_formatter`), categories, dates and
    log scales keep theirs. Chapter plot functions call it last, so a French chart reads
    ``1 234,5`` on every axis.
    """
    from matplotlib.ticker import ScalarFormatter

    for axis in (ax.xaxis, ax.yaxis):
        if type(axis.get_major_formatter()) is ScalarFormatter:
            axis.set_major_formatter(number_formatter(language))
    return ax


__all__ = [
    "BAD_COLOR",
    "CLIENT_COLOR",
    "GOOD_COLOR",
    "NEUTRAL_COLOR",
    "PALETTE",
    "currency_formatter",
    "figure_layout",
    "figure_png",
    "get_ax",
    "localise_axes",
    "new_figure",
    "number_formatter",
    "percent_formatter",
    "set_theme",
]
