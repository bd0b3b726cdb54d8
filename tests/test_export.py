"""Tests for helpers.export: every result table of a run in one Excel workbook."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import helpers.export as export_module
from helpers.context import write_csv
from helpers.export import (
    FLOAT_FORMAT,
    INTEGER_FORMAT,
    PERCENT_FORMAT,
    PLAIN_INTEGER_FORMAT,
    ResultTable,
    column_format,
    export_results,
    read_table,
    sheet_names,
)

MONTHLY = pd.DataFrame(
    {
        "month": ["2025-01-01", "2025-02-01", "2025-03-01"],
        "revenue": [304199.52, 292486.6, 451200.0],
        "orders": [641, 601, 812],
        "customers": [475, 421, 530],
    }
)
LTV = pd.DataFrame(
    {
        "grouping": ["rfm_segment", "rfm_segment"],
        "segment": ["Champions", "At risk"],
        "customers": [312, 1250],
        "clv_total": [2_400_000.5, 310_000.25],
        "clv_share": [0.8856, 0.1144],
    }
)
GROWTH = pd.DataFrame(
    {"year": [2024, 2025], "complete": [True, False], "growth": [0.0829, float("nan")]}
)


def make_run(tmp_path: Path, *, language: str = "en", run_id: str = "2026-11-28_101500") -> Path:
    run_dir = tmp_path / "reports" / run_id
    run_dir.mkdir(parents=True)
    manifest = {"run_id": run_id, "engagement": {"language": language}}
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    write_csv(MONTHLY, run_dir / "results" / "01_diagnostic" / "monthly_revenue.csv")
    write_csv(GROWTH, run_dir / "results" / "01_diagnostic" / "growth_summary.csv")
    write_csv(LTV, run_dir / "results" / "04_customers" / "ltv_by_segment.csv")
    return run_dir


@pytest.fixture
def workbook(tmp_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(export_results(make_run(tmp_path)))


def test_one_sheet_per_table_after_an_index(workbook: openpyxl.Workbook) -> None:
    assert workbook.sheetnames == [
        "Index",
        "01 Growth",
        "01 Monthly revenue",
        "04 LTV by segment",
    ]
    index = workbook["Index"]
    rows = list(index.iter_rows(values_only=True))
    assert rows == [
        ("Sheet", "Notebook", "Table", "Rows", "Columns"),
        ("01 Growth", "01_diagnostic", "growth_summary", 2, 3),
        ("01 Monthly revenue", "01_diagnostic", "monthly_revenue", 3, 4),
        ("04 LTV by segment", "04_customers", "ltv_by_segment", 2, 5),
    ]
    assert index["A3"].hyperlink.location == "'01 Monthly revenue'!A1"


def test_headers_bold_filled_and_frozen(workbook: openpyxl.Workbook) -> None:
    ws = workbook["01 Monthly revenue"]
    # the client reads words, not the canonical snake_case names of the CSV
    assert [c.value for c in ws[1]] == ["Month", "Revenue", "Orders", "Customers"]
    assert all(c.font.bold for c in ws[1])
    assert {c.fill.fgColor.rgb for c in ws[1]} == {"001F4E79"}
    assert ws.freeze_panes == "A2"


def test_values_and_number_formats(workbook: openpyxl.Workbook) -> None:
    ws = workbook["01 Monthly revenue"]
    row = [(c.value, c.number_format) for c in ws[2]]
    assert row == [
        (datetime(2025, 1, 1), "yyyy-mm-dd"),
        (304199.52, FLOAT_FORMAT),
        (641, INTEGER_FORMAT),
        (475, INTEGER_FORMAT),
    ]
    ltv = workbook["04 LTV by segment"]
    assert [(c.value, c.number_format) for c in ltv[2]][2:] == [
        (312, INTEGER_FORMAT),
        (2400000.5, FLOAT_FORMAT),
        (0.8856, PERCENT_FORMAT),
    ]
    growth = workbook["01 Growth"]
    assert [(c.value, c.number_format) for c in growth[2]] == [
        (2024, PLAIN_INTEGER_FORMAT),  # a year, not 2,024
        (True, "General"),
        (0.0829, PERCENT_FORMAT),
    ]
    assert growth["C3"].value is None  # NaN -> empty cell


def test_column_widths_fit_header_and_values(workbook: openpyxl.Workbook) -> None:
    ws = workbook["04 LTV by segment"]
    # header "Total customer value" (20) is wider than "2,400,000.50" (12), + 2 of margin
    assert ws.column_dimensions["D"].width == 22
    # "Grouping" header 8, "rfm_segment" value 11 -> 13
    assert ws.column_dimensions["A"].width == 13


def test_kit_codes_in_cells_read_as_words(workbook: openpyxl.Workbook) -> None:
    ws = workbook["04 LTV by segment"]
    assert ws["A2"].value == "RFM segment"  # the kit's code rfm_segment


def test_french_dates_and_index(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(export_results(make_run(tmp_path, language="fr")))
    assert wb["01 CA mensuel"]["A2"].number_format == "dd/mm/yyyy"
    assert [c.value for c in wb["01 CA mensuel"][1]] == [
        "Mois",
        "Chiffre d'affaires",
        "Commandes",
        "Clients",
    ]
    assert [c.value for c in wb["Index"][1]] == [
        "Feuille",
        "Notebook",
        "Table",
        "Lignes",
        "Colonnes",
    ]


def test_equal_runs_give_identical_bytes(tmp_path: Path) -> None:
    first = export_results(make_run(tmp_path / "a", run_id="2026-11-28_101500")).read_bytes()
    second = export_results(make_run(tmp_path / "b", run_id="2026-11-29_090000")).read_bytes()
    assert first == second


def test_run_without_tables_gives_an_index_only(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    wb = openpyxl.load_workbook(export_results(run_dir))
    assert wb.sheetnames == ["Index"]


def t(notebook: str, table: str) -> ResultTable:
    return ResultTable(notebook=notebook, table=table, path=Path(f"{notebook}/{table}.csv"))


def test_sheet_names_short_unique_and_valid() -> None:
    names = sheet_names(
        [
            t("06_allocation", "qualification_by_framework_and_stage"),
            t("06_allocation", "qualification_by_framework_and_stage_v2"),
            t("02_market", "a/b:c"),
            t("notes", "Index"),
        ]
    )
    assert names == [
        "06 Qualification by framework a",  # 31 characters
        "06 Qualification by framework~2",  # cut to 29 + "~2"
        "02 a_b_c",
        "notes Index",
    ]
    assert all(len(n) <= 31 for n in names)


@pytest.mark.parametrize(
    ("column", "values", "expected"),
    [
        ("revenue", [1.5, 2.25], FLOAT_FORMAT),
        ("orders", [1, 2], INTEGER_FORMAT),
        ("customer_id", [101, 102], PLAIN_INTEGER_FORMAT),
        ("rank", [1, 2], PLAIN_INTEGER_FORMAT),
        ("conversion_rate", [0.1, 0.2], PERCENT_FORMAT),
        ("share_pct", [1, 0], PERCENT_FORMAT),
        ("segment", ["a", "b"], None),
        ("valuable", [True, False], None),
    ],
)
def test_column_format(column: str, values: list, expected: str | None) -> None:
    assert column_format(column, pd.Series(values)) == expected


def test_read_table_parses_iso_dates_only(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("month,label\n2025-01-01,2025-01\n2025-02-01,x\n", encoding="utf-8")
    frame = read_table(path)
    assert pd.api.types.is_datetime64_any_dtype(frame["month"])
    assert frame["label"].tolist() == ["2025-01", "x"]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=60), min_size=1, max_size=12))
def test_sheet_names_always_valid(tables: list[str]) -> None:
    names = sheet_names([t("01_diagnostic", name) for name in tables])
    assert len(names) == len(tables)
    assert len({n.lower() for n in names} | {"index"}) == len(names) + 1  # unique, not "Index"
    assert all(0 < len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n) for n in names)
    assert not any(n.startswith("'") or n.endswith("'") for n in names)


def _reference_sheet(frame: pd.DataFrame) -> openpyxl.Workbook:
    """The sheet openpyxl writes when every cell is appended and formatted one by one."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        ws.append([export_module._client_value(v, "en") for v in row])
    for j, col in enumerate(frame.columns, start=1):
        fmt = column_format(col, frame[col])
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = fmt
    return wb


