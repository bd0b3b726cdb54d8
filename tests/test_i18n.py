"""Numbers, money, percentages and dates follow the engagement's language."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.i18n import (
    MESSAGES,
    NBSP,
    NNBSP,
    data_warning,
    format_currency,
    format_date,
    format_number,
    format_percent,
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
        '<table class="dataframe"><thead><tr><th>customer_id</th><th>revenue</th>'
        "<th>month</th><th>quadrant</th><th>year</th></tr></thead><tbody><tr><th>0</th>"
        "<td>C001</td><td>65242.5</td><td>2026-11-28</td><td>cash_cow</td><td>2024</td>"
        "</tr><tr><td>A &amp; B</td><td>123456</td><td>x</td><td>attainable, time_bound</td>"
        "<td><b>kept</b></td></tr></tbody></table>"
    )
    fr = localise_tables(markup, "fr")
    for expected in [
        "<th>Client</th>",
        "<th>Chiffre d'affaires</th>",
        "<td>65" + NNBSP + "242,5</td>",
        "<td>28/11/2026</td>",
        "<td>Vache à lait</td>",
        "<td>2024</td>",  # a year keeps its four digits
        "<td>123" + NNBSP + "456</td>",
        "<td>A &amp; B</td>",
        "<td>atteignable, Temporellement défini</td>",
        "<td><b>kept</b></td>",  # nested markup left alone
    ]:
        assert expected in fr, expected
    en = localise_tables(markup, "en")
    assert "<th>Customer</th>" in en and "<td>65242.5</td>" in en and "<td>2026-11-28</td>" in en


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
