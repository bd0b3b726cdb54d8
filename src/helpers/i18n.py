"""Client-facing words and number formats in the engagement's language (``en`` or ``fr``).

Each chapter module keeps its own ``LABELS = {"en": {...}, "fr": {...}}`` and looks words
up with :func:`label`; numbers, money, percentages and dates are formatted here so that a
French report reads ``1 234,56 €`` and ``28/11/2026`` and an English one ``€1,234.56`` and
``2026-11-28``.
"""

from __future__ import annotations

import html
import math
import re
import string
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from helpers import terms
from helpers.errors import DataWarning

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
    if round(value, decimals) == 0:
        value = 0  # no "−0" for a small negative number
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
    sign = "−" if round(value, decimals) < 0 else ""
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


# ---- names of columns, values and tables ---------------------------------------------------
_SNAKE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)+$")


def _pick(pair: tuple[str, str], language: str) -> str:
    return pair[LANGUAGES.index(check_language(language))]


def term(name: str, language: str) -> str:
    """The client's word for a canonical name: a column, a coded value or a pattern.

    Looks ``name`` up in :data:`helpers.terms.COLUMNS`, then :data:`~helpers.terms.VALUES`,
    then the name patterns (``share_channel_web`` -> ``Part : web``); any other snake_case
    name reads as words (``new_name`` -> ``New name``); other text is returned unchanged.

    Examples
    --------
    >>> term("monetary_value", "en"), term("customer_id", "fr")
    ('Monetary value', 'Client')
    """
    for table in (terms.COLUMNS, terms.VALUES):
        if name in table:
            return _pick(table[name], language)
    pattern = _pattern(name)
    if pattern is not None:
        match, pair = pattern
        fields = match.groupdict()
        if fields.get("stage") in terms.STAGES:
            fields["stage"] = _pick(terms.STAGES[fields["stage"]], language)
        return _pick(pair, language).format(**fields)
    if _SNAKE.match(name):
        return name.replace("_", " ").capitalize()
    return name


def _pattern(name: str) -> tuple[re.Match[str], tuple[str, str]] | None:
    """The first name pattern of :data:`helpers.terms.PATTERNS` that ``name`` matches."""
    for pattern, pair in terms.PATTERNS:
        match = re.match(pattern, name)
        if match:
            return match, pair
    return None


def is_kit_code(text: str) -> bool:
    """Whether a cell's text is a name the kit writes (a catalogued column, value or name
    pattern), as opposed to the client's own text or ids (``sku_12`` is not)."""
    return text in terms.VALUES or text in terms.COLUMNS or _pattern(text) is not None


def table_name(name: str, language: str) -> str:
    """A result table's name as a client reads it (``monthly_revenue`` -> ``CA mensuel``)."""
    if name in terms.TABLES:
        return _pick(terms.TABLES[name], language)
    return term(name, language)


_CELL = re.compile(r"(<(th|td)\b[^>]*>)(.*?)(</\2>)", re.S)
_ROW = re.compile(r"<tr\b[^>]*>.*?</tr>", re.S)
_TABLE = re.compile(r"<table\b.*?</table>", re.S)
_SPAN = re.compile(r"""\b(colspan|rowspan)\s*=\s*["']?(\d+)""")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$")
_INT = re.compile(r"^-?\d+$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?: 00:00:00)?$")
#: how pandas writes a missing value in a table
_MISSING_TEXTS = frozenset({"NaN", "nan", "<NA>", "NaT"})
#: what a client reads in place of a missing value
MISSING = "–"
#: kinds of numeric column (see :data:`helpers.terms.KINDS`)
NUMBER_KINDS = ("money", "percent", "count", "ratio")
#: the decimals pandas shows at most (``display.precision``): more are noise
_MAX_PRECISION = 6


def column_kind(name: str) -> str | None:
    """How a column's numbers read: ``money``, ``percent``, ``count``, ``ratio`` or None.

    Looks the canonical name up in :data:`helpers.terms.KINDS`, then matches the name
    shapes of :data:`helpers.terms.KIND_PATTERNS` (``share_channel_web`` is a percentage);
    None for a column of unknown kind (or the client's own column names).

    Examples
    --------
    >>> column_kind("revenue"), column_kind("customer_share_A"), column_kind("value")
    ('money', 'percent', None)
    """
    if name in terms.KINDS:
        return terms.KINDS[name]
    for pattern, kind in terms.KIND_PATTERNS:
        if re.search(pattern, name):
            return kind
    return None


def _precision(value: float) -> int:
    """The decimals ``value`` carries, at most six (``2.50`` -> 1, ``40000.0`` -> 0)."""
    text = f"{abs(value):.{_MAX_PRECISION}f}".rstrip("0")
    return len(text.split(".")[1])


