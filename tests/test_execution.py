"""The papermill engine that writes the output notebook less often (real kernel runs)."""

from __future__ import annotations

import nbformat
import papermill
import papermill.engines
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers import execution
from helpers.runner import ensure_kernel

pytestmark = pytest.mark.slow


def notebook(path, sources):
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


@pytest.fixture
def writes(monkeypatch):
    """Every write of the output notebook by papermill's execution manager."""
    seen = []
    real = papermill.engines.write_ipynb

    def spy(nb, path):
        seen.append(sum(1 for c in nb.cells if c.get("outputs")))
        real(nb, path)

    monkeypatch.setattr(papermill.engines, "write_ipynb", spy)
    return seen


def run(src, out, **kw):
    return papermill.execute_notebook(
        str(src),
        str(out),
        engine_name=execution.register_engine(),
        kernel_name=ensure_kernel(),
        progress_bar=False,
        **kw,
    )


def test_cell_boundaries_write_rarely_and_the_result_is_complete(tmp_path, writes, monkeypatch):
    monkeypatch.setattr(execution, "SAVE_EVERY_S", 3600.0)
    src = notebook(tmp_path / "in.ipynb", [f"print({i})" for i in range(6)])
    run(src, tmp_path / "out.ipynb")
    # papermill's own engine writes at the start, at each cell's start and end, and at the
    # end (14 writes); throttled: the start, the first cell boundary, the end
    assert 2 <= len(writes) <= 3
    assert writes[-1] == 6
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert [c.outputs[0]["text"] for c in out.cells] == [f"{i}\n" for i in range(6)]
    assert all(c.metadata.papermill["status"] == "completed" for c in out.cells)


def test_without_throttle_every_boundary_writes(tmp_path, writes, monkeypatch):
    monkeypatch.setattr(execution, "SAVE_EVERY_S", 0.0)
    src = notebook(tmp_path / "in.ipynb", ["1", "2", "3"])
    run(src, tmp_path / "out.ipynb")
    assert len(writes) == 2 + 2 * 3


def test_a_failing_cell_leaves_the_notebook_written_up_to_it(tmp_path, writes, monkeypatch):
    monkeypatch.setattr(execution, "SAVE_EVERY_S", 3600.0)
    src = notebook(tmp_path / "in.ipynb", ["print('a')", "1/0", "print('never')"])
    with pytest.raises(papermill.PapermillExecutionError):
        run(src, tmp_path / "out.ipynb")
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    code = [c for c in out.cells if c.cell_type == "code"]
    assert code[0].outputs[0]["text"] == "a\n"
    assert any(o.get("ename") == "ZeroDivisionError" for o in code[1].outputs)
    assert not code[2].outputs
