"""Every result table of a run in one Excel workbook, because clients work in Excel.

:func:`export_results` writes ``<run>/results.xlsx``: an index sheet listing the tables,
then one sheet per ``results/NN_name/<table>.csv`` (``"01 Monthly revenue"``, ``"01 CA
mensuel"`` in French) with a bold filled header in the client's words, frozen header row,
readable column widths and number formats chosen from
the data (thousands separators, two decimals, percentages for shares and rates, real
dates). The file is byte-for-byte the same for the same tables: its timestamps are fixed.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.i18n import check_language, is_kit_code, label, table_name, term
from helpers.plots import PALETTE

RESULTS_FILE = "results.xlsx"
#: Excel's limit on sheet names
MAX_SHEET_NAME = 31
#: characters Excel refuses in sheet names
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
#: the workbook's timestamps (properties and zip entries): fixed so equal runs give equal bytes
FIXED_TIMESTAMP = datetime(2000, 1, 1)
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
#: a column is shown as a percentage when its name holds one of these words
PERCENT_WORDS = frozenset({"share", "rate", "pct", "percent", "growth"})
#: integer columns that are codes or calendar numbers, shown without thousands separator
PLAIN_INTEGER_WORDS = frozenset({"year", "month", "quarter", "week", "day", "rank", "id", "code"})
INTEGER_FORMAT = "#,##0"
PLAIN_INTEGER_FORMAT = "0"
FLOAT_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
DATE_FORMATS = {"en": "yyyy-mm-dd", "fr": "dd/mm/yyyy"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MIN_WIDTH, MAX_WIDTH = 8, 60
#: rows sampled to size a column
WIDTH_SAMPLE = 200
HEADER_FILL = PALETTE[0].lstrip("#").upper()
HEADER_FONT_COLOR = "FFFFFF"
INDEX_SHEET = "Index"

LABELS = {
    "en": {
        "sheet": "Sheet",
        "notebook": "Notebook",
        "table": "Table",
        "rows": "Rows",
        "columns": "Columns",
        "title": "Result tables",
    },
    "fr": {
        "sheet": "Feuille",
        "notebook": "Notebook",
        "table": "Table",
        "rows": "Lignes",
        "columns": "Colonnes",
        "title": "Tables de résultats",
    },
}


@dataclass(frozen=True)
class ResultTable:
    """One ``results/<notebook>/<table>.csv`` of a run."""

    notebook: str
    table: str
    path: Path


def result_tables(run_dir: str | Path) -> list[ResultTable]:
    """The run's result tables, by notebook then table name."""
    results = Path(run_dir) / "results"
    return [
        ResultTable(notebook=p.parent.name, table=p.stem, path=p)
        for p in sorted(results.glob("*/*.csv"))
    ]


def sheet_names(tables: Iterable[ResultTable], *, language: str = "en") -> list[str]:
    """Unique sheet names of at most 31 characters: ``"01 Monthly revenue"``.

    The notebook's number prefixes the table's name in ``language``
    (:func:`helpers.i18n.table_name`: ``"01 CA mensuel"`` in French); a name cut to 31
    characters that collides with an earlier one ends in ``~2``, ``~3``...
    """
    names: list[str] = []
    used: set[str] = set()
    for t in tables:
        prefix = t.notebook[:2] if re.match(r"^\d{2}_", t.notebook) else t.notebook
        # Excel also refuses a name that begins or ends with an apostrophe
        title = table_name(t.table, language)
        base = SHEET_NAME_FORBIDDEN.sub("_", f"{prefix} {title}")[:MAX_SHEET_NAME].strip("'")
        name, n = base, 2
        while name.lower() in used or name.lower() == INDEX_SHEET.lower():
            suffix = f"~{n}"
            name, n = base[: MAX_SHEET_NAME - len(suffix)] + suffix, n + 1
        used.add(name.lower())
        names.append(name)
    return names


def _words(column: str) -> set[str]:
    return set(re.split(r"[^a-z0-9]+", column.lower()))


