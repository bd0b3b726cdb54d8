"""`make bench`: the kit against lifetimes, peak memory, and the end-to-end demo run.

Run with the kit's python from the repository root::

    .venv/bin/python benchmarks/run.py            # full sizes, about 20 minutes
    BENCH_QUICK=1 .venv/bin/python benchmarks/run.py   # small sizes, a smoke check
    .venv/bin/python benchmarks/run.py --only incremental   # incremental/parallel runs only
    .venv/bin/python benchmarks/run.py --only rfm,fit  # some sections; RESULTS.md kept
    .venv/bin/python benchmarks/run.py --only e2e      # demo vs floor only, printed
    .venv/bin/python benchmarks/run.py --only bigdata  # 100M lines via DuckDB only (~1 h)

``--only`` takes a comma-separated subset of :data:`SECTIONS`: it prints the comparison
and writes ``data/out/results_only.json``, leaving RESULTS.md and results.json alone
(they describe one full run).

lifetimes runs in its own venv (``BENCH_LIFETIMES_PYTHON``, default
``.bench-venv/bin/python``, made by ``make bench-venv`` from
``benchmarks/requirements-lifetimes.txt``). Every measured step runs in a subprocess of
the right venv on the same data files (benchmarks/data/, git-ignored) and writes JSON;
this driver compares the numbers and writes benchmarks/RESULTS.md (and results.json).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from common import DATA, OUT  # noqa: E402
from make_data import BGNBD_TRUE, GG_TRUE, T_RANGE_DAYS  # noqa: E402

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
KIT_PY = sys.executable
LT_PY = str(
    Path(
        os.environ.get("BENCH_LIFETIMES_PYTHON") or ROOT / ".bench-venv" / "bin" / "python"
    ).absolute()
)
#: Bars of issue 9.
SPEED_BAR = 5.0
PARAM_RTOL = 1e-3
MEMORY_BAR = 3.0
OVERHEAD_BAR = 0.50
#: Bar 6: a rerun with nothing changed takes at most this share of a full run.
INCREMENTAL_BAR = 0.10
#: monetary_value is a mean: summation order may differ in the last bits.
MONETARY_RTOL = 1e-9

if QUICK:
    TX_SIZES = [100_000, 300_000]
    CUSTOMER_SIZES = [20_000, 50_000]
    #: lifetimes (repeat, warm-up) per size
    LT_RUNS = {n: (1, 0) for n in TX_SIZES + CUSTOMER_SIZES}
    E2E_REPEAT = 1
    INCREMENTAL_REPEAT = 1
else:
    TX_SIZES = [1_000_000, 10_000_000]
    CUSTOMER_SIZES = [100_000, 1_000_000]
    # the 10M-line summary and the 1M-customer fits take minutes in lifetimes: one run,
    # no warm-up (said in RESULTS.md)
    LT_RUNS = {1_000_000: (3, 1), 10_000_000: (1, 0), 100_000: (3, 1)}
    E2E_REPEAT = 4  # the machine's speed drifts: more pairs (a minute each)
    INCREMENTAL_REPEAT = 3
E2E_REPEAT = int(os.environ.get("BENCH_E2E_REPEAT", E2E_REPEAT))
INCREMENTAL_REPEAT = int(os.environ.get("BENCH_INCREMENTAL_REPEAT", INCREMENTAL_REPEAT))
#: lines of the bigger-than-memory file (bigdata.py); needs duckdb (`make bench` adds it)
BIG_LINES = 1_000_000 if QUICK else 100_000_000
LT_RUNS_CUSTOMERS = dict(LT_RUNS)
if not QUICK:
    LT_RUNS_CUSTOMERS[1_000_000] = (1, 0)
KIT_REPEAT, KIT_WARMUP = 3, 1
#: What ``--only`` can select.
SECTIONS = ("rfm", "fit", "memory", "e2e", "incremental", "profile", "bigdata")


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def sh(args: list[str], **kw) -> None:
    subprocess.run([str(a) for a in args], check=True, cwd=HERE, **kw)


def side(python: str, script: str, task: str, data: Path, out: Path, runs: tuple[int, int]):
    sh([python, script, task, data, out, "--repeat", runs[0], "--warmup", runs[1]])
    return json.loads(out.read_text())


def machine() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(ln.split()[1])
            for ln in Path("/proc/meminfo").read_text().splitlines()
            if ln.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem_kb = 0
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": mem_kb / 2**20,
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def compare_rfm(kit_npz: Path, lt_npz: Path) -> dict:
    a, b = np.load(kit_npz), np.load(lt_npz)
    same_ids = a["customer_id"].shape == b["customer_id"].shape and bool(
        (a["customer_id"] == b["customer_id"]).all()
    )
    out = {"same_customers": same_ids, "customers": len(a["customer_id"])}
    if not same_ids:
        out["identical"] = False
        return out
    for col in ("frequency", "recency", "T"):
        out[f"{col}_equal"] = bool(np.array_equal(a[col], b[col]))
    m_a, m_b = a["monetary_value"], b["monetary_value"]
    out["monetary_max_abs_diff"] = float(np.max(np.abs(m_a - m_b)))
    out["monetary_close"] = bool(np.allclose(m_a, m_b, rtol=MONETARY_RTOL, atol=0))
    out["identical"] = (
        all(out[f"{c}_equal"] for c in ("frequency", "recency", "T")) and out["monetary_close"]
    )
    return out


def compare_params(kit: dict, lt: dict) -> dict:
    rel = {k: abs(kit[k] / lt[k] - 1) for k in lt}
    return {"max_rel_diff": max(rel.values()), "rel": rel, "equal": max(rel.values()) <= PARAM_RTOL}


def ratios(kit: dict, lt: dict) -> dict:
    k, b = kit["timing"], lt["timing"]
    return {
        "kit_wall": k["wall_s"],
        "kit_cpu": k["cpu_s"],
        "lt_wall": b["wall_s"],
        "lt_cpu": b["cpu_s"],
        "wall_ratio": b["wall_s"] / k["wall_s"],
        "cpu_ratio": b["cpu_s"] / k["cpu_s"],
        "kit_runs": k["repeat"],
        "lt_runs": b["repeat"],
        "lt_warmup": b["warmup"],
    }


def findings(r: dict) -> list[str]:
    """What dominates the demo run, in numbers (from the e2e and profile figures)."""
    out = []
    e = r["e2e"]
    fl, dm = e["runs"]["floor"][-1]["notebooks"], e["runs"]["demo"][-1]["notebooks"]
    start = sum(p["kernel_start_s"] for p in dm.values())
    render_d = sum(p["render_s"] for p in dm.values())
    render_f = sum(p["render_s"] for p in fl.values())
    cells_f = sum(p["cells_s"] for p in fl.values())
    cells_d = sum(p["cells_s"] for p in dm.values())
    out.append(
        f"Demo run (last): {cells_d:.0f} s executing cells, {start:.0f} s starting six "
        f"kernels, {render_d:.0f} s rendering HTML; the floor spends {cells_f:.0f} s "
        f"importing and {render_f:.0f} s rendering: the kit adds "
        f"{cells_d - cells_f:.0f} s of cell work and {render_d - render_f:.0f} s of "
        "rendering."
    )
    if "profile" in r:
        tot = {"imports_and_open": 0.0, "code": 0.0, "display": 0.0, "png": 0.0}
        figs = 0
        for nb in r["profile"]["notebooks"]:
            for k in tot:
                tot[k] += nb["times_s"][k]
            figs += nb["figures"]
        all_t = sum(tot.values())
        out.append(
            f"Profiled: imports (+ set_theme, which imports seaborn, and "
            f"Engagement.open) {tot['imports_and_open'] / all_t:.0%}, PNG rendering of "
            f"{figs} charts {tot['png'] / all_t:.0%} ({tot['png'] / max(figs, 1):.2f} s "
            f"a chart, profiled), analysis and drawing code {tot['code'] / all_t:.0%}, "
            f"display formatting {tot['display'] / all_t:.0%}."
        )
    return out


def run_bigdata() -> dict:
    """Make the big CSV and Parquet files (once) and measure each in a fresh process."""
    log(f"bigger than memory: {BIG_LINES:,}-line CSV and Parquet (made once, minutes)")
    sh([KIT_PY, "bigdata.py", "make", BIG_LINES])
    from bigdata import paths

    runs = []
    for path in paths(BIG_LINES):
        out = OUT / f"bigdata_{path.suffix[1:]}.json"
        log(f"bigger than memory: RFM + LTV of {path.name} via DuckDB (fresh process)")
        sh([KIT_PY, "bigdata.py", "measure", path, out])
        runs.append(json.loads(out.read_text()))
    return {"runs": runs, "measured": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def only_bigdata() -> None:
    """``--only bigdata``: measure it, add it to the last results.json (if any) and
    rewrite RESULTS.md; else print the section."""
    from report import bigdata_section, write_results

    OUT.mkdir(parents=True, exist_ok=True)
    big = run_bigdata()
    (OUT / "bigdata.json").write_text(json.dumps(big, indent=2))
    print("\n".join(bigdata_section(big)))
    last = OUT / "results.json"
    if last.exists():
        results = json.loads(last.read_text())
        results["bigdata"] = big
        last.write_text(json.dumps(results, indent=2, default=float))
        log(f"wrote {write_results(results, HERE / 'RESULTS.md')}")


def report_only() -> None:
    """Rewrite RESULTS.md from the last run's results.json (no measuring)."""
    from report import write_results

    results = json.loads((OUT / "results.json").read_text())
    results.setdefault(
        "bars",
        {
            "speed": SPEED_BAR,
            "param_rtol": PARAM_RTOL,
            "memory": MEMORY_BAR,
            "overhead": OVERHEAD_BAR,
        },
    )
    results.setdefault("truth", {"bgnbd": BGNBD_TRUE, "gg": GG_TRUE, "T_range": T_RANGE_DAYS})
    results["findings"] = findings(results)
    print(write_results(results, HERE / "RESULTS.md"))


