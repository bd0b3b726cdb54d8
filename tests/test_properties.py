"""Invariants of the helpers on any valid table (hypothesis).

Random transaction tables (one to many customers, one day to two years, tied amounts and
dates, a single customer, a single period) go through the chapters' public functions,
which must return without error and keep their invariants: concentration shares sum to
one, every customer lands in exactly one RFM segment, a budget split sums to the budget
within its floor and cap, zero-based budgeting never spends more than the budget, and
every probability is in [0, 1]. ``max_examples`` is kept small so the file stays fast.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import allocation, customers, diagnostic, ltv, pipeline
from helpers.errors import DataWarning, InputError

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
START = pd.Timestamp("2024-01-01")
#: few distinct values, so that ties (same amount, same day) are common
AMOUNTS = st.sampled_from([9.99, 10.0, 10.0, 25.5, 120.0, 980.0, 0.5])


@st.composite
def transactions(draw, *, max_customers: int = 12, max_rows: int = 60) -> pd.DataFrame:
    """A valid canonical transactions table (amounts > 0, ids as text, dates)."""
    n_customers = draw(st.integers(1, max_customers))
    n_rows = draw(st.integers(n_customers, max(n_customers, max_rows)))
    span = draw(st.sampled_from([0, 1, 27, 90, 400, 730]))  # 0: a single day
    customer = [f"C{i:03d}" for i in range(n_customers)]  # each customer buys at least once
    customer += draw(
        st.lists(
            st.sampled_from(customer), min_size=n_rows - n_customers, max_size=n_rows - n_customers
        )
    )
    days = draw(st.lists(st.integers(0, span), min_size=n_rows, max_size=n_rows))
    amounts = draw(st.lists(AMOUNTS, min_size=n_rows, max_size=n_rows))
    return pd.DataFrame(
        {
            "customer_id": pd.array(customer, dtype="string"),
            "order_date": START + pd.to_timedelta(days, unit="D"),
            "amount": np.array(amounts, dtype=float),
        }
    )


def quiet(fn, *args, **kwargs):
    """Call ``fn`` with the kit's data warnings silenced (they are expected on tiny tables)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args, **kwargs)


# ---- 01 diagnostic -------------------------------------------------------------------------
@FAST
@given(tx=transactions())
def test_concentration_shares_sum_to_one_and_rank_every_customer_once(tx: pd.DataFrame):
    conc = quiet(diagnostic.concentration, tx)
    assert sorted(conc["customer_id"]) == sorted(tx["customer_id"].unique())
    assert conc["share"].sum() == pytest.approx(1.0)
    assert (conc["share"] >= 0).all()
    assert conc["cumulative_share"].is_monotonic_increasing
    assert conc["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert conc["rank"].tolist() == list(range(1, len(conc) + 1))
    assert set(conc["abc_class"]) <= {"A", "B", "C"}
    assert conc["abc_class"].iloc[0] == "A"  # the largest customer is always A


@FAST
@given(tx=transactions())
def test_monthly_revenue_adds_up_to_the_table(tx: pd.DataFrame):
    monthly = quiet(diagnostic.monthly_revenue, tx)
    assert monthly["revenue"].sum() == pytest.approx(tx["amount"].sum())
    assert (monthly["customers"] <= tx["customer_id"].nunique()).all()


# ---- 04 customers -------------------------------------------------------------------------
@FAST
@given(tx=transactions(), bins=st.integers(2, 5))
def test_every_customer_is_in_exactly_one_rfm_segment(tx: pd.DataFrame, bins: int):
    table = quiet(customers.rfm, tx, bins=bins)
    assert table["customer_id"].is_unique
    assert sorted(table["customer_id"]) == sorted(tx["customer_id"].unique())
    assert table["segment"].notna().all()
    for score in ("r_score", "f_score", "m_score"):
        if score in table:
            assert table[score].between(1, bins).all()
    summary = quiet(customers.rfm_segments, table)
    assert summary["customers"].sum() == len(table)


# ---- 04 lifetime value -----------------------------------------------------------------------
@FAST
@given(tx=transactions(max_customers=20, max_rows=80))
def test_rfm_summary_is_consistent(tx: pd.DataFrame):
    summary = quiet(ltv.rfm_summary, tx)
    assert len(summary) == tx["customer_id"].nunique()
    assert (summary["frequency"] >= 0).all()
    assert (summary["recency"] >= 0).all()
    assert (summary["recency"] <= summary["T"]).all()
    assert (summary["monetary_value"] >= 0).all()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tx=transactions(max_customers=25, max_rows=90))