def _cells(ws: Any) -> list[tuple]:
    return [
        (c.coordinate, c.value, c.data_type, c.number_format)
        for row in ws.iter_rows(min_row=2)
        for c in row
    ]


def test_streamed_rows_read_back_like_openpyxl_cells(tmp_path: Path) -> None:
    # the rows are written as XML text, not openpyxl cells: every kind of value must read
    # back exactly as openpyxl's own writer stores it
    frame = pd.DataFrame(
        {
            "label": [" padded ", "a & b <c> 'd'", "#N/A", None, "tab\tand\nline", "plain"],
            "flag": [True, False, True, None, False, True],
            "revenue": [1e20, -0.5, float("nan"), None, 1 / 3, 12345678.125],
            "orders": [1, 2, 3, 4, 5, 2**40],
            "share": [0.1, None, 1.0, None, 0.0, 0.25],
            "day": pd.to_datetime(
                ["2025-01-31", None, "1900-02-01", None, "2025-12-31", "2030-06-15"]
            ),
        }
    )
    run_dir = tmp_path / "run"
    write_csv(frame, run_dir / "results" / "01_diagnostic" / "edge.csv")
    ours = openpyxl.load_workbook(export_results(run_dir, language="en"))["01 edge"]
    buffer = tmp_path / "reference.xlsx"
    _reference_sheet(read_table(run_dir / "results" / "01_diagnostic" / "edge.csv")).save(buffer)
    reference = openpyxl.load_workbook(buffer).active
    assert _cells(ours) == _cells(reference)
    assert ours.dimensions == reference.dimensions == "A1:F7"
    assert ours["C4"].value is None and ours["C4"].number_format == FLOAT_FORMAT


