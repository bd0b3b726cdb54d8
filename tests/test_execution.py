"""The runner's papermill engine, in real kernel runs: it writes the output notebook less
often, and its kernels draw charts in background processes (forked for real): the executed
notebook holds what inline drawing gives, nothing is lost when a chart warns or a later
cell fails, and nothing changes outside the runner."""

from __future__ import annotations

import json

import nbformat
import papermill
import papermill.engines
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers import background, execution
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


# ---- charts drawn in background processes ---------------------------------------------------
SETUP = (
    "import matplotlib.pyplot as plt\n"
    "from helpers.plots import get_ax, set_theme\n"
    "set_theme()\n"
    "import helpers.background as _b"
)
PROBE = "print('background' if _b._INSTANCE is not None else 'inline')"
CHARTS = [
    SETUP,
    "ax = get_ax(); ax.bar(['a', 'b', 'c'], [3, 1, 2]); ax.set_title('Three bars');",
    PROBE,
    "fig, ax = plt.subplots(); ax.plot([1, 3, 2]); ax.set_title('No layout engine');",
    "x = 41 + 1\nx",
    "for k in range(2):\n    get_ax().scatter([1, 2, k], [2, 1, k]);",
    "ax = get_ax(); ax.barh(['left', 'right'], [5, 8]); ax.set_title('Last cell');",
]


def execute(src, out, mode, monkeypatch, **kw):
    """Run ``src`` with the runner's process environment saying ``mode`` ("0": inline),
    or saying nothing (None: the runner's default, background)."""
    if mode is None:
        monkeypatch.delenv(background.ENV, raising=False)
    else:
        monkeypatch.setenv(background.ENV, mode)
    try:
        run(src, out, **kw)
    finally:
        monkeypatch.delenv(background.ENV, raising=False)
    return nbformat.read(str(out), as_version=4)


def outputs(nb, skip=()):
    return [
        json.dumps(c.get("outputs", []), sort_keys=True)
        for i, c in enumerate(nb.cells)
        if i not in skip
    ]


def stdout_of(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def pngs(nb):
    return [
        o.data["image/png"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "image/png" in o.get("data", {})
    ]


def test_charts_drawn_in_the_background_are_the_charts_drawn_inline(tmp_path, monkeypatch):
    src = notebook(tmp_path / "charts.ipynb", CHARTS)
    kernel_tmp = tmp_path / "tmp"
    kernel_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(kernel_tmp))  # the kernel's temporary folder
    inline = execute(src, tmp_path / "inline.ipynb", "0", monkeypatch)
    forked = execute(src, tmp_path / "forked.ipynb", None, monkeypatch)

    probe = CHARTS.index(PROBE)
    assert stdout_of(inline.cells[probe]) == "inline\n"
    assert stdout_of(forked.cells[probe]) == "background\n"
    # same outputs, byte for byte: 5 charts, the one of the last cell included
    assert len(pngs(forked)) == 5
    assert outputs(forked, skip={probe}) == outputs(inline, skip={probe})
    # the PNG files were read and their folder removed, though the kernel was killed
    assert not [p for p in kernel_tmp.iterdir() if p.name.startswith("stratbook-figures-")]


def test_a_chart_that_warns_is_drawn_again_inline_and_its_warning_shown(tmp_path, monkeypatch):
    src = notebook(
        tmp_path / "warns.ipynb",
        [
            SETUP,
            "ax = get_ax(); ax.set_title('Growth \\U0001F680');",  # no such glyph in DejaVu
            "y = 1",
        ],
    )
    nb = execute(src, tmp_path / "out.ipynb", None, monkeypatch)
    (png,) = pngs(nb)
    assert png.startswith("iVBORw0KGgo")  # a PNG, base64
    text = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "Glyph 128640" in text and "missing from font" in text


def test_a_chart_is_drawn_inline_when_no_process_can_be_forked(tmp_path, monkeypatch):
    no_fork = (
        "import os\n"
        "def _no_fork():\n"
        "    raise BlockingIOError(11, 'Resource temporarily unavailable')\n"
        "os.fork = _no_fork"
    )
    src = notebook(tmp_path / "nofork.ipynb", [SETUP, no_fork, CHARTS[1], "y = 1"])
    inline = execute(src, tmp_path / "inline.ipynb", "0", monkeypatch)
    nb = execute(src, tmp_path / "out.ipynb", None, monkeypatch)
    assert len(pngs(nb)) == 1
    assert outputs(nb) == outputs(inline)


def test_charts_before_a_failing_cell_are_kept(tmp_path, monkeypatch):
    src = notebook(
        tmp_path / "fails.ipynb",
        [SETUP, "ax = get_ax(); ax.plot([1, 2]);", "raise ValueError('client file missing')"],
    )
    with pytest.raises(papermill.PapermillExecutionError, match="client file missing"):
        execute(src, tmp_path / "out.ipynb", None, monkeypatch)
    nb = nbformat.read(str(tmp_path / "out.ipynb"), as_version=4)
    assert len(pngs(nb)) == 1


class _Events:
    def __init__(self):
        self.callbacks = {"post_execute": ["flush_figures"]}


class _Shell:
    def __init__(self):
        self.events = _Events()


def test_without_the_runner_charts_stay_inline(monkeypatch):
    monkeypatch.delenv(background.ENV, raising=False)
    monkeypatch.setattr(background, "_INSTANCE", None)
    shell = _Shell()
    assert background.install(shell, {"fmt": "png"}) is None
    assert shell.events.callbacks["post_execute"] == ["flush_figures"]
    background.finish()  # nothing pending: nothing to do

    monkeypatch.setenv(background.ENV, "1")
    first = background.install(shell, {"fmt": "png"})
    assert background.install(shell, {"fmt": "png"}) is first  # set_theme twice
    # it runs before the inline backend's flush_figures, once
    assert shell.events.callbacks["post_execute"] == [first.post_execute, "flush_figures"]
