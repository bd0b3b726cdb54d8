"""Transaction files too big for pandas, summarised by DuckDB on the file.

A retailer's history can hold a hundred million lines: loading it into pandas needs
several times the machine's memory. :class:`TransactionFile` reads a CSV or Parquet
transactions file with DuckDB, streaming, under a memory cap (spilling to disk beyond
it), and returns only per-customer or per-month tables: the RFM summary (the BG/NBD and
Gamma-Gamma inputs of :mod:`helpers.ltv`), the RFM scores, the calibration/holdout
split, each customer's main channel, the monthly revenue. Each gives the same numbers as
the pandas function it stands for on the same data.

A client's CSV is read as :mod:`helpers.io` reads it: the column mapping of
``engagement.yaml``, the encoding (other than UTF-8: transcoded to a temporary UTF-8
copy, in chunks), the separator, title rows above the header, the decimal comma and
thousands marks, currency signs, the date format. Formats are detected the way
:func:`helpers.io.read_table` detects them: the head of the file (1 MiB) is read by
``read_table`` (so its checks and messages apply) and the DuckDB reading whose result
equals it is kept. A line the DuckDB reading cannot convert is an error naming the
column and examples, never a silently dropped line.

:func:`choose_engine` and :func:`engine_for` pick ``pandas`` or ``duckdb`` (``auto``: by
file size; Parquet always goes to DuckDB, ``.xlsx`` always to pandas).
"""

from __future__ import annotations

import codecs
import importlib.util
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from helpers.errors import ConfigError, DataError, DataWarning, InputError
from helpers.ltv import SUMMARY_COLUMNS, UNIT_DAYS, _check_unit

Engine = Literal["pandas", "duckdb", "auto"]
ENGINES = ("pandas", "duckdb", "auto")
#: ``auto`` picks DuckDB for files at least this big (bytes on disk): a 1 GiB CSV is
#: about 20 million lines, 4-5 GiB once loaded in pandas with text columns.
AUTO_DUCKDB_BYTES = 1 << 30
#: DuckDB's memory cap while summarising (it spills to disk beyond it). 100 million lines
#: of 5 million customers ran out of memory under 1 GB (one thread); one worker thread,
#: because each thread's hash tables need their share of the cap.
DEFAULT_MEMORY_LIMIT = "1500MB"
DEFAULT_THREADS = 1
FILE_KINDS = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet"}
#: temporary folders are named <prefix><pid>-<random>
TEMP_PREFIX = "stratbook-duckdb-"
INSTALL_HINT = "pip install 'stratbook[scale]' (or: pip install duckdb)"
#: bytes of a CSV read by helpers.io to detect and check its format
HEAD_BYTES = 1 << 20
#: bytes per chunk when a CSV is transcoded to UTF-8
TRANSCODE_CHUNK = 16 << 20
#: title rows tried above the header (as helpers.io)
MAX_TITLE_ROWS = 10
#: the columns the engine reads: the RFM/LTV inputs, orders for the monthly series, and
#: the channel for the LTV grouping
READ_COLUMNS = ("customer_id", "order_date", "amount", "order_id", "channel")
REQUIRED = ("customer_id", "order_date", "amount")
#: what a number may carry besides digits and marks (helpers.io drops the same)
_NUMBER_NOISE = r"[€$£¥'\s\x{00a0}\x{202f}\x{2009}]|EUR|USD|GBP|CHF"
_NULL_IDS = ("nan", "null", "none", "n/a", "#n/a")
_UTF8 = ("utf-8", "utf8", "ascii", "us-ascii")


def duckdb_available() -> bool:
    """Whether the optional ``duckdb`` package (extra ``scale``) is installed."""
    return importlib.util.find_spec("duckdb") is not None


def _file_kind(path: Path) -> str | None:
    return FILE_KINDS.get(path.suffix.lower())


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