def _bodies_one_by_one(values: pd.Series, style: int | None) -> list[str]:
    """What every cell's body is when computed value by value (the reference path)."""
    return [export_module._cell_body(export_module._client_value(v, "en"), style) for v in values]


@pytest.mark.parametrize("style", [None, 3])
@settings(max_examples=60, deadline=None)
@given(
    floats=st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=20),
    ints=st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1), max_size=20),
    flags=st.lists(st.booleans(), max_size=20),
)
def test_column_bodies_fast_path_matches_cell_by_cell(
    style: int | None, floats: list[float], ints: list[int], flags: list[bool]
) -> None:
    # numeric columns skip the per-cell type checks: same text for every value, including
    # -0.0, infinities, NaN and 64-bit integers
    for values in (
        pd.Series(floats, dtype="float64"),
        pd.Series(ints, dtype="int64"),
        pd.Series(flags, dtype="bool"),
    ):
        expected = _bodies_one_by_one(values, style)
        assert export_module._column_bodies(values, style, "en") == expected
        assert export_module._cell_values(values) == [export_module._cell_value(v) for v in values]


def test_column_bodies_share_client_values_across_columns() -> None:
    clients: dict[str, Any] = {}
    first = export_module._column_bodies(pd.Series(["cash_cow", "x", None]), None, "en", clients)
    assert set(clients) == {"cash_cow", "x"}
    second = export_module._column_bodies(pd.Series(["x", "cash_cow"]), 2, "en", clients)
    assert first == _bodies_one_by_one(pd.Series(["cash_cow", "x", None]), None)
    assert second == _bodies_one_by_one(pd.Series(["x", "cash_cow"]), 2)
    assert "Cash cow" in first[0]
