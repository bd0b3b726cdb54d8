"""The sample client's CRM opportunities, with their stage history.

Maison Durand's sales team (six reps) works about five hundred opportunities over the
period: leads come from inbound requests, outbound prospecting, partners, trade shows and
referrals; each moves lead → qualified → proposal → negotiation → won, or is lost at any
open stage. Conversion depends on the source and the rep, deal size and cycle length on
the customer segment. Some deals stall (they sit far longer in a stage than won deals
do), many open deals carry a close date that has already passed, and the qualification
fields (BANT, MEDDIC, GPCT) are filled the way reps fill them: more often as a deal
progresses, and empty when unknown.

The result is in the canonical long shape (:data:`helpers.schema.TABLES`
``["opportunities"]``): one row per opportunity and stage entered.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.schema import BANT_FIELDS, GPCT_FIELDS, MEDDIC_FIELDS

#: The default funnel (same as ``PipelineSettings.stages`` plus the lost stage).
OPEN_STAGES = ("lead", "qualified", "proposal", "negotiation")
WON_STAGE = "won"
LOST_STAGE = "lost"

#: Number of opportunities created over the whole period (Poisson mean).
N_OPPORTUNITIES = 500

#: Probability of moving from each open stage to the next (the last one: to won).
BASE_CONVERSION = (0.60, 0.66, 0.62, 0.72)
#: Median days spent in each open stage, and the log-scale spread of those durations.
STAGE_MEDIAN_DAYS = (10.0, 20.0, 28.0, 20.0)
DURATION_SIGMA = 0.6
#: Share of opportunities that stall, and the median factor by which their stages drag.
STALL_SHARE = 0.12
STALL_FACTOR_MEDIAN = 4.0
#: Rep-promised cycle, in days, used for the expected close date (reps are optimistic).
PROMISED_CYCLE_DAYS = 45.0

OWNERS = {
    "Claire Martin": 1.15,
    "Julien Petit": 1.00,
    "Sophie Bernard": 0.90,
    "Thomas Moreau": 1.05,
    "Léa Dubois": 0.80,
    "Karim Benali": 1.00,
}
#: lead source -> (share of opportunities, conversion factor)
SOURCES = {
    "inbound": (0.33, 1.00),
    "outbound": (0.25, 0.75),
    "partner": (0.15, 1.25),
    "event": (0.15, 0.90),
    "referral": (0.12, 1.30),
}
DEFAULT_SEGMENTS = ("Small business", "Mid-market", "Key account")
#: Known segments of the sample client: (share of opportunities, median deal amount).
SEGMENT_DEALS = {
    "Small business": (0.45, 4_500.0),
    "Mid-market": (0.35, 12_000.0),
    "Key account": (0.20, 38_000.0),
}
#: Segments that do not buy through the sales team (no opportunities).
NON_CRM_SEGMENTS = ("consumer", "b2c", "particulier", "particuliers")
#: Median deal of the most common unknown segment; rarer segments buy bigger deals.
BASE_AMOUNT = 5_000.0
AMOUNT_STEP = 2.2
AMOUNT_SIGMA = 0.55

#: What reps write in each qualification field when they know it.
FIELD_VALUES: dict[str, tuple[str, ...]] = {
    "budget": ("€15k approved", "€40k in 2026 capex", "45 000 € HT", "€8k opex", "€120k framework"),
    "authority": (
        "M. Laurent, CFO",
        "Mme Roux, purchasing director",
        "CEO signs",
        "Office manager",
    ),
    "need": ("refit 120 desks", "new branch office", "PC fleet refresh", "safety compliance"),
    "timeline": ("before Q3", "by end of quarter", "next fiscal year", "summer move"),
    "metrics": (
        "-15 % supply costs",
        "payback < 18 months",
        "1 supplier instead of 4",
        "-8 % energy",
    ),
    "economic_buyer": ("M. Laurent (CFO)", "Mme Roux (purchasing)", "Group CEO", "Site director"),
    "decision_criteria": ("price, lead time", "TCO over 5 years", "service coverage", "CSR label"),
    "decision_process": (
        "committee in June",
        "3 quotes then CFO",
        "public tender",
        "board sign-off",
    ),
    "identify_pain": ("late deliveries", "supplier exit", "audit findings", "too many suppliers"),
    "champion": ("Office manager", "IT lead", "Buyer (Paul)", "Facilities director"),
    "goals": ("hybrid-work offices", "open a 2nd site", "zero accidents", "reduce costs"),
    "plans": ("capex plan 2026", "move in September", "site extension", "IT renewal plan"),
    "challenges": ("budget freeze risk", "staff turnover", "long approvals", "old equipment"),
}
QUALIFICATION_FIELDS = tuple(dict.fromkeys((*BANT_FIELDS, *MEDDIC_FIELDS, *GPCT_FIELDS)))


def _segments(customers: pd.DataFrame) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Segments that buy through the sales team: names, shares and median deal amounts.

    Known segment names use :data:`SEGMENT_DEALS`; others are ranked by how common they
    are in the customer file (the rarer, the bigger the deals).
    """
    names: list[str] = []
    if "segment" in customers.columns:
        counts = customers["segment"].dropna().astype(str).value_counts()
        counts = counts.sort_index().sort_values(ascending=False, kind="stable")
        names = [s for s in counts.index if s.strip().casefold() not in NON_CRM_SEGMENTS]
    if not names:
        names = list(DEFAULT_SEGMENTS)
        counts = pd.Series(1.0, index=names)
    shares = np.empty(len(names))
    medians = np.empty(len(names))
    for rank, name in enumerate(names):
        share, median = SEGMENT_DEALS.get(
            name, (float(counts[name]) ** 0.5, BASE_AMOUNT * AMOUNT_STEP**rank)
        )
        shares[rank], medians[rank] = share, median
    return names, shares / shares.sum(), medians