def column_decimals(values: Iterable[float], kind: str | None) -> int:
    """The decimals every number of a column is shown with, one rule for the column.

    Never more than the values carry; money takes none once an amount reaches 1,000 and two
    below; a percentage one, a ratio two (none past 1,000), a count none (one for a mean
    of counts); a number of unknown kind three significant digits (at most three
    decimals), each cell on its own.

    Examples
    --------
    >>> column_decimals([0.183333, 0.2], "percent"), column_decimals([1234.567891], "money")
    (1, 0)
    >>> column_decimals([358.474228, 12.5], "money"), column_decimals([0.154960], None)
    (2, 3)
    """
    finite = [abs(float(v)) for v in values if math.isfinite(v)]
    if not finite:
        return 0
    precision = max(_precision(v) for v in finite)
    largest = max(finite)
    if kind == "money":
        limit = 0 if largest >= 1000 else 2
    elif kind == "percent":
        precision, limit = max(precision - 2, 0), 1
    elif kind == "count":
        limit = 1
    elif kind == "ratio":
        limit = 2 if largest < 1000 else 0
    else:
        limit = 0 if largest == 0 else min(max(2 - math.floor(math.log10(largest)), 0), 3)
    return min(precision, limit)


def format_value(
    value: float | None,
    kind: str | None,
    language: str = "en",
    *,
    currency: str = "EUR",
    decimals: int | None = None,
) -> str:
    """One number of a table as the client reads it, by its column's ``kind``.

    Parameters
    ----------
    value
        The number (None or NaN reads ``–``).
    kind
        ``money``, ``percent``, ``count``, ``ratio`` (see :func:`column_kind`) or None.
    language, currency
        The engagement's language and ISO currency code.
    decimals
        The column's decimals (:func:`column_decimals`); by default those of ``value``
        alone.

    Examples
    --------
    >>> format_value(1234.5, "money", "fr", decimals=2)
    '1\u202f234,50\xa0€'
    >>> format_value(0.186, "percent", "en")
    '18.6%'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if decimals is None:
        decimals = column_decimals([value], kind)
    if kind == "money":
        return format_currency(value, currency, language, decimals=decimals)
    if kind == "percent":
        return format_percent(value, language, decimals=decimals)
    return format_number(value, language, decimals=decimals)


def localise_cell(
    text: str,
    language: str,
    *,
    header: bool,
    kind: str | None = None,
    decimals: int | None = None,
    currency: str = "EUR",
) -> str:
    """One table cell's text as the client reads it.

    Headers and coded values become words (:func:`term`); numbers read by their column's
    ``kind`` and ``decimals`` (:func:`format_value`) with the language's separators;
    missing values read ``–``; in French, ISO dates read ``28/11/2026``. Integers of four
    digits or fewer in a column of unknown kind (years, ranks, ids) stay as written.
    """
    raw = text.strip()
    if not raw:
        return text
    if header:
        return term(raw, language)
    if is_kit_code(raw):
        return term(raw, language)  # a name the kit writes; client ids stay as they are
    parts = raw.split(", ")
    if len(parts) > 1 and all(p in terms.VALUES for p in parts):  # a list of codes
        return ", ".join(term(p, language) for p in parts)
    if raw in _MISSING_TEXTS:
        return MISSING
    if _NUMBER.match(raw):
        if kind is None and _INT.match(raw) and len(raw.lstrip("-")) <= 4:
            return text
        return format_value(float(raw), kind, language, currency=currency, decimals=decimals)
    date_match = _ISO_DATE.match(raw)
    if date_match and language == "fr":
        year, month, day = date_match.groups()
        return f"{day}/{month}/{year}"
    return text


def _span(opening: str, attribute: str) -> int:
    found = dict(_SPAN.findall(opening))
    return max(int(found.get(attribute, 1)), 1)


def _cell_columns(rows: list[re.Match[str]], markup: str) -> list[tuple[re.Match[str], int]]:
    """The cells of ``rows`` with the column each one starts in (row and column spans)."""
    out = []
    spanned: dict[int, int] = {}  # column -> rows still covered by a cell above
    for row in rows:
        column = 0
        for cell in _CELL.finditer(markup, row.start(), row.end()):
            while spanned.get(column, 0) > 0:
                column += 1
            out.append((cell, column))
            width = _span(cell.group(1), "colspan")
            height = _span(cell.group(1), "rowspan")
            for c in range(column, column + width):
                spanned[c] = max(spanned.get(c, 0), height)
            column += width
        spanned = {c: n - 1 for c, n in spanned.items() if n > 1}
    return out


def _localise_table(markup: str, language: str, currency: str) -> str:
    """One ``<table>``: headers in words, each column's numbers by its kind."""
    head_end = markup.find("</thead>")
    rows = list(_ROW.finditer(markup))
    head = [r for r in rows if head_end >= 0 and r.start() < head_end]
    body = [r for r in rows if r not in head]
    names: dict[int, str] = {}
    for cell, column in _cell_columns(head, markup):
        text = html.unescape(cell.group(3)).strip()
        if text and "<" not in text:
            for c in range(column, column + _span(cell.group(1), "colspan")):
                names[c] = text  # the lowest header row names the column
    body_cells = _cell_columns(body, markup)
    kinds = {c: column_kind(name) for c, name in names.items()}
    numbers: dict[int, list[float]] = {}
    for cell, column in body_cells:
        raw = html.unescape(cell.group(3)).strip()
        if cell.group(2) == "td" and _NUMBER.match(raw):
            numbers.setdefault(column, []).append(float(raw))
    # a column of unknown kind may mix amounts and shares row by row (``metric, value``
    # tables): its numbers each take their own decimals
    decimals = {c: column_decimals(v, kinds[c]) for c, v in numbers.items() if kinds.get(c)}

    def rewrite(cell: re.Match[str], text: str) -> str:
        return f"{cell.group(1)}{html.escape(text, quote=False)}{cell.group(4)}"

    parts, last = [], 0
    cells = [(c, None) for r in head for c in _CELL.finditer(markup, r.start(), r.end())]
    for cell, column in [*cells, *body_cells]:
        inner = cell.group(3)
        if "<" in inner:  # nested markup: leave it alone
            continue
        text = html.unescape(inner)
        if column is None:
            new = localise_cell(text, language, header=True)
        elif cell.group(2) == "th" and not _NUMBER.match(text.strip()):
            new = localise_cell(text, language, header=not _ISO_DATE.match(text.strip()))
        else:
            new = localise_cell(
                text,
                language,
                header=False,
                kind=kinds.get(column),
                decimals=decimals.get(column),
                currency=currency,
            )
        parts += [markup[last : cell.start()], rewrite(cell, new)]
        last = cell.end()
    return "".join(parts) + markup[last:]


