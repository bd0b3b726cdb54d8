"""Sample workshop inputs for the value proposition and allocation chapters (05 and 06).

The synthetic client is a distributor of professional catering equipment. The sheets below
are what its value-proposition and budgeting workshops would produce: a customer profile
per persona and the offer mapped onto it, a positioning statement, a strategy canvas
against three competitors, the commercial initiatives with their costs and benefits, a RACI
matrix and the attractiveness inputs of its segments and channels. Every rule of chapters
05 and 06 shows up at least once: pains and gains no offer element addresses and an offer
element that addresses nothing; a factor with no differentiation, factors where the client
leads and where it lags; a mandatory decision package, a package that does not fit the
budget while a smaller later one does, a greedy choice worse than the optimum; quick wins
and every Eisenhower quadrant; each RACI rule broken once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# ---- value proposition canvas ---------------------------------------------------------
#: persona, item_id, kind, item, importance (1-5)
VP_PROFILE: tuple[tuple[str, str, str, str, int], ...] = (
    ("Independent restaurateur", "IR-J1", "job", "Run a profitable kitchen every service", 5),
    ("Independent restaurateur", "IR-J2", "job", "Replace broken equipment fast", 4),
    ("Independent restaurateur", "IR-P1", "pain", "A broken oven or fridge stops the service", 5),
    ("Independent restaurateur", "IR-P2", "pain", "Equipment is a large upfront cash outlay", 4),
    ("Independent restaurateur", "IR-P3", "pain", "Energy bills keep rising", 3),
    ("Independent restaurateur", "IR-G1", "gain", "Technician on site within 24 hours", 5),
    ("Independent restaurateur", "IR-G2", "gain", "Monthly payments instead of a lump sum", 4),
    ("Independent restaurateur", "IR-G3", "gain", "Advice from someone who knows kitchens", 3),
    ("Chain purchasing manager", "CP-J1", "job", "Equip new openings on schedule", 5),
    ("Chain purchasing manager", "CP-J2", "job", "Standardise equipment across sites", 4),
    ("Chain purchasing manager", "CP-P1", "pain", "Prices differ from one site to the next", 4),
    ("Chain purchasing manager", "CP-P2", "pain", "Late deliveries delay openings", 5),
    ("Chain purchasing manager", "CP-P3", "pain", "No consolidated view of spend", 3),
    ("Chain purchasing manager", "CP-G1", "gain", "One national price list and contract", 4),
    ("Chain purchasing manager", "CP-G2", "gain", "Online ordering with approval workflow", 4),
    ("Chain purchasing manager", "CP-G3", "gain", "Dedicated key-account manager", 3),
    ("Public catering buyer", "PC-J1", "job", "Run compliant public tenders", 5),
    ("Public catering buyer", "PC-J2", "job", "Keep school and hospital kitchens running", 4),
    ("Public catering buyer", "PC-P1", "pain", "Tender files are long to prepare and compare", 4),
    ("Public catering buyer", "PC-P2", "pain", "Hygiene audits find non-compliant equipment", 5),
    ("Public catering buyer", "PC-P3", "pain", "Budgets are frozen mid-year", 2),
    ("Public catering buyer", "PC-G1", "gain", "Energy-efficiency data for the tender scoring", 4),
    ("Public catering buyer", "PC-G2", "gain", "Maintenance contract with guaranteed uptime", 4),
    ("Public catering buyer", "PC-G3", "gain", "Training of kitchen staff on new equipment", 2),
)

#: element_id, kind, element, addresses (comma-separated item ids; empty: addresses nothing)
VP_OFFER: tuple[tuple[str, str, str, str], ...] = (
    (
        "O1",
        "product",
        "Full catalogue of cooking, cold and hygiene equipment",
        "IR-J1, CP-J1, PC-J2",
    ),
    ("O2", "product", "Maintenance contracts", "IR-J2, PC-J2"),
    ("O3", "pain_reliever", "48-hour breakdown intervention by own technicians", "IR-P1, PC-P2"),
    ("O4", "pain_reliever", "Leasing and rental with purchase option", "IR-P2, IR-G2"),
    ("O5", "pain_reliever", "Energy audit of the kitchen", "IR-P3, PC-G1"),
    ("O6", "pain_reliever", "Roll-out planning for multi-site openings", "CP-P2, CP-J1"),
    ("O7", "gain_creator", "Chef-trained sales engineers", "IR-G3, PC-G3"),
    ("O8", "gain_creator", "Framework agreements with national pricing", "CP-P1, CP-G1"),
    ("O9", "gain_creator", "Tender-ready technical files", "PC-J1, PC-P1"),
    ("O10", "gain_creator", "Uptime-guaranteed service level", "PC-G2"),
    ("O11", "gain_creator", "Loyalty points on consumables", ""),
)

#: part, text ("proof" left empty: the workshop has not agreed on the proof yet)
POSITIONING: tuple[tuple[str, str], ...] = (
    ("target", "independent restaurants and catering chains"),
    ("need", "cannot afford a kitchen that stops during service"),
    ("offer", "{client}"),
    ("category", "professional kitchen equipment partner"),
    ("benefit", "keeps kitchens running with equipment, financing and 48-hour service"),
    ("alternative", "online pure players and manufacturers selling direct"),
    ("proof", ""),
)

# ---- strategy canvas ------------------------------------------------------------------
#: competing factors, in the order the value curve shows them
CANVAS_FACTORS = (
    "Price level",
    "Catalogue breadth",
    "Delivery speed",
    "Technical advice",
    "After-sales service",
    "Financing options",
    "Online ordering",
    "Energy-efficiency expertise",
)
#: competitor -> scores in CANVAS_FACTORS order (0-10); the client comes first
CANVAS_SCORES: dict[str, tuple[float, ...]] = {
    "__client__": (6.0, 8.0, 6.0, 9.0, 8.5, 7.0, 3.0, 6.5),
    "ChefDirect (online)": (3.0, 7.0, 6.3, 2.0, 3.0, 2.0, 9.0, 3.0),
    "ProCuisine Distribution": (5.5, 7.5, 6.2, 6.0, 6.0, 7.5, 6.0, 7.0),
    "Frigo-Maker Direct": (7.0, 3.0, 5.8, 7.0, 7.0, 5.0, 5.0, 5.0),
}

# ---- initiatives (Eisenhower and zero-based budgeting) --------------------------------
#: initiative, package, importance, urgency, direct_cost, indirect_cost, benefit,
#: strategic_impact, mandatory, owner.
#: With the default ZBB budget of 400 000: the mandatory package (60 000) is funded first;
#: the greedy rule then funds key accounts (150 000) and sales training (80 000), skips the
#: web shop (190 000, does not fit the 110 000 left) and funds marketing automation
#: (100 000): benefit 974 000. The optimum funds compliance + key accounts + web shop
#: (400 000) for a benefit of 1 015 000.
INITIATIVES: tuple[tuple, ...] = (
    ("GDPR consent in the CRM", "Compliance", 5, 5, 35_000, 5_000, 50_000, 3, True, "Sales ops"),
    (
        "Price display compliance",
        "Compliance",
        4,
        4,
        15_000,
        5_000,
        40_000,
        2,
        True,
        "Sales director",
    ),
    (
        "Hire two key-account managers",
        "Key accounts",
        5,
        3,
        90_000,
        20_000,
        330_000,
        5,
        False,
        "Sales director",
    ),
    (
        "Account plans for the top 50",
        "Key accounts",
        4,
        2,
        30_000,
        10_000,
        120_000,
        4,
        False,
        "Key account manager",
    ),
    (
        "Needs-based selling training",
        "Sales training",
        4,
        4,
        45_000,
        15_000,
        164_000,
        4,
        False,
        "Sales director",
    ),
    (
        "Quote follow-up routine",
        "Sales training",
        4,
        5,
        15_000,
        5_000,
        60_000,
        3,
        False,
        "Sales ops",
    ),
    (
        "B2B web shop with approval workflow",
        "Web shop",
        4,
        2,
        140_000,
        30_000,
        420_000,
        5,
        False,
        "Marketing manager",
    ),
    (
        "Online quote configurator",
        "Web shop",
        3,
        2,
        15_000,
        5_000,
        55_000,
        3,
        False,
        "Marketing manager",
    ),
    (
        "Email nurturing programme",
        "Marketing automation",
        3,
        3,
        50_000,
        10_000,
        120_000,
        3,
        False,
        "Marketing manager",
    ),
    ("Lead scoring", "Marketing automation", 3, 2, 30_000, 10_000, 90_000, 3, False, "Sales ops"),
    ("Trade-show presence", "Events", 2, 4, 40_000, 10_000, 60_000, 2, False, "Marketing manager"),
    (
        "Customer event invitations",
        "Events",
        2,
        3,
        8_000,
        2_000,
        12_000,
        1,
        False,
        "Marketing manager",
    ),
    (
        "Dealer recruitment",
        "Dealer network",
        2,
        1,
        80_000,
        20_000,
        95_000,
        2,
        False,
        "Sales director",
    ),
    ("Dealer extranet", "Dealer network", 1, 2, 15_000, 5_000, 25_000, 1, False, "Sales ops"),
)

# ---- RACI -----------------------------------------------------------------------------
#: activity, role, assignment. Breaks each rule once: two Accountables (pricing review),
#: no Responsible (CRM data quality), no Accountable (trade-show calendar), the same role
#: Accountable and Responsible (lead qualification rules), and the CEO is Accountable for
#: four activities out of seven (overloaded at the default 40 % share).
RACI: tuple[tuple[str, str, str], ...] = (
    ("Set commercial targets", "CEO", "A"),
    ("Set commercial targets", "Sales director", "R"),
    ("Set commercial targets", "Marketing manager", "C"),
    ("Set commercial targets", "Sales ops", "I"),
    ("Key-account plans", "Sales director", "A"),
    ("Key-account plans", "Key account manager", "R"),
    ("Key-account plans", "Marketing manager", "C"),
    ("Quarterly pricing review", "CEO", "A"),
    ("Quarterly pricing review", "Sales director", "A"),
    ("Quarterly pricing review", "Sales ops", "R"),
    ("Quarterly pricing review", "Key account manager", "C"),
    ("Lead qualification rules", "Marketing manager", "A/R"),
    ("Lead qualification rules", "Sales ops", "C"),
    ("Lead qualification rules", "Sales director", "I"),
    ("CRM data quality", "CEO", "A"),
    ("CRM data quality", "Sales ops", "C"),
    ("CRM data quality", "Key account manager", "I"),
    ("Trade-show calendar", "Marketing manager", "R"),
    ("Trade-show calendar", "Sales director", "C"),
    ("Monthly pipeline review", "CEO", "A"),
    ("Monthly pipeline review", "Sales director", "R"),
    ("Monthly pipeline review", "Sales ops", "R"),
    ("Monthly pipeline review", "Key account manager", "C"),
)

# ---- attractiveness -------------------------------------------------------------------
#: default names when the client tables do not carry segments or channels
DEFAULT_SEGMENTS = ("Key account", "Mid-market", "Small business", "Consumer")
DEFAULT_CHANNELS = ("field sales", "web", "store", "marketplace")
#: market_size, growth, competitive_intensity, LTV/CAC, conversion_rate, sales_cycle_days,
#: current_budget, ltv (gross margin per customer over 12 months, used when no transactions
#: are given), per name of the sample client's segments and channels; other names take
#: FALLBACK_PROFILES in turn. The CAC is the LTV divided by the LTV/CAC ratio, so that the
#: unit economics stay plausible whichever LTV source 06 uses.
PROFILES: dict[str, tuple[float, ...]] = {
    "Key account": (42_000_000, 0.03, 4, 2.5, 0.22, 120, 200_000, 5_100),
    "Mid-market": (30_000_000, 0.05, 3, 3.5, 0.20, 60, 120_000, 1_600),
    "Small business": (55_000_000, 0.01, 5, 2.2, 0.12, 21, 140_000, 500),
    "Consumer": (12_000_000, -0.02, 5, 1.2, 0.03, 3, 40_000, 100),
    "field sales": (80_000_000, 0.01, 3, 2.4, 0.25, 90, 300_000, 1_100),
    "web": (35_000_000, 0.15, 4, 5.0, 0.06, 7, 60_000, 440),
    "store": (20_000_000, 0.00, 2, 3.0, 0.20, 14, 90_000, 360),
    "marketplace": (15_000_000, 0.10, 5, 1.5, 0.02, 5, 50_000, 280),
}
FALLBACK_PROFILES: tuple[tuple[float, ...], ...] = (
    (25_000_000, 0.04, 3, 3.0, 0.15, 45, 60_000, 900),
    (15_000_000, 0.06, 4, 2.0, 0.10, 30, 40_000, 600),
    (10_000_000, 0.02, 2, 4.0, 0.18, 20, 30_000, 400),
)
PROFILE_FIELDS = (
    "market_size",
    "growth",
    "competitive_intensity",
    "ltv_cac",
    "conversion_rate",
    "sales_cycle_days",
    "current_budget",
    "ltv",
)
#: columns of the attractiveness sheet, in order
ATTRACTIVENESS_NUMBERS = (
    "market_size",
    "growth",
    "competitive_intensity",
    "cac",
    "conversion_rate",
    "sales_cycle_days",
    "current_budget",
    "ltv",
)
#: months of transactions the LTV of the sheet is read from
LTV_WINDOW_MONTHS = 12
#: gross margin on revenue when the transactions carry no margin
DEFAULT_MARGIN = 0.30
#: at most this many segments or channels (the largest) in the sheet
MAX_LINES = 8
#: relative size of the random jitter on the market figures (deterministic with the rng)
JITTER = 0.03


def _names(
    frame: pd.DataFrame | None, column: str, default: tuple[str, ...], limit: int
) -> list[str]:
    """The names of a client column, largest first, or the defaults."""
    if frame is None or column not in frame.columns:
        return list(default)
    values = frame[column].dropna().astype(str)
    if values.empty:
        return list(default)
    counts = values.value_counts()
    ordered = sorted(counts.index, key=lambda n: (-counts[n], n))
    return ordered[:limit]


def _margin_per_customer(frames: dict[str, pd.DataFrame], dimension: str) -> dict[str, float]:
    """Mean gross margin per customer over the last 12 months, per segment or channel."""
    tx = frames.get("transactions")
    if tx is None or not {"customer_id", "order_date", "amount"} <= set(tx.columns):
        return {}
    dates = pd.to_datetime(tx["order_date"])
    recent = tx[dates > dates.max() - pd.DateOffset(months=LTV_WINDOW_MONTHS)]
    value = recent["margin"] if "margin" in recent.columns else recent["amount"] * DEFAULT_MARGIN
    if dimension == "segment":
        customers = frames.get("customers")
        if customers is None or "segment" not in customers.columns:
            return {}
        key = recent["customer_id"].map(customers.set_index("customer_id")["segment"])
    elif "channel" in recent.columns:
        key = recent["channel"]
    else:
        return {}
    per_customer = value.groupby([key.astype(str), recent["customer_id"]]).sum()
    return per_customer.groupby(level=0).mean().to_dict()


def _attractiveness_rows(
    rng: np.random.Generator, dimension: str, names: list[str], ltv: dict[str, float]
) -> list[dict[str, object]]:
    rows = []
    fallback = 0
    for name in names:
        profile = PROFILES.get(name)
        if profile is None:
            profile = FALLBACK_PROFILES[fallback % len(FALLBACK_PROFILES)]
            fallback += 1
        values = dict(zip(PROFILE_FIELDS, profile, strict=True))
        values["ltv"] = ltv.get(name, values["ltv"])
        values["market_size"] = round(
            values["market_size"] * (1 + rng.uniform(-JITTER, JITTER)), -4
        )
        values["ltv"] = round(float(values["ltv"]), 0)
        ratio = values.pop("ltv_cac") * (1 + rng.uniform(-JITTER, JITTER))
        values["cac"] = round(values["ltv"] / ratio, 0)
        rows.append({"dimension": dimension, "name": name, **values})
    return rows


def sample_attractiveness(
    rng: np.random.Generator, *, frames: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    """Segments and channels with their attractiveness inputs.

    Segment names come from the customers' ``segment`` and channel names from the
    transactions' ``channel`` (so that 04's ``ltv_by_segment`` joins on them), largest
    first; the defaults are used when the client tables do not carry them. The ``ltv``
    column is the mean gross margin per customer over the last 12 months of transactions,
    close to what 04's CLV finds, and the CAC follows from a plausible LTV/CAC ratio.
    """
    segments = _names(frames.get("customers"), "segment", DEFAULT_SEGMENTS, MAX_LINES)
    channels = _names(frames.get("transactions"), "channel", DEFAULT_CHANNELS, MAX_LINES)
    rows = _attractiveness_rows(rng, "segment", segments, _margin_per_customer(frames, "segment"))
    rows += _attractiveness_rows(rng, "channel", channels, _margin_per_customer(frames, "channel"))
    return pd.DataFrame(rows, columns=["dimension", "name", *ATTRACTIVENESS_NUMBERS])


def sample_inputs(
    rng: np.random.Generator, *, client_name: str, frames: dict[str, pd.DataFrame]
) -> dict[str, pd.DataFrame]:
    """Workshop inputs of chapters 05 and 06, in canonical columns.

    Parameters
    ----------
    rng
        The sample's random generator (only small jitters on market figures).
    client_name
        The client's name: the offer of the positioning statement and the client's
        value curve in the strategy canvas.
    frames
        Client tables already generated; ``customers`` (``segment``) and ``transactions``
        (``channel``) name the lines of the attractiveness sheet.

    Returns
    -------
    dict
        ``vp_profile``, ``vp_offer``, ``positioning``, ``strategy_canvas``,
        ``initiatives``, ``raci``, ``attractiveness``.
    """
    vp_profile = pd.DataFrame(
        VP_PROFILE, columns=["persona", "item_id", "kind", "item", "importance"]
    )
    vp_profile["importance"] = vp_profile["importance"].astype("Int64")
    vp_offer = pd.DataFrame(VP_OFFER, columns=["element_id", "kind", "element", "addresses"])
    positioning = pd.DataFrame(
        [(part, text.format(client=client_name)) for part, text in POSITIONING],
        columns=["part", "text"],
    )
    canvas_rows = []
    for player, scores in CANVAS_SCORES.items():
        is_client = player == "__client__"
        for factor, score in zip(CANVAS_FACTORS, scores, strict=True):
            canvas_rows.append(
                {
                    "factor": factor,
                    "player": client_name if is_client else player,
                    "score": score,
                    "is_client": is_client,
                }
            )
    strategy_canvas = pd.DataFrame(canvas_rows)
    strategy_canvas["is_client"] = strategy_canvas["is_client"].astype("boolean")
    initiatives = pd.DataFrame(
        INITIATIVES,
        columns=[
            "initiative",
            "package",
            "importance",
            "urgency",
            "direct_cost",
            "indirect_cost",
            "benefit",
            "strategic_impact",
            "mandatory",
            "owner",
        ],
    )
    for col in (
        "importance",
        "urgency",
        "direct_cost",
        "indirect_cost",
        "benefit",
        "strategic_impact",
    ):
        initiatives[col] = initiatives[col].astype(float)
    initiatives["mandatory"] = initiatives["mandatory"].astype("boolean")
    raci = pd.DataFrame(RACI, columns=["activity", "role", "assignment"])
    return {
        "vp_profile": vp_profile,
        "vp_offer": vp_offer,
        "positioning": positioning,
        "strategy_canvas": strategy_canvas,
        "initiatives": initiatives,
        "raci": raci,
        "attractiveness": sample_attractiveness(rng, frames=frames),
    }


__all__ = ["sample_attractiveness", "sample_inputs"]
