# ruff: noqa: E501  (the expected messages are data: one string per case, kept whole)
"""The bad-input corpus: one row per malformed (or awkward but loadable) client input.

Each :class:`Case` says which table it feeds, how to build its file (CSV text with its
encoding, or the rows of a workbook sheet), the ``engagement.yaml`` settings around it, and
the outcome the kit must give: the exact message of the error, the text of the warning, or
the values the table must load with. ``make_corpus.py`` turns the rows into engagement
folders; ``tests/test_bad_inputs.py`` checks every outcome. Nothing here is a binary: the
files are generated into a temporary folder by the tests.

In ``expected`` texts, ``<yaml>`` stands for the absolute path of the case's
``engagement.yaml`` (configuration errors name it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Outcome = Literal["error", "config-error", "warning", "loads"]

TX = "customer_id,order_date,amount\n"
FR_TX = "customer_id;order_date;amount\n"


@dataclass(frozen=True)
class Case:
    """One bad input and what the kit must answer."""

    id: str
    source: str
    outcome: Outcome
    #: the full error message, or a substring of the warning (see ``warning_match``)
    expected: str = ""
    #: CSV text (written with ``encoding``), or None for a workbook case (``sheets``)
    text: str | None = None
    encoding: str = "utf-8"
    file_name: str | None = None
    #: workbook sheets: sheet name -> rows (first row as given: titles or the header)
    sheets: dict[str, list[list[Any]]] | None = None
    #: cell ranges to merge, per sheet (e.g. {"transactions": ["B1:C1"]})
    merged: dict[str, list[str]] = field(default_factory=dict)
    #: data.<source> settings besides the path (columns, sep, encoding...)
    options: dict[str, Any] = field(default_factory=dict)
    #: top-level engagement.yaml keys to set (observation_end, allocation...)
    config: dict[str, Any] = field(default_factory=dict)
    #: for ``loads``/``warning`` outcomes: column -> the values it must load with
    values: dict[str, list[Any]] = field(default_factory=dict)
    #: what the chapter helper flags once the table is loaded: "module.function" and text
    flagged: tuple[str, str] | None = None

    @property
    def path(self) -> str:
        if self.file_name:
            return f"data/raw/{self.file_name}"
        if self.sheets is not None:
            return "data/inputs/workshop.xlsx"
        return f"data/raw/{self.source}.csv"


def _sheet(header: list[str], *rows: list[Any]) -> list[list[Any]]:
    return [header, *rows]


SWOT_HEADER = ["item_id", "quadrant", "item", "evidence", "weight"]
PESTEL_HEADER = ["factor", "dimension", "impact", "likelihood", "horizon"]
INITIATIVES_HEADER = ["initiative", "package", "importance", "urgency", "direct_cost", "benefit"]

CASES: tuple[Case, ...] = (
    # ---- file-level ----------------------------------------------------------------------
    Case(
        "empty-file",
        "transactions",
        "error",
        "transactions.csv: the file is empty; export the table again with its header row and its data",
        text="",
    ),
    Case(
        "header-only",
        "transactions",
        "error",
        "transactions.csv: the file has a header but no data rows; export the table again with its rows",
        text=TX,
    ),
    Case(
        "blank-lines-only",
        "transactions",
        "error",
        "transactions.csv: the file has a header but no data rows; export the table again with its rows",
        text=TX + "\n,,\n\n",
    ),
    Case(
        "old-xls-workbook",
        "transactions",
        "error",
        "ventes.xls: old .xls workbooks are not read; open it in Excel and save it as .xlsx (or export the sheet as CSV)",
        text="not really",
        file_name="ventes.xls",
    ),
    Case(
        "file-not-found",
        "transactions",
        "config-error",
        "<yaml>: file not found for data.transactions.path: data/raw/absent.csv (paths are relative to the engagement folder; fix the path or remove the source)",
        text=None,
        file_name="absent.csv",
    ),
    # ---- columns ---------------------------------------------------------------------------
    Case(
        "missing-required-column",
        "transactions",
        "error",
        'transactions.csv: required column amount is missing; the file has columns "customer_id", "order_date"; name the client\'s column in engagement.yaml with data.transactions.columns.amount',
        text="customer_id,order_date\nC1,2024-01-05\nC2,2024-01-06\n",
    ),
    Case(
        "mapped-column-absent",
        "transactions",
        "error",
        'transactions.csv: column "Montant HT" (mapped to amount by data.transactions.columns.amount) is not in the file (did you mean "Montant TTC"?); the file has columns "N° client", "Date", "Montant TTC"; fix data.transactions.columns.amount in engagement.yaml',
        text="N° client,Date,Montant TTC\nC1,2024-01-05,10\n",
        options={
            "columns": {"customer_id": "N° client", "order_date": "Date", "amount": "Montant HT"}
        },
    ),
    Case(
        "two-columns-map-to-one-name",
        "transactions",
        "config-error",
        '<yaml>: data.transactions.columns: client column "Client" is mapped twice (to customer_id and order_id); map each canonical name to its own column',
        text="Client,Date,Montant\nC1,2024-01-05,10\n",
        options={"columns": {"customer_id": "Client", "order_id": "Client", "amount": "Montant"}},
    ),
    Case(
        "unknown-canonical-name",
        "transactions",
        "config-error",
        "<yaml>: data.transactions.columns: 'amount_ht' is not a column of transactions; did you mean \"amount\"? (known: amount, category, channel, customer_id, discount, margin, order_date, order_id, quantity, region)",
        text=TX + "C1,2024-01-05,10\n",
        options={"columns": {"amount_ht": "Montant"}},
    ),
    # ---- dates -----------------------------------------------------------------------------
    Case(
        "unparseable-dates",
        "transactions",
        "error",
        'transactions.csv: column "order_date" has values that are not dates in rows 3, 5: "last tuesday", "soon"; expected dates like "2024-01-05" (yyyy-mm-dd); fix the export or set data.transactions.date_format',
        text=TX + "C1,2024-01-05,10\nC2,last tuesday,12\nC3,2024-01-07,9\nC4,soon,3\n",
    ),
    Case(
        "mixed-date-formats",
        "transactions",
        "error",
        'transactions.csv: column "order_date" mixes date formats: rows 2, 3, 4 are yyyy-mm-dd ("2024-01-05", "2024-01-06", "2024-01-07") and row 5 is dd/mm/yyyy ("25/01/2024"); export the column in one format or set data.transactions.date_format',
        text=TX + "C1,2024-01-05,10\nC2,2024-01-06,12\nC3,2024-01-07,9\nC4,25/01/2024,3\n",
    ),
    Case(
        "impossible-date-31-02",
        "transactions",
        "error",
        'transactions.csv: column "order_date" has dates that do not exist in row 3: "31/02/2024" (read as dd/mm/yyyy); correct them in the export',
        text=FR_TX + "C1;15/01/2024;10\nC2;31/02/2024;12\nC3;20/03/2024;9\n",
    ),
    Case(
        "ambiguous-day-month",
        "transactions",
        "error",
        'transactions.csv: column "order_date" has dates that read both as dd/mm/yyyy and mm/dd/yyyy (no day above 12, e.g. "01/02/2024"); set data.transactions.date_format to "%d/%m/%Y" or "%m/%d/%Y"',
        text=TX + "C1,01/02/2024,10\nC2,03/04/2024,12\n",
    ),
    Case(
        "dates-after-observation-end",
        "transactions",
        "warning",
        "transactions.csv: 2 rows are dated after observation_end (2024-01-31), the latest "
        "on 2024-02-20; check observation_end in engagement.yaml or the export",
        text=TX + "C1,2024-01-05,10\nC2,2024-02-06,12\nC3,2024-02-20,9\n",
        config={"observation_end": "2024-01-31"},
    ),
    # ---- numbers ---------------------------------------------------------------------------
    Case(
        "text-in-numeric-column",
        "transactions",
        "error",
        'transactions.csv: column "amount" has text in row 3: "douze"; fix the export or map another column',
        text=TX + "C1,2024-01-05,10\nC2,2024-01-06,douze\nC3,2024-01-07,9\n",
    ),
    Case(
        "french-thousands-no-break-space",
        "transactions",
        "loads",
        text=FR_TX + "C1;05/01/2024;1\u00a0234,56\nC2;06/01/2024;12\u00a0000\nC3;17/01/2024;9,5\n",
        values={"amount": [1234.56, 12000.0, 9.5]},
    ),
    Case(
        "french-thousands-narrow-no-break-space",
        "transactions",
        "loads",
        text=FR_TX + "C1;05/01/2024;1\u202f234,56\nC2;06/01/2024;2\u202f345\u202f678,9\n",
        values={"amount": [1234.56, 2345678.9]},
    ),
    Case(
        "currency-signs",
        "transactions",
        "loads",
        text=TX + 'C1,2024-01-05,€120.50\nC2,2024-01-06,"$1,200.00"\nC3,2024-01-07,£9\n',
        values={"amount": [120.5, 1200.0, 9.0]},
    ),
    Case(
        "currency-codes-french",
        "transactions",
        "loads",
        text=FR_TX + "C1;05/01/2024;120,50 EUR\nC2;06/01/2024;1 200,00 €\n",
        values={"amount": [120.5, 1200.0]},
    ),
    Case(
        "mixed-decimal-marks",
        "transactions",
        "error",
        'transactions.csv: column "amount" mixes decimal marks: row 2 uses a comma ("10,5"), row 3 a point ("12.25"); export the column in one format or set data.transactions.decimal to "," or "."',
        text=TX.replace(",", ";") + "C1;2024-01-05;10,5\nC2;2024-01-06;12.25\n",
    ),
    Case(
        "bad-thousands-grouping",
        "transactions",
        "error",
        'transactions.csv: column "amount" has text in row 2: "1.23,5"; fix the export or map another column',
        text=FR_TX + "C1;05/01/2024;1.23,5\nC2;06/01/2024;12\n",
    ),
    Case(
        "negative-quantity",
        "transactions",
        "error",
        'transactions.csv: column "quantity" has values below 0 in row 3: "-3"; correct them in the export',
        text="customer_id,order_date,amount,quantity\nC1,2024-01-05,10,2\nC2,2024-01-06,12,-3\n",
    ),
    Case(
        "refund-lines",
        "transactions",
        "warning",
        "transactions.csv: 1 row has a negative amount (refunds or credit notes), -12.00 in "
        "total; kept: refunds reduce revenue",
        text=TX + "C1,2024-01-05,10\nC2,2024-01-06,-12\n",
        values={"amount": [10.0, -12.0]},
    ),
    Case(
        "zero-amounts",
        "transactions",
        "warning",
        "transactions.csv: 1 row has a zero amount (free items, cancelled lines); kept: they "
        "add no revenue and are not counted as orders",
        text=TX + "C1,2024-01-05,10\nC2,2024-01-06,0\n",
    ),
    # ---- ids and rows -------------------------------------------------------------------------
    Case(
        "nan-customer-ids",
        "transactions",
        "error",
        'transactions.csv: column "customer_id" has no value in rows 3, 4: "NaN", (empty); every row needs a customer_id: fill them in or remove those rows from the export',
        text=TX + "C1,2024-01-05,10\nNaN,2024-01-06,12\n,2024-01-07,9\nC4,2024-01-08,3\n",
    ),
    Case(
        "duplicated-order-lines",
        "transactions",
        "warning",
        "transactions.csv: 1 row repeats an earlier row exactly (first: row 4 repeats row 2); "
        "it is kept: remove it from the export if it is a double entry",
        text=TX + "C1,2024-01-05,10\nC2,2024-01-06,12\nC1,2024-01-05,10\n",
        values={"amount": [10.0, 12.0, 10.0]},
    ),
    Case(
        "duplicate-customer-ids",
        "customers",
        "error",
        'customers.csv: column "customer_id" has the same value "C1" in rows 2, 4; each customer_id must appear once: remove or renumber the duplicates in the export',
        text="customer_id,segment\nC1,SMB\nC2,Key account\nC1,SMB\n",
    ),
    Case(
        "nps-out-of-range",
        "customers",
        "error",
        'customers.csv: column "nps" has values outside 0 to 10 in rows 3, 4: "11", "-1"; correct them in the export',
        text="customer_id,nps\nC1,9\nC2,11\nC3,-1\n",
    ),
    Case(
        "journey-unreadable-dates",
        "journey",
        "error",
        'journey.csv: column "event_date" has dates that do not exist in row 3: "2024-13-40" (read as yyyy-mm-dd); correct them in the export',
        text="contact_id,stage,event_date\nP1,awareness,2024-01-05\nP2,decision,2024-13-40\n",
    ),
    Case(
        "negative-opportunity-amount",
        "opportunities",
        "error",
        'opportunities.csv: column "amount" has values below 0 in row 3: "-500"; correct them in the export',
        text="opportunity_id,stage,stage_date,created_date,amount\n"
        "O1,lead,2024-01-05,2024-01-05,1000\nO2,won,2024-02-05,2024-01-10,-500\n",
    ),
    Case(
        "market-share-above-one",
        "business_units",
        "error",
        'business_units.csv: column "market_share" has values outside 0 to 1 in row 3: "1.4"; correct them in the export',
        text="unit,revenue,market_growth,market_share,largest_competitor_share\n"
        "Tools,1000,0.05,0.2,0.3\nParts,500,0.1,1.4,0.2\n",
    ),
    Case(
        "duplicate-competitor",
        "competitors",
        "error",
        'competitors.csv: column "competitor" has the same value "Acme" in rows 2, 4; each competitor must appear once: remove or renumber the duplicates in the export',
        text="competitor,is_client,revenue\nAcme,no,100\nBeta,yes,80\nAcme,no,90\n",
    ),
    Case(
        "unknown-benchmark-area",
        "benchmarks",
        "error",
        'benchmarks.csv: column "area" has values that are not allowed in row 3: "pricing"; allowed: prospecting, conversion, retention, price, service; correct them in the export',
        text="kpi,area,player,value,higher_is_better,is_client\n"
        "Win rate,conversion,Us,0.2,yes,yes\nPrice index,pricing,Us,1.1,no,yes\n",
    ),
    Case(
        "unreadable-boolean",
        "benchmarks",
        "error",
        'benchmarks.csv: column "higher_is_better" has values that are not yes/no in row 2: "maybe"; use yes/no, true/false, oui/non, 1/0 or x/empty',
        text="kpi,area,player,value,higher_is_better,is_client\n"
        "Win rate,conversion,Us,0.2,maybe,yes\n",
    ),
    # ---- encodings ----------------------------------------------------------------------------
    Case(
        "cp1252-read-as-utf8",
        "transactions",
        "error",
        "transactions.csv: cannot be read as utf-8 (byte 0xb0 on line 1); the file looks like cp1252 (Windows Excel): fix data.transactions.encoding or remove it to let the kit detect the encoding",
        text="N° client;Date;Montant (€)\nC1;05/01/2024;10,5\nC2;06/01/2024;12\n",
        encoding="cp1252",
        options={
            "columns": {"customer_id": "N° client", "order_date": "Date", "amount": "Montant (€)"},
            "encoding": "utf-8",
        },
    ),
    Case(
        "utf8-read-as-cp1252",
        "transactions",
        "error",
        'transactions.csv: is UTF-8 but data.transactions.encoding says cp1252, which would read "°" as "Â°"; set it to utf-8 or remove it to let the kit detect the encoding',
        text="N° client;Date;Montant (€)\nC1;05/01/2024;10,5\nC2;06/01/2024;12\n",
        encoding="utf-8",
        options={
            "columns": {"customer_id": "N° client", "order_date": "Date", "amount": "Montant (€)"},
            "encoding": "cp1252",
        },
    ),
    Case(
        "cp1252-detected",
        "transactions",
        "loads",
        text="N° client;Date;Montant (€)\nC1;05/01/2024;10,5\nC2;06/01/2024;12\n",
        encoding="cp1252",
        options={
            "columns": {"customer_id": "N° client", "order_date": "Date", "amount": "Montant (€)"}
        },
        values={"customer_id": ["C1", "C2"], "amount": [10.5, 12.0]},
    ),
    Case(
        "utf8-bom",
        "transactions",
        "loads",
        text=TX + "C1,2024-01-05,10\nC2,2024-01-06,12\n",
        encoding="utf-8-sig",
        values={"customer_id": ["C1", "C2"], "amount": [10.0, 12.0]},
    ),
    # ---- workbooks ----------------------------------------------------------------------------
    Case(
        "xlsx-title-rows-above-header",
        "transactions",
        "loads",
        sheets={
            "transactions": [
                ["Ventes 2024 — Maison Durand"],
                ["Export du 05/02/2024"],
                [],
                ["customer_id", "order_date", "amount"],
                ["C1", "2024-01-05", 10.5],
                ["C2", "2024-01-06", 12],
            ]
        },
        values={"customer_id": ["C1", "C2"], "amount": [10.5, 12.0]},
    ),
    Case(
        "xlsx-merged-header-cells",
        "transactions",
        "error",
        'workshop.xlsx (sheet "transactions"): the header (row 1) has merged cells B1:C1; unmerge them so that every column has its own name in the header row',
        sheets={
            "transactions": [
                ["customer_id", "Order", None],
                ["", "order_date", "amount"],
                ["C1", "2024-01-05", 10.5],
            ]
        },
        merged={"transactions": ["B1:C1"]},
        options={"header_row": 0},
    ),
    Case(
        "xlsx-missing-sheet",
        "swot",
        "error",
        'workshop.xlsx: no sheet "swot"; the workbook has sheets "SWOT analysis"; rename the sheet or set data.swot.sheet in engagement.yaml',
        sheets={"SWOT analysis": [SWOT_HEADER, ["S1", "strength", "Brand", "", 4]]},
    ),
    # ---- workshop inputs ----------------------------------------------------------------------
    Case(
        "swot-unknown-quadrant",
        "swot",
        "error",
        'workshop.xlsx (sheet "swot"): column "quadrant" has values that are not allowed in row 4: "oportunity"; allowed: strength, weakness, opportunity, threat; correct them in the sheet',
        sheets={
            "swot": _sheet(
                SWOT_HEADER,
                ["S1", "strength", "Brand", "NPS 52", 4],
                ["W1", "weakness", "Slow quotes", "", 3],
                ["O1", "oportunity", "Public tenders", "", 3],
            )
        },
    ),
    Case(
        "swot-weight-out-of-range",
        "swot",
        "error",
        'workshop.xlsx (sheet "swot"): column "weight" has values outside 1 to 5 in row 2: "7"; correct them in the sheet',
        sheets={"swot": _sheet(SWOT_HEADER, ["S1", "strength", "Brand", "", 7])},
    ),
    Case(
        "swot-missing-item-id",
        "swot",
        "error",
        'workshop.xlsx (sheet "swot"): column "item_id" has no value in row 3; every row needs an item_id: fill them in or remove those rows from the sheet',
        sheets={
            "swot": _sheet(
                SWOT_HEADER, ["S1", "strength", "Brand", "", 4], [None, "threat", "Imports", "", 2]
            )
        },
    ),
    Case(
        "pestel-unknown-dimension",
        "pestel",
        "error",
        'workshop.xlsx (sheet "pestel"): column "dimension" has values that are not allowed in row 3: "economy"; allowed: political, economic, social, technological, environmental, legal; correct them in the sheet',
        sheets={
            "pestel": _sheet(
                PESTEL_HEADER,
                ["Interest rates", "economic", -2, 0.6, "short-term"],
                ["Energy prices", "economy", -3, 0.8, "structural"],
            )
        },
    ),
    Case(
        "pestel-likelihood-above-one",
        "pestel",
        "error",
        'workshop.xlsx (sheet "pestel"): column "likelihood" has values outside 0 to 1 in row 2: "60"; correct them in the sheet',
        sheets={"pestel": _sheet(PESTEL_HEADER, ["Rates", "economic", -2, 60, "short-term"])},
    ),
    Case(
        "porter-score-out-of-range",
        "porter",
        "error",
        'workshop.xlsx (sheet "porter"): column "score" has values outside 1 to 5 in row 2: "0"; correct them in the sheet',
        sheets={"porter": _sheet(["force", "driver", "score"], ["rivalry", "Many players", 0])},
    ),
    Case(
        "strategy-canvas-score-above-ten",
        "strategy_canvas",
        "error",
        'workshop.xlsx (sheet "strategy_canvas"): column "score" has values outside 0 to 10 in row 3: "12"; correct them in the sheet',
        sheets={
            "strategy_canvas": _sheet(
                ["factor", "player", "score"], ["Price", "Us", 6], ["Service", "Us", 12]
            )
        },
    ),
    Case(
        "vp-importance-out-of-range",
        "vp_profile",
        "error",
        'workshop.xlsx (sheet "vp_profile"): column "importance" has values outside 1 to 5 in row 2: "0"; correct them in the sheet',
        sheets={
            "vp_profile": _sheet(
                ["persona", "item_id", "kind", "item", "importance"],
                ["Workshop owner", "J1", "job", "Keep machines running", 0],
            )
        },
    ),
    Case(
        "kpi-unknown-frequency",
        "kpis",
        "error",
        'workshop.xlsx (sheet "kpis"): column "frequency" has values that are not allowed in row 2: "fortnightly"; allowed: daily, weekly, monthly, quarterly, yearly; correct them in the sheet',
        sheets={
            "kpis": _sheet(
                ["stage", "kpi", "frequency"], ["acquisition", "New accounts", "fortnightly"]
            )
        },
    ),
    Case(
        "initiative-negative-cost",
        "initiatives",
        "error",
        'workshop.xlsx (sheet "initiatives"): column "direct_cost" has values below 0 in row 3: "-8000"; correct them in the sheet',
        sheets={
            "initiatives": _sheet(
                INITIATIVES_HEADER,
                ["CRM", "Sales tools", 4, 3, 50000, 120000],
                ["Trade fair", "Events", 2, 2, -8000, 10000],
            )
        },
    ),
    Case(
        "duplicate-initiative",
        "initiatives",
        "error",
        'workshop.xlsx (sheet "initiatives"): column "initiative" has the same value "CRM" in rows 2, 3; each initiative must appear once: remove or renumber the duplicates in the sheet',
        sheets={
            "initiatives": _sheet(
                INITIATIVES_HEADER,
                ["CRM", "Sales tools", 4, 3, 50000, 120000],
                ["CRM", "Sales tools", 3, 3, 20000, 60000],
            )
        },
    ),
    Case(
        "negative-allocation-budget",
        "transactions",
        "config-error",
        "<yaml>: allocation.budget: input should be greater than or equal to 0, got -50000; fix it in engagement.yaml",
        text=TX + "C1,2024-01-05,10\n",
        config={"allocation": {"budget": -50000}},
    ),
    Case(
        "raci-two-accountables",
        "raci",
        "loads",
        sheets={
            "raci": _sheet(
                ["activity", "role", "assignment"],
                ["Key-account plan", "Sales director", "A"],
                ["Key-account plan", "Marketing lead", "A"],
                ["Key-account plan", "Account manager", "R"],
                ["Price list", "Sales director", "A"],
                ["Price list", "Product manager", "R"],
            )
        },
        values={"assignment": ["A", "A", "R", "A", "R"]},
        flagged=(
            "allocation.raci_check",
            "2 Accountables (Sales director, Marketing lead): keep exactly one",
        ),
    ),
    Case(
        "okr-without-key-result",
        "okr",
        "loads",
        sheets={
            "okr": _sheet(
                ["objective", "key_result", "start", "target", "current", "deadline"],
                ["Grow key accounts", "Revenue from top 20 +15 %", 0, 15, 6, "2027-06-30"],
                ["Grow key accounts", "Win 5 new key accounts", 0, 5, 2, "2027-06-30"],
                ["Be the reference brand", None, None, None, None, None],
            )
        },
        flagged=("objectives.okr_review", "no key result"),
    ),
)

assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"
