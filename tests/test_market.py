"""Tests of helpers.market: PESTEL, strategic groups, BCG, Porter, benchmarking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from helpers import market as mk
from helpers.errors import InputError


# ---- PESTEL --------------------------------------------------------------------------------
@pytest.fixture
def pestel() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "factor": ["Inflation", "Online buying", "Subsidies", "F-gas ban", "Hygiene rules"],
            "dimension": ["economic", "technological", "political", "legal", "legal"],
            "impact": [-4, 3, 5, -2, 1],
            "likelihood": [0.5, 0.9, 0.2, 1.0, 0.5],
            "horizon": ["short-term", "structural", "short-term", "short-term", "structural"],
        }
    )


def test_pestel_ranking_hand_checked(pestel):
    got = mk.pestel_scores(pestel)
    # scores: Inflation -4 x .5 = -2.0; Online 3 x .9 = 2.7; Subsidies 5 x .2 = 1.0;
    # F-gas -2 x 1 = -2.0 (ties with Inflation, input order kept); Hygiene 1 x .5 = .5
    expected = pd.DataFrame(
        {
            "horizon": ["short-term"] * 3 + ["structural"] * 2,
            "rank": [1, 2, 3, 1, 2],
            "factor": ["Inflation", "F-gas ban", "Subsidies", "Online buying", "Hygiene rules"],
            "dimension": ["economic", "legal", "political", "technological", "legal"],
            "impact": [-4.0, -2.0, 5.0, 3.0, 1.0],
            "likelihood": [0.5, 1.0, 0.2, 0.9, 0.5],
            "score": [-2.0, -2.0, 1.0, 2.7, 0.5],
            "overall_rank": [2, 3, 4, 1, 5],
        }
    )
    assert_frame_equal(got, expected, check_dtype=False)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("impact", 7, r"impact must be a number from -5 to 5; found Inflation: 7"),
        ("likelihood", 1.5, r"likelihood must be a number from 0 to 1"),
        ("dimension", "cultural", r"dimension must be one of political, .*'cultural'"),
        ("horizon", "long", r"horizon must be one of short-term, structural; found 'long'"),
    ],
)
def test_pestel_validation(pestel, column, value, message):
    bad = pestel.copy()
    bad[column] = bad[column].astype(object)
    bad.loc[0, column] = value
    with pytest.raises(InputError, match=message):
        mk.pestel_scores(bad)


def test_plot_pestel_bars_and_headline(pestel):
    scores = mk.pestel_scores(pestel)
    ax = mk.plot_pestel(scores)
    assert len(ax.patches) == 5
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths == pytest.approx([-2.0, -2.0, 0.5, 1.0, 2.7])
    assert ax.get_title() == "Factor that matters most: Online buying (opportunity)"
    assert ax.get_yticklabels()[0].get_text() == "Inflation"


def test_plot_pestel_heatmap_net_scores(pestel):
    ax = mk.plot_pestel_heatmap(mk.pestel_scores(pestel), language="fr")
    texts = {t.get_text() for t in ax.texts}
    # legal short-term -2.0; legal structural 0.5; economic short-term -2.0
    assert {"−2,0", "0,5", "2,7", "1,0"} <= texts
    # net = -2 - 2 + 1 + 2.7 + .5 = 0.2
    assert ax.get_title() == "L'environnement est globalement porteur (score net 0,2)"


# ---- strategic groups ----------------------------------------------------------------------
@pytest.fixture
def competitors() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "competitor": [
                "Us",
                "Premium A",
                "Premium B",
                "Premium C",
                "Online X",
                "Online Y",
                "Online Z",
            ],
            "is_client": [True, False, False, False, False, False, False],
            "revenue": [10.0, 8.0, 6.0, 5.0, 12.0, 9.0, 4.0],
            "price_level": [8.0, 8.5, 9.0, 8.2, 2.0, 2.5, 3.0],
            "range_breadth": [3.0, 2.5, 2.0, 3.5, 8.0, 8.5, 7.5],
            "city": ["Lyon", "Paris", "Nice", "Lille", "Paris", "Lyon", "Nantes"],
        }
    )


def test_strategic_groups_kmeans_picks_two_clear_groups(competitors):
    got = mk.strategic_groups(competitors, dimensions=("price_level", "range_breadth"), seed=1)
    # groups numbered by centre on the first dimension: the cheap online players are group 1
    assert got["group"].tolist() == ["2", "2", "2", "2", "1", "1", "1"]
    assert (got["group_source"] == "kmeans").all()
    again = mk.strategic_groups(competitors, dimensions=("price_level", "range_breadth"), seed=1)
    assert_frame_equal(got, again)
    scores = mk.choose_group_count(
        (got[["x", "y"]] - got[["x", "y"]].mean()).to_numpy()
        / got[["x", "y"]].std(ddof=0).to_numpy()
    )
    assert scores["k"].tolist() == [2, 3, 4, 5]
    assert scores.loc[scores["silhouette"].idxmax(), "k"] == 2


@pytest.mark.parametrize("seed", [1, 5, 2026])
def test_strategic_groups_searched_k_same_as_that_k_given(competitors, seed):
    # the search's model for the chosen k is reused: the groups must be those of a fit
    # with that k given explicitly
    from sklearn.preprocessing import StandardScaler

    dims = ("price_level", "range_breadth")
    more = pd.concat([competitors, competitors.assign(price_level=competitors.price_level + 1)])
    for frame in (competitors, more.reset_index(drop=True)):
        searched = mk.strategic_groups(frame, dimensions=dims, seed=seed)
        xy = StandardScaler().fit_transform(searched[["x", "y"]].to_numpy())
        scores = mk.choose_group_count(xy, seed=seed)
        k = int(scores.loc[scores["silhouette"].idxmax(), "k"])
        assert_frame_equal(searched, mk.strategic_groups(frame, dimensions=dims, k=k, seed=seed))


def test_strategic_groups_given_k_and_given_groups(competitors):
    got = mk.strategic_groups(competitors, dimensions=("price_level", "range_breadth"), k=3)
    assert got["group"].nunique() == 3
    given_groups = competitors.assign(group=["Specialists"] * 4 + ["Online"] * 3)
    got = mk.strategic_groups(given_groups, dimensions=("price_level", "range_breadth"))
    assert got["group"].tolist() == ["Specialists"] * 4 + ["Online"] * 3
    assert (got["group_source"] == "input").all()


def test_strategic_groups_missing_dimension_names_available_columns(competitors):
    with pytest.raises(
        InputError,
        match=r"price_lvl not found or not numeric; numeric columns "
        r"available: revenue, price_level, range_breadth",
    ):
        mk.strategic_groups(competitors, dimensions=("price_lvl", "range_breadth"))


def test_plot_strategic_groups_envelopes_and_client(competitors):
    groups = mk.strategic_groups(competitors, dimensions=("price_level", "range_breadth"))
    ax = mk.plot_strategic_groups(groups, dimensions=("price_level", "range_breadth"))
    assert len(ax.patches) == 2  # one envelope per group
    assert ax.get_title() == "Us competes in a group of 4 players"
    labels = {t.get_text(): t for t in ax.texts}
    assert set(labels) == set(competitors["competitor"])
    assert labels["Us"].get_fontweight() == "bold"
    assert ax.get_xlabel() == "Price level"


# ---- BCG -----------------------------------------------------------------------------------
@pytest.fixture
def units() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit": ["Ovens", "Fridges", "Tableware", "IoT", "Hygiene"],
            "revenue": [400.0, 100.0, 300.0, 50.0, 150.0],
            "market_growth": [0.15, 0.02, 0.03, 0.20, 0.10],
            "market_share": [0.30, 0.20, 0.10, 0.05, 0.12],
            "largest_competitor_share": [0.15, 0.25, 0.05, 0.40, 0.12],
        }
    )


def test_bcg_five_units_by_hand(units):
    got = mk.bcg_matrix(units)
    # Ovens .30/.15 = 2.0, growth 15 % >= 10 %      -> star
    # Fridges .20/.25 = 0.8, growth 2 %              -> dog
    # Tableware .10/.05 = 2.0 (leads), growth 3 %    -> cash cow
    # IoT .05/.40 = 0.125, growth 20 %               -> question mark
    # Hygiene .12/.12 = 1.0 and growth 10 %: both on the line, counted high -> star
    assert got["relative_share"].tolist() == pytest.approx([2.0, 0.8, 2.0, 0.125, 1.0])
    assert got["quadrant"].tolist() == ["star", "dog", "cash_cow", "question_mark", "star"]
    # revenue shares: 400, 100, 300, 50, 150 of 1000
    assert got["revenue_share"].tolist() == pytest.approx([0.4, 0.1, 0.3, 0.05, 0.15])


def test_bcg_thresholds_move_units(units):
    got = mk.bcg_matrix(units, growth_threshold=0.16, share_threshold=2.5)
    assert got["quadrant"].tolist() == ["dog", "dog", "dog", "question_mark", "dog"]


def test_bcg_refuses_zero_competitor_share(units):
    bad = units.assign(largest_competitor_share=[0.15, 0.0, 0.05, 0.40, 0.12])
    with pytest.raises(InputError, match="largest_competitor_share is 0 for Fridges"):
        mk.bcg_matrix(bad)


def test_plot_bcg_log_reversed_axis_area_and_quadrant_labels(units):
    ax = mk.plot_bcg(mk.bcg_matrix(units), language="fr")
    assert ax.get_xscale() == "log"
    left, right = ax.get_xlim()
    assert left > right  # high share on the left
    sizes = ax.collections[0].get_sizes()
    assert sizes[0] / sizes[3] == pytest.approx(400 / 50)  # area proportional to revenue
    texts = {t.get_text().strip() for t in ax.texts}
    assert {"Vedettes", "Vaches à lait", "Dilemmes", "Poids morts"} <= texts
    # stars: Ovens 400 + Hygiene 150 = 55 % of revenue
    assert ax.get_title() == "55\u00a0% du chiffre d'affaires vient des vedettes"


# ---- Porter --------------------------------------------------------------------------------
@pytest.fixture
def porter() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "force": [
                "rivalry",
                "rivalry",
                "rivalry",
                "buyer_power",
                "buyer_power",
                "substitutes",
                "new_entrants",
                "supplier_power",
            ],
            "driver": [
                "Many distributors",
                "Online price transparency",
                "Slow growth",
                "Buying groups",
                "Low switching costs",
                "Leasing",
                "Marketplaces",
                "Few makers",
            ],
            "score": [4, 5, 3, 2, 4, 2, 3, 4],
            "weight": [1, 2, None, None, None, 1, 1, 1],
        }
    )


def test_porter_weighted_scores_by_hand(porter):
    got = mk.porter_forces(porter)
    assert got["force"].tolist() == [
        "rivalry",
        "new_entrants",
        "supplier_power",
        "buyer_power",
        "substitutes",
    ]
    # rivalry (4x1 + 5x2 + 3x1) / 4 = 4.25; buyer power (2 + 4) / 2 = 3.0 (empty weights = 1)
    assert got["score"].tolist() == pytest.approx([4.25, 3.0, 4.0, 3.0, 2.0])
    assert got["level"].tolist() == ["high", "medium", "high", "medium", "low"]
    assert got.loc[0, "top_driver"] == "Online price transparency"  # 5 x 2 = 10
    # (4.25 + 3 + 4 + 3 + 2) / 5 = 3.25
    assert mk.porter_intensity(got) == pytest.approx(3.25)
    key = mk.porter_key_drivers(porter, n=2)
    assert key["driver"].tolist() == ["Online price transparency", "Many distributors"]


def test_porter_validation(porter):
    bad = porter.assign(force=["rivalry", "rivals", *porter["force"].iloc[2:]])
    with pytest.raises(InputError, match=r"force must be one of .*'rivals'"):
        mk.porter_forces(bad)
    with pytest.raises(
        InputError, match=r"score must be a number from 1 to 5; found Buying groups: 0"
    ):
        mk.porter_forces(porter.assign(score=[4, 5, 3, 0, 4, 2, 3, 4]))


def test_plot_porter_radar(porter):
    forces = mk.porter_forces(porter)
    ax = mk.plot_porter(forces)
    assert ax.name == "polar"
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "Rivalry",
        "New entrants",
        "Supplier power",
        "Buyer power",
        "Substitutes",
    ]
    assert list(ax.lines[0].get_ydata()) == pytest.approx([4.25, 3.0, 4.0, 3.0, 2.0, 4.25])
    assert ax.get_title() == "Industry pressure moderate (3.2/5); strongest force: rivalry"


def test_plot_porter_refuses_cartesian_axes(porter):
    import matplotlib.pyplot as plt

    _fig, ax = plt.subplots()
    with pytest.raises(InputError, match="polar"):
        mk.plot_porter(mk.porter_forces(porter), ax=ax)


# ---- benchmarking --------------------------------------------------------------------------
@pytest.fixture
def benchmarks() -> pd.DataFrame:
    rows = [
        ("Quote-to-order", "conversion", True, {"Us": 10, "P1": 12, "P2": 8, "P3": 6}),
        ("Sales cycle", "conversion", False, {"Us": 5, "P1": 4, "P2": 6, "P3": 10}),
        ("NPS", "service", True, {"Us": 20, "P1": 15, "P2": 10}),
    ]
    out = []
    for kpi, area, higher, values in rows:
        for player, value in values.items():
            out.append(
                {
                    "kpi": kpi,
                    "area": area,
                    "player": player,
                    "value": float(value),
                    "higher_is_better": higher,
                    "is_client": player == "Us",
                    "unit": "",
                }
            )
    return pd.DataFrame(out)


def test_benchmark_gaps_by_hand(benchmarks):
    got = mk.benchmark_gaps(benchmarks).set_index("kpi")
    # Quote-to-order (higher better): best P1 12 -> 10 - 12 = -2, -2/12; median of 12, 8, 6 = 8
    # -> +2, 2/8
    row = got.loc["Quote-to-order"]
    assert (row["best"], row["best_player"], row["median"]) == (12, "P1", 8)
    assert (row["gap_best"], row["gap_median"]) == (-2, 2)
    assert row["gap_best_rel"] == pytest.approx(-2 / 12)
    assert row["gap_median_rel"] == pytest.approx(0.25)
    # Sales cycle (lower better): best P1 4 -> 4 - 5 = -1, -1/4; median 6 -> 6 - 5 = +1, 1/6
    row = got.loc["Sales cycle"]
    assert (row["best"], row["gap_best"], row["gap_median"]) == (4, -1, 1)
    assert row["gap_best_rel"] == pytest.approx(-0.25)
    assert row["gap_median_rel"] == pytest.approx(1 / 6)
    # NPS: the client leads; best other player 15 -> +5, 5/15
    assert got.loc["NPS", "gap_best_rel"] == pytest.approx(1 / 3)


def test_improvement_priorities_worst_area_first(benchmarks):
    got = mk.improvement_priorities(mk.benchmark_gaps(benchmarks))
    # conversion: mean(-1/6, -1/4) = -0.2083; service: +1/3
    assert got["area"].tolist() == ["conversion", "service"]
    assert got["priority"].tolist() == [1, 2]
    assert got.loc[0, "gap_best_rel"] == pytest.approx(-(1 / 6 + 1 / 4) / 2)
    assert got.loc[0, "worst_kpi"] == "Sales cycle"


def test_benchmark_needs_one_client_row(benchmarks):
    bad = benchmarks.assign(is_client=benchmarks["player"].isin(["Us", "P1"]))
    with pytest.raises(
        InputError, match=r"exactly one client row.*'Quote-to-order' \(2 client row"
    ):
        mk.benchmark_gaps(bad)


def test_plot_benchmark_gaps_colours_and_headline(benchmarks):
    ax = mk.plot_benchmark_gaps(mk.benchmark_gaps(benchmarks))
    assert len(ax.patches) == 3
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths == pytest.approx([-0.25, -1 / 6, 1 / 3])
    assert ax.get_title() == "Largest gap: Sales cycle, −25% vs the best"


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(min_value=0.1, max_value=100), min_size=2, max_size=8),
    st.booleans(),
)
def test_gap_sign_means_client_better(values, higher):
    players = [f"p{i}" for i in range(len(values))]
    frame = pd.DataFrame(
        {
            "kpi": "k",
            "area": "price",
            "player": players,
            "value": values,
            "higher_is_better": higher,
            "is_client": [True] + [False] * (len(values) - 1),
        }
    )
    row = mk.benchmark_gaps(frame).iloc[0]
    others = values[1:]
    client_beats_all = values[0] >= max(others) if higher else values[0] <= min(others)
    assert (row["gap_best"] >= 0) == client_beats_all
    assert row["gap_best"] <= row["gap_median"] + 1e-9


# ---- the sample data feeds every framework --------------------------------------------------
def test_sample_market_tables_show_every_case():
    from helpers.sample.inputs_diagnostic import sample_inputs

    data = sample_inputs(np.random.default_rng(3), client_name="Maison Durand", frames={})
    bcg = mk.bcg_matrix(data["business_units"])
    assert set(bcg["quadrant"]) == set(mk.BCG_QUADRANTS)
    scores = mk.pestel_scores(data["pestel"])
    assert set(scores["horizon"]) == {"short-term", "structural"}
    assert (scores["score"] > 0).any() and (scores["score"] < 0).any()
    groups = mk.strategic_groups(data["competitors"], dimensions=("price_level", "range_breadth"))
    assert groups["group"].nunique() >= 2
    gaps = mk.benchmark_gaps(data["benchmarks"])
    assert (gaps["gap_best"] > 0).any() and (gaps["gap_best"] < 0).any()
    assert len(mk.porter_forces(data["porter"])) == 5
