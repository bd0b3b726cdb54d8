"""Client-facing words and number formats in the engagement's language (``en`` or ``fr``).

Each chapter module keeps its own ``LABELS = {"en": {...}, "fr": {...}}`` and looks words
up with :func:`label`; numbers, money, percentages and dates are formatted here so that a
French report reads ``1 234,56 €`` and ``28/11/2026`` and an English one ``€1,234.56`` and
``2026-11-28``.
"""

from __future__ import annotations

import math
from datetime import date, datetime

LANGUAGES = ("en", "fr")
#: French typography: narrow no-break space between thousands, no-break space before units
NNBSP = "\u202f"
NBSP = "\u00a0"

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF", "JPY": "¥", "CAD": "CA$"}


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(
            f"The value for `language` must be one of {LANGUAGES}, but {language!r} was passed."
        )
    return language


def label(labels: dict[str, dict[str, str]], key: str, language: str) -> str:
    """Look ``key`` up in ``labels[language]``, falling back to English, then to the key."""
    check_language(language)
    return labels.get(language, {}).get(key) or labels.get("en", {}).get(key) or key


def format_number(value: float | None, language: str = "en", *, decimals: int = 0) -> str:
    """Format a number with the language's thousands and decimal separators."""
    check_language(language)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    if language == "fr":
        text = text.replace(",", NNBSP).replace(".", ",")
    return text.replace("-", "−") if value < 0 else text


def format_currency(
    value: float | None, currency: str = "EUR", language: str = "en", *, decimals: int = 0
) -> str:
    """``1 234,56 €`` in French, ``€1,234.56`` in English (ISO code when no symbol)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    number = format_number(abs(value), language, decimals=decimals)
    sign = "−" if value < 0 else ""
    if language == "fr":
        return f"{sign}{number}{NBSP}{symbol}"
    if len(symbol) > 1 and symbol.isalpha():
        return f"{sign}{symbol}{NBSP}{number}"
    return f"{sign}{symbol}{number}"


def format_percent(value: float | None, language: str = "en", *, decimals: int = 0) -> str:
    """A share as a percentage: ``12 %`` in French, ``12%`` in English."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    number = format_number(value * 100, language, decimals=decimals)
    return f"{number}{NBSP}%" if language == "fr" else f"{number}%"


def format_date(value: date | datetime, language: str = "en") -> str:
    """``28/11/2026`` in French, ISO ``2026-11-28`` in English."""
    check_language(language)
    return value.strftime("%d/%m/%Y") if language == "fr" else value.strftime("%Y-%m-%d")


__all__ = [
    "LANGUAGES",
    "check_language",
    "format_currency",
    "format_date",
    "format_number",
    "format_percent",
    "label",
]
