"""Internal diagnostic: where the client's revenue comes from and what it can build on.

Before any strategy, the method asks for a complete picture of the current commercial
situation: how revenue moves (trend, growth, seasonality, mix), how dependent it is on a
few customers (Pareto, ABC, Herfindahl), what the team sees as strengths, weaknesses,
opportunities and threats (SWOT, with TOWS options), and which resources can carry a
lasting advantage (VRIO).
"""

from __future__ import annotations

import math
import textwrap
import warnings
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.errors import InputError
from helpers.i18n import check_language, data_warning, format_percent, label
from helpers.plots import (
    BAD_COLOR,
    CLIENT_COLOR,
    GOOD_COLOR,
    NEUTRAL_COLOR,
    PALETTE,
    currency_formatter,
    get_ax,
    localise_axes,
    percent_formatter,
)
from helpers.schema import SWOT_QUADRANTS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Characters per line of a chart headline before it wraps.
HEADLINE_WIDTH = 70

# ---- constants ---------------------------------------------------------------------------
#: Seasonal period of a monthly series.
MONTHS_PER_YEAR = 12
#: STL needs two full seasonal cycles; below this the fallback is used.
MIN_MONTHS_STL = 2 * MONTHS_PER_YEAR
#: Fewer months than this cannot give a trend at all.
MIN_MONTHS_TREND = 3
#: Optional transaction columns the revenue mix can be split by.
MIX_DIMENSIONS = ("channel", "region", "category")
#: Label for transactions whose mix dimension is empty.
UNKNOWN = "(unknown)"
#: Default ABC cut-offs (cumulative revenue shares) and top-customer shares.
DEFAULT_ABC = (0.80, 0.95)
DEFAULT_TOP_SHARES = (0.10, 0.20)
ABC_CLASSES = ("A", "B", "C")
#: SWOT weights run from 1 to 5.
SWOT_WEIGHT_RANGE = (1, 5)
INTERNAL_QUADRANTS = ("strength", "weakness")
EXTERNAL_QUADRANTS = ("opportunity", "threat")
QUADRANT_LETTER = {"strength": "S", "weakness": "W", "opportunity": "O", "threat": "T"}
TOWS_TYPES = ("SO", "ST", "WO", "WT")
#: SWOT grid typography: font bounds (pt), line height and mean character width (in ems).
SWOT_MAX_FONT, SWOT_MIN_FONT = 12.0, 6.5
LINE_HEIGHT_EM = 1.25 * 1.2
CHAR_WIDTH_EM = 0.52
LAYOUT_FILL = 0.93  # share of the figure a layout engine gives a lone Axes
POINTS_PER_INCH = 72
VRIO_QUESTIONS = ("valuable", "rare", "inimitable", "organised")
VRIO_IMPLICATIONS = (
    "competitive_disadvantage",
    "competitive_parity",
    "temporary_advantage",
    "unused_advantage",
    "sustained_advantage",
)
VRIO_COLORS = {
    "competitive_disadvantage": BAD_COLOR,
    "competitive_parity": NEUTRAL_COLOR,
    "temporary_advantage": PALETTE[6],
    "unused_advantage": PALETTE[1],
    "sustained_advantage": GOOD_COLOR,
}

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "month": "Month",
        "revenue": "Revenue",
        "trend": "Trend",
        "share_of_revenue": "Share of revenue",
        "year": "Year",
        "revenue_up": "Revenue up {pct} over the last 12 months",
        "revenue_down": "Revenue down {pct} over the last 12 months",
        "revenue_monthly": "Monthly revenue and its trend",
        "seasonal_index": "Seasonal index (1 = average month)",
        "calendar_month": "Calendar month",
        "season_peak": "Peak in {peak} ({up} above an average month), trough in {trough} ({down})",
        "season_flat": "No marked seasonality",
        "mix_title": "{value} goes from {start} to {end} of revenue ({first}–{last})",
        "mix_title_flat": "Revenue by {dimension}: a stable mix",
        "channel": "channel",
        "region": "region",
        "category": "category",
        "share_customers": "Share of customers (ranked by revenue)",
        "cum_share_revenue": "Cumulative share of revenue",
        "pareto_title": "{customers} of customers bring {cut} of revenue",
        "class": "Class {name}",
        "strength": "Strengths",
        "weakness": "Weaknesses",
        "opportunity": "Opportunities",
        "threat": "Threats",
        "swot_title": "SWOT: {n} items, weights shown in brackets",
        "more_items": "… and {n} more",
        "competitive_disadvantage": "Competitive disadvantage",
        "competitive_parity": "Competitive parity",
        "temporary_advantage": "Temporary advantage",
        "unused_advantage": "Unused advantage",
        "sustained_advantage": "Sustained advantage",
        "valuable": "Valuable",
        "rare": "Rare",
        "inimitable": "Inimitable",
        "organised": "Organised",
        "implication": "Implication",
        "vrio_title": "{n} of {total} resources give a sustained advantage",
    },
    "fr": {
        "month": "Mois",
        "revenue": "Chiffre d'affaires",
        "trend": "Tendance",
        "share_of_revenue": "Part du chiffre d'affaires",
        "year": "Année",
        "revenue_up": "Chiffre d'affaires en hausse de {pct} sur les 12 derniers mois",
        "revenue_down": "Chiffre d'affaires en baisse de {pct} sur les 12 derniers mois",
        "revenue_monthly": "Chiffre d'affaires mensuel et sa tendance",
        "seasonal_index": "Indice saisonnier (1 = mois moyen)",
        "calendar_month": "Mois de l'année",
        "season_peak": "Pic en {peak} ({up} au-dessus d'un mois moyen), creux en {trough} ({down})",
        "season_flat": "Pas de saisonnalité marquée",
        "mix_title": "{value} passe de {start} à {end} du chiffre d'affaires ({first}–{last})",
        "mix_title_flat": "Chiffre d'affaires par {dimension} : un mix stable",
        "channel": "canal",
        "region": "région",
        "category": "catégorie",
        "share_customers": "Part des clients (classés par chiffre d'affaires)",
        "cum_share_revenue": "Part cumulée du chiffre d'affaires",
        "pareto_title": "{customers} des clients font {cut} du chiffre d'affaires",
        "class": "Classe {name}",
        "strength": "Forces",
        "weakness": "Faiblesses",
        "opportunity": "Opportunités",
        "threat": "Menaces",
        "swot_title": "SWOT : {n} éléments, poids entre crochets",
        "more_items": "… et {n} de plus",
        "competitive_disadvantage": "Désavantage concurrentiel",
        "competitive_parity": "Parité concurrentielle",
        "temporary_advantage": "Avantage temporaire",
        "unused_advantage": "Avantage inexploité",
        "sustained_advantage": "Avantage durable",
        "valuable": "Valeur",
        "rare": "Rareté",
        "inimitable": "Inimitabilité",
        "organised": "Organisation",
        "implication": "Implication",
        "vrio_title": "{n} ressources sur {total} donnent un avantage durable",
    },
}


