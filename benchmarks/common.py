"""Shared by every benchmark script, in both environments.

This module runs under the kit's venv (pandas 3, numpy 2) and under ``.bench-venv``
(lifetimes 0.11.3 with pandas 1.5, numpy 1.24), so it imports neither ``helpers`` nor
anything pandas 1.5 lacks. Data files are plain ``.npy`` columns (the kit's venv has no
pyarrow, so Parquet and Feather are not available to both sides).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
OUT = DATA / "out"

#: Text columns are stored as integer codes plus their distinct values.
TEXT_SUFFIX_CODES = ".codes.npy"
TEXT_SUFFIX_VALUES = ".values.npy"


def save_frame(frame: pd.DataFrame, folder: Path) -> None:
    """Write each column of ``frame`` as ``.npy`` (text as codes + distinct values)."""
    folder.mkdir(parents=True, exist_ok=True)
    for col in frame.columns:
        values = frame[col]
        if values.dtype.kind in "fiub":
            np.save(folder / f"{col}.npy", values.to_numpy())
        elif values.dtype.kind == "M":
            np.save(folder / f"{col}.npy", values.to_numpy().astype("datetime64[ns]"))
        else:
            codes, uniques = pd.factorize(values.astype(object).to_numpy())
            np.save(folder / f"{col}{TEXT_SUFFIX_CODES}", codes.astype(np.int32))
            np.save(folder / f"{col}{TEXT_SUFFIX_VALUES}", np.asarray(uniques, dtype=str))
    (folder / "columns.json").write_text(json.dumps(list(frame.columns)))


def load_frame(folder: Path, *, columns: list[str] | None = None, text_dtype: str = "str"):
    """Read a frame written by :func:`save_frame`; text as ``text_dtype`` (``"str"`` in
    pandas 3 is its default text dtype; use ``"object"`` under pandas 1.5)."""
    names = json.loads((folder / "columns.json").read_text())
    data = {}
    for col in columns or names:
        plain = folder / f"{col}.npy"
        if plain.exists():
            data[col] = np.load(plain)
        else:
            codes = np.load(folder / f"{col}{TEXT_SUFFIX_CODES}")
            values = np.load(folder / f"{col}{TEXT_SUFFIX_VALUES}").astype(object)
            data[col] = (
                pd.array(values[codes], dtype=text_dtype)
                if text_dtype != "object"
                else values[codes]
            )
            del codes
    return pd.DataFrame(data)


def timed(fn, *, repeat: int, warmup: int = 1) -> dict:
    """Run ``fn`` ``warmup`` times untimed, then ``repeat`` times; medians of wall and CPU
    seconds, every run's times, and the last result."""
    result = None
    for _ in range(warmup):
        result = fn()
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return {
        "wall_s": statistics.median(walls),
        "cpu_s": statistics.median(cpus),
        "walls": walls,
        "cpus": cpus,
        "repeat": repeat,
        "warmup": warmup,
        "result": result,
    }


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far (getrusage, KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def status_bytes(field: str) -> int | None:
    """``VmRSS`` / ``VmHWM`` from /proc/self/status, in bytes (None off Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def reset_peak_rss() -> bool:
    """Reset this process's RSS high-water mark (Linux ``clear_refs`` 5); False if refused."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def write_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, default=float))


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def side_main(run, doc: str) -> None:
    """The command line both benchmark sides share: ``TASK DATA OUT [--repeat] [--warmup]``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("task", choices=["rfm", "bgnbd", "gg"])
    parser.add_argument("data", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    args = parser.parse_args()
    run(args.task, args.data, args.out, args.repeat, args.warmup)