def localise_tables(markup: str, language: str, *, currency: str = "EUR") -> str:
    """Every table of an HTML output (a DataFrame's) as the client reads it.

    Headers and codes in the client's words; each column's numbers formatted by its kind
    (:func:`column_kind`) with one number of decimals for the column
    (:func:`column_decimals`), money in ``currency``; see :func:`localise_cell`. The markup
    around the cells is left as it is; the CSVs and the workbook keep the raw numbers.
    """
    check_language(language)
    return _TABLE.sub(lambda m: _localise_table(m.group(0), language, currency), markup)


def translate(text: str, language: str) -> str:
    """An English phrase the notebooks pass to the kit (a section's name, what it needs)
    in ``language``; a phrase without a translation is returned as it is."""
    if check_language(language) == "fr":
        return terms.PHRASES.get(text, text)
    return text


# ---- messages that reach the client --------------------------------------------------------
#: data warnings and notes, by message id: ``{"en": ..., "fr": ...}`` with named fields.
#: Field specs: ``{n:,d}`` a number (Python's spec in English, French grouping in French),
#: ``{n:p:singular|plural}`` the words agreeing with ``n``, ``{b:c:if true|if false}`` a
#: choice, ``{d:date}`` a date.
MESSAGES: dict[str, dict[str, str]] = {
    "io.duplicates": {
        "en": "{label}: {count:,d} {count:p:row repeats|rows repeat} an earlier row exactly "
        "(first: row {first} repeats row {original}); {count:p:it is|they are} kept: remove "
        "{count:p:it|them} from {excel:c:the sheet|the export} if "
        "{count:p:it is a double entry|they are double entries}",
        "fr": "{label} : {count:,d} {count:p:ligne répète|lignes répètent} exactement une ligne "
        "précédente (la première : ligne {first}, qui répète la ligne {original}) ; "
        "{count:p:elle est conservée|elles sont conservées} : {count:p:supprimez-la|"
        "supprimez-les} {excel:c:de la feuille|de l'export} s'il s'agit d'un doublon",
    },
    "io.negative_amounts": {
        "en": "{label}: {count:,d} {count:p:row has|rows have} a negative amount (refunds or "
        "credit notes), {total:,.2f} in total; kept: refunds reduce revenue",
        "fr": "{label} : {count:,d} {count:p:ligne a|lignes ont} un montant négatif "
        "(remboursements ou avoirs), {total:,.2f} au total ; {count:p:conservée|conservées} : "
        "les remboursements réduisent le chiffre d'affaires",
    },
    "io.zero_amounts": {
        "en": "{label}: {count:,d} {count:p:row has|rows have} a zero amount (free items, "
        "cancelled lines); kept: they add no revenue and are not counted as orders",
        "fr": "{label} : {count:,d} {count:p:ligne a|lignes ont} un montant nul (articles "
        "gratuits, lignes annulées) ; {count:p:conservée|conservées} : elles n'ajoutent pas de "
        "chiffre d'affaires et ne comptent pas comme commandes",
    },
    "io.after_observation_end": {
        "en": "{label}: {count:,d} {count:p:row is|rows are} dated after observation_end "
        "({end:date}), the latest on {latest:date}; check observation_end in {config} or the "
        "export",
        "fr": "{label} : {count:,d} {count:p:ligne est datée|lignes sont datées} après la fin "
        "de la période observée ({end:date}), la plus récente le {latest:date} ; vérifiez "
        "observation_end dans {config} ou l'export",
    },
    "diagnostic.short_history": {
        "en": "monthly revenue: only {months} months, STL needs {needed}; the seasonality is "
        "estimated against a straight-line trend and is indicative only",
        "fr": "chiffre d'affaires mensuel : seulement {months} mois, la méthode STL en demande "
        "{needed} ; la saisonnalité est estimée autour d'une tendance linéaire et n'est "
        "qu'indicative",
    },
    "diagnostic.non_positive_customers": {
        "en": "transactions: {count} customer(s) have zero or negative net revenue (refunds "
        "at least equal to purchases); they count with share 0 in class C",
        "fr": "transactions : {count} {count:p:client a|clients ont} un chiffre d'affaires net "
        "nul ou négatif (remboursements au moins égaux aux achats) ; "
        "{count:p:il compte|ils comptent} pour une part nulle en classe C",
    },
    "pipeline.stage_before_creation": {
        "en": "opportunities {ids}: a stage date is before the creation date ({count} "
        "{count:p:opportunity|opportunities}, flagged); their sales cycle is left out, their "
        "stages and outcome still count. Fix created_date in the CRM export",
        "fr": "affaires {ids} : une date d'étape précède la date de création ({count} "
        "{count:p:affaire signalée|affaires signalées}) ; leur cycle de vente est écarté, "
        "leurs étapes et leur issue comptent toujours. Corrigez created_date dans l'export "
        "du CRM",
    },
}