MONTH_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "fr": (
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    ),
}


def _month_names(language: str) -> tuple[str, ...]:
    check_language(language)
    return MONTH_NAMES[language]


def _headline(text: str) -> str:
    """Wrap a chart headline so that it stays inside the figure."""
    return "\n".join(textwrap.wrap(text, width=HEADLINE_WIDTH)) if text else text


def chart_headline(ax: Axes) -> str:
    """The headline a chart function wrote as its title, on one line (for findings).

    Looks at the left, centre and right titles, since the house theme puts titles on
    the left.
    """
    for loc in ("left", "center", "right"):
        title = ax.get_title(loc=loc)
        if title:
            return " ".join(title.split())
    return ""


# ---- validation --------------------------------------------------------------------------
def _require(df: pd.DataFrame, columns: Iterable[str], *, what: str) -> None:
    """Raise InputError naming the missing columns of ``what``."""
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{what}: expected a DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            f"{what}: missing column(s) {', '.join(missing)}; "
            f"found {', '.join(map(str, df.columns))}. "
            "Map them in engagement.yaml (data.<source>.columns) or fix the sheet."
        )


def _bool_column(df: pd.DataFrame, column: str, *, what: str, key: str) -> pd.Series:
    values = df[column]
    try:
        out = values.astype("boolean")
    except (TypeError, ValueError):
        raise InputError(
            f"{what}: column {column!r} must be yes/no, found {values.unique()[:5].tolist()}"
        ) from None
    if out.isna().any():
        rows = df.loc[out.isna(), key].astype(str).tolist()[:5]
        raise InputError(
            f"{what}: column {column!r} is empty for {', '.join(rows)}; answer yes or no"
        )
    return out.astype(bool)


def _transactions(transactions: pd.DataFrame) -> pd.DataFrame:
    _require(transactions, ("customer_id", "order_date", "amount"), what="transactions")
    tx = transactions.copy()
    tx["order_date"] = pd.to_datetime(tx["order_date"])
    tx["amount"] = pd.to_numeric(tx["amount"])
    if tx["order_date"].isna().any():
        raise InputError("transactions: order_date has empty values; drop or fix those rows")
    return tx


