"""Tests of helpers.io: client exports as consultants receive them, and every bad input.

Every file is written inside ``tmp_path`` by the test itself (cp1252 bytes, BOMs and
workbooks included), so no binary fixture is committed.
"""

from __future__ import annotations

import hashlib
import warnings
from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from helpers.config import DataSource, EngagementConfig
from helpers.errors import ConfigError, DataError, DataWarning, InputError
from helpers.io import CsvFormat, load_source, read_table, sniff_csv

NBSP = "\u00a0"
NNBSP = "\u202f"

FRENCH_MAPPING = {
    "customer_id": "N° client",
    "order_date": "Date de commande",
    "amount": "Montant TTC (€)",
    "channel": "Canal",
}


# ---- helpers ------------------------------------------------------------------------------
def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def workbook(tmp_path: Path, name: str, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def frame(**columns: object) -> pd.DataFrame:
    return pd.DataFrame(columns)


def strings(*values: str | None) -> pd.Series:
    return pd.Series(list(values), dtype="string")


def read_quietly(path: Path, **kwargs: object) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return read_table(path, **kwargs)


def error_of(path: Path, **kwargs: object) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        with pytest.raises(DataError) as exc:
            read_table(path, **kwargs)
    return str(exc.value)


# ---- formats that must be read -----------------------------------------------------------
def test_french_cp1252_export(tmp_path):
    text = (
        "N° client;Date de commande;Montant TTC (€);Canal;Commentaire\r\n"
        f"007;15/01/2024;1{NBSP}234,56 €;Web;première commande\r\n"
        "0042;03/02/2024;-12,50 €;Magasin;avoir\r\n"
        f"007;28/02/2024;12{NBSP}345{NBSP}678,90 €;web;\r\n"
        "\r\n"
        "C-9;31/12/2024;0,5 €;Terrain;été\r\n"
    )
    path = write(tmp_path, "ventes.csv", text, "cp1252")
    with pytest.warns(DataWarning, match="1 row has a negative amount"):
        got = read_table(path, table="transactions", columns=FRENCH_MAPPING)
    expected = frame(
        customer_id=strings("007", "0042", "007", "C-9"),  # leading zeros kept
        order_date=pd.to_datetime(["2024-01-15", "2024-02-03", "2024-02-28", "2024-12-31"]),
        # "1 234,56 €" -> 1234.56; "12 345 678,90 €" -> 12345678.90; "0,5 €" -> 0.5
        amount=[1234.56, -12.5, 12345678.9, 0.5],
        channel=strings("Web", "Magasin", "web", "Terrain"),
    ).astype({"order_date": "datetime64[ns]"})
    assert_frame_equal(got, expected)


def test_utf8_bom_english_export(tmp_path):
    text = (
        "\ufeffcustomer_id,order_date,amount,quantity,region\n"
        'A1,2024-01-15,"1,234.50",2,North\n'
        "A2,2024-01-16 10:30:00,$5.00,1,South\n"
        "A3,2024-01-16T08:05,EUR 10.25,3,\n"
    )
    path = write(tmp_path, "orders.csv", text)
    assert sniff_csv(path) == CsvFormat(encoding="utf-8-sig", sep=",")
    got = read_table(path, table="transactions")
    expected = frame(
        customer_id=strings("A1", "A2", "A3"),
        order_date=pd.to_datetime(
            ["2024-01-15 00:00", "2024-01-16 10:30", "2024-01-16 08:05"]
        ).astype("datetime64[ns]"),
        amount=[1234.5, 5.0, 10.25],
        quantity=[2.0, 1.0, 3.0],
        region=strings("North", "South", None),
    )
    assert_frame_equal(got, expected)


def test_french_utf8_with_narrow_no_break_space_tab_separated(tmp_path):
    text = (
        "client\tdate\tmontant\n"
        f"1\t05/03/2024\t2{NNBSP}500,00 €\n"
        f"2\t06/03/2024\t(1{NNBSP}000,00) €\n"
    )
    path = write(tmp_path, "tab.csv", text)
    assert sniff_csv(path) == CsvFormat(encoding="utf-8", sep="\t")
    with pytest.warns(DataWarning, match="1 row has a negative amount"):
        got = read_table(
            path,
            table="transactions",
            columns={"customer_id": "client", "order_date": "date", "amount": "montant"},
        )
    # "(1 000,00) €" is an accounting negative
    assert got["amount"].tolist() == [2500.0, -1000.0]
    assert got["order_date"].tolist() == [pd.Timestamp("2024-03-05"), pd.Timestamp("2024-03-06")]


@pytest.mark.parametrize(
    ("encoding", "text", "expected"),
    [
        ("utf-8", "\ufeffa;b\n1;2\n", CsvFormat("utf-8-sig", ";")),
        ("utf-8", "a,b\né,2\n", CsvFormat("utf-8", ",")),
        ("cp1252", "a;b\né;2\n", CsvFormat("cp1252", ";")),
        # a tie between ';' and ',' is a French file with decimal commas
        ("utf-8", "a;b\nx;1,5\n", CsvFormat("utf-8", ";")),
        ("utf-8", "a|b|c\n1|2|3\n", CsvFormat("utf-8", "|")),
        # Excel's "Unicode text" export: UTF-16 with a BOM, tab-separated
        ("utf-16", "a\tb\nRené\t1,5\n", CsvFormat("utf-16", "\t")),
    ],
)
def test_sniff_csv_rules(tmp_path, encoding, text, expected):
    assert sniff_csv(write(tmp_path, "x.csv", text, encoding)) == expected


def test_overrides_win_over_detection(tmp_path):
    # no value decides the decimal mark, so the ';' file reads 1.234 the French way (1234);
    # told decimal="." and thousands=" ", it is 1.234
    text = "customer_id;order_date;amount\nA;02/03/2024;1.234\nB;04/03/2024;2 000\n"
    path = write(tmp_path, "x.csv", text)
    got = read_table(path, table="transactions", decimal=".", thousands=" ", date_format="%m/%d/%Y")
    assert got["amount"].tolist() == [1.234, 2000.0]
    assert got["order_date"].tolist() == [pd.Timestamp("2024-02-03"), pd.Timestamp("2024-04-03")]
    detected = read_table(path, table="transactions")
    assert detected["amount"].tolist() == [1234.0, 2000.0]
    assert detected["order_date"].tolist() == [
        pd.Timestamp("2024-03-02"),
        pd.Timestamp("2024-03-04"),
    ]


def test_percent_and_types_of_a_workshop_csv(tmp_path):
    text = (
        "dimension,name,market_size,growth,conversion_rate\n"
        "segment,Restaurants,1200000,8 %,0.12\n"
        "channel,Web,,12%,0.02\n"
    )
    got = read_table(write(tmp_path, "a.csv", text), table="attractiveness")
    assert got["growth"].tolist() == pytest.approx([0.08, 0.12])
    assert got["market_size"].isna().tolist() == [False, True]
    assert str(got["dimension"].dtype) == "string"


def test_bool_int_and_allowed_values_are_normalised(tmp_path):
    path = workbook(
        tmp_path,
        "workshop.xlsx",
        {
            "vrio": [
                ["resource", "valuable", "rare", "inimitable", "organised"],
                ["Brand", "Oui", "x", None, 1],
                ["Technicians", "yes", "non", "TRUE", "0"],
            ],
            "porter": [
                ["force", "driver", "score"],
                ["New entrants", "Capital needs", 2],
                ["buyer-power", "Buying groups", 4.5],
            ],
        },
    )
    vrio = read_table(path, table="vrio")
    expected = frame(
        resource=strings("Brand", "Technicians"),
        valuable=pd.array([True, True], dtype="boolean"),
        rare=pd.array([True, False], dtype="boolean"),
        inimitable=pd.array([False, True], dtype="boolean"),
        organised=pd.array([True, False], dtype="boolean"),
    )
    assert_frame_equal(vrio, expected)
    porter = read_table(path, table="porter")
    # case, hyphens and spaces do not matter; the canonical spelling comes back
    assert porter["force"].tolist() == ["new_entrants", "buyer_power"]
    assert porter["score"].tolist() == [2.0, 4.5]


def test_xlsx_with_title_rows_and_real_cells(tmp_path):
    path = workbook(
        tmp_path,
        "workshop.xlsx",
        {
            "objectives": [
                ["Objectifs commerciaux 2026 — Maison Durand"],
                [None],
                ["Code", "Objectif", "Échéance", "Base"],
                ["007", "Grow key accounts", datetime(2026, 12, 31), 1234.5],
                [8, "Win back lapsed customers", datetime(2026, 6, 30, 12, 0), 40],
            ]
        },
    )
    got = read_table(
        path,
        table="objectives",
        columns={
            "objective_id": "Code",
            "objective": "Objectif",
            "deadline": "Échéance",
            "baseline": "Base",
        },
    )
    expected = frame(
        objective_id=strings("007", "8"),
        objective=strings("Grow key accounts", "Win back lapsed customers"),
        baseline=[1234.5, 40.0],
        deadline=pd.to_datetime(["2026-12-31 00:00", "2026-06-30 12:00"]).astype("datetime64[ns]"),
    )
    assert_frame_equal(got, expected[["objective_id", "objective", "baseline", "deadline"]])


def test_xlsx_header_row_given_and_rows_numbered_as_excel(tmp_path):
    path = workbook(
        tmp_path,
        "workshop.xlsx",
        {
            "swot": [
                ["SWOT workshop"],
                ["item_id", "quadrant", "item", "weight"],
                ["S1", "strength", "Field force", 5],
                ["S2", "strength", "Brand", 6],
            ]
        },
    )
    # the header is Excel row 2 (header_row=1, 0-based), the bad weight is on Excel row 4
    assert error_of(path, table="swot", header_row=1) == (
        'workshop.xlsx (sheet "swot"): column "weight" has values outside 1 to 5 in row 4: '
        '"6"; correct them in the sheet'
    )


def test_csv_title_rows_keep_line_numbers(tmp_path):
    text = (
        "Export des ventes du 15/01/2024\n"
        "\n"
        "customer_id;order_date;amount\n"
        "A;15/01/2024;3,5\n"
        "B;16/01/2024;n/a\n"
    )
    path = write(tmp_path, "ventes.csv", text)
    assert error_of(path, table="transactions") == (
        'ventes.csv: column "amount" has text in row 5: "n/a"; fix the export or map another column'
    )


def test_extra_columns_kept_for_tables_that_allow_them(tmp_path):
    text = (
        "Concurrent;is_client;Niveau de prix;Largeur de gamme;Note;Créé le\n"
        "Durand;oui;3,5;120;leader;01/02/2020\n"
        "Métro Pro;non;2;800;;15/03/2019\n"
    )
    path = write(tmp_path, "competitors.csv", text, "cp1252")
    got = read_table(
        path,
        table="competitors",
        columns={"competitor": "Concurrent", "price_level": "Niveau de prix"},
    )
    assert list(got.columns) == [
        "competitor",
        "is_client",
        "price_level",
        "Largeur de gamme",
        "Note",
        "Créé le",
    ]
    assert got["price_level"].tolist() == [3.5, 2.0]
    assert got["Largeur de gamme"].tolist() == [120.0, 800.0]
    assert str(got["Note"].dtype) == "string"
    assert got["Créé le"].tolist() == [pd.Timestamp("2020-02-01"), pd.Timestamp("2019-03-15")]


def test_columns_found_case_insensitively_and_short_rows_are_empty(tmp_path):
    text = "Customer_ID;Order_Date;AMOUNT;Region\nA;15/01/24;1.234,5;North\nB;16/01/24;2\n"
    got = read_table(write(tmp_path, "x.csv", text), table="transactions")
    assert got["customer_id"].tolist() == ["A", "B"]
    assert got["order_date"].tolist() == [pd.Timestamp("2024-01-15"), pd.Timestamp("2024-01-16")]
    assert got["amount"].tolist() == [1234.5, 2.0]
    assert got["region"].tolist() == ["North", pd.NA]


def test_workbook_read_again_after_it_changes(tmp_path):
    rows = [["item_id", "quadrant", "item", "weight"], ["S1", "strength", "Brand", 3]]
    path = workbook(tmp_path, "workshop.xlsx", {"swot": rows})
    assert read_table(path, table="swot")["item"].tolist() == ["Brand"]
    rows.append(["W1", "weakness", "A much longer item that changes the file size", 2])
    path = workbook(tmp_path, "workshop.xlsx", {"swot": rows})
    assert read_table(path, table="swot")["item_id"].tolist() == ["S1", "W1"]


def test_workbook_cache_serves_other_processes_and_never_a_stale_file(tmp_path, monkeypatch):
    from helpers import io as kit_io

    rows = [["item_id", "quadrant", "item", "weight"], ["S1", "strength", "Brand é", 3]]
    path = workbook(tmp_path, "workshop.xlsx", {"swot": rows})
    cache = tmp_path / "engagement" / "cache"
    first = read_table(path, table="swot", workbook_cache=cache)
    (written,) = cache.glob("*.json")
    # a new kernel, or a later run: nothing in memory, and parsing is not allowed
    monkeypatch.setattr(kit_io, "_WORKBOOKS", {})
    monkeypatch.setattr(kit_io, "_parse_workbook", lambda *a: pytest.fail("parsed again"))
    assert_frame_equal(read_table(path, table="swot", workbook_cache=cache), first)
    monkeypatch.undo()
    # the file changes: another name, parsed again, never the old cells, which are removed
    rows.append(["W1", "weakness", "Stock", 2])
    path = workbook(tmp_path, "workshop.xlsx", {"swot": rows})
    assert read_table(path, table="swot", workbook_cache=cache)["item_id"].tolist() == ["S1", "W1"]
    (again,) = cache.glob("*.json")
    assert again != written
    # another workbook keeps its own file
    other = workbook(tmp_path, "other.xlsx", {"swot": rows[:2]})
    assert read_table(other, table="swot", workbook_cache=cache)["item_id"].tolist() == ["S1"]
    assert len(list(cache.glob("*.json"))) == 2


def test_workbook_cache_is_never_served_to_other_reading_code(tmp_path, monkeypatch):
    """A kit upgrade may read cells differently: its cache files are its own."""
    from helpers import io as kit_io

    rows = [["item_id", "quadrant", "item", "weight"], ["S1", "strength", "Brand", 3]]
    path = workbook(tmp_path, "workshop.xlsx", {"swot": rows})
    cache = tmp_path / "cache"
    read_table(path, table="swot", workbook_cache=cache)
    monkeypatch.setattr(kit_io, "_WORKBOOKS", {})
    monkeypatch.setattr(kit_io, "_reading_code_hash", lambda: "another kit")
    parsed = []
    real = kit_io._parse_workbook
    monkeypatch.setattr(kit_io, "_parse_workbook", lambda *a: parsed.append(1) or real(*a))
    assert read_table(path, table="swot", workbook_cache=cache)["item"].tolist() == ["Brand"]
    assert parsed == [1]
    assert len(list(cache.glob("*.json"))) == 1  # the other kit's file replaced


def test_damaged_workbook_cache_is_ignored(tmp_path, monkeypatch):
    from helpers import io as kit_io

    rows = [["item_id", "quadrant", "item", "weight"], ["S1", "strength", "Brand", 3]]
    path = workbook(tmp_path, "workshop.xlsx", {"swot": rows})
    cache = tmp_path / "cache"
    read_table(path, table="swot", workbook_cache=cache)
    (written,) = cache.glob("*.json")
    written.write_text('{"swot": 1')
    monkeypatch.setattr(kit_io, "_WORKBOOKS", {})
    assert read_table(path, table="swot", workbook_cache=cache)["item"].tolist() == ["Brand"]
    monkeypatch.setattr(kit_io, "_WORKBOOKS", {})
    monkeypatch.setattr(kit_io, "_parse_workbook", lambda *a: pytest.fail("parsed again"))
    assert read_table(path, table="swot", workbook_cache=cache)["item"].tolist() == ["Brand"]


# ---- every bad input gets one exact message -----------------------------------------------
TX_HEADER = "customer_id;order_date;amount\n"

CSV_ERRORS = [
    pytest.param(
        "",
        {},
        "x.csv: the file is empty; export the table again with its header row and its data",
        id="empty-file",
    ),
    pytest.param(
        TX_HEADER + "\n\n",
        {},
        "x.csv: the file has a header but no data rows; export the table again with its rows",
        id="header-only",
    ),
    pytest.param(
        "customer_id;order_date;total\nA;15/01/2024;3\n",
        {},
        'x.csv: required column amount is missing; the file has columns "customer_id", '
        '"order_date", "total"; name the client\'s column in engagement.yaml with '
        "data.transactions.columns.amount",
        id="missing-required-column",
    ),
    pytest.param(
        "customer_id;order_date;amount\nA;15/01/2024;3\n",
        {"columns": {"amount": "Montant TTC"}},
        'x.csv: column "Montant TTC" (mapped to amount by data.transactions.columns.amount) '
        'is not in the file; the file has columns "customer_id", "order_date", "amount"; '
        "fix data.transactions.columns.amount in engagement.yaml",
        id="mapped-column-absent",
    ),
    pytest.param(
        "Client;Date;Montants\nA;15/01/2024;3\n",
        {"columns": {"customer_id": "Client", "order_date": "Date", "amount": "Montant"}},
        'x.csv: column "Montant" (mapped to amount by data.transactions.columns.amount) is '
        'not in the file (did you mean "Montants"?); the file has columns "Client", "Date", '
        '"Montants"; fix data.transactions.columns.amount in engagement.yaml',
        id="mapped-column-absent-with-hint",
    ),
    pytest.param(
        TX_HEADER + "A;15/01/2024;3\n",
        {"columns": {"amount": "amount", "margin": "amount"}},
        'x.csv: column "amount" is mapped to both amount and margin '
        "(data.transactions.columns in engagement.yaml); map each canonical name to its own "
        "column",
        id="two-names-one-column",
    ),
    pytest.param(
        TX_HEADER + "A;15/01/2024;3\nB;demain;4\nC;16/01/2024;5\nD;??;6\n",
        {},
        'x.csv: column "order_date" has values that are not dates in rows 3, 5: "demain", '
        '"??"; expected dates like "15/01/2024" (dd/mm/yyyy); fix the export or set '
        "data.transactions.date_format",
        id="unparseable-dates",
    ),
    pytest.param(
        TX_HEADER + "A;15/01/2024;3\nB;2024-01-20;4\nC;16/01/2024;5\n",
        {},
        'x.csv: column "order_date" mixes date formats: rows 2, 4 are dd/mm/yyyy '
        '("15/01/2024", "16/01/2024") and row 3 is yyyy-mm-dd ("2024-01-20"); export the '
        "column in one format or set data.transactions.date_format",
        id="mixed-date-formats",
    ),
    pytest.param(
        TX_HEADER + "A;15/01/2024;3\nB;31/02/2024;4\n",
        {},
        'x.csv: column "order_date" has dates that do not exist in row 3: "31/02/2024" '
        "(read as dd/mm/yyyy); correct them in the export",
        id="impossible-date",
    ),
    pytest.param(
        "customer_id,order_date,amount\nA,01/02/2024,3\nB,03/04/2024,4\n",
        {},
        'x.csv: column "order_date" has dates that read both as dd/mm/yyyy and mm/dd/yyyy '
        '(no day above 12, e.g. "01/02/2024"); set data.transactions.date_format to '
        '"%d/%m/%Y" or "%m/%d/%Y"',
        id="ambiguous-dates-english-file",
    ),
    pytest.param(
        TX_HEADER + "A;15/01/2024;12\nB;15/01/2024;n/a\nC;15/01/2024;—\nD;15/01/2024;n/a\n",
        {"columns": {"amount": "amount"}},
        'x.csv: column "amount" has text in rows 3, 4, 5: "n/a", "—"; fix the export or map '
        "another column",
        id="text-in-amount",
    ),
    pytest.param(
        "Client;Date;Montant\n" + "".join(f"C{i};15/01/2024;?\n" for i in range(7)),
        {"columns": {"customer_id": "Client", "order_date": "Date", "amount": "Montant"}},
        'x.csv: column "Montant" (mapped to amount) has text in 7 rows, first 2, 3, 4, 5, 6: '
        '"?"; fix the export or map another column',
        id="text-in-many-rows",
    ),
    pytest.param(
        TX_HEADER + "A;15/01/2024;1,5\nB;15/01/2024;2.75\n",
        {},
        'x.csv: column "amount" mixes decimal marks: row 2 uses a comma ("1,5"), row 3 a '
        'point ("2.75"); export the column in one format or set data.transactions.decimal '
        'to "," or "."',
        id="mixed-decimal-marks",
    ),
    pytest.param(
        TX_HEADER + "A;15/01/2024;3\n;15/01/2024;4\nNaN;15/01/2024;5\n",
        {},
        'x.csv: column "customer_id" has no value in rows 3, 4: (empty), "NaN"; every row '
        "needs a customer_id: fill them in or remove those rows from the export",
        id="nan-ids",
    ),
    pytest.param(
        TX_HEADER + "A;15/01/2024;3\nB;;4\n",
        {},
        'x.csv: column "order_date" has no value in row 3; every row needs an order_date: '
        "fill them in or remove those rows from the export",
        id="empty-required-date",
    ),
    pytest.param(
        TX_HEADER + "A;15/01/2024;3\nB;15/01/2024;4;extra\n",
        {},
        'x.csv: row 3 has 4 values but the header has 3 columns; a ";" inside a value? put '
        "that value in quotes, fix the export, or set data.transactions.sep",
        id="ragged-row",
    ),
    pytest.param(
        TX_HEADER + "A;15/01/2024;1.234,5\nB;15/01/2024;1.23,5\n",
        {},
        'x.csv: column "amount" has text in row 3: "1.23,5"; fix the export or map another column',
        id="bad-thousands-grouping",
    ),
    pytest.param(
        TX_HEADER + "A;15/01/2024 25:00;3\n",
        {},
        'x.csv: column "order_date" has times that do not exist in row 2: "15/01/2024 25:00"; '
        "correct them in the export",
        id="impossible-time",
    ),
    pytest.param(
        TX_HEADER + "A;15/01/2024;3\n",
        {"date_format": "%Y-%m-%d"},
        'x.csv: column "order_date" has values that do not match date_format "%Y-%m-%d" in '
        'row 2: "15/01/2024"; fix the export or change data.transactions.date_format',
        id="date-format-override-mismatch",
    ),
    pytest.param(
        TX_HEADER + "A;15/01/2024;3\n",
        {"decimal": ",", "thousands": ","},
        'x.csv: data.transactions.thousands and the decimal mark are both ","; set one of '
        "them to another character",
        id="thousands-equals-decimal",
    ),
    pytest.param(
        "a;b\n1;2\n",
        {},
        "x.csv: required columns customer_id, order_date, amount are missing; the file has "
        'columns "a", "b"; name the client\'s column in engagement.yaml with '
        "data.transactions.columns.customer_id, data.transactions.columns.order_date and "
        "data.transactions.columns.amount",
        id="several-missing-columns",
    ),
    pytest.param(
        "customer_id;order_date;amount;quantity\nA;15/01/2024;3;-1\n",
        {},
        'x.csv: column "quantity" has values below 0 in row 2: "-1"; correct them in the export',
        id="negative-quantity",
    ),
]


@pytest.mark.parametrize(("text", "kwargs", "message"), CSV_ERRORS)
def test_csv_errors_name_file_column_rows_and_fix(tmp_path, text, kwargs, message):
    path = write(tmp_path, "x.csv", text)
    assert error_of(path, table="transactions", **kwargs) == message


@pytest.mark.parametrize(
    ("table", "text", "message"),
    [
        pytest.param(
            "customers",
            "customer_id,nps\nA,5\nB,11\nC,-1\n",
            'x.csv: column "nps" has values outside 0 to 10 in rows 3, 4: "11", "-1"; '
            "correct them in the export",
            id="nps-out-of-range",
        ),
        pytest.param(
            "customers",
            "customer_id,segment\nA,SMB\nB,Key account\nA,SMB\n",
            'x.csv: column "customer_id" has the same value "A" in rows 2, 4; each '
            "customer_id must appear once: remove or renumber the duplicates in the export",
            id="duplicated-customer",
        ),
        pytest.param(
            "benchmarks",
            "kpi,area,player,value,higher_is_better,is_client\n"
            "Win rate,conversion,Us,0.3,yes,yes\n"
            "Win rate,conversion,Rival,0.4,yes,no\n"
            "Win rate,conversion,Us,0.31,yes,yes\n",
            'x.csv: columns "kpi", "player" have the same values ("Win rate", "Us") in rows '
            "2, 4; each (kpi, player) must appear once: remove or merge the duplicates in the "
            "export",
            id="duplicated-key-pair",
        ),
        pytest.param(
            "benchmarks",
            "kpi,area,player,value,higher_is_better,is_client\n"
            "Win rate,conversion,Us,0.3,maybe,yes\n",
            'x.csv: column "higher_is_better" has values that are not yes/no in row 2: '
            '"maybe"; use yes/no, true/false, oui/non, 1/0 or x/empty',
            id="bool-not-yes-no",
        ),
        pytest.param(
            "vp_profile",
            "persona,item_id,kind,item,importance\nChef,J1,job,Cook,2.5\n",
            'x.csv: column "importance" has numbers that are not whole in row 2: "2.5"; '
            "use whole numbers in the export",
            id="int-not-whole",
        ),
    ],
)
def test_value_rule_errors(tmp_path, table, text, message):
    assert error_of(write(tmp_path, "x.csv", text), table=table) == message


def _swot_book(tmp_path: Path, rows: list[list[object]]) -> Path:
    return workbook(
        tmp_path,
        "workshop.xlsx",
        {
            "swot": [["item_id", "quadrant", "item", "weight"], *rows],
            "porter": [["force", "driver", "score"], ["rivalry", "Many dealers", 7]],
        },
    )


def test_unknown_swot_quadrant(tmp_path):
    path = _swot_book(tmp_path, [["S1", "strength", "Brand", 3], ["T1", "menace", "Web", 2]])
    assert error_of(path, table="swot") == (
        'workshop.xlsx (sheet "swot"): column "quadrant" has values that are not allowed in '
        'row 3: "menace"; allowed: strength, weakness, opportunity, threat; correct them in '
        "the sheet"
    )


def test_porter_score_out_of_range(tmp_path):
    path = _swot_book(tmp_path, [["S1", "strength", "Brand", 3]])
    assert error_of(path, table="porter") == (
        'workshop.xlsx (sheet "porter"): column "score" has values outside 1 to 5 in row 2: '
        '"7"; correct them in the sheet'
    )


def test_missing_sheet_lists_the_sheets(tmp_path):
    path = _swot_book(tmp_path, [["S1", "strength", "Brand", 3]])
    assert error_of(path, table="pestel") == (
        'workshop.xlsx: no sheet "pestel"; the workbook has sheets "swot", "porter"; rename '
        "the sheet or set data.pestel.sheet in engagement.yaml"
    )
    assert error_of(path, table="swot", sheet="SWOT") == (
        'workshop.xlsx: no sheet "SWOT" (did you mean "swot"?); the workbook has sheets '
        '"swot", "porter"; rename the sheet or set data.swot.sheet in engagement.yaml'
    )


def test_merged_header_cells(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "vrio"
    ws.append(["VRIO audit", "Questions"])
    ws.merge_cells("B1:E1")  # a merged title above the header is fine
    ws.append(["resource", "valuable", None, "inimitable", "organised"])
    ws.merge_cells("B2:C2")
    ws.append(["Brand", "yes", "yes", "no", "yes"])
    path = tmp_path / "workshop.xlsx"
    book.save(path)
    assert error_of(path, table="vrio") == (
        'workshop.xlsx (sheet "vrio"): the header (row 2) has merged cells B2:C2; unmerge '
        "them so that every column has its own name in the header row"
    )


def test_empty_sheet(tmp_path):
    path = workbook(tmp_path, "workshop.xlsx", {"tows": []})
    assert error_of(path, table="tows") == (
        'workshop.xlsx (sheet "tows"): the sheet is empty; fill it in (header row, then one '
        "row per item)"
    )


def test_cp1252_read_as_utf8_and_the_reverse(tmp_path):
    text = "customer_id;order_date;amount\nA;15/01/2024;3\nRené;16/01/2024;4\n"
    cp = write(tmp_path, "cp.csv", text, "cp1252")
    assert error_of(cp, table="transactions", encoding="utf-8") == (
        "cp.csv: cannot be read as utf-8 (byte 0xe9 on line 3); the file looks like cp1252 "
        "(Windows Excel): fix data.transactions.encoding or remove it to let the kit detect "
        "the encoding"
    )
    utf = write(tmp_path, "utf.csv", text, "utf-8")
    assert error_of(utf, table="transactions", encoding="cp1252") == (
        'utf.csv: is UTF-8 but data.transactions.encoding says cp1252, which would read "é" '
        'as "Ã©"; set it to utf-8 or remove it to let the kit detect the encoding'
    )
    # detected, both read the same
    assert read_table(cp, table="transactions")["customer_id"].tolist() == ["A", "René"]
    assert read_table(utf, table="transactions")["customer_id"].tolist() == ["A", "René"]


def test_workbook_saved_as_csv(tmp_path):
    book = _swot_book(tmp_path, [["S1", "strength", "Brand", 3]])
    path = tmp_path / "swot.csv"
    path.write_bytes(book.read_bytes())
    assert error_of(path, table="swot") == (
        "swot.csv: is an Excel workbook, not a CSV file; rename it to .xlsx (and set "
        "data.swot.path) or export the sheet as CSV"
    )


def test_bad_arguments(tmp_path):
    path = write(tmp_path, "x.csv", TX_HEADER + "A;15/01/2024;3\n")
    with pytest.raises(InputError, match="unknown table 'sales'"):
        read_table(path, table="sales")
    assert error_of(path, table="transactions", columns={"montant": "amount"}) == (
        "x.csv: data.transactions.columns maps montant, which is not a column of "
        'transactions; did you mean "amount"? (known: amount, category, channel, '
        "customer_id, discount, margin, order_date, order_id, quantity, region)"
    )
    assert error_of(path, table="transactions", decimal=";") == (
        'x.csv: decimal mark \';\' is not supported; use "." or "," in data.transactions.decimal'
    )


# ---- warnings -------------------------------------------------------------------------------
def test_refunds_zero_amounts_and_duplicates_warn_and_are_kept(tmp_path):
    text = (
        TX_HEADER
        + "A;15/01/2024;100,00\n"
        + "B;15/01/2024;-20,00\n"
        + "C;16/01/2024;-1 234,50\n"
        + "D;16/01/2024;0\n"
        + "A;15/01/2024;100,00\n"
        + "A;15/01/2024;100,00\n"
    )
    path = write(tmp_path, "ventes.csv", text)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = read_table(path, table="transactions")
    messages = sorted(str(w.message) for w in caught if w.category is DataWarning)
    assert messages == [
        # -20.00 + -1234.50 = -1254.50
        "ventes.csv: 1 row has a zero amount (free items, cancelled lines); kept: they add no "
        "revenue and are not counted as orders",
        "ventes.csv: 2 rows have a negative amount (refunds or credit notes), -1,254.50 in "
        "total; kept: refunds reduce revenue",
        "ventes.csv: 2 rows repeat an earlier row exactly (first: row 6 repeats row 2); they "
        "are kept: remove them from the export if they are double entries",
    ]
    assert len(got) == 6
    assert got["amount"].sum() == pytest.approx(100 - 20 - 1234.5 + 0 + 100 + 100)


def test_load_source_records_dates_after_observation_end(tmp_path):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / "ventes.csv").write_bytes(
        (
            "N° client;Date de commande;Montant TTC (€);Canal\n"
            "1;15/12/2025;10,00 €;web\n2;03/01/2026;12,00 €;web\n"
        ).encode("cp1252")
    )
    config = EngagementConfig(
        client_name="Maison Durand",
        engagement_slug="maison-durand",
        period_start="2024-01",
        observation_end=date(2025, 12, 31),
        data={"transactions": DataSource(path="data/raw/ventes.csv", columns=FRENCH_MAPPING)},
        root=tmp_path,
    )
    with pytest.warns(DataWarning) as caught:
        got = load_source(config, "transactions")
    assert [str(w.message) for w in caught] == [
        "ventes.csv: 1 row is dated after observation_end (2025-12-31), the latest on "
        "2026-01-03; check observation_end in engagement.yaml or the export"
    ]
    assert got["amount"].tolist() == [10.0, 12.0]


# ---- load_source -----------------------------------------------------------------------------
def test_load_source_reads_config_paths_and_sheets(tmp_path):
    (tmp_path / "data" / "inputs").mkdir(parents=True)
    workbook(
        tmp_path / "data" / "inputs",
        "workshop.xlsx",
        {
            "swot": [["Code", "quadrant", "item", "weight"], ["S1", "Strength", "Brand", 3]],
            "Forces": [["force", "driver", "score"], ["rivalry", "Many dealers", 4]],
        },
    )
    config = EngagementConfig(
        client_name="Maison Durand",
        engagement_slug="maison-durand",
        period_start="2024-01",
        data={
            "swot": DataSource(path="data/inputs/workshop.xlsx", columns={"item_id": "Code"}),
            "porter": DataSource(path="data/inputs/workshop.xlsx", sheet="Forces"),
        },
        root=tmp_path,
    )
    swot = load_source(config, "swot")
    assert swot["item_id"].tolist() == ["S1"]
    assert swot["quadrant"].tolist() == ["strength"]
    assert load_source(config, "porter")["score"].tolist() == [4.0]
    with pytest.raises(ConfigError, match="no data source 'vrio'"):
        load_source(config, "vrio")


# ---- raw files are never modified ------------------------------------------------------------
def test_raw_files_are_untouched_by_reads_and_failed_reads(tmp_path):
    good = write(
        tmp_path,
        "ventes.csv",
        "N° client;Date;Montant\n1;15/01/2024;1 234,5\n2;16/01/2024;-3\n",
        "cp1252",
    )
    bad = write(
        tmp_path,
        "ventes_2.csv",
        "N° client;Date;Montant\n1;15/01/2024;1 234,5\n2;31/02/2024;3\n",
        "cp1252",
    )
    book = _swot_book(tmp_path, [["S1", "strength", "Brand", 3]])
    files = (good, bad, book)
    before = {p: (sha256(p), p.stat().st_mtime_ns) for p in files}
    mapping = {"customer_id": "N° client", "order_date": "Date", "amount": "Montant"}
    assert len(read_quietly(good, table="transactions", columns=mapping)) == 2
    assert "do not exist" in error_of(bad, table="transactions", columns=mapping)
    assert len(read_table(book, table="swot")) == 1
    assert "outside 1 to 5" in error_of(book, table="porter")
    after = {p: (sha256(p), p.stat().st_mtime_ns) for p in files}
    assert after == before


# ---- property: round trip of valid frames in either format --------------------------------
ID_CHARS = "0123456789ABCDEFGHJKLMPQRSTUVWXYZ-"  # no N, O, I: ids never spell NaN/NONE/NULL


def _french_amount(x: float, space: str) -> str:
    text = f"{abs(x):,.2f}".replace(",", space).replace(".", ",")
    return ("-" if x < 0 else "") + text + " €"


def _write_frame(df: pd.DataFrame, path: Path, style: str) -> None:
    if style == "en":
        out = df.assign(
            order_date=df["order_date"].dt.strftime("%Y-%m-%d"),
            amount=df["amount"].map(lambda x: f"{x:,.2f}"),
        )
        path.write_bytes(out.to_csv(index=False, lineterminator="\r\n").encode("utf-8"))
        return
    space, encoding = (NBSP, "cp1252") if style == "fr-cp1252" else (NNBSP, "utf-8-sig")
    out = df.assign(
        order_date=df["order_date"].dt.strftime("%d/%m/%Y"),
        amount=df["amount"].map(lambda x: _french_amount(x, space)),
    )
    path.write_bytes(out.to_csv(index=False, sep=";").encode(encoding))


@st.composite
def transactions_frames(draw) -> pd.DataFrame:
    n = draw(st.integers(min_value=1, max_value=25))
    ids = draw(st.lists(st.text(ID_CHARS, min_size=1, max_size=6), min_size=n, max_size=n))
    days = draw(st.lists(st.dates(date(1995, 1, 1), date(2035, 12, 31)), min_size=n, max_size=n))
    cents = draw(st.lists(st.integers(-(10**9), 10**9), min_size=n, max_size=n))
    channels = draw(
        st.lists(st.sampled_from(["web", "store", "field sales", None]), min_size=n, max_size=n)
    )
    return pd.DataFrame(
        {
            "customer_id": pd.array(ids, dtype="string"),
            "order_date": pd.to_datetime(pd.Series(days)).astype("datetime64[ns]"),
            "amount": np.array(cents, dtype=float) / 100,  # exact cents: "1234,56" <-> 1234.56
            "channel": pd.array(channels, dtype="string"),
        }
    )


@settings(max_examples=50, deadline=None)
@given(df=transactions_frames(), style=st.sampled_from(["en", "fr-cp1252", "fr-utf8"]))
def test_round_trip_of_valid_frames(tmp_path_factory, df, style):
    path = tmp_path_factory.mktemp("roundtrip") / "tx.csv"
    _write_frame(df, path, style)
    got = read_quietly(path, table="transactions")
    assert_frame_equal(got, df)


# ---- the run's table cache ----------------------------------------------------------------
def _read_recording(path: Path, **kwargs: object) -> tuple[pd.DataFrame, list[tuple]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = read_table(path, **kwargs)
    return got, [
        (type(w.message), str(w.message), getattr(w.message, "msg_id", None),
         getattr(w.message, "fields", None))
        for w in caught
    ]  # fmt: skip


def _assert_same_frame(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert_frame_equal(got, expected, check_exact=True)
    assert list(got.dtypes) == list(expected.dtypes)
    assert list(got.columns) == list(expected.columns)


@pytest.fixture
def cache_every_csv(monkeypatch):
    """Cache files of any size (the tests' files are small)."""
    from helpers import io as kit_io

    monkeypatch.setattr(kit_io, "TABLE_CACHE_MIN_BYTES", 0)
    return kit_io


CACHED_TABLES = {
    # French transactions: decimal commas, dates with times, refunds, zero amounts, a
    # repeated row, empty optional cells, text with accents, emoji and a trailing NUL
    "transactions": (
        "N° client;Date de commande;Montant TTC (€);Canal;order_id;quantity\n"
        "C1;03/01/2025 10:30;1 234,50 €;web;A1;2\n"
        "C2;04/01/2025;-12,00;magasin é;A2;\n"
        "C2;04/01/2025;-12,00;magasin é;A2;\n"
        "C3;05/01/2025 08:00:15;0;;A3;1\n"
        "C4;06/01/2025;5,5;🙂 web\x00;A4;3\n",
        {"columns": FRENCH_MAPPING},
    ),
    # booleans, an optional category left empty, extra columns (numbers, dates, text)
    "competitors": (
        "competitor,is_client,group,revenue,price_level,founded,note\n"
        "Us,yes,,10.5,8,2001-02-03,\n"
        "Them,no,Online,,2.5,1999-12-31,cheap\n"
        "Others,,Online,3,3,2010-06-01,\n",
        {},
    ),
    # a nullable integer column
    "swot": (
        "item_id,quadrant,item,evidence,weight\nS1,strength,Brand,,3\nW1,weakness,Stock,x,1\n",
        {},
    ),
}


@pytest.mark.parametrize("table", sorted(CACHED_TABLES))
def test_table_cache_gives_back_the_parsed_frame_and_its_warnings(
    tmp_path, cache_every_csv, monkeypatch, table
):
    text, kwargs = CACHED_TABLES[table]
    path = write(tmp_path, f"{table}.csv", text)
    cache = tmp_path / "run" / ".cache" / "tables"
    expected, expected_warnings = _read_recording(path, table=table, **kwargs)
    first, first_warnings = _read_recording(path, table=table, table_cache=cache, **kwargs)
    assert len(list(cache.glob("*.npz"))) == 1
    # another kernel: the file is not parsed again, same frame, same warnings
    monkeypatch.setattr(cache_every_csv, "_read_csv", lambda *a, **k: pytest.fail("parsed"))
    again, again_warnings = _read_recording(path, table=table, table_cache=cache, **kwargs)
    for got in (first, again):
        _assert_same_frame(got, expected)
    assert first_warnings == again_warnings == expected_warnings
    if table == "transactions":
        assert {w[2] for w in expected_warnings} == {
            "io.negative_amounts",
            "io.zero_amounts",
            "io.duplicates",
        }
        assert expected["channel"].iloc[4] == "🙂 web\x00"


def test_table_cache_never_serves_a_changed_file_or_other_options(tmp_path, cache_every_csv):
    path = write(tmp_path, "customers.csv", "customer_id,nps\nC1,7\nC2,9\n")
    cache = tmp_path / "cache"
    assert read_table(path, table="customers", table_cache=cache)["nps"].tolist() == [7, 9]
    # other options: another entry, read with those options
    got = read_table(path, table="customers", table_cache=cache, columns={"nps": "nps"})
    assert got["nps"].tolist() == [7, 9]
    path.write_text("customer_id,nps\nC1,7\nC2,10\nC3,0\n", encoding="utf-8")
    got = read_table(path, table="customers", table_cache=cache)
    assert got["customer_id"].tolist() == ["C1", "C2", "C3"]
    assert got["nps"].tolist() == [7, 10, 0]
    # one entry per source file: the old version of the file is gone
    assert len(list(cache.glob("*.npz"))) == 1


def test_table_cache_keeps_no_failed_read_and_ignores_a_damaged_file(tmp_path, cache_every_csv):
    path = write(tmp_path, "customers.csv", "customer_id,nps\nC1,7\nC1,9\n")
    cache = tmp_path / "cache"
    with pytest.raises(DataError, match="same value"):
        read_table(path, table="customers", table_cache=cache)
    assert not list(cache.glob("*.npz"))
    path.write_text("customer_id,nps\nC1,7\nC2,9\n", encoding="utf-8")
    read_table(path, table="customers", table_cache=cache)
    (written,) = cache.glob("*.npz")
    written.write_bytes(written.read_bytes()[:100])
    got = read_table(path, table="customers", table_cache=cache)
    assert got["customer_id"].tolist() == ["C1", "C2"]


def test_small_files_and_workbooks_are_not_cached(tmp_path):
    cache = tmp_path / "cache"
    path = write(tmp_path, "customers.csv", "customer_id,nps\nC1,7\n")
    read_table(path, table="customers", table_cache=cache)
    rows = [["item_id", "quadrant", "item", "weight"], ["S1", "strength", "Brand", 3]]
    read_table(workbook(tmp_path, "w.xlsx", {"swot": rows}), table="swot", table_cache=cache)
    assert not cache.exists()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8),
            st.one_of(st.none(), st.text(max_size=5)),
            st.one_of(st.none(), st.floats(allow_nan=False, width=32)),
            st.one_of(st.none(), st.integers(-(2**40), 2**40)),
            st.one_of(st.none(), st.booleans()),
            st.one_of(
                st.none(),
                st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)),
            ),
        ),
        max_size=12,
    )
)
def test_frame_arrays_round_trip(rows):
    from helpers import io as kit_io

    ids, texts, floats, ints, flags, days = zip(*rows, strict=True) if rows else ([],) * 6
    original = pd.DataFrame(
        {
            "id": pd.array(list(ids), dtype="string"),
            "text": pd.array(list(texts), dtype="string"),
            "float": np.array([np.nan if v is None else v for v in floats], dtype=float),
            "int": pd.array(list(ints), dtype="Int64"),
            "flag": pd.array(list(flags), dtype="boolean"),
            "day": pd.to_datetime(list(days)).astype("datetime64[ns]"),
        },
        index=pd.RangeIndex(len(rows)),
    )
    arrays = kit_io._frame_arrays(original)
    assert arrays is not None
    _assert_same_frame(kit_io._frame_from_arrays(arrays), original)


def test_files_above_the_maximum_are_not_cached(tmp_path, monkeypatch):
    from helpers import io as kit_io

    monkeypatch.setattr(kit_io, "TABLE_CACHE_MIN_BYTES", 0)
    monkeypatch.setattr(kit_io, "TABLE_CACHE_MAX_BYTES", 10)
    cache = tmp_path / "cache"
    path = write(tmp_path, "customers.csv", "customer_id,nps\nC1,7\n")
    assert read_table(path, table="customers", table_cache=cache)["nps"].tolist() == [7]
    assert not cache.exists()
