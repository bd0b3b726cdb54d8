"""Write benchmarks/RESULTS.md from the driver's results (see run.py)."""
# ruff: noqa: E501  (Markdown table rows read better unbroken)

from __future__ import annotations

import statistics
from pathlib import Path

GB = 2**30
MB = 2**20


def _n(x: float) -> str:
    return f"{x:,.0f}"


def _s(x: float) -> str:
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 100 else f"{x:.0f}"


def _ok(flag: bool) -> str:
    return "✅" if flag else "❌"


def write_results(r: dict, path: Path) -> Path:
    m, v = r["machine"], r["versions"]
    b = r["bars"]
    SPEED_BAR, PARAM_RTOL, MEMORY_BAR, OVERHEAD_BAR = (
        b["speed"],
        b["param_rtol"],
        b["memory"],
        b["overhead"],
    )
    lines: list[str] = []
    add = lines.append
    add("# Benchmark results\n")
    add(
        f"Written by `make bench`{' with `BENCH_QUICK=1` (small sizes: a smoke check, not the issue-9 figures)' if r['quick'] else ''} "
        f"on {r['started']} UTC in {r['duration_s'] / 60:.1f} min. Re-run it to refresh this file; "
        "how it works is in [README.md](README.md).\n"
    )
    add("## Machine\n")
    add(f"- CPU: {m['cpu']}, {m['cores']} cores; memory {m['memory_gb']:.1f} GB; {m['os']}")
    ls, le = r["load_start"], r["load_end"]
    add(
        f"- Load average (1/5/15 min) at the start: {ls[0]:.2f} / {ls[1]:.2f} / {ls[2]:.2f}; "
        f"at the end: {le[0]:.2f} / {le[1]:.2f} / {le[2]:.2f}. The machine was shared with "
        "other work, so wall-clock times are inflated and noisy; every ratio compares two "
        "figures measured in the same run on the same data, and CPU time (process time of "
        "the measured process) is the steadier figure on a busy machine.\n"
    )
    add("## Versions\n")
    k, lt = v["kit"], v["lifetimes"]
    add(
        f"- Kit side (`.venv`): Python {k['python']}, helpers {k['helpers']}, numpy {k['numpy']}, "
        f"pandas {k['pandas']}, scipy {k['scipy']}"
    )
    add(
        f"- Baseline side (`.bench-venv`): Python {lt['python']}, lifetimes {lt['lifetimes']}, "
        f"autograd {lt['autograd']}, numpy {lt['numpy']}, pandas {lt['pandas']}, scipy {lt['scipy']}\n"
    )

    # ---- summary of bars
    add("## Against the bars of issue 9\n")
    add("| bar | measured | met |")
    add("|---|---|:-:|")
    for row in r["rfm"]:
        add(
            f"| RFM summary ≥ {SPEED_BAR:g}× lifetimes, identical numbers ({_n(row['rows'])} lines) | "
            f"{row['cpu_ratio']:.1f}× CPU, {row['wall_ratio']:.1f}× wall; "
            f"{'identical' if row['check']['identical'] else 'DIFFERENT'} | "
            f"{_ok(min(row['cpu_ratio'], row['wall_ratio']) >= SPEED_BAR and row['check']['identical'])} |"
        )
    for row in r["fits"]:
        name = "BG/NBD fit" if row["task"] == "bgnbd" else "Gamma-Gamma fit"
        add(
            f"| {name} ≥ {SPEED_BAR:g}× lifetimes, params equal to {PARAM_RTOL:g} ({_n(row['size'])} customers) | "
            f"{row['cpu_ratio']:.1f}× CPU, {row['wall_ratio']:.1f}× wall; max rel. diff "
            f"{row['check']['max_rel_diff']:.1e} | "
            f"{_ok(min(row['cpu_ratio'], row['wall_ratio']) >= SPEED_BAR and row['check']['equal'])} |"
        )
    mem = r["memory"]
    ratio = mem["process_peak"] / mem["frame_bytes_deep"]
    add(
        f"| Peak RSS of RFM + LTV ≤ {MEMORY_BAR:g}× the frame ({_n(mem['rows'])} lines) | "
        f"{ratio:.2f}× ({mem['process_peak'] / GB:.2f} GiB vs {mem['frame_bytes_deep'] / GB:.2f} GiB) | "
        f"{_ok(ratio <= MEMORY_BAR)} |"
    )
    for row in (r.get("bigdata") or {}).get("runs", []):
        add(bigdata_bar_row(row))
    e = r["e2e"]
    add(
        f"| Demo run overhead over the floor ≤ {OVERHEAD_BAR:.0%} | {e['overhead']:+.0%} "
        f"({_s(e['median_s']['demo'])} s vs {_s(e['median_s']['floor'])} s) | "
        f"{_ok(e['overhead'] <= OVERHEAD_BAR)} |\n"
    )

    # ---- 1. RFM
    add("## 1. RFM summary vs `lifetimes.utils.summary_data_from_transaction_data`\n")
    add(
        "Transactions from `helpers.sample.transactions(n_transactions=N, order_ids=False)`, "
        "written once as `.npy` columns under `benchmarks/data/` and read by both sides. "
        "Kit: `helpers.ltv.rfm_summary(tx)`; lifetimes: `summary_data_from_transaction_data(tx, "
        "'customer_id', 'order_date', monetary_value_col='amount', freq='D')`. Both sides "
        "get `customer_id` as text with one Python object per distinct id shared by its rows, "
        "as `helpers.io`'s loader returns it (and `pandas.read_csv`, chunk by chunk): pandas "
        "3's default `str` dtype for the kit, plain objects (pandas 1.5's default) for "
        "lifetimes; the kit's `rfm_summary` numbers the rows by object address before hashing "
        "the text (see README.md for ids built one object per row). Median seconds after "
        "warm-up runs; `runs` is timed runs + warm-up.\n"
    )
    add(
        "| lines | customers | kit wall | kit CPU | kit runs | lifetimes wall | lifetimes CPU | lifetimes runs | speed-up wall | speed-up CPU | same numbers |"
    )
    add("|---:|---:|---:|---:|:-:|---:|---:|:-:|---:|---:|---|")
    for row in r["rfm"]:
        c = row["check"]
        same = (
            (
                "identical: frequency, recency, T equal; monetary_value max abs diff "
                f"{c['monetary_max_abs_diff']:.1e}"
            )
            if c["identical"]
            else f"NO: {c}"
        )
        add(
            f"| {_n(row['rows'])} | {_n(row['customers'])} | {_s(row['kit_wall'])} | {_s(row['kit_cpu'])} | "
            f"{row['kit_runs']}+1 | {_s(row['lt_wall'])} | {_s(row['lt_cpu'])} | "
            f"{row['lt_runs']}+{row['lt_warmup']} | {row['wall_ratio']:.1f}× | {row['cpu_ratio']:.1f}× | {same} |"
        )
    capped = [row for row in r["rfm"] + r["fits"] if row["lt_runs"] < 3]
    if capped:
        add(
            "\nlifetimes is timed once, without warm-up, on the largest sizes (it takes minutes "
            "there and `make bench` must stay near 20 minutes); the kit keeps 3 runs after a "
            "warm-up. A single cold run is, if anything, slightly unfavourable to lifetimes."
        )
    add("")

    # ---- 2. fits
    add("## 2. BG/NBD and Gamma-Gamma fits vs `lifetimes.BetaGeoFitter` / `GammaGammaFitter`\n")
    add(
        "Customer-level data simulated from the models themselves with known parameters "
        "(`benchmarks/make_data.py`): BG/NBD with r, α, a, b = "
        + ", ".join(f"{x:g}" for x in r["truth"]["bgnbd"].values())
        + f" (days), T uniform on {r['truth']['T_range'][0]:g}–{r['truth']['T_range'][1]:g} "
        "days, continuous recency (few identical histories: the kit's grouping of equal "
        "histories does not help here, the hard case); Gamma-Gamma with p, q, v = "
        + ", ".join(f"{x:g}" for x in r["truth"]["gg"].values())
        + ", frequency 1 + Poisson(2). Both libraries with default settings.\n"
    )
    add(
        "| model | customers | kit wall | kit CPU | lifetimes wall | lifetimes CPU | lifetimes runs | speed-up wall | speed-up CPU | max rel. diff of params |"
    )
    add("|---|---:|---:|---:|---:|---:|:-:|---:|---:|---:|")
    for row in r["fits"]:
        name = "BG/NBD" if row["task"] == "bgnbd" else "Gamma-Gamma"
        add(
            f"| {name} | {_n(row['size'])} | {_s(row['kit_wall'])} | {_s(row['kit_cpu'])} | "
            f"{_s(row['lt_wall'])} | {_s(row['lt_cpu'])} | {row['lt_runs']}+{row['lt_warmup']} | "
            f"{row['wall_ratio']:.1f}× | {row['cpu_ratio']:.1f}× | {row['check']['max_rel_diff']:.1e} |"
        )
    add("\nParameters (kit / lifetimes / truth) and recovery (kit estimate ÷ truth − 1):\n")
    add("| model | customers | parameter | kit | lifetimes | truth | recovery |")
    add("|---|---:|---|---:|---:|---:|---:|")
    for row in r["fits"]:
        name = "BG/NBD" if row["task"] == "bgnbd" else "Gamma-Gamma"
        truth = r["truth"][row["task"]]
        for p in truth:
            add(
                f"| {name} | {_n(row['size'])} | {p} | {row['kit_params'][p]:.6g} | "
                f"{row['lt_params'][p]:.6g} | {truth[p]:g} | {row['recovery'][p]:+.2%} |"
            )
    add(
        "\nRecovery errors are sampling error (they shrink with the number of customers); "
        "both libraries find the same maximum.\n"
    )

    # ---- 3. memory
    add("## 3. Memory: the RFM + LTV pipeline\n")
    add(
        f"A fresh process (`benchmarks/memory_probe.py`) loads the {_n(mem['rows'])}-line "
        "transactions (all nine columns; text in pandas' default `str` dtype, which without "
        "pyarrow stores Python strings) and runs `rfm_summary` → `BetaGeoModel.fit` → "
        "`GammaGammaModel.fit` → `ltv_by_customer` "
        f"({_n(mem['customers'])} customers). Peak RSS from `resource.getrusage`; the high-water "
        "mark is reset after the load (`/proc/self/clear_refs`) to see the pipeline alone"
        f"{'' if mem['peak_reset_ok'] else ' (the reset was refused here: pipeline peak = process peak)'}.\n"
    )
    add("| figure | value |")
    add("|---|---:|")
    add(
        f"| transactions frame, `memory_usage(deep=True).sum()` | {mem['frame_bytes_deep'] / MB:,.0f} MB |"
    )
    add(
        f"| same, shallow (`deep=False`: numbers + pointers) | {mem['frame_bytes_shallow'] / MB:,.0f} MB |"
    )
    add(f"| RSS after imports | {mem['rss_after_imports'] / MB:,.0f} MB |")
    add(f"| RSS after the load (baseline) | {mem['rss_after_load'] / MB:,.0f} MB |")
    add(f"| peak RSS during the load | {mem['peak_during_load'] / MB:,.0f} MB |")
    add(f"| peak RSS during the pipeline | {mem['pipeline_peak'] / MB:,.0f} MB |")
    add(f"| **process peak ÷ frame (deep)** | **{ratio:.2f}×** |")
    load_growth = mem["rss_after_load"] - mem["rss_after_imports"]
    add(
        f"| process peak ÷ the load's real RSS growth ({load_growth / MB:,.0f} MB) | "
        f"{mem['process_peak'] / load_growth:.2f}× |"
    )
    add(
        f"| pipeline's own extra (pipeline peak − RSS after load) ÷ frame | "
        f"{(mem['pipeline_peak'] - mem['rss_after_load']) / mem['frame_bytes_deep']:.2f}× |"
    )
    add(
        "\nStep times in that process (s, one run): "
        + ", ".join(f"{k} {_s(s)}" for k, s in mem["steps_s"].items())
        + f"; load {_s(mem['load_s'])}."
    )
    add(
        "`deep=True` counts every text cell's Python string even when rows share one object "
        "(the three low-cardinality text columns do, as after `read_csv`), so it overstates "
        "what the load really costs: compare the RSS growth from imports to after the load "
        f"({(mem['rss_after_load'] - mem['rss_after_imports']) / MB:,.0f} MB).\n"
    )

    # ---- 4. end to end
    add("## 4. End-to-end: the demo engagement vs a floor\n")
    add(
        f"`helpers.runner.run_engagement` on a fresh `write_sample_engagement` folder (six "
        f"notebooks) vs the floor: the same engagement whose six notebooks only import the "
        f"modules of every library the demo notebooks had loaded (pandas, numpy, matplotlib, "
        f"seaborn, scipy, statsmodels, scikit-learn, pydantic, PyYAML, openpyxl, helpers...; "
        f"{sum(e['floor_modules'].values())} module imports in all, the standard library left out), "
        f"run the same way (runner, kernel, HTML rendering), all in one process. After one untimed "
        f"warm-up run of notebook 05 (the first run in a process pays a few seconds once for "
        f"the HTML renderer's imports), alternating runs, {e['repeat']} of each; medians. "
        f"Like a consultant's reruns, the demo runs share the engagement's input cache "
        f"(`reports/.cache`): the first demo run parses the CSV inputs (the warm-up parsed "
        f"the workbook), the later ones read them back, about 0.7 s less.\n"
    )
    add("| run | median (s) | runs (s) |")
    add("|---|---:|---|")
    for kind in ("floor", "demo"):
        add(
            f"| {kind} | {_s(e['median_s'][kind])} | "
            + ", ".join(_s(x["total_s"]) for x in e["runs"][kind])
            + " |"
        )
    add(
        f"\nOverhead of the kit over the floor: **{e['overhead']:+.0%}** (bar ≤ {OVERHEAD_BAR:.0%}).\n"
    )
    if e.get("pair_overheads"):
        pairs = e["pair_overheads"]
        add(
            "Each demo run against the floor run right after it (the machine's speed drifts "
            "between runs): "
            + ", ".join(f"{p:+.0%}" for p in pairs)
            + f"; median {statistics.median(pairs):+.0%}.\n"
        )
    add("Per notebook, last run of each (s): kernel start-up / cell execution / HTML rendering.\n")
    add("| notebook | floor: start / cells / render | demo: start / cells / render |")
    add("|---|---|---|")
    fl, dm = e["runs"]["floor"][-1]["notebooks"], e["runs"]["demo"][-1]["notebooks"]

    def fmt(p: dict) -> str:
        return " / ".join(_s(p[k]) for k in ("kernel_start_s", "cells_s", "render_s")) if p else "-"

    for name in dm:
        add(f"| {name} | {fmt(fl.get(name, {}))} | {fmt(dm[name])} |")
    cells = sorted(e["cells"], key=lambda c: -c["duration_s"])
    total_cells = sum(c["duration_s"] for c in e["cells"])
    add(
        f"\nSlowest demo cells (papermill's per-cell duration, last demo run; all cells: "
        f"{_s(total_cells)} s):\n"
    )
    add("| s | notebook | cell | charts | first line |")
    add("|---:|---|---:|---:|---|")
    for c in cells[:15]:
        add(
            f"| {_s(c['duration_s'])} | {c['notebook']} | {c['cell']} | {c['images']} | "
            f"`{c['first_line'].replace('|', '¦')}` |"
        )
    add("")

    # ---- 5. profile
    if "profile" in r:
        p = r["profile"]["notebooks"]
        add("## 5. Profile of the demo notebooks\n")
        add(
            "Each notebook's cells run as a script under cProfile in a fresh process "
            "(`benchmarks/profile_demo.py`), doing what the kernel does after each cell: "
            "format the last expression (IPython's DisplayFormatter) and render every figure "
            "to PNG like the inline backend (`bbox_inches='tight'`). cProfile slows "
            "pure-Python code (matplotlib) more than NumPy: read shares.\n"
        )
        add(
            "| notebook | imports + `set_theme` + `Engagement.open` | analysis + drawing code | display formatting | PNG rendering | charts |"
        )
        add("|---|---:|---:|---:|---:|---:|")
        tot = {"imports_and_open": 0.0, "code": 0.0, "display": 0.0, "png": 0.0}
        figs = 0
        for nb in p:
            t = nb["times_s"]
            for key in tot:
                tot[key] += t[key]
            figs += nb["figures"]
            add(
                f"| {nb['notebook']} | {_s(t['imports_and_open'])} | {_s(t['code'])} | "
                f"{_s(t['display'])} | {_s(t['png'])} | {nb['figures']} |"
            )
        all_t = sum(tot.values())
        add(
            f"| **all** | {_s(tot['imports_and_open'])} ({tot['imports_and_open'] / all_t:.0%}) | "
            f"{_s(tot['code'])} ({tot['code'] / all_t:.0%}) | {_s(tot['display'])} "
            f"({tot['display'] / all_t:.0%}) | {_s(tot['png'])} ({tot['png'] / all_t:.0%}) | {figs} |"
        )
        add("\nKit functions with the largest cumulative time (profiled seconds, all notebooks):\n")
        agg: dict[str, float] = {}
        for nb in p:
            for row in nb["top"]:
                if "/helpers/" in row["function"]:
                    name = row["function"].split("/helpers/", 1)[1]
                    agg[name] = agg.get(name, 0.0) + row["cumulative_s"]
        add("| profiled s | function |")
        add("|---:|---|")
        for name, s in sorted(agg.items(), key=lambda x: -x[1])[:15]:
            add(f"| {_s(s)} | `helpers/{name}` |")
        add("")
    if r.get("incremental"):
        lines.extend(incremental_section(r["incremental"]))
    if r.get("bigdata"):
        lines.extend(bigdata_section(r["bigdata"]))
    if r.get("findings"):
        add("## What dominates the demo run\n")
        for f in r["findings"]:
            add(f"- {f}")
        add("")
    path.write_text("\n".join(lines) + "\n")
    return path