def incremental(results: dict) -> dict:
    """Bars 6 and 7: no-change rerun vs full run, one input changed, --jobs 1 vs 2."""
    log(f"incremental: demo full / --jobs 2 / no-change runs, {INCREMENTAL_REPEAT} each (minutes)")
    sh([KIT_PY, "incremental.py", OUT / "incremental.json", "--repeat", INCREMENTAL_REPEAT])
    results["incremental"] = json.loads((OUT / "incremental.json").read_text())
    return results["incremental"]


def incremental_only() -> None:
    """`run.py --only incremental`: measure bars 6 and 7 and rewrite that section of
    RESULTS.md (and results.json, when a full run left one) without the rest."""
    from report import replace_section

    OUT.mkdir(parents=True, exist_ok=True)
    measured = incremental({})
    measured["machine"] = machine()
    path = OUT / "results.json"
    if path.exists():
        results = json.loads(path.read_text())
        results["incremental"] = measured
        path.write_text(json.dumps(results, indent=2, default=float))
    print(replace_section(HERE / "RESULTS.md", measured))


def only_sections(argv: list[str]) -> set[str]:
    """The sections of ``--only a,b`` (all when absent)."""
    if "--only" not in argv:
        return set(SECTIONS)
    i = argv.index("--only")
    chosen = set(argv[i + 1].split(",")) if i + 1 < len(argv) else set()
    if not chosen or not chosen <= set(SECTIONS):
        raise SystemExit(f"--only takes a comma-separated subset of {', '.join(SECTIONS)}")
    return chosen


