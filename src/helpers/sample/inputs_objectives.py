"""Sample workshop inputs for the objectives chapter (03): objectives, OKRs, KPIs, scorecard.

The synthetic client is a distributor of office equipment and supplies. The objectives are set
relative to its actual trailing-twelve-month revenue and orders (read from the generated
transactions), so that the notebook shows a target in each realism class (conservative,
stretch, unrealistic) and a SMART failure of each kind. The OKRs include objectives with
two, three to five and six key results and one with none; the KPIs cover the five AARRR
stages with measures the kit computes; the scorecard has cause-and-effect links and one
orphan objective.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Trailing revenue and orders used when no transactions are given.
DEFAULT_REVENUE_12M = 18_000_000.0
DEFAULT_ORDERS_12M = 24_000.0
#: Months from the last actual month to the deadline of the yearly objectives.
YEAR_AHEAD_MONTHS = 12
#: Growth of the last twelve months over the twelve before, when it cannot be measured.
DEFAULT_GROWTH = 0.05
#: Where the targets sit in the forecast of the total over the 12 months to the deadline:
#: conservative halfway between the 95 % band's lower bound and the median, stretch
#: halfway between the median and the upper bound, unrealistic 25 % above the upper bound.
#: Placed in the middle of each class so that the notebook's own forecast (same model,
#: same seed) puts them in the intended class.
UNREALISTIC_BEYOND_BAND = 1.25
#: Without a forecast (no transactions, or less than a year of them): multiples of the
#: trailing twelve months grown at their recent rate.
FALLBACK_MULTIPLES = {"conservative": 0.94, "stretch": 1.12, "unrealistic": 1.80, "orders": 1.06}
REVENUE_STEP = 10_000
ORDERS_STEP = 10


def _trailing(
    transactions: pd.DataFrame | None,
) -> tuple[float, float, dict[str, float], pd.Timestamp]:
    """Revenue and orders over the last twelve months, the targets of the revenue and
    volume objectives, and the last actual month."""
    if transactions is None or transactions.empty:
        last = pd.Timestamp.today().to_period("M").to_timestamp() - pd.offsets.MonthBegin(1)
        targets = _fallback_targets(DEFAULT_REVENUE_12M, DEFAULT_ORDERS_12M, {})
        return DEFAULT_REVENUE_12M, DEFAULT_ORDERS_12M, targets, last
    from helpers.objectives import monthly_series

    monthly = monthly_series(transactions)
    last = pd.Timestamp(monthly["month"].max())
    recent = monthly.iloc[-YEAR_AHEAD_MONTHS:]
    before = monthly.iloc[-2 * YEAR_AHEAD_MONTHS : -YEAR_AHEAD_MONTHS]
    revenue, orders = float(recent["revenue"].sum()), float(recent["orders"].sum())
    growth = {}
    for col, now in (("revenue", revenue), ("orders", orders)):
        prev = float(before[col].sum()) if len(before) == YEAR_AHEAD_MONTHS else 0.0
        growth[col] = now / prev - 1 if prev > 0 else DEFAULT_GROWTH
    targets = _forecast_targets(monthly, last) or _fallback_targets(revenue, orders, growth)
    return revenue, orders, targets, last


def _fallback_targets(revenue: float, orders: float, growth: dict[str, float]) -> dict[str, float]:
    g_rev = growth.get("revenue", DEFAULT_GROWTH)
    g_ord = growth.get("orders", DEFAULT_GROWTH)
    out = {
        key: _round(revenue * (1 + g_rev) * FALLBACK_MULTIPLES[key], REVENUE_STEP)
        for key in ("conservative", "stretch", "unrealistic")
    }
    out["orders"] = _round(orders * (1 + g_ord) * FALLBACK_MULTIPLES["orders"], ORDERS_STEP)
    return out


def _forecast_targets(monthly: pd.DataFrame, last: pd.Timestamp) -> dict[str, float] | None:
    """Targets placed in the middle of each realism class of the chapter's forecast."""
    from helpers.objectives import forecast

    if len(monthly) < YEAR_AHEAD_MONTHS:
        return None
    deadline = last + pd.DateOffset(months=YEAR_AHEAD_MONTHS)
    bands = {}
    for series in ("revenue", "orders"):
        fc = forecast(monthly, until=deadline, value=series)
        row = fc[(fc["basis"] == "12m") & (fc["month"] == deadline)]
        if row.empty:
            return None
        bands[series] = row.iloc[0]
    rev, ords = bands["revenue"], bands["orders"]
    return {
        "conservative": _round((rev["lower_95"] + rev["median"]) / 2, REVENUE_STEP),
        "stretch": _round((rev["median"] + rev["upper_95"]) / 2, REVENUE_STEP),
        "unrealistic": _round(rev["upper_95"] * UNREALISTIC_BEYOND_BAND, REVENUE_STEP),
        "orders": _round((ords["median"] + ords["upper_95"]) / 2, ORDERS_STEP),
    }


