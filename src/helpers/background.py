"""Charts drawn to PNG in background processes while the notebook goes on.

In a kernel started by ``stratbook run`` (the runner sets :data:`ENV` for its kernels),
each chart a cell leaves open is handed to a forked child process, which draws its PNG
(:func:`helpers.plots.figure_png`, the bytes the inline backend would make) on another
core while the kernel runs the next cells. The cell's output is first the figure's text
(``<Figure size 900x500 with 1 Axes>``) under a display id; the kernel replaces it with
the PNG (``update_display``) at the end of a later cell once the child is done, and for
whatever is left, when the runner asks after the last cell (:func:`finish`). Drawing the
demo's 35 charts is then off the kernel's critical path; the executed notebook holds the
same outputs as with inline drawing.

Anywhere else (JupyterLab, nbval, papermill run by hand) charts are drawn inline as
before: nothing there would ask for the charts still pending after the last cell. Also
inline: any system but Linux (macOS advises against forking a process that may have
used its frameworks; Windows cannot fork), a user who chose other figure formats, or an
inline backend told to keep figures open.

A child that fails, or whose drawing raises a warning, leaves no PNG: the chart is then
drawn inline when its turn comes, so errors and warnings reach the notebook as before.
"""

from __future__ import annotations

import atexit
import base64
import os
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Set to "1" by the runner for its kernels: draw charts in background processes.
ENV = "STRATBOOK_BACKGROUND_FIGURES"
#: The code the runner executes after a notebook's last cell: publish what is pending.
FINISH_CODE = "(lambda m: m and m.finish())(__import__('sys').modules.get('helpers.background'))"
#: Charts drawn at once at most; a further one waits for the oldest.
MAX_PENDING = 8
#: Children run below the kernel's priority: they take the idle core, not the kernel's.
CHILD_NICENESS = 5


@dataclass
class _Pending:
    display_id: str
    pid: int
    path: Path
    figure: Any  # kept to draw it inline if the child fails
    text: str
    metadata: dict[str, Any] | None


class BackgroundFigures:
    """The kernel's pending charts: forked on show, published when drawn.

    Parameters
    ----------
    shell
        The IPython shell of the kernel.
    keywords
        The keywords of IPython's PNG printer (``fmt``, ``bbox_inches``, ``base64``),
        passed to :func:`helpers.plots.figure_png` as inline drawing would.
    """

    def __init__(self, shell: Any, keywords: dict[str, Any]):
        self.shell = shell
        self.keywords = dict(keywords)
        self.pending: list[_Pending] = []
        self.shown = 0
        self._folder: Path | None = None

    @property
    def folder(self) -> Path:
        """Where the children leave their PNGs (removed once nothing is pending: the
        runner shuts its kernels down without exit handlers)."""
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="stratbook-figures-"))
            atexit.register(shutil.rmtree, self._folder, ignore_errors=True)
        return self._folder

    # ---- in the kernel, after each cell -------------------------------------------------
    def post_execute(self) -> None:
        """Publish the charts drawn since the last cell, then hand this cell's charts to
        children and close them, as the inline backend's ``flush_figures`` would show
        and close them (it runs next and finds nothing left)."""
        from matplotlib._pylab_helpers import Gcf
        from matplotlib_inline import backend_inline
        from matplotlib_inline.config import InlineBackend

        self.publish(wait=False)
        if not backend_inline.show._draw_called or not InlineBackend.instance().close_figures:
            return  # nothing new to show, or figures kept open: flush_figures decides
        import matplotlib.pyplot as plt

        try:
            for manager in Gcf.get_all_fig_managers():
                self.start(manager.canvas.figure)
        finally:
            plt.close("all")

    def start(self, fig: Any) -> None:
        """Show ``fig``'s text under a new display id and fork a child to draw its PNG."""
        from IPython.display import display
        from matplotlib_inline.backend_inline import _fetch_figure_metadata

        if len(self.pending) >= MAX_PENDING:
            self._publish(self.pending[0], wait=True)
        self.shown += 1
        display_id = f"stratbook-figure-{os.getpid()}-{self.shown}"
        path = self.folder / f"{self.shown}.png.txt"
        text = self.shell.display_formatter.formatters["text/plain"](fig)
        metadata = _fetch_figure_metadata(fig)
        try:
            pid = os.fork()
        except OSError:  # no process to spare (memory, a process limit): draw it here
            display(fig, metadata=metadata)
            return
        if pid == 0:  # pragma: no cover - the child leaves through os._exit
            _draw_in_child(fig, self.keywords, path)
        display({"text/plain": text}, raw=True, metadata=metadata, display_id=display_id)
        self.pending.append(_Pending(display_id, pid, path, fig, text, metadata))

    # ---- publishing ------------------------------------------------------------------------
    def publish(self, *, wait: bool) -> None:
        """Replace the text of each drawn chart by its PNG (all of them if ``wait``)."""
        for item in list(self.pending):
            self._publish(item, wait=wait)

    def finish(self) -> None:
        """Wait for every pending chart and publish it (the runner's last request)."""
        self.publish(wait=True)
        if self._folder is not None and not self.pending:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _publish(self, item: _Pending, *, wait: bool) -> None:
        from IPython.display import update_display

        try:
            done, status = os.waitpid(item.pid, 0 if wait else os.WNOHANG)
            drawn = done and os.waitstatus_to_exitcode(status) == 0
        except ChildProcessError:  # reaped by other code of the kernel: trust its file
            done, drawn = item.pid, True
        if not done:
            return
        self.pending.remove(item)
        try:
            if drawn and item.path.exists():
                png: str | bytes = item.path.read_text(encoding="ascii")
                if not self.keywords.get("base64"):
                    png = base64.b64decode(png)
            else:  # the child failed or warned: draw here, where errors and warnings show
                png = _draw_closed(item.figure, self.keywords)
        except Exception:
            self.shell.showtraceback()
            return
        finally:
            item.path.unlink(missing_ok=True)
        data = {"image/png": png, "text/plain": item.text}
        update_display(data, raw=True, metadata=item.metadata, display_id=item.display_id)


