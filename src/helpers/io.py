"""Loading client tables the way consultants receive them.

Clients send CSV files exported by a French or an English Excel, or workbooks with a
title above the header; the kit needs canonical tables it can trust. :func:`read_table`
detects the file's format (encoding, separator, decimal mark, date format), maps the
client's column names onto the canonical ones of :mod:`helpers.schema`, converts every
column to its kind and checks the schema's rules. A table that breaks a rule raises one
:class:`~helpers.errors.DataError` naming the file, the column, the first offending rows
(as Excel shows them: the header is row 1) and what to do; things the kit can live with
(refund lines, zero amounts, repeated rows) are :class:`~helpers.errors.DataWarning`.
Raw files are only ever opened for reading.

Cells are read as text first (``007`` stays ``007``), then each column is converted on
its distinct values with vectorised operations, so a million-row export costs a few
times pandas' own parser. Columns are found by their exact name (surrounding spaces
ignored), else case-insensitively. Rows are numbered as Excel shows them (the header is
row 1, title rows above it count); blank rows are skipped but keep their numbers.

Detection rules (each one overridden by the argument of the same name, or the
``data.<source>.<option>`` key of ``engagement.yaml``):

encoding
    A byte-order mark decides (UTF-8 BOM: ``utf-8-sig``; UTF-16 BOM: ``utf-16``); else a
    file that decodes as UTF-8 is UTF-8; else it is cp1252 (Windows Excel).
separator
    For ``;``, tab, ``,`` and ``|``, the first records are split with :mod:`csv` and the
    most common number of fields is counted; the separator giving the most fields wins,
    ties going to ``;`` then tab then ``,`` (a tie between ``;`` and ``,`` is a French
    export whose amounts have decimal commas).
header row
    The first of the top rows holding the most of the expected column names (the mapped
    ones and the required ones); row 1 when none holds any. Rows above it are titles.
decimal mark
    Per numeric column: a value such as ``12,5`` or ``1.234,50`` votes for the comma,
    ``12.5`` or ``1,234.50`` for the point; values such as ``1,234`` vote for neither.
    Without votes the file decides: comma for a ``;``-separated CSV, point otherwise.
    Votes both ways are an error (the column mixes the two).
thousands
    Spaces (also U+00A0, U+202F, U+2009) and apostrophes inside a number are dropped;
    the mark that is not the decimal one is a thousands separator and must group three
    digits (``1.234,5`` is read, ``1.23,5`` is refused). Currency signs (``€ $ £ ¥``,
    ``EUR USD GBP CHF``) are dropped, ``(12,50)`` is negative and ``12 %`` is ``0.12``.
date format
    Every non-empty value is tried against ``yyyy-mm-dd``, ``dd/mm/yyyy``, ``mm/dd/yyyy``,
    ``dd-mm-yyyy``, ``dd.mm.yyyy``, ``yyyy/mm/dd``, ``dd/mm/yy`` and ``mm/dd/yy``, each
    optionally followed by a time (``hh:mm`` or ``hh:mm:ss``); the format that reads every
    value wins. When both ``dd/mm`` and ``mm/dd`` read every value (no day above 12), the
    ``dd/mm`` reading is taken for a French-formatted file (``;`` separator or decimal
    comma) and the load is refused otherwise, asking for ``date_format``. When no format
    reads every value, the format fitting most values is the column's; the error then
    names, in this order, dates of that shape that do not exist (``31/02/2024``), values
    no format reads, or values written in another format (mixed formats).
"""

from __future__ import annotations

import codecs
import csv
import difflib
import functools
import hashlib
import io
import json
import os
import re
import warnings
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.dtypes import StringDType

from helpers.config import CONFIG_FILE, EngagementConfig
from helpers.errors import ConfigError, DataError, DataWarning, InputError
from helpers.i18n import data_warning
from helpers.incremental import sha256_file
from helpers.schema import Column, Table
from helpers.schema import table as schema_table

#: Separators tried on CSV files, in order of preference when they tie.
CSV_SEPARATORS = (";", "\t", ",", "|")
#: Records read to detect the separator.
SNIFF_RECORDS = 50
#: Bytes decoded to detect the separator and the header row.
SNIFF_BYTES = 256 * 1024
#: Rows looked at for a header below title rows.
MAX_TITLE_ROWS = 10
#: Offending rows shown in an error message.
MAX_SHOWN = 5
#: Parsed workbooks kept in memory (the most recent ones), and the largest file kept.
WORKBOOK_CACHE_SIZE = 4
WORKBOOK_CACHE_BYTES = 20 * 1024 * 1024
_WORKBOOKS: dict[tuple[str, int, int], dict[str, _Sheet]] = {}
#: CSV files at least this large keep their frame in the engagement's table cache;
#: smaller ones are parsed faster than their frame is written and read back. Files above
#: the maximum are parsed by each notebook, as the cache would take as much room again.
TABLE_CACHE_MIN_BYTES = 100 * 1024
TABLE_CACHE_MAX_BYTES = 256 * 1024 * 1024
#: Bump when the layout of the cached frames changes.
TABLE_CACHE_LAYOUT = 1
#: Suffixes read as workbooks; anything else is read as delimited text.
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
#: Characters used as a space inside numbers (no-break, narrow no-break, thin).
SPACE_CHARS = " \u00a0\u202f\u2009"
#: Currency signs and codes dropped from amounts.
CURRENCY_SIGNS = "€$£¥"
CURRENCY_CODES = ("EUR", "USD", "GBP", "CHF")
#: Id values that mean "no id" (compared lower-case).
NULL_ID_TOKENS = frozenset({"nan", "null", "none", "n/a", "#n/a"})
#: Spellings of a true / false cell (compared lower-case); an empty cell is false.
TRUE_TOKENS = frozenset({"yes", "y", "true", "oui", "o", "vrai", "1", "x"})
FALSE_TOKENS = frozenset({"no", "n", "false", "non", "faux", "0", ""})

_EMPTY_FILE = "the file is empty; export the table again with its header row and its data"
_DATE_TIME_RE = r"^(?P<date>[^ T]+)(?:[ T](?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?$"


@dataclass(frozen=True)
class _DateFormat:
    strftime: str
    name: str
    shape: str
    #: formats that read the same shape differently (dd/mm vs mm/dd)
    day_first: bool | None = None


DATE_FORMATS: tuple[_DateFormat, ...] = (
    _DateFormat("%Y-%m-%d", "yyyy-mm-dd", r"\d{4}-\d{1,2}-\d{1,2}"),
    _DateFormat("%d/%m/%Y", "dd/mm/yyyy", r"\d{1,2}/\d{1,2}/\d{4}", day_first=True),
    _DateFormat("%m/%d/%Y", "mm/dd/yyyy", r"\d{1,2}/\d{1,2}/\d{4}", day_first=False),
    _DateFormat("%d-%m-%Y", "dd-mm-yyyy", r"\d{1,2}-\d{1,2}-\d{4}"),
    _DateFormat("%d.%m.%Y", "dd.mm.yyyy", r"\d{1,2}\.\d{1,2}\.\d{4}"),
    _DateFormat("%Y/%m/%d", "yyyy/mm/dd", r"\d{4}/\d{1,2}/\d{1,2}"),
    _DateFormat("%d/%m/%y", "dd/mm/yy", r"\d{1,2}/\d{1,2}/\d{2}", day_first=True),
    _DateFormat("%m/%d/%y", "mm/dd/yy", r"\d{1,2}/\d{1,2}/\d{2}", day_first=False),
)


@dataclass(frozen=True)
class CsvFormat:
    """What :func:`sniff_csv` found (or was told) about a delimited text file."""

    encoding: str
    sep: str