def _month_end(month: pd.Timestamp, months_ahead: int) -> pd.Timestamp:
    return (month + pd.DateOffset(months=months_ahead)) + pd.offsets.MonthEnd(0)


def _round(value: float, step: float) -> float:
    return float(round(value / step) * step)


def sample_objectives(
    *,
    revenue_12m: float,
    orders_12m: float,
    last_month: pd.Timestamp,
    targets: dict[str, float],
) -> pd.DataFrame:
    """Commercial objectives with one SMART failure of each kind and every realism class.

    Revenue and volume targets are totals over the twelve months to the deadline;
    ``targets`` holds the ``conservative``, ``stretch`` and ``unrealistic`` revenue
    targets and the ``orders`` target.
    """
    year_end = _month_end(last_month, YEAR_AHEAD_MONTHS)
    half_year = _month_end(last_month, 6)
    next_month = _month_end(last_month, 1)
    rev = _round(revenue_12m, REVENUE_STEP)
    conservative, stretch = targets["conservative"], targets["stretch"]
    unrealistic, orders = targets["unrealistic"], targets["orders"]

    def pct(target: float, base: float) -> int:
        return round(100 * (target / base - 1))

    rows = [
        # objective_id, objective, metric, metric_type, baseline, target, deadline, owner, pillar
        (
            "OBJ1",
            f"Grow revenue by {pct(conservative, rev)} % despite online price pressure",
            "revenue",
            "revenue",
            rev,
            conservative,
            year_end,
            "Sales director",
            "Core business",
        ),
        (
            "OBJ2",
            f"Grow revenue by {pct(stretch, rev)} % with key accounts and the web shop",
            "revenue",
            "revenue",
            rev,
            stretch,
            year_end,
            "CEO",
            "Growth",
        ),
        (
            "OBJ3",
            f"Grow revenue by {pct(unrealistic, rev)} % by buying regional office-supply dealers",
            "revenue",
            "revenue",
            rev,
            unrealistic,
            year_end,
            "CEO",
            "External growth",
        ),
        (
            "OBJ4",
            f"Raise orders by {pct(orders, orders_12m)} % with self-service web ordering",
            "orders",
            "volume",
            _round(orders_12m, ORDERS_STEP),
            orders,
            year_end,
            "E-commerce manager",
            "Digital",
        ),
        (
            "OBJ5",
            "Raise the retention rate of key accounts from 62 % to 70 %",
            "retention rate",
            "other",
            0.62,
            0.70,
            year_end,
            "Key-account manager",
            "Loyalty",
        ),
        # not specific: vague statement, no pillar
        ("OBJ6", "Be better", "nps", "other", 32.0, 40.0, year_end, "Marketing director", None),
        # not measurable: no metric, no target
        (
            "OBJ7",
            "Improve the customer experience in our showrooms",
            None,
            "other",
            None,
            None,
            year_end,
            "Retail manager",
            "Customer experience",
        ),
        # not attainable: average order value +80 % in six months
        (
            "OBJ8",
            "Lift the average order value with ergonomic furniture ranges",
            "average order value",
            "other",
            750.0,
            1_350.0,
            half_year,
            "Category manager",
            "Core business",
        ),
        # not realistic: nobody owns it and the deadline is next month
        (
            "OBJ9",
            "Cut the median quote lead time from 9 to 7 days",
            "quote lead time (days)",
            "other",
            9.0,
            7.0,
            next_month,
            None,
            "Operational excellence",
        ),
        # not time-bound: no deadline
        (
            "OBJ10",
            "Raise the share of revenue from services to 12 %",
            "services share",
            "other",
            0.08,
            0.12,
            None,
            "Services manager",
            "Services",
        ),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "objective_id",
            "objective",
            "metric",
            "metric_type",
            "baseline",
            "target",
            "deadline",
            "owner",
            "pillar",
        ],
    )
    frame["deadline"] = pd.to_datetime(frame["deadline"])
    return frame