INCREMENTAL_TITLE = "## Incremental and parallel runs (bars 6 and 7)"


def incremental_section(i: dict) -> list[str]:
    """RESULTS.md lines for benchmarks/incremental.py's figures."""
    one = i["one_input"]
    ok = i["nochange_ratio"] <= i["bar"]
    reasons = "; ".join(f"{n}: {why}" for n, why in one["reasons"].items())
    load = i.get("load") or (0, 0, 0)
    machine = i.get("machine") or {}
    return [
        f"{INCREMENTAL_TITLE}\n",
        "The demo engagement (`helpers.sample.write_sample_engagement`, "
        f"{len(i['notebooks'])} notebooks), wall-clock seconds of the whole "
        f"`run_engagement` call, median of {i['repeat']} run(s) each, full and `--jobs 2` runs "
        "alternated. Measured by `.venv/bin/python benchmarks/run.py --only incremental` on "
        f"{machine.get('cores', i.get('cores'))} cores, a machine shared with other engineers' "
        f"work (load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} at the end): "
        "the seconds are noisy, the ratios less so.\n",
        "| run | seconds | vs full run | bar |",
        "|---|---:|---:|---|",
        f"| full (`--force`, `--jobs 1`) | {_s(i['full_median_s'])} | 1 | |",
        f"| nothing changed (all reused) | {_s(i['nochange_median_s'])} | "
        f"{i['nochange_ratio']:.1%} | <= {i['bar']:.0%} {_ok(ok)} |",
        f"| one input changed (`{one['path']}`) | {_s(one['seconds'])} | {one['ratio']:.1%} | |",
        f"| full with `--jobs 2` | {_s(i['jobs2_median_s'])} | "
        f"{i['jobs2_median_s'] / i['full_median_s']:.1%} | speed-up x{i['speedup_jobs2']:.2f} |",
        "",
        f"- One input changed: `{one['path']}` (read by {', '.join(one['read_by'])}); "
        f"reran: {', '.join(one['reran']) or 'none'} ({reasons}). Every other notebook, and "
        "nothing else, was reused.",
        f"- Every run: full {', '.join(_s(x) for x in i['full_s'])} s; `--jobs 2` "
        f"{', '.join(_s(x) for x in i['jobs2_s'])} s; no change "
        f"{', '.join(_s(x) for x in i['nochange_s'])} s.",
        "",
    ]


