"""Peak memory of the RFM + LTV pipeline (run with the kit's python, in a fresh process).

``python memory_probe.py DATA/tx_N OUT.json``: loads every column of the transactions
written by make_data.py (text as pandas' default ``str`` dtype, as ``eng.load`` gives
them), records the frame's size (``memory_usage(deep=True)``) and the RSS after the load,
resets the RSS high-water mark (Linux ``/proc/self/clear_refs``), then runs
``rfm_summary`` → ``BetaGeoModel.fit`` → ``GammaGammaModel.fit`` → ``ltv_by_customer``
and records the peak RSS (``resource.getrusage``) of the pipeline alone, and of the whole
process (load included).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from common import load_frame, peak_rss_bytes, reset_peak_rss, status_bytes, write_json


def main() -> None:
    data, out = Path(sys.argv[1]), Path(sys.argv[2])
    import numpy as np  # noqa: F401
    import pandas as pd

    from helpers import ltv

    rss_imports = status_bytes("VmRSS")
    t0 = time.perf_counter()
    tx = load_frame(data)
    load_s = time.perf_counter() - t0
    frame_bytes = int(tx.memory_usage(deep=True).sum())
    frame_bytes_shallow = int(tx.memory_usage(deep=False).sum())
    rss_after_load = status_bytes("VmRSS")
    peak_load = peak_rss_bytes()
    reset_ok = reset_peak_rss()
    steps = {}

    t = time.perf_counter()
    summary = ltv.rfm_summary(tx)
    steps["rfm_summary"] = time.perf_counter() - t
    t = time.perf_counter()
    bg = ltv.BetaGeoModel().fit(summary["frequency"], summary["recency"], summary["T"])
    steps["bgnbd_fit"] = time.perf_counter() - t
    t = time.perf_counter()
    gg = ltv.GammaGammaModel().fit(summary["frequency"], summary["monetary_value"])
    steps["gamma_gamma_fit"] = time.perf_counter() - t
    t = time.perf_counter()
    clv = ltv.ltv_by_customer(summary, bg, gg)
    steps["ltv_by_customer"] = time.perf_counter() - t
    pipeline_peak = peak_rss_bytes()
    write_json(
        out,
        {
            "rows": len(tx),
            "columns": {c: str(d) for c, d in tx.dtypes.items()},
            "customers": len(summary),
            "pandas": pd.__version__,
            "load_s": load_s,
            "steps_s": steps,
            "frame_bytes_deep": frame_bytes,
            "frame_bytes_shallow": frame_bytes_shallow,
            "rss_after_imports": rss_imports,
            "rss_after_load": rss_after_load,
            "peak_during_load": peak_load,
            "peak_reset_ok": reset_ok,
            "pipeline_peak": pipeline_peak,
            "process_peak": max(peak_load, pipeline_peak),
            "clv_total": float(clv["clv"].sum()),
            "bgnbd_params": {k: float(v) for k, v in bg.params_.items()},
        },
    )


if __name__ == "__main__":
    main()
