"""Summaries of transaction files too big for pandas, computed by DuckDB on the file.

A retailer's history can hold a hundred million lines: loading it into pandas needs
several times the machine's memory. This module computes the per-customer RFM summary
(the BG/NBD and Gamma-Gamma inputs of :mod:`helpers.ltv`) straight from a CSV or
Parquet file with DuckDB, streaming, under a memory cap, and gives the same numbers as
:func:`helpers.ltv.rfm_summary` on the same data. :func:`choose_engine` picks
``pandas`` or ``duckdb`` (``auto``: by file size).

The file must hold canonical columns (``customer_id``, ``order_date`` as an ISO date or
timestamp, ``amount`` with a dot decimal): mapping a client's export to those names is
:mod:`helpers.io`'s job.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from helpers.errors import ConfigError, InputError
from helpers.ltv import DEFAULT_PERIOD, SUMMARY_COLUMNS, UNIT_DAYS

Engine = Literal["pandas", "duckdb", "auto"]
ENGINES = ("pandas", "duckdb", "auto")
#: ``auto`` picks DuckDB for files at least this big (bytes on disk): a 1 GiB CSV is
#: about 20 million lines, 4-5 GiB once loaded in pandas with text columns.
AUTO_DUCKDB_BYTES = 1 << 30
#: DuckDB's memory cap while summarising (it spills to disk beyond it). With one worker
#: thread, 97 million lines (6 million customers) peaked at 1.6 GiB RSS; with two, the
#: per-thread hash tables ran out of memory under this cap.
DEFAULT_MEMORY_LIMIT = "1500MB"
DEFAULT_THREADS = 1
FILE_KINDS = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet"}


def choose_engine(
    path: str | Path, engine: str = "auto", *, threshold_bytes: int = AUTO_DUCKDB_BYTES
) -> str:
    """The engine to summarise ``path`` with: ``engine`` itself, or for ``"auto"``
    ``"duckdb"`` when the file is at least ``threshold_bytes`` big, else ``"pandas"``.

    Examples
    --------
    >>> choose_engine("small.csv", "pandas")
    'pandas'
    """
    if engine not in ENGINES:
        raise ConfigError(
            f"engine must be one of {ENGINES}, got {engine!r}; set it in engagement.yaml"
        )
    if engine != "auto":
        return engine
    size = Path(path).stat().st_size
    return "duckdb" if size >= threshold_bytes else "pandas"


def _source_sql(path: Path) -> str:
    kind = FILE_KINDS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"{path.name}: the DuckDB engine reads {sorted(FILE_KINDS)} files, got "
            f"{path.suffix or 'no extension'}; convert the file or use engine 'pandas'"
        )
    if not path.exists():
        raise InputError(f"{path}: file not found")
    quoted = str(path).replace("'", "''")
    if kind == "csv":
        return f"read_csv('{quoted}', header = true)"
    return f"read_parquet('{quoted}')"


def rfm_summary_duckdb(
    path: str | Path,
    *,
    observation_end: object = None,
    time_unit: str = "days",
    period: str | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int | None = DEFAULT_THREADS,
) -> pd.DataFrame:
    """:func:`helpers.ltv.rfm_summary` computed by DuckDB from a CSV or Parquet file.

    Same rules: purchases of one customer in one period (day, or Monday-start week)
    are merged; lines after the observation end (floored to its period) are ignored;
    ``frequency`` is the number of purchase periods after the first, ``recency`` and
    ``T`` the time from the first purchase period to the last one and to the
    observation end, ``monetary_value`` the mean amount of the repeat periods (0 without
    any). ``monetary_value`` may differ from pandas' in the last bits (summation order).

    Parameters
    ----------
    path
        CSV (with a header) or Parquet file with ``customer_id``, ``order_date``,
        ``amount``.
    observation_end
        End of the observation window; default the last order date in the file.
    time_unit, period
        As in :func:`helpers.ltv.rfm_summary`.
    memory_limit, threads
        DuckDB settings: its memory cap (spills to disk beyond) and worker threads
        (default one: more are faster but need more memory; ``None``: DuckDB's default,
        the number of cores).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (text, sorted): ``frequency``, ``recency``, ``T``,
        ``monetary_value`` (floats).
    """
    import duckdb

    if time_unit not in UNIT_DAYS:
        raise InputError(
            f"The value for `time_unit` must be one of {tuple(UNIT_DAYS)}, but {time_unit!r} "
            "was passed."
        )
    period = DEFAULT_PERIOD[time_unit] if period is None else period
    if period not in ("D", "W"):
        raise InputError(
            f"The value for `period` must be 'D' (day) or 'W' (week), but {period!r} was passed."
        )
    path = Path(path)
    source = _source_sql(path)
    trunc = "day" if period == "D" else "week"  # DuckDB's weeks start on Monday (ISO)
    con = duckdb.connect()
    spill = tempfile.TemporaryDirectory(prefix="stratbook-duckdb-")
    try:
        con.execute(f"SET memory_limit = '{memory_limit}'")
        # spill to disk beyond the cap; row order is set by the final ORDER BY anyway
        con.execute(f"SET temp_directory = '{spill.name}'")
        con.execute("SET preserve_insertion_order = false")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        columns = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
        missing = [c for c in ("customer_id", "order_date", "amount") if c not in columns]
        if missing:
            raise InputError(
                f"{path.name}: missing column(s) {', '.join(missing)} (found: "
                f"{', '.join(sorted(columns))}); write the file with canonical column names"
            )
        if observation_end is None:
            end = con.execute(f"SELECT max(CAST(order_date AS DATE)) FROM {source}").fetchone()[0]
            if end is None:
                raise InputError(f"{path.name}: no transaction with an order date")
        else:
            end = pd.Timestamp(observation_end).date()
        sql = f"""
        WITH lines AS (
            SELECT CAST(customer_id AS VARCHAR) AS customer_id,
                   CAST(date_trunc('{trunc}', CAST(order_date AS DATE)) AS DATE) AS p,
                   CAST(amount AS DOUBLE) AS amount
            FROM {source}
            WHERE order_date IS NOT NULL
        ), periods AS (
            SELECT customer_id, p, sum(amount) AS amount
            FROM lines
            WHERE p <= CAST(date_trunc('{trunc}', DATE '{end}') AS DATE)
            GROUP BY customer_id, p
        ), firsts AS (
            SELECT customer_id, min(p) AS first_p, max(p) AS last_p, count(*) AS n,
                   arg_min(amount, p) AS first_amount, sum(amount) AS total
            FROM periods
            GROUP BY customer_id
        )
        SELECT customer_id,
               n - 1 AS frequency,
               date_diff('day', first_p, last_p) AS recency_days,
               date_diff('day', first_p,
                         CAST(date_trunc('{trunc}', DATE '{end}') AS DATE)) AS t_days,
               CASE WHEN n > 1 THEN (total - first_amount) / (n - 1) ELSE 0.0 END AS monetary
        FROM firsts
        ORDER BY customer_id
        """
        result = con.execute(sql).fetchnumpy()
    finally:
        con.close()
        spill.cleanup()
    if len(result["customer_id"]) == 0:
        raise InputError(
            f"{path.name}: no purchase on or before the observation end {end}; check "
            "observation_end in engagement.yaml"
        )
    unit = UNIT_DAYS[time_unit]
    ids = np.asarray(result["customer_id"], dtype=object)
    # Python's order (code points), which ltv.rfm_summary uses; DuckDB sorted bytes
    order = np.argsort(ids.astype(str), kind="stable")
    frame = pd.DataFrame(
        {
            "frequency": np.asarray(result["frequency"], dtype=float),
            "recency": np.asarray(result["recency_days"], dtype=float) / unit,
            "T": np.asarray(result["t_days"], dtype=float) / unit,
            "monetary_value": np.asarray(result["monetary"], dtype=float),
        },
        index=pd.Index(ids, dtype="str", name="customer_id"),
    ).iloc[order]
    return frame[SUMMARY_COLUMNS]


__all__ = ["AUTO_DUCKDB_BYTES", "ENGINES", "choose_engine", "rfm_summary_duckdb"]