# ---------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------
def read_table(
    path: str | Path,
    *,
    table: Table | str,
    columns: Mapping[str, str] | None = None,
    sheet: str | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    thousands: str | None = None,
    encoding: str | None = None,
    date_format: str | None = None,
    header_row: int | None = None,
    label: str | None = None,
    workbook_cache: str | Path | None = None,
    table_cache: str | Path | None = None,
) -> pd.DataFrame:
    """Read a client table (CSV or ``.xlsx`` sheet) into a canonical, validated frame.

    Parameters
    ----------
    path
        The file; ``.xlsx``/``.xlsm`` are read as workbooks, anything else as delimited
        text. It is opened read-only.
    table
        The canonical table (:class:`helpers.schema.Table` or its name).
    columns
        Canonical name -> the client's column name. Unmapped canonical names are looked
        up as they are (then case-insensitively).
    sheet
        Worksheet of a workbook; default: the table's name.
    sep, decimal, thousands, encoding, date_format
        Format of a CSV (``date_format`` and ``decimal`` also apply to text cells of a
        workbook); ``None`` detects it (see the module docstring for the rules).
    header_row
        0-based row of the header, for files with title rows above it; ``None`` finds it.
    label
        How the file is named in messages; default: its name (and sheet).
    workbook_cache
        A folder where a workbook's parsed cells are kept, keyed by the file's content
        and the kit's reading code (see :func:`_load_workbook`); ``None`` parses the
        workbook in each new process. Ignored for CSV files.
    table_cache
        A folder where the frame read from a CSV file of :data:`TABLE_CACHE_MIN_BYTES`
        to :data:`TABLE_CACHE_MAX_BYTES` is kept, keyed by the file's content, the options
        and the kit's reading code (see :func:`_cached_table`), so that the other
        notebooks and later runs read it back instead of parsing the file again;
        ``None`` parses the file on every call. Ignored for workbooks.

    Returns
    -------
    pandas.DataFrame
        The canonical columns present in the file, in schema order (``id``, ``str`` and
        ``category`` as ``string``, ``float``, ``int`` as ``Int64``, ``date`` as
        ``datetime64[ns]``, ``bool`` as ``boolean``), then the extra columns when the
        table allows them. Rows are the non-blank rows of the file, in order.

    Raises
    ------
    DataError
        One error naming the file, the column, the first offending rows and the fix.

    Warns
    -----
    DataWarning
        Negative or zero amounts in transactions; rows repeated exactly.

    Examples
    --------
    >>> tx = read_table("data/raw/ventes.csv", table="transactions",
    ...                 columns={"customer_id": "N° client", "amount": "Montant TTC"})
    ... # doctest: +SKIP
    """
    schema = _resolve_table(table)
    path = Path(path)
    mapping = dict(columns or {})
    is_excel = path.suffix.lower() in EXCEL_SUFFIXES
    if is_excel:
        sheet = sheet or schema.name
        label = label or f'{path.name} (sheet "{sheet}")'
    else:
        label = label or path.name
    msg = _Messages(label=label, table=schema, mapping=mapping, is_excel=is_excel)
    _check_mapping(schema, mapping, msg)
    if decimal not in (None, ".", ","):
        raise DataError(
            f'{label}: decimal mark {decimal!r} is not supported; use "." or "," '
            f"in data.{schema.name}.decimal"
        )
    expected = _expected_names(schema, mapping)

    if not path.exists():
        raise DataError(f"{label}: file not found ({path}); check data.{schema.name}.path")
    if path.suffix.lower() == ".xls":
        raise DataError(
            f"{label}: old .xls workbooks are not read; open it in Excel and save it as "
            ".xlsx (or export the sheet as CSV)"
        )
    if (
        not is_excel
        and table_cache is not None
        and TABLE_CACHE_MIN_BYTES <= path.stat().st_size <= TABLE_CACHE_MAX_BYTES
    ):
        options = {
            "sep": sep,
            "decimal": decimal,
            "thousands": thousands,
            "encoding": encoding,
            "date_format": date_format,
            "header_row": header_row,
            "label": label,
        }
        parse = functools.partial(read_table, path, table=schema, columns=mapping, **options)
        key = {"table": schema.name, "columns": sorted(mapping.items()), **options}
        return _cached_table(path, key, Path(table_cache), parse)
    if is_excel:
        raw = _read_excel(
            path,
            sheet=sheet or schema.name,
            header_row=header_row,
            expected=expected,
            msg=msg,
            cache_dir=None if workbook_cache is None else Path(workbook_cache),
        )
    else:
        raw = _read_csv(
            path, sep=sep, encoding=encoding, header_row=header_row, expected=expected, msg=msg
        )
    return _build(
        raw,
        schema=schema,
        mapping=mapping,
        decimal=decimal,
        thousands=thousands,
        date_format=date_format,
        msg=msg,
    )


def load_source(
    config: EngagementConfig,
    source: str,
    *,
    workbook_cache: str | Path | None = None,
    table_cache: str | Path | None = None,
) -> pd.DataFrame:
    """Load the data source ``source`` declared in ``engagement.yaml`` (``data.<source>``).

    The path is relative to the engagement folder; a workbook's sheet defaults to the
    source name. Format options left out of the file are detected. ``workbook_cache``
    and ``table_cache``: see :func:`read_table`.

    Raises
    ------
    ConfigError
        The source is not declared or its file is missing.
    DataError
        The table breaks a rule (see :func:`read_table`).
    """
    spec = config.data.get(source)
    if spec is None:
        config.source_path(source)  # raises the ConfigError that says how to declare it
    path = config.root / spec.path
    if not path.exists():
        raise ConfigError(
            f"{CONFIG_FILE}: data.{source}.path: {spec.path} not found (paths are relative "
            f"to {config.root}); fix the path or remove the source"
        )
    is_excel = path.suffix.lower() in EXCEL_SUFFIXES
    frame = read_table(
        path,
        table=source,
        columns=spec.columns,
        sheet=spec.sheet or (source if is_excel else None),
        sep=spec.sep,
        decimal=spec.decimal,
        thousands=spec.thousands,
        encoding=spec.encoding,
        date_format=spec.date_format,
        header_row=spec.header_row,
        workbook_cache=workbook_cache,
        table_cache=table_cache,
    )
    _warn_after_observation_end(frame, config=config, source=source, label=path.name)
    return frame


def sniff_csv(
    path: str | Path, *, encoding: str | None = None, sep: str | None = None
) -> CsvFormat:
    """Detect the encoding and separator of a CSV file (rules in the module docstring)."""
    path = Path(path)
    with path.open("rb") as fh:
        data = fh.read()
    msg = _Messages(label=path.name, table=None, mapping={}, is_excel=False)
    enc = _detect_encoding(data, encoding, msg)
    text = _decode_head(data, enc)
    return CsvFormat(encoding=enc, sep=sep or _detect_separator(text))


# ---------------------------------------------------------------------------------------
# messages
# ---------------------------------------------------------------------------------------
@dataclass
class _Messages:
    """Everything an error message needs to name the file, the column and the fix."""

    label: str
    table: Table | None
    mapping: dict[str, str]
    is_excel: bool

    @property
    def key(self) -> str:
        return f"data.{self.table.name}" if self.table is not None else "data.<source>"

    @property
    def where(self) -> str:
        return "the sheet" if self.is_excel else "the export"

    def column(self, client: str, canonical: str | None) -> str:
        if canonical is None or canonical == client:
            return f'column "{client}"'
        return f'column "{client}" (mapped to {canonical})'

    def error(self, text: str) -> DataError:
        return DataError(f"{self.label}: {text}")


def _article(word: str) -> str:
    """``"a"`` or ``"an"`` before ``word`` (by its first letter: ``an item_id``)."""
    return "an" if word[:1].lower() in "aeiou" else "a"


def _quote(value: object) -> str:
    text = "" if value is None else str(value).strip()
    return "(empty)" if text == "" else f'"{text}"'


def _rows_phrase(rows: np.ndarray, total: int) -> str:
    shown = ", ".join(str(int(r)) for r in rows[:MAX_SHOWN])
    if total == 1:
        return f"row {shown}"
    if total <= MAX_SHOWN:
        return f"rows {shown}"
    return f"{total} rows, first {shown}"


def _values_phrase(values: list[object]) -> str:
    seen: dict[str, None] = {}
    for v in values:
        seen.setdefault(_quote(v), None)
    return ", ".join(seen)