# ---- revenue performance -----------------------------------------------------------------
def monthly_revenue(
    transactions: pd.DataFrame,
    *,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Net revenue, orders and buying customers per calendar month.

    Parameters
    ----------
    transactions
        Canonical transactions (``customer_id``, ``order_date``, ``amount``; ``order_id``
        optional).
    start, end
        First and last month to report (default: the first and last month with a line).
        Lines outside are dropped.

    Returns
    -------
    DataFrame
        ``month`` (first day of the month), ``revenue`` (net: refunds subtract),
        ``orders`` (distinct ``order_id`` with a positive amount, or positive lines when
        there is no ``order_id``), ``customers`` (distinct customers with a positive
        line). Every month of the range appears, months without sales with zeros.
    """
    tx = _transactions(transactions)
    tx["month"] = tx["order_date"].dt.to_period("M")
    first = pd.Period(start, "M") if start is not None else tx["month"].min()
    last = pd.Period(end, "M") if end is not None else tx["month"].max()
    if pd.isna(first) or pd.isna(last):
        raise InputError("transactions: no lines to aggregate; the table is empty")
    if last < first:
        raise InputError(f"monthly_revenue: end {last} is before start {first}")
    tx = tx[(tx["month"] >= first) & (tx["month"] <= last)]
    positive = tx[tx["amount"] > 0]
    revenue = tx.groupby("month")["amount"].sum()
    if "order_id" in positive.columns:
        orders = positive.groupby("month")["order_id"].nunique()
    else:
        orders = positive.groupby("month").size()
    customers = positive.groupby("month")["customer_id"].nunique()
    months = pd.period_range(first, last, freq="M")
    out = pd.DataFrame(
        {
            "month": months.to_timestamp(),
            "revenue": revenue.reindex(months, fill_value=0.0).to_numpy(dtype=float),
            "orders": orders.reindex(months, fill_value=0).to_numpy(dtype="int64"),
            "customers": customers.reindex(months, fill_value=0).to_numpy(dtype="int64"),
        }
    )
    return out


def _check_monthly(monthly: pd.DataFrame) -> pd.DataFrame:
    _require(monthly, ("month", "revenue"), what="monthly revenue")
    m = monthly.copy()
    m["month"] = pd.to_datetime(m["month"])
    m = m.sort_values("month", ignore_index=True)
    expected = pd.date_range(m["month"].iloc[0], periods=len(m), freq="MS") if len(m) else []
    if len(m) and not (m["month"].to_numpy() == np.asarray(expected)).all():
        raise InputError(
            "monthly revenue: months must be consecutive first days of month; build the "
            "table with monthly_revenue(), which fills months without sales with zeros"
        )
    return m


def growth_summary(monthly: pd.DataFrame) -> pd.DataFrame:
    """Revenue per calendar year and its growth on a like-for-like basis.

    Growth of a year compares it with the previous year *on the calendar months both
    years cover*: two complete years compare in full; a partial last year (e.g. January
    to September) compares with the same months of the year before (year to date); a
    partial first year likewise.

    Returns
    -------
    DataFrame
        ``year``, ``months`` (months covered), ``complete`` (12 months), ``revenue``
        (all covered months), ``comparable_months``, ``revenue_comparable``,
        ``previous_comparable`` (previous year, same months), ``growth``
        (``revenue_comparable / previous_comparable - 1``; NaN for the first year or
        when the previous revenue is not positive) and ``basis`` (``"full year"`` or
        ``"same months"``).
    """
    m = _check_monthly(monthly)
    m["year"] = m["month"].dt.year
    m["moy"] = m["month"].dt.month
    rows = []
    by_year = {y: g.set_index("moy")["revenue"] for y, g in m.groupby("year")}
    for year, series in by_year.items():
        prev = by_year.get(year - 1)
        common = series.index.intersection(prev.index) if prev is not None else pd.Index([])
        rev_c = float(series.loc[common].sum()) if len(common) else math.nan
        prev_c = float(prev.loc[common].sum()) if len(common) else math.nan
        growth = rev_c / prev_c - 1 if len(common) and prev_c > 0 else math.nan
        full = len(common) == MONTHS_PER_YEAR
        rows.append(
            {
                "year": int(year),
                "months": len(series),
                "complete": len(series) == MONTHS_PER_YEAR,
                "revenue": float(series.sum()),
                "comparable_months": len(common),
                "revenue_comparable": rev_c,
                "previous_comparable": prev_c,
                "growth": growth,
                "basis": "full year" if full else ("same months" if len(common) else ""),
            }
        )
    return pd.DataFrame(rows)


def revenue_cagr(growth: pd.DataFrame) -> float:
    """Compound annual growth rate between the first and last *complete* years.

    ``(revenue_last / revenue_first) ** (1 / (last - first)) - 1``; NaN with fewer than
    two complete years or a non-positive first year.
    """
    _require(growth, ("year", "complete", "revenue"), what="growth summary")
    full = growth[growth["complete"].astype(bool)]
    if len(full) < 2:
        return math.nan
    first, last = full.iloc[0], full.iloc[-1]
    if first["revenue"] <= 0 or last["revenue"] < 0:
        return math.nan
    years = int(last["year"]) - int(first["year"])
    return float((last["revenue"] / first["revenue"]) ** (1 / years) - 1)


def decompose_revenue(monthly: pd.DataFrame, *, robust: bool = True) -> pd.DataFrame:
    """Split monthly revenue into trend, seasonal and residual parts (additive).

    With at least 24 months, statsmodels' STL (period 12) does the split. With fewer,
    the fallback is stated in ``method`` and a :class:`DataWarning` is issued: the trend
    is a straight line fitted by least squares, the seasonal part the mean deviation
    from it per calendar month (centred on zero), the residual what is left.

    Returns
    -------
    DataFrame
        ``month``, ``revenue``, ``trend``, ``seasonal``, ``resid``, ``method``
        (``"STL"`` or ``"linear trend (fewer than 24 months)"``);
        ``revenue == trend + seasonal + resid``.
    """
    m = _check_monthly(monthly)
    n = len(m)
    if n < MIN_MONTHS_TREND:
        raise InputError(
            f"monthly revenue: {n} month(s) cannot show a trend; at least {MIN_MONTHS_TREND} "
            "are needed (24 for seasonality with STL)"
        )
    y = m["revenue"].to_numpy(dtype=float)
    if n >= MIN_MONTHS_STL:
        from statsmodels.tsa.seasonal import STL

        res = STL(pd.Series(y, index=m["month"]), period=MONTHS_PER_YEAR, robust=robust).fit()
        trend, seasonal = np.asarray(res.trend), np.asarray(res.seasonal)
        method = "STL"
    else:
        warnings.warn(
            data_warning("diagnostic.short_history", months=n, needed=MIN_MONTHS_STL),
            stacklevel=2,
        )
        t = np.arange(n, dtype=float)
        slope, intercept = np.polyfit(t, y, 1)
        trend = intercept + slope * t
        detrended = pd.Series(y - trend)
        moy = m["month"].dt.month.to_numpy()
        means = detrended.groupby(moy).mean()
        means = means - means.mean()
        seasonal = means.reindex(moy).to_numpy()
        method = f"linear trend (fewer than {MIN_MONTHS_STL} months)"
    return pd.DataFrame(
        {
            "month": m["month"],
            "revenue": y,
            "trend": trend,
            "seasonal": seasonal,
            "resid": y - trend - seasonal,
            "method": method,
        }
    )


def seasonal_indices(decomposition: pd.DataFrame) -> pd.DataFrame:
    """Seasonal index per calendar month: 1.20 means 20 % above an average month.

    ``index = 1 + mean(seasonal of that calendar month) / mean(trend)``. Calendar months
    not observed get NaN.

    Returns
    -------
    DataFrame
        ``month_of_year`` (1-12), ``seasonal`` (mean additive effect, in currency),
        ``index``.
    """
    _require(decomposition, ("month", "trend", "seasonal"), what="revenue decomposition")
    level = float(decomposition["trend"].mean())
    if level <= 0:
        raise InputError(
            "revenue decomposition: the mean trend is not positive; indices are undefined"
        )
    moy = pd.to_datetime(decomposition["month"]).dt.month
    effect = decomposition["seasonal"].groupby(moy.to_numpy()).mean()
    effect = effect.reindex(range(1, MONTHS_PER_YEAR + 1))
    return pd.DataFrame(
        {
            "month_of_year": np.arange(1, MONTHS_PER_YEAR + 1),
            "seasonal": effect.to_numpy(),
            "index": 1 + effect.to_numpy() / level,
        }
    )


def mix_dimensions(transactions: pd.DataFrame) -> list[str]:
    """The optional mix columns (channel, region, category) the transactions have."""
    return [
        d for d in MIX_DIMENSIONS if d in transactions.columns and transactions[d].notna().any()
    ]


def revenue_mix(
    transactions: pd.DataFrame, *, dimensions: Sequence[str] | None = None
) -> pd.DataFrame:
    """Share of each year's net revenue by channel, region or category.

    Parameters
    ----------
    dimensions
        Columns to split by; default: those of channel, region, category present.
        Empty values are grouped as ``"(unknown)"``.

    Returns
    -------
    DataFrame
        ``dimension``, ``year``, ``value``, ``revenue``, ``share`` (of the year's net
        revenue). Empty when no dimension is present.
    """
    tx = _transactions(transactions)
    dims = list(dimensions) if dimensions is not None else mix_dimensions(tx)
    missing = [d for d in dims if d not in tx.columns]
    if missing:
        raise InputError(
            f"revenue_mix: transactions have no column {', '.join(missing)}; present mix "
            f"columns: {', '.join(mix_dimensions(tx)) or 'none'}"
        )
    tx["year"] = tx["order_date"].dt.year
    totals = tx.groupby("year")["amount"].sum()
    frames = []
    for dim in dims:
        values = tx[dim].astype("string").fillna(UNKNOWN)
        g = tx.assign(value=values).groupby(["year", "value"])["amount"].sum().reset_index()
        g["share"] = g["amount"] / g["year"].map(totals)
        g.insert(0, "dimension", dim)
        frames.append(g.rename(columns={"amount": "revenue"}))
    if not frames:
        return pd.DataFrame(columns=["dimension", "year", "value", "revenue", "share"])
    out = pd.concat(frames, ignore_index=True)
    out["value"] = out["value"].astype(str)
    return out.sort_values(
        ["dimension", "year", "revenue"], ascending=[True, True, False], ignore_index=True
    )


def plot_monthly_revenue(
    decomposition: pd.DataFrame,
    *,
    currency: str = "EUR",
    language: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """Monthly revenue as bars with the trend line; the title gives the 12-month change."""
    _require(decomposition, ("month", "revenue"), what="monthly revenue")
    ax = get_ax(ax)
    d = decomposition.sort_values("month")
    months = pd.to_datetime(d["month"])
    ax.bar(
        months,
        d["revenue"],
        width=25,
        color=CLIENT_COLOR,
        alpha=0.55,
        label=label(LABELS, "revenue", language),
    )
    if "trend" in d.columns:
        ax.plot(
            months,
            d["trend"],
            color=PALETTE[1],
            linewidth=2.5,
            label=label(LABELS, "trend", language),
        )
    title = label(LABELS, "revenue_monthly", language)
    if len(d) >= 2 * MONTHS_PER_YEAR:
        last = d["revenue"].iloc[-MONTHS_PER_YEAR:].sum()
        prev = d["revenue"].iloc[-2 * MONTHS_PER_YEAR : -MONTHS_PER_YEAR].sum()
        if prev > 0:
            change = last / prev - 1
            key = "revenue_up" if change >= 0 else "revenue_down"
            title = label(LABELS, key, language).format(pct=format_percent(abs(change), language))
    ax.yaxis.set_major_formatter(currency_formatter(currency, language))
    ax.legend(loc="upper left")
    ax.set(
        title=_headline(title),
        xlabel=label(LABELS, "month", language),
        ylabel=label(LABELS, "revenue", language),
    )
    return localise_axes(ax, language)


def plot_seasonality(
    indices: pd.DataFrame, *, language: str = "en", ax: Axes | None = None
) -> Axes:
    """Seasonal index per calendar month, bars around the average month (1.0)."""
    _require(indices, ("month_of_year", "index"), what="seasonal indices")
    ax = get_ax(ax)
    names = _month_names(language)
    d = indices.sort_values("month_of_year")
    values = d["index"].to_numpy(dtype=float)
    colors = [GOOD_COLOR if v >= 1 else BAD_COLOR for v in np.nan_to_num(values, nan=1.0)]
    ax.bar([names[int(i) - 1] for i in d["month_of_year"]], values - 1, bottom=1, color=colors)
    ax.axhline(1, color=NEUTRAL_COLOR, linewidth=1)
    title = label(LABELS, "season_flat", language)
    if np.isfinite(values).any():
        peak, trough = int(np.nanargmax(values)), int(np.nanargmin(values))
        if values[peak] - values[trough] > 0.05:
            title = label(LABELS, "season_peak", language).format(
                peak=names[peak],
                up=format_percent(values[peak] - 1, language),
                trough=names[trough],
                down=format_percent(values[trough] - 1, language),
            )
    ax.set(
        title=_headline(title),
        xlabel=label(LABELS, "calendar_month", language),
        ylabel=label(LABELS, "seasonal_index", language),
    )
    return localise_axes(ax, language)


def plot_revenue_mix(
    mix: pd.DataFrame, *, dimension: str, language: str = "en", ax: Axes | None = None
) -> Axes:
    """Stacked bars of each year's revenue share by one dimension.

    The title names the value whose share moved most between the first and last year.
    """
    _require(mix, ("dimension", "year", "value", "share"), what="revenue mix")
    d = mix[mix["dimension"] == dimension]
    if d.empty:
        raise InputError(
            f"revenue mix: no rows for dimension {dimension!r}; available: "
            f"{', '.join(mix['dimension'].unique()) or 'none'}"
        )
    ax = get_ax(ax)
    wide = d.pivot_table(index="year", columns="value", values="share", aggfunc="sum").fillna(0)
    wide = wide[wide.sum().sort_values(ascending=False).index]
    bottom = np.zeros(len(wide))
    years = [str(y) for y in wide.index]
    for i, value in enumerate(wide.columns):
        ax.bar(years, wide[value], bottom=bottom, label=str(value), color=PALETTE[i % len(PALETTE)])
        bottom += wide[value].to_numpy()
    dim_word = label(LABELS, dimension, language)
    title = label(LABELS, "mix_title_flat", language).format(dimension=dim_word)
    if len(wide) >= 2:
        delta = wide.iloc[-1] - wide.iloc[0]
        mover = delta.abs().idxmax()
        if abs(delta[mover]) >= 0.01:
            title = label(LABELS, "mix_title", language).format(
                value=mover,
                start=format_percent(wide[mover].iloc[0], language),
                end=format_percent(wide[mover].iloc[-1], language),
                first=years[0],
                last=years[-1],
            )
    ax.yaxis.set_major_formatter(percent_formatter(language))
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set(
        title=_headline(title),
        xlabel=label(LABELS, "year", language),
        ylabel=label(LABELS, "share_of_revenue", language),
        ylim=(0, max(1.0, bottom.max())),
    )
    return localise_axes(ax, language)


# ---- customer concentration -------------------------------------------------------------
def _check_abc(abc: Sequence[float]) -> tuple[float, float]:
    if len(abc) != 2 or not 0 < abc[0] < abc[1] <= 1:
        raise InputError(f"abc must be two cumulative shares 0 < A < B <= 1, got {list(abc)}")
    return float(abc[0]), float(abc[1])


def concentration(
    transactions: pd.DataFrame, *, abc: Sequence[float] = DEFAULT_ABC
) -> pd.DataFrame:
    """Customers ranked by net revenue with their share, cumulative share and ABC class.

    Rules
    -----
    * Customers are ranked by net revenue (refunds subtract), largest first; ties by
      ``customer_id`` so the order is reproducible.
    * ``share`` is the customer's part of the total *positive* revenue. Customers whose
      net revenue is zero or negative (refunds at least equal to purchases) keep their
      revenue in the table but get share 0, are ranked last and are class C; a
      :class:`DataWarning` counts them. Shares therefore sum to 1.
    * The boundary customer belongs to the class it enters: a customer is A when the
      cumulative share *before* it is below the A cut-off (80 %), so the customer that
      crosses 80 % is A; B likewise with the B cut-off (95 %); the rest are C.

    Returns
    -------
    DataFrame
        ``customer_id``, ``revenue``, ``share``, ``cumulative_share``, ``rank`` (1 =
        largest), ``abc_class``.
    """
    a_cut, b_cut = _check_abc(abc)
    tx = _transactions(transactions)
    per = tx.groupby("customer_id")["amount"].sum().rename("revenue").reset_index()
    if per.empty:
        raise InputError("transactions: no customers; the table is empty")
    per["customer_id"] = per["customer_id"].astype(str)
    per = per.sort_values(["revenue", "customer_id"], ascending=[False, True], ignore_index=True)
    non_positive = int((per["revenue"] <= 0).sum())
    if non_positive:
        warnings.warn(
            data_warning("diagnostic.non_positive_customers", count=non_positive),
            stacklevel=2,
        )
    positive_total = float(per["revenue"].clip(lower=0).sum())
    if positive_total <= 0:
        raise InputError(
            "transactions: no customer has a positive net revenue; shares are undefined"
        )
    per["share"] = per["revenue"].clip(lower=0) / positive_total
    per["cumulative_share"] = per["share"].cumsum().clip(upper=1.0)
    before = per["cumulative_share"] - per["share"]
    # a tolerance so that float noise on an exact cut-off does not flip a class
    eps = 1e-12
    per["abc_class"] = np.where(
        per["revenue"] <= 0,
        "C",
        np.where(before < a_cut - eps, "A", np.where(before < b_cut - eps, "B", "C")),
    )
    per["rank"] = np.arange(1, len(per) + 1)
    return per[["customer_id", "revenue", "share", "cumulative_share", "rank", "abc_class"]]


def top_share(conc: pd.DataFrame, fraction: float) -> float:
    """Share of revenue of the top ``fraction`` of customers.

    The top group holds ``ceil(fraction * n)`` customers (at least one), ``n`` being
    every customer of the table: with 12 customers, the top 20 % is 3 customers.
    """
    if not 0 < fraction <= 1:
        raise InputError(f"top_share: fraction must be in (0, 1], got {fraction}")
    _require(conc, ("share", "rank"), what="concentration")
    k = max(1, math.ceil(fraction * len(conc) - 1e-9))
    return float(conc.sort_values("rank")["share"].iloc[:k].sum())


def herfindahl(shares: pd.Series | Sequence[float]) -> tuple[float, float]:
    """Herfindahl index ``sum(s_i ** 2)`` and its normalised form ``(H - 1/n) / (1 - 1/n)``.

    Only positive shares count (``n`` is their number); shares are rescaled to sum to 1.
    With one customer both are 1.
    """
    s = np.asarray(shares, dtype=float)
    s = s[s > 0]
    if s.size == 0:
        raise InputError("herfindahl: no positive share")
    s = s / s.sum()
    h = float(np.sum(s**2))
    n = s.size
    normalised = 1.0 if n == 1 else (h - 1 / n) / (1 - 1 / n)
    return h, float(max(normalised, 0.0))


def concentration_summary(
    conc: pd.DataFrame, *, top_shares: Sequence[float] = DEFAULT_TOP_SHARES
) -> pd.DataFrame:
    """Headline numbers of customer concentration, one metric per row.

    Metrics: ``customers``, ``customers_positive``, ``top_<p>pct_share`` per top share,
    ``customer_share_A`` (share of customers in class A), ``herfindahl``,
    ``herfindahl_normalised``, and per class ``class_<X>_customers`` /
    ``class_<X>_revenue_share``.
    """
    _require(conc, ("customer_id", "revenue", "share", "rank", "abc_class"), what="concentration")
    n = len(conc)
    h, h_norm = herfindahl(conc["share"])
    rows: list[tuple[str, float]] = [
        ("customers", float(n)),
        ("customers_positive", float((conc["revenue"] > 0).sum())),
    ]
    for frac in top_shares:
        rows.append((f"top_{round(frac * 100):d}pct_share", top_share(conc, frac)))
    rows.append(("customer_share_A", float((conc["abc_class"] == "A").sum()) / n))
    rows += [("herfindahl", h), ("herfindahl_normalised", h_norm)]
    for cls in ABC_CLASSES:
        part = conc[conc["abc_class"] == cls]
        rows.append((f"class_{cls}_customers", float(len(part))))
        rows.append((f"class_{cls}_revenue_share", float(part["share"].sum())))
    return pd.DataFrame(rows, columns=["metric", "value"])


def abc_table(conc: pd.DataFrame) -> pd.DataFrame:
    """Customers and revenue per ABC class: ``abc_class``, ``customers``,
    ``customer_share``, ``revenue``, ``revenue_share``."""
    _require(conc, ("abc_class", "revenue", "share"), what="concentration")
    g = conc.groupby("abc_class").agg(
        customers=("share", "size"), revenue=("revenue", "sum"), revenue_share=("share", "sum")
    )
    g = g.reindex(list(ABC_CLASSES), fill_value=0)
    g["customer_share"] = g["customers"] / len(conc)
    return g.reset_index()[["abc_class", "customers", "customer_share", "revenue", "revenue_share"]]


def plot_pareto(
    conc: pd.DataFrame,
    *,
    cut: float = DEFAULT_ABC[0],
    language: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """Pareto curve: cumulative share of revenue against share of customers.

    The classes are shaded, and the title says which share of customers brings
    ``cut`` (80 %) of revenue.
    """
    _require(conc, ("cumulative_share", "rank", "abc_class"), what="concentration")
    ax = get_ax(ax)
    d = conc.sort_values("rank")
    n = len(d)
    x = np.concatenate([[0.0], np.arange(1, n + 1) / n])
    y = np.concatenate([[0.0], d["cumulative_share"].to_numpy(dtype=float)])
    colors = {"A": CLIENT_COLOR, "B": PALETTE[1], "C": NEUTRAL_COLOR}
    for cls in ABC_CLASSES:
        idx = np.flatnonzero(d["abc_class"].to_numpy() == cls)
        if idx.size:
            lo, hi = idx.min() / n, (idx.max() + 1) / n
            ax.axvspan(
                lo,
                hi,
                color=colors[cls],
                alpha=0.12,
                label=label(LABELS, "class", language).format(name=cls),
            )
    ax.plot(x, y, color=CLIENT_COLOR, linewidth=2.5)
    ax.plot([0, 1], [0, 1], color=NEUTRAL_COLOR, linestyle="--", linewidth=1)
    reach = int(np.searchsorted(y[1:], cut - 1e-12) + 1)  # customers needed to reach cut
    reach_share = min(reach, n) / n
    ax.axhline(cut, color=NEUTRAL_COLOR, linewidth=0.8)
    ax.axvline(reach_share, color=NEUTRAL_COLOR, linewidth=0.8)
    ax.xaxis.set_major_formatter(percent_formatter(language))
    ax.yaxis.set_major_formatter(percent_formatter(language))
    title = label(LABELS, "pareto_title", language).format(
        customers=format_percent(reach_share, language), cut=format_percent(cut, language)
    )
    ax.legend(loc="lower right")
    ax.set(
        title=_headline(title),
        xlabel=label(LABELS, "share_customers", language),
        ylabel=label(LABELS, "cum_share_revenue", language),
        xlim=(0, 1),
        ylim=(0, 1.02),
    )
    return localise_axes(ax, language)


# ---- SWOT and TOWS -----------------------------------------------------------------------
def swot_items(swot: pd.DataFrame) -> pd.DataFrame:
    """Validate the SWOT sheet and order it: quadrant (S, W, O, T), weight, id.

    Returns
    -------
    DataFrame
        ``item_id``, ``quadrant``, ``item``, ``evidence``, ``weight``, ``rank`` (1 =
        heaviest item of its quadrant).
    """
    _require(swot, ("item_id", "quadrant", "item", "weight"), what="swot")
    s = swot.copy()
    if "evidence" not in s.columns:
        s["evidence"] = ""
    s["item_id"] = s["item_id"].astype(str).str.strip()
    s["quadrant"] = s["quadrant"].astype(str).str.strip().str.lower()
    bad = s.loc[~s["quadrant"].isin(SWOT_QUADRANTS)]
    if len(bad):
        raise InputError(
            f"swot: quadrant must be one of {', '.join(SWOT_QUADRANTS)}; found "
            + ", ".join(f"{r.item_id}: {r.quadrant!r}" for r in bad.itertuples())
        )
    dup = s.loc[s["item_id"].duplicated(), "item_id"].tolist()
    if dup:
        raise InputError(f"swot: item ids must be unique; repeated: {', '.join(dup)}")
    weight = pd.to_numeric(s["weight"], errors="coerce")
    lo, hi = SWOT_WEIGHT_RANGE
    bad_w = s.loc[weight.isna() | (weight < lo) | (weight > hi) | (weight % 1 != 0)]
    if len(bad_w):
        raise InputError(
            f"swot: weight must be a whole number from {lo} to {hi}; found "
            + ", ".join(f"{r.item_id}: {r.weight!r}" for r in bad_w.itertuples())
        )
    s["weight"] = weight.astype("int64")
    s["evidence"] = s["evidence"].astype("string").fillna("").astype(str)
    s["item"] = s["item"].astype(str)
    order = {q: i for i, q in enumerate(SWOT_QUADRANTS)}
    s = s.assign(_q=s["quadrant"].map(order)).sort_values(
        ["_q", "weight", "item_id"], ascending=[True, False, True], ignore_index=True
    )
    s["rank"] = s.groupby("quadrant").cumcount() + 1
    return s[["item_id", "quadrant", "item", "evidence", "weight", "rank"]]


def _split_ids(text: object) -> list[str]:
    if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA:
        return []
    parts = str(text).replace(";", ",").split(",")
    return [p.strip() for p in parts if p.strip()]


def tows_options(tows: pd.DataFrame, swot: pd.DataFrame) -> pd.DataFrame:
    """Strategic options with their TOWS type derived from the SWOT items they link.

    Each option must link at least one internal item (strength or weakness) and one
    external item (opportunity or threat); otherwise it is not a TOWS option and an
    :class:`InputError` names it. An option that links both kinds on one side (e.g.
    S1, W2 and O1) is listed once per pair type (SO and WO), each row carrying the
    items of that pair. Item ids that the SWOT does not have are an error.

    Returns
    -------
    DataFrame
        ``option``, ``type`` (SO, ST, WO, WT), ``items`` (ids of that pair, in SWOT
        order), ``internal`` and ``external`` (their texts joined by " / ").
    """
    _require(tows, ("option", "items"), what="tows")
    s = swot_items(swot)
    quadrant = dict(zip(s["item_id"], s["quadrant"], strict=True))
    text = dict(zip(s["item_id"], s["item"], strict=True))
    order = {iid: i for i, iid in enumerate(s["item_id"])}
    rows = []
    unknown: list[str] = []
    one_sided: list[str] = []
    for opt in tows.itertuples(index=False):
        ids = _split_ids(opt.items)
        missing = [i for i in ids if i not in quadrant]
        if missing:
            unknown.append(f"{opt.option!r}: {', '.join(missing)}")
            continue
        by_q = {
            q: sorted({i for i in ids if quadrant[i] == q}, key=order.get) for q in SWOT_QUADRANTS
        }
        internal = [q for q in INTERNAL_QUADRANTS if by_q[q]]
        external = [q for q in EXTERNAL_QUADRANTS if by_q[q]]
        if not internal or not external:
            one_sided.append(repr(str(opt.option)))
            continue
        for qi in internal:
            for qe in external:
                pair = by_q[qi] + by_q[qe]
                rows.append(
                    {
                        "option": str(opt.option),
                        "type": QUADRANT_LETTER[qi] + QUADRANT_LETTER[qe],
                        "items": ", ".join(pair),
                        "internal": " / ".join(text[i] for i in by_q[qi]),
                        "external": " / ".join(text[i] for i in by_q[qe]),
                    }
                )
    if unknown:
        raise InputError(
            "tows: item ids not in the SWOT sheet: "
            + "; ".join(unknown)
            + f". Known ids: {', '.join(s['item_id'])}"
        )
    if one_sided:
        raise InputError(
            "tows: each option must link a strength or weakness with an opportunity or "
            "threat; these do not: " + ", ".join(one_sided)
        )
    out = pd.DataFrame(rows, columns=["option", "type", "items", "internal", "external"])
    type_order = {t: i for i, t in enumerate(TOWS_TYPES)}
    return out.sort_values(
        "type", key=lambda c: c.map(type_order), kind="stable", ignore_index=True
    )


def tows_gaps(tows: pd.DataFrame, swot: pd.DataFrame) -> pd.DataFrame:
    """SWOT items that no TOWS option uses (heaviest first): ``item_id``, ``quadrant``,
    ``item``, ``weight``."""
    _require(tows, ("option", "items"), what="tows")
    s = swot_items(swot)
    used = {i for text in tows["items"] for i in _split_ids(text)}
    gaps = s[~s["item_id"].isin(used)]
    return gaps.sort_values(["weight", "item_id"], ascending=[False, True], ignore_index=True)[
        ["item_id", "quadrant", "item", "weight"]
    ]


def plot_swot(
    swot: pd.DataFrame,
    *,
    language: str = "en",
    max_items: int = 12,
    wrap: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """The SWOT as a 2x2 grid: items sorted by weight, wrapped, weight in brackets.

    Items are wrapped to the quadrant's width (or ``wrap`` characters) and the font
    shrinks with the longest quadrant (down to 6.5 pt) so that 10 items per quadrant
    stay readable; beyond ``max_items`` the lightest are summarised as "… and n more".
    """
    from matplotlib.patches import Rectangle

    s = swot_items(swot)
    ax = get_ax(ax, figsize=(13, 9.5))
    colors = {
        "strength": GOOD_COLOR,
        "weakness": BAD_COLOR,
        "opportunity": PALETTE[7],
        "threat": PALETTE[1],
    }
    cells = {
        "strength": (0, 0.5),
        "weakness": (0.5, 0.5),
        "opportunity": (0, 0),
        "threat": (0.5, 0),
    }
    # room for text in one quadrant, in points, from the Axes' size on its figure
    fig_w, fig_h = ax.figure.get_size_inches()
    pos = ax.get_position()
    # a layout engine grows the Axes to nearly the whole figure once drawn
    laid_out = ax.figure.get_layout_engine() is not None
    ax_w = LAYOUT_FILL if laid_out else pos.width
    ax_h = LAYOUT_FILL if laid_out else pos.height
    room_w = 0.46 * ax_w * fig_w * POINTS_PER_INCH
    room_h = 0.42 * ax_h * fig_h * POINTS_PER_INCH

    def layout(width: int) -> dict[str, list[str]]:
        blocks: dict[str, list[str]] = {}
        for q in SWOT_QUADRANTS:
            part = s[s["quadrant"] == q]
            lines: list[str] = []
            for r in part.head(max_items).itertuples():
                text = f"[{r.weight}] {r.item}"
                lines.extend(textwrap.wrap(text, width=width, subsequent_indent="     ") or [""])
            if len(part) > max_items:
                lines.append(label(LABELS, "more_items", language).format(n=len(part) - max_items))
            blocks[q] = lines
        return blocks

    # the largest font (half-point steps) whose wrapped lines fit the quadrant
    fontsize = SWOT_MAX_FONT
    while True:
        width = wrap or max(20, int(room_w / (CHAR_WIDTH_EM * fontsize)))
        blocks = layout(width)
        longest = max((len(v) for v in blocks.values()), default=1)
        if longest * LINE_HEIGHT_EM * fontsize <= room_h or fontsize <= SWOT_MIN_FONT:
            break
        fontsize -= 0.5
    for q in SWOT_QUADRANTS:
        x0, y0 = cells[q]
        ax.add_patch(
            Rectangle(
                (x0, y0), 0.5, 0.5, facecolor=colors[q], alpha=0.10, edgecolor="white", linewidth=3
            )
        )
        ax.text(
            x0 + 0.02,
            y0 + 0.48,
            label(LABELS, q, language),
            fontsize=fontsize + 2.5,
            fontweight="bold",
            color=colors[q],
            va="top",
            ha="left",
        )
        ax.text(
            x0 + 0.02,
            y0 + 0.48 - 0.05,
            "\n".join(blocks[q]),
            fontsize=fontsize,
            va="top",
            ha="left",
            linespacing=1.25,
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set(title=label(LABELS, "swot_title", language).format(n=len(s)))
    return localise_axes(ax, language)


# ---- VRIO --------------------------------------------------------------------------------
def vrio_implication(valuable: bool, rare: bool, inimitable: bool, organised: bool) -> str:
    """The VRIO decision order: V → R → I → O.

    Not valuable: competitive disadvantage; valuable, not rare: parity; valuable, rare,
    imitable: temporary advantage; valuable, rare, inimitable, not organised: unused
    advantage; all four: sustained advantage.
    """
    if not valuable:
        return "competitive_disadvantage"
    if not rare:
        return "competitive_parity"
    if not inimitable:
        return "temporary_advantage"
    if not organised:
        return "unused_advantage"
    return "sustained_advantage"


def vrio_audit(vrio: pd.DataFrame, *, language: str = "en") -> pd.DataFrame:
    """Each resource with its VRIO answers and implication.

    Returns
    -------
    DataFrame
        ``resource``, ``category`` (empty when not given), ``valuable``, ``rare``,
        ``inimitable``, ``organised``, ``implication`` (a key of
        :data:`VRIO_IMPLICATIONS`), ``implication_label`` (in ``language``); sorted
        from sustained advantage to disadvantage, then by resource.
    """
    _require(vrio, ("resource", *VRIO_QUESTIONS), what="vrio")
    v = vrio.copy()
    v["resource"] = v["resource"].astype(str)
    dup = v.loc[v["resource"].duplicated(), "resource"].tolist()
    if dup:
        raise InputError(f"vrio: each resource once; repeated: {', '.join(dup)}")
    for q in VRIO_QUESTIONS:
        v[q] = _bool_column(v, q, what="vrio", key="resource")
    if "category" not in v.columns:
        v["category"] = ""
    v["category"] = v["category"].astype("string").fillna("").astype(str)
    v["implication"] = [
        vrio_implication(*row) for row in v[list(VRIO_QUESTIONS)].itertuples(index=False)
    ]
    v["implication_label"] = [label(LABELS, k, language) for k in v["implication"]]
    order = {k: -i for i, k in enumerate(VRIO_IMPLICATIONS)}
    v = v.assign(_o=v["implication"].map(order)).sort_values(["_o", "resource"], ignore_index=True)
    return v[["resource", "category", *VRIO_QUESTIONS, "implication", "implication_label"]]


def plot_vrio(audit: pd.DataFrame, *, language: str = "en", ax: Axes | None = None) -> Axes:
    """A grid of the four answers per resource (✓/✗) with the implication coloured."""
    from matplotlib.patches import Rectangle

    _require(audit, ("resource", *VRIO_QUESTIONS, "implication"), what="vrio audit")
    n = len(audit)
    ax = get_ax(ax, figsize=(11, max(3.0, 0.45 * n + 1.5)), title_above_ticks=True)
    cols = [*VRIO_QUESTIONS, "implication"]
    for i, r in enumerate(audit.itertuples(index=False)):
        y = n - 1 - i
        for j, q in enumerate(VRIO_QUESTIONS):
            yes = bool(getattr(r, q))
            ax.add_patch(
                Rectangle(
                    (j, y),
                    1,
                    1,
                    facecolor=GOOD_COLOR if yes else BAD_COLOR,
                    alpha=0.25 if yes else 0.15,
                    edgecolor="white",
                    linewidth=2,
                )
            )
            ax.text(j + 0.5, y + 0.5, "✓" if yes else "✗", ha="center", va="center", fontsize=12)
        ax.add_patch(
            Rectangle(
                (4, y),
                2.6,
                1,
                facecolor=VRIO_COLORS[r.implication],
                alpha=0.35,
                edgecolor="white",
                linewidth=2,
            )
        )
        ax.text(4.1, y + 0.5, label(LABELS, r.implication, language), va="center", fontsize=10)
    ax.set_xlim(0, 6.6)
    ax.set_ylim(0, n)
    ax.set_xticks([j + 0.5 for j in range(4)] + [5.3])
    ax.set_xticklabels([label(LABELS, c, language) for c in cols])
    ax.xaxis.tick_top()
    ax.set_yticks([n - 1 - i + 0.5 for i in range(n)])
    ax.set_yticklabels(audit["resource"].tolist())
    ax.grid(False)
    sustained = int((audit["implication"] == "sustained_advantage").sum())
    ax.set(title=label(LABELS, "vrio_title", language).format(n=sustained, total=n))
    return localise_axes(ax, language)


__all__ = [
    "ABC_CLASSES",
    "LABELS",
    "MIX_DIMENSIONS",
    "TOWS_TYPES",
    "VRIO_IMPLICATIONS",
    "abc_table",
    "chart_headline",
    "concentration",
    "concentration_summary",
    "decompose_revenue",
    "growth_summary",
    "herfindahl",
    "mix_dimensions",
    "monthly_revenue",
    "plot_monthly_revenue",
    "plot_pareto",
    "plot_revenue_mix",
    "plot_seasonality",
    "plot_swot",
    "plot_vrio",
    "revenue_cagr",
    "revenue_mix",
    "seasonal_indices",
    "swot_items",
    "top_share",
    "tows_gaps",
    "tows_options",
    "vrio_audit",
    "vrio_implication",
]
