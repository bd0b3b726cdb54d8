"""The baseline side: lifetimes 0.11.3 (run with .bench-venv/bin/python).

Same command line and output as side_kit.py:
``lifetimes.utils.summary_data_from_transaction_data`` for ``rfm``,
``lifetimes.BetaGeoFitter().fit`` for ``bgnbd``, ``lifetimes.GammaGammaFitter().fit``
for ``gg``, all with their default settings.
"""

from __future__ import annotations

import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
from common import load_frame, side_main, timed, write_json

SIDE = "lifetimes"


def versions() -> dict:
    from importlib.metadata import version

    import autograd  # noqa: F401
    import lifetimes

    return {
        "python": platform.python_version(),
        "lifetimes": lifetimes.__version__,
        "autograd": version("autograd"),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
    }


def run(task: str, data: Path, out: Path, repeat: int, warmup: int) -> None:
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    warnings.simplefilter("ignore")
    payload: dict = {"side": SIDE, "task": task, "versions": versions()}
    if task == "rfm":
        t0 = time.perf_counter()
        tx = load_frame(data, columns=["customer_id", "order_date", "amount"], text_dtype="object")
        payload["load_s"] = time.perf_counter() - t0
        payload["rows"] = len(tx)

        def step():
            return summary_data_from_transaction_data(
                tx, "customer_id", "order_date", monetary_value_col="amount", freq="D"
            )

        t = timed(step, repeat=repeat, warmup=warmup)
        summary = t.pop("result").sort_index()
        np.savez(
            out.with_suffix(".npz"),
            customer_id=summary.index.to_numpy(dtype=str),
            **{c: summary[c].to_numpy(dtype=float) for c in summary.columns},
        )
        payload["customers"] = len(summary)
    elif task == "bgnbd":
        d = np.load(data)
        cols = [d["frequency"], d["recency"], d["T"]]
        t = timed(lambda: BetaGeoFitter().fit(*cols), repeat=repeat, warmup=warmup)
        model = t.pop("result")
        payload["params"] = {k: float(model.params_[k]) for k in ("r", "alpha", "a", "b")}
        payload["customers"] = len(cols[0])
    elif task == "gg":
        d = np.load(data)
        cols = [d["frequency"], d["monetary_value"]]
        t = timed(lambda: GammaGammaFitter().fit(*cols), repeat=repeat, warmup=warmup)
        model = t.pop("result")
        payload["params"] = {k: float(model.params_[k]) for k in ("p", "q", "v")}
        payload["customers"] = len(cols[0])
    else:
        raise SystemExit(f"unknown task {task!r}: use rfm, bgnbd or gg")
    payload["timing"] = t
    write_json(out, payload)


if __name__ == "__main__":
    side_main(run, __doc__)
