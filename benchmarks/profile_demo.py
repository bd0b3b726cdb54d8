"""Where the demo run's time goes: each demo notebook run as a script under cProfile.

``python profile_demo.py OUT.json [ENGAGEMENT]`` (default: the demo engagement e2e.py
made); ``--kernel`` profiles the real run instead (cProfile inside each kernel, see
:func:`kernel_profile`), which also sees what the kernel does after each cell. By
default each notebook runs in a fresh process (like a fresh kernel) with the Agg backend;
after each cell, what the kernel would do is done too: the last expression is formatted
by IPython's DisplayFormatter (HTML tables...) and every open figure is rendered to PNG
as the inline backend does (``bbox_inches="tight"``) then closed. Times are split into
imports (the cell opening the engagement, which holds the imports), analysis and drawing
(the cells' code), display formatting and PNG rendering, and the functions with the
largest cumulative time are listed. cProfile slows pure-Python code (matplotlib) more
than NumPy code: read the shares, not the absolute seconds.
"""

from __future__ import annotations

import ast
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import DATA, write_json  # noqa: E402

#: Functions worth naming in the ranking (substrings of "file:line(function)").
INTERESTING = (
    "helpers/",
    "savefig",
    "print_figure",
    "draw",
    "read_csv",
    "read_excel",
    "_find_and_load",
    "DisplayFormatter.format",
    "fit",
    "tight_layout",
    "to_html",
    "_repr_html_",
)
TOP = 25


