"""Sample workshop inputs for the value proposition and allocation chapters (05 and 06).

The synthetic client is a distributor of office equipment and supplies. The sheets below
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
#: persona, item_id, kind, item, importance (1-5). Item ids keep the workshop's first
#: coding (IR: small-business office manager, CP: key-account procurement buyer, PC:
#: facility manager of multi-site and public organisations).
VP_PROFILE: tuple[tuple[str, str, str, str, int], ...] = (
    ("Office manager, small business", "IR-J1", "job", "Keep the office supplied and working", 5),
    ("Office manager, small business", "IR-J2", "job", "Replace a broken printer or chair fast", 4),
    (
        "Office manager, small business",
        "IR-P1",
        "pain",
        "A broken printer or PC stops the whole team",
        5,
    ),
    (
        "Office manager, small business",
        "IR-P2",
        "pain",
        "Furniture and IT are a large upfront cash outlay",
        4,
    ),
    ("Office manager, small business", "IR-P3", "pain", "Toner and paper costs keep rising", 3),
    ("Office manager, small business", "IR-G1", "gain", "Replacement on site within 24 hours", 5),
    (
        "Office manager, small business",
        "IR-G2",
        "gain",
        "Monthly payments instead of a lump sum",
        4,
    ),
    (
        "Office manager, small business",
        "IR-G3",
        "gain",
        "Advice from someone who knows small offices",
        3,
    ),
    ("Key-account procurement buyer", "CP-J1", "job", "Equip new offices and moves on time", 5),
    (
        "Key-account procurement buyer",
        "CP-J2",
        "job",
        "Standardise equipment and supplies across sites",
        4,
    ),
    (
        "Key-account procurement buyer",
        "CP-P1",
        "pain",
        "Prices differ from one site to the next",
        4,
    ),
    ("Key-account procurement buyer", "CP-P2", "pain", "Late deliveries delay office moves", 5),
    ("Key-account procurement buyer", "CP-P3", "pain", "No consolidated view of spend", 3),
    (
        "Key-account procurement buyer",
        "CP-G1",
        "gain",
        "One national price list and framework contract",
        4,
    ),
    (
        "Key-account procurement buyer",
        "CP-G2",
        "gain",
        "Online ordering with approval workflow",
        4,
    ),
    ("Key-account procurement buyer", "CP-G3", "gain", "Dedicated key-account manager", 3),
    ("Facility manager, multi-site", "PC-J1", "job", "Run compliant supplier tenders", 5),
    (
        "Facility manager, multi-site",
        "PC-J2",
        "job",
        "Keep buildings clean, safe and equipped",
        4,
    ),
    (
        "Facility manager, multi-site",
        "PC-P1",
        "pain",
        "Tender files are long to prepare and compare",
        4,
    ),
    (
        "Facility manager, multi-site",
        "PC-P2",
        "pain",
        "Safety inspections find faulty or missing equipment",
        5,
    ),
    ("Facility manager, multi-site", "PC-P3", "pain", "Budgets are frozen mid-year", 2),
    (
        "Facility manager, multi-site",
        "PC-G1",
        "gain",
        "Eco-label and carbon data for the CSR report",
        4,
    ),
    (
        "Facility manager, multi-site",
        "PC-G2",
        "gain",
        "Service contract with guaranteed uptime",
        4,
    ),
    (
        "Facility manager, multi-site",
        "PC-G3",
        "gain",
        "Staff trained on ergonomics and safe use",
        2,
    ),
)

#: element_id, kind, element, addresses (comma-separated item ids; empty: addresses nothing)
VP_OFFER: tuple[tuple[str, str, str, str], ...] = (
    (
        "O1",
        "product",
        "One catalogue of furniture, IT, consumables, hygiene and safety supplies",
        "IR-J1, CP-J1, PC-J2",
    ),
    ("O2", "product", "Maintenance contracts for printers and IT equipment", "IR-J2, PC-J2"),
    (
        "O3",
        "pain_reliever",
        "48-hour on-site repair or replacement by own technicians",
        "IR-P1, PC-P2",
    ),
    ("O4", "pain_reliever", "Leasing and rental with purchase option", "IR-P2, IR-G2"),
    (
        "O5",
        "pain_reliever",
        "Print and consumables audit with eco-labelled options",
        "IR-P3, PC-G1",
    ),
    ("O6", "pain_reliever", "Move and roll-out planning for multi-site offices", "CP-P2, CP-J1"),
    ("O7", "gain_creator", "Workplace advisers trained in ergonomics and IT", "IR-G3, PC-G3"),
    ("O8", "gain_creator", "Framework agreements with national pricing", "CP-P1, CP-G1"),
    ("O9", "gain_creator", "Tender-ready technical and CSR files", "PC-J1, PC-P1"),
    ("O10", "gain_creator", "Uptime-guaranteed service level", "PC-G2"),
    ("O11", "gain_creator", "Loyalty points on paper and toner", ""),
)

#: part, text ("proof" left empty: the workshop has not agreed on the proof yet)
POSITIONING: tuple[tuple[str, str], ...] = (
    ("target", "small businesses and multi-site companies"),
    ("need", "cannot afford an office that stops for want of a printer, a desk or toner"),
    ("offer", "{client}"),
    ("category", "full-service office equipment and supplies partner"),
    ("benefit", "keeps offices running with one catalogue, leasing and 48-hour service"),
    ("alternative", "online marketplaces and office superstores"),
    ("proof", ""),
)

# ---- strategy canvas ------------------------------------------------------------------
#: competing factors, in the order the value curve shows them
CANVAS_FACTORS = (
    "Price level",
    "Catalogue breadth",
    "Delivery speed",
    "Workplace advice",
    "After-sales service",
    "Financing options",
    "Online ordering",
    "CSR and eco-label expertise",
)
#: competitor -> scores in CANVAS_FACTORS order (0-10); the client comes first
CANVAS_SCORES: dict[str, tuple[float, ...]] = {
    "__client__": (6.0, 8.0, 6.0, 9.0, 8.5, 7.0, 3.0, 6.5),
    "BuroClic (online)": (3.0, 7.0, 6.3, 2.0, 3.0, 2.0, 9.0, 3.0),
    "ProBureau Distribution": (5.5, 7.5, 6.2, 6.0, 6.0, 7.5, 6.0, 7.0),
    "ErgoMeuble (maker direct)": (7.0, 3.0, 5.8, 7.0, 7.0, 5.0, 5.0, 5.0),
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
        "Account plans for the top 50 companies",
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
        "Workplace-solution selling training",
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
        "Fit-out quote follow-up routine",
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
        "Online office fit-out configurator",
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
        "Reorder reminders for consumables",
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
    (
        "Workplace trade-show stand",
        "Events",
        2,
        4,
        40_000,
        10_000,
        60_000,
        2,
        False,
        "Marketing manager",
    ),
    (
        "Showroom open days",
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
        "Regional reseller recruitment",
        "Reseller network",
        2,
        1,
        80_000,
        20_000,
        95_000,
        2,
        False,
        "Sales director",
    ),
    ("Reseller extranet", "Reseller network", 1, 2, 15_000, 5_000, 25_000, 1, False, "Sales ops"),
)

# ---- RACI -----------------------------------------------------------------------------
#: activity, role, assignment. Breaks each rule once: two Accountables (price-list review),
#: no Responsible (customer master data quality), no Accountable (trade-show calendar), the
#: same role Accountable and Responsible (web lead qualification rules), and the CEO is
#: Accountable for four activities out of seven (overloaded at the default 40 % share).
RACI: tuple[tuple[str, str, str], ...] = (
    ("Set commercial targets", "CEO", "A"),
    ("Set commercial targets", "Sales director", "R"),
    ("Set commercial targets", "Marketing manager", "C"),
    ("Set commercial targets", "Sales ops", "I"),
    ("Key-account plans", "Sales director", "A"),
    ("Key-account plans", "Key account manager", "R"),
    ("Key-account plans", "Marketing manager", "C"),
    ("Quarterly price-list review", "CEO", "A"),
    ("Quarterly price-list review", "Sales director", "A"),
    ("Quarterly price-list review", "Sales ops", "R"),
    ("Quarterly price-list review", "Key account manager", "C"),
    ("Web lead qualification rules", "Marketing manager", "A/R"),
    ("Web lead qualification rules", "Sales ops", "C"),
    ("Web lead qualification rules", "Sales director", "I"),
    ("Customer master data quality", "CEO", "A"),
    ("Customer master data quality", "Sales ops", "C"),
    ("Customer master data quality", "Key account manager", "I"),
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
