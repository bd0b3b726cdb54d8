"""The engagement's parameters: ``engagement.yaml``, loaded into a typed, validated model.

``engagement.yaml`` is the one place where an engagement says who the client is, which
files hold its data and how their columns map onto the kit's canonical names, and the
thresholds and budgets the notebooks use. Misspelled keys, missing files and mappings to
columns that are not in the file are refused with a message that names the key or file.
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from helpers.errors import ConfigError
from helpers.schema import TABLES

CONFIG_FILE = "engagement.yaml"
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MONTH_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

#: ISO 4217 active currency codes (list one, 2024). Kept here so validation needs no
#: network and no extra dependency.
ISO_4217 = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD
    BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR
    FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD
    JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT
    MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG
    QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS
    TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER
    ZAR ZMW ZWG""".split()
)


class _Section(BaseModel):
    """A section of engagement.yaml: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class DataSource(_Section):
    """Where one canonical table comes from and how its columns map onto the kit's names.

    Format options left at ``None`` are detected from the file.
    """

    path: str = Field(description="file path, relative to the engagement folder")
    columns: dict[str, str] = Field(
        default_factory=dict,
        description="canonical name -> client's column name; unmapped names are used as is",
    )
    sheet: str | None = Field(None, description=".xlsx sheet name (default: the source name)")
    sep: str | None = Field(None, description="CSV separator; detected when absent")
    decimal: str | None = Field(None, description="decimal mark, '.' or ','")
    thousands: str | None = Field(None, description="thousands separator")
    encoding: str | None = Field(None, description="e.g. utf-8, cp1252; detected when absent")
    date_format: str | None = Field(None, description="e.g. %d/%m/%Y; detected when absent")
    header_row: int | None = Field(
        None, ge=0, description="0-based row of the header, for exports with title rows above"
    )

    @field_validator("columns")
    @classmethod
    def _columns_unique(cls, value: dict[str, str]) -> dict[str, str]:
        seen: dict[str, str] = {}
        for canonical, client in value.items():
            if client in seen:
                raise ValueError(
                    f'client column "{client}" is mapped twice (to {seen[client]} and '
                    f"{canonical}); map each canonical name to its own column"
                )
            seen[client] = canonical
        return value


class Thresholds(_Section):
    """Cut-offs an analyst may want to change; defaults are the method's usual ones."""

    abc: tuple[float, float] = (0.80, 0.95)
    top_shares: tuple[float, ...] = (0.10, 0.20)
    bcg_growth: float = 0.10
    bcg_share: float = 1.0
    okr_success: float = 0.7
    smart_growth_ceiling: float = Field(
        0.5, gt=0, description="SMART: highest implied annual change of a non-revenue target"
    )
    eisenhower_importance: float = 3.0
    eisenhower_urgency: float = 3.0
    stalled_quantile: float = 0.9

    @field_validator("abc")
    @classmethod
    def _abc_ordered(cls, value: tuple[float, float]) -> tuple[float, float]:
        a, b = value
        if not 0 < a < b <= 1:
            raise ValueError(f"abc must be two shares 0 < A < B <= 1, got {list(value)}")
        return value


class MarketSettings(_Section):
    strategic_dimensions: tuple[str, str] = ("price_level", "range_breadth")
    strategic_groups: int | None = Field(
        None, ge=1, description="number of groups; None: chosen by silhouette or given"
    )


class CustomerSettings(_Section):
    rfm_bins: int = Field(5, ge=2, le=10)
    segment_rules: str | None = Field(
        None, description="CSV of RFM segment rules replacing the default table"
    )
    persona_k: tuple[int, int] = (3, 6)
    persona_names: dict[str, str] = Field(default_factory=dict)
    journey_stages: list[str] | None = None


class LtvSettings(_Section):
    time_unit: Literal["days", "weeks"] = "days"
    horizon_months: int = Field(12, ge=1, le=120)
    discount_rate: float = Field(0.10, ge=0, le=1, description="annual discount rate")
    margin: float = Field(0.30, ge=0, le=1, description="gross margin on revenue")
    holdout_months: int = Field(6, ge=0, le=60)
    retention: float | None = Field(
        None, ge=0, lt=1, description="for the simple LTV formula when no history is given"
    )
    arpu: float | None = Field(None, ge=0, description="average revenue per customer per year")