def opportunities(
    rng: np.random.Generator,
    *,
    start: str,
    months: int,
    customers: pd.DataFrame,
    n_opportunities: int = N_OPPORTUNITIES,
) -> pd.DataFrame:
    """CRM opportunities with their stage history, in the canonical long shape.

    Parameters
    ----------
    rng
        The random generator (the same state gives the same frame).
    start
        First month of the period, ``YYYY-MM``.
    months
        Length of the period; the observation ends on the last day of the last month,
        and stages entered after it are not in the export (those deals are open).
    customers
        The customer file; opportunities use its ``segment`` values.
    n_opportunities
        Mean number of opportunities created over the period.

    Returns
    -------
    DataFrame
        One row per opportunity and stage entered: ``opportunity_id, stage, stage_date,
        created_date, amount, owner, segment, source, expected_close_date`` and the
        BANT/MEDDIC/GPCT fields (text when known, empty otherwise).
    """
    period_start = pd.Timestamp(f"{start}-01")
    period_end = period_start + pd.DateOffset(months=months) - pd.Timedelta(days=1)
    span_days = (period_end - period_start).days

    n = int(rng.poisson(n_opportunities))
    # slightly more opportunities late in the period (the team is growing)
    created_offsets = np.sort(np.floor(span_days * rng.beta(1.6, 1.0, size=n)).astype(int))
    created = period_start + pd.to_timedelta(created_offsets, unit="D")

    segment_names, segment_shares, segment_medians = _segments(customers)
    segment_idx = rng.choice(len(segment_names), size=n, p=segment_shares)
    owner_names = list(OWNERS)
    owner_idx = rng.integers(0, len(owner_names), size=n)
    source_names = list(SOURCES)
    source_idx = rng.choice(len(source_names), size=n, p=np.array([s for s, _ in SOURCES.values()]))
    amounts = np.round(segment_medians[segment_idx] * rng.lognormal(0.0, AMOUNT_SIGMA, size=n), -2)
    stalls = rng.random(n) < STALL_SHARE
    stall_factor = np.where(stalls, STALL_FACTOR_MEDIAN * rng.lognormal(0, 0.3, size=n), 1.0)
    # bigger deals take longer
    cycle_factor = (segment_medians[segment_idx] / segment_medians.min()) ** 0.2
    promised = np.round(
        PROMISED_CYCLE_DAYS * cycle_factor * rng.lognormal(0.0, 0.35, size=n)
    ).astype(int)

    rows: list[dict[str, object]] = []
    for i in range(n):
        factor = OWNERS[owner_names[owner_idx[i]]] * SOURCES[source_names[source_idx[i]]][1]
        stage_dates: list[tuple[str, pd.Timestamp]] = [(OPEN_STAGES[0], created[i])]
        current = created[i]
        for k in range(len(OPEN_STAGES)):
            days = STAGE_MEDIAN_DAYS[k] * cycle_factor[i] * stall_factor[i]
            days = max(1, round(days * rng.lognormal(0.0, DURATION_SIGMA)))
            advance = rng.random() < min(0.95, BASE_CONVERSION[k] * factor)
            current = current + pd.Timedelta(days=days)
            if current > period_end:
                break  # still open at the end of the observation
            if not advance:
                stage_dates.append((LOST_STAGE, current))
                break
            nxt = OPEN_STAGES[k + 1] if k + 1 < len(OPEN_STAGES) else WON_STAGE
            stage_dates.append((nxt, current))
        reached = max(
            OPEN_STAGES.index(s) if s in OPEN_STAGES else len(OPEN_STAGES) for s, _ in stage_dates
        )
        won = stage_dates[-1][0] == WON_STAGE
        fields: dict[str, object] = {}
        for name in QUALIFICATION_FIELDS:
            p_known = min(0.95, 0.12 + 0.18 * reached + (0.15 if won else 0.0))
            if rng.random() < p_known:
                values = FIELD_VALUES[name]
                fields[name] = values[int(rng.integers(0, len(values)))]
            else:
                fields[name] = None
        common = {
            "created_date": created[i],
            "amount": float(amounts[i]),
            "owner": owner_names[owner_idx[i]],
            "segment": segment_names[segment_idx[i]],
            "source": source_names[source_idx[i]],
            "expected_close_date": created[i] + pd.Timedelta(days=int(promised[i])),
            **fields,
        }
        for stage, date in stage_dates:
            rows.append(
                {"opportunity_id": f"OPP-{i + 1:04d}", "stage": stage, "stage_date": date, **common}
            )

    columns = [
        "opportunity_id",
        "stage",
        "stage_date",
        "created_date",
        "amount",
        "owner",
        "segment",
        "source",
        "expected_close_date",
        *QUALIFICATION_FIELDS,
    ]
    frame = pd.DataFrame(rows, columns=columns)
    for col in ("stage_date", "created_date", "expected_close_date"):
        frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
    for col in ("opportunity_id", "stage", "owner", "segment", "source", *QUALIFICATION_FIELDS):
        frame[col] = frame[col].astype("string")
    return frame


__all__ = ["OPEN_STAGES", "opportunities"]
