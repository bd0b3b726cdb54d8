"""The kit's side of the comparison with lifetimes (run with the kit's python).

``python side_kit.py rfm|bgnbd|gg DATA OUT.json --repeat 3 --warmup 1``: loads the data
written by make_data.py, times the step (median after warm-up) and writes the timings and
the results (RFM summary to ``OUT.npz``, fitted parameters in the JSON).
"""

from __future__ import annotations

import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
from common import load_frame, side_main, timed, write_json

SIDE = "kit"


def versions() -> dict:
    import helpers

    return {
        "python": platform.python_version(),
        "helpers": getattr(helpers, "__version__", "?"),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
    }


def run(task: str, data: Path, out: Path, repeat: int, warmup: int) -> None:
    from helpers import ltv

    payload: dict = {"side": SIDE, "task": task, "versions": versions()}
    if task == "rfm":
        t0 = time.perf_counter()
        tx = load_frame(data, columns=["customer_id", "order_date", "amount"])
        payload["load_s"] = time.perf_counter() - t0
        payload["rows"] = len(tx)
        t = timed(lambda: ltv.rfm_summary(tx), repeat=repeat, warmup=warmup)
        summary = t.pop("result")
        np.savez(
            out.with_suffix(".npz"),
            customer_id=summary.index.to_numpy(dtype=str),
            **{c: summary[c].to_numpy(dtype=float) for c in summary.columns},
        )
        payload["customers"] = len(summary)
    elif task == "bgnbd":
        d = np.load(data)
        cols = [d["frequency"], d["recency"], d["T"]]
        t = timed(lambda: ltv.BetaGeoModel().fit(*cols), repeat=repeat, warmup=warmup)
        model = t.pop("result")
        payload["params"] = {k: float(v) for k, v in model.params_.items()}
        payload["converged"] = model.converged_
        payload["customers"] = len(cols[0])
    elif task == "gg":
        d = np.load(data)
        cols = [d["frequency"], d["monetary_value"]]
        t = timed(lambda: ltv.GammaGammaModel().fit(*cols), repeat=repeat, warmup=warmup)
        model = t.pop("result")
        payload["params"] = {k: float(v) for k, v in model.params_.items()}
        payload["converged"] = model.converged_
        payload["customers"] = len(cols[0])
    else:
        raise SystemExit(f"unknown task {task!r}: use rfm, bgnbd or gg")
    payload["timing"] = t
    write_json(out, payload)


if __name__ == "__main__":
    side_main(run, __doc__)
