"""The workshop workbook: one sheet per input table, written byte-identically.

Only openpyxl and the schema are imported at module level, so that a new engagement
without sample data gets its empty workbook without loading pandas.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.schema import INPUT_SOURCES, TABLES

if TYPE_CHECKING:
    import pandas as pd

#: fixed timestamp written into the workbook so that two writes are byte-identical
WORKBOOK_TIMESTAMP = datetime(2026, 1, 1, 0, 0, 0)
ZIP_TIMESTAMP = (2026, 1, 1, 0, 0, 0)
#: rows looked at to size a column, and the widths allowed
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 10, 60
README_HEADER = ["sheet", "column", "kind", "required", "allowed values", "description"]


def _cell(value: Any) -> Any:
    """A frame value as openpyxl wants it: None for missing, plain Python scalars."""
    if value is None:
        return None
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp (NaT has it too)
        return None if value != value else value.to_pydatetime()
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and value != value:  # NaN
        return None
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    return value


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite an xlsx so equal content gives equal bytes: fixed zip entry timestamps, and
    the fixed time in docProps/core.xml (openpyxl stamps it with the save time)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    stamp = WORKBOOK_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    lambda m: m.group(1) + stamp + m.group(3),
                    content.decode("utf-8"),
                )
                content = text.encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIMESTAMP)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, content)
    return buf.getvalue()


def _style(ws: Any) -> None:
    """Bold, frozen header row and columns wide enough to read."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
    ws.freeze_panes = "A2"
    for i, column in enumerate(ws.iter_cols(max_row=WIDTH_SAMPLE_ROWS), start=1):
        width = max(len(str(c.value)) for c in column if c.value is not None)
        ws.column_dimensions[get_column_letter(i)].width = min(max(MIN_WIDTH, width + 2), MAX_WIDTH)


def _readme_rows() -> list[list[str]]:
    rows = []
    for name in INPUT_SOURCES:
        table = TABLES[name]
        rows.append([name, "", "", "", "", table.description])
        for c in table.columns:
            rules = [
                f"min {c.min:g}" if c.min is not None else "",
                f"max {c.max:g}" if c.max is not None else "",
            ]
            desc = "; ".join(filter(None, [c.description, ", ".join(filter(None, rules))]))
            allowed = ", ".join(c.allowed) if c.allowed else ""
            rows.append([name, c.name, c.kind, "yes" if c.required else "no", allowed, desc])
    return rows


def _save(wb: Any, path: Path) -> Path:
    wb.properties.creator = "stratbook"
    wb.properties.lastModifiedBy = "stratbook"
    wb.properties.created = WORKBOOK_TIMESTAMP
    wb.properties.modified = WORKBOOK_TIMESTAMP
    buf = io.BytesIO()
    wb.save(buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_fixed_zip(buf.getvalue()))
    return path


def write_workbook(sheets: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write frames into one workbook: a sheet per table (sheet name = table name), the
    frame's columns as a bold, frozen header row, dates as dates. Same frames, same bytes."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        ws = wb.create_sheet(name)
        ws.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            ws.append([_cell(v) for v in row])
        for i, column in enumerate(frame.columns, start=1):
            if str(frame[column].dtype).startswith("datetime64"):
                for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = "yyyy-mm-dd"
        _style(ws)
    return _save(wb, Path(path))


def write_inputs_template(path: str | Path) -> Path:
    """Write an empty workshop workbook: a README sheet describing every column (kind,
    required, allowed values, range), then every input sheet with its canonical headers.
    For engagements created without sample data."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    ws = wb.create_sheet("README")
    ws.append(README_HEADER)
    for row in _readme_rows():
        ws.append(row)
    _style(ws)
    for name in INPUT_SOURCES:
        ws = wb.create_sheet(name)
        ws.append([c.name for c in TABLES[name].columns])
        _style(ws)
    return _save(wb, Path(path))


__all__ = ["write_inputs_template", "write_workbook"]