def engine_for(
    path: str | Path,
    engine: str = "auto",
    *,
    threshold_bytes: int = AUTO_DUCKDB_BYTES,
    available: bool | None = None,
) -> tuple[str, str | None]:
    """The engine for the transactions file ``path`` and a note to show, if any.

    ``"duckdb"`` needs the ``duckdb`` package and a CSV or Parquet file: otherwise a
    :class:`ConfigError` says what to do. ``"auto"`` takes DuckDB for Parquet files and
    for CSV files of at least ``threshold_bytes``, pandas for the rest (``.xlsx``
    included); without the package it falls back to pandas and returns a note saying so.
    ``available`` overrides the check that the package is installed.
    """
    path = Path(path)
    available = duckdb_available() if available is None else available
    if engine == "pandas" or (engine == "auto" and not path.exists()):
        return "pandas", None  # a missing file: the loader says how to fix the path
    kind = _file_kind(path)
    if engine == "duckdb":
        if not available:
            raise ConfigError(
                "engine: duckdb in engagement.yaml needs the duckdb package, which is not "
                f"installed; install it with {INSTALL_HINT}, or set engine: pandas"
            )
        if kind is None:
            raise ConfigError(
                f"engine: duckdb reads CSV and Parquet transaction files, not "
                f"{path.suffix or 'files without an extension'} ({path.name}); export the "
                "transactions as CSV, or set engine: auto or pandas"
            )
        return "duckdb", None
    wanted = kind == "parquet" or (
        kind == "csv" and choose_engine(path, "auto", threshold_bytes=threshold_bytes) == "duckdb"
    )
    if wanted and not available:
        size = path.stat().st_size / 1e6
        return "pandas", (
            f"{path.name} ({size:,.0f} MB) would be summarised by DuckDB (engine: auto), but "
            f"the duckdb package is not installed: it is loaded in pandas instead. For files "
            f"bigger than memory, install it with {INSTALL_HINT}"
        )
    return ("duckdb" if wanted else "pandas"), None


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class CsvReading:
    """How the DuckDB engine reads a CSV: what :mod:`helpers.io` would detect."""

    encoding: str
    sep: str
    header_row: int
    decimal: str
    date_format: str
    #: canonical name -> the file's column name, for the columns present
    columns: Mapping[str, str]


def _number_sql(column: str, decimal: str, thousands: str | None) -> str:
    text = f"regexp_replace(trim({column}), {_sql_text(_NUMBER_NOISE)}, '', 'g')"
    group = ("." if decimal == "," else ",") if thousands is None else thousands
    if group and group.strip():
        text = f"replace({text}, {_sql_text(group)}, '')"
    if decimal == ",":
        text = f"replace({text}, ',', '.')"
    # (12,50) is negative, as in helpers.io
    full = (
        f"CASE WHEN {text} LIKE '(%)' THEN -TRY_CAST(trim({text}, '()') AS DOUBLE) "
        f"ELSE TRY_CAST({text} AS DOUBLE) END"
    )
    # most cells are plain numbers ("-12,5"): read them without the regular expression
    plain = column if decimal == "." else f"replace({column}, ',', '.')"
    fast = f"TRY_CAST({plain} AS DOUBLE)"
    if group and group.strip():
        fast = f"CASE WHEN NOT contains({column}, {_sql_text(group)}) THEN {fast} END"
    # "nan" and "inf" are text to helpers.io
    return f"CASE WHEN isfinite({fast}) THEN {fast} WHEN isfinite({full}) THEN {full} END"


def _date_sql(column: str, date_format: str) -> str:
    formats = [date_format] + [
        f"{date_format}{sep}{clock}" for sep in (" ", "T") for clock in ("%H:%M:%S", "%H:%M")
    ]
    listed = ", ".join(_sql_text(f) for f in formats)
    return f"try_strptime(trim({column}), [{listed}])"


def _id_sql(column: str) -> str:
    nulls = ", ".join(_sql_text(v) for v in _NULL_IDS)
    return f"CASE WHEN lower(trim({column})) IN ('', {nulls}) THEN NULL ELSE trim({column}) END"


def _text_sql(column: str) -> str:
    return f"NULLIF(trim(CAST({column} AS VARCHAR)), '')"