def test_probability_alive_is_a_probability(tx: pd.DataFrame):
    summary = quiet(ltv.rfm_summary, tx)
    if not (summary["frequency"] > 0).any():
        # everything bought on one day per customer: no maximum likelihood, a clear error
        with pytest.raises(InputError, match="no customer has a repeat purchase"):
            ltv.BetaGeoModel().fit(summary["frequency"], summary["recency"], summary["T"])
        return
    model = quiet(ltv.BetaGeoModel().fit, summary["frequency"], summary["recency"], summary["T"])
    alive = model.probability_alive(summary["frequency"], summary["recency"], summary["T"])
    assert np.all((alive >= 0) & (alive <= 1))
    expected = model.conditional_expected_purchases(
        30, summary["frequency"], summary["recency"], summary["T"]
    )
    expected = np.asarray(expected, dtype=float)
    # with very few repeat buyers the estimates may run to the edge of the parameter box;
    # only the finite expectations are checked here
    assert np.all(expected[np.isfinite(expected)] >= 0)


# ---- 06 allocation -------------------------------------------------------------------------
@st.composite
def splits(draw):
    n = draw(st.integers(1, 12))
    scores = draw(
        st.lists(st.sampled_from([0.0, 0.1, 1.0, 1.0, 3.5, 10.0]), min_size=n, max_size=n)
    )
    floor = draw(st.floats(0, 1 / n))
    cap = draw(st.floats(max(floor, 1 / n), 1))
    budget = draw(st.sampled_from([0.0, 1.0, 500_000.0, 1_234_567.89]))
    return np.array(scores), floor, cap, budget


@FAST
@given(case=splits())
def test_budget_split_sums_to_the_budget_within_floor_and_cap(case):
    scores, floor, cap, budget = case
    amounts = allocation.water_fill(scores, total=budget, floor=floor, cap=cap)
    assert amounts.sum() == pytest.approx(budget, abs=1e-6)
    tolerance = 1e-9 * max(budget, 1.0)
    assert np.all(amounts >= floor * budget - tolerance)
    assert np.all(amounts <= cap * budget + tolerance)


@st.composite
def initiatives(draw):
    n = draw(st.integers(1, 10))
    packages = draw(
        st.lists(st.sampled_from(["Tools", "Events", "People", "Data"]), min_size=n, max_size=n)
    )
    cost = draw(
        st.lists(st.sampled_from([0.0, 1000.0, 5000.0, 5000.0, 80_000.0]), min_size=n, max_size=n)
    )
    benefit = draw(
        st.lists(st.sampled_from([-100.0, 0.0, 2000.0, 9000.0, 200_000.0]), min_size=n, max_size=n)
    )
    return pd.DataFrame(
        {
            "initiative": [f"I{i}" for i in range(n)],
            "package": packages,
            "importance": 3.0,
            "urgency": 3.0,
            "direct_cost": cost,
            "benefit": benefit,
        }
    )


@FAST
@given(table=initiatives(), budget=st.sampled_from([0.0, 4000.0, 10_000.0, 100_000.0]))
def test_zero_based_budget_never_spends_more_than_the_budget(table: pd.DataFrame, budget: float):
    zbb = allocation.zero_based_budget(table, budget=budget)
    for funded in ("funded_greedy", "funded_optimal"):
        spent = zbb.loc[zbb[funded].astype(bool), "cost"].sum()
        assert spent <= budget + 1e-6, funded
    assert sorted(zbb["package"]) == sorted(table["package"].unique())
    optimal = zbb.loc[zbb["funded_optimal"].astype(bool), "benefit"].sum()
    greedy = zbb.loc[zbb["funded_greedy"].astype(bool), "benefit"].sum()
    assert optimal >= greedy - 1e-6  # the exact optimum is never beaten by the rule


# ---- 06 pipeline -------------------------------------------------------------------------
STAGES = ["lead", "qualified", "proposal", "negotiation", "won"]


@st.composite
def opportunities(draw):
    n = draw(st.integers(1, 15))
    rows = []
    for i in range(n):
        created = START + pd.Timedelta(days=draw(st.integers(0, 200)))
        reached = draw(st.integers(1, len(STAGES)))
        lost = reached < len(STAGES) and draw(st.booleans())
        stages = STAGES[:reached] + (["lost"] if lost else [])
        day = created
        for stage in stages:
            day = day + pd.Timedelta(days=draw(st.integers(0, 40)))
            rows.append((f"O{i:02d}", stage, day if stage != "lead" else created, created))
    amount = draw(st.sampled_from([0.0, 1500.0, 1500.0, 40_000.0]))
    frame = pd.DataFrame(rows, columns=["opportunity_id", "stage", "stage_date", "created_date"])
    frame["amount"] = amount
    return frame


@FAST
@given(frame=opportunities())
def test_win_probabilities_are_probabilities(frame: pd.DataFrame):
    status = quiet(pipeline.opportunity_status, frame, as_of="2025-06-30")
    assert status["opportunity_id"].is_unique
    assert sorted(status["opportunity_id"]) == sorted(frame["opportunity_id"].unique())
    p = status["win_probability"].dropna().astype(float)
    assert ((p >= 0) & (p <= 1)).all()
    won = status["status"] == "won"
    assert (status.loc[won, "win_probability"].astype(float) == 1).all()
    assert (status["expected_value"].dropna().astype(float) <= status["amount"].max() + 1e-9).all()