def column_format(column: str, values: pd.Series, *, language: str = "en") -> str | None:
    """The Excel number format for a column (None: text or booleans, left as they are).

    Dates -> the language's date format; shares, rates, growth -> ``0.0%``; integers ->
    ``#,##0`` (``0`` for years, ranks, ids...); other numbers -> ``#,##0.00``.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return DATE_FORMATS[language]
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return None
    words = _words(column)
    if words & PERCENT_WORDS:
        return PERCENT_FORMAT
    if pd.api.types.is_integer_dtype(values):
        plain = words & PLAIN_INTEGER_WORDS or column.lower().endswith("_id")
        return PLAIN_INTEGER_FORMAT if plain else INTEGER_FORMAT
    return FLOAT_FORMAT


def read_table(path: str | Path) -> pd.DataFrame:
    """A result CSV with ISO-date columns read as dates and whole floats kept as floats."""
    frame = pd.read_csv(path)
    for col in frame.columns:
        values = frame[col]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            present = values.dropna()
            # most text columns fail on their first value: no need to match them all
            if (
                len(present)
                and ISO_DATE.match(str(present.iloc[0]))
                and present.astype(str).str.match(ISO_DATE).all()
            ):
                frame[col] = pd.to_datetime(values, format="%Y-%m-%d")
    return frame


def _cell_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _cell_values(values: pd.Series) -> list[Any]:
    """:func:`_cell_value` of every value of a column; ints, floats and booleans read as
    a whole (``tolist()`` gives the Python scalars the per-value path would)."""
    kind = values.dtype.kind
    if kind in "biu":
        return values.to_numpy().tolist()
    if kind == "f":
        return [None if v != v else v for v in values.to_numpy().tolist()]
    return [_cell_value(v) for v in values.to_numpy(dtype=object)]


def _client_value(value: Any, language: str) -> Any:
    """A cell as the client reads it: the kit's codes (``cash_cow``) in words."""
    if isinstance(value, str) and is_kit_code(value):
        return term(value, language)
    return _cell_value(value)


def _display_width(value: Any, fmt: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 10
    if isinstance(value, bool):
        return 5
    if isinstance(value, int | float) and fmt:
        if fmt == PERCENT_FORMAT:
            return len(f"{value * 100:.1f}%")
        if fmt == FLOAT_FORMAT:
            return len(f"{value:,.2f}")
        if fmt == INTEGER_FORMAT:
            return len(f"{value:,.0f}")
    return len(str(value))


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _cell_body(value: Any, style: int | None) -> str:
    """One ``<c>`` element as openpyxl writes it (without lxml), after its ``r`` attribute;
    "" for an empty unformatted cell, which openpyxl leaves out.

    Same types, escaping and number text (``%.16g``) as ``openpyxl.cell._writer``, so the
    streamed sheets read back exactly like cells appended one by one.
    """
    s = f' s="{style}"' if style is not None else ""
    if value is None:
        return f'{s} t="n" />' if s else ""
    if isinstance(value, bool):
        return f'{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        if math.isinf(value):  # openpyxl's safe_string: no text for infinities
            return f'{s} t="n"><v /></c>'
        return f'{s} t="n"><v>{value:.16g}</v></c>'
    # imported here, not per number: the numbers are most cells
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
    from openpyxl.compat import safe_string
    from openpyxl.utils.datetime import to_excel

    if isinstance(value, datetime):
        return f'{s} t="n"><v>{safe_string(to_excel(value))}</v></c>'
    text = str(value)[:32767]
    if ILLEGAL_CHARACTERS_RE.search(text):
        from openpyxl.utils.exceptions import IllegalCharacterError

        raise IllegalCharacterError(f"{text} cannot be used in worksheets.")
    if len(text) > 1 and text.startswith("="):  # openpyxl reads these as formulas
        return f"{s}><f>{_escape(text[1:])}</f><v /></c>"
    if text in ERROR_CODES:
        return f'{s} t="e"><v>{_escape(text)}</v></c>'
    stripped = text.strip()
    space = ' xml:space="preserve"' if stripped and stripped != text else ""
    return f'{s} t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'


def _number_bodies(values: list[Any], style: int | None) -> list[str]:
    """:func:`_cell_body` of Python ints, floats and bools (a numeric column's
    ``tolist()``), without the per-cell type checks: the bulk of a workbook's cells."""
    s = f' s="{style}"' if style is not None else ""
    missing = f'{s} t="n" />' if s else ""
    infinite = f'{s} t="n"><v /></c>'
    bodies = []
    for v in values:
        if v != v:  # NaN: an empty cell
            bodies.append(missing)
        elif v is True or v is False:
            bodies.append(f'{s} t="b"><v>{int(v)}</v></c>')
        elif v == math.inf or v == -math.inf:
            bodies.append(infinite)
        else:
            bodies.append(f'{s} t="n"><v>{v:.16g}</v></c>')
    return bodies


def _column_bodies(
    values: pd.Series, style: int | None, language: str, clients: dict[str, Any] | None = None
) -> list[str]:
    """:func:`_cell_body` of every value of a column.

    Numeric columns (ints, floats, booleans without gaps) take a fast path over their
    Python values. Other columns are computed once per distinct text; the kit-code
    lookup of :func:`_client_value` is the costly part, so ``clients`` (text -> client
    value) can be shared by the columns of one workbook. Numbers are never memoised: a
    cache keyed on them would confuse ``0.0`` with ``-0.0``.
    """
    if values.dtype.kind in "biuf":
        return _number_bodies(values.to_numpy().tolist(), style)
    if clients is None:
        clients = {}
    texts: dict[str, str] = {}
    bodies = []
    for v in values.to_numpy(dtype=object):
        if type(v) is str:
            body = texts.get(v)
            if body is None:
                if v not in clients:
                    clients[v] = _client_value(v, language)
                body = texts[v] = _cell_body(clients[v], style)
        else:
            body = _cell_body(_client_value(v, language), style)
        bodies.append(body)
    return bodies


def _rows_xml(
    frame: pd.DataFrame,
    styles: list[int | None],
    *,
    language: str,
    clients: dict[str, Any] | None = None,
) -> bytes:
    """The data rows of a sheet (``<row r="2">`` on) as openpyxl would write them
    (``clients``: see :func:`_column_bodies`)."""
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(j) for j in range(1, len(frame.columns) + 1)]
    columns = [
        _column_bodies(frame.iloc[:, j], style, language, clients) for j, style in enumerate(styles)
    ]
    # each column's cells are written in one pass (``<c r="B7"`` + body, "" for an
    # empty body), then joined row by row
    cells_by_column = [
        [f'<c r="{letter}{r}"{body}' if body else "" for r, body in enumerate(bodies, start=2)]
        for letter, bodies in zip(letters, columns, strict=True)
    ]
    parts: list[str] = []
    for r, cells in enumerate(map("".join, zip(*cells_by_column, strict=True)), start=2):
        parts.append(f'<row r="{r}">{cells}</row>' if cells else f'<row r="{r}" />')
    return "".join(parts).encode("utf-8")


