"""Benchmark the RFM summary and the BG/NBD fit of helpers.ltv against naive baselines.

Standalone: ``python benchmarks/bench_customers.py [--sizes 100000 1000000] [--repeat 3]``
prints a Markdown table. Baselines are measured in the same run on the same data:

- RFM summary: a per-customer loop in the style of ``lifetimes.utils.
  summary_data_from_transaction_data`` (group by customer, then a Python function per
  customer), checked to give identical numbers;
- BG/NBD fit: the same likelihood maximised without grouping identical histories and
  with finite-difference gradients (what a fitter without an analytic gradient does),
  checked to give the same parameters to 1e-3 relative;
- with ``--lifetimes-python PATH`` (the python of a separate venv holding lifetimes and
  the old numpy/pandas it needs; the kit never depends on it), also
  ``lifetimes.utils.summary_data_from_transaction_data`` and ``lifetimes.BetaGeoFitter``,
  run in a subprocess on the same data and checked for identical numbers.

Times are medians of ``--repeat`` runs, in wall-clock and CPU seconds (CPU time is the
fairer figure on a busy machine).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, special

from helpers import ltv, sample


def naive_rfm_summary(transactions: pd.DataFrame) -> pd.DataFrame:
    """One Python call per customer: the pattern the kit avoids."""
    end = transactions["order_date"].max().normalize()

    def one(frame: pd.DataFrame) -> pd.Series:
        daily = frame.groupby(frame["order_date"].dt.normalize())["amount"].sum().sort_index()
        first, last = daily.index[0], daily.index[-1]
        repeats = daily.iloc[1:]
        return pd.Series(
            {
                "frequency": float(len(repeats)),
                "recency": (last - first).days * 1.0,
                "T": (end - first).days * 1.0,
                "monetary_value": float(repeats.mean()) if len(repeats) else 0.0,
            }
        )

    out = transactions.groupby("customer_id").apply(one, include_groups=False)
    out.index.name = "customer_id"
    return out


def naive_bgnbd_fit(x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
    """BG/NBD by maximum likelihood, ungrouped, numerical gradient."""

    def nll(log_params: np.ndarray) -> float:
        r, alpha, a, b = np.exp(log_params)
        a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        a2 = (
            special.gammaln(a + b)
            + special.gammaln(b + x)
            - special.gammaln(b)
            - special.gammaln(a + b + x)
        )
        a3 = -(r + x) * np.log(alpha + big_t)
        a4 = np.where(
            x > 0,
            np.log(a) - np.log(np.where(x > 0, b + x - 1, 1)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
        return -np.mean(a1 + a2 + np.logaddexp(a3, a4))

    res = optimize.minimize(
        nll,
        np.log([1.0, float(np.mean(big_t)), 1.0, 1.0]),
        method="L-BFGS-B",
        bounds=[(-15, 15)] * 4,
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000},
    )
    return np.exp(res.x)


LIFETIMES_SCRIPT = """
import json, statistics, sys, time
import pandas as pd
from lifetimes import BetaGeoFitter
from lifetimes.utils import summary_data_from_transaction_data
path, out, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
tx = pd.read_csv(path, dtype={"customer_id": str}, parse_dates=["order_date"])
def timed(fn):
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        res = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), res
sw, sc, s = timed(lambda: summary_data_from_transaction_data(
    tx, "customer_id", "order_date", "amount", freq="D"))
s.sort_index().to_csv(out)
fw, fc, bg = timed(lambda: BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"]))
print(json.dumps({"summary": [sw, sc], "fit": [fw, fc],
                  "params": [float(bg.params_[k]) for k in ("r", "alpha", "a", "b")]}))
"""


def run_lifetimes(python: str, tx: pd.DataFrame, repeat: int) -> tuple[dict, pd.DataFrame]:
    """Time lifetimes in its own interpreter on the same transactions."""
    with tempfile.TemporaryDirectory() as tmp:
        path, out = Path(tmp) / "tx.csv", Path(tmp) / "summary.csv"
        tx[["customer_id", "order_date", "amount"]].to_csv(path, index=False)
        done = subprocess.run(
            [python, "-c", LIFETIMES_SCRIPT, str(path), str(out), str(repeat)],
            capture_output=True,
            text=True,
            check=True,
        )
        summary = pd.read_csv(out, dtype={"customer_id": str}).set_index("customer_id")
    return json.loads(done.stdout.strip().splitlines()[-1]), summary


def timed(fn, repeat: int):
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[100_000, 1_000_000],
        help="numbers of transactions to generate with helpers.sample",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure (median)")
    parser.add_argument(
        "--baseline-max",
        type=int,
        default=200_000,
        help="skip the slow per-customer baseline above this many lines",
    )
    parser.add_argument(
        "--lifetimes-python",
        default=None,
        help="python of a separate venv with lifetimes, to compare with it",
    )
    args = parser.parse_args()

    rows = []
    for size in args.sizes:
        tx = sample.transactions(n_transactions=size, order_ids=False)
        n_customers = tx["customer_id"].nunique()
        data = f"{len(tx):,} lines / {n_customers:,} customers"
        wall, cpu, fast = timed(lambda tx=tx: ltv.rfm_summary(tx), args.repeat)
        cols = [fast[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T")]
        f_wall, f_cpu, model = timed(lambda cols=cols: ltv.BetaGeoModel().fit(*cols), args.repeat)
        if size <= args.baseline_max:
            b_wall, b_cpu, slow = timed(lambda tx=tx: naive_rfm_summary(tx), 1)
            pd.testing.assert_frame_equal(
                fast, slow, check_index_type=False, check_dtype=False, rtol=1e-9
            )
            rows.append(("RFM summary", data, "per-customer loop", wall, cpu, b_wall, b_cpu))
        b_wall, b_cpu, params = timed(lambda cols=cols: naive_bgnbd_fit(*cols), 1)
        np.testing.assert_allclose(model.params_.to_numpy(), params, rtol=1e-3)
        rows.append(
            ("BG/NBD fit", data, "ungrouped, numerical gradient", f_wall, f_cpu, b_wall, b_cpu)
        )
        if args.lifetimes_python:
            ref, summary = run_lifetimes(args.lifetimes_python, tx, args.repeat)
            pd.testing.assert_frame_equal(
                fast,
                summary[fast.columns],
                check_index_type=False,
                check_dtype=False,
                check_names=False,
                rtol=1e-9,
            )
            np.testing.assert_allclose(model.params_.to_numpy(), ref["params"], rtol=1e-3)
            rows.append(("RFM summary", data, "lifetimes", wall, cpu, *ref["summary"]))
            rows.append(("BG/NBD fit", data, "lifetimes BetaGeoFitter", f_wall, f_cpu, *ref["fit"]))

    print(
        f"Machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}; "
        f"medians of {args.repeat} runs (baseline loops: 1 run)\n"
    )
    header = [
        "step",
        "data",
        "baseline",
        "kit wall (s)",
        "kit CPU (s)",
        "baseline wall (s)",
        "baseline CPU (s)",
        "speed-up (CPU)",
    ]
    print("| " + " | ".join(header) + " |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for step, data, base, wall, cpu, b_wall, b_cpu in rows:
        print(
            f"| {step} | {data} | {base} | {wall:.2f} | {cpu:.2f} | {b_wall:.2f} | "
            f"{b_cpu:.2f} | {b_cpu / cpu:.0f}× |"
        )


if __name__ == "__main__":
    main()
