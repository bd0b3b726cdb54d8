"""Rendering a run's HTML pages: nbconvert's HTMLExporter against ``helpers.report``'s.

``python render_pages.py [RUN_DIR] [--repeat 5]``: renders every executed notebook of
RUN_DIR (default: a fresh run of the sample engagement in a temporary folder, ~2 min) as
the client's and the reviewer's page, with nbconvert's ``HTMLExporter`` (which parses and
rewrites each page with BeautifulSoup) and with the kit's exporter, on the same sanitised
notebooks with their images parked, alternating old and new. It prints the median CPU and
wall-clock seconds of each page, the totals and their ratios, and how much CPU time the
reviewer pages spend in nbconvert's ``clean_html`` filter (bleach), which the template
applies to every highlighted code input. ``make bench`` does not run it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: what a render is timed by: CPU (steadier on a busy machine) and wall-clock seconds
CLOCKS = ("CPU", "wall")


def _fresh_run(folder: Path) -> Path:
    from helpers.runner import run_engagement
    from helpers.sample import write_sample_engagement

    engagement = write_sample_engagement(folder / "sample-client")
    return run_engagement(engagement).run_dir


def _pages(run_dir: Path) -> list[tuple[str, Any]]:
    """(label, parked notebook) of every page the run renders, client's then reviewer's."""
    import nbformat

    from helpers.report import Sanitiser, _park_images, localise_outputs, sanitise_notebook

    sanitiser = Sanitiser.for_run(engagement_dir=run_dir.parent.parent, run_dir=run_dir)
    pages = []
    for path in sorted((run_dir / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        client = localise_outputs(sanitise_notebook(nb, sanitiser, client=True), "en")
        reviewer = sanitise_notebook(nb, sanitiser, client=False)
        pages.append((f"{path.stem} (client)", _park_images(client)[0]))
        pages.append((f"{path.stem} (reviewer)", _park_images(reviewer)[0]))
    return pages


def _timed(render: Callable[..., Any], *args: Any) -> tuple[float, float]:
    """(CPU seconds, wall-clock seconds) of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    render(*args)
    return time.process_time() - cpu, time.perf_counter() - wall


class _CleanHtmlClock:
    """Wraps an exporter's ``clean_html`` filter to add up the CPU time spent in it."""

    def __init__(self, exporter: Any) -> None:
        self.filters = exporter.environment.filters
        self.original = self.filters["clean_html"]
        self.seconds = 0.0
        self.calls = 0

    def __call__(self, element: Any) -> str:
        start = time.process_time()
        try:
            return self.original(element)
        finally:
            self.seconds += time.process_time() - start
            self.calls += 1

    def __enter__(self) -> _CleanHtmlClock:
        self.filters["clean_html"] = self
        return self

    def __exit__(self, *exc: object) -> None:
        self.filters["clean_html"] = self.original


def _row(label: str, old: list[float], new: list[float]) -> str:
    cells = [f"{o:>9.3f}{n:>8.3f}{o / n:>7.2f}x" for o, n in zip(old, new, strict=True)]
    return f"{label:<32}{''.join(cells)}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", nargs="?", type=Path, help="a run folder (reports/<id>)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    from nbconvert import HTMLExporter

    from helpers.report import _exporter, _exporter_options

    run_dir = args.run_dir or _fresh_run(Path(tempfile.mkdtemp(prefix="render-bench-")))
    pages = _pages(run_dir)
    exporters = {
        side: {client: make(client) for client in (True, False)}
        for side, make in (
            ("old", lambda c: HTMLExporter(**_exporter_options(c))),
            ("new", _exporter),
        )
    }

    def render(side: str, label: str, nb: Any) -> Any:
        exporter = exporters[side]["(client)" in label]
        return exporter.from_notebook_node(nb, resources={"metadata": {"name": "page"}})

    for label, nb in pages:  # warm-up: templates, lexers, CSS read once
        render("old", label, nb)
        render("new", label, nb)

    times = {(label, side): [] for label, _ in pages for side in ("old", "new")}
    clean_html = {label: [] for label, _ in pages if "(reviewer)" in label}
    calls: dict[str, int] = {}
    for repeat in range(args.repeat):
        for label, nb in pages:
            for side in ("old", "new") if repeat % 2 == 0 else ("new", "old"):
                if side == "new" and label in clean_html:
                    with _CleanHtmlClock(exporters["new"][False]) as clock:
                        times[label, side].append(_timed(render, side, label, nb))
                    clean_html[label].append(clock.seconds)
                    calls[label] = clock.calls
                else:
                    times[label, side].append(_timed(render, side, label, nb))

    def median(label: str, side: str) -> list[float]:
        return [statistics.median(t[k] for t in times[label, side]) for k in (0, 1)]

    print(f"run: {run_dir}; median of {args.repeat}, old and new alternated; seconds")
    print(f"{'page':<32}" + "".join(f"{c + ' old':>9}{'new':>8}{'ratio':>8}" for c in CLOCKS))
    total = {"old": [0.0, 0.0], "new": [0.0, 0.0]}
    for label, _ in pages:
        old, new = median(label, "old"), median(label, "new")
        print(_row(label, old, new))
        for side, values in (("old", old), ("new", new)):
            total[side] = [a + b for a, b in zip(total[side], values, strict=True)]
    print(_row("total", total["old"], total["new"]))
    reviewer = sum(median(label, "new")[0] for label in clean_html)
    in_clean = sum(statistics.median(v) for v in clean_html.values())
    print(
        f"clean_html on code inputs, reviewer pages (new exporter): {sum(calls.values())} "
        f"calls, {in_clean:.3f} s CPU, "
        f"{in_clean / reviewer:.0%} of those pages' {reviewer:.3f} s"
    )


if __name__ == "__main__":
    sys.exit(main())