class AllocationSettings(_Section):
    budget: float = Field(500_000, ge=0, description="commercial budget to split")
    weights: dict[str, float] = Field(
        default_factory=lambda: {
            "market_size": 0.20,
            "growth": 0.15,
            "competitive_intensity": 0.10,
            "cac": 0.15,
            "conversion_rate": 0.10,
            "sales_cycle_days": 0.10,
            "ltv": 0.20,
        }
    )
    floor: float = Field(0.05, ge=0, le=1, description="minimum share of budget per line")
    cap: float = Field(0.50, ge=0, le=1, description="maximum share of budget per line")
    zbb_budget: float = Field(400_000, ge=0, description="budget for decision packages")
    raci_max_accountable_share: float = Field(
        0.4,
        gt=0,
        le=1,
        description="a role Accountable for more than this share of the "
        "RACI activities is flagged as overloaded",
    )

    @field_validator("weights")
    @classmethod
    def _weights_non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in value.items() if v < 0}
        if bad:
            raise ValueError(f"weights must be >= 0, got {bad}")
        return value


class PipelineSettings(_Section):
    stages: list[str] = Field(
        default_factory=lambda: ["lead", "qualified", "proposal", "negotiation", "won"]
    )
    won_stage: str = "won"
    lost_stage: str = "lost"
    framework: Literal["BANT", "MEDDIC", "GPCT"] = "BANT"
    target: float | None = Field(None, ge=0, description="the period's bookings target")


class DuckDBSettings(_Section):
    """How the DuckDB engine (``engine: duckdb``, or ``auto`` on a big file) runs."""

    memory_limit: str = Field(
        "1500MB", description="DuckDB's memory cap; it spills to temp_directory beyond it"
    )
    threads: int = Field(1, ge=1, description="worker threads (more: faster, more memory)")
    temp_directory: str | None = Field(
        None, description="spill folder, relative to the engagement; default a system temp folder"
    )
    auto_threshold_mb: float = Field(
        1024, gt=0, description="engine: auto uses DuckDB for transaction files this big"
    )

    @field_validator("memory_limit")
    @classmethod
    def _memory(cls, value: str) -> str:
        if not re.fullmatch(r"\s*\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", value, re.I):
            raise ValueError(
                f"memory_limit must be a size such as '1500MB' or '2GB', got {value!r}"
            )
        return value.strip()


