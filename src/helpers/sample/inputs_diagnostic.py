"""Sample workshop inputs and market tables for the diagnostic chapters (01 and 02).

The synthetic client is a distributor of professional equipment and supplies for
businesses (consumables, IT equipment, office furniture, cleaning and hygiene, safety
equipment, services). The tables below are what a diagnostic workshop and a
market study would produce for it: SWOT items and TOWS options, a VRIO audit, PESTEL
factors, Porter drivers, the business units with their markets, the competitors with
their strategic attributes, and commercial benchmarks. Every rule of chapters 01 and 02
shows up at least once (all four BCG quadrants, all five VRIO implications, positive and
negative PESTEL factors on both horizons, SWOT items no option uses...).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Months of transactions the business-unit revenue is read from (the last twelve).
REVENUE_WINDOW_MONTHS = 12
#: Revenue of the whole client when no transactions are given.
DEFAULT_CLIENT_REVENUE = 18_000_000.0

SWOT_ITEMS: tuple[tuple[str, str, str, str, int], ...] = (
    (
        "S1",
        "strength",
        "Field sales force trusted by key accounts",
        "Key-account retention 94 % over three years",
        5,
    ),
    (
        "S2",
        "strength",
        "Broad catalogue from consumables to furniture and IT",
        "12 000 references in six families",
        4,
    ),
    (
        "S3",
        "strength",
        "Next-day delivery from six regional warehouses",
        "96 % of orders delivered next day",
        4,
    ),
    (
        "S4",
        "strength",
        "In-house installation and maintenance technicians",
        "Services margin 55 %",
        3,
    ),
    (
        "S5",
        "strength",
        "Durand brand known by office managers for 60 years",
        "Aided awareness 64 % among office managers (2025 survey)",
        3,
    ),
    ("S6", "strength", "Solid balance sheet, low debt", "Net debt / EBITDA 0.8", 2),
    (
        "S7",
        "strength",
        "Exclusive contracts with two hygiene product makers",
        "Contracts renewed until 2029",
        3,
    ),
    (
        "W1",
        "weakness",
        "Revenue concentrated on a minority of customers",
        "About a quarter of the customers make 80 % of revenue",
        5,
    ),
    (
        "W2",
        "weakness",
        "CRM used by half of the sales reps only",
        "48 % of opportunities logged in the CRM",
        4,
    ),
    (
        "W3",
        "weakness",
        "Web shop with outdated ergonomics",
        "Conversion 0.9 % vs 2.1 % for online pure players",
        4,
    ),
    (
        "W4",
        "weakness",
        "Pricing decided deal by deal, heavy discounts",
        "Average discount 14 % vs 9 % benchmark",
        5,
    ),
    (
        "W5",
        "weakness",
        "Slow quotes on office fit-out projects",
        "Median quote lead time 9 days",
        3,
    ),
    (
        "W6",
        "weakness",
        "Little marketing automation",
        "No lead scoring, newsletters sent by hand",
        2,
    ),
    (
        "W7",
        "weakness",
        "Ageing sales team, few juniors",
        "Average age 52, 6 retirements within 3 years",
        3,
    ),
    (
        "W8",
        "weakness",
        "Weak presence in the southern regions",
        "Market share 4 % in Occitanie vs 11 % national",
        2,
    ),
    (
        "O1",
        "opportunity",
        "Stricter hygiene and safety standards at work",
        "New workplace safety decree effective 2026",
        4,
    ),
    (
        "O2",
        "opportunity",
        "Hybrid work: companies equip employees' home offices",
        "+18 % home-office budgets",
        3,
    ),
    (
        "O3",
        "opportunity",
        "Managed services: printers, IT and maintenance by subscription",
        "Device-as-a-service 25 % of new IT contracts",
        4,
    ),
    (
        "O4",
        "opportunity",
        "Public procurement reopening for schools and hospitals",
        "Public buying budget +6 %",
        3,
    ),
    (
        "O5",
        "opportunity",
        "Consolidation of independent regional dealers",
        "Three regional dealers for sale",
        3,
    ),
    (
        "O6",
        "opportunity",
        "Demand for refurbished IT and furniture",
        "Refurbished segment +25 % a year",
        2,
    ),
    (
        "O7",
        "opportunity",
        "Buyers expect self-service ordering online",
        "64 % of buyers research online first",
        4,
    ),
    (
        "T1",
        "threat",
        "Online marketplaces undercut prices",
        "Price gap -12 % on the top 200 references",
        5,
    ),
    (
        "T2",
        "threat",
        "Manufacturers selling direct to key accounts",
        "Two IT makers opened direct key-account teams",
        4,
    ),
    (
        "T3",
        "threat",
        "Shrinking office space reduces furniture demand",
        "Office space per employee -15 % since 2020",
        4,
    ),
    (
        "T4",
        "threat",
        "Stricter rules on packaging and e-waste",
        "Extended producer responsibility from 2027",
        3,
    ),
    ("T5", "threat", "Rising freight and energy costs", "Freight cost per order +11 %", 3),
    ("T6", "threat", "Shortage of qualified technicians", "Time to hire a technician 5 months", 3),
    (
        "T7",
        "threat",
        "Buying groups squeezing margins",
        "Buying groups hold 35 % of the SME market",
        2,
    ),
)

#: option, items it links; W7, O6 and T7 are deliberately left out (gaps); the dealer
#: acquisition links a strength and a weakness with one opportunity (listed as SO and WO).
TOWS_OPTIONS: tuple[tuple[str, str], ...] = (
    ("Bundle hygiene and safety compliance packs for workplaces", "S2, S7, O1"),
    ("Launch managed-service subscriptions for printers, IT and maintenance", "S3, S4, O3"),
    ("Build a tender cell for public procurement", "S1, S6, O4"),
    ("Acquire a regional dealer in the south", "S6, W8, O5"),
    ("Defend key accounts with multi-year service agreements", "S1, S4, T2"),
    ("Make delivery and service visible against price-only marketplaces", "S3, S5, T1"),
    ("Offer take-back and recycling of old equipment", "S4, T4"),
    ("Train junior technicians in an in-house academy", "S4, T6"),
    ("Rebuild the web shop with self-service ordering and account prices", "W3, O7"),
    ("Roll out CRM and lead scoring to reach home-office equipment buyers", "W2, W6, O2"),
    ("Introduce price corridors and discount governance", "W4, T1"),
    ("Diversify the customer base to reduce dependence on large accounts", "W1, T3"),
    ("Standardise fit-out quotes with configurable templates", "W5, T5"),
)

#: resource, category, valuable, rare, inimitable, organised
VRIO_RESOURCES: tuple[tuple[str, str, bool, bool, bool, bool], ...] = (
    ("Field sales relationships with key accounts", "sales team", True, True, True, True),
    ("Key-account management", "sales team", True, True, False, True),
    ("Telesales team", "sales team", True, False, False, True),
    ("CRM and sales tools", "tools/CRM", False, False, False, False),
    ("Web shop", "tools/CRM", False, False, False, True),
    ("Quote configurator", "tools/CRM", True, False, False, False),
    ("Balance sheet and credit capacity", "finances", True, False, False, True),
    ("Durand brand", "brand and customer data", True, True, True, True),
    ("60 years of customer purchase history", "brand and customer data", True, True, True, False),
    ("Exclusive hygiene supplier contracts", "brand and customer data", True, True, False, True),
    ("Regional warehouses and next-day delivery", "processes", True, True, True, True),
    ("Order-to-delivery process", "processes", True, False, False, True),
    ("Pricing process", "processes", False, False, False, False),
)

#: factor, dimension, impact (-5..5), likelihood (0..1), horizon
PESTEL_FACTORS: tuple[tuple[str, str, float, float, str], ...] = (
    ("Public support for SME digitalisation", "political", 3, 0.7, "short-term"),
    ("Public procurement budgets under pressure", "political", -2, 0.5, "structural"),
    ("Business investment slowdown", "economic", -4, 0.7, "short-term"),
    ("Interest rates raising equipment leasing costs", "economic", -2, 0.6, "short-term"),
    ("Record number of new small businesses", "economic", 3, 0.6, "short-term"),
    ("Hybrid work reduces office space", "social", -3, 0.8, "structural"),
    ("Wellbeing at work drives ergonomic furniture", "social", 3, 0.6, "structural"),
    ("Buyers research and order online first", "technological", 4, 0.9, "structural"),
    ("Device-as-a-service and managed IT", "technological", 3, 0.5, "structural"),
    ("AI-driven price comparison by buyers", "technological", -3, 0.6, "structural"),
    ("Circular economy: refurbished equipment", "environmental", 2, 0.8, "structural"),
    (
        "Extended producer responsibility for furniture and e-waste",
        "environmental",
        -2,
        0.7,
        "structural",
    ),
    ("Stricter workplace hygiene and safety rules", "legal", 3, 0.8, "short-term"),
    ("B2B e-invoicing mandate", "legal", -1, 0.9, "short-term"),
    ("Late-payment law reducing customer credit", "legal", 1, 0.4, "short-term"),
)

#: force, driver, score (1..5), weight
PORTER_DRIVERS: tuple[tuple[str, str, float, float], ...] = (
    ("rivalry", "Number of comparable distributors", 4, 1.0),
    ("rivalry", "Slow growth of the office supplies market", 4, 1.0),
    ("rivalry", "Price transparency online", 5, 2.0),
    ("new_entrants", "Capital needed for stock and warehouses", 2, 1.0),
    ("new_entrants", "Online marketplaces lowering entry barriers", 4, 2.0),
    ("new_entrants", "Access to key-account frame contracts", 2, 1.0),
    ("supplier_power", "Concentration of IT equipment makers", 4, 2.0),
    ("supplier_power", "Makers selling direct to key accounts", 4, 1.0),
    ("supplier_power", "Many alternative suppliers of consumables", 2, 1.0),
    ("buyer_power", "Buying groups and procurement platforms", 4, 2.0),
    ("buyer_power", "Key accounts running national tenders", 5, 1.0),
    ("buyer_power", "Low switching costs for small businesses", 4, 1.0),
    ("substitutes", "Device-as-a-service offers from makers", 3, 1.0),
    ("substitutes", "Refurbished equipment", 2, 1.0),
    ("substitutes", "Paperless offices reducing consumables", 3, 1.0),
)

#: Market of each product family: market_share, largest other competitor's share, growth.
#: Every BCG quadrant appears: consumables a cash cow, cleaning & hygiene a star, safety
#: equipment and services question marks, office furniture and IT equipment dogs.
UNIT_MARKETS: dict[str, tuple[float, float, float]] = {
    "Consumables": (0.16, 0.11, 0.03),
    "Cleaning & hygiene": (0.14, 0.10, 0.12),
    "Safety equipment": (0.07, 0.12, 0.11),
    "Services": (0.03, 0.18, 0.16),
    "Office furniture": (0.06, 0.15, 0.01),
    "IT equipment": (0.05, 0.22, 0.04),
}
#: Profiles for families the table above does not know, in order of revenue.
UNIT_PROFILES: tuple[tuple[float, float, float], ...] = tuple(UNIT_MARKETS.values())
DEFAULT_UNIT_REVENUE_SHARES = {
    "Consumables": 0.24,
    "IT equipment": 0.22,
    "Office furniture": 0.20,
    "Cleaning & hygiene": 0.14,
    "Safety equipment": 0.12,
    "Services": 0.08,
}

#: competitor, price level (1-10), range breadth (1-10), service level (1-10),
#: digital maturity (1-10), revenue relative to the client's
COMPETITORS: tuple[tuple[str, float, float, float, float, float], ...] = (
    ("Ergo Design Pro", 8.6, 3.2, 8.8, 5.5, 0.55),
    ("Mobilier Expert", 8.9, 2.6, 8.2, 4.8, 0.35),
    ("SecuriPro Équipement", 8.1, 3.8, 7.9, 6.0, 0.45),
    ("Grand Bureau Distribution", 5.6, 8.7, 5.4, 6.8, 2.40),
    ("Fournitures Générales", 5.1, 9.1, 5.0, 6.1, 1.90),
    ("ProSupply Europe", 5.9, 8.2, 5.8, 5.9, 1.30),
    ("BuroDiscount.com", 2.9, 6.4, 3.2, 9.3, 0.80),
    ("eSupplies Pro", 2.4, 5.8, 2.8, 9.0, 0.60),
    ("MarketPro Online", 3.3, 6.9, 3.6, 8.4, 0.40),
    ("Bureau Service Ouest", 6.2, 3.4, 6.8, 3.1, 0.20),
    ("Régional Pro Nord", 6.6, 2.8, 7.2, 2.9, 0.15),
)
CLIENT_ATTRIBUTES = (6.8, 6.6, 7.6, 4.6)

#: kpi, area, unit, higher_is_better, client value, market values (one per benchmark player)
BENCHMARK_PLAYERS = (
    "Grand Bureau Distribution",
    "Ergo Design Pro",
    "BuroDiscount.com",
    "Fournitures Générales",
)
BENCHMARK_KPIS: tuple[tuple[str, str, str, bool, float, tuple[float, ...]], ...] = (
    ("Qualified leads per rep per month", "prospecting", "leads", True, 14, (22, 16, 30, 19)),
    ("Cost per lead", "prospecting", "EUR", False, 95, (70, 110, 55, 80)),
    ("Quote-to-order rate", "conversion", "%", True, 0.31, (0.35, 0.38, 0.22, 0.33)),
    ("Sales cycle", "conversion", "days", False, 46, (30, 52, 21, 34)),
    ("Web conversion rate", "conversion", "%", True, 0.009, (0.016, 0.011, 0.021, 0.014)),
    ("Customer retention rate", "retention", "%", True, 0.82, (0.78, 0.86, 0.64, 0.80)),
    ("Share of revenue under contract", "retention", "%", True, 0.22, (0.30, 0.41, 0.05, 0.28)),
    ("Average discount granted", "price", "%", False, 0.14, (0.09, 0.08, 0.07, 0.10)),
    ("Gross margin rate", "price", "%", True, 0.27, (0.24, 0.33, 0.18, 0.23)),
    ("On-time delivery rate", "service", "%", True, 0.93, (0.95, 0.91, 0.97, 0.94)),
    ("Net Promoter Score", "service", "points", True, 38, (21, 34, 30, 19)),
    ("Service intervention lead time", "service", "days", False, 1.8, (3.5, 2.2, 6.0, 3.0)),
)


def _last_year_revenue(transactions: pd.DataFrame | None) -> pd.Series | None:
    """Revenue of the last twelve months per product category, if the data allows it."""
    if transactions is None or transactions.empty or "category" not in transactions:
        return None
    dates = pd.to_datetime(transactions["order_date"])
    start = dates.max() - pd.DateOffset(months=REVENUE_WINDOW_MONTHS)
    recent = transactions.loc[dates > start]
    revenue = recent.groupby("category", observed=True)["amount"].sum()
    revenue = revenue[revenue > 0].sort_values(ascending=False)
    return revenue if len(revenue) else None


def sample_business_units(
    rng: np.random.Generator, *, transactions: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Business units with their market: the client's product categories when known."""
    revenue = _last_year_revenue(transactions)
    if revenue is None:
        revenue = pd.Series(
            {unit: DEFAULT_CLIENT_REVENUE * w for unit, w in DEFAULT_UNIT_REVENUE_SHARES.items()}
        )
    rows = []
    for i, (unit, unit_revenue) in enumerate(revenue.items()):
        share, largest, growth = UNIT_MARKETS.get(str(unit), UNIT_PROFILES[i % len(UNIT_PROFILES)])
        # a little noise so that no two engagements look hand-made, still in the quadrant
        share = round(share * rng.uniform(0.97, 1.03), 3)
        growth = round(growth + rng.uniform(-0.004, 0.004), 3)
        rows.append(
            {
                "unit": str(unit),
                "revenue": round(float(unit_revenue), 2),
                "market_growth": growth,
                "market_share": share,
                "largest_competitor_share": largest,
                "market_size": round(float(unit_revenue) / share, -3),
            }
        )
    return pd.DataFrame(rows)


