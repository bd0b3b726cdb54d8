"""End-to-end: the demo engagement run vs a floor, and where the demo run's time goes.

Run with the kit's python: ``python e2e.py OUT.json --repeat 2``.

- **demo**: ``helpers.runner.run_engagement`` on a fresh
  ``helpers.sample.write_sample_engagement`` folder (the six chapter notebooks);
- **floor**: a copy of the same engagement whose six notebooks (same names) hold only
  the parameters cell and one cell importing the same libraries: every module of a
  library (pandas, numpy, matplotlib, seaborn, scipy, statsmodels, scikit-learn,
  pydantic, PyYAML, openpyxl... and ``helpers``; not the standard library) that the
  demo notebook had loaded when it finished (recorded by one extra last cell in the
  demo copy, which costs milliseconds), so lazy imports count in the floor too;
  executed the same way (same runner, kernel, HTML rendering).

After one untimed warm-up run of notebook 05 (the HTML renderer's imports are paid once per
process), runs alternate demo, floor, demo, floor... (the first demo run records the
modules) so that machine load hits both alike; each figure is the median. The demo runs
share the engagement's input cache as reruns do: the first one parses the CSV inputs.
From the last runs: kernel start-up, cell execution and HTML rendering per notebook (the
runner's progress events) and every cell's duration (``metadata.papermill.duration`` in
the executed notebooks).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

import nbformat
from common import DATA, write_json

WORK = DATA / "e2e"
#: Top-level names never imported by the floor: the standard library is not a library
#: the kit chose, and these are the interpreter's own.
NOT_LIBRARIES = frozenset(sys.stdlib_module_names) | {"__main__", "__mp_main__"}
MODULES_FILE = "loaded_modules.json"
#: The shortest demo notebook, run once untimed before the measured runs.
WARMUP_NOTEBOOK = "05"
PARAMETERS = (
    "engagement_dir = None   # None: $STRATBOOK_ENGAGEMENT, else the folder holding "
    "engagement.yaml\nrun_dir = None          # None: reports/interactive inside the "
    "engagement\nconfig_overrides = {}   # dotted engagement.yaml keys"
)
RECORD_MODULES = (
    "import json as _json, sys as _sys\n_json.dump(sorted(_sys.modules), open({path!r}, 'w'))"
)


def floor_modules(loaded: list[str]) -> list[str]:
    """The public modules of every library among ``loaded`` (sys.modules names): each
    third-party package and ``helpers``, whatever the kernel had already loaded (those
    imports cost nothing), not the standard library (:data:`NOT_LIBRARIES`)."""
    return [
        m
        for m in loaded
        if m.split(".")[0] not in NOT_LIBRARIES
        and not any(part.startswith("_") for part in m.split("."))
        and "tests" not in m.split(".")
    ]


def floor_notebook(modules: list[str]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell(PARAMETERS)
    params.metadata["tags"] = ["parameters"]
    imports = (
        f"import importlib\nMODULES = {modules!r}\nfor name in MODULES:\n"
        "    try:\n        importlib.import_module(name)\n"
        "    except Exception:  # a module that only imports inside its package\n"
        "        pass"
    )
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Floor: imports only"),
        params,
        nbformat.v4.new_code_cell(imports),
    ]
    return nb


def prepare() -> tuple[Path, Path]:
    """A fresh demo engagement (each notebook records its loaded modules at the end) and
    an empty twin for the floor (same data, notebooks written by :func:`make_floor`)."""
    from helpers.sample import write_sample_engagement

    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    demo = write_sample_engagement(WORK / "demo")
    for path in sorted((demo / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        record = WORK / f"{path.stem}.{MODULES_FILE}"
        nb.cells.append(nbformat.v4.new_code_cell(RECORD_MODULES.format(path=str(record))))
        nbformat.write(nb, path)
    floor = WORK / "floor"
    shutil.copytree(demo, floor, ignore=shutil.ignore_patterns("reports", ".git"))
    (floor / "reports").mkdir()
    return demo, floor


def make_floor(demo: Path, floor: Path) -> dict[str, int]:
    """Write the floor notebooks from the modules the demo run recorded."""
    counts = {}
    for path in sorted((demo / "notebooks").glob("*.ipynb")):
        loaded = json.loads((WORK / f"{path.stem}.{MODULES_FILE}").read_text())
        modules = floor_modules(loaded)
        counts[path.stem] = len(modules)
        nbformat.write(floor_notebook(modules), floor / "notebooks" / path.name)
    return counts


def run_once(engagement: Path) -> dict:
    """One ``run_engagement`` with timestamps of its progress events."""
    from helpers.runner import run_engagement

    events: list[tuple[float, dict]] = []
    t0 = time.perf_counter()
    result = run_engagement(
        engagement, progress=lambda e: events.append((time.perf_counter(), dict(e)))
    )
    total = time.perf_counter() - t0
    per_nb: dict[str, dict] = {}
    report_done = None
    for stamp, e in events:
        if e["event"] == "notebook" and e["status"] == "started":
            per_nb[e["notebook"]] = {"start": stamp}
        elif e["event"] == "cell" and e["status"] == "started":
            per_nb[e["notebook"]].setdefault("first_cell", stamp)
        elif e["event"] == "cell" and e["status"] == "completed":
            per_nb[e["notebook"]]["last_cell_done"] = stamp
        elif e["event"] == "render" and e["notebook"] in per_nb:
            per_nb[e["notebook"]]["rendered"] = stamp
        elif e["event"] == "render":  # the run's report.html, after the last notebook
            report_done = stamp
        elif e["event"] == "notebook":
            per_nb[e["notebook"]]["end"] = stamp
    phases = {}
    for name, s in per_nb.items():
        phases[name] = {
            "total_s": s["end"] - s["start"],
            "kernel_start_s": s["first_cell"] - s["start"],
            "cells_s": s["last_cell_done"] - s["first_cell"],
            "render_s": s.get("rendered", s["end"]) - s["last_cell_done"],
        }
    last_end = max((s["end"] for s in per_nb.values()), default=t0)
    return {
        "total_s": total,
        "report_s": (report_done - last_end) if report_done is not None else None,
        "status": result.status,
        "run_dir": str(result.run_dir),
        "notebooks": phases,
    }


def cell_profile(run_dir: Path) -> list[dict]:
    """Every executed code cell with its papermill duration."""
    rows = []
    for path in sorted((run_dir / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        n = 0
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            n += 1
            meta = cell.metadata.get("papermill", {})
            lines = [ln for ln in cell.source.splitlines() if ln.strip() and not ln.startswith("#")]
            rows.append(
                {
                    "notebook": path.stem,
                    "cell": n,
                    "duration_s": float(meta.get("duration") or 0.0),
                    "first_line": (lines[0] if lines else "")[:90],
                    "plots": "plot_" in cell.source or "plt." in cell.source,
                    "images": sum(
                        "image/png" in o.get("data", {}) for o in cell.get("outputs", [])
                    ),
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    from helpers.runner import ensure_kernel

    ensure_kernel()
    demo, floor = prepare()
    # warm-up, untimed: the first run in a process pays once for the imports of the HTML
    # renderer (nbconvert, jinja2, pygments...), seconds that would go to whichever kind
    # ran first
    from helpers.runner import run_engagement

    t0 = time.perf_counter()
    run_engagement(demo, only=[WARMUP_NOTEBOOK])
    print(
        f"  e2e warm-up ({WARMUP_NOTEBOOK}): {time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    runs: dict[str, list[dict]] = {"floor": [], "demo": []}
    counts: dict[str, int] = {}
    for i in range(args.repeat):
        for kind, folder in (("demo", demo), ("floor", floor)):
            r = run_once(folder)
            runs[kind].append(r)
            print(f"  e2e {kind} run {i + 1}: {r['total_s']:.1f} s", file=sys.stderr, flush=True)
            if not counts:
                counts = make_floor(demo, floor)
    med = {k: statistics.median(r["total_s"] for r in v) for k, v in runs.items()}
    last_demo = Path(runs["demo"][-1]["run_dir"])
    write_json(
        args.out,
        {
            "repeat": args.repeat,
            "floor_modules": counts,
            "median_s": med,
            "overhead": med["demo"] / med["floor"] - 1,
            # each demo run against the floor run right after it: on a machine whose
            # speed drifts (a shared VM here), pairs compare like with like
            "pair_overheads": [
                d["total_s"] / f["total_s"] - 1
                for d, f in zip(runs["demo"], runs["floor"], strict=True)
            ],
            "runs": runs,
            "cells": cell_profile(last_demo),
            "floor_cells": cell_profile(Path(runs["floor"][-1]["run_dir"])),
        },
    )


if __name__ == "__main__":
    main()
