"""Tests for helpers.review: run listing, run diffs (text, HTML, CLI) and JupyterLab."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from helpers.cli import main
from helpers.context import write_csv
from helpers.errors import RunError
from helpers.review import (
    ADDED,
    CHANGED,
    REMOVED,
    SAME,
    CellChange,
    Change,
    KpiDelta,
    compare_tables,
    configure_nbdime,
    diff_runs,
    flatten,
    free_port,
    lab_command,
    lab_environment,
    lab_url,
    list_runs,
    render_html,
    render_text,
    resolve_run,
    row_key,
)

A, B = "2026-11-27_090000", "2026-11-28_101500"


def engagement_params(**thresholds: float) -> dict:
    return {
        "client_name": "Maison Durand",
        "language": "en",
        "thresholds": {"bcg_growth": 0.10, "abc": [0.8, 0.95], **thresholds},
        "data": {"transactions": {"path": "data/raw/transactions.csv"}},
    }


def write_run(
    root: Path,
    run_id: str,
    *,
    engagement: dict,
    inputs: dict[str, str],
    tables: dict[str, pd.DataFrame],
    command: dict | None = None,
    notebook_parameters: dict | None = None,
    started: str = "2026-11-28T10:15:00Z",
) -> Path:
    run_dir = root / "reports" / run_id
    run_dir.mkdir(parents=True)
    manifest = {
        "run_id": run_id,
        "status": "completed",
        "started": started,
        "duration_s": 42.5,
        "engagement": engagement,
        "notebook_parameters": notebook_parameters or {},
        "command": command or {"only": None, "start_from": None, "parameters": {}},
        "inputs": [{"path": p, "sha256": h, "size": 1} for p, h in inputs.items()],
        "notebooks": [{"name": "01_diagnostic", "status": "completed"}],
        "error": None,
    }
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for name, frame in tables.items():
        write_csv(frame, run_dir / "results" / f"{name}.csv")
    return run_dir


MONTHLY_A = pd.DataFrame(
    {"month": ["2025-01-01", "2025-02-01", "2025-03-01"], "revenue": [50.0, 100.0, 200.0]}
)
MONTHLY_B = pd.DataFrame(
    # Feb: |100.00005 - 100| = 5e-5 <= 1e-9 + 1e-6 * 100.00005 ~ 1e-4: rounding, not change
    # Mar: 200 -> 210 is a change; Jan removed, Apr added
    {"month": ["2025-02-01", "2025-03-01", "2025-04-01"], "revenue": [100.00005, 210.0, 90.0]}
)
SUMMARY_A = pd.DataFrame({"metric": ["customers", "top_10_share"], "value": [2275.0, 0.5]})
SUMMARY_B = pd.DataFrame({"metric": ["customers", "top_10_share"], "value": [2300.0, 0.5]})
PARAMS_A = pd.DataFrame({"r": [0.24], "alpha": [4.4], "model": ["bgnbd"]})
PARAMS_B = pd.DataFrame({"r": [0.25], "alpha": [4.4], "model": ["bgnbd"]})
SAME_TABLE = pd.DataFrame({"okr": ["O1", "O2"], "score": [0.7, 0.4]})


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path, Path]:
    root = tmp_path / "maison-durand"
    a = write_run(
        root,
        A,
        engagement=engagement_params(),
        inputs={"data/raw/transactions.csv": "a" * 64, "data/inputs/workshop.xlsx": "b" * 64},
        tables={
            "01_diagnostic/monthly_revenue": MONTHLY_A,
            "01_diagnostic/concentration_summary": SUMMARY_A,
            "02_market/bcg": SAME_TABLE,
            "03_objectives/okr": SAME_TABLE,
            "04_customers/ltv_params": PARAMS_A,
        },
        started="2026-11-27T09:00:00Z",
    )
    b = write_run(
        root,
        B,
        engagement={**engagement_params(bcg_growth=0.15), "currency": "USD"},
        inputs={
            "data/raw/transactions.csv": "c" * 64,
            "data/inputs/workshop.xlsx": "b" * 64,
            "data/raw/journey.csv": "d" * 64,
        },
        tables={
            "01_diagnostic/monthly_revenue": MONTHLY_B,
            "01_diagnostic/concentration_summary": SUMMARY_B,
            "03_objectives/okr": SAME_TABLE,
            "04_customers/ltv_params": PARAMS_B,
            "05_value_proposition/vp_fit": SAME_TABLE,
        },
        command={
            "only": ["01"],
            "start_from": None,
            "parameters": {"thresholds.bcg_growth": "0.15", "currency": "USD"},
        },
        notebook_parameters={"top_n": 4},
    )
    return root, a, b


# ---- flattening and keys --------------------------------------------------------------------
def test_flatten_dotted_keys_lists_stay_values() -> None:
    assert flatten({"a": {"b": 1, "c": {"d": [1, 2]}}, "e": {}, "f": "x"}) == {
        "a.b": 1,
        "a.c.d": [1, 2],
        "e": {},
        "f": "x",
    }


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (pd.DataFrame({"month": ["a", "b"], "v": [1.0, 2.0]}), ["month"]),
        (pd.DataFrame({"dim": ["x", "x"], "year": [1, 2], "v": [1.0, 2.0]}), ["dim", "year"]),
        (pd.DataFrame({"share": [0.1, 0.2], "v": ["a", "b"]}), []),  # decimals are measures
        (pd.DataFrame({"a": [1, 1], "b": [1, 1], "c": [1, 1], "d": [1, 2]}), []),  # > 3 columns
    ],
)
def test_row_key(frame: pd.DataFrame, expected: list[str]) -> None:
    assert row_key(frame, frame) == expected


# ---- the diff -------------------------------------------------------------------------------
def test_parameters_flattened_changed_added_removed(runs: tuple[Path, Path, Path]) -> None:
    _, a, b = runs
    assert diff_runs(a, b).parameters == [
        Change("currency", None, "USD"),
        Change("notebook_parameters.top_n", None, 4),
        Change("thresholds.bcg_growth", 0.10, 0.15),
    ]


def test_inputs_by_hash(runs: tuple[Path, Path, Path]) -> None:
    _, a, b = runs
    inputs = diff_runs(a, b).inputs
    assert inputs == [
        Change("data/raw/journey.csv", None, "d" * 12),
        Change("data/raw/transactions.csv", "a" * 12, "c" * 12),
    ]
    assert [c.kind for c in inputs] == [ADDED, CHANGED]


def test_tables_added_removed_same(runs: tuple[Path, Path, Path]) -> None:
    _, a, b = runs
    status = {t.name: t.status for t in diff_runs(a, b).tables}
    assert status == {
        "01_diagnostic/concentration_summary": CHANGED,
        "01_diagnostic/monthly_revenue": CHANGED,
        "02_market/bcg": REMOVED,
        "03_objectives/okr": SAME,
        "04_customers/ltv_params": CHANGED,
        "05_value_proposition/vp_fit": ADDED,
    }


def test_rows_by_key_and_values_beyond_tolerance(runs: tuple[Path, Path, Path]) -> None:
    _, a, b = runs
    monthly = {t.name: t for t in diff_runs(a, b).tables}["01_diagnostic/monthly_revenue"]
    assert monthly.key == ["month"]
    assert monthly.rows_added == ["2025-04-01"]
    assert monthly.rows_removed == ["2025-01-01"]
    assert monthly.changed == [CellChange("2025-03-01", "revenue", 200.0, 210.0)]
    assert monthly.kpis == []  # a dated series, not a list of KPIs


def test_tolerance_is_configurable(runs: tuple[Path, Path, Path]) -> None:
    _, a, b = runs
    monthly = {t.name: t for t in diff_runs(a, b, rtol=0, atol=1e-9).tables}[
        "01_diagnostic/monthly_revenue"
    ]
    assert [c.row for c in monthly.changed] == ["2025-02-01", "2025-03-01"]


def test_kpi_deltas(runs: tuple[Path, Path, Path]) -> None:
    _, a, b = runs
    tables = {t.name: t for t in diff_runs(a, b).tables}
    assert tables["01_diagnostic/concentration_summary"].kpis == [
        KpiDelta("customers", 2275.0, 2300.0)
    ]
    (r,) = tables["04_customers/ltv_params"].kpis
    assert r == KpiDelta("r", 0.24, 0.25)
    # 0.25 - 0.24 = 0.01, relative 0.01 / 0.24 = 4.1667 %
    assert r.delta == pytest.approx(0.01)
    assert r.relative == pytest.approx(0.041667, abs=1e-6)
    assert KpiDelta("x", 0.0, 3.0).relative is None


def test_compare_tables_by_position_without_key() -> None:
    before = pd.DataFrame({"share": [0.1, 0.2], "label": ["a", "b"]})
    after = pd.DataFrame({"share": [0.1, 0.25, 0.3], "label": ["a", "b", "c"]})
    diff = compare_tables(before, after, name="t")
    assert diff.key == []
    assert diff.rows_added == ["#3"]
    assert diff.changed == [CellChange("#2", "share", 0.2, 0.25)]


def test_columns_added_removed_and_missing_values() -> None:
    before = pd.DataFrame({"id": ["a", "b"], "v": [1.0, float("nan")], "old": [1, 2]})
    after = pd.DataFrame({"id": ["a", "b"], "v": [float("nan"), float("nan")], "new": [1, 2]})
    diff = compare_tables(before, after)
    assert diff.columns_added == ["new"] and diff.columns_removed == ["old"]
    assert diff.changed == [CellChange("a", "v", 1.0, None)]  # NaN equals NaN only


def test_identical_runs(tmp_path: Path) -> None:
    root = tmp_path / "e"
    kwargs = {
        "engagement": engagement_params(),
        "inputs": {"x.csv": "a" * 64},
        "tables": {"01_d/t": SAME_TABLE},
    }
    diff = diff_runs(write_run(root, A, **kwargs), write_run(root, B, **kwargs))
    assert diff.identical
    assert "No difference" in render_text(diff)


def test_not_a_run_folder(tmp_path: Path) -> None:
    with pytest.raises(RunError, match="not found"):
        diff_runs(tmp_path, tmp_path)


# ---- rendering ------------------------------------------------------------------------------
def test_text_rendering(runs: tuple[Path, Path, Path]) -> None:
    _, a, b = runs
    text = render_text(diff_runs(a, b), width=120)
    assert f"Runs {A} → {B}" in text
    for expected in (
        "thresholds.bcg_growth",
        "0.1",
        "0.15",
        "data/raw/transactions.csv",
        "aaaaaaaaaaaa",
        "cccccccccccc",
        "01_diagnostic/monthly_revenue",
        "3 → 3 rows; 1 added; 1 removed; 1 values changed in 1 rows",
        "new table (2 rows)",
        "table removed (2 rows)",
        "2025-03-01",
        "+10",
        "+25 (+1.1%)",  # 2300 - 2275 = 25; 25 / 2275 = 1.1 %
        "(row added)",
    ):
        assert expected in text, expected
    assert "03_objectives/okr" not in text  # unchanged tables are not listed


def test_html_page(runs: tuple[Path, Path, Path]) -> None:
    _, a, b = runs
    page = render_html(diff_runs(a, b))
    assert page.startswith("<!DOCTYPE html>")
    assert '<h3 id="01_diagnostic/monthly_revenue">' in page
    assert '<td class="changed">changed</td>' in page
    assert "<script" not in page and "http" not in page


# ---- listing and resolving runs -------------------------------------------------------------
def test_list_runs_adds_parameters_and_selection(runs: tuple[Path, Path, Path]) -> None:
    root, _, _ = runs
    table = list_runs(root)
    assert table["run_id"].tolist() == [A, B]
    assert table["status"].tolist() == ["completed", "completed"]
    assert table["duration_s"].tolist() == [42.5, 42.5]
    assert table["parameters"].tolist() == ["", "currency=USD, thresholds.bcg_growth=0.15"]
    assert table["selection"].tolist() == ["", "only 01"]


def test_resolve_run_by_id_or_path(runs: tuple[Path, Path, Path]) -> None:
    root, a, _ = runs
    assert resolve_run(root, A) == root / "reports" / A
    assert resolve_run(root, str(a)) == a
    with pytest.raises(RunError, match=f"nope: not a run folder .*runs: {A}, {B}"):
        resolve_run(root, "nope")


def test_cli_diff(runs: tuple[Path, Path, Path]) -> None:
    root, _, _ = runs
    result = CliRunner().invoke(main, ["diff", A, B, "-e", str(root)])
    assert result.exit_code == 0, result.output
    assert "thresholds.bcg_growth" in result.output
    page = root / "reports" / f"diff_{A}_{B}.html"
    assert f"HTML: {page}" in result.output
    assert page.exists()


def test_cli_diff_html_path_and_error(runs: tuple[Path, Path, Path], tmp_path: Path) -> None:
    root, _, _ = runs
    target = tmp_path / "out" / "d.html"
    ok = CliRunner().invoke(main, ["diff", A, B, "-e", str(root), "--html", str(target)])
    assert ok.exit_code == 0 and target.exists()
    bad = CliRunner().invoke(main, ["diff", A, "nope", "-e", str(root)])
    assert bad.exit_code == 1
    assert "Error: nope: not a run folder" in bad.output


# ---- JupyterLab and nbdime ------------------------------------------------------------------
def test_lab_command(tmp_path: Path) -> None:
    cmd = lab_command(tmp_path, kernel="stratbook", port=8899, token="t0k", open_browser=False)
    root_flag = ["--allow-root"] if os.geteuid() == 0 else []
    assert cmd == [
        sys.executable,
        "-m",
        "jupyterlab",
        "--notebook-dir",
        str(tmp_path.resolve() / "notebooks"),
        "--MappingKernelManager.default_kernel_name=stratbook",
        "--ServerApp.port=8899",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=t0k",
        "--no-browser",
        *root_flag,
    ]
    assert lab_url(8899, "t0k") == "http://localhost:8899/lab?token=t0k"


def test_lab_environment(tmp_path: Path) -> None:
    env = lab_environment(tmp_path, base={"PATH": "/usr/bin"})
    assert env == {
        "PATH": "/usr/bin",
        "PYTHONHASHSEED": "0",
        "SOURCE_DATE_EPOCH": "0",
        "STRATBOOK_ENGAGEMENT": str(tmp_path.resolve()),
    }


def test_cli_lab_outside_an_engagement(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["lab", "-e", str(tmp_path)])
    assert result.exit_code == 1
    assert "no engagement.yaml" in result.output


@pytest.mark.slow
def test_lab_serves_the_notebooks_with_the_kit_kernel(tmp_path: Path) -> None:
    """A real JupyterLab server: token required, the notebooks, the kit's kernel by default."""
    from helpers.runner import ensure_kernel

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_x.ipynb").write_text(
        '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    )
    kernel = ensure_kernel()
    port, token = free_port(), "test-token-123"
    cmd = lab_command(tmp_path, kernel=kernel, port=port, token=token, open_browser=False)
    server = subprocess.Popen(
        cmd, env=lab_environment(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 60
        specs = None
        while specs is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"{base}/kernelspecs?token={token}", timeout=2) as r:
                    specs = json.load(r)
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        assert specs is not None, "JupyterLab did not start"
        assert specs["default"] == kernel
        with urllib.request.urlopen(f"{base}/contents?token={token}", timeout=5) as r:
            assert [c["name"] for c in json.load(r)["content"]] == ["01_x.ipynb"]
        with pytest.raises(urllib.error.HTTPError, match="403"):
            urllib.request.urlopen(f"{base}/kernelspecs?token=wrong", timeout=5)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_configure_nbdime_outside_git_does_nothing(tmp_path: Path) -> None:
    assert configure_nbdime(tmp_path) is False
    assert not (tmp_path / ".gitattributes").exists()
