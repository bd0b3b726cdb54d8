"""The README's main job, end to end: a sample engagement run by `stratbook run`.

One real run of all six notebooks (papermill, the kit's kernel) through the command a
consultant types, checked against the run layout and the key results of DESIGN.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

STRATBOOK = Path(sys.executable).with_name("stratbook")

#: DESIGN.md, "The six notebooks": the key results each notebook saves
KEY_RESULTS = {
    "01_diagnostic": ["monthly_revenue", "growth_summary", "concentration", "swot", "tows", "vrio"],
    "02_market": ["pestel", "strategic_groups", "bcg", "porter", "benchmark_gaps"],
    "03_objectives": ["smart_check", "forecast", "okr", "kpis", "scorecard"],
    "04_customers": [
        "rfm",
        "rfm_segments",
        "personas",
        "funnel",
        "ltv_params",
        "ltv_by_customer",
        "ltv_by_segment",
    ],
    "05_value_proposition": ["vp_fit", "vp_gaps", "strategy_canvas"],
    "06_allocation": [
        "allocation",
        "eisenhower",
        "zbb",
        "raci_check",
        "pipeline_metrics",
        "qualification",
    ],
}


def sha256_tree(folder: Path) -> dict[str, str]:
    import hashlib

    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    from helpers.sample import write_sample_engagement

    engagement = write_sample_engagement(tmp_path_factory.mktemp("e2e") / "maison-durand")
    raw_before = sha256_tree(engagement / "data")
    proc = subprocess.run(
        [str(STRATBOOK), "run", "-e", str(engagement)],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    runs = sorted((engagement / "reports").glob("20*"))
    return engagement, proc, runs, raw_before


def test_the_run_succeeds_and_says_where_the_report_is(full_run):
    _, proc, runs, _ = full_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(runs) == 1
    assert f"Run folder: {runs[0]}" in proc.stdout
    assert "Report:" in proc.stdout
    for name in KEY_RESULTS:
        assert name in proc.stderr  # progress names every notebook


def test_run_folder_layout_and_key_results(full_run):
    _, _, runs, _ = full_run
    run = runs[0]
    for notebook, tables in KEY_RESULTS.items():
        assert (run / "notebooks" / f"{notebook}.ipynb").is_file()
        assert (run / "html" / f"{notebook}.html").is_file()
        assert (run / "html" / "reviewer" / f"{notebook}.html").is_file()
        for table in tables:
            path = run / "results" / notebook / f"{table}.csv"
            assert path.is_file(), f"{notebook} did not save {table}"
            assert len(pd.read_csv(path)) > 0, f"{notebook}/{table} is empty"
    assert (run / "report.html").is_file()
    assert (run / "results.xlsx").is_file()


def test_manifest_records_a_completed_reproducible_run(full_run):
    _, _, runs, _ = full_run
    manifest = json.loads((runs[0] / "manifest.json").read_text())
    assert manifest["status"] == "completed"
    assert [nb["name"] for nb in manifest["notebooks"]] == list(KEY_RESULTS)
    assert all(nb["status"] == "completed" for nb in manifest["notebooks"])
    inputs = {Path(f["path"]).name for f in manifest["inputs"]}
    assert {"transactions.csv", "customers.csv", "workshop.xlsx"} <= inputs
    assert all(len(f["sha256"]) == 64 for f in manifest["inputs"])
    # a refund line is a warning the manifest keeps, not an error
    warnings = [w["message"] for nb in manifest["notebooks"] for w in nb.get("warnings", [])]
    assert any("negative amount" in w for w in warnings)
    # 06 used 04's LTV from the same run: no fallback warning in its notes
    allocation = next(nb for nb in manifest["notebooks"] if nb["name"] == "06_allocation")
    assert not any("has not saved" in w["message"] for w in allocation.get("warnings", []))
    assert manifest["deliverables"] == {"report": "report.html", "results": "results.xlsx"}


def test_raw_client_files_are_untouched(full_run):
    engagement, _, _, raw_before = full_run
    assert sha256_tree(engagement / "data") == raw_before


def test_client_report_hides_code_and_local_paths(full_run):
    engagement, _, runs, _ = full_run
    html = (runs[0] / "report.html").read_text(encoding="utf-8")
    assert str(engagement) not in html
    assert "Engagement.open(" not in html
    assert "Maison Durand" in html