def print_comparison(results: dict) -> None:
    """The speed-ups and checks of a partial run, one line each."""
    for row in results.get("rfm", []):
        log(
            f"RFM {row['rows']:,} lines: kit {row['kit_cpu']:.3g} s CPU / "
            f"{row['kit_wall']:.3g} s wall, lifetimes {row['lt_cpu']:.3g} / "
            f"{row['lt_wall']:.3g}: {row['cpu_ratio']:.1f}x CPU, {row['wall_ratio']:.1f}x "
            f"wall; identical: {row['check']['identical']}"
        )
    for row in results.get("fits", []):
        log(
            f"{row['task']} {row['size']:,} customers: kit {row['kit_cpu']:.3g} s CPU / "
            f"{row['kit_wall']:.3g} s wall, lifetimes {row['lt_cpu']:.3g} / "
            f"{row['lt_wall']:.3g}: {row['cpu_ratio']:.1f}x CPU, {row['wall_ratio']:.1f}x "
            f"wall; max rel. diff {row['check']['max_rel_diff']:.1e}"
        )


def e2e_only() -> None:
    """``--only e2e``: the end-to-end step alone (no lifetimes venv, no RESULTS.md).

    Writes benchmarks/data/out/e2e.json and prints floor and demo medians, the overhead
    and, per notebook, kernel start / cells / HTML rendering of the last run of each.
    """
    OUT.mkdir(parents=True, exist_ok=True)
    repeat = E2E_REPEAT
    load = os.getloadavg()
    log(f"end-to-end only: demo vs floor, {repeat} run(s) each; load {load[0]:.1f}")
    sh([KIT_PY, "e2e.py", OUT / "e2e.json", "--repeat", repeat])
    e = json.loads((OUT / "e2e.json").read_text())
    med = e["median_s"]
    print(
        f"floor {med['floor']:.2f} s, demo {med['demo']:.2f} s: overhead {e['overhead']:+.0%} "
        f"(bar {OVERHEAD_BAR:+.0%}); load {load[0]:.1f} -> {os.getloadavg()[0]:.1f}"
    )
    for kind in ("floor", "demo"):
        print(f"{kind} runs: " + ", ".join(f"{r['total_s']:.1f}" for r in e["runs"][kind]))
    pairs = e["pair_overheads"]
    print(
        "each demo run / the floor run after it: "
        + ", ".join(f"{p:+.0%}" for p in pairs)
        + f"; median {statistics.median(pairs):+.0%}"
    )
    fl, dm = e["runs"]["floor"][-1]["notebooks"], e["runs"]["demo"][-1]["notebooks"]
    print("notebook | floor start/cells/render | demo start/cells/render")
    for name in dm:
        f, d = fl.get(name, {}), dm[name]
        cols = ("kernel_start_s", "cells_s", "render_s")
        print(
            f"{name} | "
            + " / ".join(f"{f.get(c, float('nan')):.2f}" for c in cols)
            + " | "
            + " / ".join(f"{d[c]:.2f}" for c in cols)
        )


