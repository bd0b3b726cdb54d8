"""Tests of helpers.diagnostic: revenue performance, concentration, SWOT/TOWS, VRIO."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal, assert_series_equal

from helpers import diagnostic as dg
from helpers.errors import DataWarning, InputError


# ---- fixtures ------------------------------------------------------------------------------
@pytest.fixture
def gap_transactions() -> pd.DataFrame:
    """Jan and Mar 2024 sales, nothing in Feb; a refund line and a zero line in Jan."""
    return pd.DataFrame(
        {
            "order_id": ["O1", "O1", "O2", "O3", "O4", "O5"],
            "customer_id": ["C1", "C1", "C2", "C1", "C3", "C2"],
            "order_date": pd.to_datetime(
                ["2024-01-05", "2024-01-05", "2024-01-20", "2024-01-28", "2024-03-02", "2024-03-15"]
            ),
            "amount": [100.0, 50.0, 200.0, -30.0, 80.0, 0.0],
            "channel": ["web", "web", "store", "web", "store", None],
        }
    )


def _monthly(values: list[float], start: str = "2023-01") -> pd.DataFrame:
    months = pd.date_range(start, periods=len(values), freq="MS")
    return pd.DataFrame({"month": months, "revenue": values, "orders": 1, "customers": 1})


@pytest.fixture
def pareto_transactions() -> pd.DataFrame:
    """Ten customers; C10 bought 10 and returned 15 (net -5)."""
    revenue = {
        "C01": 500,
        "C02": 200,
        "C03": 100,
        "C04": 80,
        "C05": 50,
        "C06": 30,
        "C07": 20,
        "C08": 10,
        "C09": 10,
    }
    rows = [(cid, "2025-03-01", float(v)) for cid, v in revenue.items()]
    rows += [("C10", "2025-03-02", 10.0), ("C10", "2025-03-09", -15.0)]
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"]).assign(
        order_date=lambda d: pd.to_datetime(d["order_date"])
    )


@pytest.fixture
def swot() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": ["S1", "S2", "W1", "W2", "O1", "O2", "T1", "T2"],
            "quadrant": [
                "strength",
                "strength",
                "weakness",
                "weakness",
                "opportunity",
                "opportunity",
                "threat",
                "threat",
            ],
            "item": [
                "Expert sales force",
                "Loyal customers",
                "Old CRM",
                "Heavy discounts",
                "Energy subsidies",
                "Dark kitchens",
                "Online price war",
                "Direct sales",
            ],
            "evidence": ["win rate 41 %", None, "48 % logged", "14 % avg", "", "", "", ""],
            "weight": [5, 3, 4, 5, 4, 2, 5, 3],
        }
    )


# ---- monthly revenue -----------------------------------------------------------------------
def test_monthly_revenue_fills_gap_month_and_counts_orders(gap_transactions):
    got = dg.monthly_revenue(gap_transactions)
    expected = pd.DataFrame(
        {
            "month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
            # Jan: 100 + 50 + 200 - 30 = 320; Feb: nothing; Mar: 80 + 0 = 80
            "revenue": [320.0, 0.0, 80.0],
            # Jan: orders O1, O2 have positive lines (O3 is a refund); Mar: O4 (O5 is zero)
            "orders": np.array([2, 0, 1], dtype="int64"),
            # Jan: C1, C2 bought; Mar: C3 only (C2's line is zero)
            "customers": np.array([2, 0, 1], dtype="int64"),
        }
    )
    assert_frame_equal(got, expected)


def test_monthly_revenue_without_order_id_counts_positive_lines(gap_transactions):
    got = dg.monthly_revenue(gap_transactions.drop(columns="order_id"))
    assert got["orders"].tolist() == [3, 0, 1]


def test_monthly_revenue_range_extends_with_zero_months(gap_transactions):
    got = dg.monthly_revenue(gap_transactions, start="2023-12", end="2024-04")
    assert got["month"].dt.strftime("%Y-%m").tolist() == [
        "2023-12",
        "2024-01",
        "2024-02",
        "2024-03",
        "2024-04",
    ]
    assert got["revenue"].tolist() == [0.0, 320.0, 0.0, 80.0, 0.0]


def test_monthly_revenue_names_missing_columns(gap_transactions):
    with pytest.raises(InputError, match=r"transactions: missing column\(s\) amount"):
        dg.monthly_revenue(gap_transactions.drop(columns="amount"))


def test_monthly_revenue_does_not_mutate(gap_transactions):
    before = gap_transactions.copy()
    dg.monthly_revenue(gap_transactions)
    assert_frame_equal(gap_transactions, before)


# ---- growth --------------------------------------------------------------------------------
def test_growth_summary_full_years_and_same_months_ytd():
    # 2023: 12 x 100 = 1200; 2024: 12 x 110 = 1320; 2025: Jan-Mar 3 x 121 = 363
    monthly = _monthly([100.0] * 12 + [110.0] * 12 + [121.0] * 3)
    got = dg.growth_summary(monthly)
    assert got["year"].tolist() == [2023, 2024, 2025]
    assert got["months"].tolist() == [12, 12, 3]
    assert got["complete"].tolist() == [True, True, False]
    assert got["revenue"].tolist() == pytest.approx([1200, 1320, 363])
    assert math.isnan(got.loc[0, "growth"])
    # 1320 / 1200 - 1 = 0.10, full year
    assert got.loc[1, "growth"] == pytest.approx(0.10)
    assert got.loc[1, "basis"] == "full year"
    # 2025 Jan-Mar 363 vs 2024 Jan-Mar 3 x 110 = 330: 363 / 330 - 1 = 0.10, same months
    assert got.loc[2, "previous_comparable"] == pytest.approx(330)
    assert got.loc[2, "growth"] == pytest.approx(0.10)
    assert got.loc[2, "basis"] == "same months"
    # CAGR over complete years 2023 -> 2024: (1320 / 1200) ** 1 - 1
    assert dg.revenue_cagr(got) == pytest.approx(0.10)


def test_growth_partial_first_year_compares_common_months():
    # 2023 starts in October: 3 x 100; 2024: 12 x 120 -> compared on Oct-Dec: 360 / 300 - 1
    got = dg.growth_summary(_monthly([100.0] * 3 + [120.0] * 12, start="2023-10"))
    assert got.loc[1, "comparable_months"] == 3
    assert got.loc[1, "growth"] == pytest.approx(0.20)
    assert math.isnan(dg.revenue_cagr(got))  # one complete year only


def test_cagr_over_three_complete_years():
    # 1000 -> 1210 in two years: sqrt(1.21) - 1 = 0.10
    monthly = _monthly([1000 / 12] * 12 + [1100 / 12] * 12 + [1210 / 12] * 12)
    assert dg.revenue_cagr(dg.growth_summary(monthly)) == pytest.approx(0.10)


def test_growth_summary_refuses_holes():
    monthly = _monthly([1.0, 2.0, 3.0]).drop(index=1)
    with pytest.raises(InputError, match="consecutive"):
        dg.growth_summary(monthly)


# ---- seasonality ---------------------------------------------------------------------------
PATTERN = np.array([-150, -100, 0, 50, 100, 200, 250, 100, 0, -100, -150, -200], dtype=float)


def test_stl_recovers_known_seasonal_pattern():
    t = np.arange(48)
    trend = 1000 + 5 * t
    monthly = _monthly(list(trend + PATTERN[t % 12]))
    dec = dg.decompose_revenue(monthly)
    assert (dec["method"] == "STL").all()
    np.testing.assert_allclose(dec["trend"] + dec["seasonal"] + dec["resid"], dec["revenue"])
    idx = dg.seasonal_indices(dec)
    # index_m = 1 + pattern_m / mean trend, mean trend = 1000 + 5 * 23.5 = 1117.5
    expected = 1 + PATTERN / 1117.5
    np.testing.assert_allclose(idx["index"], expected, atol=0.01)
    assert idx.loc[idx["index"].idxmax(), "month_of_year"] == 7  # July (+250)
    assert idx.loc[idx["index"].idxmin(), "month_of_year"] == 12  # December (-200)


def test_short_series_uses_stated_fallback_and_warns():
    t = np.arange(18)
    monthly = _monthly(list(1000 + PATTERN[t % 12]))
    with pytest.warns(DataWarning, match="only 18 months"):
        dec = dg.decompose_revenue(monthly)
    assert dec["method"].iloc[0] == "linear trend (fewer than 24 months)"
    np.testing.assert_allclose(dec["trend"] + dec["seasonal"] + dec["resid"], dec["revenue"])
    idx = dg.seasonal_indices(dec)
    assert idx.loc[idx["index"].idxmax(), "month_of_year"] == 7


def test_too_short_series_is_refused():
    with pytest.raises(InputError, match="at least 3"):
        dg.decompose_revenue(_monthly([1.0, 2.0]))


def test_seasonal_indices_nan_for_unobserved_months():
    with pytest.warns(DataWarning):
        dec = dg.decompose_revenue(_monthly([100.0, 120.0, 90.0, 110.0], start="2024-01"))
    idx = dg.seasonal_indices(dec)
    assert idx["index"].iloc[:4].notna().all() and idx["index"].iloc[4:].isna().all()


# ---- mix -----------------------------------------------------------------------------------
def test_revenue_mix_shares_per_year_only_present_columns(gap_transactions):
    assert dg.mix_dimensions(gap_transactions) == ["channel"]
    got = dg.revenue_mix(gap_transactions)
    # 2024 net revenue 400: web 100 + 50 - 30 = 120, store 200 + 80 = 280, unknown 0
    expected = pd.DataFrame(
        {
            "dimension": ["channel"] * 3,
            "year": np.array([2024] * 3, dtype="int32"),
            "value": ["store", "web", "(unknown)"],
            "revenue": [280.0, 120.0, 0.0],
            "share": [0.70, 0.30, 0.0],
        }
    )
    assert_frame_equal(got, expected, check_dtype=False)
    assert got.groupby("year")["share"].sum().tolist() == pytest.approx([1.0])


def test_revenue_mix_absent_dimension_names_what_is_there(gap_transactions):
    with pytest.raises(InputError, match="no column region; present mix columns: channel"):
        dg.revenue_mix(gap_transactions, dimensions=["region"])


def test_revenue_mix_without_optional_columns_is_empty(gap_transactions):
    got = dg.revenue_mix(gap_transactions.drop(columns="channel"))
    assert got.empty and list(got.columns) == ["dimension", "year", "value", "revenue", "share"]


# ---- concentration -------------------------------------------------------------------------
def test_concentration_hand_checked(pareto_transactions):
    with pytest.warns(DataWarning, match="1 customer"):
        conc = dg.concentration(pareto_transactions)
    # positive total = 500+200+100+80+50+30+20+10+10 = 1000; C10 nets -5 -> share 0
    assert conc["customer_id"].tolist() == [f"C{i:02d}" for i in range(1, 11)]
    assert conc["share"].tolist() == pytest.approx(
        [0.5, 0.2, 0.1, 0.08, 0.05, 0.03, 0.02, 0.01, 0.01, 0]
    )
    assert conc["cumulative_share"].tolist() == pytest.approx(
        [0.5, 0.7, 0.8, 0.88, 0.93, 0.96, 0.98, 0.99, 1.0, 1.0]
    )
    # before C03 cumulative is .70 < .80 -> A (C03 reaches 80 % exactly); C04 starts at .80 -> B;
    # C06 starts at .93 < .95 -> B although it crosses 95 %; C07 starts at .96 -> C
    assert "".join(conc["abc_class"]) == "AAABBBCCCC"
    assert conc.loc[9, "revenue"] == -5
    summary = dg.concentration_summary(conc).set_index("metric")["value"]
    # top 10 % of 10 customers = 1 customer: 500/1000; top 20 % = 2 customers: 700/1000
    assert summary["top_10pct_share"] == pytest.approx(0.50)
    assert summary["top_20pct_share"] == pytest.approx(0.70)
    # H = .25+.04+.01+.0064+.0025+.0009+.0004+.0001+.0001 = .3104 over n = 9 positive
    assert summary["herfindahl"] == pytest.approx(0.3104)
    # (H - 1/9) / (1 - 1/9) = (9 x .3104 - 1) / 8 = .2242
    assert summary["herfindahl_normalised"] == pytest.approx(0.2242)
    assert summary["class_A_revenue_share"] == pytest.approx(0.80)
    assert summary["class_C_customers"] == 4


def test_boundary_customer_that_crosses_a_cut_is_in_the_class_it_enters():
    # shares .5, .35, .15: the second customer goes from .50 to .85 across 80 % -> A
    tx = pd.DataFrame(
        {
            "customer_id": ["x", "y", "z"],
            "order_date": pd.Timestamp("2025-01-01"),
            "amount": [50.0, 35.0, 15.0],
        }
    )
    conc = dg.concentration(tx)
    assert conc["abc_class"].tolist() == ["A", "A", "B"]


def test_top_share_rounds_customer_count_up(pareto_transactions):
    conc = dg.concentration(pareto_transactions.iloc[:7])  # C01..C07, total 980
    # 20 % of 7 customers = 1.4 -> 2 customers: (500 + 200) / 980
    assert dg.top_share(conc, 0.2) == pytest.approx(700 / 980)


def test_abc_table_counts(pareto_transactions):
    with pytest.warns(DataWarning):
        table = dg.abc_table(dg.concentration(pareto_transactions))
    assert table["abc_class"].tolist() == ["A", "B", "C"]
    assert table["customers"].tolist() == [3, 3, 4]
    assert table["revenue_share"].tolist() == pytest.approx([0.80, 0.16, 0.04])


def test_abc_thresholds_validated(pareto_transactions):
    with pytest.raises(InputError, match="abc must be two cumulative shares"):
        dg.concentration(pareto_transactions, abc=(0.95, 0.8))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=-50, max_value=1e5, allow_nan=False), min_size=1, max_size=40))
def test_concentration_invariants(amounts):
    if not any(a > 0 for a in amounts):
        amounts = [*amounts, 1.0]
    tx = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(len(amounts))],
            "order_date": pd.Timestamp("2025-01-01"),
            "amount": amounts,
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        conc = dg.concentration(tx)
    assert conc["share"].sum() == pytest.approx(1.0)
    assert len(conc) == len(amounts) and conc["customer_id"].is_unique
    assert set(conc["abc_class"]) <= set(dg.ABC_CLASSES)
    assert conc["abc_class"].notna().all()
    assert conc["cumulative_share"].is_monotonic_increasing
    h, h_norm = dg.herfindahl(conc["share"])
    n_pos = int((conc["share"] > 0).sum())
    assert 1 / n_pos - 1e-12 <= h <= 1 + 1e-12
    assert 0 <= h_norm <= 1 + 1e-12
    # classes are contiguous in rank order: A... then B... then C...
    classes = "".join(conc["abc_class"])
    assert classes == "".join(sorted(classes))


# ---- plots: revenue and concentration ------------------------------------------------------
def test_plot_monthly_revenue_draws_bars_trend_and_headline():
    t = np.arange(36)
    monthly = _monthly(list(1000 + 10 * t + PATTERN[t % 12]))
    dec = dg.decompose_revenue(monthly)
    ax = dg.plot_monthly_revenue(dec, language="en")
    assert len(ax.patches) == 36
    assert [line.get_label() for line in ax.lines] == ["Trend"]
    # last 12 months vs previous 12: the trend adds 10 x 12 per month -> +10.9 %
    last, prev = monthly["revenue"].iloc[-12:].sum(), monthly["revenue"].iloc[-24:-12].sum()
    assert ax.get_title() == f"Revenue up {round((last / prev - 1) * 100)}% over the last 12 months"


def test_plot_seasonality_french_title_names_peak():
    t = np.arange(48)
    dec = dg.decompose_revenue(_monthly(list(1000 + PATTERN[t % 12])))
    ax = dg.plot_seasonality(dg.seasonal_indices(dec), language="fr")
    assert len(ax.patches) == 12
    assert ax.get_title().startswith("Pic en juil.")
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["janv.", "févr."]
    ax.figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert ticks and all(re.fullmatch(r"\d,\d+", t) for t in ticks), ticks  # decimal comma


def test_plot_revenue_mix_stacks_values_per_year():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "order_date": pd.to_datetime(["2024-02-01", "2024-03-01", "2025-02-01", "2025-03-01"]),
            "amount": [80.0, 20.0, 50.0, 50.0],
            "channel": ["store", "web", "store", "web"],
        }
    )
    ax = dg.plot_revenue_mix(dg.revenue_mix(tx), dimension="channel")
    assert len(ax.patches) == 4  # 2 years x 2 channels
    # web goes from 20 % to 50 %; store from 80 % to 50 %: equal moves, first (store) wins
    assert ax.get_title() == "store goes from 80% to 50% of revenue (2024–2025)"
    with pytest.raises(InputError, match="no rows for dimension 'region'"):
        dg.plot_revenue_mix(dg.revenue_mix(tx), dimension="region")


def test_plot_pareto_headline_and_classes(pareto_transactions):
    with pytest.warns(DataWarning):
        conc = dg.concentration(pareto_transactions)
    ax = dg.plot_pareto(conc)
    # 3 customers out of 10 reach 80 %
    assert ax.get_title() == "30% of customers bring 80% of revenue"
    assert len(ax.patches) == 3  # one shaded span per class
    curve = ax.lines[0]
    assert curve.get_ydata()[3] == pytest.approx(0.8)


# ---- SWOT / TOWS ---------------------------------------------------------------------------
def test_swot_items_sorted_by_quadrant_and_weight(swot):
    got = dg.swot_items(swot)
    assert got["item_id"].tolist() == ["S1", "S2", "W2", "W1", "O1", "O2", "T1", "T2"]
    assert got["rank"].tolist() == [1, 2, 1, 2, 1, 2, 1, 2]
    assert got.loc[got["item_id"] == "S2", "evidence"].item() == ""


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("quadrant", "strenght", r"quadrant must be one of .*S1: 'strenght'"),
        ("weight", 7, r"weight must be a whole number from 1 to 5; found S1: 7"),
        ("item_id", "S2", r"item ids must be unique; repeated: S2"),
    ],
)
def test_swot_validation_messages(swot, column, value, message):
    bad = swot.copy()
    bad.loc[0, column] = value
    with pytest.raises(InputError, match=message):
        dg.swot_items(bad)


def test_tows_types_derived_and_mixed_options_listed_per_pair(swot):
    tows = pd.DataFrame(
        {
            "option": [
                "Subsidy package",
                "Defend accounts",
                "Rebuild CRM",
                "Discount rules",
                "Mixed",
            ],
            "items": ["S1, O1", "S2; T2", "W1, O2", "W2,T1", "S1, W1, O2"],
        }
    )
    got = dg.tows_options(tows, swot)
    assert got[["option", "type", "items"]].to_numpy().tolist() == [
        ["Subsidy package", "SO", "S1, O1"],
        ["Mixed", "SO", "S1, O2"],
        ["Defend accounts", "ST", "S2, T2"],
        ["Rebuild CRM", "WO", "W1, O2"],
        ["Mixed", "WO", "W1, O2"],
        ["Discount rules", "WT", "W2, T1"],
    ]
    assert got.loc[0, "internal"] == "Expert sales force"
    assert got.loc[0, "external"] == "Energy subsidies"


def test_tows_unknown_ids_and_one_sided_options_are_errors(swot):
    with pytest.raises(InputError, match=r"item ids not in the SWOT sheet: 'Grow': S9, O7"):
        dg.tows_options(pd.DataFrame({"option": ["Grow"], "items": ["S1, S9, O7"]}), swot)
    with pytest.raises(InputError, match=r"must link a strength or weakness .* 'Only inside'"):
        dg.tows_options(pd.DataFrame({"option": ["Only inside"], "items": ["S1, W1"]}), swot)


def test_tows_gaps_lists_unused_items_heaviest_first(swot):
    tows = pd.DataFrame({"option": ["a", "b"], "items": ["S1, O1", "W2, T1"]})
    got = dg.tows_gaps(tows, swot)
    assert got["item_id"].tolist() == ["W1", "S2", "T2", "O2"]  # weights 4, 3, 3, 2


def test_plot_swot_grid_readable_with_ten_items_per_quadrant():
    rows = [
        {
            "item_id": f"{q[0].upper()}{i}",
            "quadrant": q,
            "item": f"A long workshop item number {i} that needs wrapping to stay inside its box",
            "weight": i % 5 + 1,
        }
        for q in ("strength", "weakness", "opportunity", "threat")
        for i in range(10)
    ]
    ax = dg.plot_swot(pd.DataFrame(rows), language="fr")
    assert len(ax.patches) == 4
    texts = [t.get_text() for t in ax.texts]
    assert {"Forces", "Faiblesses", "Opportunités", "Menaces"} <= set(texts)
    bodies = [t for t in ax.texts if t.get_text().startswith("[")]
    assert len(bodies) == 4
    assert bodies[0].get_text().startswith("[5] A long workshop item number 4")
    assert all(t.get_fontsize() >= 6.5 for t in bodies)
    assert all(len(line) <= 100 for t in bodies for line in t.get_text().splitlines())
    assert all(t.get_text().count("[") == 10 for t in bodies)


def test_plot_swot_summarises_beyond_max_items(swot):
    ax = dg.plot_swot(swot, max_items=1)
    assert any("… and 1 more" in t.get_text() for t in ax.texts)


# ---- VRIO ----------------------------------------------------------------------------------
def test_vrio_all_five_implications():
    vrio = pd.DataFrame(
        {
            "resource": ["CRM", "Telesales", "Key accounts", "Customer data", "Brand", "Web shop"],
            "valuable": [False, True, True, True, True, False],
            "rare": [False, False, True, True, True, True],
            "inimitable": [False, False, False, True, True, True],
            "organised": [False, True, True, False, True, True],
        }
    )
    got = dg.vrio_audit(vrio, language="fr")
    expected = pd.DataFrame(
        {
            "resource": ["Brand", "Customer data", "Key accounts", "Telesales", "CRM", "Web shop"],
            "implication": [
                "sustained_advantage",
                "unused_advantage",
                "temporary_advantage",
                "competitive_parity",
                "competitive_disadvantage",
                "competitive_disadvantage",
            ],
            "implication_label": [
                "Avantage durable",
                "Avantage inexploité",
                "Avantage temporaire",
                "Parité concurrentielle",
                "Désavantage concurrentiel",
                "Désavantage concurrentiel",
            ],
        }
    )
    assert_frame_equal(
        got[["resource", "implication", "implication_label"]], expected, check_dtype=False
    )
    # not valuable decides first, whatever the other answers (Web shop)
    assert got["category"].tolist() == [""] * 6


def test_vrio_refuses_empty_answer():
    vrio = pd.DataFrame(
        {
            "resource": ["CRM"],
            "valuable": [pd.NA],
            "rare": [True],
            "inimitable": [True],
            "organised": [True],
        }
    )
    with pytest.raises(InputError, match="'valuable' is empty for CRM"):
        dg.vrio_audit(vrio)


def test_plot_vrio_draws_one_cell_per_answer(title_clears_tick_labels):
    vrio = pd.DataFrame(
        {
            "resource": ["Brand", "CRM"],
            "valuable": [True, False],
            "rare": [True, False],
            "inimitable": [True, False],
            "organised": [True, False],
        }
    )
    ax = dg.plot_vrio(dg.vrio_audit(vrio))
    assert len(ax.patches) == 2 * 5
    assert ax.get_title() == "1 of 2 resources give a sustained advantage"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Brand", "CRM"]
    assert "✓" in [t.get_text() for t in ax.texts] and "✗" in [t.get_text() for t in ax.texts]
    title_clears_tick_labels(ax)  # the four questions sit above the grid


# ---- the sample inputs cover every rule ----------------------------------------------------
def test_sample_inputs_cover_every_case():
    from helpers.sample.inputs_diagnostic import sample_inputs

    data = sample_inputs(np.random.default_rng(7), client_name="Maison Durand", frames={})
    audit = dg.vrio_audit(data["vrio"])
    assert set(audit["implication"]) == set(dg.VRIO_IMPLICATIONS)
    tows = dg.tows_options(data["tows"], data["swot"])
    assert set(tows["type"]) == set(dg.TOWS_TYPES)
    assert len(dg.tows_gaps(data["tows"], data["swot"])) > 0
    assert_series_equal(
        data["swot"]["quadrant"].value_counts().sort_index() > 0,
        pd.Series(
            True, index=sorted(["strength", "weakness", "opportunity", "threat"]), name="count"
        ),
        check_names=False,
        check_index_type=False,
    )


def test_chart_headline_reads_left_title_on_one_line():
    import matplotlib.pyplot as plt

    _fig, ax = plt.subplots()
    ax.set_title("Three customers out of ten\nbring 80 % of revenue", loc="left")
    assert dg.chart_headline(ax) == "Three customers out of ten bring 80 % of revenue"
