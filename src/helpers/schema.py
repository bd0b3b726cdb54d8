"""The canonical tables the kit reads, their columns and their rules.

Client exports and workshop inputs arrive with whatever column names the client uses;
``engagement.yaml`` maps them onto the canonical names below, once, at load time
(:mod:`helpers.io`). Analysis code only ever sees canonical names. This module is the
contract between the loaders, the sample client and every chapter.

Kinds of column:

``id``        text identifier, never empty (read as ``string``; ``007`` stays ``007``)
``str``       free text (``string``), may be empty unless required
``category``  a label from a small set (``string``); ``allowed`` lists the set if it is closed
``float``     a number (decimal comma, thousands separators and currency signs are parsed)
``int``       a whole number (``Int64``)
``date``      a calendar date (``datetime64[ns]``)
``bool``      yes/no, true/false, oui/non, 1/0, x/empty (``boolean``)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["id", "str", "category", "float", "int", "date", "bool"]

#: Where a source lives by default in a new engagement folder.
RAW_DIR = "data/raw"
INPUTS_WORKBOOK = "data/inputs/workshop.xlsx"


@dataclass(frozen=True)
class Column:
    """One canonical column: its kind, whether it is required, and its value rules."""

    name: str
    kind: Kind
    required: bool = True
    description: str = ""
    min: float | None = None
    max: float | None = None
    allowed: tuple[str, ...] | None = None
    #: ``id`` and required columns may not be empty; optional ones may.
    nullable: bool | None = None

    @property
    def allows_empty(self) -> bool:
        if self.nullable is not None:
            return self.nullable
        return not (self.required or self.kind == "id")


@dataclass(frozen=True)
class Table:
    """A canonical table: the columns the kit knows, and where it usually comes from."""

    name: str
    description: str
    columns: tuple[Column, ...]
    #: ``raw`` for client exports (``data/raw``), ``inputs`` for workshop sheets
    origin: Literal["raw", "inputs"] = "raw"
    #: columns whose combined values must be unique (``None``: no rule)
    unique: tuple[str, ...] | None = None
    #: keep columns the schema does not name (competitor attributes, per-stage dates)
    allow_extra: bool = False

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.required)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def default_path(self) -> str:
        if self.origin == "inputs":
            return INPUTS_WORKBOOK
        return f"{RAW_DIR}/{self.name}.csv"

    @property
    def default_sheet(self) -> str | None:
        return self.name if self.origin == "inputs" else None


def _c(name: str, kind: Kind, required: bool = True, description: str = "", **rules) -> Column:
    return Column(name, kind, required, description, **rules)


SWOT_QUADRANTS = ("strength", "weakness", "opportunity", "threat")
PESTEL_DIMENSIONS = ("political", "economic", "social", "technological", "environmental", "legal")
PESTEL_HORIZONS = ("short-term", "structural")
PORTER_FORCES = ("rivalry", "new_entrants", "supplier_power", "buyer_power", "substitutes")
BSC_PERSPECTIVES = ("financial", "customer", "internal", "learning")
AARRR_STAGES = ("acquisition", "activation", "retention", "referral", "revenue")
BENCHMARK_AREAS = ("prospecting", "conversion", "retention", "price", "service")
VP_PROFILE_KINDS = ("job", "pain", "gain")
VP_OFFER_KINDS = ("product", "pain_reliever", "gain_creator")
POSITIONING_PARTS = ("target", "need", "offer", "category", "benefit", "alternative", "proof")
FREQUENCIES = ("daily", "weekly", "monthly", "quarterly", "yearly")
BANT_FIELDS = ("budget", "authority", "need", "timeline")
MEDDIC_FIELDS = (
    "metrics",
    "economic_buyer",
    "decision_criteria",
    "decision_process",
    "identify_pain",
    "champion",
)
GPCT_FIELDS = ("goals", "plans", "challenges", "timeline")

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        # ---- client exports -------------------------------------------------------------
        Table(
            "transactions",
            "Order lines or invoices: one row per order (or line) with customer, date, amount.",
            (
                _c("customer_id", "id", description="the customer who bought"),
                _c("order_date", "date", description="date of the order or invoice"),
                _c("amount", "float", description="revenue of the line; negative for refunds"),
                _c("order_id", "id", False, "order or invoice number"),
                _c("quantity", "float", False, "units sold", min=0),
                _c("channel", "category", False, "sales channel (web, store, field sales...)"),
                _c("region", "category", False, "sales region"),
                _c("category", "category", False, "product category"),
                _c("discount", "float", False, "discount granted on the line, in currency", min=0),
                _c("margin", "float", False, "gross margin of the line, in currency"),
            ),
        ),
        Table(
            "customers",
            "The customer file: one row per customer.",
            (
                _c("customer_id", "id"),
                _c("signup_date", "date", False, "first contact or account creation"),
                _c("segment", "category", False, "the client's own segment (SMB, key account...)"),
                _c("region", "category", False),
                _c("acquisition_channel", "category", False),
                _c("nps", "float", False, "last Net Promoter answer, 0-10", min=0, max=10),
            ),
            unique=("customer_id",),
        ),
        Table(
            "journey",
            "Customer-journey events: one row per contact and stage reached.",
            (
                _c("contact_id", "id", description="prospect or customer"),
                _c("stage", "category", description="awareness, consideration, decision..."),
                _c("event_date", "date"),
                _c("channel", "category", False),
            ),
        ),
        Table(
            "opportunities",
            "CRM opportunities with stage history: one row per opportunity and stage entered "
            "(a wide export with one date column per stage is accepted by helpers.pipeline).",
            (
                _c("opportunity_id", "id"),
                # stage and stage_date make the long shape; a wide export has one date
                # column per stage instead (kept as extra columns, converted by
                # helpers.pipeline.to_long, which names both shapes when neither is found)
                _c("stage", "category", False, "stage entered (lead ... won/lost)"),
                _c("stage_date", "date", False, "date the stage was entered"),
                _c("created_date", "date"),
                _c("amount", "float", description="expected deal value", min=0),
                _c("owner", "category", False, "sales rep"),
                _c("segment", "category", False),
                _c("source", "category", False, "lead source"),
                _c("expected_close_date", "date", False),
                *(
                    _c(f, "str", False, "qualification criterion; filled = met")
                    for f in BANT_FIELDS
                ),
                *(
                    _c(f, "str", False, "qualification criterion; filled = met")
                    for f in MEDDIC_FIELDS
                ),
                *(
                    _c(f, "str", False, "qualification criterion; filled = met")
                    for f in GPCT_FIELDS
                    if f != "timeline"
                ),
            ),
            allow_extra=True,
        ),
        Table(
            "business_units",
            "The client's business units with their market, for the BCG matrix.",
            (
                _c("unit", "id"),
                _c("revenue", "float", min=0),
                _c("market_growth", "float", description="annual market growth, 0.08 = 8 %"),
                _c("market_share", "float", description="the unit's share, 0-1", min=0, max=1),
                _c(
                    "largest_competitor_share",
                    "float",
                    description="share of the largest other competitor, 0-1",
                    min=0,
                    max=1,
                ),
                _c("market_size", "float", False, min=0),
            ),
            unique=("unit",),
        ),
        Table(
            "competitors",
            "Competitors (and the client, is_client) with strategic attributes; extra numeric "
            "columns are the dimensions engagement.yaml may choose for the strategic-group map.",
            (
                _c("competitor", "id"),
                _c("is_client", "bool", False),
                _c("group", "category", False, "strategic group given by the workshop"),
                _c("revenue", "float", False, min=0),
            ),
            unique=("competitor",),
            allow_extra=True,
        ),
        Table(
            "benchmarks",
            "Commercial KPIs of the client and of market players (long format).",
            (
                _c("kpi", "str"),
                _c("area", "category", allowed=BENCHMARK_AREAS),
                _c("player", "str"),
                _c("value", "float"),
                _c("higher_is_better", "bool"),
                _c("is_client", "bool"),
                _c("unit", "str", False),
            ),
            unique=("kpi", "player"),
        ),
        # ---- workshop inputs (sheets of data/inputs/workshop.xlsx) ----------------------
        Table(
            "swot",
            "SWOT items with their evidence and weight.",
            (
                _c("item_id", "id", description="S1, W2, O3, T1..."),
                _c("quadrant", "category", allowed=SWOT_QUADRANTS),
                _c("item", "str"),
                _c("evidence", "str", False),
                _c("weight", "int", min=1, max=5),
            ),
            origin="inputs",
            unique=("item_id",),
        ),
        Table(
            "tows",
            "Strategic options attached to SWOT items (TOWS).",
            (
                _c("option", "str"),
                _c("items", "str", description="comma-separated SWOT item ids, e.g. 'S1, O2'"),
            ),
            origin="inputs",
        ),
        Table(
            "pestel",
            "PESTEL factors.",
            (
                _c("factor", "str"),
                _c("dimension", "category", allowed=PESTEL_DIMENSIONS),
                _c("impact", "float", min=-5, max=5),
                _c("likelihood", "float", min=0, max=1),
                _c("horizon", "category", allowed=PESTEL_HORIZONS),
            ),
            origin="inputs",
        ),
        Table(
            "vrio",
            "Resources audited with the VRIO questions.",
            (
                _c("resource", "id"),
                _c("category", "category", False),
                _c("valuable", "bool"),
                _c("rare", "bool"),
                _c("inimitable", "bool"),
                _c("organised", "bool"),
            ),
            origin="inputs",
            unique=("resource",),
        ),
        Table(
            "porter",
            "Porter's five forces: drivers scored 1-5 per force.",
            (
                _c("force", "category", allowed=PORTER_FORCES),
                _c("driver", "str"),
                _c("score", "float", min=1, max=5),
                _c("weight", "float", False, min=0),
            ),
            origin="inputs",
        ),
        Table(
            "objectives",
            "Commercial objectives to check against SMART.",
            (
                _c("objective_id", "id"),
                _c("objective", "str"),
                _c("metric", "str", False),
                _c("metric_type", "category", False, "revenue, volume or other"),
                _c("baseline", "float", False),
                _c("target", "float", False),
                _c("deadline", "date", False),
                _c("owner", "str", False),
                _c("pillar", "str", False, "strategic pillar"),
            ),
            origin="inputs",
            unique=("objective_id",),
        ),
        Table(
            "okr",
            "OKRs: one row per key result (an objective row with no key result is flagged).",
            (
                _c("objective", "str"),
                _c("key_result", "str", False),
                _c("start", "float", False),
                _c("target", "float", False),
                _c("current", "float", False),
                _c("deadline", "date", False),
            ),
            origin="inputs",
        ),
        Table(
            "kpis",
            "AARRR KPIs with target, frequency and leading/lagging flag.",
            (
                _c("stage", "category", allowed=AARRR_STAGES),
                _c("kpi", "str"),
                _c("measure", "category", False, "name of a baseline the kit computes"),
                _c("baseline", "float", False),
                _c("target", "float", False),
                _c("frequency", "category", False, allowed=FREQUENCIES),
                _c("leading", "bool", False),
            ),
            origin="inputs",
        ),
        Table(
            "scorecard",
            "Balanced-scorecard objectives and their cause-and-effect links.",
            (
                _c("objective_id", "id"),
                _c("objective", "str"),
                _c("perspective", "category", allowed=BSC_PERSPECTIVES),
                _c("kpi", "str", False),
                _c("drives", "str", False, "comma-separated objective ids this one drives"),
            ),
            origin="inputs",
            unique=("objective_id",),
        ),
        Table(
            "vp_profile",
            "Customer profile per persona: jobs, pains and gains with importance.",
            (
                _c("persona", "str"),
                _c("item_id", "id"),
                _c("kind", "category", allowed=VP_PROFILE_KINDS),
                _c("item", "str"),
                _c("importance", "int", min=1, max=5),
            ),
            origin="inputs",
            unique=("item_id",),
        ),
        Table(
            "vp_offer",
            "The offer: products, pain relievers and gain creators, and what they address.",
            (
                _c("element_id", "id"),
                _c("kind", "category", allowed=VP_OFFER_KINDS),
                _c("element", "str"),
                _c("addresses", "str", False, "comma-separated vp_profile item ids"),
            ),
            origin="inputs",
            unique=("element_id",),
        ),
        Table(
            "positioning",
            "Parts of the positioning statement.",
            (
                _c("part", "category", allowed=POSITIONING_PARTS),
                _c("text", "str", False),
            ),
            origin="inputs",
            unique=("part",),
        ),
        Table(
            "strategy_canvas",
            "Competing factors scored per player (value curve), 0-10.",
            (
                _c("factor", "str"),
                _c("player", "str"),
                _c("score", "float", min=0, max=10),
                _c("is_client", "bool", False),
            ),
            origin="inputs",
            unique=("factor", "player"),
        ),
        Table(
            "initiatives",
            "Initiatives with importance, urgency, cost and benefit (Eisenhower, ZBB).",
            (
                _c("initiative", "id"),
                _c("package", "str", description="decision package for zero-based budgeting"),
                _c("importance", "float", min=1, max=5),
                _c("urgency", "float", min=1, max=5),
                _c("direct_cost", "float", min=0),
                _c("indirect_cost", "float", False, min=0),
                _c("benefit", "float"),
                _c("strategic_impact", "float", False, min=1, max=5),
                _c("mandatory", "bool", False),
                _c("owner", "str", False),
            ),
            origin="inputs",
            unique=("initiative",),
        ),
        Table(
            "raci",
            "RACI assignments: one row per activity and role (R, A, C, I or 'A/R').",
            (
                _c("activity", "str"),
                _c("role", "str"),
                _c("assignment", "str"),
            ),
            origin="inputs",
            unique=("activity", "role"),
        ),
        Table(
            "attractiveness",
            "Segments and channels with the inputs of the attractiveness score.",
            (
                _c("dimension", "category", allowed=("segment", "channel")),
                _c("name", "str"),
                _c("market_size", "float", False, min=0),
                _c("growth", "float", False),
                _c("competitive_intensity", "float", False, min=1, max=5),
                _c("cac", "float", False, min=0),
                _c("conversion_rate", "float", False, min=0, max=1),
                _c("sales_cycle_days", "float", False, min=0),
                _c("current_budget", "float", False, min=0),
                _c("ltv", "float", False),
            ),
            origin="inputs",
            unique=("dimension", "name"),
        ),
    )
}

RAW_SOURCES = tuple(n for n, t in TABLES.items() if t.origin == "raw")
INPUT_SOURCES = tuple(n for n, t in TABLES.items() if t.origin == "inputs")


def table(name: str) -> Table:
    """Return the schema of a canonical table, with a helpful error for unknown names."""
    try:
        return TABLES[name]
    except KeyError:
        known = ", ".join(TABLES)
        raise KeyError(f"unknown table {name!r}; the kit knows: {known}") from None


__all__ = [
    "AARRR_STAGES",
    "BANT_FIELDS",
    "BENCHMARK_AREAS",
    "BSC_PERSPECTIVES",
    "GPCT_FIELDS",
    "INPUT_SOURCES",
    "MEDDIC_FIELDS",
    "PESTEL_DIMENSIONS",
    "PESTEL_HORIZONS",
    "PORTER_FORCES",
    "POSITIONING_PARTS",
    "RAW_SOURCES",
    "SWOT_QUADRANTS",
    "TABLES",
    "Column",
    "Table",
    "table",
]