def sample_okr(*, last_month: pd.Timestamp) -> pd.DataFrame:
    """OKRs with 4, 3, 2 and 6 key results and one objective without any."""
    q = {k: _month_end(last_month, 3 * k) for k in (1, 2, 3, 4)}
    rows = [
        # objective, key_result, start, target, current, deadline
        ("Make key accounts grow with us", "Key-account revenue (k€)", 6_200, 7_000, 6_900, q[4]),
        (
            "Make key accounts grow with us",
            "Key accounts with a joint account plan",
            4,
            20,
            16,
            q[2],
        ),
        ("Make key accounts grow with us", "Key-account churn rate (%)", 12, 8, 10, q[4]),
        ("Make key accounts grow with us", "Quarterly business reviews held", 0, 40, 41, q[4]),
        ("Turn the web shop into a growth channel", "Web conversion rate (%)", 0.9, 2.0, 1.2, q[3]),
        ("Turn the web shop into a growth channel", "Cart abandonment rate (%)", 72, 55, 66, q[3]),
        (
            "Turn the web shop into a growth channel",
            "Share of orders placed online (%)",
            11,
            20,
            14,
            q[4],
        ),
        ("Win back lapsed small businesses", "Lapsed customers reactivated", 0, 150, 95, q[2]),
        ("Win back lapsed small businesses", "Win-back campaign response rate (%)", 2, 6, 2, q[2]),
        ("Build a modern sales team", "Reps trained in value selling", 0, 45, 30, q[2]),
        ("Build a modern sales team", "Opportunities logged in the CRM (%)", 48, 95, 80, q[3]),
        ("Build a modern sales team", "Junior reps hired", 0, 6, 2, q[4]),
        ("Build a modern sales team", "Median quote lead time (days)", 9, 5, 7, q[3]),
        ("Build a modern sales team", "Average discount granted (%)", 14, 10, 13, q[4]),
        ("Build a modern sales team", "Sales playbook pages written", 0, 60, 60, q[1]),
        ("Launch a printer and IT maintenance offer", None, None, None, None, None),
    ]
    frame = pd.DataFrame(
        rows, columns=["objective", "key_result", "start", "target", "current", "deadline"]
    )
    for col in ("start", "target", "current"):
        frame[col] = frame[col].astype("float64")
    frame["deadline"] = pd.to_datetime(frame["deadline"])
    return frame