def sample_competitors(
    rng: np.random.Generator, *, client_name: str, client_revenue: float
) -> pd.DataFrame:
    """The client and its competitors with four strategic attributes (1-10 scales)."""
    rows = [
        {
            "competitor": client_name,
            "is_client": True,
            "revenue": round(client_revenue, -3),
            "price_level": CLIENT_ATTRIBUTES[0],
            "range_breadth": CLIENT_ATTRIBUTES[1],
            "service_level": CLIENT_ATTRIBUTES[2],
            "digital_maturity": CLIENT_ATTRIBUTES[3],
        }
    ]
    for name, price, breadth, service, digital, rel_revenue in COMPETITORS:
        jitter = rng.uniform(-0.15, 0.15, size=4)
        rows.append(
            {
                "competitor": name,
                "is_client": False,
                "revenue": round(client_revenue * rel_revenue * rng.uniform(0.9, 1.1), -3),
                "price_level": round(price + jitter[0], 1),
                "range_breadth": round(breadth + jitter[1], 1),
                "service_level": round(service + jitter[2], 1),
                "digital_maturity": round(digital + jitter[3], 1),
            }
        )
    frame = pd.DataFrame(rows)
    frame["is_client"] = frame["is_client"].astype("boolean")
    return frame


def sample_benchmarks(rng: np.random.Generator, *, client_name: str) -> pd.DataFrame:
    """Commercial KPIs of the client and four market players (long format)."""
    rows = []
    for kpi, area, unit, higher, client_value, values in BENCHMARK_KPIS:
        players = (
            (client_name, client_value, True),
            *((p, v, False) for p, v in zip(BENCHMARK_PLAYERS, values, strict=True)),
        )
        for player, value, is_client in players:
            rows.append(
                {
                    "kpi": kpi,
                    "area": area,
                    "player": player,
                    "value": float(value),
                    "higher_is_better": higher,
                    "is_client": is_client,
                    "unit": unit,
                }
            )
    frame = pd.DataFrame(rows)
    for col in ("higher_is_better", "is_client"):
        frame[col] = frame[col].astype("boolean")
    return frame