class _MessageFormatter(string.Formatter):
    def __init__(self, language: str) -> None:
        self.language = language

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec.startswith("p:"):
            singular, plural = format_spec[2:].split("|")
            one = abs(value) < 2 if self.language == "fr" else value == 1
            return singular if one else plural
        if format_spec.startswith("c:"):
            if_true, if_false = format_spec[2:].split("|")
            return if_true if value else if_false
        if format_spec == "date":
            day = date.fromisoformat(str(value)[:10])
            return format_date(day, self.language)
        if self.language == "fr" and isinstance(value, int | float) and format_spec:
            decimals = int(m.group(1)) if (m := re.search(r"\.(\d+)f", format_spec)) else 0
            return format_number(value, "fr", decimals=decimals)
        return super().format_field(value, format_spec)


def message(msg_id: str, language: str = "en", **fields: Any) -> str:
    """The text of a catalogued message in ``language``, its fields filled in.

    Examples
    --------
    >>> message("io.zero_amounts", "fr", label="ventes.csv", count=1)[:40]
    'ventes.csv : 1 ligne a un montant nul (a'
    """
    texts = MESSAGES[msg_id]
    return _MessageFormatter(check_language(language)).format(texts[language], **fields)


def data_warning(msg_id: str, **fields: Any) -> DataWarning:
    """A :class:`~helpers.errors.DataWarning` whose text is in English and that carries its
    message id and fields, so the report can show it in the engagement's language."""
    warning = DataWarning(message(msg_id, "en", **fields))
    warning.msg_id = msg_id  # type: ignore[attr-defined]
    warning.fields = {k: _plain(v) for k, v in fields.items()}  # type: ignore[attr-defined]
    return warning


def _plain(value: Any) -> Any:
    """A field value as JSON can hold it (numpy numbers, dates)."""
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def note_text(entry: Mapping[str, Any], language: str) -> str:
    """A recorded warning (``{"message", "msg_id"?, "fields"?}``) in ``language``.

    A catalogued warning is re-written from its id and fields; any other is shown as
    recorded.
    """
    msg_id = entry.get("msg_id")
    if msg_id in MESSAGES:
        return message(msg_id, language, **entry.get("fields", {}))
    return str(entry.get("message", ""))


__all__ = [
    "LANGUAGES",
    "MESSAGES",
    "check_language",
    "column_decimals",
    "column_kind",
    "data_warning",
    "format_currency",
    "format_date",
    "format_number",
    "format_percent",
    "format_value",
    "is_kit_code",
    "label",
    "localise_cell",
    "localise_tables",
    "message",
    "note_text",
    "table_name",
    "term",
    "translate",
]
