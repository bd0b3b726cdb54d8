"""Numbers, money, percentages and dates follow the engagement's language."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.i18n import (
    NBSP,
    NNBSP,
    format_currency,
    format_date,
    format_number,
    format_percent,
    label,
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
