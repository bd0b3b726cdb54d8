"""The sample client's generator and writers (imported lazily by :mod:`helpers.sample`)."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.errors import InputError
from helpers.i18n import check_language
from helpers.sample import client as _client
from helpers.sample.workbook import write_inputs_template, write_workbook
from helpers.schema import INPUTS_WORKBOOK, RAW_DIR, TABLES

DEFAULT_SEED = 2026
DEFAULT_START = "2023-01"
DEFAULT_MONTHS = 36
DEFAULT_CLIENT = "Maison Durand"
#: customers at scale 1 (about 40,000 order lines over 36 months)
CUSTOMERS_AT_SCALE_1 = 2_500
#: how close :func:`transactions` gets to the requested number of lines
SIZING_TOLERANCE = 0.04
SIZING_ATTEMPTS = 4

# ---- the client's export formats --------------------------------------------------------------
#: transactions: a French Excel export (cp1252, ";", decimal comma, dd/mm/yyyy)
TRANSACTIONS_HEADERS = {
    "order_id": "N° commande",
    "customer_id": "N° client",
    "order_date": "Date de commande",
    "amount": "Montant HT (€)",
    "quantity": "Quantité",
    "discount": "Remise",
    "margin": "Marge",
    "channel": "Canal",
    "region": "Région",
    "category": "Famille",
}
#: customers: an English CRM export (UTF-8 with BOM, ",", ISO dates)
CUSTOMERS_HEADERS = {
    "customer_id": "Customer ID",
    "signup_date": "Signup date",
    "segment": "Segment",
    "region": "Region",
    "acquisition_channel": "Acquisition channel",
    "nps": "NPS",
}
#: journey: a marketing-automation export (UTF-8)
JOURNEY_HEADERS = {
    "contact_id": "Contact",
    "stage": "Lifecycle stage",
    "event_date": "Event date",
    "channel": "Touchpoint",
}


def _rng(seed: int, table: str) -> np.random.Generator:
    """The child generator of one table: keyed by the table's name, so adding a table
    never changes the others (a SeedSequence spawn key per name)."""
    key = zlib.crc32(table.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


def _check(scale: float, months: int, start: str) -> None:
    if not scale > 0:
        raise InputError(f"scale must be > 0 (1.0 is about 2,500 customers), got {scale!r}")
    if not (isinstance(months, int) and months >= 1):
        raise InputError(f"months must be a whole number >= 1, got {months!r}")
    try:
        np.datetime64(start, "M")
    except ValueError:
        raise InputError(f"start must be a month 'YYYY-MM', got {start!r}") from None


def _client_tables(
    *,
    seed: int,
    n_customers: int,
    start: str,
    months: int,
    journey: bool = True,
    with_order_ids: bool = True,
) -> dict[str, pd.DataFrame]:
    cal = _client.Calendar.build(start, months)
    pop = _client.population(_rng(seed, "population"), n_customers, cal)
    tx = _client.order_lines(_rng(seed, "transactions"), pop, cal, with_order_ids=with_order_ids)
    frames = {"transactions": tx}
    if journey:
        frames["customers"] = _client.customers_table(_rng(seed, "customers"), pop, cal)
        frames["journey"] = _client.journey_table(_rng(seed, "journey"), pop, cal, tx)
    return frames


def generate(
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    start: str = DEFAULT_START,
    months: int = DEFAULT_MONTHS,
    client_name: str = DEFAULT_CLIENT,
    language: str = "en",
) -> dict[str, pd.DataFrame]:
    """Generate every table of the sample client, with canonical column names.

    Parameters
    ----------
    seed
        Same seed, same tables. Each table draws from its own child generator.
    scale
        1.0 is about 2,500 customers and 40,000 order lines over 36 months; the number of
        customers (and so of lines) grows linearly with it.
    start, months
        The observation window: first month ``YYYY-MM`` and its length.
    client_name
        Used in the workshop inputs (SWOT, positioning...).
    language
        Language of the workshop text (``en`` or ``fr``, see
        :mod:`helpers.sample.french`); numbers, ids and codes are the same in both.

    Returns
    -------
    dict
        ``{table name: DataFrame}`` for transactions, customers, journey, opportunities,
        and every table the chapters' sample-input modules provide (business units,
        competitors, benchmarks and the workshop sheets).
    """
    _check(scale, months, start)
    n_customers = max(1, round(CUSTOMERS_AT_SCALE_1 * scale))
    frames = _client_tables(seed=seed, n_customers=n_customers, start=start, months=months)
    # the chapters' modules, imported here so that helpers.sample stays cheap to import
    from helpers.sample import inputs_diagnostic, inputs_objectives, inputs_value
    from helpers.sample.opportunities import opportunities

    frames["opportunities"] = opportunities(
        _rng(seed, "opportunities"), start=start, months=months, customers=frames["customers"]
    )
    modules = {
        "inputs_diagnostic": inputs_diagnostic,
        "inputs_objectives": inputs_objectives,
        "inputs_value": inputs_value,
    }
    for name, module in modules.items():
        extra = module.sample_inputs(_rng(seed, name), client_name=client_name, frames=dict(frames))
        for table, frame in extra.items():
            if table not in TABLES:
                raise InputError(
                    f"helpers.sample.{name} returned an unknown table {table!r}; "
                    f"use a name of helpers.schema.TABLES"
                )
            frames[table] = frame
    from helpers.sample.french import in_language

    return in_language(frames, check_language(language))


def transactions(
    *,
    n_transactions: int,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
    months: int = DEFAULT_MONTHS,
    order_ids: bool = True,
) -> pd.DataFrame:
    """The sample client's transactions alone, sized to about ``n_transactions`` lines.

    For benchmarks: 10 million lines take about 25 s of CPU and 4 GB at peak (1 million:
    2 s, 0.5 GB). The number of customers is chosen from a pilot run and corrected until
    the result is within a few per cent.
    ``order_ids=False`` leaves out the order number (a text column that costs memory).
    """
    if not (isinstance(n_transactions, (int, np.integer)) and n_transactions >= 1):
        raise InputError(f"n_transactions must be a whole number >= 1, got {n_transactions!r}")
    _check(1.0, months, start)
    pilot_customers = max(200, min(CUSTOMERS_AT_SCALE_1, int(n_transactions) // 10))
    pilot = _client_tables(
        seed=seed,
        n_customers=pilot_customers,
        start=start,
        months=months,
        journey=False,
        with_order_ids=False,
    )["transactions"]
    per_customer = len(pilot) / pilot_customers
    n_customers = max(1, round(n_transactions / per_customer))
    for _ in range(SIZING_ATTEMPTS):
        tx = _client_tables(
            seed=seed,
            n_customers=n_customers,
            start=start,
            months=months,
            journey=False,
            with_order_ids=order_ids,
        )["transactions"]
        ratio = len(tx) / n_transactions
        if abs(ratio - 1) <= SIZING_TOLERANCE:
            break
        n_customers = max(1, round(n_customers / ratio))
    return tx


# ---- writing the client's files -------------------------------------------------------------
def _write_transactions(tx: pd.DataFrame, path: Path) -> dict[str, Any]:
    out = tx.copy()
    out["order_date"] = out["order_date"].dt.strftime("%d/%m/%Y")
    out["quantity"] = out["quantity"].astype("int64")
    cols = [c for c in TRANSACTIONS_HEADERS if c in out.columns]
    out = out[cols].rename(columns=TRANSACTIONS_HEADERS)
    out.to_csv(
        path,
        sep=";",
        decimal=",",
        index=False,
        encoding="cp1252",
        lineterminator="\r\n",
        float_format="%.2f",
    )
    return {"columns": {c: TRANSACTIONS_HEADERS[c] for c in cols}}


def _write_customers(customers: pd.DataFrame, path: Path) -> dict[str, Any]:
    out = customers.rename(columns=CUSTOMERS_HEADERS)
    out.to_csv(
        path,
        index=False,
        encoding="utf-8-sig",
        lineterminator="\n",
        date_format="%Y-%m-%d",
        float_format="%.0f",
    )
    return {"columns": {c: CUSTOMERS_HEADERS[c] for c in customers.columns}}


def _write_journey(journey: pd.DataFrame, path: Path) -> dict[str, Any]:
    out = journey.rename(columns=JOURNEY_HEADERS)
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", date_format="%Y-%m-%d")
    return {"columns": {c: JOURNEY_HEADERS[c] for c in journey.columns}}


def _write_plain_csv(frame: pd.DataFrame, path: Path) -> dict[str, Any]:
    frame.to_csv(
        path,
        index=False,
        encoding="utf-8",
        lineterminator="\n",
        date_format="%Y-%m-%d",
        float_format="%.10g",
    )
    return {}


def write_sample(
    root: str | Path,
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    start: str = DEFAULT_START,
    months: int = DEFAULT_MONTHS,
    client_name: str = DEFAULT_CLIENT,
    language: str = "en",
) -> dict[str, dict[str, Any]]:
    """Write the sample client's files into an engagement folder, in the client's formats.

    Raw exports go to ``data/raw/`` (transactions as a French Excel CSV, customers as a
    UTF-8-with-BOM English CSV, journey, opportunities, business units, competitors and
    benchmarks as CSV) and every workshop sheet to ``data/inputs/workshop.xlsx``.

    Returns
    -------
    dict
        The ``data:`` mapping of ``engagement.yaml``: per source its ``path`` (relative to
        ``root``) and, where the client's headers differ from the canonical names, its
        ``columns`` mapping (canonical -> client header).
    """
    root = Path(root)
    frames = generate(
        seed=seed,
        scale=scale,
        start=start,
        months=months,
        client_name=client_name,
        language=language,
    )
    raw = root / RAW_DIR
    raw.mkdir(parents=True, exist_ok=True)
    writers = {
        "transactions": _write_transactions,
        "customers": _write_customers,
        "journey": _write_journey,
    }
    data: dict[str, dict[str, Any]] = {}
    inputs: dict[str, pd.DataFrame] = {}
    for name in TABLES:  # schema order: raw sources first, then workshop sheets
        if name not in frames:
            continue
        if TABLES[name].origin == "inputs":
            inputs[name] = frames[name]
            continue
        path = raw / f"{name}.csv"
        spec = writers.get(name, _write_plain_csv)(frames[name], path)
        data[name] = {"path": f"{RAW_DIR}/{name}.csv", **spec}
    if inputs:
        write_workbook(inputs, root / INPUTS_WORKBOOK)
        for name in inputs:
            data[name] = {"path": INPUTS_WORKBOOK}
    return data


def write_sample_engagement(
    path: str | Path,
    *,
    language: str = "en",
    client_name: str = DEFAULT_CLIENT,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
) -> Path:
    """Create a complete sample engagement in folder ``path`` (which must not exist).

    The folder is made from the kit's template with ``sample_data=yes``; the engagement
    slug is ``path``'s name made into a slug (``/tmp/eng_demo`` -> ``eng-demo``). Returns
    the folder. Used by the demo and by the tests of every notebook.
    """
    import shutil
    import tempfile

    from helpers.errors import TemplateError
    from helpers.template import new_engagement, slugify

    path = Path(path).absolute()
    if path.exists():
        raise TemplateError(f"{path} already exists; choose a new folder for the sample engagement")
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".stratbook-", dir=path.parent))
    try:
        made = new_engagement(
            staging,
            extra_context={
                "client_name": client_name,
                "engagement_slug": slugify(path.name) or "sample",
                "language": language,
                "sample_data": "yes",
                "_sample_seed": seed,
                "_sample_scale": scale,
            },
        )
        made.rename(path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return path


__all__ = [
    "CUSTOMERS_AT_SCALE_1",
    "DEFAULT_CLIENT",
    "DEFAULT_MONTHS",
    "DEFAULT_SEED",
    "DEFAULT_START",
    "generate",
    "transactions",
    "write_inputs_template",
    "write_sample",
    "write_sample_engagement",
]
