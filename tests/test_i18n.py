"""Numbers, money, percentages and dates follow the engagement's language."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.i18n import (
    MESSAGES,
    NBSP,
    NNBSP,
    column_decimals,
    column_kind,
    data_warning,
    format_currency,
    format_date,
    format_number,
    format_percent,
    format_value,
    label,
    localise_tables,
    message,
    note_text,
    table_name,
    term,
    translate,
)


def test_french_conventions():
    assert format_currency(1234.56, "EUR", "fr", decimals=2) == f"1{NNBSP}234,56{NBSP}€"
    assert format_date(date(2026, 11, 28), "fr") == "28/11/2026"
    assert format_percent(0.125, "fr", decimals=1) == f"12,5{NBSP}%"
    assert format_number(-1234567, "fr") == f"−1{NNBSP}234{NNBSP}567"


def test_english_conventions():
    assert format_currency(1234.56, "EUR", "en", decimals=2) == "€1,234.56"
    assert format_currency(-50, "USD", "en") == "−$50"
    assert format_currency(1000, "SEK", "en") == f"SEK{NBSP}1,000"
    assert format_date(date(2026, 11, 28), "en") == "2026-11-28"
    assert format_percent(0.125, "en", decimals=1) == "12.5%"


def test_missing_values_show_a_dash():
    assert format_number(float("nan")) == "–"
    assert format_currency(None) == "–"


def test_label_falls_back_to_english_then_key():
    labels = {"en": {"a": "Stars", "b": "Dogs"}, "fr": {"a": "Vedettes"}}
    assert label(labels, "a", "fr") == "Vedettes"
    assert label(labels, "b", "fr") == "Dogs"
    assert label(labels, "zzz", "fr") == "zzz"
    with pytest.raises(ValueError, match="must be one of"):
        label(labels, "a", "de")


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_french_number_parses_back(value):
    text = format_number(value, "fr", decimals=2)
    parsed = float(text.replace(NNBSP, "").replace("−", "-").replace(",", "."))
    assert parsed == pytest.approx(round(value, 2), abs=0.006)


# ---- words and messages the client reads -----------------------------------------------------
@pytest.mark.parametrize(
    ("name", "language", "expected"),
    [
        ("customer_id", "en", "Customer"),
        ("customer_id", "fr", "Client"),
        ("monetary_value", "en", "Monetary value"),
        ("rfm_segment", "fr", "Segment RFM"),
        ("cash_cow", "fr", "Vache à lait"),
        ("share_channel_web", "fr", "Part : web"),
        ("lost_at_proposal", "fr", "Perdues à l'étape proposition"),
        ("conversion_lead", "en", "Conversion from lead"),
        ("some_new_column", "en", "Some new column"),  # unknown snake_case reads as words
        ("Champions", "fr", "Champions"),  # not a canonical name: unchanged
    ],
)
def test_term(name, language, expected):
    assert term(name, language) == expected


def test_table_names_fit_an_excel_sheet_name():
    from helpers import terms

    assert table_name("monthly_revenue", "fr") == "CA mensuel"
    assert all(len(pair[i]) <= 28 for pair in terms.TABLES.values() for i in (0, 1))


def test_localise_tables_translates_headers_codes_numbers_and_dates():
    markup = (
        '<table class="dataframe"><thead><tr><th></th><th>customer_id</th><th>revenue</th>'
        "<th>month</th><th>quadrant</th><th>year</th></tr></thead><tbody><tr><th>0</th>"
        "<td>C001</td><td>65242.5</td><td>2026-11-28</td><td>cash_cow</td><td>2024</td>"
        "</tr><tr><th>1</th><td>A &amp; B</td><td>123456</td><td>x</td>"
        "<td>attainable, time_bound</td>"
        "<td><b>kept</b></td></tr></tbody></table>"
    )
    fr = localise_tables(markup, "fr")
    for expected in [
        "<th>Client</th>",
        "<th>Chiffre d'affaires</th>",
        "<td>65" + NNBSP + "242" + NBSP + "€</td>",  # money: no decimals past 1 000
        "<td>28/11/2026</td>",
        "<td>Vache à lait</td>",
        "<td>2024</td>",  # a year keeps its four digits
        "<td>123" + NNBSP + "456" + NBSP + "€</td>",
        "<td>A &amp; B</td>",
        "<td>atteignable, Temporellement défini</td>",
        "<td><b>kept</b></td>",  # nested markup left alone
    ]:
        assert expected in fr, expected
    en = localise_tables(markup, "en")
    assert "<th>Customer</th>" in en and "<td>€65,242</td>" in en and "<td>2026-11-28</td>" in en


def test_english_warning_texts_are_unchanged_and_french_ones_follow_conventions():
    fields = {"label": "ventes.csv", "count": 2, "total": -1254.5}
    assert message("io.negative_amounts", "en", **fields) == (
        "ventes.csv: 2 rows have a negative amount (refunds or credit notes), -1,254.50 in "
        "total; kept: refunds reduce revenue"
    )
    assert message("io.negative_amounts", "fr", **fields) == (
        f"ventes.csv : 2 lignes ont un montant négatif (remboursements ou avoirs), "
        f"−1{NNBSP}254,50 au total ; conservées : les remboursements réduisent le chiffre "
        "d'affaires"
    )
    late = message(
        "io.after_observation_end",
        "fr",
        label="t.csv",
        count=1,
        end="2025-12-31",
        latest="2026-01-03",
        config="engagement.yaml",
    )
    assert "1 ligne est datée" in late and "(31/12/2025)" in late and "le 03/01/2026" in late


@pytest.mark.parametrize("msg_id", sorted(MESSAGES))
def test_every_message_has_both_languages_with_the_same_fields(msg_id):
    import string

    def fields(text):
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    assert set(MESSAGES[msg_id]) == {"en", "fr"}
    assert fields(MESSAGES[msg_id]["en"]) == fields(MESSAGES[msg_id]["fr"])


def test_data_warning_carries_its_id_and_fields_for_the_report():
    import json

    import numpy as np

    from helpers.errors import DataWarning

    w = data_warning("io.zero_amounts", label="t.csv", count=np.int64(3))
    assert isinstance(w, DataWarning)
    assert str(w) == message("io.zero_amounts", "en", label="t.csv", count=3)
    entry = json.loads(json.dumps({"message": str(w), "msg_id": w.msg_id, "fields": w.fields}))
    assert note_text(entry, "fr").startswith("t.csv : 3 lignes ont un montant nul")
    assert note_text({"message": "free text"}, "fr") == "free text"


def test_translate_phrases():
    assert translate("Revenue mix", "fr") == "Mix du chiffre d'affaires"
    assert translate("Revenue mix", "en") == "Revenue mix"
    assert translate("not catalogued", "fr") == "not catalogued"


def test_client_identifiers_with_underscores_are_left_alone():
    markup = "<table><tr><td>sku_12</td><td>class_A_customers</td></tr></table>"
    assert localise_tables(markup, "fr") == (
        "<table><tr><td>sku_12</td><td>Clients de classe A</td></tr></table>"
    )


# ---- numbers in the client's tables ----------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "kind", "language", "decimals", "expected"),
    [
        (1234.56, "money", "fr", 2, f"1{NNBSP}234,56{NBSP}€"),
        (1234.56, "money", "en", 2, "€1,234.56"),
        (1234567.891, "money", "fr", 0, f"1{NNBSP}234{NNBSP}568{NBSP}€"),
        (-2500.4, "money", "en", 0, "−€2,500"),
        (-2500.4, "money", "fr", 0, f"−2{NNBSP}500{NBSP}€"),
        (0.183333, "percent", "fr", 1, f"18,3{NBSP}%"),
        (0.186, "percent", "en", 1, "18.6%"),
        (-0.05, "percent", "fr", 0, f"−5{NBSP}%"),
        (12543.0, "count", "fr", 0, f"12{NNBSP}543"),
        (12543.0, "count", "en", 0, "12,543"),
        (1.427128, "ratio", "fr", 2, "1,43"),
        (1.427128, "ratio", "en", 2, "1.43"),
        (float("nan"), "money", "fr", 2, "–"),
        (None, "percent", "en", 1, "–"),
        (-0.0004, "ratio", "fr", 2, "0,00"),  # no "−0,00"
        (123456789012.0, None, "fr", None, f"123{NNBSP}456{NNBSP}789{NNBSP}012"),
        (0.000123, None, "en", None, "0.000"),  # three decimals at most
        (0.0278, None, "fr", None, "0,028"),
        (358.474228, None, "en", None, "358"),
    ],
)
def test_format_value(value, kind, language, decimals, expected):
    assert format_value(value, kind, language, decimals=decimals) == expected


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("revenue", "money"),
        ("clv_total", "money"),
        ("revenue_share", "percent"),
        ("share_channel_web", "percent"),
        ("customer_share_A", "percent"),
        ("top_10pct_share", "percent"),
        ("relative_share", "ratio"),  # a ratio to the largest competitor, not a share
        ("win_rate", "percent"),
        ("conversion_lead", "percent"),
        ("customers", "count"),
        ("class_A_customers", "count"),
        ("lost_at_proposal", "count"),
        ("cycle_median_days", "count"),
        ("ltv_cac", "ratio"),
        ("growth_score", "ratio"),
        ("value", None),  # money or a count depending on the row
        ("Chiffre d'affaires", None),  # not a canonical name
    ],
)
def test_column_kind(name, kind):
    assert column_kind(name) == kind


def test_column_decimals_follow_the_kind_and_never_invent_precision():
    assert column_decimals([1234.567891, 12.5], "money") == 0  # large amounts: no cents
    assert column_decimals([358.474228, 12.5], "money") == 2
    assert column_decimals([95.0, 55.0], "money") == 0
    assert column_decimals([0.183333, 0.2], "percent") == 1
    assert column_decimals([0.11, 0.2], "percent") == 0  # whole percentages stay whole
    assert column_decimals([543.0, 12.0], "count") == 0
    assert column_decimals([10.377437], "count") == 1  # a mean of counts
    assert column_decimals([4.550645], "ratio") == 2
    assert column_decimals([-33534.49, -3972.93], "ratio") == 0  # a log-likelihood
    assert column_decimals([6.8, 3.0], "ratio") == 1
    assert column_decimals([float("nan")], "money") == 0


def test_localise_tables_formats_each_column_by_its_kind():
    markup = (
        '<table class="dataframe"><thead><tr style="text-align: right;"><th></th>'
        "<th>segment</th><th>customers</th><th>customer_share</th><th>revenue</th>"
        "<th>basket</th><th>r_mean</th><th>value</th><th>growth</th></tr>"
        "<tr><th>rank</th><th></th><th></th><th></th><th></th><th></th><th></th><th></th>"
        "<th></th></tr></thead><tbody>"
        "<tr><th>1</th><td>champions</td><td>12543</td><td>0.238681</td><td>9481607.34</td>"
        "<td>358.474228</td><td>4.550645</td><td>2275.000000</td><td>NaN</td></tr>"
        "<tr><th>2</th><td>loyal</td><td>87</td><td>0.1</td><td>5.157052e+06</td>"
        "<td>12.5</td><td>4.0</td><td>0.593902</td><td>0.0533</td></tr>"
        "</tbody></table>"
    )
    fr = localise_tables(markup, "fr")
    cells = re.findall(r"<td>(.*?)</td>", fr)
    assert cells == [
        "Champions",
        f"12{NNBSP}543",
        f"23,9{NBSP}%",
        f"9{NNBSP}481{NNBSP}607{NBSP}€",
        f"358,47{NBSP}€",
        "4,55",
        f"2{NNBSP}275",
        "–",
        "Fidèles",
        "87",
        f"10,0{NBSP}%",
        f"5{NNBSP}157{NNBSP}052{NBSP}€",
        f"12,50{NBSP}€",
        "4,00",
        "0,594",
        f"5,3{NBSP}%",
    ]
    en = localise_tables(markup, "en", currency="USD")
    cells = re.findall(r"<td>(.*?)</td>", en)
    assert cells[1:7] == ["12,543", "23.9%", "$9,481,607", "$358.47", "4.55", "2,275"]
    assert "<th>1</th>" in en  # the index is left as it is


def test_localise_tables_follows_column_and_row_spans():
    markup = (
        '<table><thead><tr><th></th><th colspan="2">revenue</th><th>win_rate</th></tr>'
        "<tr><th></th><th>revenue</th><th>orders</th><th>win_rate</th></tr></thead><tbody>"
        '<tr><th rowspan="2">web</th><td>1500.25</td><td>3</td><td>0.25</td></tr>'
        "<tr><td>20.5</td><td>4</td><td>0.5</td></tr></tbody></table>"
    )
    cells = re.findall(r"<td>(.*?)</td>", localise_tables(markup, "en"))
    assert cells == ["€1,500", "3", "25%", "€20", "4", "50%"]


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    st.sampled_from(["money", "percent", "count", "ratio", None]),
)
def test_french_table_number_parses_back_within_its_rounding(value, kind):
    decimals = column_decimals([value], kind)
    text = format_value(value, kind, "fr", decimals=decimals)
    number = text.removesuffix(f"{NBSP}€").removesuffix(f"{NBSP}%")
    assert "." not in number and "-" not in number
    parsed = float(number.replace(NNBSP, "").replace("−", "-").replace(",", "."))
    shown = value * 100 if kind == "percent" else value
    assert parsed == pytest.approx(shown, abs=0.5 * 10**-decimals + 1e-9 * abs(shown))
