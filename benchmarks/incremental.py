"""Incremental and parallel runs of the demo engagement (issue 9, bars 6 and 7).

Run with the kit's python: ``python incremental.py OUT.json --repeat 2`` (or through
``python benchmarks/run.py --only incremental``).

On a fresh ``helpers.sample.write_sample_engagement`` folder:

- **full** and **jobs 2**: ``run_engagement(force)`` with ``jobs=1`` and ``jobs=2``,
  alternated (j1, j2, j1, j2...) so that machine load hits both alike; the speed-up is
  median(jobs 1) / median(jobs 2);
- **no change**: ``run_engagement(incremental=True)`` right after a full run, nothing
  changed (everything reused, the report and workbook too); the bar is median(no change) /
  median(full) <= 10 %;
- **one input changed**: one byte appended to the input CSV read by the fewest notebooks
  (chosen from the full run's manifest), then an incremental run: which notebooks reran,
  and how long it took.

Wall-clock seconds of the whole call (kernel starts, rendering, copying included).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import time
from pathlib import Path

from common import DATA, write_json

WORK = DATA / "incremental"
BAR = 0.10


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


def readers(manifest: dict) -> dict[str, list[str]]:
    """Input path -> notebooks whose fingerprint records reading it."""
    out: dict[str, list[str]] = {}
    for entry in manifest["notebooks"]:
        for path in (entry.get("fingerprint") or {}).get("inputs", {}):
            out.setdefault(path, []).append(entry["name"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    from helpers.runner import ensure_kernel, run_engagement
    from helpers.sample import write_sample_engagement

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    root = write_sample_engagement(WORK / "demo")
    ensure_kernel()

    full: list[float] = []
    jobs2: list[float] = []
    nochange: list[float] = []
    last = None
    for _ in range(args.repeat):
        seconds, last = timed(run_engagement, root, jobs=1)
        full.append(seconds)
        seconds, _ = timed(run_engagement, root, jobs=2)
        jobs2.append(seconds)
        seconds, again = timed(run_engagement, root, incremental=True)
        assert not again.manifest["incremental"]["run"], again.manifest["incremental"]
        nochange.append(seconds)

    read_by = readers(last.manifest)
    csv_inputs = {p: names for p, names in read_by.items() if p.endswith(".csv")}
    path, _ = min(csv_inputs.items(), key=lambda item: (len(item[1]), item[0]))
    with open(root / path, "a", encoding="utf-8") as fh:
        fh.write("\n")
    one_s, changed = timed(run_engagement, root, incremental=True)
    decisions = {e["name"]: e["decision"] for e in changed.manifest["notebooks"]}

    med_full, med_j2, med_nc = (statistics.median(x) for x in (full, jobs2, nochange))
    write_json(
        args.out,
        {
            "repeat": args.repeat,
            "cores": os.cpu_count(),
            "full_s": full,
            "jobs2_s": jobs2,
            "nochange_s": nochange,
            "full_median_s": med_full,
            "jobs2_median_s": med_j2,
            "nochange_median_s": med_nc,
            "nochange_ratio": med_nc / med_full,
            "bar": BAR,
            "speedup_jobs2": med_full / med_j2,
            "one_input": {
                "path": path,
                "read_by": read_by[path],
                "seconds": one_s,
                "ratio": one_s / med_full,
                "reran": [n for n, d in decisions.items() if d["action"] == "run"],
                "reasons": {n: d["reason"] for n, d in decisions.items() if d["action"] == "run"},
            },
            "notebooks": [e["name"] for e in last.manifest["notebooks"]],
            "load": os.getloadavg(),
        },
    )


if __name__ == "__main__":
    main()
