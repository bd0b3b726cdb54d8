"""Tests for helpers.engine: the DuckDB RFM summary equals helpers.ltv.rfm_summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import engine, ltv
from helpers.errors import ConfigError, InputError

duckdb = pytest.importorskip("duckdb")


def _tx(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "order_date": pd.to_datetime([r[1] for r in rows]),
            "amount": [r[2] for r in rows],
        }
    )


def _write(tx: pd.DataFrame, folder: Path, kind: str) -> Path:
    csv = folder / "tx.csv"
    tx.to_csv(csv, index=False, date_format="%Y-%m-%d")
    if kind == "csv":
        return csv
    parquet = folder / "tx.parquet"
    duckdb.execute(f"COPY (SELECT * FROM read_csv('{csv}')) TO '{parquet}' (FORMAT parquet)")
    return parquet


HAND = _tx(
    [
        ("A", "2024-01-01", 10.0),
        ("A", "2024-01-01", 5.0),
        ("A", "2024-01-05", 20.0),
        ("A", "2024-01-10", 30.0),
        ("B", "2024-01-03", 7.0),
        ("C", "2024-01-02", 4.0),
        ("C", "2024-01-09", -1.0),
    ]
)


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_hand_checked_summary(tmp_path, kind):
    out = engine.rfm_summary_duckdb(_write(HAND, tmp_path, kind))
    # end = 2024-01-10. A: days 01-01 (10+5=15), 01-05 (20), 01-10 (30): frequency 2,
    # recency 10-1 = 9, T = 9, monetary (20+30)/2 = 25. B: one day: 0, 0, T = 10-3 = 7, 0.
    # C: days 01-02, 01-09: frequency 1, recency 7, T 8, monetary -1 (a refund).
    expected = pd.DataFrame(
        {
            "frequency": [2.0, 0.0, 1.0],
            "recency": [9.0, 0.0, 7.0],
            "T": [9.0, 7.0, 8.0],
            "monetary_value": [25.0, 0.0, -1.0],
        },
        index=pd.Index(["A", "B", "C"], dtype="str", name="customer_id"),
    )
    pd.testing.assert_frame_equal(out, expected)
    pd.testing.assert_frame_equal(out, ltv.rfm_summary(HAND))


@pytest.mark.parametrize(
    ("kwargs"),
    [
        {},
        {"observation_end": "2024-01-06"},
        {"time_unit": "weeks"},
        {"time_unit": "weeks", "period": "D"},
        {"time_unit": "days", "period": "W", "observation_end": "2024-01-08"},
    ],
)
def test_same_numbers_as_pandas_on_sample(tmp_path, kwargs):
    from helpers import sample

    tx = sample.transactions(n_transactions=3000, order_ids=False)
    tx = tx[["customer_id", "order_date", "amount"]]
    if "observation_end" in kwargs:  # inside the sample's window
        kwargs = {**kwargs, "observation_end": tx["order_date"].quantile(0.7).normalize()}
    expected = ltv.rfm_summary(tx, **kwargs)
    got = engine.rfm_summary_duckdb(_write(tx, tmp_path, "parquet"), **kwargs)
    pd.testing.assert_frame_equal(got, expected, rtol=1e-9)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["c1", "c2", "C3", "é4", "10"]),
            st.integers(min_value=0, max_value=60),
            st.integers(min_value=-500, max_value=5000),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_property_engines_agree(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("tx")
    start = pd.Timestamp("2024-02-26")  # a Monday
    tx = _tx([(c, str((start + pd.Timedelta(days=d)).date()), a / 100) for c, d, a in rows])
    for unit in ("days", "weeks"):
        expected = ltv.rfm_summary(tx, time_unit=unit)
        got = engine.rfm_summary_duckdb(_write(tx, folder, "csv"), time_unit=unit)
        pd.testing.assert_frame_equal(got, expected, rtol=1e-9, atol=1e-12)


def test_choose_engine(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_bytes(b"x" * 100)
    assert engine.choose_engine(path, "pandas") == "pandas"
    assert engine.choose_engine(path, "duckdb") == "duckdb"
    assert engine.choose_engine(path, "auto", threshold_bytes=101) == "pandas"
    assert engine.choose_engine(path, "auto", threshold_bytes=100) == "duckdb"
    with pytest.raises(ConfigError, match="engine must be one of"):
        engine.choose_engine(path, "spark")


def test_errors(tmp_path):
    with pytest.raises(InputError, match="reads"):
        engine.rfm_summary_duckdb(tmp_path / "tx.xlsx")
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"client": ["A"], "order_date": ["2024-01-01"], "amount": [1.0]}).to_csv(
        bad, index=False
    )
    with pytest.raises(InputError, match="missing column"):
        engine.rfm_summary_duckdb(bad)
    with pytest.raises(InputError, match="time_unit"):
        engine.rfm_summary_duckdb(bad, time_unit="months")
    with pytest.raises(InputError, match="no purchase"):
        engine.rfm_summary_duckdb(_write(HAND, tmp_path, "csv"), observation_end="2023-01-01")


def test_memory_cap_is_applied(tmp_path):
    """A tiny cap still gives the right answer (DuckDB spills instead of failing)."""
    tx = _tx([(f"c{i % 50}", f"2024-01-{1 + i % 28:02d}", float(i)) for i in range(2000)])
    got = engine.rfm_summary_duckdb(_write(tx, tmp_path, "csv"), memory_limit="64MB", threads=1)
    assert np.allclose(got["monetary_value"], ltv.rfm_summary(tx)["monetary_value"])