def sample_kpis(*, revenue_12m: float, orders_12m: float) -> pd.DataFrame:
    """AARRR KPIs for the five stages; most have a measure the kit computes from the data.

    Money targets are set from the last twelve months (revenue +10 %, average order
    value +5 %).
    """
    revenue_target = _round(revenue_12m * 1.10, 10_000)
    aov_target = _round(revenue_12m / max(orders_12m, 1.0) * 1.05, 10)
    rows = [
        # stage, kpi, measure, baseline, target, frequency, leading
        ("acquisition", "Leads per month", "leads", None, 320.0, "monthly", True),
        ("acquisition", "New customers (12 months)", "new_customers", None, 480.0, "monthly", True),
        (
            "acquisition",
            "Lead-to-customer conversion",
            "conversion_rate",
            None,
            0.12,
            "monthly",
            True,
        ),
        (
            "activation",
            "Days from first contact to first order",
            "sales_cycle_days",
            None,
            20.0,
            "monthly",
            True,
        ),
        (
            "activation",
            "Customers with a second order",
            "repeat_rate",
            None,
            0.85,
            "quarterly",
            True,
        ),
        ("retention", "Customer retention rate", "retention_rate", None, 0.80, "quarterly", False),
        ("retention", "Customer churn rate", "churn_rate", None, 0.20, "quarterly", False),
        ("referral", "Net Promoter Score", "nps", None, 10.0, "quarterly", True),
        ("referral", "Average Google review rating", None, 4.1, 4.5, "monthly", True),
        ("revenue", "Revenue (12 months)", "revenue", None, revenue_target, "monthly", False),
        (
            "revenue",
            "Average order value",
            "average_order_value",
            None,
            aov_target,
            "monthly",
            False,
        ),
        ("revenue", "Revenue per customer", "revenue_per_customer", None, None, "quarterly", False),
        ("revenue", "Gross margin rate", "gross_margin_rate", None, 0.32, "monthly", False),
    ]
    frame = pd.DataFrame(
        rows,
        columns=["stage", "kpi", "measure", "baseline", "target", "frequency", "leading"],
    )
    frame["baseline"] = frame["baseline"].astype("float64")
    frame["target"] = frame["target"].astype("float64")
    frame["leading"] = frame["leading"].astype("boolean")
    return frame


def sample_scorecard() -> pd.DataFrame:
    """Balanced-scorecard objectives with their links; one without KPI, one orphan."""
    rows = [
        # objective_id, objective, perspective, kpi, drives
        ("F1", "Grow revenue profitably", "financial", "Revenue (12 months)", None),
        ("F2", "Protect the gross margin", "financial", "Gross margin rate", None),
        ("C1", "Keep and grow key accounts", "customer", "Customer retention rate", "F1"),
        (
            "C2",
            "Win small businesses online",
            "customer",
            "New customers (12 months)",
            "F1",
        ),
        (
            "C3",
            "Be the supplier office managers recommend",
            "customer",
            "Net Promoter Score",
            "C1, C2",
        ),
        (
            "I1",
            "Quote complex projects within 5 days",
            "internal",
            "Median quote lead time",
            "C1, F2",
        ),
        ("I2", "Run a self-service B2B web shop", "internal", "Web conversion rate", "C2"),
        ("I3", "Manage key accounts with joint plans", "internal", None, "C1, C3"),
        ("L1", "Train every rep in value selling", "learning", "Reps trained", "I3, F2"),
        (
            "L2",
            "Use one CRM across the sales team",
            "learning",
            "Opportunities logged in CRM",
            "I1, I3",
        ),
        ("L3", "Strengthen the employer brand", "learning", "Applications per opening", None),
    ]
    return pd.DataFrame(rows, columns=["objective_id", "objective", "perspective", "kpi", "drives"])


def sample_inputs(
    rng: np.random.Generator, *, client_name: str, frames: dict[str, pd.DataFrame]
) -> dict[str, pd.DataFrame]:
    """The objectives chapter's workshop sheets for the sample client.

    Parameters
    ----------
    rng
        Unused (the sheets are fixed texts and targets derived from the data); kept for
        the common signature of the sample input modules.
    client_name
        The client's name (the texts do not repeat it).
    frames
        Client tables already generated; ``transactions`` sets the revenue and order
        targets relative to the last twelve months.

    Returns
    -------
    dict
        ``objectives``, ``okr``, ``kpis`` and ``scorecard`` with canonical columns.
    """
    del rng, client_name
    revenue_12m, orders_12m, targets, last_month = _trailing(frames.get("transactions"))
    return {
        "objectives": sample_objectives(
            revenue_12m=revenue_12m,
            orders_12m=orders_12m,
            last_month=last_month,
            targets=targets,
        ),
        "okr": sample_okr(last_month=last_month),
        "kpis": sample_kpis(revenue_12m=revenue_12m, orders_12m=orders_12m),
        "scorecard": sample_scorecard(),
    }


__all__ = ["sample_inputs"]