def main() -> None:
    if "--report-only" in sys.argv:
        report_only()
        return
    sections = only_sections(sys.argv)
    partial = sections != set(SECTIONS)
    if sections == {"incremental"}:
        incremental_only()
        return
    if sections == {"e2e"}:
        e2e_only()
        return
    if sections == {"bigdata"}:
        only_bigdata()
        return
    t_start = time.perf_counter()
    if not Path(LT_PY).exists():
        raise SystemExit(
            f"{LT_PY} not found: run `make bench-venv` (or set "
            "BENCH_LIFETIMES_PYTHON to a python with lifetimes 0.11.3)"
        )
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "quick": QUICK,
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_start": os.getloadavg(),
        "bars": {
            "speed": SPEED_BAR,
            "param_rtol": PARAM_RTOL,
            "memory": MEMORY_BAR,
            "overhead": OVERHEAD_BAR,
        },
        "truth": {"bgnbd": BGNBD_TRUE, "gg": GG_TRUE, "T_range": T_RANGE_DAYS},
    }
    log(f"{'QUICK' if QUICK else 'full'} run; data under {DATA}")
    log("data: generating what is missing")
    sh([KIT_PY, "make_data.py", "--tx", *TX_SIZES, "--customers", *CUSTOMER_SIZES])

    results["rfm"] = []
    for n in TX_SIZES if "rfm" in sections else []:
        log(f"RFM summary on {n:,} lines: kit")
        kit = side(
            KIT_PY,
            "side_kit.py",
            "rfm",
            DATA / f"tx_{n}",
            OUT / f"kit_rfm_{n}.json",
            (KIT_REPEAT, KIT_WARMUP),
        )
        log(f"RFM summary on {n:,} lines: lifetimes {LT_RUNS[n]}")
        lt = side(
            LT_PY,
            "side_lifetimes.py",
            "rfm",
            DATA / f"tx_{n}",
            OUT / f"lt_rfm_{n}.json",
            LT_RUNS[n],
        )
        results["rfm"].append(
            {
                "size": n,
                "rows": kit["rows"],
                "customers": kit["customers"],
                **ratios(kit, lt),
                "check": compare_rfm(OUT / f"kit_rfm_{n}.npz", OUT / f"lt_rfm_{n}.npz"),
            }
        )
        results["versions"] = {"kit": kit["versions"], "lifetimes": lt["versions"]}

    results["fits"] = []
    for n in CUSTOMER_SIZES if "fit" in sections else []:
        for task, truth in (("bgnbd", BGNBD_TRUE), ("gg", GG_TRUE)):
            data = DATA / f"{task}_{n}.npz"
            log(f"{task} fit on {n:,} customers: kit, then lifetimes {LT_RUNS_CUSTOMERS[n]}")
            kit = side(
                KIT_PY,
                "side_kit.py",
                task,
                data,
                OUT / f"kit_{task}_{n}.json",
                (KIT_REPEAT, KIT_WARMUP),
            )
            lt = side(
                LT_PY,
                "side_lifetimes.py",
                task,
                data,
                OUT / f"lt_{task}_{n}.json",
                LT_RUNS_CUSTOMERS[n],
            )
            results["fits"].append(
                {
                    "task": task,
                    "size": n,
                    **ratios(kit, lt),
                    "kit_params": kit["params"],
                    "lt_params": lt["params"],
                    "converged": kit.get("converged"),
                    "check": compare_params(kit["params"], lt["params"]),
                    "recovery": {k: kit["params"][k] / truth[k] - 1 for k in truth},
                }
            )

    if "memory" in sections:
        n_mem = TX_SIZES[-1]
        log(f"memory: RFM + LTV pipeline on {n_mem:,} lines (fresh process)")
        sh([KIT_PY, "memory_probe.py", DATA / f"tx_{n_mem}", OUT / "memory.json"])
        results["memory"] = json.loads((OUT / "memory.json").read_text())

    if "e2e" in sections:
        log(f"end-to-end: demo vs floor, {E2E_REPEAT} run(s) each (minutes)")
        sh([KIT_PY, "e2e.py", OUT / "e2e.json", "--repeat", E2E_REPEAT])
        results["e2e"] = json.loads((OUT / "e2e.json").read_text())

    if "incremental" in sections:
        incremental(results)

    if "profile" in sections and os.environ.get("BENCH_PROFILE", "1") != "0":
        log("profile: demo notebooks as scripts under cProfile")
        sh(
            [
                KIT_PY,
                "profile_demo.py",
                OUT / "profile.json",
                *(["--only", "04_customers"] if QUICK else []),
            ]
        )
        results["profile"] = json.loads((OUT / "profile.json").read_text())

    if "bigdata" in sections and (partial or os.environ.get("BENCH_BIGDATA") == "1"):
        results["bigdata"] = run_bigdata()
    elif not partial:
        # about an hour on 2 cores: measured on request (BENCH_BIGDATA=1, or --only bigdata);
        # otherwise the last measurement is carried over, with its own date
        last = OUT / "results.json"
        carried = json.loads(last.read_text()).get("bigdata") if last.exists() else None
        if carried:
            results["bigdata"] = carried

    results["load_end"] = os.getloadavg()
    results["duration_s"] = time.perf_counter() - t_start
    if partial:
        (OUT / "results_only.json").write_text(json.dumps(results, indent=2, default=float))
        print_comparison(results)
        log(f"partial run ({', '.join(sorted(sections))}) in {results['duration_s'] / 60:.1f} min")
        return
    results["findings"] = findings(results)
    (OUT / "results.json").write_text(json.dumps(results, indent=2, default=float))
    from report import write_results

    path = write_results(results, HERE / "RESULTS.md")
    log(f"wrote {path} in {results['duration_s'] / 60:.1f} min")


if __name__ == "__main__":
    main()
