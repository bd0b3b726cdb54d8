"""Executing a notebook with papermill, without rewriting it twice per cell.

papermill writes the whole output notebook (validated against the nbformat schema,
charts and all) when each cell starts and when it ends: for a chapter of 50 cells that
is 100 writes of a growing file, seconds of a run spent while the kernel waits. The
engine here is papermill's own (nbclient) with one change: within a notebook, a cell's
start or end writes the file only when the last write is at least
:data:`SAVE_EVERY_S` seconds old. The notebook is still written when execution starts,
when a cell fails (papermill's error markers), and when it ends for any reason, an
interrupt or a dead kernel included (papermill's ``finally``), so the executed
notebook on disk is complete whenever the run stops, as before; only a process killed
outright loses up to :data:`SAVE_EVERY_S` seconds of outputs.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: the name the engine is registered under with papermill
ENGINE_NAME = "stratbook"
#: least time between two writes of the output notebook at cell boundaries
SAVE_EVERY_S = 5.0


def register_engine() -> str:
    """Register the engine with papermill (idempotent) and return its name."""
    from papermill.engines import papermill_engines

    papermill_engines.register(ENGINE_NAME, _engine_class())
    return ENGINE_NAME


def _engine_class() -> type:
    from papermill.engines import NBClientEngine, NotebookExecutionManager

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

    class ThrottledEngine(NBClientEngine):
        """papermill's nbclient engine with :class:`ThrottledManager`."""

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