def _draw_closed(fig: Any, keywords: dict[str, Any]) -> str | bytes:
    """:func:`helpers.plots.figure_png` of a figure pyplot has closed (its canvas is then
    a bare ``FigureCanvasBase``): on an Agg canvas, as the inline backend draws."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from helpers.plots import figure_png

    if not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)
    return figure_png(fig, **keywords)


def _draw_in_child(fig: Any, keywords: dict[str, Any], path: Path) -> None:
    """In the forked child: draw ``fig``'s PNG into ``path``, then leave at once (no
    exit handlers: the kernel's sockets and files belong to the parent)."""
    code = 1
    try:
        os.nice(CHILD_NICENESS)
        from helpers.plots import figure_png

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            png = figure_png(fig, **keywords)
        if caught:
            code = 2  # the parent draws it again, where the warning shows
        else:
            data = png.encode("ascii") if isinstance(png, str) else base64.b64encode(png)
            part = path.with_name(path.name + ".part")
            part.write_bytes(data)
            part.replace(path)
            code = 0
    finally:
        os._exit(code)


def install(shell: Any, keywords: dict[str, Any]) -> BackgroundFigures | None:
    """Draw the kernel's charts in background processes when the runner asked for it
    (:data:`ENV`) on Linux; the installed instance, or None.

    Idempotent: a second call (``set_theme`` again) keeps the first instance.
    """
    if os.environ.get(ENV) != "1" or not sys.platform.startswith("linux"):
        return None  # macOS: a forked child of a process that used system frameworks
        # can crash (why Python spawns there); Windows has no fork
    global _INSTANCE
    if _INSTANCE is None:
        _INSTANCE = BackgroundFigures(shell, keywords)
        # before the inline backend's flush_figures, which would draw them inline
        shell.events.callbacks["post_execute"].insert(0, _INSTANCE.post_execute)
    return _INSTANCE


def finish() -> None:
    """Publish every pending chart of this kernel (a no-op when none is pending)."""
    if _INSTANCE is not None:
        _INSTANCE.finish()


_INSTANCE: BackgroundFigures | None = None