def _style_id(ws: Any, fmt: str | None) -> int | None:
    """The workbook's cell-style index for number format ``fmt`` (registered if new)."""
    if fmt is None:
        return None
    from openpyxl.cell import Cell

    probe = Cell(ws)  # never placed in the sheet: only registers the style
    probe.number_format = fmt
    return probe.style_id


@dataclass(frozen=True)
class _StreamedRows:
    """Data rows of one sheet, spliced into openpyxl's sheet XML after saving."""

    part: str
    dimension: str
    rows: bytes


def _write_sheet(
    ws: Any, frame: pd.DataFrame, *, language: str, clients: dict[str, Any] | None = None
) -> _StreamedRows | None:
    """Header, widths, frozen row and filter with openpyxl; data rows as streamed XML
    (``clients``: the workbook's text -> client value, see :func:`_column_bodies`).

    openpyxl spends ~0.1 ms per cell building and serialising cell objects (seconds for
    the demo's 70,000 cells); the rows are written as text instead, byte for byte what
    openpyxl would write, and spliced in by :func:`_deterministic`.
    """
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_font = Font(bold=True, color=HEADER_FONT_COLOR)
    header_fill = PatternFill("solid", fgColor=HEADER_FILL)
    columns = [term(str(c), language) for c in frame.columns]
    ws.append(columns)
    for i, cell in enumerate(ws[1]):
        if i == 0:
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = Alignment(vertical="center", wrap_text=False)
            header_style = cell._style
        else:  # the same style ids, without looking the style up again for each cell
            cell._style = copy(header_style)
    formats = [column_format(c, frame[c], language=language) for c in frame.columns]
    head = frame.iloc[:WIDTH_SAMPLE]
    for j, fmt in enumerate(formats, start=1):
        sample = _cell_values(head.iloc[:, j - 1])
        width = max([len(columns[j - 1]), *(_display_width(v, fmt) for v in sample)])
        ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    ws.freeze_panes = "A2"
    if not len(frame):
        return None
    last = f"{get_column_letter(len(columns))}{len(frame) + 1}"
    ws.auto_filter.ref = f"A1:{last}"
    styles = [_style_id(ws, fmt) for fmt in formats]
    # openpyxl numbers worksheets from 1 in workbook order when it saves
    part = f"xl/worksheets/sheet{ws.parent.worksheets.index(ws) + 1}.xml"
    rows = _rows_xml(frame, styles, language=language, clients=clients)
    return _StreamedRows(part, f"A1:{last}", rows)