def _names_phrase(names: list[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


# ---------------------------------------------------------------------------------------
# reading the cells
# ---------------------------------------------------------------------------------------
@dataclass
class _Raw:
    """A file's cells as text: its header, its non-blank data rows and their numbers."""

    header: list[str]
    cells: list[_Cells]  # one per column of the file, factorised
    rows: np.ndarray  # row number of each data row as the user sees it (header = its row)
    french: bool  # ';'-separated CSV


def _resolve_table(table: Table | str) -> Table:
    if isinstance(table, Table):
        return table
    try:
        return schema_table(table)
    except KeyError as exc:
        raise InputError(exc.args[0]) from None


def _check_mapping(schema: Table, mapping: dict[str, str], msg: _Messages) -> None:
    known = {c.name for c in schema.columns}
    seen: dict[str, str] = {}
    for canonical, client in mapping.items():
        if canonical not in known and not schema.allow_extra:
            close = difflib.get_close_matches(canonical, known, n=1)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            raise msg.error(
                f"{msg.key}.columns maps {canonical}, which is not a column of "
                f"{schema.name}{hint} (known: {', '.join(sorted(known))})"
            )
        if client in seen:
            raise msg.error(
                f'column "{client}" is mapped to both {seen[client]} and {canonical} '
                f"({msg.key}.columns in {CONFIG_FILE}); map each canonical name to its own "
                "column"
            )
        seen[client] = canonical


def _expected_names(schema: Table, mapping: dict[str, str]) -> list[str]:
    names = [mapping.get(c.name, c.name) for c in schema.columns if c.required]
    names += [client for canonical, client in mapping.items() if client not in names]
    return names


def _find_header(rows: list[list[str]], expected: list[str]) -> int:
    """Index of the first row holding the most expected names (0 when none holds any)."""
    wanted = {n.strip() for n in expected}
    wanted_lower = {n.lower() for n in wanted}
    best, best_count = 0, 0
    for i, row in enumerate(rows[: MAX_TITLE_ROWS + 1]):
        cells = {str(c).strip() for c in row}
        count = len(wanted & cells) or len(wanted_lower & {c.lower() for c in cells})
        if count > best_count:
            best, best_count = i, count
    return best


def _detect_encoding(data: bytes, encoding: str | None, msg: _Messages) -> str:
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise msg.error(
                f"unknown encoding {encoding!r} in {msg.key}.encoding; use utf-8 or cp1252, "
                "or remove it to let the kit detect the encoding"
            ) from None
        _check_forced_encoding(data, encoding, msg)
        return encoding
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    try:
        data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise msg.error(
            f"is neither UTF-8 nor cp1252 text (byte 0x{data[exc.start]:02x} on line "
            f'{line}); save it again from Excel as "CSV UTF-8" or set the encoding in '
            f"{msg.key}.encoding"
        ) from None
    return "cp1252"


def _check_forced_encoding(data: bytes, encoding: str, msg: _Messages) -> None:
    name = codecs.lookup(encoding).name
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        guess = "cp1252 (Windows Excel)" if name.startswith("utf") else "UTF-8"
        raise msg.error(
            f"cannot be read as {encoding} (byte 0x{data[exc.start]:02x} on line {line}); "
            f"the file looks like {guess}: fix {msg.key}.encoding or remove it to let the "
            "kit detect the encoding"
        ) from None
    if name.startswith("utf") or data.isascii():
        return
    try:
        as_utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    sample = next(ch for ch in as_utf8 if ord(ch) > 127)
    wrong = sample.encode("utf-8").decode(encoding, errors="replace")
    raise msg.error(
        f'is UTF-8 but {msg.key}.encoding says {encoding}, which would read "{sample}" as '
        f'"{wrong}"; set it to utf-8 or remove it to let the kit detect the encoding'
    )


def _decode_head(data: bytes, encoding: str) -> str:
    head = data[:SNIFF_BYTES]
    return head.decode(encoding, errors="ignore")


def _sniff_records(text: str, sep: str, limit: int) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
            if len(records) >= limit:
                break
    except csv.Error:
        pass
    return records


def _detect_separator(text: str) -> str:
    best, best_fields = ",", 1
    for sep in CSV_SEPARATORS:
        counts = [len(r) for r in _sniff_records(text, sep, SNIFF_RECORDS) if any(r)]
        if not counts:
            continue
        values, freq = np.unique(counts, return_counts=True)
        mode = int(values[freq == freq.max()].max())
        if mode > best_fields:
            best, best_fields = sep, mode
    return best


_PARSER_LINE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _read_csv(
    path: Path,
    *,
    sep: str | None,
    encoding: str | None,
    header_row: int | None,
    expected: list[str],
    msg: _Messages,
) -> _Raw:
    with path.open("rb") as fh:
        data = fh.read()
    if data.startswith(b"PK\x03\x04"):
        raise msg.error(
            "is an Excel workbook, not a CSV file; rename it to .xlsx (and set "
            f"{msg.key}.path) or export the sheet as CSV"
        )
    if not data.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise msg.error(_EMPTY_FILE)
    enc = _detect_encoding(data, encoding, msg)
    head = _decode_head(data, enc)
    if sep is None:
        sep = _detect_separator(head)
    if header_row is None:
        header_row = _find_header(_sniff_records(head, sep, MAX_TITLE_ROWS + 1), expected)
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            sep=sep,
            header=None,
            skiprows=header_row,
            dtype=object,
            na_filter=False,
            skip_blank_lines=False,
            encoding=enc,
            quotechar='"',
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise msg.error(
            f"has nothing at or below row {header_row + 1}; check {msg.key}.header_row"
        ) from None
    except pd.errors.ParserError as exc:
        found = _PARSER_LINE.search(str(exc))
        if found is None:
            raise msg.error(
                f"cannot be read as a CSV file with separator {sep!r} ({exc})"
            ) from None
        n_header, line, n_row = (int(g) for g in found.groups())
        raise msg.error(
            f"row {line + header_row} has {n_row} values but the header has {n_header} "
            f'columns; a "{sep}" inside a value? put that value in quotes, fix the export, '
            f"or set {msg.key}.sep"
        ) from None
    first = header_row + 1
    return _split_header(frame, first_row=first, french=sep == ";", msg=msg)


def _split_header(frame: pd.DataFrame, *, first_row: int, french: bool, msg: _Messages) -> _Raw:
    """Turn a frame of text cells whose first row is the header into a :class:`_Raw`.

    Every column is factorised once here; blank rows (blank lines, lines of separators
    only) are dropped using the codes, without comparing strings row by row.
    """
    header = ["" if pd.isna(c) else str(c).replace("\ufeff", "").strip() for c in frame.iloc[0]]
    rows = np.arange(first_row + 1, first_row + len(frame))
    columns = [
        _Cells.of(frame[c].to_numpy()[1:], client=h, canonical=None, rows=rows)
        for c, h in zip(frame.columns, header, strict=True)
    ]
    blank = np.ones(len(rows), dtype=bool)
    for cells in columns:
        blank &= cells.empty[cells.codes]
    if blank.any():
        rows = rows[~blank]
        columns = [c.subset(~blank, rows) for c in columns]
    if not any(header) and not len(rows):
        raise msg.error(_EMPTY_FILE)
    if not len(rows):
        raise msg.error(
            "the file has a header but no data rows; export the table again with its rows"
        )
    return _Raw(header=header, cells=columns, rows=rows, french=french)


def _excel_text(value: object) -> str:
    """A workbook cell as the text a CSV export would hold (ISO dates, point decimals)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


@dataclass(frozen=True)
class _Sheet:
    """A worksheet's cells as text, and the ranges of its merged cells."""

    cells: tuple[tuple[str, ...], ...]
    merged: tuple[tuple[int, int, int, int, str], ...]  # min_row, max_row, min_col, max_col, A1


def _load_workbook(path: Path, msg: _Messages, cache_dir: Path | None = None) -> dict[str, _Sheet]:
    """Every sheet of a workbook, read once per version of the file.

    Workshop workbooks hold a dozen sheets that notebooks load one by one; the parsed
    workbook is kept for the same file (path, size and modification time), so each
    load does not parse the whole workbook again. With ``cache_dir`` (the engagement's
    cache), the parsed cells are also written there as JSON named by the hash of the
    file's bytes, the reading code and openpyxl's version, so that the other notebooks,
    each in its own kernel, and later runs neither import openpyxl nor parse the workbook
    again. A changed file or kit has another name and is parsed again; writing a new
    version removes the older ones of the same path; an unreadable cache file is ignored.
    """
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _WORKBOOKS:
        return _WORKBOOKS[key]
    cached = None
    if cache_dir is not None and stat.st_size <= WORKBOOK_CACHE_BYTES:
        from importlib.metadata import version

        cached = _cache_file(cache_dir, path, ".json", version("openpyxl"))
        sheets = _read_cached_workbook(cached)
        if sheets is not None:
            _remember_workbook(key, sheets)
            return sheets
    sheets = _parse_workbook(path, msg)
    if stat.st_size <= WORKBOOK_CACHE_BYTES:
        _remember_workbook(key, sheets)
    if cached is not None:
        _write_cached_workbook(cached, sheets)
    return sheets


def _remember_workbook(key: tuple[str, int, int], sheets: dict[str, _Sheet]) -> None:
    while len(_WORKBOOKS) >= WORKBOOK_CACHE_SIZE:
        _WORKBOOKS.pop(next(iter(_WORKBOOKS)))
    _WORKBOOKS[key] = sheets


def _read_cached_workbook(path: Path) -> dict[str, _Sheet] | None:
    """The sheets :func:`_write_cached_workbook` wrote, or ``None`` (missing, damaged)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {
            title: _Sheet(
                cells=tuple(tuple(str(v) for v in row) for row in sheet["cells"]),
                merged=tuple(
                    (int(a), int(b), int(c), int(d), str(e)) for a, b, c, d, e in sheet["merged"]
                ),
            )
            for title, sheet in raw.items()
        }
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def _write_cached_workbook(path: Path, sheets: dict[str, _Sheet]) -> None:
    """Write parsed sheets as a cache file (see :func:`_write_cache_file`)."""
    data = {t: {"cells": sh.cells, "merged": sh.merged} for t, sh in sheets.items()}
    text = json.dumps(data, ensure_ascii=False)
    _write_cache_file(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _parse_workbook(path: Path, msg: _Messages) -> dict[str, _Sheet]:
    """Every sheet of the workbook at ``path`` as text cells (with openpyxl)."""
    import openpyxl

    with path.open("rb") as fh:  # read-only: the workbook is never saved
        try:
            book = openpyxl.load_workbook(fh, data_only=True)
        except Exception as exc:  # openpyxl raises zipfile/KeyError/... on damaged files
            raise msg.error(
                f"cannot be opened as an Excel workbook ({exc.__class__.__name__}); open it "
                "in Excel and save it again as .xlsx"
            ) from None
    try:
        sheets = {
            ws.title: _Sheet(
                cells=tuple(
                    tuple(_excel_text(v) for v in row) for row in ws.iter_rows(values_only=True)
                ),
                merged=tuple(
                    (r.min_row, r.max_row, r.min_col, r.max_col, r.coord)
                    for r in ws.merged_cells.ranges
                ),
            )
            for ws in book.worksheets
        }
    finally:
        book.close()
    return sheets


def _read_excel(
    path: Path,
    *,
    sheet: str,
    header_row: int | None,
    expected: list[str],
    msg: _Messages,
    cache_dir: Path | None = None,
) -> _Raw:
    book = _load_workbook(path, msg, cache_dir)
    if sheet not in book:
        names = list(book)
        close = difflib.get_close_matches(sheet, names, n=1, cutoff=0.75)
        lower = [s for s in names if s.strip().lower() == sheet.strip().lower()]
        hint = lower or close
        did = f' (did you mean "{hint[0]}"?)' if hint else ""
        raise DataError(
            f'{path.name}: no sheet "{sheet}"{did}; the workbook has sheets '
            f"{_names_phrase(names)}; rename the sheet or set {msg.key}.sheet in {CONFIG_FILE}"
        )
    values = [list(row) for row in book[sheet].cells]
    merged = book[sheet].merged
    if not any(any(c.strip() for c in row) for row in values):
        raise msg.error("the sheet is empty; fill it in (header row, then one row per item)")
    if header_row is None:
        header_row = _find_header(values, expected)
    if header_row >= len(values):
        raise msg.error(f"has no row {header_row + 1}; check {msg.key}.header_row")
    excel_row = header_row + 1
    for min_row, max_row, min_col, max_col, coord in merged:
        if min_row <= excel_row <= max_row and max_col > min_col:
            raise msg.error(
                f"the header (row {excel_row}) has merged cells {coord}; unmerge them so "
                "that every column has its own name in the header row"
            )
    width = max(len(r) for r in values)
    frame = pd.DataFrame([r + [""] * (width - len(r)) for r in values[header_row:]], dtype=object)
    return _split_header(frame, first_row=excel_row, french=False, msg=msg)


# ---------------------------------------------------------------------------------------
# converting and checking
# ---------------------------------------------------------------------------------------
@dataclass
class _Cells:
    """One column of the file, factorised: conversions run on its distinct values."""

    client: str
    canonical: str | None
    codes: np.ndarray
    uniques: pd.Series  # distinct texts (object)
    rows: np.ndarray

    @classmethod
    def of(
        cls, values: np.ndarray, *, client: str, canonical: str | None, rows: np.ndarray
    ) -> _Cells:
        codes, uniques = pd.factorize(values)
        text = pd.Series(uniques, dtype=object)
        missing = codes < 0  # cells missing from short rows: read them as empty
        if missing.any():
            codes = np.where(missing, len(text), codes)
            text = pd.concat([text, pd.Series([""], dtype=object)], ignore_index=True)
        return cls(client, canonical, codes, text, rows)

    def subset(self, keep: np.ndarray, rows: np.ndarray) -> _Cells:
        """The rows in ``keep`` only (distinct values no kept row uses are dropped)."""
        codes, used = pd.factorize(self.codes[keep])
        uniques = self.uniques.iloc[used].reset_index(drop=True)
        return _Cells(self.client, self.canonical, codes, uniques, rows)

    def named(self, client: str, canonical: str | None) -> _Cells:
        return _Cells(client, canonical, self.codes, self.uniques, self.rows)

    def stripped(self) -> _Cells:
        """The same column with surrounding spaces removed (``" a"`` and ``"a"`` merge)."""
        text = self.uniques.str.strip()
        if text.equals(self.uniques):
            return self
        codes, uniques = pd.factorize(text.to_numpy())
        return _Cells(
            self.client,
            self.canonical,
            codes[self.codes],
            pd.Series(uniques, dtype=object),
            self.rows,
        )

    @property
    def empty(self) -> np.ndarray:
        """Mask over the distinct values: which are empty."""
        return (self.uniques == "").to_numpy()

    def offending(self, bad: np.ndarray) -> tuple[str, str] | None:
        """(rows phrase, values phrase) for the rows whose distinct value is ``bad``."""
        if not bad.any():
            return None
        positions = np.flatnonzero(bad[self.codes])
        shown = positions[:MAX_SHOWN]
        values = [self.uniques.iloc[c] for c in self.codes[shown]]
        return _rows_phrase(self.rows[shown], len(positions)), _values_phrase(values)


def _build(
    raw: _Raw,
    *,
    schema: Table,
    mapping: dict[str, str],
    decimal: str | None,
    thousands: str | None,
    date_format: str | None,
    msg: _Messages,
) -> pd.DataFrame:
    located = _locate_columns(raw, schema, mapping, msg)
    n = len(raw.rows)

    def cells_at(pos: int, client: str, canonical: str | None) -> _Cells:
        return raw.cells[pos].named(client, canonical)

    out: dict[str, object] = {}
    french = raw.french or decimal == ","
    # numbers first: a decimal comma found in them makes the file French for the dates
    order = sorted(located, key=lambda c: c.kind not in ("float", "int"))
    for col in order:
        pos = located[col]
        cells = cells_at(pos, raw.header[pos], col.name)
        values, used = _convert(
            cells,
            col,
            decimal=decimal,
            thousands=thousands,
            date_format=date_format,
            french=french,
            msg=msg,
        )
        french = french or used == ","
        out[col.name] = values

    frame = pd.DataFrame(
        {c.name: out[c.name] for c in schema.columns if c.name in out}, index=pd.RangeIndex(n)
    )
    if schema.allow_extra:
        renamed = {client: canonical for canonical, client in mapping.items()}
        used_pos = set(located.values())
        for pos, name in enumerate(raw.header):
            if pos in used_pos or not name or name in frame.columns:
                continue
            cells = cells_at(pos, name, None)
            frame[renamed.get(name, name)] = _convert_extra(
                cells, decimal=decimal, thousands=thousands, french=french
            )
    if schema.unique:
        _check_unique(frame, schema, raw, located, msg)
    _warn_duplicates(raw, msg)
    if schema.name == "transactions" and "amount" in frame:
        _warn_amounts(frame["amount"], msg)
    return frame


def _locate_columns(
    raw: _Raw, schema: Table, mapping: dict[str, str], msg: _Messages
) -> dict[Column, int]:
    header = raw.header
    located: dict[Column, int] = {}
    missing: list[str] = []
    has = _names_phrase([h for h in header if h])
    single = (
        f" (a single column: is the separator right? set {msg.key}.sep)"
        if len([h for h in header if h]) == 1 and not msg.is_excel
        else ""
    )

    def positions(name: str) -> list[int]:
        exact = [i for i, h in enumerate(header) if h == name.strip()]
        if exact:
            return exact
        return [i for i, h in enumerate(header) if h.lower() == name.strip().lower()]

    for col in schema.columns:
        mapped = col.name in mapping
        client = mapping.get(col.name, col.name)
        found = positions(client)
        if not found:
            if mapped:
                close = difflib.get_close_matches(client, header, n=1, cutoff=0.6)
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                raise msg.error(
                    f'column "{client}" (mapped to {col.name} by {msg.key}.columns.'
                    f"{col.name}) is not in the file{hint}; the file has columns {has}"
                    f"{single}; fix {msg.key}.columns.{col.name} in {CONFIG_FILE}"
                )
            if col.required:
                missing.append(col.name)
            continue
        if len(found) > 1:
            cols = ", ".join(str(i + 1) for i in found)
            raise msg.error(
                f'column "{header[found[0]]}" appears {len(found)} times in the header '
                f"(columns {cols}); rename the copies in {msg.where}"
            )
        located[col] = found[0]
    if missing:
        keys = [f"{msg.key}.columns.{m}" for m in missing]
        keys = keys[0] if len(keys) == 1 else ", ".join(keys[:-1]) + " and " + keys[-1]
        what = (
            f"required column {missing[0]} is missing"
            if len(missing) == 1
            else f"required columns {', '.join(missing)} are missing"
        )
        raise msg.error(
            f"{what}; the file has columns {has}{single}; name the client's column in "
            f"{CONFIG_FILE} with {keys}"
        )
    return located


def _convert(
    cells: _Cells,
    col: Column,
    *,
    decimal: str | None,
    thousands: str | None,
    date_format: str | None,
    french: bool,
    msg: _Messages,
) -> tuple[object, str | None]:
    """Convert one located column; returns the values and the decimal mark used."""
    what = msg.column(cells.client, cells.canonical)
    numeric = col.kind in ("float", "int")
    if numeric:
        # numbers are cleaned (spaces, currency) without a separate strip pass
        parsed, bad, used, empty = _parse_numbers(
            cells, decimal=decimal, thousands=thousands, french=french, msg=msg, what=what
        )
    else:
        cells = cells.stripped()
        empty = cells.empty
    if col.kind == "id":
        empty = empty | cells.uniques.str.lower().isin(NULL_ID_TOKENS).to_numpy()
    if col.kind != "bool" and not col.allows_empty and empty.any():
        rows, values = cells.offending(empty)
        shown = f": {values}" if col.kind == "id" and values != "(empty)" else ""
        raise msg.error(
            f"{what} has no value in {rows}{shown}; every row needs "
            f"{_article(col.name)} {col.name}: fill them in or remove those rows from {msg.where}"
        )
    if numeric:
        if bad.any():
            rows, values = cells.offending(bad)
            raise msg.error(
                f"{what} has text in {rows}: {values}; fix {msg.where} or map another column"
            )
        if col.kind == "int":
            fractional = ~np.isnan(parsed) & (parsed != np.round(parsed))
            if fractional.any():
                rows, values = cells.offending(fractional)
                raise msg.error(
                    f"{what} has numbers that are not whole in {rows}: {values}; "
                    f"use whole numbers in {msg.where}"
                )
        _check_range(cells, col, parsed, msg, what)
        result = parsed[cells.codes]
        if col.kind == "int":
            return pd.array(result, dtype="Float64").astype("Int64"), used
        return result, used
    if col.kind == "date":
        parsed = _parse_dates(cells, date_format=date_format, french=french, msg=msg, what=what)
        return pd.DatetimeIndex(parsed).take(cells.codes).astype("datetime64[ns]").to_numpy(), None
    if col.kind == "bool":
        lower = cells.uniques.str.lower()
        truth = lower.isin(TRUE_TOKENS).to_numpy()
        bad = ~(truth | lower.isin(FALSE_TOKENS).to_numpy())
        if bad.any():
            rows, values = cells.offending(bad)
            raise msg.error(
                f"{what} has values that are not yes/no in {rows}: {values}; use "
                "yes/no, true/false, oui/non, 1/0 or x/empty"
            )
        return pd.array(truth[cells.codes], dtype="boolean"), None
    # id, str, category: text
    texts = cells.uniques.where(~empty, None)
    if col.allowed is not None:
        allowed = {_norm_label(a): a for a in col.allowed}
        normed = texts.str.strip().str.lower().str.replace(r"[\s_-]+", " ", regex=True)
        known = normed.isin(allowed.keys()).to_numpy()
        bad = ~empty & ~known
        if bad.any():
            rows, values = cells.offending(bad)
            raise msg.error(
                f"{what} has values that are not allowed in {rows}: {values}; "
                f"allowed: {', '.join(col.allowed)}; correct them in {msg.where}"
            )
        texts = normed.map(allowed)
    return pd.array(texts.to_numpy(dtype=object), dtype="string").take(cells.codes), None


def _norm_label(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text.strip().lower())


def _check_range(cells: _Cells, col: Column, parsed: np.ndarray, msg: _Messages, what: str) -> None:
    if col.min is None and col.max is None:
        return
    with np.errstate(invalid="ignore"):
        low = parsed < col.min if col.min is not None else np.zeros(len(parsed), bool)
        high = parsed > col.max if col.max is not None else np.zeros(len(parsed), bool)
    bad = low | high
    if not bad.any():
        return
    if col.min is not None and col.max is not None:
        bound = f"outside {col.min:g} to {col.max:g}"
    elif col.min is not None:
        bound = f"below {col.min:g}"
    else:
        bound = f"above {col.max:g}"
    rows, values = cells.offending(bad)
    raise msg.error(f"{what} has values {bound} in {rows}: {values}; correct them in {msg.where}")


# ---- numbers --------------------------------------------------------------------------
#: Characters dropped from every number before parsing: currency signs, spaces, apostrophe.
_NUMBER_DROP_CHARS = CURRENCY_SIGNS + "'\t\r\n" + SPACE_CHARS
_CURRENCY_CODES = rf"(?<![A-Za-z])(?:{'|'.join(CURRENCY_CODES)})(?![A-Za-z])"


def _strict_number(decimal: str, group: str | None) -> str:
    """The full pattern of a number once spaces and currency signs are gone."""
    dec = re.escape(decimal)
    grouped = rf"\d{{1,3}}(?:{re.escape(group)}\d{{3}})+|" if group else ""
    exponent = r"(?:[eE][-+]?\d+)?" if decimal == "." else ""
    return rf"[-+]?(?=[\d{dec}]*\d)(?:{grouped}\d*)(?:{dec}\d*)?{exponent}"


def _to_float(
    text: np.ndarray, decimal: str, group: str | None, present: str | None = None
) -> np.ndarray:
    """Read numbers from cleaned text (``numpy`` strings); what cannot be read is NaN.

    ``present``: every character of the values, when known (a mark none of them holds
    is not replaced).
    """
    if group and (present is None or group in present):
        text = np.strings.replace(text, group, "")
    if decimal == "," and (present is None or "," in present):
        text = np.strings.replace(text, ",", ".")
    text = np.where(np.strings.str_len(text) == 0, "nan", text).astype(StringDType())
    try:
        return text.astype(np.float64)
    except ValueError:  # some value is not a number: read the others one by one in C
        return np.array(pd.to_numeric(pd.Series(text.astype(object)), errors="coerce"), dtype=float)


def _decimal_votes(text: np.ndarray, present: str) -> tuple[np.ndarray, np.ndarray]:
    """Which values can only be read with a decimal comma, and which with a point.

    ``12,5``, ``0,125``, ``1.234,5`` and ``1.234.567`` vote for the comma (and their
    mirror images for the point); ``1,234`` votes for neither. ``present``: every
    character of the values (a mark that is not there is found nowhere, without
    searching the values for it).
    """
    s = np.strings
    length = s.str_len(text)
    nowhere = np.zeros(len(text), dtype=bool)
    last = {m: s.rfind(text, m) if m in present else np.full(len(text), -1) for m in ",."}
    count = {m: s.count(text, m) if m in present else np.zeros(len(text), int) for m in ",."}
    votes = []
    for mark, other in ((",", "."), (".", ",")):
        leading_zero = (
            (
                s.startswith(text, "0" + mark)
                | s.startswith(text, "-0" + mark)
                | s.startswith(text, "+0" + mark)
            )
            if mark in present
            else nowhere
        )
        decimals = length - last[mark] - 1
        single = (count[mark] == 1) & (last[mark] > last[other])
        votes.append(
            (single & ((decimals != 3) | (count[other] > 0) | leading_zero))
            | ((count[mark] == 0) & (count[other] >= 2))
        )
    return votes[0], votes[1]


def _parse_numbers(
    cells: _Cells,
    *,
    decimal: str | None,
    thousands: str | None,
    french: bool,
    msg: _Messages,
    what: str,
) -> tuple[np.ndarray, np.ndarray, str, np.ndarray]:
    """Parse the distinct values of a numeric column.

    Returns the values, the mask of values that are not numbers, the decimal mark used
    and the mask of empty values. The common case is a few passes of ``numpy.strings``
    over the distinct values; only values that this fast reading rejects, or that hold a
    thousands mark whose grouping must be checked, go through the stricter regex reading.
    """
    text = np.asarray(cells.uniques.to_numpy(dtype=object), dtype=StringDType())
    present = "".join(cells.uniques)  # one pass in C tells which characters occur at all
    for char in _NUMBER_DROP_CHARS:
        if char in present:
            text = np.strings.replace(text, char, "")
    empty = np.strings.str_len(text) == 0
    if decimal is None:
        comma, dot = _decimal_votes(text, present)
        if comma.any() and dot.any():
            c_rows, c_vals = cells.offending(comma)
            d_rows, d_vals = cells.offending(dot)
            verb = "uses" if c_rows.startswith("row ") else "use"
            raise msg.error(
                f"{what} mixes decimal marks: {c_rows} {verb} a comma ({c_vals}), {d_rows} a "
                f"point ({d_vals}); export the column in one format or set {msg.key}.decimal "
                'to "," or "."'
            )
        decimal = "," if comma.any() else "." if dot.any() else ("," if french else ".")
    if thousands is None:
        group: str | None = "." if decimal == "," else ","
    elif thousands in SPACE_CHARS:
        group = None  # spaces are dropped from every number
    else:
        group = thousands
    if group == decimal:
        raise msg.error(
            f'{msg.key}.thousands and the decimal mark are both "{decimal}"; set one of them '
            "to another character"
        )
    values = _to_float(text, decimal, group, present)
    # Python's float() also reads "1_000", "infinity", "nan": send those to the strict path
    suspect = ~empty & ~np.isfinite(values)
    if "_" in present:
        suspect |= np.strings.find(text, "_") >= 0
    if group and group in present:
        suspect |= np.strings.find(text, group) >= 0
    bad = np.zeros(len(values), dtype=bool)
    if suspect.any():
        sub = pd.Series(text[suspect].astype(object), dtype=object)
        sub = sub.str.replace(_CURRENCY_CODES, "", regex=True).str.strip()
        negative = sub.str.fullmatch(r"\(.*\)").to_numpy(dtype=bool)
        sub = sub.where(~negative, sub.str.slice(1, -1).str.strip())
        percent = sub.str.endswith("%").to_numpy(dtype=bool)
        sub = sub.where(~percent, sub.str.slice(0, -1).str.strip())
        ok = sub.str.fullmatch(_strict_number(decimal, group)).to_numpy(dtype=bool)
        cleaned = np.asarray(sub.where(ok, "").to_numpy(dtype=object), dtype=StringDType())
        fixed = np.where(ok, _to_float(cleaned, decimal, group), np.nan)
        fixed = np.where(negative, -fixed, fixed)
        fixed = np.where(percent, fixed / 100, fixed)
        values[suspect] = fixed
        bad[suspect] = ~np.isfinite(fixed)
    return values, bad, decimal, empty


def _convert_extra(
    cells: _Cells, *, decimal: str | None, thousands: str | None, french: bool
) -> object:
    """An extra column: numbers if every value is one, dates likewise, else text."""
    cells = cells.stripped()
    empty = cells.empty
    texts = pd.array(cells.uniques.where(~empty, None).to_numpy(dtype=object), dtype="string").take(
        cells.codes
    )
    if empty.all():
        return texts
    quiet = _Messages(label="", table=None, mapping={}, is_excel=False)
    try:
        values, bad, _, _ = _parse_numbers(
            cells, decimal=decimal, thousands=thousands, french=french, msg=quiet, what=""
        )
    except DataError:
        return texts
    if not bad.any():
        return values[cells.codes]
    try:
        dates = _parse_dates(cells, date_format=None, french=french, msg=quiet, what="")
    except DataError:
        return texts
    return pd.DatetimeIndex(dates).take(cells.codes).astype("datetime64[ns]").to_numpy()


# ---- dates ----------------------------------------------------------------------------
def _date_separators(fmt: _DateFormat) -> set[str]:
    """The characters between a format's day, month and year (one of them is in every
    value of its shape)."""
    return set(fmt.strftime) - set("%dmYy")


def _parse_dates(
    cells: _Cells, *, date_format: str | None, french: bool, msg: _Messages, what: str
) -> pd.DatetimeIndex:
    """Parse the distinct values of a date column (rules in the module docstring)."""
    empty = cells.empty
    uniques = cells.uniques
    if date_format is not None:
        parsed = pd.to_datetime(uniques.where(~empty, None), format=date_format, errors="coerce")
        bad = ~empty & parsed.isna().to_numpy()
        if bad.any():
            rows, values = cells.offending(bad)
            raise msg.error(
                f'{what} has values that do not match date_format "{date_format}" in {rows}: '
                f"{values}; fix {msg.where} or change {msg.key}.date_format"
            )
        return pd.DatetimeIndex(parsed)

    parts = uniques.str.extract(_DATE_TIME_RE)
    day, clock = parts["date"], parts["time"]
    shape: dict[_DateFormat, np.ndarray] = {}
    parsed: dict[_DateFormat, pd.Series] = {}
    # a shape is matched once (dd/mm and mm/dd share theirs), and not at all when no
    # value holds its separator
    present = "".join(day.dropna())
    fits_by_shape: dict[str, np.ndarray] = {}
    for fmt in DATE_FORMATS:
        if fmt.shape not in fits_by_shape:
            if any(sep in present for sep in _date_separators(fmt)):
                matched = day.str.fullmatch(fmt.shape).fillna(False).to_numpy(dtype=bool)
                fits_by_shape[fmt.shape] = matched & ~empty
            else:
                fits_by_shape[fmt.shape] = np.zeros(len(day), dtype=bool)
        fits = fits_by_shape[fmt.shape]
        shape[fmt] = fits
        if fits.any():
            parsed[fmt] = pd.to_datetime(
                day.where(fits, None), format=fmt.strftime, errors="coerce"
            )
        else:
            parsed[fmt] = pd.Series(pd.NaT, index=uniques.index, dtype="datetime64[ns]")
    reads = {f: parsed[f].notna().to_numpy() for f in DATE_FORMATS}
    n_values = int((~empty).sum())
    if n_values == 0:
        return pd.DatetimeIndex(pd.Series(pd.NaT, index=uniques.index, dtype="datetime64[ns]"))
    complete = [f for f in DATE_FORMATS if n_values and reads[f].sum() == n_values]

    if len(complete) > 1:
        day_first = [f for f in complete if f.day_first]
        if french and day_first:
            chosen = day_first[0]
        else:
            example = uniques[~empty].iloc[0]
            options = " or ".join(f'"{f.strftime}"' for f in complete)
            raise msg.error(
                f"{what} has dates that read both as {' and '.join(f.name for f in complete)}"
                f' (no day above 12, e.g. "{example}"); set {msg.key}.date_format to {options}'
            )
    elif complete:
        chosen = complete[0]
    else:

        def preference(f: _DateFormat) -> tuple[int, int, int]:
            # most values of its shape, then most values read, then the order of the list
            # (a French file never prefers month-first)
            month_first = french and f.day_first is False
            order = -len(DATE_FORMATS) if month_first else -DATE_FORMATS.index(f)
            return int(shape[f].sum()), int(reads[f].sum()), order

        chosen = max(DATE_FORMATS, key=preference)
        if not shape[chosen].any():
            rows, values = cells.offending(~empty)
            raise msg.error(
                f"{what} has values that are not dates in {rows}: {values}; expected dates "
                f'like "31/12/2025" or "2025-12-31"; fix {msg.where} or set '
                f"{msg.key}.date_format"
            )
        impossible = shape[chosen] & ~reads[chosen]
        if impossible.any():
            rows, values = cells.offending(impossible)
            raise msg.error(
                f"{what} has dates that do not exist in {rows}: {values} (read as "
                f"{chosen.name}); correct them in {msg.where}"
            )
        others = ~empty & ~shape[chosen]
        other_fmt = [
            f for f in DATE_FORMATS if f.shape != chosen.shape and (reads[f] & others).any()
        ]
        unread = others.copy()
        for f in other_fmt:
            unread &= ~reads[f]
        if unread.any():
            rows, values = cells.offending(unread)
            example = uniques[shape[chosen] & reads[chosen]].iloc[0]
            raise msg.error(
                f"{what} has values that are not dates in {rows}: {values}; expected dates "
                f'like "{example}" ({chosen.name}); fix {msg.where} or set '
                f"{msg.key}.date_format"
            )
        pieces = [chosen, *other_fmt[:1]]
        described = []
        for f in pieces:
            mask = shape[f] & reads[f] if f is chosen else others & reads[f]
            rows, values = cells.offending(mask)
            verb = "is" if rows.startswith("row ") else "are"
            described.append(f"{rows} {verb} {f.name} ({values})")
        raise msg.error(
            f"{what} mixes date formats: {' and '.join(described)}; export the column in "
            f"one format or set {msg.key}.date_format"
        )

    result = parsed[chosen]
    has_time = clock.notna().to_numpy() & ~empty
    if has_time.any():
        clock_text = clock.where(has_time, "0:00:00")
        short = clock_text.str.count(":").to_numpy() == 1
        clock_text = clock_text.where(~short, clock_text + ":00")
        offset = pd.to_timedelta(clock_text, errors="coerce")
        bad = has_time & (offset.isna().to_numpy() | (offset >= pd.Timedelta(days=1)).to_numpy())
        if bad.any():
            rows, values = cells.offending(bad)
            raise msg.error(
                f"{what} has times that do not exist in {rows}: {values}; correct "
                f"them in {msg.where}"
            )
        result = result + offset.fillna(pd.Timedelta(0))
    return pd.DatetimeIndex(result)


# ---- parsed-table cache ----------------------------------------------------------------
def _cached_table(
    path: Path, options: dict[str, object], folder: Path, parse: Callable[[], pd.DataFrame]
) -> pd.DataFrame:
    """The frame ``parse()`` makes of ``path``, read back from ``folder`` when an earlier
    call (another notebook's kernel, an earlier run) kept it.

    The transactions are read by several notebooks of a run, each in its own process,
    and again by every run; parsing them is most of a load. The frame is kept as a NumPy
    ``.npz`` (read with ``allow_pickle=False``: a cache file can hold data, never code)
    named by the hash of the file's bytes, the read options and the reading code
    (:func:`_reading_code_hash`), so that a changed file, option or kit is parsed again.
    The data warnings the parse gave are kept with it and given again. A frame holding a
    kind of column the layout does not know, other warnings, or a damaged file are not
    cached (the file is parsed). One file per source path: writing a new version removes
    the old ones.
    """
    options_text = json.dumps(options, default=str)
    target = _cache_file(folder, path, ".npz", options_text, variant=str(options["table"]))
    cached = _read_cached_frame(target)
    if cached is not None:
        frame, notes = cached
        for note in notes:
            warning = DataWarning(note["message"])
            warning.msg_id = note["msg_id"]  # type: ignore[attr-defined]
            warning.fields = note["fields"]  # type: ignore[attr-defined]
            warnings.warn_explicit(warning, DataWarning, note["filename"], note["lineno"])
        return frame
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = parse()
    finally:  # given as the parse gave them, also when it failed
        for w in caught:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    notes = [
        {
            "message": str(w.message),
            "msg_id": getattr(w.message, "msg_id", None),
            "fields": getattr(w.message, "fields", None),
            "filename": w.filename,
            "lineno": w.lineno,
        }
        for w in caught
    ]
    arrays = _frame_arrays(frame)
    if arrays is not None and all(
        issubclass(w.category, DataWarning) and n["msg_id"]
        for w, n in zip(caught, notes, strict=True)
    ):
        _write_cached_frame(target, arrays, notes)
    return frame


@functools.cache
def _reading_code_hash() -> str:
    """Hash of what turns a file into a frame and its warnings: this module, the schema,
    the messages, pandas, NumPy."""
    from helpers import i18n, schema

    digest = hashlib.sha256(f"{TABLE_CACHE_LAYOUT}|{pd.__version__}|{np.__version__}".encode())
    for module_file in (__file__, schema.__file__, i18n.__file__):
        digest.update(Path(module_file).read_bytes())
    return digest.hexdigest()


def _frame_arrays(frame: pd.DataFrame) -> dict[str, np.ndarray] | None:
    """A frame of :func:`read_table` as NumPy arrays (``None``: a column it cannot hold).

    Text columns are stored factorised (codes, and the distinct texts as one string with
    their lengths); nullable integers and booleans as values and mask.
    """
    index = frame.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
        return None
    columns: list[list[str]] = []
    arrays: dict[str, np.ndarray] = {}
    for i, (name, values) in enumerate(frame.items()):
        dtype = values.dtype
        if not isinstance(name, str):
            return None
        if dtype == pd.StringDtype():
            kind = "string"
            codes, uniques = pd.factorize(values.to_numpy(dtype=object, na_value=None))
            arrays[f"{i}_codes"] = codes.astype(np.int64)
            text = "".join(uniques).encode("utf-8", "surrogatepass")
            arrays[f"{i}_text"] = np.frombuffer(text, dtype=np.uint8)
            arrays[f"{i}_lengths"] = np.array([len(u) for u in uniques], dtype=np.int64)
        elif isinstance(dtype, pd.Int64Dtype | pd.BooleanDtype):
            kind = str(dtype)
            arrays[f"{i}_values"] = values.to_numpy(
                dtype="int64" if kind == "Int64" else bool, na_value=0
            )
            arrays[f"{i}_mask"] = values.isna().to_numpy()
        elif isinstance(dtype, np.dtype) and dtype.kind in "fiubM":
            kind = "numpy"
            arrays[f"{i}_values"] = values.to_numpy()
        else:
            return None
        columns.append([name, kind])
    arrays["columns"] = np.array(json.dumps(columns))
    arrays["rows"] = np.array(len(frame), dtype=np.int64)
    return arrays


def _frame_from_arrays(data: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """The frame :func:`_frame_arrays` stored."""
    columns = json.loads(str(data["columns"]))
    out: dict[str, object] = {}
    for i, (name, kind) in enumerate(columns):
        if kind == "string":
            text = data[f"{i}_text"].tobytes().decode("utf-8", "surrogatepass")
            lengths = data[f"{i}_lengths"]
            ends = np.cumsum(lengths).tolist()
            starts = [0, *ends][: len(ends)]
            uniques = np.array([text[a:b] for a, b in zip(starts, ends, strict=True)], dtype=object)
            out[name] = pd.array(uniques, dtype=pd.StringDtype()).take(
                data[f"{i}_codes"], allow_fill=True
            )
        elif kind == "Int64":
            out[name] = pd.arrays.IntegerArray(data[f"{i}_values"], data[f"{i}_mask"])
        elif kind == "boolean":
            out[name] = pd.arrays.BooleanArray(data[f"{i}_values"], data[f"{i}_mask"])
        elif kind == "numpy":
            out[name] = data[f"{i}_values"]
        else:
            raise ValueError(f"unknown column kind {kind!r}")
    return pd.DataFrame(out, index=pd.RangeIndex(int(data["rows"])))


def _read_cached_frame(path: Path) -> tuple[pd.DataFrame, list[dict]] | None:
    """The frame and the warnings a cache file holds, or ``None`` (missing, damaged)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return _frame_from_arrays(data), json.loads(str(data["warnings"]))
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile):
        return None


def _write_cached_frame(path: Path, arrays: dict[str, np.ndarray], notes: list[dict]) -> None:
    """Write a frame's arrays and warnings as a cache file (see :func:`_write_cache_file`)."""

    def write(tmp: Path) -> None:
        with tmp.open("wb") as fh:
            np.savez(fh, warnings=np.array(json.dumps(notes, default=str)), **arrays)

    _write_cache_file(path, write)


# ---- cache files, for workbooks and tables ----------------------------------------------
def _cache_file(folder: Path, path: Path, suffix: str, *parts: str, variant: str = "") -> Path:
    """Where a cache in ``folder`` keeps what was read from this version of ``path``.

    Named ``<prefix>-<key><suffix>``: the prefix is shared by every version of ``path``
    (and ``variant``, e.g. a table name), so that writing one removes the others
    (:func:`_write_cache_file`); the key hashes the file's bytes, the kit's reading code
    (:func:`_reading_code_hash`) and ``parts`` (read options, a library's version), so
    that a changed file, option or kit is read again.
    """
    key = hashlib.sha256(sha256_file(path).encode("ascii"))
    key.update(_reading_code_hash().encode("ascii"))
    for part in parts:
        key.update(part.encode("utf-8"))
    prefix = hashlib.sha256(f"{path.resolve()}|{variant}".encode()).hexdigest()[:16]
    return folder / f"{prefix}-{key.hexdigest()[:32]}{suffix}"


def _write_cache_file(path: Path, write: Callable[[Path], object]) -> None:
    """Write a cache file atomically with ``write(tmp)``, removing the other versions of
    its source (same prefix, see :func:`_cache_file`); a cache that cannot be written is
    not an error."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    prefix = path.name.split("-", 1)[0]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(f"{prefix}-*{path.suffix}"):
            if old != path:
                old.unlink(missing_ok=True)
        write(tmp)
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)


# ---- table-level rules and warnings ---------------------------------------------------
def _check_unique(
    frame: pd.DataFrame, schema: Table, raw: _Raw, located: dict[Column, int], msg: _Messages
) -> None:
    keys = [k for k in schema.unique or () if k in frame]
    if not keys:
        return
    dup = frame.duplicated(subset=keys, keep=False).to_numpy()
    if not dup.any():
        return
    first_dup = frame.loc[frame.duplicated(subset=keys, keep="first")].iloc[0][keys]
    same = np.ones(len(frame), dtype=bool)
    for k in keys:
        same &= (frame[k] == first_dup[k]).fillna(False).to_numpy(dtype=bool)
    positions = np.flatnonzero(same)
    rows = _rows_phrase(raw.rows[positions], len(positions))
    n_keys = int(frame.loc[dup].drop_duplicates(subset=keys).shape[0])
    also = f" ({n_keys} values are repeated in all)" if n_keys > 1 else ""
    by_name = {c.name: raw.header[p] for c, p in located.items()}
    if len(keys) == 1:
        k = keys[0]
        what = msg.column(by_name[k], k)
        raise msg.error(
            f'{what} has the same value "{first_dup[k]}" in {rows}{also}; each {k} must '
            f"appear once: remove or renumber the duplicates in {msg.where}"
        )
    names = ", ".join(f'"{by_name[k]}"' for k in keys)
    combo = ", ".join(f'"{first_dup[k]}"' for k in keys)
    raise msg.error(
        f"columns {names} have the same values ({combo}) in {rows}{also}; each "
        f"({', '.join(keys)}) must appear once: remove or merge the duplicates in {msg.where}"
    )


def _row_keys(codes: list[np.ndarray]) -> np.ndarray:
    """One integer per row, equal for rows whose cells are all equal."""
    key = np.zeros(len(codes[0]), dtype=np.int64)
    span = 1
    for c in codes:
        size = int(c.max()) + 1 if len(c) else 1
        if span * size >= 2**62:  # too many combinations for one integer: renumber first
            key = pd.factorize(key)[0].astype(np.int64)
            span = int(key.max()) + 1
            if span * size >= 2**62:
                return pd.DataFrame({"k": key, "c": c}).groupby(["k", "c"]).ngroup().to_numpy()
        key = key * size + c
        span *= size
    return key


def _warn_duplicates(raw: _Raw, msg: _Messages) -> None:
    if not raw.cells:
        return
    key = _row_keys([c.codes for c in raw.cells])
    repeated = pd.Series(key).duplicated(keep="first").to_numpy()
    count = int(repeated.sum())
    if not count:
        return
    first = int(np.flatnonzero(repeated)[0])
    original = int(np.flatnonzero(key == key[first])[0])
    warnings.warn(
        data_warning(
            "io.duplicates",
            label=msg.label,
            count=count,
            first=raw.rows[first],
            original=raw.rows[original],
            excel=msg.is_excel,
        ),
        stacklevel=4,
    )


def _warn_amounts(amount: pd.Series, msg: _Messages) -> None:
    values = amount.to_numpy(dtype=float)
    negative = values < 0
    if negative.any():
        total = float(values[negative].sum())
        count = int(negative.sum())
        warnings.warn(
            data_warning("io.negative_amounts", label=msg.label, count=count, total=total),
            stacklevel=4,
        )
    zero = values == 0
    if zero.any():
        count = int(zero.sum())
        warnings.warn(data_warning("io.zero_amounts", label=msg.label, count=count), stacklevel=4)


def _warn_after_observation_end(
    frame: pd.DataFrame, *, config: EngagementConfig, source: str, label: str
) -> None:
    end = config.observation_end
    if end is None or source != "transactions" or "order_date" not in frame:
        return
    limit = pd.Timestamp(end) + pd.Timedelta(days=1)
    late = (frame["order_date"] >= limit).to_numpy(dtype=bool)
    if late.any():
        count = int(late.sum())
        latest = frame["order_date"].max().date().isoformat()
        warnings.warn(
            data_warning(
                "io.after_observation_end",
                label=label,
                count=count,
                end=end.isoformat(),
                latest=latest,
                config=CONFIG_FILE,
            ),
            stacklevel=3,
        )


__all__ = ["DATE_FORMATS", "CsvFormat", "load_source", "read_table", "sniff_csv"]