def replace_section(path: Path, incremental: dict) -> Path:
    """Put the incremental section into an existing RESULTS.md (replacing an earlier one)
    without touching the other sections (``run.py --only incremental``)."""
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    section = "\n".join(incremental_section(incremental))
    if INCREMENTAL_TITLE in text:
        head, rest = text.split(INCREMENTAL_TITLE, 1)
        tail = rest[rest.find("\n## ") + 1 :] if "\n## " in rest else ""
        text = head + section + ("\n" + tail if tail else "")
    else:
        marker = "## What dominates the demo run"
        if marker in text:
            head, tail = text.split(marker, 1)
            text = head + section + "\n" + marker + tail
        else:
            text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n")
    return path


def bigdata_bar_row(row: dict) -> str:
    """The bar row of one bigger-than-memory run (one file kind)."""
    bar = row["rss_bar_bytes"]
    return (
        f"| {_n(row['lines'])} lines via DuckDB, peak RSS < {bar / GB:g} GiB "
        f"({row['kind']}) | {row['peak_rss_bytes'] / GB:.2f} GiB "
        f"({row['peak_rss_bytes'] / 1e9:.2f} GB decimal), "
        f"{_s(row['total_s'])} s | {_ok(row['peak_rss_bytes'] < bar)} |"
    )