def _splice(sheet: bytes, streamed: _StreamedRows) -> bytes:
    """openpyxl's XML of a header-only sheet with the streamed rows and full dimension."""
    head, sep, tail = sheet.partition(b"</sheetData>")
    if not sep:
        raise ValueError(f"{streamed.part}: no </sheetData> to put the rows in")
    head = re.sub(
        rb'<dimension ref="[^"]*"', f'<dimension ref="{streamed.dimension}"'.encode(), head, count=1
    )
    return head + streamed.rows + sep + tail


def _deterministic(data: bytes, moment: datetime, streamed: Iterable[_StreamedRows] = ()) -> bytes:
    """The same workbook with fixed timestamps (document properties and zip entries)
    and the ``streamed`` data rows in their sheets."""
    spliced = {s.part: s for s in streamed}
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms)",
                    rf"\g<1>{stamp}\2",
                    text,
                )
                content = text.encode("utf-8")
            elif info.filename in spliced:
                content = _splice(content, spliced[info.filename])
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIMESTAMP)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, content)
    return out.getvalue()


def export_results(run_dir: str | Path, *, language: str | None = None) -> Path:
    """Write ``<run>/results.xlsx`` with every result table of the run; return its path.

    Parameters
    ----------
    run_dir
        A run folder (``reports/<run-id>``).
    language
        Language of the index sheet and of date formats; default: the engagement's
        (from the run's manifest), else English.

    Returns
    -------
    Path
        ``<run>/results.xlsx`` (an index sheet only when the run saved no table).
    """
    import json

    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    run_dir = Path(run_dir)
    if language is None:
        try:
            manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
            language = (manifest.get("engagement") or {}).get("language", "en")
        except (OSError, json.JSONDecodeError):
            language = "en"
    check_language(language)
    tables = result_tables(run_dir)
    names = sheet_names(tables, language=language)
    wb = Workbook()
    index = wb.active
    index.title = INDEX_SHEET
    headers = [
        label(LABELS, k, language) for k in ("sheet", "notebook", "table", "rows", "columns")
    ]
    index.append(headers)
    for cell in index[1]:
        cell.font = Font(bold=True, color=HEADER_FONT_COLOR)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
    streamed: list[_StreamedRows] = []
    clients: dict[str, Any] = {}  # a text's client value, looked up once per workbook
    for table, name in zip(tables, names, strict=True):
        frame = read_table(table.path)
        ws = wb.create_sheet(name)
        rows = _write_sheet(ws, frame, language=language, clients=clients)
        if rows is not None:
            streamed.append(rows)
        index.append([name, table.notebook, table.table, len(frame), len(frame.columns)])
        link = index.cell(row=index.max_row, column=1)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{name}'!A1")
        link.font = Font(color=HEADER_FILL, underline="single")
    widths = [len(h) for h in headers]
    for row in index.iter_rows(min_row=2, values_only=True):
        widths = [max(w, len(str(v))) for w, v in zip(widths, row, strict=True)]
    for j, width in enumerate(widths):
        index.column_dimensions["ABCDE"[j]].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    index.freeze_panes = "A2"
    wb.properties.creator = "stratbook"
    wb.properties.lastModifiedBy = "stratbook"
    wb.properties.title = label(LABELS, "title", language)
    wb.properties.created = FIXED_TIMESTAMP
    buffer = io.BytesIO()
    wb.save(buffer)
    path = run_dir / RESULTS_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(_deterministic(buffer.getvalue(), FIXED_TIMESTAMP, streamed))
    tmp.replace(path)
    return path


__all__ = [
    "RESULTS_FILE",
    "ResultTable",
    "column_format",
    "export_results",
    "read_table",
    "result_tables",
    "sheet_names",
]
