"""Tests for helpers.engine: the DuckDB RFM summary equals helpers.ltv.rfm_summary."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import engine, ltv
from helpers.errors import ConfigError, DataError, DataWarning, InputError

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
    # ids come back typed "string", as helpers.io loads them
    pd.testing.assert_frame_equal(out, expected, check_index_type=False)
    pd.testing.assert_frame_equal(out, ltv.rfm_summary(HAND), check_index_type=False)


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
    pd.testing.assert_frame_equal(got, expected, rtol=1e-9, check_index_type=False)


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
        pd.testing.assert_frame_equal(got, expected, rtol=1e-9, atol=1e-12, check_index_type=False)


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
    with pytest.raises(DataError, match="required column customer_id is missing"):
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


# ---- a client's CSV, read as helpers.io reads it -------------------------------------------
MAPPING = {
    "customer_id": "N° client",
    "order_date": "Date de commande",
    "amount": "Montant TTC",
    "channel": "Canal",
    "order_id": "N° commande",
}
#: a French Windows export: title rows, cp1252 (€ is byte 0x80), ";", decimal comma with
#: thousands spaces, dd/mm/yyyy dates (some with a time), currency signs, (negative)
FRENCH = (
    "Export des ventes\r\n"
    "\r\n"
    "N° commande;N° client;Date de commande;Montant TTC;Canal\r\n"
    "K1;Clé-01;03/01/2024;1\u00a0234,50 €;web\r\n"
    "K2;Clé-01;03/01/2024 14:30;10,00;magasin\r\n"
    "K3;C02;05/01/2024;(12,00);magasin\r\n"
    "\r\n"
    "K4;C02;13/02/2024;99,90 €;web\r\n"
    "K5;Clé-01;20/02/2024;0,00;web\r\n"
    "K6;C03;28/02/2024;45,00;magasin\r\n"
    "K7;C02;01/03/2024;5,5;web\r\n"
)


def _french(tmp_path: Path, text: str = FRENCH) -> Path:
    path = tmp_path / "ventes.csv"
    path.write_bytes(text.encode("cp1252"))
    return path


def test_client_csv_same_tables_as_pandas(tmp_path):
    from helpers import customers, diagnostic, io

    path = _french(tmp_path)
    with pytest.warns(DataWarning):
        lines = io.read_table(path, table="transactions", columns=MAPPING)
    with engine.TransactionFile(path, columns=MAPPING) as tx:
        assert tx.reading.encoding == "cp1252"
        assert (tx.reading.sep, tx.reading.header_row) == (";", 2)
        assert (tx.reading.decimal, tx.reading.date_format) == (",", "%d/%m/%Y")
        # hand-checked: Clé-01 buys 1234.5 + 10 on 03/01, 0 on 20/02: two purchase days
        summary = tx.rfm_summary(revenue=True)
        assert summary.loc["Clé-01", "revenue"] == pytest.approx(1244.5)
        assert summary.loc["C02", "frequency"] == 2.0
        pd.testing.assert_frame_equal(tx.rfm_summary(), ltv.rfm_summary(lines))
        pd.testing.assert_frame_equal(tx.rfm(bins=3), customers.rfm(lines, bins=3))
        pd.testing.assert_frame_equal(
            tx.calibration_holdout(calibration_end="2024-02-01"),
            ltv.calibration_holdout(lines, calibration_end="2024-02-01"),
        )
        assert tx.holdout_period(holdout_months=1) == ltv.holdout_period(lines, holdout_months=1)
        pd.testing.assert_series_equal(
            tx.main_channel(), ltv.segment_groupings(transactions=lines)["channel"]
        )
        pd.testing.assert_frame_equal(tx.monthly_revenue(), diagnostic.monthly_revenue(lines))
        assert tx.stats()["refund_lines"] == 1
        assert any("zero amount" in w for w in tx.warnings())


def test_bad_line_after_the_head_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "HEAD_BYTES", 200)  # the head is the first lines only
    path = _french(tmp_path, FRENCH + "K8;C04;31/02/2024;1,00;web\r\n")
    with (
        engine.TransactionFile(path, columns=MAPPING) as tx,
        pytest.raises(DataError, match=r'"Date de commande".*1 line.*"31/02/2024"'),
    ):
        tx.rfm_summary()
    path = _french(tmp_path, FRENCH + "K8;C04;01/03/2024;douze;web\r\n")
    with (
        engine.TransactionFile(path, columns=MAPPING) as tx,
        pytest.raises(DataError, match=r'"Montant TTC".*"douze"'),
    ):
        tx.rfm_summary()


def test_mapping_errors_are_helpers_io_messages(tmp_path):
    path = _french(tmp_path)
    with pytest.raises(DataError, match=r"Montant HT.*not in the file"):
        engine.TransactionFile(path, columns={**MAPPING, "amount": "Montant HT"})


def test_engine_for(tmp_path):
    small = tmp_path / "tx.csv"
    small.write_text("customer_id,order_date,amount\nA,2024-01-01,1\n")
    parquet = _write(HAND, tmp_path, "parquet")
    book = tmp_path / "tx.xlsx"
    book.write_bytes(b"PK")
    assert engine.engine_for(small, "auto", available=True) == ("pandas", None)
    assert engine.engine_for(small, "auto", threshold_bytes=10, available=True)[0] == "duckdb"
    assert engine.engine_for(parquet, "auto", available=True) == ("duckdb", None)
    assert engine.engine_for(book, "auto", threshold_bytes=1, available=True)[0] == "pandas"
    assert engine.engine_for(small, "pandas", threshold_bytes=1, available=True)[0] == "pandas"
    with pytest.raises(ConfigError, match=r"not \.xlsx.*export the transactions as CSV"):
        engine.engine_for(book, "duckdb", available=True)
    # without the duckdb package: explicit is an error saying how to install it ...
    with pytest.raises(ConfigError, match=r"pip install 'stratbook\[scale\]'"):
        engine.engine_for(small, "duckdb", available=False)
    # ... auto falls back to pandas with a note
    chosen, note = engine.engine_for(parquet, "auto", available=False)
    assert chosen == "pandas"
    assert "not installed" in note and "stratbook[scale]" in note


def test_engagement_engine_setting(tmp_path, monkeypatch):
    from helpers import sample
    from helpers.context import Engagement

    root = sample.write_sample_engagement(tmp_path / "eng", scale=0.2)
    eng = Engagement.open(root, notebook="04_customers", config_overrides={"engine": "duckdb"})
    assert eng.engine == "duckdb"
    txs = eng.transactions()
    assert txs.frame is None
    pandas_side = Engagement.open(
        root, notebook="04_customers", config_overrides={"engine": "pandas"}
    ).transactions()
    pd.testing.assert_frame_equal(txs.rfm_summary(), pandas_side.rfm_summary())
    pd.testing.assert_frame_equal(txs.rfm(), pandas_side.rfm())
    monkeypatch.setattr(engine, "duckdb_available", lambda: False)
    with pytest.raises(ConfigError, match="pip install"):
        _ = Engagement.open(
            root, notebook="04_customers", config_overrides={"engine": "duckdb"}
        ).engine


@pytest.mark.slow
def test_notebooks_give_the_same_numbers_under_both_engines(tmp_path):
    """A real run of 01 and 04 on the sample engagement, once per engine."""
    from helpers import sample
    from helpers.runner import run_engagement

    root = sample.write_sample_engagement(tmp_path / "eng", scale=0.3)
    runs = {
        name: run_engagement(root, only=["01", "04"], parameters={"engine": name}, run_id=name)
        for name in ("pandas", "duckdb")
    }
    results = {name: root / "reports" / name / "results" for name in runs}
    same = {
        "01_diagnostic": ["monthly_revenue", "concentration"],
        "04_customers": ["rfm", "rfm_segments", "ltv_params", "ltv_by_customer"],
    }
    for notebook, names in same.items():
        for name in names:
            a = pd.read_csv(results["pandas"] / notebook / f"{name}.csv")
            b = pd.read_csv(results["duckdb"] / notebook / f"{name}.csv")
            a = a.drop(columns=[c for c in a.columns if c == "persona"])  # pandas only
            # the fits stop at their tolerance: parameters and CLV agree to 1e-6
            pd.testing.assert_frame_equal(a, b, rtol=1e-6, obj=f"{notebook}/{name}")
    by_segment = [
        pd.read_csv(results[name] / "04_customers" / "ltv_by_segment.csv") for name in runs
    ]
    pd.testing.assert_frame_equal(
        by_segment[0][by_segment[0]["grouping"] != "persona"].reset_index(drop=True),
        by_segment[1],
        rtol=1e-6,
    )
    notes = json.loads((root / "reports" / "duckdb" / "notes" / "04_customers.json").read_text())
    assert [s["section"] for s in notes["skipped"]] == ["Behavioural personas"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_encodings(tmp_path, encoding):
    """A byte-order mark or a non-UTF-8 file (transcoded for DuckDB) reads the same."""
    path = tmp_path / "tx.csv"
    text = "client;date;montant\nÉlise;02/01/2024;1,5\nBob;03/01/2024;2\nÉlise;05/01/2024;3\n"
    path.write_bytes(text.encode(encoding))
    columns = {"customer_id": "client", "order_date": "date", "amount": "montant"}
    with engine.TransactionFile(path, columns=columns) as tx:
        got = tx.rfm_summary()
    # Élise: 02/01 and 05/01, frequency 1, recency 3, T 3, repeat value 3
    assert got.loc["Élise"].tolist() == [1.0, 3.0, 3.0, 3.0]
    assert got.loc["Bob"].tolist() == [0.0, 0.0, 2.0, 0.0]


def test_orphan_temporary_folders_are_removed(tmp_path):
    """A folder left by a process that has ended goes; a live process's stays."""
    import subprocess
    import sys

    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    orphan = tmp_path / f"{engine.TEMP_PREFIX}{int(ended.stdout)}-abc"
    live = tmp_path / f"{engine.TEMP_PREFIX}{os.getpid()}-def"
    for folder in (orphan, live):
        folder.mkdir()
        (folder / "lines.duckdb").write_bytes(b"x")
    csv = _write(HAND, tmp_path, "csv")
    with engine.TransactionFile(csv, temp_directory=tmp_path) as tx:
        tx.rfm_summary()
        own = Path(tx._tmp.name)
        assert own.exists()
    assert not orphan.exists() and live.exists() and not own.exists()


def test_a_zero_net_spend_stays_zero(tmp_path):
    """0.1 + 0.2 - 0.3 is 5.6e-17 in floating point: the repeat day's spend must be 0,
    or the Gamma-Gamma fit takes it for a tiny positive spend."""
    tx = _tx(
        [
            ("A", "2024-01-01", 10.0),
            ("A", "2024-01-02", 0.1),
            ("A", "2024-01-02", 0.2),
            ("A", "2024-01-02", -0.3),
        ]
    )
    with engine.TransactionFile(_write(tx, tmp_path, "csv")) as lines:
        got = lines.rfm_summary(revenue=True)
    assert got.loc["A", "monetary_value"] == 0.0
    assert got.loc["A", "revenue"] == 10.0