def bigdata_section(big: dict) -> list[str]:
    """Section "Bigger than memory" of RESULTS.md (``run.py --only bigdata`` prints it)."""
    out = ["## Bigger than memory: RFM + LTV through DuckDB\n"]
    runs = big["runs"]
    if not runs:
        return [*out, "Not measured.\n"]
    first = runs[0]
    out.append(
        f"`benchmarks/bigdata.py` writes a {_n(first['lines'])}-line transactions file, "
        "generated and written by DuckDB in a streaming `COPY` (bounded memory): a French "
        "client CSV (`;`, dd/mm/yyyy dates, decimal comma, the client's column names mapped "
        "as in `engagement.yaml`) and the same lines as Parquet. Each file is summarised in a "
        "fresh process as notebook 04 does under `engine: duckdb`: "
        "`helpers.engine.TransactionFile(...).rfm_summary()` (format detection on the head; "
        "the CSV parsed once into a table of a temporary on-disk DuckDB database; a checking "
        "pass and a summarising pass), then `BetaGeoModel.fit`, "
        "`GammaGammaModel.fit` and `ltv_by_customer` in pandas on the per-customer summary. "
        f"DuckDB settings: `memory_limit` {first['memory_limit']}, `threads` "
        f"{first['threads']}, spilling to a temporary folder. Peak RSS from "
        "`resource.getrusage` (the whole process). One run per file (minutes each)"
        + (f", measured {big['measured']} UTC" if big.get("measured") else "")
        + ". About an hour on 2 cores, so `make bench` re-measures it only with "
        "`BENCH_BIGDATA=1` (or `run.py --only bigdata`) and otherwise carries the last "
        "measurement over.\n"
    )
    out.append(
        "| file | size | customers | summary (DuckDB) | fits + CLV | total wall | CPU | load | peak RSS | < bar |"
    )
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|:-:|")
    for row in runs:
        out.append(
            f"| {row['kind']} | {row['file_bytes'] / GB:.2f} GiB | {_n(row['customers'])} | "
            f"{_s(row['summary_s'])} s | {_s(row['models_s'])} s | {_s(row['total_s'])} s | "
            f"{_s(row.get('cpu_s', float('nan')))} s | {row.get('load_avg', [float('nan')])[0]:.1f} | "
            f"{row['peak_rss_bytes'] / GB:.2f} GiB | "
            f"{_ok(row['peak_rss_bytes'] < row['rss_bar_bytes'])} |"
        )
    out.append("")
    return out
