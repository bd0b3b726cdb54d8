"""Executing a notebook with papermill, without rewriting it twice per cell, its charts
drawn in background processes.

papermill writes the whole output notebook (validated against the nbformat schema,
charts and all) when each cell starts and when it ends: for a chapter of 50 cells that
is 100 writes of a growing file, seconds of a run spent while the kernel waits. The
engine here is papermill's own (nbclient) with two changes. First, within a notebook, a cell's
start or end writes the file only when the last write is at least
:data:`SAVE_EVERY_S` seconds old. The notebook is still written when execution starts,
when a cell fails (papermill's error markers), and when it ends for any reason, an
interrupt or a dead kernel included (papermill's ``finally``), so the executed
notebook on disk is complete whenever the run stops, as before; only a process killed
outright loses up to :data:`SAVE_EVERY_S` seconds of outputs. Second, its kernels draw
charts in forked processes and are asked for the pending ones after the last cell
(:class:`BackgroundFiguresClient`, :mod:`helpers.background`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: the name the engine is registered under with papermill
ENGINE_NAME = "stratbook"
#: nbclient's per-cell hooks, off while the runner's closing request executes
CELL_HOOKS = (
    "on_cell_start",
    "on_cell_execute",
    "on_cell_complete",
    "on_cell_executed",
    "on_cell_error",
)
#: least time between two writes of the output notebook at cell boundaries
SAVE_EVERY_S = 5.0


def register_engine() -> str:
    """Register the engine with papermill (idempotent) and return its name."""
    from papermill.engines import papermill_engines

    papermill_engines.register(ENGINE_NAME, _engine_class())
    return ENGINE_NAME


def _engine_class() -> type:
    import nbformat
    from jupyter_core.utils import run_sync
    from nbclient.exceptions import CellExecutionError
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, NotebookExecutionManager
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    from helpers import background

    class ThrottledManager(NotebookExecutionManager):
        """papermill's manager whose cell-boundary saves are throttled."""

        _throttled = False
        _last_write = float("-inf")

        def save(self, **kwargs: Any) -> None:
            now = time.monotonic()
            if self._throttled and now - self._last_write < SAVE_EVERY_S:
                return
            super().save(**kwargs)
            self._last_write = now

        @contextmanager
        def _throttle(self) -> Iterator[None]:
            self._throttled = True
            try:
                yield
            finally:
                self._throttled = False

        def cell_start(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
            with self._throttle():
                super().cell_start(cell, cell_index, **kwargs)

        def cell_complete(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
            with self._throttle():
                super().cell_complete(cell, cell_index, **kwargs)

    class BackgroundFiguresClient(PapermillNotebookClient):
        """papermill's client whose kernel draws charts in background processes
        (:mod:`helpers.background`) and is asked for the pending ones after the last
        cell, before papermill's closing ``kernel_info``."""

        async def async_start_new_kernel(self, **kwargs: Any) -> None:
            env = dict(kwargs.pop("env", None) or os.environ)
            env.setdefault(background.ENV, "1")  # "0" in the runner's environment: inline
            await super().async_start_new_kernel(env=env, **kwargs)

        # nbclient binds the synchronous name to its own coroutine function at class
        # creation: papermill calls this one
        start_new_kernel = run_sync(async_start_new_kernel)

        def papermill_execute_cells(self) -> None:
            super().papermill_execute_cells()  # a failed cell ends it too: publish anyway
            self.finish_figures()

        def finish_figures(self) -> None:
            """Execute :data:`helpers.background.FINISH_CODE` as a cell outside the
            notebook: its ``update_display`` messages fill the charts' outputs; what else
            it prints (a chart's warning or error) goes to the notebook's last code cell."""
            cell = nbformat.v4.new_code_cell(background.FINISH_CODE)
            hooks = {name: getattr(self, name) for name in CELL_HOOKS}
            for name in hooks:
                setattr(self, name, None)  # not one of the notebook's cells
            self.nb.cells.append(cell)  # nbclient stores the executed cell at its index
            try:
                self.execute_cell(cell, len(self.nb.cells) - 1, store_history=False)
            except CellExecutionError:
                self.log.warning("Charts still pending were not published: %s", cell.outputs)
            finally:
                self.nb.cells.pop()
                for name, hook in hooks.items():
                    setattr(self, name, hook)
            code = [c for c in self.nb.cells if c.cell_type == "code"]
            if cell.get("outputs") and code:
                code[-1].setdefault("outputs", []).extend(cell.outputs)

    class ThrottledEngine(NBClientEngine):
        """papermill's nbclient engine with :class:`ThrottledManager` and
        :class:`BackgroundFiguresClient`."""

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man: Any,
            kernel_name: str,
            log_output: bool = False,
            stdout_file: Any = None,
            stderr_file: Any = None,
            start_timeout: int = 60,
            execution_timeout: int | None = None,
            **kwargs: Any,
        ) -> Any:
            # papermill's NBClientEngine.execute_managed_notebook, with the client swapped
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs,
                timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            return BackgroundFiguresClient(nb_man, **final_kwargs).execute()

        @classmethod
        def execute_notebook(
            cls,
            nb: Any,
            kernel_name: str,
            output_path: str | None = None,
            progress_bar: bool = True,
            log_output: bool = False,
            autosave_cell_every: int = 30,
            **kwargs: Any,
        ) -> Any:
            # papermill's Engine.execute_notebook, with the manager class swapped
            nb_man = ThrottledManager(
                nb,
                output_path=output_path,
                progress_bar=progress_bar,
                log_output=log_output,
                autosave_cell_every=autosave_cell_every,
            )
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

    return ThrottledEngine


__all__ = ["ENGINE_NAME", "SAVE_EVERY_S", "register_engine"]
