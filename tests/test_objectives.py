"""Tests for helpers.objectives: SMART, forecast and realism, OKR, AARRR KPIs, scorecard."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from helpers import objectives as ob
from helpers.errors import InputError, NotFittedError
from helpers.schema import AARRR_STAGES, TABLES

AS_OF = pd.Timestamp("2025-12-31")


# ---- fixtures ------------------------------------------------------------------------------
def _objectives(rows: list[dict]) -> pd.DataFrame:
    base = {
        "objective_id": None,
        "objective": None,
        "metric": None,
        "metric_type": "other",
        "baseline": None,
        "target": None,
        "deadline": None,
        "owner": None,
        "pillar": None,
    }
    frame = pd.DataFrame([{**base, **r} for r in rows])
    frame["baseline"] = frame["baseline"].astype("float64")
    frame["target"] = frame["target"].astype("float64")
    frame["deadline"] = pd.to_datetime(frame["deadline"])
    return frame


GOOD = {
    "objective": "Raise the retention rate of key accounts",
    "metric": "retention rate",
    "baseline": 100.0,
    "target": 121.0,
    "deadline": "2027-12-31",
    "owner": "KAM lead",
    "pillar": "Loyalty",
}


@pytest.fixture
def smart_cases() -> pd.DataFrame:
    return _objectives(
        [
            {"objective_id": "OK", **GOOD},
            {"objective_id": "S", **GOOD, "objective": "Be better"},
            {"objective_id": "S2", **GOOD, "pillar": None},
            {"objective_id": "M", **GOOD, "metric": None},
            # 100 -> 300 in 12 months: +200 % a year > 50 % ceiling
            {"objective_id": "A", **GOOD, "target": 300.0, "deadline": "2026-12-31"},
            {"objective_id": "R", **GOOD, "owner": None},
            # deadline one month after the baseline date: too soon to act (and +100 %/yr...)
            {"objective_id": "R2", **GOOD, "target": 101.0, "deadline": "2026-01-31"},
            {"objective_id": "T", **GOOD, "deadline": None},
            {"objective_id": "T2", **GOOD, "deadline": "2025-06-30"},
        ]
    )


def _passed(smart: pd.DataFrame) -> pd.DataFrame:
    return smart.pivot_table(
        index="objective_id", columns="criterion", values="passed", aggfunc="first"
    )


# ---- SMART --------------------------------------------------------------------------------
def test_smart_one_failure_per_criterion(smart_cases):
    smart = ob.smart_check(smart_cases, as_of=AS_OF)
    assert list(smart.columns) == [
        "objective_id",
        "objective",
        "metric_type",
        "criterion",
        "passed",
        "reason",
        "realism",
        "implied_annual_growth",
    ]
    assert len(smart) == 5 * len(smart_cases)
    p = _passed(smart)
    assert p.loc["OK"].all()
    failing = {oid: sorted(p.columns[~p.loc[oid]]) for oid in p.index}
    assert failing["S"] == ["specific"]
    assert failing["S2"] == ["specific"]
    assert failing["R"] == ["realistic"]
    # no target -> not measurable, and the effort cannot be judged
    assert failing["A"] == ["attainable"]
    assert failing["T"] == ["attainable", "time_bound"]
    assert failing["T2"] == ["attainable", "time_bound"]
    assert failing["R2"] == ["realistic"]
    assert failing["M"] == ["measurable"]


def test_smart_reasons_and_growth(smart_cases):
    smart = ob.smart_check(smart_cases, as_of=AS_OF).set_index(["objective_id", "criterion"])
    # 100 -> 121 over 24 months: 1.21 ** (12 / 24) - 1 = 0.10
    assert smart.loc[("OK", "attainable"), "implied_annual_growth"] == pytest.approx(0.10)
    assert "10%" in smart.loc[("OK", "attainable"), "reason"]
    # 100 -> 300 over 12 months: 3 ** 1 - 1 = 2.00
    assert smart.loc[("A", "attainable"), "implied_annual_growth"] == pytest.approx(2.0)
    assert "200%" in smart.loc[("A", "attainable"), "reason"]
    assert "no metric" in smart.loc[("M", "measurable"), "reason"]
    assert "nobody" in smart.loc[("R", "realistic"), "reason"]
    assert "1 month" in smart.loc[("R2", "realistic"), "reason"]
    assert smart.loc[("T", "time_bound"), "reason"] == "Not time-bound: no deadline"
    assert "2025-06-30" in smart.loc[("T2", "time_bound"), "reason"]
    assert "fewer than 3 words" in smart.loc[("S", "specific"), "reason"]


def test_smart_growth_ceiling_is_configurable(smart_cases):
    smart = ob.smart_check(smart_cases, as_of=AS_OF, growth_ceiling=2.5)
    assert _passed(smart).loc["A", "attainable"]


def test_smart_in_french(smart_cases):
    smart = ob.smart_check(smart_cases, as_of=AS_OF, language="fr")
    reason = smart.set_index(["objective_id", "criterion"]).loc[("T", "time_bound"), "reason"]
    assert reason == "Pas temporellement défini : aucune échéance"


def test_smart_uses_forecast_realism_for_revenue():
    objectives = _objectives(
        [
            {
                "objective_id": f"REV{i}",
                **GOOD,
                "metric": "revenue",
                "metric_type": "revenue",
                "baseline": 1200.0,
                "target": target,
            }
            for i, target in enumerate((1250.0, 1400.0, 2000.0))
        ]
    )
    realism = pd.DataFrame(
        {
            "objective_id": ["REV0", "REV1", "REV2"],
            "realism": ["conservative", "stretch", "unrealistic"],
            "implied_annual_growth": [0.02, 0.08, 0.29],
            "forecast_median_12m": [1300.0] * 3,
            "forecast_upper_95_12m": [1500.0] * 3,
        }
    )
    smart = ob.smart_check(objectives, as_of=AS_OF, realism=realism)
    att = smart[smart["criterion"] == "attainable"].set_index("objective_id")
    assert att["passed"].to_dict() == {"REV0": True, "REV1": True, "REV2": False}
    assert att["realism"].tolist() == ["conservative", "stretch", "unrealistic"]
    assert "95 % band" in att.loc["REV2", "reason"]
    assert "€1,500" in att.loc["REV2", "reason"]


def test_smart_summary(smart_cases):
    summary = ob.smart_summary(ob.smart_check(smart_cases, as_of=AS_OF))
    assert summary["objective_id"].tolist() == smart_cases["objective_id"].tolist()
    row = summary.set_index("objective_id").loc["T"]
    assert (row["passed"], row["smart"], row["failed"]) == (3, False, "attainable, time_bound")
    assert int(summary["smart"].sum()) == 1


def test_annual_growth_hand_checked():
    assert ob.annual_growth(100, 121, 24) == pytest.approx(0.10)  # 1.21 ** 0.5 - 1
    assert ob.annual_growth(100, 50, 12) == pytest.approx(-0.5)
    assert ob.annual_growth(100, 110, 6) == pytest.approx(0.21)  # 1.1 ** 2 - 1
    assert ob.annual_growth(0, 110, 6) is None
    assert ob.annual_growth(100, 110, 0) is None


# ---- forecast -----------------------------------------------------------------------------
N_MONTHS = 48


def _true(t: np.ndarray) -> np.ndarray:
    return 100 + 2 * t + 10 * np.sin(2 * np.pi * t / 12)


@pytest.fixture(scope="module")
def seasonal_monthly() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    t = np.arange(N_MONTHS)
    return pd.DataFrame(
        {
            "month": pd.date_range("2022-01-01", periods=N_MONTHS, freq="MS"),
            "revenue": _true(t) + rng.normal(0, 1, N_MONTHS),
        }
    )


@pytest.fixture(scope="module")
def seasonal_forecast(seasonal_monthly) -> pd.DataFrame:
    return ob.forecast(seasonal_monthly, until="2026-12-01", seed=11, simulations=1000)


def test_forecast_columns_and_model(seasonal_forecast):
    assert tuple(seasonal_forecast.columns) == ob.FORECAST_COLUMNS
    monthly = seasonal_forecast[seasonal_forecast["basis"] == "month"]
    assert len(monthly) == 12
    assert monthly["month"].iloc[0] == pd.Timestamp("2026-01-01")
    assert (seasonal_forecast["last_actual"] == pd.Timestamp("2025-12-01")).all()
    model = seasonal_forecast["model"].iloc[0]
    assert model.startswith("Holt-Winters") and not model.endswith(",N)")


def test_forecast_median_follows_trend_and_seasonality(seasonal_forecast):
    monthly = seasonal_forecast[seasonal_forecast["basis"] == "month"]
    truth = _true(np.arange(N_MONTHS, N_MONTHS + 12))
    # noise sd 1: the median should stay within a few units of the true continuation
    np.testing.assert_allclose(monthly["median"].to_numpy(), truth, atol=4.0)
    # ... and the true value inside the 95 % band every month
    assert ((monthly["lower_95"] <= truth) & (truth <= monthly["upper_95"])).all()


def test_forecast_bands_widen_and_are_ordered(seasonal_forecast):
    month = seasonal_forecast[seasonal_forecast["basis"] == "month"]
    width = (month["upper_95"] - month["lower_95"]).to_numpy()
    # a very regular series: the bands widen only with the trend's estimation error
    assert width[-1] > width[0]
    assert width.min() >= 0.97 * width[0]
    total = seasonal_forecast[seasonal_forecast["basis"] == "12m"]
    width_12m = (total["upper_95"] - total["lower_95"]).to_numpy()
    assert np.all(np.diff(width_12m) > 0)  # one more uncertain month in every total
    assert width_12m[-1] > 3 * width_12m[0]
    cols = ["lower_95", "lower_80", "median", "upper_80", "upper_95"]
    assert (np.diff(seasonal_forecast[cols].to_numpy(), axis=1) >= 0).all()
    assert (
        (seasonal_forecast["lower_80"] <= seasonal_forecast["mean"])
        & (seasonal_forecast["mean"] <= seasonal_forecast["upper_80"])
    ).all()


def test_twelve_month_basis_adds_the_last_eleven_actuals(seasonal_monthly, seasonal_forecast):
    month = seasonal_forecast[seasonal_forecast["basis"] == "month"].iloc[0]
    total = seasonal_forecast[seasonal_forecast["basis"] == "12m"].iloc[0]
    # median(constant + X) = constant + median(X)
    expected = seasonal_monthly["revenue"].iloc[-11:].sum() + month["median"]
    assert total["median"] == pytest.approx(expected)


def test_forecast_bands_widen_when_the_level_wanders():
    rng = np.random.default_rng(5)
    level = 200 + np.cumsum(rng.normal(1, 4, 20))  # random walk with drift
    monthly = pd.DataFrame(
        {"month": pd.date_range("2024-01-01", periods=20, freq="MS"), "revenue": level}
    )
    fc = ob.forecast(monthly, until="2026-08-01", seed=1, simulations=1000)
    width = (fc["upper_80"] - fc["lower_80"]).to_numpy()[:12]
    assert fc["model"].iloc[0].endswith(",N)")  # 20 months: trend, no seasonality
    assert np.all(np.diff(width) > 0)
    assert width[-1] > 1.5 * width[0]


def test_forecast_is_deterministic(seasonal_monthly):
    short = seasonal_monthly.iloc[:18]
    a = ob.forecast(short, until="2023-12-01", seed=3, simulations=300)
    b = ob.forecast(short, until="2023-12-01", seed=3, simulations=300)
    pd.testing.assert_frame_equal(a, b)


def test_forecast_fallbacks(seasonal_monthly):
    trend = ob.forecast(seasonal_monthly.iloc[:18], until="2023-12-01", simulations=300)
    assert trend["model"].iloc[0] in ("Holt-Winters (A,N)", "Holt-Winters (Ad,N)")
    drift = ob.forecast(seasonal_monthly.iloc[:6], until="2022-12-01", simulations=300)
    assert drift["model"].iloc[0] == "Random walk with drift (widened interval)"
    assert set(drift["basis"]) == {"month"}  # no 12-month totals from 6 months
    with pytest.raises(InputError, match="at least 3 months"):
        ob.forecast(seasonal_monthly.iloc[:2], until="2022-12-01")


def test_drift_fallback_hand_checked():
    monthly = pd.DataFrame(
        {
            "month": pd.date_range("2025-01-01", periods=4, freq="MS"),
            "revenue": [100.0, 110.0, 120.0, 130.0],
        }
    )
    fc = ob.forecast(monthly, until="2025-07-01", seed=1, simulations=4000)
    # drift = mean of the steps = 10; spread 0, floored at 5 % of 130 = 6.5 per month
    model = ob.SeriesForecaster(simulations=4000, seed=1).fit(monthly.set_index("month")["revenue"])
    assert model.drift_ == pytest.approx(10.0)
    assert model.sigma_ == pytest.approx(6.5)
    np.testing.assert_allclose(fc["median"], [140, 150, 160], atol=1.0)
    assert model.slope_se_ == pytest.approx(6.5 / np.sqrt(3))  # drift's standard error
    # variance at h months: 6.5² h + (6.5 / √3)² h², e.g. h = 1: 42.25 + 14.08 = 56.33,
    # sd 7.51, half-width of the 95 % band 1.96 × 7.51 = 14.71
    h = np.array([1.0, 2.0, 3.0])
    sd = np.sqrt(6.5**2 * h + (6.5**2 / 3) * h**2)
    half = (fc["upper_95"] - fc["lower_95"]).to_numpy() / 2
    np.testing.assert_allclose(half, 1.96 * sd, rtol=0.03)


def test_forecaster_needs_fit_and_a_future_month():
    with pytest.raises(NotFittedError):
        ob.SeriesForecaster().predict("2026-01-01")
    y = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2025-01-01", periods=3, freq="MS"))
    model = ob.SeriesForecaster(simulations=200).fit(y)
    with pytest.raises(InputError, match="not after the last actual month"):
        model.predict("2025-03-01")


def test_monthly_series_gaps_and_orders():
    tx = pd.DataFrame(
        {
            "customer_id": ["A", "A", "B", "C"],
            "order_date": pd.to_datetime(["2025-01-05", "2025-01-05", "2025-01-20", "2025-03-02"]),
            "amount": [10.0, 5.0, 20.0, 7.0],
            "order_id": ["o1", "o1", "o2", "o3"],
        }
    )
    expected = pd.DataFrame(
        {
            "month": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"]).astype(
                "datetime64[ns]"
            ),
            "revenue": [35.0, 0.0, 7.0],
            "orders": np.array([2, 0, 1], dtype="int64"),
            "customers": np.array([2, 0, 1], dtype="int64"),
        }
    )
    pd.testing.assert_frame_equal(ob.monthly_series(tx), expected)
    # without order ids, an order is a customer's purchases of one day: same counts here
    pd.testing.assert_frame_equal(ob.monthly_series(tx.drop(columns="order_id")), expected)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(min_value=1, max_value=1e6), min_size=3, max_size=11),
    st.integers(min_value=1, max_value=18),
)
def test_bands_always_ordered(values, horizon):
    monthly = pd.DataFrame(
        {"month": pd.date_range("2024-01-01", periods=len(values), freq="MS"), "revenue": values}
    )
    last = monthly["month"].iloc[-1]
    fc = ob.forecast(monthly, until=last + pd.DateOffset(months=horizon), simulations=200)
    cols = ["lower_95", "lower_80", "median", "upper_80", "upper_95"]
    assert (np.diff(fc[cols].to_numpy(), axis=1) >= 0).all()
    assert ((fc["lower_80"] <= fc["mean"]) & (fc["mean"] <= fc["upper_80"])).all()


# ---- realism ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (90, "conservative"),
        (100, "conservative"),
        (120, "stretch"),
        (130, "stretch"),
        (131, "unrealistic"),
    ],
)
def test_classify_target(target, expected):
    assert ob.classify_target(target, median=100, upper_95=130) == expected


def _band(month: str, median: float, upper: float, series: str = "revenue") -> dict:
    return {
        "series": series,
        "basis": "12m",
        "month": pd.Timestamp(month),
        "mean": median,
        "median": median,
        "lower_80": median * 0.9,
        "upper_80": median * 1.1,
        "lower_95": median * 0.8,
        "upper_95": upper,
        "model": "test",
        "last_actual": pd.Timestamp("2025-12-01"),
    }


def test_target_realism_places_each_class():
    monthly = pd.DataFrame(
        {
            "month": pd.date_range("2025-01-01", periods=12, freq="MS"),
            "revenue": 100.0,
            "orders": 10,
        }
    )
    fc = pd.DataFrame(
        [
            _band("2027-12-01", 1500.0, 1800.0),
            _band("2026-12-01", 1300.0, 1500.0),
            _band("2026-12-01", 130.0, 150.0, series="orders"),
        ]
    )
    objectives = _objectives(
        [
            {
                "objective_id": "C",
                **GOOD,
                "metric_type": "revenue",
                "baseline": None,
                "target": 1452.0,
                "deadline": "2027-12-15",
            },
            {
                "objective_id": "S",
                **GOOD,
                "metric_type": "revenue",
                "target": 1450.0,
                "baseline": 1200.0,
                "deadline": "2026-12-31",
            },
            {
                "objective_id": "U",
                **GOOD,
                "metric_type": "Volume",
                "target": 160.0,
                "baseline": 120.0,
                "deadline": "2026-12-31",
            },
            {"objective_id": "X", **GOOD, "metric_type": "other"},
        ]
    )
    out = ob.target_realism(objectives, fc, monthly).set_index("objective_id")
    assert list(out.index) == ["C", "S", "U"]
    assert out["realism"].tolist() == ["conservative", "stretch", "unrealistic"]
    assert out.loc["C", "baseline_12m"] == 1200.0  # 12 months x 100 when no baseline given
    # 1200 -> 1452 over 24 months: 1.21 ** 0.5 - 1 = 0.10
    assert out.loc["C", "implied_annual_growth"] == pytest.approx(0.10)
    assert out.loc["S", "forecast_median_12m"] == 1300.0
    assert out.loc["U", "series"] == "orders"
    assert (out["target_basis"] == "12 months to deadline").all()
    conservative = objectives.assign(target=[1400.0, 1300.0, 130.0, 1.0])
    assert set(ob.target_realism(conservative, fc, monthly)["realism"]) == {"conservative"}


# ---- OKR ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "target", "current", "expected"),
    [
        (10, 20, 17, 0.7),  # increasing: (17 - 10) / (20 - 10)
        (72, 55, 66, 6 / 17),  # decreasing: (66 - 72) / (55 - 72)
        (0, 40, 41, 1.0),  # beyond the target: capped
        (10, 20, 5, 0.0),  # went backwards: floored
        (12, 8, 14, 0.0),  # decreasing target that got worse
        (5, 5, 5, 1.0),  # a level to hold, held
        (5, 5, 4, 0.0),  # ... not held
        (1, 2, None, math.nan),  # incomplete
    ],
)
def test_kr_progress(start, target, current, expected):
    result = ob.kr_progress(start, target, current)
    if math.isnan(expected):
        assert math.isnan(result)
    else:
        assert result == pytest.approx(expected)


@settings(max_examples=50, deadline=None)
@given(*(st.floats(min_value=-1e6, max_value=1e6) for _ in range(3)))
def test_kr_progress_in_unit_interval(start, target, current):
    assert 0.0 <= ob.kr_progress(start, target, current) <= 1.0


def _okr() -> pd.DataFrame:
    rows = [
        ("Grow", "a", 0, 10, 7, "2026-03-31"),  # 0.7
        ("Grow", "b", 10, 0, 5, "2026-05-31"),  # 0.5 (decreasing)
        ("Grow", "c", 0, 4, 6, "2026-02-28"),  # 1.0 (capped)
        ("Few", "a", 0, 10, 2, "2026-09-30"),  # 0.2
        ("Few", "b", 0, 10, 4, "2026-09-30"),  # 0.4
        *(("Many", f"k{i}", 0, 10, 5, "2026-12-31") for i in range(6)),  # 0.5 each
        ("None", None, None, None, None, None),
    ]
    frame = pd.DataFrame(
        rows, columns=["objective", "key_result", "start", "target", "current", "deadline"]
    )
    for col in ("start", "target", "current"):
        frame[col] = frame[col].astype("float64")
    frame["deadline"] = pd.to_datetime(frame["deadline"])
    return frame


def test_okr_review_hand_checked():
    review = ob.okr_review(_okr(), success=0.7)
    expected = pd.DataFrame(
        {
            "objective": ["Grow", "Few", "Many", "None"],
            "key_results": np.array([3, 2, 6, 0], dtype="int64"),
            "quarter": ["2026-Q2", "2026-Q3", "2026-Q4", None],
            # (0.7 + 0.5 + 1.0) / 3 = 0.7333; (0.2 + 0.4) / 2 = 0.3; 0.5
            "score": [2.2 / 3, 0.3, 0.5, np.nan],
            "grade": ["green", "red", "amber", None],
            "flag": [
                "",
                "2 key result(s): fewer than 3",
                "6 key results: more than 5",
                "no key result",
            ],
        }
    )
    for col in ("objective", "quarter", "grade", "flag"):
        expected[col] = expected[col].astype("string")
    pd.testing.assert_frame_equal(review, expected)


def test_okr_grades_follow_the_success_threshold():
    assert ob.okr_grade(0.7, success=0.7) == "green"
    assert ob.okr_grade(0.69, success=0.7) == "amber"
    assert ob.okr_grade(0.4, success=0.7) == "amber"
    assert ob.okr_grade(0.39, success=0.7) == "red"
    assert ob.okr_grade(0.75, success=0.8) == "amber"
    assert ob.okr_grade(float("nan")) is None


def test_okr_progress_drops_empty_rows():
    progress = ob.okr_progress(_okr())
    assert len(progress) == 11
    assert progress["progress"].between(0, 1).all()


# ---- KPI measures -------------------------------------------------------------------------
@pytest.fixture
def tiny_tx() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["A", "A", "B", "C", "C", "D", "D"],
            "order_date": pd.to_datetime(
                [
                    "2024-03-10",
                    "2025-02-01",
                    "2024-06-01",
                    "2025-05-05",
                    "2025-05-05",
                    "2024-01-15",
                    "2025-11-30",
                ]
            ),
            "amount": [100.0, 200.0, 50.0, 300.0, 100.0, 80.0, 120.0],
            "order_id": ["o1", "o2", "o3", "o4", "o4", "o5", "o6"],
            "margin": [30.0, 60.0, 10.0, 90.0, 10.0, 20.0, 30.0],
        }
    )


@pytest.mark.parametrize(
    ("measure", "expected"),
    [
        ("revenue", 720.0),  # 200 + 300 + 100 + 120 in 2025
        ("orders", 3.0),  # o2, o4, o6
        ("average_order_value", 240.0),  # 720 / 3
        ("active_customers", 3.0),  # A, C, D
        ("revenue_per_customer", 240.0),  # 720 / 3
        ("gross_margin_rate", 190 / 720),  # (60 + 90 + 10 + 30) / 720
        ("retention_rate", 2 / 3),  # 2024: A, B, D; again in 2025: A, D
        ("churn_rate", 1 / 3),
        ("repeat_rate", 0.5),  # A and D have two orders, B and C one
        ("new_customers", 1.0),  # C's first order is in 2025
    ],
)
def test_transaction_measures(tiny_tx, measure, expected):
    result = ob.compute_measure(measure, transactions=tiny_tx, as_of=AS_OF)
    assert result.value == pytest.approx(expected)


def test_measures_say_why_not(tiny_tx):
    no_margin = ob.compute_measure("gross_margin_rate", transactions=tiny_tx.drop(columns="margin"))
    assert no_margin.value is None and "margin" in no_margin.why
    short = tiny_tx[tiny_tx["order_date"] >= "2025-01-01"]
    retention = ob.compute_measure("retention_rate", transactions=short, as_of=AS_OF)
    assert retention.value is None and "24 months" in retention.why
    assert ob.compute_measure("nps").why == "no customer file"
    assert ob.compute_measure("leads").why == "no customer-journey events"


@pytest.fixture
def tiny_journey() -> pd.DataFrame:
    rows = [
        ("P1", "awareness", "2025-01-10"),
        ("P1", "purchase", "2025-02-09"),
        ("P2", "awareness", "2025-01-20"),
        ("P2", "consideration", "2025-02-01"),
        ("P2", "purchase", "2025-03-01"),
        ("P3", "awareness", "2025-02-05"),
        ("P4", "awareness", "2025-03-01"),
        ("P4", "purchase", "2025-03-21"),
    ]
    frame = pd.DataFrame(rows, columns=["contact_id", "stage", "event_date"])
    frame["event_date"] = pd.to_datetime(frame["event_date"])
    return frame


def test_journey_measures(tiny_journey):
    # 3 of the 4 contacts at awareness reach the purchase
    assert ob.compute_measure("conversion_rate", journey=tiny_journey).value == 0.75
    # days awareness -> purchase: 30, 40, 20; median 30
    assert ob.compute_measure("sales_cycle_days", journey=tiny_journey).value == 30.0
    # awareness contacts per month Jan 2, Feb 1, Mar 1 over the 3 months with data
    leads = ob.compute_measure("leads", journey=tiny_journey, as_of="2025-03-31")
    assert leads.value == pytest.approx(4 / 3)
    other = ob.compute_measure("conversion_rate", journey=tiny_journey, purchase_stage="won")
    assert other.value is None and "'won'" in other.why


def test_nps_hand_checked():
    customers = pd.DataFrame({"customer_id": list("abcdef"), "nps": [10, 9, 9, 8, 3, np.nan]})
    # 5 answers: promoters 3/5 = 60 %, detractors 1/5 = 20 % -> 40
    assert ob.compute_measure("nps", customers=customers).value == pytest.approx(40.0)


def test_kpi_baselines(tiny_tx, tiny_journey):
    kpis = pd.DataFrame(
        {
            "stage": ["revenue", "acquisition", "referral", "retention", "referral"],
            "kpi": ["AOV", "Conversion", "Reviews", "Retention", "NPS"],
            "measure": ["average_order_value", "conversion_rate", None, "retention_rate", "nps"],
            "baseline": [None, None, 4.1, 0.5, None],
            "target": [260.0, 0.8, 4.5, 0.8, 30.0],
            "frequency": ["monthly", "monthly", "monthly", "quarterly", "quarterly"],
            "leading": [False, True, True, False, True],
        }
    )
    out = ob.kpi_baselines(kpis, transactions=tiny_tx, journey=tiny_journey, as_of=AS_OF)
    assert out["stage"].tolist() == ["acquisition", "retention", "referral", "referral", "revenue"]
    rows = out.set_index("kpi")
    assert rows.loc["AOV", "baseline"] == 240.0 and rows.loc["AOV", "gap"] == 20.0
    assert rows.loc["AOV", "baseline_source"] == "data"
    assert rows.loc["Retention", "baseline"] == pytest.approx(2 / 3)  # data beats workshop
    assert rows.loc["Reviews", "baseline_source"] == "workshop"
    assert rows.loc["NPS", "baseline_source"] == "missing"
    assert rows.loc["NPS", "note"] == "no customer file"
    assert rows.loc["Conversion", "indicator"] == "leading"
    assert rows.loc["AOV", "indicator"] == "lagging"
    with pytest.raises(InputError, match='did you mean "repeat_rate"'):
        ob.kpi_baselines(kpis.assign(measure="repeat_rat"), transactions=tiny_tx)
    with pytest.raises(InputError, match="unknown stage"):
        ob.kpi_baselines(kpis.assign(stage="awareness"))


# ---- balanced scorecard -------------------------------------------------------------------
@pytest.fixture
def scorecard() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "objective_id": ["F1", "C1", "I1", "L1", "L2", "C2"],
            "objective": [
                "Grow revenue",
                "Keep customers",
                "Fast quotes",
                "Train reps",
                "Employer brand",
                "Win online",
            ],
            "perspective": [
                "financial",
                "customer",
                "internal",
                "learning",
                "learning",
                "customer",
            ],
            "kpi": ["Revenue", "Retention", None, "Reps trained", "Applications", "New customers"],
            "drives": [None, "F1", "C1", "I1, C1", None, "F1; L1"],
        }
    )


def test_strategy_map_links_and_flags(scorecard):
    out = ob.strategy_map(scorecard).set_index("objective_id")
    assert out.loc["F1", "driven_by"] == "C1, C2"
    assert out.loc["C1", "driven_by"] == "I1, L1"
    assert out["level"].to_dict() == {"F1": 3, "C1": 2, "I1": 1, "L1": 0, "L2": 0, "C2": 2}
    assert out.loc["I1", "flag"] == "no KPI"
    assert out.loc["L2", "flag"] == "no cause-and-effect link"
    assert not out.loc["L2", "has_link"]
    assert out.loc["C2", "flag"] == "drives a lower perspective (L1)"
    assert out.loc["F1", "flag"] == ""


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"drives": [None, "F9", "C1", "I1", None, "F1"]}, "C1 drives F9, which is not"),
        ({"drives": [None, "C1", "C1", "I1", None, "F1"]}, "C1 drives itself"),
        (
            {
                "perspective": [
                    "financial",
                    "customer",
                    "process",
                    "learning",
                    "learning",
                    "customer",
                ]
            },
            "unknown perspective",
        ),
        ({"objective_id": ["F1", "C1", "C1", "L1", "L2", "C2"]}, "appear twice"),
    ],
)
def test_strategy_map_refuses_bad_input(scorecard, change, match):
    with pytest.raises(InputError, match=match):
        ob.strategy_map(scorecard.assign(**change))


# ---- plots --------------------------------------------------------------------------------
def test_plot_strategy_map(scorecard):
    strategy = ob.strategy_map(scorecard)
    ax = ob.plot_strategy_map(strategy)
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert len(arrows) == 6  # C1>F1, I1>C1, L1>I1, L1>C1, C2>F1, C2>L1
    assert len(boxes) == 6
    flagged = [t.get_text() for t in ax.texts if "⚑" in t.get_text()]
    assert len(flagged) == 3
    assert ax.get_title() == "Strategy map: 6 objectives, 6 cause-and-effect links"


def test_plot_smart(smart_cases, title_clears_tick_labels):
    ax = ob.plot_smart(ob.smart_check(smart_cases, as_of=AS_OF), language="fr")
    assert len([p for p in ax.patches if isinstance(p, Rectangle)]) == 5 * len(smart_cases)
    assert sum(t.get_text() == "✗" for t in ax.texts) == 10
    assert ax.get_title() == "1 objectifs sur 9 passent les cinq critères SMART"
    title_clears_tick_labels(ax)  # the five criteria sit above the grid


def test_plot_forecast_draws_bands_and_targets(seasonal_monthly, seasonal_forecast):
    targets = pd.DataFrame(
        {
            "objective_id": ["A", "B"],
            "series": "revenue",
            "deadline_month": pd.to_datetime(["2026-12-01", "2026-12-01"]),
            "target_12m": [2000.0, 5000.0],
            "realism": ["conservative", "unrealistic"],
        }
    )
    ax = ob.plot_forecast(seasonal_forecast, history=seasonal_monthly, targets=targets)
    assert len(ax.collections) == 4  # two bands, two target markers
    labels = [t.get_text() for t in ax.texts]
    assert "A · conservative" in labels and "B · unrealistic" in labels
    assert ax.get_title().startswith("Revenue over 12 months: the forecast reaches €")
    with pytest.raises(InputError, match="basis"):
        ob.plot_forecast(seasonal_forecast, history=seasonal_monthly, basis="year")


def test_plot_okr_and_kpis(tiny_tx):
    review = ob.okr_review(_okr())
    ax = ob.plot_okr(review)
    assert len(ax.patches) == 4
    assert ax.get_title() == "1 of 4 OKR objectives on track (score ≥ 0.7)"
    kpis = ob.kpi_baselines(
        pd.DataFrame(
            {
                "stage": ["revenue", "retention"],
                "kpi": ["AOV", "Churn"],
                "measure": ["average_order_value", "churn_rate"],
                "target": [260.0, 0.2],
            }
        ),
        transactions=tiny_tx,
        as_of=AS_OF,
    )
    ax = ob.plot_kpis(kpis)
    texts = [t.get_text() for t in ax.texts]
    assert "AOV: €240 * → €260" in texts
    assert "Churn: 33.3% * → 20.0%" in texts
    assert texts.count("no KPI") == 3  # acquisition, activation, referral


def test_headline_findings():
    summary = pd.DataFrame({"smart": [True, False, False]})
    realism = pd.DataFrame({"objective_id": ["A", "B"], "realism": ["stretch", "unrealistic"]})
    found = ob.headline_findings(summary=summary, realism=realism, review=ob.okr_review(_okr()))
    assert found["smart"] == "1 of 3 commercial objectives are SMART as written."
    assert found["realism"].startswith("1 of 2 revenue and volume targets are beyond")
    assert found["okr"].startswith("1 of 4 OKR objectives are on track; 3 need rework")


# ---- the sample client --------------------------------------------------------------------
def test_sample_inputs_are_canonical_and_cover_every_case():
    from helpers.sample.inputs_objectives import sample_inputs

    sheets = sample_inputs(np.random.default_rng(0), client_name="Maison Durand", frames={})
    for name, frame in sheets.items():
        assert set(TABLES[name].required) <= set(frame.columns), name
        assert set(frame.columns) <= {c.name for c in TABLES[name].columns}, name
    counts = ob.okr_review(sheets["okr"])["key_results"].tolist()
    assert 0 in counts and 2 in counts and 6 in counts and any(3 <= c <= 5 for c in counts)
    assert set(sheets["kpis"]["stage"]) == set(AARRR_STAGES)
    assert set(sheets["kpis"]["measure"].dropna()) <= set(ob.MEASURES)
    flags = ob.strategy_map(sheets["scorecard"])["flag"]
    assert flags.str.contains("no cause-and-effect link").any()
    assert flags.str.contains("no KPI").any()


@pytest.mark.slow
def test_sample_client_shows_every_realism_class_and_smart_failure():
    from helpers.sample import generate

    frames = generate()
    monthly = ob.monthly_series(frames["transactions"])
    fc = ob.forecast_for_objectives(monthly, frames["objectives"], simulations=1000)
    realism = ob.target_realism(frames["objectives"], fc, monthly)
    assert set(realism["realism"]) == set(ob.REALISM_CLASSES)
    smart = ob.smart_check(frames["objectives"], as_of=ob.baseline_date(monthly), realism=realism)
    assert set(smart.loc[~smart["passed"], "criterion"]) == set(ob.SMART_CRITERIA)


def test_optional_columns_may_be_absent():
    objectives = pd.DataFrame({"objective_id": ["A"], "objective": ["Grow the key accounts"]})
    monthly = pd.DataFrame(
        {"month": pd.date_range("2025-01-01", periods=12, freq="MS"), "revenue": 100.0}
    )
    fc = pd.DataFrame([_band("2026-12-01", 1300.0, 1500.0)])
    assert ob.target_realism(objectives, fc, monthly).empty
    smart = ob.smart_check(objectives, as_of=AS_OF)
    assert _passed(smart).loc["A"].to_dict() == {
        "attainable": False,
        "measurable": False,
        "realistic": False,
        "specific": False,
        "time_bound": False,
    }
    review = ob.okr_review(pd.DataFrame({"objective": ["Grow", "Grow"]}))
    assert review[["objective", "key_results", "flag"]].to_dict("records") == [
        {"objective": "Grow", "key_results": 0, "flag": "no key result"}
    ]