def sample_inputs(
    rng: np.random.Generator, *, client_name: str, frames: dict[str, pd.DataFrame]
) -> dict[str, pd.DataFrame]:
    """Workshop inputs and market tables of chapters 01 and 02, in canonical columns.

    Parameters
    ----------
    rng
        The sample's random generator (only small jitters are drawn from it).
    client_name
        The client's name, used as the client's row in competitors and benchmarks.
    frames
        Client tables already generated; ``transactions`` (with ``category``) sets the
        business units and their revenue.

    Returns
    -------
    dict
        ``swot``, ``tows``, ``vrio``, ``pestel``, ``porter`` (workshop sheets) and
        ``business_units``, ``competitors``, ``benchmarks`` (client data tables).
    """
    swot = pd.DataFrame(SWOT_ITEMS, columns=["item_id", "quadrant", "item", "evidence", "weight"])
    swot["weight"] = swot["weight"].astype("Int64")
    tows = pd.DataFrame(TOWS_OPTIONS, columns=["option", "items"])
    vrio = pd.DataFrame(
        VRIO_RESOURCES,
        columns=["resource", "category", "valuable", "rare", "inimitable", "organised"],
    )
    for col in ("valuable", "rare", "inimitable", "organised"):
        vrio[col] = vrio[col].astype("boolean")
    pestel = pd.DataFrame(
        PESTEL_FACTORS, columns=["factor", "dimension", "impact", "likelihood", "horizon"]
    )
    porter = pd.DataFrame(PORTER_DRIVERS, columns=["force", "driver", "score", "weight"])

    transactions = frames.get("transactions")
    units = sample_business_units(rng, transactions=transactions)
    client_revenue = float(units["revenue"].sum())
    competitors = sample_competitors(rng, client_name=client_name, client_revenue=client_revenue)
    benchmarks = sample_benchmarks(rng, client_name=client_name)
    return {
        "swot": swot,
        "tows": tows,
        "vrio": vrio,
        "pestel": pestel,
        "porter": porter,
        "business_units": units,
        "competitors": competitors,
        "benchmarks": benchmarks,
    }


__all__ = [
    "sample_benchmarks",
    "sample_business_units",
    "sample_competitors",
    "sample_inputs",
]