def child(notebook: Path, engagement: Path, out: Path) -> None:
    """Run one notebook's code cells in this process and write its profile."""
    os.environ["MPLBACKEND"] = "Agg"
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    cells = [
        c
        for c in nb.cells
        if c.cell_type == "code"
        and "parameters" not in c.metadata.get("tags", [])
        and not c.source.startswith("import json as _json")
    ]
    from IPython.display import display  # a builtin in a kernel

    ns: dict = {
        "engagement_dir": str(engagement),
        "run_dir": None,
        "config_overrides": {},
        "__name__": "__main__",
        "display": display,
    }
    times = {"imports_and_open": 0.0, "code": 0.0, "display": 0.0, "png": 0.0}
    figures = 0
    per_cell = []
    profiler = cProfile.Profile()
    formatter = None
    profiler.enable()
    for i, cell in enumerate(cells, start=1):
        source = cell.source
        tree = ast.parse(source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        t0 = time.perf_counter()
        exec(compile(tree, f"<cell {i}>", "exec"), ns)
        value = (
            eval(compile(ast.Expression(last.value), f"<cell {i}>", "eval"), ns)
            if last is not None
            else None
        )
        t1 = time.perf_counter()
        if value is not None:
            if formatter is None:
                from IPython.core.formatters import DisplayFormatter

                formatter = DisplayFormatter()
            formatter.format(value)
        t2 = time.perf_counter()
        import matplotlib.pyplot as plt

        for num in plt.get_fignums():
            plt.figure(num).savefig(io.BytesIO(), format="png", bbox_inches="tight")
            figures += 1
        plt.close("all")
        t3 = time.perf_counter()
        kind = "imports_and_open" if "Engagement.open" in source else "code"
        times[kind] += t1 - t0
        times["display"] += t2 - t1
        times["png"] += t3 - t2
        per_cell.append(
            {
                "cell": i,
                "code_s": t1 - t0,
                "display_s": t2 - t1,
                "png_s": t3 - t2,
                "first_line": next(
                    (ln for ln in source.splitlines() if ln.strip() and not ln.startswith("#")), ""
                )[:80],
            }
        )
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (file, line, func), (_cc, _nc, tt, ct, _callers) in stats.stats.items():
        name = f"{file.replace(str(Path(sys.prefix)), '<venv>')}:{line}({func})"
        if any(k in name for k in INTERESTING):
            rows.append({"function": name, "cumulative_s": ct, "own_s": tt})
    rows.sort(key=lambda r: -r["cumulative_s"])
    write_json(
        out,
        {
            "notebook": notebook.stem,
            "times_s": times,
            "figures": figures,
            "cells": per_cell,
            "top": rows[:TOP],
        },
    )


#: Cells injected by ``--kernel``: cProfile from after the parameters cell to the end.
KERNEL_START = "import cProfile as _cp\n_stratbook_prof = _cp.Profile()\n_stratbook_prof.enable()"
KERNEL_STOP = "_stratbook_prof.disable()\n_stratbook_prof.dump_stats({path!r})"
#: (label, function name) of the kernel-side phases reported by ``--kernel``
KERNEL_PHASES = (
    ("cell code", "run_code"),
    ("pyplot post-cell redraw", "_draw_all_if_interactive"),
    ("inline PNG rendering", "flush_figures"),
    ("imports", "_find_and_load"),
)


def kernel_profile(out: Path, engagement: Path) -> None:
    """Profile the real run: every demo notebook under cProfile inside its own kernel.

    A copy of ``engagement`` gets two cells per notebook (start cProfile after the
    parameters, dump the stats at the end) and is run by ``run_engagement`` as the demo
    is; the JSON lists, per notebook, the wall time of the run's phases (progress events)
    and the cumulative time of the kernel-side phases of :data:`KERNEL_PHASES` (imports
    overlap the others), then the kit functions with the largest cumulative time.
    """
    import shutil

    import nbformat

    from helpers.runner import run_engagement

    copy = out.parent / "kernel_profile_engagement"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(engagement, copy, ignore=shutil.ignore_patterns("reports"))
    stats_files = {}
    for path in sorted((copy / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        at = next(
            (i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])), 0
        )
        stats_files[path.stem] = out.parent / f"kernel_{path.stem}.prof"
        nb.cells.insert(at + 1, nbformat.v4.new_code_cell(KERNEL_START))
        nb.cells.append(
            nbformat.v4.new_code_cell(KERNEL_STOP.format(path=str(stats_files[path.stem])))
        )
        nbformat.write(nb, path)
    events: list[tuple[float, dict]] = []
    t0 = time.perf_counter()
    run_engagement(copy, progress=lambda e: events.append((time.perf_counter() - t0, dict(e))))
    results = []
    for name, stats_path in stats_files.items():
        stats = pstats.Stats(str(stats_path))
        phases = {label: 0.0 for label, _ in KERNEL_PHASES}
        rows = []
        for (file, line, func), (_cc, _nc, tt, ct, _callers) in stats.stats.items():
            for label, target in KERNEL_PHASES:
                if func == target:
                    phases[label] += ct
            if "helpers/" in file:
                rows.append(
                    {
                        "function": f"{file.split('helpers/')[-1]}:{line}({func})",
                        "cumulative_s": ct,
                        "own_s": tt,
                    }
                )
        rows.sort(key=lambda r: -r["cumulative_s"])
        results.append({"notebook": name, "kernel_s": phases, "top": rows[:TOP]})
        print(
            f"  kernel profile {name}: " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()),
            file=sys.stderr,
            flush=True,
        )
    write_json(out, {"notebooks": results, "total_s": time.perf_counter() - t0})


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
        return
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("engagement", type=Path, nargs="?", default=DATA / "e2e" / "demo")
    parser.add_argument("--only", default=None, help="profile this notebook only")
    parser.add_argument(
        "--kernel", action="store_true", help="profile the real run inside its kernels"
    )
    args = parser.parse_args()
    out, engagement = args.out.resolve(), args.engagement.resolve()
    if args.kernel:
        kernel_profile(out, engagement)
        return
    results = []
    for notebook in sorted((engagement / "notebooks").glob("*.ipynb")):
        if args.only and notebook.stem != args.only:
            continue
        part = out.with_name(f"profile_{notebook.stem}.json")
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--child", str(notebook), str(engagement), str(part)],
            check=True,
            cwd=engagement / "notebooks",
            stdout=subprocess.DEVNULL,
        )
        data = json.loads(part.read_text())
        data["process_s"] = time.perf_counter() - t0
        results.append(data)
        print(f"  profiled {notebook.stem}: {data['process_s']:.1f} s", file=sys.stderr, flush=True)
    write_json(out, {"notebooks": results})


if __name__ == "__main__":
    main()
