"""The `stratbook` command: thin verbs, one-line errors, non-zero exits."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from helpers.cli import main


@pytest.fixture
def cli():
    return CliRunner()


def test_new_dry_run_writes_nothing(cli, tmp_path):
    result = cli.invoke(
        main, ["new", "--no-input", "--dry-run", "-o", str(tmp_path), "client_name=Acme Corp"]
    )
    assert result.exit_code == 0, result.output
    assert f"Would create {tmp_path / 'acme-corp'} with:" in result.output
    assert "engagement_slug: acme-corp" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        ("engagement_slug=../x", "Error: engagement_slug '../x' is not valid"),
        ("currency=EURO", "Error: "),
        ("nonsense", "Error: KEY=VALUE expects key=value, got 'nonsense'"),
    ],
)
def test_new_refuses_bad_input_with_one_line(cli, tmp_path, pair, expected):
    result = cli.invoke(main, ["new", "--no-input", "-o", str(tmp_path), pair])
    assert result.exit_code == 1
    assert result.output.startswith(expected)
    assert result.output.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_new_then_dry_run_and_runs(cli, tmp_path):
    result = cli.invoke(
        main, ["new", "--no-input", "-o", str(tmp_path), "client_name=Acme", "sample_data=no"]
    )
    assert result.exit_code == 0, result.output
    engagement = tmp_path / "acme"
    assert f"Created {engagement}" in result.output

    plan = cli.invoke(
        main,
        [
            "run",
            "-e",
            str(engagement),
            "--dry-run",
            "--only",
            "01",
            "-p",
            "thresholds.bcg_growth=0.2",
        ],
    )
    assert plan.exit_code == 0, plan.output
    assert plan.output.startswith("01_diagnostic: ")
    assert "'config_overrides': {'thresholds.bcg_growth': 0.2}" in plan.output
    assert "02_market" not in plan.output

    bad = cli.invoke(
        main, ["run", "-e", str(engagement), "--dry-run", "-p", "thresholds.bcg_grwoth=0.2"]
    )
    assert bad.exit_code == 1
    assert bad.output.startswith("Error: ")
    assert "bcg_grwoth" in bad.output

    runs = cli.invoke(main, ["runs", "-e", str(engagement)])
    assert runs.exit_code == 0
    assert runs.output == "No runs yet: stratbook run\n"


def test_run_outside_an_engagement(cli, tmp_path):
    result = cli.invoke(main, ["run", "-e", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {tmp_path / 'engagement.yaml'}: not found")
