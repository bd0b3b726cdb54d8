"""Tests of helpers.allocation: attractiveness and budget split, Eisenhower, ZBB, RACI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from helpers.allocation import (
    allocation_table,
    attractiveness_scores,
    attractiveness_weights,
    decision_packages,
    eisenhower,
    ltv_source_note,
    plot_allocation,
    plot_eisenhower,
    plot_raci,
    plot_zbb,
    raci_check,
    water_fill,
    with_ltv,
    zbb_summary,
    zero_based_budget,
)
from helpers.config import LtvSettings
from helpers.errors import InputError
from helpers.sample.inputs_value import sample_inputs


# ---- attractiveness and budget split ----------------------------------------------------
@pytest.fixture
def segments() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dimension": ["segment", "segment", "segment"],
            "name": ["SMB", "Mid-market", "Key account"],
            "market_size": [10.0, 20.0, 40.0],
            "cac": [100.0, 300.0, 200.0],
            "current_budget": [400.0, 400.0, 300.0],
        }
    )


#: growth is weighted but not in the sheet: the weights are renormalised to 0.75 / 0.25
WEIGHTS = {"market_size": 0.6, "cac": 0.2, "growth": 0.2}


def test_scores_hand_checked(segments):
    # market_size 10, 20, 40 -> (x - 10) / 30 = 0, 1/3, 1
    # cac 100, 300, 200, lower is better -> 1 - (x - 100) / 200 = 1, 0, 0.5
    # weights used: market_size 0.6 / 0.8 = 0.75, cac 0.2 / 0.8 = 0.25
    # SMB 0.25 * 1 = 0.25; Mid-market 0.75 / 3 = 0.25; Key account 0.75 + 0.125 = 0.875
    scores = attractiveness_scores(segments, weights=WEIGHTS)
    expected = pd.DataFrame(
        {
            "dimension": ["segment"] * 3,
            "name": ["SMB", "Mid-market", "Key account"],
            "market_size_score": [0.0, 1 / 3, 1.0],
            "cac_score": [1.0, 0.0, 0.5],
            "growth_score": [np.nan] * 3,
            "score": [0.25, 0.25, 0.875],
            "rank": [2, 2, 1],
        }
    )
    assert_frame_equal(scores, expected)


def test_weights_table_shows_renormalised_weights(segments):
    weights = attractiveness_weights(
        segments.assign(ltv=[5.0, 5.0, 5.0]), weights={**WEIGHTS, "ltv": 0.2}
    )
    table = weights.set_index("criterion")
    assert table["status"].to_dict() == {
        "market_size": "used",
        "cac": "used",
        "growth": "absent",
        "ltv": "constant",
    }
    assert table["weight_used"].to_dict() == pytest.approx(
        {"market_size": 0.75, "cac": 0.25, "growth": 0, "ltv": 0}
    )


def test_proportional_split_without_binding_bounds(segments):
    # scores 0.25, 0.25, 0.875 (sum 1.375) of 1100 -> 200, 200, 700
    table = allocation_table(segments, weights=WEIGHTS, budget=1100, floor=0.0, cap=1.0)
    assert table["recommended_budget"].tolist() == pytest.approx([200, 200, 700])
    assert table["bound"].tolist() == ["", "", ""]
    assert table["current_share"].tolist() == pytest.approx([4 / 11, 4 / 11, 3 / 11])
    assert table["change"].tolist() == pytest.approx([-200, -200, 400])


def test_cap_binds(segments):
    # proportional shares 0.18, 0.18, 0.64 -> Key account capped at 0.5 = 550;
    # the other 550 split 0.25 : 0.25 -> 275 each
    table = allocation_table(segments, weights=WEIGHTS, budget=1100, floor=0.0, cap=0.5)
    assert table["recommended_budget"].tolist() == pytest.approx([275, 275, 550])
    assert table["bound"].tolist() == ["", "", "cap"]


def test_floors_bind_and_the_cap_releases(segments):
    # floor 0.3, cap 0.5: SMB and Mid-market at the floor (0.3 each); Key account gets the
    # remaining 0.4, below its cap. (Fixing the cap first would give 0.5 + 0.3 + 0.3 = 1.1.)
    table = allocation_table(segments, weights=WEIGHTS, budget=1000, floor=0.3, cap=0.5)
    assert table["recommended_budget"].tolist() == pytest.approx([300, 300, 400])
    assert table["bound"].tolist() == ["floor", "floor", ""]


def test_water_fill_docstring_example():
    # scores 6, 3, 1: third at the floor 15, first at the cap 50, second gets 35
    assert water_fill([6, 3, 1], total=100, floor=0.15, cap=0.5) == pytest.approx([50, 35, 15])


@pytest.mark.parametrize(
    ("floor", "cap", "message"),
    [
        (0.4, 0.9, "lower the floor to at most 33.3%"),
        (0.0, 0.3, "raise the cap to at least 33.3%"),
        (0.5, 0.4, "floor <= cap"),
    ],
)
def test_infeasible_floor_or_cap(floor, cap, message):
    with pytest.raises(InputError, match=message):
        water_fill([1, 2, 3], total=100, floor=floor, cap=cap)


def test_zero_score_lines_share_what_the_capped_lines_leave():
    # two lines at the cap 0.3 leave 0.4 for the two lines scoring zero: 0.2 each
    assert water_fill([5, 1, 0, 0], total=100, floor=0.05, cap=0.3) == pytest.approx(
        [30, 30, 20, 20]
    )


def test_zero_scores_split_equally():
    assert water_fill([0, 0, 0, 0], total=100, floor=0.05, cap=0.5) == pytest.approx([25] * 4)


def test_ltv_cac_and_payback():
    # LTV 12 000 over 12 months -> 1 000 of margin a month; CAC 3 000 -> LTV/CAC 4, payback 3
    sheet = pd.DataFrame(
        {
            "dimension": ["channel", "channel"],
            "name": ["web", "store"],
            "cac": [3000.0, 500.0],
            "ltv": [12000.0, 1200.0],
            "current_budget": [50.0, 50.0],
        }
    )
    table = allocation_table(with_ltv(sheet), weights={"ltv": 1.0}, budget=100, floor=0, cap=1)
    assert table["ltv_cac"].tolist() == pytest.approx([4.0, 2.4])
    assert table["payback_months"].tolist() == pytest.approx([3.0, 5.0])
    assert table["ltv_source"].tolist() == ["sheet", "sheet"]


def test_partially_missing_criterion_is_an_error(segments):
    bad = segments.assign(growth=[0.1, np.nan, 0.2])
    with pytest.raises(InputError, match="growth is empty for segment line"):
        attractiveness_scores(bad, weights=WEIGHTS)


def test_unknown_weight_is_an_error(segments):
    with pytest.raises(InputError, match=r"unknown criterion.*margin"):
        attractiveness_scores(segments, weights={"margin": 1.0})


def test_each_dimension_splits_the_whole_budget(segments):
    channels = segments.assign(dimension="channel", name=["web", "store", "field"])
    table = allocation_table(
        pd.concat([segments, channels]), weights=WEIGHTS, budget=900, floor=0.1, cap=0.6
    )
    assert table.groupby("dimension")["recommended_budget"].sum().tolist() == pytest.approx(
        [900, 900]
    )


# ---- LTV sources ------------------------------------------------------------------------
@pytest.fixture
def ltv_by_segment() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "grouping": ["segment", "segment", "segment", "channel", "rfm_segment"],
            "segment": ["SMB", "Mid-market", "Key account", "web", "Champions"],
            "customers": [10, 5, 2, 12, 3],
            "clv_total": [1000.0, 1500.0, 2000.0, 600.0, 900.0],
            "clv_mean": [100.0, 300.0, 1000.0, 50.0, 300.0],
            "clv_share": [0.22, 0.33, 0.44, 1.0, 1.0],
        }
    )


def test_ltv_from_04_when_it_covers_every_line(segments, ltv_by_segment):
    channels = pd.DataFrame(
        {"dimension": ["channel", "channel"], "name": ["web", "store"], "ltv": [80.0, 90.0]}
    )
    out = with_ltv(
        pd.concat([segments, channels], ignore_index=True),
        ltv_by_segment=ltv_by_segment,
        settings=LtvSettings(horizon_months=10),
    )
    assert out["ltv"].tolist() == [100.0, 300.0, 1000.0, 80.0, 90.0]
    # segments all found in 04; channels only partly (store missing) -> the sheet
    assert out["ltv_source"].tolist() == ["04_customers"] * 3 + ["sheet"] * 2
    assert out["monthly_margin"].tolist() == pytest.approx([10, 30, 100, 8, 9])
    note = ltv_source_note(out)
    assert "LTV per segment comes from 04_customers" in note
    assert "04_customers' result does not cover every channel" in note


def test_ltv_simple_formula_when_no_other_source(segments):
    # simple_ltv(1000, margin 0.3, retention 0.8, discount 0.1) = 300 * 0.8 / 0.3 = 800;
    # monthly margin 1000 * 0.3 / 12 = 25
    settings = LtvSettings(arpu=1000, retention=0.8, margin=0.3, discount_rate=0.1)
    out = with_ltv(segments, settings=settings)
    assert out["ltv"].tolist() == pytest.approx([800.0] * 3)
    assert out["monthly_margin"].tolist() == pytest.approx([25.0] * 3)
    assert set(out["ltv_source"]) == {"simple formula"}
    assert "simple formula" in ltv_source_note(out)
    assert "is not in this run" in ltv_source_note(out)


def test_no_ltv_source(segments):
    out = with_ltv(segments)
    assert set(out["ltv_source"]) == {"none"}
    assert "LTV is left out of the score" in ltv_source_note(out)
    assert "La LTV" in ltv_source_note(out, language="fr") or "Pas de LTV" in ltv_source_note(
        out, language="fr"
    )


# ---- Eisenhower ---------------------------------------------------------------------------
def _initiatives(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        columns=[
            "initiative",
            "package",
            "importance",
            "urgency",
            "direct_cost",
            "indirect_cost",
            "benefit",
        ],
    )


@pytest.mark.parametrize(
    ("importance", "urgency", "quadrant"),
    [
        (3.0, 3.0, "do now"),  # exactly at both thresholds: high
        (3.0, 2.99, "plan"),
        (2.99, 3.0, "delegate or simplify"),
        (2.99, 2.99, "drop"),
        (5.0, 1.0, "plan"),
    ],
)
def test_eisenhower_at_the_thresholds(importance, urgency, quadrant):
    matrix = eisenhower(
        _initiatives([("X", "P", importance, urgency, 10.0, 0.0, 20.0)]),
        importance_threshold=3.0,
        urgency_threshold=3.0,
    )
    assert matrix["quadrant"].tolist() == [quadrant]


def test_quick_wins_hand_checked():
    data = _initiatives(
        [
            ("A", "P", 5, 5, 10, 0, 40),  # cost 10, ratio 4 -> important, cheap, good: quick win
            ("B", "P", 5, 1, 30, 10, 80),  # cost 40, ratio 2: above the median cost
            ("C", "P", 2, 5, 5, 0, 30),  # cost 5, ratio 6 but not important
            ("D", "P", 4, 2, 15, 5, 30),  # cost 20, ratio 1.5: below the median ratio
            ("E", "P", 3, 3, 20, 0, 60),  # cost 20, ratio 3: at both medians -> quick win
        ]
    )
    # costs 10, 40, 5, 20, 20 -> median 20; ratios 4, 2, 6, 1.5, 3 -> median 3
    matrix = eisenhower(data).set_index("initiative")
    assert matrix["quick_win"].to_dict() == {
        "A": True,
        "E": True,
        "B": False,
        "D": False,
        "C": False,
    }
    assert matrix["quadrant"].to_dict() == {
        "A": "do now",
        "E": "do now",
        "B": "plan",
        "D": "plan",
        "C": "delegate or simplify",
    }


def test_eisenhower_missing_urgency_is_an_error():
    data = _initiatives([("X", "P", 3, None, 10, 0, 20)])
    with pytest.raises(InputError, match="X"):
        eisenhower(data)


# ---- zero-based budgeting -----------------------------------------------------------------
def _packages(rows: list[tuple[str, float, float, bool]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "initiative": [f"I{i}" for i in range(len(rows))],
            "package": [r[0] for r in rows],
            "importance": 3.0,
            "urgency": 3.0,
            "direct_cost": [r[1] for r in rows],
            "indirect_cost": 0.0,
            "benefit": [r[2] for r in rows],
            "mandatory": pd.array([r[3] for r in rows], dtype="boolean"),
        }
    )


def test_greedy_skips_a_package_that_does_not_fit_and_differs_from_the_optimum():
    data = _packages(
        [
            ("Compliance", 60, 90, True),  # ratio 1.5, mandatory
            ("Key accounts", 150, 450, False),  # 3.0
            ("Training", 80, 224, False),  # 2.8
            ("Web shop", 190, 475, False),  # 2.5
            ("Automation", 100, 210, False),  # 2.1
        ]
    )
    zbb = zero_based_budget(data, budget=400)
    # funded in order: Compliance 60, Key accounts 210, Training 290; Web shop (190) does
    # not fit the 110 left and is skipped; Automation (100) fits -> 390, benefit 974.
    # Optimum: Compliance + Key accounts + Web shop = 400, benefit 90 + 450 + 475 = 1015.
    assert zbb["package"].tolist() == [
        "Compliance",
        "Key accounts",
        "Training",
        "Web shop",
        "Automation",
    ]
    assert zbb["rank"].tolist() == [5, 1, 2, 3, 4]
    assert zbb["funded_greedy"].tolist() == [True, True, True, False, True]
    assert zbb["funded_optimal"].tolist() == [True, True, False, True, False]
    assert zbb["cumulative_cost"].tolist() == [60, 210, 290, 290, 390]
    summary = zbb_summary(zbb, budget=400).set_index("rule")
    assert summary.loc["greedy", "benefit"] == 974
    assert summary.loc["optimal", "benefit"] == 1015
    assert summary.loc["greedy", "benefit_left_on_table"] == 41
    assert summary.loc["greedy", "unused_budget"] == 10


def test_mandatory_package_consumes_most_of_the_budget():
    data = _packages(
        [("Regulatory", 350, 100, True), ("Small", 40, 100, False), ("Best", 60, 300, False)]
    )
    zbb = zero_based_budget(data, budget=400).set_index("package")
    # Regulatory first (350); Best (ratio 5) needs 60 > 50 left -> skipped; Small (40) fits
    assert zbb["funded_greedy"].to_dict() == {"Regulatory": True, "Best": False, "Small": True}
    assert zbb["funded_optimal"].to_dict() == {"Regulatory": True, "Best": False, "Small": True}
    assert zbb.loc["Small", "cumulative_cost"] == 390


def test_mandatory_over_budget_is_an_error():
    data = _packages([("Regulatory", 350, 100, True), ("Other", 100, 100, True)])
    with pytest.raises(InputError, match=r"mandatory packages \(Other, Regulatory\) cost 450"):
        zero_based_budget(data, budget=400)


def test_packages_sum_initiatives_and_inherit_mandatory():
    data = _packages([("A", 10, 30, False), ("A", 20, 30, True), ("B", 5, 5, False)])
    data["indirect_cost"] = [1.0, 2.0, 0.0]
    packages = decision_packages(data).set_index("package")
    # A: cost 10 + 1 + 20 + 2 = 33, benefit 60, ratio 60 / 33; mandatory because one is
    assert packages.loc["A", "cost"] == 33
    assert packages.loc["A", "benefit"] == 60
    assert packages.loc["A", "mandatory"]
    assert packages.loc["A", "ratio"] == pytest.approx(60 / 33)
    assert packages.loc["A", "rank"] == 1  # 1.82 > 1.0


def test_ties_on_ratio_are_broken_by_strategic_impact():
    data = _packages([("Low", 10, 20, False), ("High", 10, 20, False)])
    data["strategic_impact"] = [2.0, 5.0]
    assert decision_packages(data)["package"].tolist() == ["High", "Low"]


def test_package_without_benefit_is_not_funded():
    data = _packages([("Useless", 10, 0, False), ("Good", 10, 20, False)])
    zbb = zero_based_budget(data, budget=100).set_index("package")
    assert not zbb.loc["Useless", "funded_greedy"]


package_rows = st.lists(
    st.tuples(
        st.integers(1, 200).map(float),  # cost
        st.integers(-20, 500).map(float),  # benefit
        st.booleans(),  # mandatory
    ),
    min_size=1,
    max_size=9,
)


@settings(max_examples=50, deadline=None)
@given(rows=package_rows, budget=st.integers(0, 800).map(float))
def test_zbb_properties(rows, budget):
    mandatory_cost = sum(c for c, _, m in rows if m)
    assume(mandatory_cost <= budget)
    data = _packages([(f"P{i}", c, b, m) for i, (c, b, m) in enumerate(rows)])
    zbb = zero_based_budget(data, budget=budget)
    greedy_cost = zbb.loc[zbb["funded_greedy"], "cost"].sum()
    optimal_cost = zbb.loc[zbb["funded_optimal"], "cost"].sum()
    assert greedy_cost <= budget + 1e-6
    assert optimal_cost <= budget + 1e-6
    assert zbb.loc[zbb["mandatory"], "funded_greedy"].all()
    assert zbb.loc[zbb["mandatory"], "funded_optimal"].all()
    greedy = zbb.loc[zbb["funded_greedy"], "benefit"].sum()
    optimal = zbb.loc[zbb["funded_optimal"], "benefit"].sum()
    assert optimal >= greedy - 1e-6


@settings(max_examples=50, deadline=None)
@given(
    scores=st.lists(st.floats(0, 10, allow_nan=False), min_size=1, max_size=8),
    floor=st.floats(0, 0.3),
    cap=st.floats(0.2, 1.0),
    total=st.floats(1, 1e7),
)
def test_water_fill_properties(scores, floor, cap, total):
    n = len(scores)
    assume(floor <= cap and n * floor <= 1 <= n * cap)
    amounts = water_fill(scores, total=total, floor=floor, cap=cap)
    assert amounts.sum() == pytest.approx(total, rel=1e-9)
    shares = amounts / total
    assert (shares >= floor - 1e-9).all()
    assert (shares <= cap + 1e-9).all()
    # proportional among the lines strictly between the bounds
    # (scores a trillion times below the best count as zero in the split)
    top = max(scores)
    free = [
        (s, x)
        for s, x in zip(scores, shares, strict=True)
        if floor + 1e-7 < x < cap - 1e-7 and s > 1e-9 * top
    ]
    if len(free) >= 2:
        ratios = [x / s for s, x in free]
        assert max(ratios) == pytest.approx(min(ratios), rel=1e-6)


# ---- RACI ---------------------------------------------------------------------------------
def _raci(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["activity", "role", "assignment"])


def _result(checks: pd.DataFrame, rule: str, subject: str) -> bool:
    column = "role" if rule == "accountable_load" else "activity"
    return bool(
        checks.loc[(checks["rule"] == rule) & (checks[column] == subject), "passed"].iloc[0]
    )


def test_raci_valid_activity_passes_every_rule():
    checks = raci_check(
        _raci([("Plan", "Director", "A"), ("Plan", "Rep", "R"), ("Plan", "Ops", "c")]),
        max_accountable_share=1.0,
    )
    assert checks["passed"].all()
    assert (
        checks["rule"].tolist()
        == ["one_accountable", "has_responsible", "separate_r_and_a"] + ["accountable_load"] * 3
    )


@pytest.mark.parametrize(
    ("rows", "rule", "message"),
    [
        (
            [("Pricing", "CEO", "A"), ("Pricing", "Director", "A"), ("Pricing", "Ops", "R")],
            "one_accountable",
            "2 Accountables (CEO, Director)",
        ),
        (
            [("Pricing", "Ops", "R"), ("Pricing", "Director", "C")],
            "one_accountable",
            "no Accountable",
        ),
        ([("Pricing", "CEO", "A"), ("Pricing", "Ops", "C")], "has_responsible", "no Responsible"),
        (
            [("Pricing", "CEO", "A/R"), ("Pricing", "Ops", "I")],
            "separate_r_and_a",
            "CEO is both Accountable and Responsible",
        ),
        ([("Pricing", "CEO", "r / a"), ("Pricing", "Ops", "I")], "separate_r_and_a", "CEO is both"),
    ],
)
def test_raci_activity_rules(rows, rule, message):
    checks = raci_check(_raci(rows), max_accountable_share=1.0)
    row = checks[(checks["rule"] == rule) & (checks["activity"] == "Pricing")].iloc[0]
    assert not row["passed"]
    assert message in row["message"]


def test_raci_accountable_overload_at_the_limit():
    # 4 activities, share 0.5 -> at most 2: the CEO with 2 passes, with 3 is overloaded
    rows = [(f"Act{i}", "CEO" if i < 2 else "Director", "A") for i in range(4)]
    rows += [(f"Act{i}", "Rep", "R") for i in range(4)]
    checks = raci_check(_raci(rows), max_accountable_share=0.5)
    assert _result(checks, "accountable_load", "CEO")
    rows[2] = ("Act2", "CEO", "A")
    checks = raci_check(_raci(rows), max_accountable_share=0.5)
    assert not _result(checks, "accountable_load", "CEO")
    assert "3 of 4" in checks.loc[checks["role"] == "CEO", "message"].iloc[-1]


def test_raci_unknown_letter_is_an_error():
    with pytest.raises(InputError, match=r'activity "Plan", role "Rep": assignment \'X\''):
        raci_check(_raci([("Plan", "Rep", "X")]))


# ---- plots --------------------------------------------------------------------------------
def test_plot_allocation_bars_and_title(segments):
    table = allocation_table(segments, weights=WEIGHTS, budget=1100, floor=0.0, cap=0.5)
    ax = plot_allocation(table, dimension="segment")
    assert len(ax.patches) == 6
    assert ax.get_title() == "Key account gains most: €250 more segment budget"


def test_plot_eisenhower_labels_every_initiative():
    data = _initiatives(
        [("A", "P", 5, 5, 10, 0, 40), ("B", "P", 5, 5, 30, 10, 80), ("C", "P", 1, 1, 5, 0, 3)]
    )
    matrix = eisenhower(data)
    ax = plot_eisenhower(matrix)
    labels = [t.get_text() for t in ax.texts]
    assert {"A", "B", "C"} <= set(labels)
    assert {"DO NOW", "PLAN", "DELEGATE OR SIMPLIFY", "DROP"} <= set(labels)
    # A and B share the point (5, 5): spread apart vertically, deterministically
    offsets = ax.collections[0].get_offsets()
    assert sorted(np.asarray(offsets)[:, 1].tolist())[:2] != [5.0, 5.0]


def test_plot_zbb_draws_a_bar_per_package():
    data = _packages(
        [("M", 60, 90, True), ("A", 150, 450, False), ("B", 190, 475, False), ("C", 80, 224, False)]
    )
    zbb = zero_based_budget(data, budget=400)
    ax = plot_zbb(zbb, budget=400)
    assert len(ax.patches) == 4
    assert "€1,015" in ax.get_title()


def test_plot_raci_colours_every_assignment(title_clears_tick_labels):
    raci = _raci(
        [("Plan", "CEO", "A"), ("Plan", "Rep", "R"), ("Sell", "Rep", "A/R"), ("Sell", "CEO", "")]
    )
    ax = plot_raci(raci)
    assert len(ax.patches) == 3  # the empty cell is not drawn
    assert "A/R" in [t.get_text() for t in ax.texts]
    assert ax.get_title() == "1 of 2 activities break a RACI rule"
    title_clears_tick_labels(ax)  # role names sit above the grid


# ---- the sample client shows every case -------------------------------------------------
@pytest.fixture
def sample() -> dict[str, pd.DataFrame]:
    return sample_inputs(np.random.default_rng(7), client_name="Maison Durand", frames={})


def test_sample_shows_every_allocation_case(sample):
    matrix = eisenhower(sample["initiatives"])
    assert set(matrix["quadrant"]) == {"do now", "plan", "delegate or simplify", "drop"}
    assert matrix["quick_win"].sum() >= 2
    zbb = zero_based_budget(sample["initiatives"], budget=400_000)
    assert zbb["mandatory"].any()
    skipped = zbb.index[~zbb["funded_greedy"]]
    assert any(zbb.loc[later, "funded_greedy"] for later in zbb.index if later > skipped.min())
    summary = zbb_summary(zbb, budget=400_000).set_index("rule")
    assert summary.loc["greedy", "benefit_left_on_table"] > 0
    checks = raci_check(sample["raci"], max_accountable_share=0.4)
    assert set(checks.loc[~checks["passed"], "rule"]) == {
        "one_accountable",
        "has_responsible",
        "separate_r_and_a",
        "accountable_load",
    }
    table = allocation_table(
        with_ltv(sample["attractiveness"]),
        weights={"market_size": 1, "ltv": 1},
        budget=500_000,
        floor=0.05,
        cap=0.5,
    )
    assert table.groupby("dimension")["current_budget"].sum().tolist() == [500_000, 500_000]


@pytest.mark.parametrize(
    "values",
    [[1.0, 3.0, float("nan")], [float("nan")] * 3, [2.0, -1.0, 5.0], [0.0, 0.0, 7.5]],
)
def test_nan_min_max_as_pandas(values):
    from helpers.allocation import _nan_min_max

    series = pd.Series(values)
    low, high = _nan_min_max(series.to_numpy())
    assert (low, high) == (series.min(), series.max()) or (
        np.isnan(low) and np.isnan(high) and series.isna().all()
    )


def _scores_with_pandas(attractiveness: pd.DataFrame, weights: dict) -> pd.DataFrame:
    """The scores computed with pandas indexing, row set by row set (the reference)."""
    from helpers.allocation import CRITERIA, NEUTRAL_SCORE, attractiveness_weights

    used = attractiveness_weights(attractiveness, weights=weights)
    out = attractiveness[["dimension", "name"]].copy()
    out["dimension"] = out["dimension"].astype(str)
    out["name"] = out["name"].astype(str)
    score = pd.Series(0.0, index=out.index)
    for criterion in weights:
        out[f"{criterion}_score"] = np.nan
    for dimension in dict.fromkeys(out["dimension"]):
        rows = out["dimension"] == dimension
        w = used[used["dimension"] == dimension].set_index("criterion")
        if w["weight_used"].sum() <= 0:
            score[rows] = NEUTRAL_SCORE
            continue
        for criterion, wu in w["weight_used"].items():
            if w.loc[criterion, "status"] != "used":
                continue
            values = attractiveness.loc[rows, criterion].astype(float)
            norm = (values - values.min()) / (values.max() - values.min())
            norm = 1 - norm if CRITERIA[criterion] < 0 else norm
            out.loc[rows, f"{criterion}_score"] = norm
            score[rows] += wu * norm
    out["score"] = score
    return out


_VALUE = st.one_of(st.sampled_from([0.0, 1.0, 2.5]), st.floats(0.01, 1e6))
_CRITERIA = ["market_size", "cac", "growth"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["segment", "channel"]), _VALUE, _VALUE, _VALUE),
        min_size=1,
        max_size=9,
    ),
    st.sets(st.tuples(st.sampled_from(["segment", "channel"]), st.sampled_from(_CRITERIA))),
)
def test_scores_same_as_with_pandas_indexing(rows, cleared):
    # every kind of criterion per dimension: used, constant, absent (cleared), on a
    # frame whose index is not 0..n-1
    frame = pd.DataFrame(
        [(d, f"n{i}", m, c, g) for i, (d, m, c, g) in enumerate(rows)],
        columns=["dimension", "name", *_CRITERIA],
        index=pd.Index([10 * i + 3 for i in range(len(rows))]),
    )
    for dimension, criterion in cleared:
        frame.loc[frame["dimension"] == dimension, criterion] = np.nan
    weights = {"market_size": 0.5, "cac": 0.3, "growth": 0.2}
    got = attractiveness_scores(frame, weights=weights)
    expected = _scores_with_pandas(frame, weights)
    pd.testing.assert_frame_equal(got.drop(columns="rank"), expected, check_exact=True)