class TransactionFile:
    """A transactions file (CSV or Parquet) read by DuckDB, giving per-customer tables.

    Parameters
    ----------
    path
        The file: ``.csv``/``.txt`` (delimited text with a header) or ``.parquet``.
    columns
        Canonical name -> the file's column name (``data.transactions.columns``).
    sep, decimal, thousands, encoding, date_format, header_row
        A CSV's format, as in :func:`helpers.io.read_table`; ``None`` detects it.
    memory_limit, threads, temp_directory
        DuckDB's memory cap (it spills to ``temp_directory`` beyond it; default a
        temporary folder, removed on :meth:`close`) and worker threads (``None``: one per
        core; more are faster but need more memory).

    Use it as a context manager, or call :meth:`close`.
    """

    #: the lines are never loaded in pandas (see :class:`FrameTransactions`)
    frame = None

    def __init__(
        self,
        path: str | Path,
        *,
        columns: Mapping[str, str] | None = None,
        sep: str | None = None,
        decimal: str | None = None,
        thousands: str | None = None,
        encoding: str | None = None,
        date_format: str | None = None,
        header_row: int | None = None,
        memory_limit: str = DEFAULT_MEMORY_LIMIT,
        threads: int | None = DEFAULT_THREADS,
        temp_directory: str | Path | None = None,
    ) -> None:
        if not duckdb_available():
            raise ConfigError(f"the DuckDB engine needs the duckdb package: {INSTALL_HINT}")
        import duckdb

        self.path = Path(path)
        self.kind = _file_kind(self.path)
        if self.kind is None:
            raise InputError(
                f"{self.path.name}: the DuckDB engine reads {sorted(FILE_KINDS)} files, got "
                f"{self.path.suffix or 'no extension'}; convert the file or use engine 'pandas'"
            )
        if not self.path.exists():
            raise InputError(f"{self.path}: file not found")
        self.mapping = dict(columns or {})
        if temp_directory is not None:
            Path(temp_directory).mkdir(parents=True, exist_ok=True)
        _remove_orphans(Path(temp_directory or tempfile.gettempdir()))
        self._tmp = tempfile.TemporaryDirectory(
            prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=temp_directory
        )
        self._stats: dict[str, Any] | None = None
        # a CSV is parsed once into a table of this temporary database (on disk, so it
        # may exceed the memory cap); every summary then reads the typed columns
        database = Path(self._tmp.name) / "lines.duckdb" if self.kind == "csv" else ":memory:"
        self.con = duckdb.connect(str(database))
        try:
            self._execute(f"SET memory_limit = {_sql_text(memory_limit)}")
            self._execute(f"SET temp_directory = {_sql_text(str(Path(self._tmp.name)))}")
            # row order is set by each query's ORDER BY: DuckDB need not keep the file's
            self._execute("SET preserve_insertion_order = false")
            if threads:
                self._execute(f"SET threads = {int(threads)}")
            if self.kind == "csv":
                self.reading: CsvReading | None = self._detect_csv(
                    sep=sep,
                    decimal=decimal,
                    thousands=thousands,
                    encoding=encoding,
                    date_format=date_format,
                    header_row=header_row,
                )
                select = self._csv_select(self.reading, thousands)
            else:
                self.reading = None
                select = self._parquet_select()
            self._execute(f"CREATE VIEW raw_tx AS {select}")
            present = ", ".join(self.columns)
            empty = " AND ".join(f"{c} IS NULL" for c in self._raw_names)
            # blank lines are skipped, as helpers.io does
            what = "TABLE" if self.kind == "csv" else "VIEW"
            self._execute(f"CREATE {what} tx AS SELECT {present} FROM raw_tx WHERE NOT ({empty})")
        except BaseException:
            self.close()
            raise

    # ---- opening ------------------------------------------------------------------------
    @classmethod
    def from_config(cls, config: Any, source: str = "transactions") -> TransactionFile:
        """The file of ``data.<source>`` in ``engagement.yaml``, with its mapping, formats
        and the ``duckdb`` settings (memory limit, threads, temporary directory)."""
        spec = config.data.get(source)
        if spec is None:
            config.source_path(source)  # raises the ConfigError that says how to declare it
        settings = config.duckdb
        temp = settings.temp_directory
        return cls(
            config.root / spec.path,
            columns=spec.columns,
            sep=spec.sep,
            decimal=spec.decimal,
            thousands=spec.thousands,
            encoding=spec.encoding,
            date_format=spec.date_format,
            header_row=spec.header_row,
            memory_limit=settings.memory_limit,
            threads=settings.threads,
            temp_directory=None if temp is None else config.root / temp,
        )

    def _execute(self, sql: str) -> Any:
        """Run ``sql``; DuckDB running out of its memory cap becomes a ConfigError saying
        which setting to change."""
        import duckdb

        try:
            return self.con.execute(sql)
        except duckdb.OutOfMemoryException as exc:
            limit = self.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
            raise ConfigError(
                f"{self.path.name}: DuckDB needed more than its memory limit ({limit}) to "
                "summarise the file; raise duckdb.memory_limit or lower duckdb.threads in "
                f"engagement.yaml ({str(exc).splitlines()[0]})"
            ) from None

    def close(self) -> None:
        """Close the DuckDB connection and remove its temporary files."""
        con = getattr(self, "con", None)
        if con is not None:
            con.close()
            self.con = None
        self._tmp.cleanup()

    def __enter__(self) -> TransactionFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _client(self, canonical: str, names: list[str]) -> str | None:
        """The file's column for a canonical name: exact, then case-insensitive."""
        wanted = self.mapping.get(canonical, canonical).strip()
        for name in names:
            if name.strip() == wanted:
                return name
        for name in names:
            if name.strip().lower() == wanted.lower():
                return name
        return None

    def _locate(self, names: list[str]) -> dict[str, str]:
        found = {c: self._client(c, names) for c in READ_COLUMNS}
        missing = [c for c in REQUIRED if found[c] is None]
        if missing:
            raise DataError(
                f"{self.path.name}: column(s) {', '.join(self.mapping.get(m, m) for m in missing)} "
                f"not found (the file has {', '.join(names)}); map them in "
                "data.transactions.columns"
            )
        return {c: n for c, n in found.items() if n is not None}

    def _parquet_select(self) -> str:
        source = f"read_parquet({_sql_text(str(self.path))})"
        described = self._execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
        types = {row[0]: str(row[1]).upper() for row in described}
        found = self._locate(list(types))
        parts = []
        for canonical, name in found.items():
            col = _ident(name)
            if canonical in ("customer_id", "order_id"):
                parts.append(f"{_id_sql(f'CAST({col} AS VARCHAR)')} AS {canonical}")
            elif canonical == "order_date":
                if "CHAR" in types[name] or "STRING" in types[name]:
                    expr = _date_sql(col, "%Y-%m-%d")
                else:
                    expr = f"CAST({col} AS TIMESTAMP)"
                parts.append(f"{expr} AS order_date")
            elif canonical == "amount":
                parts.append(f"CAST({col} AS DOUBLE) AS amount")
            else:
                parts.append(f"{_text_sql(col)} AS {canonical}")
        self.columns = list(found)
        self._raw_names = list(found)
        self._client_names = found
        return f"SELECT {', '.join(parts)} FROM {source}"

    # ---- CSV format ---------------------------------------------------------------------
    def _detect_csv(
        self,
        *,
        sep: str | None,
        decimal: str | None,
        thousands: str | None,
        encoding: str | None,
        date_format: str | None,
        header_row: int | None,
    ) -> CsvReading:
        from helpers import io

        with self.path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
            more = fh.read(1) != b""
        if more and b"\n" in head:
            head = head[: head.rindex(b"\n") + 1]
        head_path = Path(self._tmp.name) / f"head{self.path.suffix}"
        head_path.write_bytes(head)
        # helpers.io reads the head: its checks and messages apply, its result is the truth
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            truth = io.read_table(
                head_path,
                table="transactions",
                columns=self.mapping,
                sep=sep,
                decimal=decimal,
                thousands=thousands,
                encoding=encoding,
                date_format=date_format,
                header_row=header_row,
                label=self.path.name,
            )
        found = io.sniff_csv(head_path, encoding=encoding, sep=sep)
        enc = codecs.lookup(found.encoding).name
        self._source = self.path
        if enc not in _UTF8 and enc != "utf-8-sig":
            self._source = self._transcode(found.encoding)
            head_path.write_bytes(head.decode(found.encoding, errors="replace").encode("utf-8"))
        rows = range(MAX_TITLE_ROWS + 1) if header_row is None else [header_row]
        for skip in rows:
            names = self._csv_names(head_path, found.sep, skip)
            if all(self._client(c, names) for c in REQUIRED) and self._count_rows(
                head_path, found.sep, skip, [self._client(c, names) for c in REQUIRED]
            ) == len(truth):
                break
        else:  # helpers.io found them: a layout DuckDB cannot follow
            raise DataError(
                f"{self.path.name}: the DuckDB engine cannot find the header row; set "
                "data.transactions.header_row, or use engine: pandas"
            )
        located = self._locate(names)
        # the DuckDB reading that gives helpers.io's numbers and dates on the head
        decimals = [decimal] if decimal else [",", "."]
        formats = [date_format] if date_format else [f.strftime for f in io.DATE_FORMATS]
        got_decimal = self._match_head(
            head_path,
            found.sep,
            skip,
            located["amount"],
            truth["amount"],
            decimals,
            lambda col, d: _number_sql(col, d, thousands),
        )
        got_format = self._match_head(
            head_path,
            found.sep,
            skip,
            located["order_date"],
            truth["order_date"],
            formats,
            _date_sql,
        )
        return CsvReading(
            encoding=enc,
            sep=found.sep,
            header_row=skip,
            decimal=got_decimal,
            date_format=got_format,
            columns=located,
        )

    def _transcode(self, encoding: str) -> Path:
        """A UTF-8 copy of the file in the temporary folder (DuckDB reads UTF-8 only)."""
        out = Path(self._tmp.name) / f"utf8{self.path.suffix}"
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        with self.path.open("rb") as src, out.open("wb") as dst:
            while chunk := src.read(TRANSCODE_CHUNK):
                dst.write(decoder.decode(chunk).encode("utf-8"))
            dst.write(decoder.decode(b"", final=True).encode("utf-8"))
        return out

    def _read_csv_sql(self, path: Path, sep: str, skip: int) -> str:
        return (
            f"read_csv({_sql_text(str(path))}, delim = {_sql_text(sep)}, header = true, "
            f"skip = {skip}, all_varchar = true, quote = '\"', escape = '\"', "
            "null_padding = true)"
        )

    def _csv_names(self, path: Path, sep: str, skip: int) -> list[str]:
        try:
            rows = self._execute(
                f"DESCRIBE SELECT * FROM {self._read_csv_sql(path, sep, skip)}"
            ).fetchall()
        except Exception:  # a title row DuckDB cannot split: not the header
            return []
        return [row[0] for row in rows]

    def _count_rows(self, path: Path, sep: str, skip: int, names: list[str]) -> int:
        """Lines with a value in one of ``names`` (helpers.io skips blank rows)."""
        filled = " OR ".join(f"NULLIF(trim({_ident(n)}), '') IS NOT NULL" for n in names)
        source = self._read_csv_sql(path, sep, skip)
        return self._execute(f"SELECT count(*) FROM {source} WHERE {filled}").fetchone()[0]

    def _match_head(self, head, sep, skip, column, truth: pd.Series, options, to_sql) -> str:
        col = _ident(column)
        source = self._read_csv_sql(head, sep, skip)
        want = np.sort(truth.to_numpy())
        for option in options:
            try:
                got = self._execute(
                    f"SELECT {to_sql(col, option)} AS v FROM {source} "
                    f"WHERE NULLIF(trim({col}), '') IS NOT NULL"
                ).fetchnumpy()["v"]
            except Exception:
                continue
            got = np.asarray(got)
            if len(got) != len(want) or pd.isna(got).any():
                continue
            if want.dtype.kind == "M":
                same = np.array_equal(np.sort(got.astype("datetime64[ns]")), want)
            else:
                same = np.allclose(np.sort(got.astype(float)), want, rtol=1e-12, atol=0)
            if same:
                return option
        raise DataError(
            f'{self.path.name}: the DuckDB engine cannot read column "{column}" as '
            "helpers.io does; set its format in data.transactions (decimal, date_format), "
            "or use engine: pandas"
        )

    def _csv_select(self, reading: CsvReading, thousands: str | None) -> str:
        source = self._read_csv_sql(self._source, reading.sep, reading.header_row)
        parts, raw = [], []
        for canonical, name in reading.columns.items():
            col = _ident(name)
            raw.append(f"raw_{canonical}")
            if canonical in ("customer_id", "order_id"):
                expr = _id_sql(col)
            elif canonical == "order_date":
                expr = _date_sql(col, reading.date_format)
            elif canonical == "amount":
                expr = _number_sql(col, reading.decimal, thousands)
            else:
                expr = _text_sql(col)
            parts.append(f"{expr} AS {canonical}")
            parts.append(f"NULLIF(trim({col}), '') AS raw_{canonical}")
        self.columns = list(reading.columns)
        self._raw_names = raw
        self._client_names = dict(reading.columns)
        return f"SELECT {', '.join(parts)} FROM {source}"

    # ---- checks and statistics ----------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """One pass over the file: lines, first and last order date, refund and zero lines;
        lines the reading could not convert raise a :class:`DataError`."""
        if self._stats is not None:
            return self._stats
        checks = {c: f"count(*) FILTER (WHERE {c} IS NULL)" for c in REQUIRED}
        row = self._execute(
            f"""SELECT count(*), min(order_date), max(order_date),
                       count(*) FILTER (WHERE amount < 0), count(*) FILTER (WHERE amount = 0),
                       {", ".join(checks.values())}
                FROM tx"""
        ).fetchone()
        bad = dict(zip(REQUIRED, row[5:], strict=True))
        for canonical, n_bad in bad.items():
            if n_bad:
                self._raise_bad(canonical, int(n_bad))
        if row[0] == 0:
            raise DataError(f"{self.path.name}: no transaction lines; the file is empty")
        self._stats = {
            "lines": int(row[0]),
            "first_date": pd.Timestamp(row[1]),
            "last_date": pd.Timestamp(row[2]),
            "refund_lines": int(row[3]),
            "zero_lines": int(row[4]),
        }
        return self._stats

    def _raise_bad(self, canonical: str, n_bad: int) -> None:
        client = self._client_names[canonical]
        raw = f"raw_{canonical}" if self.kind == "csv" else None
        examples: list[str] = []
        if raw is not None:
            values = self._execute(
                f"SELECT DISTINCT {raw} FROM raw_tx WHERE {canonical} IS NULL LIMIT 5"
            ).fetchall()
            examples = ["(empty)" if v[0] is None else f'"{v[0]}"' for v in values]
        shown = f": {', '.join(examples)}" if examples else ""
        what = {"customer_id": "no customer", "order_date": "dates that cannot be read"}.get(
            canonical, "numbers that cannot be read"
        )
        raise DataError(
            f'{self.path.name}: column "{client}" ({canonical}) has {what} in {n_bad:,} '
            f"line(s){shown}; fix the export, set its format in data.transactions, or use "
            "engine: pandas for its detailed report"
        )

    def warnings(self) -> list[str]:
        """Messages about refund and zero-amount lines (as helpers.io's warnings)."""
        stats = self.stats()
        out = []
        if stats["refund_lines"]:
            out.append(
                f"{self.path.name}: {stats['refund_lines']:,} line(s) with a negative amount "
                "(refunds or credit notes); they reduce revenue"
            )
        if stats["zero_lines"]:
            out.append(
                f"{self.path.name}: {stats['zero_lines']:,} line(s) with a zero amount; they "
                "count as purchases in the RFM summary"
            )
        return out

    def _end(self, observation_end: object) -> pd.Timestamp:
        if observation_end is None:
            return self.stats()["last_date"]
        self.stats()
        return pd.Timestamp(observation_end)

    # ---- per-customer tables ------------------------------------------------------------
    def rfm_summary(
        self,
        *,
        observation_end: object = None,
        time_unit: str = "days",
        calibration_end: object = None,
        period: str | None = None,
        revenue: bool = False,
    ) -> pd.DataFrame:
        """:func:`helpers.ltv.rfm_summary` of the file (``revenue=True`` adds each
        customer's total amount in the window, as ``ltv._summarise``)."""
        period = _check_unit(time_unit, period)
        end = self._end(calibration_end if calibration_end is not None else observation_end)
        where = "TRUE" if calibration_end is None else f"order_date <= {_ts(end)}"
        frame = self._summary_frame(period, end, where, time_unit)
        return frame if revenue else frame[SUMMARY_COLUMNS]

    def _summary_frame(self, period: str, end: pd.Timestamp, where: str, unit: str):
        trunc = "day" if period == "D" else "week"  # DuckDB's weeks start on Monday (ISO)
        end_p = f"CAST(date_trunc('{trunc}', DATE '{end.date()}') AS DATE)"
        result = self._execute(f"""
            WITH periods AS (
                SELECT customer_id,
                       CAST(date_trunc('{trunc}', CAST(order_date AS DATE)) AS DATE) AS p,
                       sum(amount) AS amount
                FROM tx
                WHERE {where} AND CAST(date_trunc('{trunc}', CAST(order_date AS DATE)) AS DATE)
                      <= {end_p}
                GROUP BY customer_id, p
            ), firsts AS (
                SELECT customer_id, min(p) AS first_p, max(p) AS last_p, count(*) AS n,
                       arg_min(amount, p) AS first_amount, sum(amount) AS total
                FROM periods
                GROUP BY customer_id
            )
            SELECT customer_id, n - 1 AS frequency,
                   date_diff('day', first_p, last_p) AS recency_days,
                   date_diff('day', first_p, {end_p}) AS t_days,
                   CASE WHEN n > 1 THEN (total - first_amount) / (n - 1) ELSE 0.0 END
                       AS monetary,
                   total
            FROM firsts
        """).fetchnumpy()
        if len(result["customer_id"]) == 0:
            raise InputError(
                f"{self.path.name}: no purchase on or before the observation end "
                f"{end.date()}; check observation_end in engagement.yaml"
            )
        days = UNIT_DAYS[unit]
        return _by_customer(
            result["customer_id"],
            {
                "frequency": np.asarray(result["frequency"], dtype=float),
                "recency": np.asarray(result["recency_days"], dtype=float) / days,
                "T": np.asarray(result["t_days"], dtype=float) / days,
                "monetary_value": _snap(result["monetary"]),
                "revenue": _snap(result["total"]),
            },
        )

    def calibration_holdout(
        self,
        *,
        calibration_end: object,
        observation_end: object = None,
        time_unit: str = "days",
        period: str | None = None,
    ) -> pd.DataFrame:
        """:func:`helpers.ltv.calibration_holdout` of the file."""
        period = _check_unit(time_unit, period)
        cal_end = pd.Timestamp(calibration_end)
        end = self._end(observation_end)
        if not cal_end < end:
            raise InputError(
                f"calibration_end {cal_end.date()} must be before the observation end "
                f"{end.date()}; shorten ltv.holdout_months in engagement.yaml"
            )
        summary = self.rfm_summary(calibration_end=cal_end, time_unit=time_unit, period=period)
        cal = summary.add_suffix("_cal")
        trunc = "day" if period == "D" else "week"
        counts = self._execute(f"""
            SELECT customer_id,
                   count(DISTINCT date_trunc('{trunc}', CAST(order_date AS DATE))) AS n
            FROM tx
            WHERE order_date > {_ts(cal_end)} AND order_date <= {_ts(end)}
            GROUP BY customer_id
        """).fetchnumpy()
        holdout = pd.Series(
            np.asarray(counts["n"], dtype=float),
            index=pd.Index(np.asarray(counts["customer_id"], dtype=object), dtype="string"),
        )
        cal["frequency_holdout"] = holdout.reindex(cal.index, fill_value=0.0).to_numpy()
        n_days = _period_day(end, period) - _period_day(cal_end, period)
        cal["duration_holdout"] = n_days / UNIT_DAYS[time_unit]
        return cal

    def holdout_period(
        self, *, observation_end: object = None, holdout_months: int = 6
    ) -> tuple[pd.Timestamp, pd.Timestamp]:
        """:func:`helpers.ltv.holdout_period` of the file."""
        from helpers import ltv

        stats = self.stats()
        dates = pd.DataFrame({"order_date": [stats["first_date"], stats["last_date"]]})
        return ltv.holdout_period(
            dates, observation_end=observation_end, holdout_months=holdout_months
        )

    def rfm(
        self,
        *,
        observation_end: object = None,
        bins: int = 5,
        rules: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """:func:`helpers.customers.rfm` of the file."""
        from helpers import customers

        summary = self.rfm_summary(observation_end=observation_end, revenue=True)
        return customers.rfm_from_summary(summary, bins=bins, rules=rules)

    def main_channel(self, *, observation_end: object = None) -> pd.Series | None:
        """:func:`helpers.ltv.main_channel` of the lines up to ``observation_end`` (``None``:
        all lines), or ``None`` when the file has no channel."""
        if "channel" not in self.columns:
            return None
        where = "TRUE"
        if observation_end is not None:
            where = f"CAST(order_date AS DATE) <= DATE '{pd.Timestamp(observation_end).date()}'"
        result = self._execute(f"""
            WITH revenue AS (
                SELECT customer_id, channel, sum(coalesce(amount, 0)) AS amount
                FROM tx WHERE channel IS NOT NULL AND {where}
                GROUP BY customer_id, channel
            )
            SELECT customer_id, channel FROM revenue
            QUALIFY row_number() OVER (
                PARTITION BY customer_id ORDER BY amount DESC, channel ASC) = 1
        """).fetchnumpy()
        if len(result["customer_id"]) == 0:
            return None
        frame = _by_customer(
            result["customer_id"], {"channel": np.asarray(result["channel"], dtype=object)}
        )
        return frame["channel"].astype("string")

    def customer_lines(self) -> pd.DataFrame:
        """One line per customer: ``customer_id``, ``order_date`` (the last one) and
        ``amount`` (net revenue, all lines). For functions that only sum amounts per
        customer, such as :func:`helpers.diagnostic.concentration`."""
        self.stats()
        frame = self._execute(
            "SELECT customer_id, max(order_date) AS order_date, sum(amount) AS amount "
            "FROM tx GROUP BY customer_id ORDER BY customer_id"
        ).df()
        frame["customer_id"] = frame["customer_id"].astype("string")
        frame["amount"] = _snap(frame["amount"])
        return frame

    def monthly_revenue(self, *, start: object = None, end: object = None) -> pd.DataFrame:
        """:func:`helpers.diagnostic.monthly_revenue` of the file."""
        stats = self.stats()
        first = pd.Period(start if start is not None else stats["first_date"], "M")
        last = pd.Period(end if end is not None else stats["last_date"], "M")
        if last < first:
            raise InputError(f"monthly_revenue: end {last} is before start {first}")
        lo, hi = first.to_timestamp(), (last + 1).to_timestamp()
        orders = "DISTINCT order_id" if "order_id" in self.columns else "*"
        result = self._execute(f"""
            SELECT CAST(date_trunc('month', order_date) AS DATE) AS month,
                   sum(amount) AS revenue,
                   count({orders}) FILTER (WHERE amount > 0) AS orders,
                   count(DISTINCT customer_id) FILTER (WHERE amount > 0) AS customers
            FROM tx WHERE order_date >= {_ts(lo)} AND order_date < {_ts(hi)}
            GROUP BY month
        """).df()
        months = pd.period_range(first, last, freq="M")
        result.index = pd.PeriodIndex(pd.to_datetime(result["month"]), freq="M")
        return pd.DataFrame(
            {
                "month": months.to_timestamp(),
                "revenue": result["revenue"].reindex(months, fill_value=0.0).to_numpy(float),
                "orders": result["orders"].reindex(months, fill_value=0).to_numpy("int64"),
                "customers": result["customers"].reindex(months, fill_value=0).to_numpy("int64"),
            }
        )


class FrameTransactions:
    """Transactions loaded in pandas, with :class:`TransactionFile`'s methods, so that a
    notebook calls the same methods whichever engine the engagement uses.

    ``frame`` is the line-level table (``None`` for a :class:`TransactionFile`: sections
    that need lines check it).
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def rfm_summary(self, **kwargs: Any) -> pd.DataFrame:
        from helpers import ltv

        return ltv.rfm_summary(self.frame, **kwargs)

    def rfm(self, **kwargs: Any) -> pd.DataFrame:
        from helpers import customers

        return customers.rfm(self.frame, **kwargs)

    def calibration_holdout(self, **kwargs: Any) -> pd.DataFrame:
        from helpers import ltv

        return ltv.calibration_holdout(self.frame, **kwargs)

    def holdout_period(self, **kwargs: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
        from helpers import ltv

        return ltv.holdout_period(self.frame, **kwargs)

    def main_channel(self, *, observation_end: object = None) -> pd.Series | None:
        from helpers import ltv

        groupings = ltv.segment_groupings(transactions=self.frame, observation_end=observation_end)
        return groupings.get("channel")

    def customer_lines(self) -> pd.DataFrame:
        """The lines: their amounts sum per customer to its net revenue."""
        return self.frame

    def monthly_revenue(self, **kwargs: Any) -> pd.DataFrame:
        from helpers import diagnostic

        return diagnostic.monthly_revenue(self.frame, **kwargs)


#: sums of amounts smaller than this (in currency units) are zero (see :func:`_snap`)
ZERO_SUM = 1e-9


def _snap(values: object) -> np.ndarray:
    """Sums of amounts, with those below :data:`ZERO_SUM` in size set to 0.

    DuckDB adds the lines in another order than pandas, which leaves ±1e-14 where pandas
    has an exact 0 (a purchase and its refund): the Gamma-Gamma fit would take that
    customer's zero spend for a tiny positive one (log 1e-14) and move far away, and the
    concentration would count a zero customer as positive."""
    values = np.asarray(values, dtype=float)
    return np.where(np.abs(values) < ZERO_SUM, 0.0, values)


def _remove_orphans(folder: Path) -> None:
    """Remove the temporary folders of processes that ended without cleaning up (a
    notebook kernel stopped by papermill skips finalizers): they can hold gigabytes."""
    for path in folder.glob(f"{TEMP_PREFIX}*-*"):
        found = re.match(rf"{TEMP_PREFIX}(\d+)-", path.name)
        if found is None or not path.is_dir():
            continue
        try:
            os.kill(int(found.group(1)), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except OSError:  # alive, another user's
            continue


def _ts(value: pd.Timestamp) -> str:
    return f"TIMESTAMP '{pd.Timestamp(value).isoformat(sep=' ')}'"


def _period_day(value: pd.Timestamp, period: str) -> int:
    day = pd.Timestamp(value).normalize()
    if period == "W":
        day = day - pd.Timedelta(days=day.weekday())
    return int((day - pd.Timestamp("1970-01-01")).days)


def _by_customer(ids: object, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """A frame indexed by ``customer_id`` in Python's order (code points, as pandas sorts;
    DuckDB's collation would differ), typed ``string`` as :mod:`helpers.io` loads ids."""
    ids = np.asarray(ids, dtype=object)
    order = np.argsort(ids.astype(str), kind="stable")
    frame = pd.DataFrame(columns, index=pd.Index(ids, dtype="string", name="customer_id"))
    return frame.iloc[order]


def rfm_summary_duckdb(
    path: str | Path,
    *,
    observation_end: object = None,
    time_unit: str = "days",
    period: str | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int | None = DEFAULT_THREADS,
    **reading: Any,
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
        CSV (with a header) or Parquet file with a customer, an order date and an amount.
    observation_end
        End of the observation window; default the last order date in the file.
    time_unit, period
        As in :func:`helpers.ltv.rfm_summary`.
    memory_limit, threads
        DuckDB settings, see :class:`TransactionFile`.
    **reading
        The file's ``columns`` mapping and CSV format, see :class:`TransactionFile`.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (text, sorted): ``frequency``, ``recency``, ``T``,
        ``monetary_value`` (floats).
    """
    _check_unit(time_unit, period)
    with TransactionFile(path, memory_limit=memory_limit, threads=threads, **reading) as tx:
        return tx.rfm_summary(observation_end=observation_end, time_unit=time_unit, period=period)


__all__ = [
    "AUTO_DUCKDB_BYTES",
    "ENGINES",
    "CsvReading",
    "FrameTransactions",
    "TransactionFile",
    "choose_engine",
    "duckdb_available",
    "engine_for",
    "rfm_summary_duckdb",
]