class EngagementConfig(_Section):
    """The whole of ``engagement.yaml``."""

    client_name: str = Field(min_length=1)
    engagement_slug: str
    currency: str = "EUR"
    language: Literal["en", "fr"] = "en"
    period_start: str = Field(description="first month analysed, YYYY-MM")
    observation_end: date | None = Field(
        None, description="end of the observation window; default: last transaction date"
    )
    seed: int = 2026
    engine: Literal["auto", "pandas", "duckdb"] = Field(
        "auto",
        description="what summarises the transactions: pandas, duckdb (files bigger than "
        "memory; pip install 'stratbook[scale]') or auto (duckdb from "
        "duckdb.auto_threshold_mb, or for Parquet)",
    )
    duckdb: DuckDBSettings = Field(default_factory=DuckDBSettings)
    data: dict[str, DataSource] = Field(default_factory=dict)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    market: MarketSettings = Field(default_factory=MarketSettings)
    customers: CustomerSettings = Field(default_factory=CustomerSettings)
    ltv: LtvSettings = Field(default_factory=LtvSettings)
    allocation: AllocationSettings = Field(default_factory=AllocationSettings)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)

    #: the engagement folder; set by :func:`load_config`, not read from the file
    root: Path = Field(default=Path("."), exclude=True)

    @field_validator("engagement_slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG_PATTERN.match(value):
            raise ValueError(
                f"{value!r} is not a valid slug: use lower-case letters, digits and single "
                "hyphens, e.g. 'acme-2026'"
            )
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if value not in ISO_4217:
            close = difflib.get_close_matches(value.upper(), sorted(ISO_4217), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ValueError(f"{value!r} is not an ISO 4217 currency code{hint}")
        return value

    @field_validator("period_start", mode="before")
    @classmethod
    def _period(cls, value: Any) -> str:
        if isinstance(value, date):
            value = value.strftime("%Y-%m")
        value = str(value)
        if not MONTH_PATTERN.match(value):
            raise ValueError(f"period_start must be a month YYYY-MM, got {value!r}")
        return value

    @field_validator("data")
    @classmethod
    def _known_sources(cls, value: dict[str, DataSource]) -> dict[str, DataSource]:
        for name, source in value.items():
            if name not in TABLES:
                close = difflib.get_close_matches(name, TABLES, n=1)
                hint = f'; did you mean "{close[0]}"?' if close else ""
                raise ValueError(f"unknown data source {name!r}{hint}")
            known = {c.name for c in TABLES[name].columns}
            for canonical in source.columns:
                if canonical not in known and not TABLES[name].allow_extra:
                    close = difflib.get_close_matches(canonical, known, n=1)
                    hint = f'; did you mean "{close[0]}"?' if close else ""
                    raise ValueError(
                        f"data.{name}.columns: {canonical!r} is not a column of {name}{hint} "
                        f"(known: {', '.join(sorted(known))})"
                    )
        return value

    # ---- convenience -------------------------------------------------------------------
    def has(self, source: str) -> bool:
        """Whether the engagement declares ``source`` and its file exists."""
        spec = self.data.get(source)
        return spec is not None and (self.root / spec.path).exists()

    def source_path(self, source: str) -> Path:
        """The absolute path of a declared source's file."""
        try:
            spec = self.data[source]
        except KeyError:
            raise ConfigError(
                f"{CONFIG_FILE}: no data source {source!r}; add data.{source}.path "
                f"(for example {TABLES[source].default_path})"
            ) from None
        return (self.root / spec.path).resolve()

    def input_files(self) -> list[Path]:
        """Every distinct file the engagement reads (for hashing into the manifest)."""
        seen: dict[Path, None] = {}
        for name in self.data:
            path = self.source_path(name)
            if path.exists():
                seen[path] = None
        return list(seen)

    def parameters(self) -> dict[str, Any]:
        """The engagement's parameters as plain JSON-able values (for papermill, manifest)."""
        return self.model_dump(mode="json")


def _format_error(err: ValidationError, path: Path) -> str:
    lines = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"])
        if e["type"] == "extra_forbidden":
            parent = e["loc"][:-1]
            key = str(e["loc"][-1])
            model: Any = EngagementConfig
            for part in parent:
                field = (
                    model.model_fields.get(str(part)) if hasattr(model, "model_fields") else None
                )
                ann = getattr(field, "annotation", None) if field else None
                model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else DataSource
            known = list(model.model_fields) if hasattr(model, "model_fields") else []
            close = difflib.get_close_matches(key, known, n=1)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            lines.append(f"unknown key {loc!r}{hint} (known here: {', '.join(known)})")
        elif e["type"] == "missing":
            lines.append(f"missing key {loc!r}: add it to {path.name}")
        else:
            msg = e["msg"].removeprefix("Value error, ")
            if e["type"] != "value_error":  # pydantic's own wording: say what was found
                msg = f"{msg[:1].lower()}{msg[1:]}, got {e.get('input')!r}; fix it in {path.name}"
            prefix = str(e["loc"][0]) + "." if e["loc"] else ""
            # our validators already name the full key (data.transactions.columns...)
            lines.append(msg if not loc or msg.startswith(prefix) else f"{loc}: {msg}")
    return f"{path}: " + "; ".join(lines)


def _set_dotted(tree: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = tree
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def load_config(
    root: str | Path,
    *,
    overrides: dict[str, Any] | None = None,
    check_files: bool = True,
) -> EngagementConfig:
    """Load and validate ``engagement.yaml`` from an engagement folder.

    Parameters
    ----------
    root
        The engagement folder (the one holding ``engagement.yaml``), or the file itself.
    overrides
        Dotted keys replacing values of the file, e.g. ``{"thresholds.bcg_growth": 0.15}``
        (what ``stratbook run -p`` passes).
    check_files
        Check that every declared data file exists.

    Raises
    ------
    ConfigError
        With every problem found, each naming its key and what to do.
    """
    root = Path(root)
    path = root if root.is_file() else root / CONFIG_FILE
    if not path.exists():
        raise ConfigError(
            f"{path}: not found; run the command inside an engagement folder "
            "(created by `stratbook new`) or pass its path"
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}:{where} is not valid YAML ({exc.__class__.__name__})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    for key, value in (overrides or {}).items():
        _set_dotted(raw, key, value)
    try:
        config = EngagementConfig.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(_format_error(err, path)) from None
    config.root = path.parent.resolve()
    if check_files:
        missing = [
            f"data.{name}.path: {spec.path}"
            for name, spec in config.data.items()
            if not (config.root / spec.path).exists()
        ]
        if missing:
            raise ConfigError(
                f"{path}: file not found for "
                + "; ".join(missing)
                + " (paths are relative to the engagement folder; fix the path or remove "
                "the source)"
            )
    return config


__all__ = [
    "CONFIG_FILE",
    "ISO_4217",
    "AllocationSettings",
    "CustomerSettings",
    "DataSource",
    "EngagementConfig",
    "LtvSettings",
    "MarketSettings",
    "PipelineSettings",
    "Thresholds",
    "load_config",
]
