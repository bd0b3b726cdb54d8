"""Write the benchmark data once under benchmarks/data/ (git-ignored), for both sides.

- ``tx_<n>/``: ``helpers.sample.transactions(n_transactions=n, order_ids=False)`` as
  ``.npy`` columns (see :mod:`common`);
- ``bgnbd_<n>.npz``: ``n`` customers' (frequency, recency, T) simulated from the BG/NBD
  process with known parameters (:data:`BGNBD_TRUE`), for the fit benchmarks and the
  parameter-recovery check;
- ``gg_<n>.npz``: ``n`` repeat buyers' (frequency, mean repeat value) simulated from the
  Gamma-Gamma model with known parameters (:data:`GG_TRUE`).

Run with the kit's python: ``python benchmarks/make_data.py --tx 1000000 --customers
100000``. Existing files with the same recipe are kept.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from common import DATA, save_frame

SEED = 20240601
#: BG/NBD truth, time in days: purchase rate λ ~ Gamma(r, α) (mean r/α = 0.025 per day,
#: about 9 a year), drop-out after each repeat purchase p ~ Beta(a, b) (mean 0.24).
BGNBD_TRUE = {"r": 0.25, "alpha": 10.0, "a": 0.8, "b": 2.5}
#: Customers' observation length T, uniform in days (one month to two years).
T_RANGE_DAYS = (30.0, 730.0)
#: Gamma-Gamma truth (lifetimes' names; v is the rate γ of ν ~ Gamma(q, γ)).
GG_TRUE = {"p": 6.0, "q": 4.0, "v": 15.0}
#: Repeat purchases of the Gamma-Gamma customers: 1 + Poisson(mean).
GG_EXTRA_PURCHASES_MEAN = 2.0
RECIPE_VERSION = 1


def simulate_bgnbd(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Exact simulation: N ~ Poisson(λT) purchases would happen in [0, T]; the customer
    drops out after the K-th repeat purchase, K ~ Geometric(p); x = min(N, K) and the
    x-th purchase time is T × Beta(x, N − x + 1) (x-th order statistic of N uniforms)."""
    t = BGNBD_TRUE
    lam = rng.gamma(t["r"], 1.0 / t["alpha"], n)
    p = rng.beta(t["a"], t["b"], n)
    big_t = rng.uniform(*T_RANGE_DAYS, n)
    n_arrivals = rng.poisson(lam * big_t)
    x = np.minimum(n_arrivals, rng.geometric(p))
    recency = np.zeros(n)
    has = x > 0
    recency[has] = big_t[has] * rng.beta(x[has], n_arrivals[has] - x[has] + 1)
    return {"frequency": x.astype(float), "recency": recency, "T": big_t}


def simulate_gamma_gamma(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """ν ~ Gamma(q, rate v) per customer; each purchase ~ Gamma(p, rate ν), so the mean of
    x purchases is Gamma(p x, rate ν x)."""
    t = GG_TRUE
    x = 1 + rng.poisson(GG_EXTRA_PURCHASES_MEAN, n)
    nu = rng.gamma(t["q"], 1.0 / t["v"], n)
    m = rng.gamma(t["p"] * x, 1.0 / (nu * x))
    return {"frequency": x.astype(float), "monetary_value": m}


def _fresh(meta_path: Path, recipe: dict) -> bool:
    return meta_path.exists() and json.loads(meta_path.read_text()) == recipe


def make_transactions(n: int) -> Path:
    from helpers import sample

    folder = DATA / f"tx_{n}"
    recipe = {"version": RECIPE_VERSION, "n_transactions": n, "generator": "helpers.sample"}
    if _fresh(folder / "recipe.json", recipe):
        return folder
    t0 = time.perf_counter()
    tx = sample.transactions(n_transactions=n, order_ids=False)
    save_frame(tx, folder)
    (folder / "recipe.json").write_text(json.dumps(recipe))
    print(
        f"  tx_{n}: {len(tx):,} lines, {tx['customer_id'].nunique():,} customers "
        f"({time.perf_counter() - t0:.0f} s)",
        flush=True,
    )
    return folder


def make_customers(n: int) -> tuple[Path, Path]:
    paths = (DATA / f"bgnbd_{n}.npz", DATA / f"gg_{n}.npz")
    recipe = {
        "version": RECIPE_VERSION,
        "n": n,
        "seed": SEED,
        "bgnbd": BGNBD_TRUE,
        "T_range": T_RANGE_DAYS,
        "gg": GG_TRUE,
    }
    meta = DATA / f"customers_{n}.json"
    if _fresh(meta, json.loads(json.dumps(recipe))) and all(p.exists() for p in paths):
        return paths
    rng = np.random.default_rng([SEED, n])
    DATA.mkdir(parents=True, exist_ok=True)
    np.savez(paths[0], **simulate_bgnbd(n, rng))
    np.savez(paths[1], **simulate_gamma_gamma(n, rng))
    meta.write_text(json.dumps(recipe))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tx", type=int, nargs="*", default=[])
    parser.add_argument("--customers", type=int, nargs="*", default=[])
    args = parser.parse_args()
    for n in args.tx:
        make_transactions(n)
    for n in args.customers:
        make_customers(n)


if __name__ == "__main__":
    main()
