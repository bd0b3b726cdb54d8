"""The DuckDB engine (helpers.engine) on a file bigger than pandas would like.

``python engine_probe.py [N_COPIES]`` (kit's python, duckdb installed): builds
``data/tx_big.parquet`` from the ~10M-line benchmark transactions repeated N_COPIES times
(default 10: ~97M lines) with the customer ids made distinct per copy, then, in a fresh
process, summarises it with ``helpers.engine.rfm_summary_duckdb`` and prints the wall
time and the peak RSS (``resource.getrusage``). Not part of ``make bench`` yet.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import DATA, load_frame, peak_rss_bytes  # noqa: E402


def build(copies: int) -> Path:
    import duckdb

    out = DATA / f"tx_big_{copies}.parquet"
    if out.exists():
        return out
    tx = load_frame(
        DATA / "tx_10000000", columns=["customer_id", "order_date", "amount"], text_dtype="object"
    )
    con = duckdb.connect()
    con.register("tx", tx)
    con.execute(f"""COPY (SELECT customer_id || '-' || CAST(k AS VARCHAR) AS customer_id,
                          order_date, amount
                   FROM tx, range({copies}) r(k)) TO '{out}' (FORMAT parquet)""")
    return out


def measure(path: Path) -> None:
    from helpers import engine

    t0 = time.perf_counter()
    summary = engine.rfm_summary_duckdb(path)
    print(
        json.dumps(
            {
                "file": path.name,
                "file_bytes": path.stat().st_size,
                "customers": len(summary),
                "wall_s": time.perf_counter() - t0,
                "peak_rss_bytes": peak_rss_bytes(),
            }
        )
    )


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        measure(Path(sys.argv[2]))
        return
    copies = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    t0 = time.perf_counter()
    path = build(copies)
    print(f"built {path.name} in {time.perf_counter() - t0:.0f} s", flush=True)
    subprocess.run([sys.executable, __file__, "--measure", str(path)], check=True)


if __name__ == "__main__":
    main()
