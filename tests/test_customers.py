"""Tests for helpers.customers: RFM scores and segments, personas, journey funnel."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal, assert_series_equal

from helpers import customers as cu
from helpers.errors import ConfigError, InputError


def _tx(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": pd.array([r[0] for r in rows], dtype="str"),
            "order_date": pd.to_datetime([r[1] for r in rows]),
            "amount": [float(r[2]) for r in rows],
        }
    )


#: Five customers observed to 2024-01-31 (scores worked out in test_rfm_scores_hand_checked).
RFM_TX = _tx(
    [
        ("C1", "2024-01-01", 100),
        ("C1", "2024-01-10", 50),
        ("C2", "2024-01-05", 500),
        ("C3", "2024-01-20", 30),
        ("C3", "2024-01-25", 30),
        ("C3", "2024-01-30", 30),
        ("C4", "2024-01-30", 20),
        ("C5", "2024-01-02", 40),
        ("C5", "2024-01-02", 60),
    ]
)


# ---- RFM scores ------------------------------------------------------------------------
def test_quantile_scores_ties_broken_by_customer_id_whatever_the_row_order():
    ids = [f"C{i:02d}" for i in range(1, 11)]
    freq = pd.Series([1, 1, 1, 1, 1, 1, 2, 2, 3, 5], index=ids)
    # sorted by (value, id): positions 0..9 -> 1 + position * 5 // 10
    expected = pd.Series([1, 1, 2, 2, 3, 3, 4, 4, 5, 5], index=ids)
    assert_series_equal(cu.quantile_scores(freq), expected)
    shuffled = freq.sample(frac=1.0, random_state=7)
    assert_series_equal(cu.quantile_scores(shuffled).sort_index(), expected)


def test_rfm_scores_hand_checked():
    got = cu.rfm_scores(RFM_TX, observation_end="2024-01-31").set_index("customer_id")
    # recency days to 01-31: C1 21, C2 26, C3 1, C4 1, C5 29 (C5's two lines: one day)
    # frequency (purchase days): 2, 1, 3, 1, 1; monetary: 150, 500, 90, 20, 100
    assert got["recency_days"].tolist() == [21, 26, 1, 1, 29]
    assert got["frequency"].tolist() == [2, 1, 3, 1, 1]
    assert got["monetary"].tolist() == [150.0, 500.0, 90.0, 20.0, 100.0]
    # R (most recent best): order C5, C2, C1, then the tie C3 < C4 by id -> 1..5
    # F: C2, C4, C5 (tied 1, by id), C1, C3 -> C2 1, C4 2, C5 3, C1 4, C3 5
    # M: C4 20, C3 90, C5 100, C1 150, C2 500 -> 1..5
    assert got["r_score"].tolist() == [3, 2, 4, 5, 1]
    assert got["f_score"].tolist() == [4, 1, 5, 2, 3]
    assert got["m_score"].tolist() == [4, 5, 2, 1, 3]
    assert got["rfm_score"].tolist() == ["344", "215", "452", "521", "133"]


def test_rfm_segments_hand_checked():
    got = cu.rfm(RFM_TX, observation_end="2024-01-31").set_index("customer_id")["segment"]
    # C1 344: loyal (R3-5, F4-5); C2 215: hibernating (R2, nothing earlier fits);
    # C3 452: loyal (M2 is too low for champions); C4 521: potential loyalists (R4-5,
    # F2-3); C5 133: sleeping customers (R1, F3-5, M3-5)
    assert got.to_dict() == {
        "C1": "loyal",
        "C2": "hibernating",
        "C3": "loyal",
        "C4": "potential_loyalists",
        "C5": "sleeping_customers",
    }


def test_rfm_segments_summary():
    table = cu.rfm(RFM_TX, observation_end="2024-01-31")
    summary = cu.rfm_segments(table)
    # rule priority order: loyal, sleeping customers, potential loyalists, hibernating
    assert summary["segment"].tolist() == [
        "loyal",
        "sleeping_customers",
        "potential_loyalists",
        "hibernating",
    ]
    loyal = summary.iloc[0]
    assert loyal["customers"] == 2
    assert loyal["revenue_share"] == pytest.approx(240 / 860)  # (150 + 90) / 860
    assert loyal["frequency_mean"] == 2.5
    assert loyal["action"].startswith("Upsell")
    fr = cu.rfm_segments(table, language="fr")
    assert fr["label"].tolist()[:2] == ["Fidèles", "Clients endormis"]
    assert fr["action"].iloc[0].startswith("Proposer")


def test_default_rules_cover_every_score_combination_once_each():
    combos = pd.DataFrame(
        list(itertools.product(range(1, 6), repeat=3)), columns=["r_score", "f_score", "m_score"]
    )
    segments = cu.assign_segments(combos)
    assert cu.CATCH_ALL_SEGMENT not in set(segments)
    assert set(segments) == set(cu.DEFAULT_SEGMENT_RULES["segment"])  # every rule is used
    champions = combos[segments == "champions"]
    assert champions.min().tolist() == [4, 4, 4]


def test_scores_on_three_bins_are_projected_on_the_rule_scale():
    # ceil(score * 5 / 3): 1 -> 2, 2 -> 4, 3 -> 5
    scores = pd.DataFrame({"r_score": [3, 1], "f_score": [3, 2], "m_score": [2, 1]})
    assert cu.assign_segments(scores, bins=3).tolist() == ["champions", "hibernating"]


def test_segment_rules_override_from_csv(tmp_path):
    rules = pd.DataFrame(
        [
            ("vip", 5, 5, 4, 5, 4, 5, "Call them"),
            ("recent", 4, 5, 1, 5, 1, 5, "Welcome"),
        ],
        columns=cu.RULE_COLUMNS,
    )
    path = tmp_path / "rules.csv"
    rules.to_csv(path, index=False)
    loaded = cu.load_segment_rules("rules.csv", root=tmp_path)
    table = cu.rfm(RFM_TX, observation_end="2024-01-31", rules=loaded).set_index("customer_id")
    # C4 (R5 F2 M1) is recent; nobody is vip; the others fall to the catch-all
    assert table["segment"].to_dict() == {
        "C1": "others",
        "C2": "others",
        "C3": "recent",
        "C4": "recent",
        "C5": "others",
    }
    summary = cu.rfm_segments(table.reset_index(), rules=loaded)
    assert summary["segment"].tolist() == ["recent", "others"]
    assert summary["action"].tolist() == ["Welcome", cu.CATCH_ALL_ACTION]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"r_min": 0}, "between 1 and 5"),
        ({"f_min": 5, "f_max": 4}, "min <= max"),
        ({"m_max": 2.5}, "whole-number"),
    ],
)
def test_bad_segment_rules_are_refused(change, match):
    rules = cu.DEFAULT_SEGMENT_RULES.copy()
    for col, value in change.items():
        rules[col] = rules[col].astype(float)
        rules.loc[0, col] = value
    with pytest.raises(ConfigError, match=match):
        cu.validate_segment_rules(rules)


def test_missing_rules_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="segment_rules"):
        cu.load_segment_rules("nope.csv", root=tmp_path)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 365), st.floats(-50, 5000)),
        min_size=1,
        max_size=80,
    ),
    st.integers(2, 10),
)
def test_every_customer_in_exactly_one_segment_and_scores_in_range(rows, bins):
    tx = _tx([(f"K{c}", pd.Timestamp("2024-01-01") + pd.Timedelta(days=d), a) for c, d, a in rows])
    table = cu.rfm(tx, bins=bins)
    assert table["customer_id"].is_unique
    assert set(table["customer_id"]) == set(tx["customer_id"])
    assert table["segment"].notna().all()
    assert set(table["segment"]) <= set(cu.DEFAULT_SEGMENT_RULES["segment"])
    for col in ("r_score", "f_score", "m_score"):
        assert table[col].between(1, bins).all()
    summary = cu.rfm_segments(table)
    assert summary["customers"].sum() == len(table)


def test_plot_rfm_segments_draws_two_bars_per_segment():
    summary = cu.rfm_segments(cu.rfm(RFM_TX, observation_end="2024-01-31"))
    ax = cu.plot_rfm_segments(summary)
    assert len(ax.patches) == 2 * len(summary)
    # hibernating (C2, one 500 order long ago) holds the largest revenue share:
    # 500 / 860 = 58 %, with 1 customer of 5
    assert ax.get_title() == "Hibernating: 20% of customers, 58% of revenue"
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "Loyal"


# ---- personas --------------------------------------------------------------------------
def _two_groups() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    ids = [f"P{i:02d}" for i in range(20)]
    return pd.DataFrame(
        {
            "orders": 5.0,
            "basket": np.r_[1000 + rng.normal(0, 20, 10), 50 + rng.normal(0, 2, 10)],
            "tenure_days": 365.0,
            "recency_days": 30.0,
        },
        index=pd.Index(ids, name="customer_id"),
    )


def test_personas_find_two_obvious_groups_and_name_them():
    features = _two_groups()
    scores = cu.persona_k_scores(features, k_range=(2, 4), seed=1)
    assert cu.best_k(scores) == 2
    got = cu.assign_personas(features, k=2, seed=1)
    by_customer = got.set_index("customer_id")
    big = by_customer.loc[[f"P{i:02d}" for i in range(10)], "persona"]
    small = by_customer.loc[[f"P{i:02d}" for i in range(10, 20)], "persona"]
    assert set(big) == {"Big-basket customers"}
    assert set(small) == {"Small-basket customers"}
    fr = cu.assign_personas(features, k=2, seed=1, language="fr")
    assert set(fr["persona"]) == {"Clients à gros panier", "Clients à petit panier"}


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_persona_k_scores_equal_silhouette_score_on_the_points(seed: int):
    # the distances are computed once for all k and passed as precomputed: the scores
    # must be exactly those of silhouette_score on the points, k by k
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    rng = np.random.default_rng(seed)
    features = pd.DataFrame(
        {
            "orders": rng.integers(1, 30, 300).astype(float),
            "basket": rng.lognormal(4, 1, 300),
            "tenure_days": rng.uniform(30, 900, 300),
            "recency_days": rng.uniform(0, 400, 300),
            "discount_rate": rng.uniform(0, 0.3, 300),
        }
    )
    got = cu.persona_k_scores(features, k_range=(2, 6), seed=seed, sample_size=250)
    x = cu._standardise(features)[cu._sample_rows(300, 250, seed)]
    expected = [
        float(
            silhouette_score(
                x, KMeans(k, random_state=seed, n_init=cu.KMEANS_N_INIT).fit_predict(x)
            )
        )
        for k in range(2, 7)
    ]
    assert got["k"].tolist() == [2, 3, 4, 5, 6]
    assert got["silhouette"].tolist() == expected


def test_personas_same_input_same_clusters_and_renaming():
    features = _two_groups()
    a = cu.assign_personas(features, k=2, seed=3)
    b = cu.assign_personas(features, k=2, seed=3)
    assert_frame_equal(a, b)
    # equal sizes: numbered by centroid, the small baskets (lower basket) first
    renamed = cu.assign_personas(
        features, k=2, seed=3, names={"Big-basket customers": "Key accounts", "1": "Small"}
    )
    assert renamed.groupby("persona")["cluster"].first().to_dict() == {
        "Small": 1,
        "Key accounts": 2,
    }


def test_persona_features_hand_checked():
    tx = _tx(
        [
            ("A", "2024-01-01", 100),
            ("A", "2024-01-11", 300),
            ("B", "2024-01-21", 50),
        ]
    )
    tx["channel"] = ["web", "store", "web"]
    tx["discount"] = [0.0, 100.0, 0.0]
    got = cu.persona_features(tx, observation_end="2024-01-31")
    # A: 2 orders, basket 200, tenure 30, recency 20, web 100/400, store 300/400,
    #    discount 100 / (400 + 100) = 0.2; B: 1 order, basket 50, tenure 10, web only
    expected = pd.DataFrame(
        {
            "orders": [2.0, 1.0],
            "basket": [200.0, 50.0],
            "tenure_days": [30.0, 10.0],
            "recency_days": [20.0, 10.0],
            "discount_rate": [0.2, 0.0],
            "share_channel_store": [0.75, 0.0],
            "share_channel_web": [0.25, 1.0],
        },
        index=pd.Index(["A", "B"], name="customer_id"),
    )
    assert_frame_equal(got, expected, check_index_type=False)


def test_persona_profiles_traits_and_cards():
    features = _two_groups()
    assign = cu.assign_personas(features, k=2, seed=1)
    profiles = cu.persona_profiles(features, assign)
    assert profiles["customers"].tolist() == [10, 10]
    assert profiles["customer_share"].sum() == pytest.approx(1.0)
    traits = cu.persona_traits(features, assign)
    top = traits.groupby("cluster").head(1)
    assert (top["feature"] == "basket").all()  # the only feature that differs
    assert profiles["traits"].str.startswith("Average basket").all()
    fig = cu.plot_persona_cards(traits, assign)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 2
    assert any("Big-basket customers" in ax.get_title() for ax in visible)
    assert all(len(ax.patches) == 4 for ax in visible)  # the 4 features, most distinctive first
    plt.close(fig)
    # four personas on a 3-column grid: two spare panels hidden
    four = assign.assign(cluster=[1, 2, 3, 4] * 5)
    four["persona"] = four["cluster"].map({1: "A", 2: "B", 3: "C", 4: "D"})
    fig = cu.plot_persona_cards(cu.persona_traits(features, four), four)
    assert [ax.get_visible() for ax in fig.axes] == [True] * 4 + [False] * 2
    plt.close(fig)


def test_persona_rfm_crosstab_counts():
    assign = pd.DataFrame(
        {"customer_id": ["A", "B", "C"], "cluster": [1, 1, 2], "persona": ["X", "X", "Y"]}
    )
    rfm_table = pd.DataFrame(
        {"customer_id": ["A", "B", "C"], "segment": ["champions", "lost", "lost"]}
    )
    got = cu.persona_rfm_crosstab(assign, rfm_table)
    assert got.loc["X"].tolist() == [1, 1]
    assert list(got.columns) == ["Champions", "Lost"]


def test_too_few_customers_for_personas():
    with pytest.raises(InputError, match="persona_k"):
        cu.persona_k_scores(_two_groups().head(3), k_range=(3, 6))


# ---- funnel ----------------------------------------------------------------------------
JOURNEY = pd.DataFrame(
    {
        "contact_id": ["P1", "P1", "P1", "P1", "P2", "P2", "P3", "P4"],
        "stage": [
            "awareness",
            "consideration",
            "decision",
            "purchase",
            "awareness",
            "Consideration",
            "awareness",
            "purchase",
        ],
        "event_date": pd.to_datetime(
            [
                "2024-01-01",
                "2024-01-05",
                "2024-01-10",
                "2024-01-12",
                "2024-01-02",
                "2024-01-12",
                "2024-01-03",
                "2024-01-20",
            ]
        ),
        "channel": ["search", "email", "web", "web", "social", "email", "search", "web"],
    }
)


def test_funnel_hand_checked():
    got = cu.funnel(JOURNEY)
    overall = got[got["channel"] == "all"].set_index("stage")
    # reached = an event at the stage or later: P4's purchase counts for every stage
    assert overall["contacts"].tolist() == [4, 3, 2, 2]
    np.testing.assert_allclose(overall["conversion"].iloc[1:], [3 / 4, 2 / 3, 1.0])
    np.testing.assert_allclose(overall["overall_conversion"], [1.0, 0.75, 0.5, 0.5])
    # awareness -> consideration: P1 4 days, P2 10 days: median 7, p90 4 + 0.9 * 6 = 9.4
    assert overall.loc["consideration", ["median_days", "p90_days"]].tolist() == [7.0, 9.4]
    assert overall.loc["decision", "median_days"] == 5.0
    assert overall.loc["purchase", "median_days"] == 2.0
    # entry channel = channel of the first event: P1, P3 search; P2 social; P4 web
    search = got[got["channel"] == "search"]
    assert search["contacts"].tolist() == [2, 1, 1, 1]
    assert set(got["channel"]) == {"all", "search", "social", "web"}
    assert list(got.columns) == cu.FUNNEL_COLUMNS


def test_funnel_follows_configured_stages():
    got = cu.funnel(JOURNEY, stages=["awareness", "purchase"])
    overall = got[got["channel"] == "all"]
    assert overall["stage"].tolist() == ["awareness", "purchase"]
    assert overall["contacts"].tolist() == [4, 2]
    with pytest.raises(ConfigError, match="journey_stages"):
        cu.funnel(JOURNEY, stages=["visit", "order"])


def test_friction_points_ranked_by_drop_off_and_delay():
    got = cu.friction_points(cu.funnel(JOURNEY))
    # drop-off: aw->cons 0.25, cons->dec 0.33, dec->pur 0 -> ranks 2, 1, 3
    # median delay: 7, 5, 2 days -> ranks 1, 2, 3; mean ranks 1.5, 1.5, 3: the tie goes
    # to the larger drop-off
    assert got["to_stage"].tolist() == ["decision", "consideration", "purchase"]
    assert got["drop_off_rank"].tolist() == [1, 2, 3]
    assert got["delay_rank"].tolist() == [2, 1, 3]
    assert got["friction_rank"].tolist() == [1, 2, 3]


def test_plot_funnel_draws_one_bar_per_stage():
    ax = cu.plot_funnel(cu.funnel(JOURNEY))
    assert len(ax.patches) == 4
    assert ax.get_title() == (
        "50% of contacts reach purchase; the largest leak is consideration → decision"
    )
    assert ax.texts[1].get_text().strip() == "75%"
    ax_fr = cu.plot_funnel(cu.funnel(JOURNEY), language="fr")
    assert "achat" in ax_fr.get_title()


def test_funnel_needs_its_columns():
    with pytest.raises(InputError, match="event_date"):
        cu.funnel(JOURNEY.drop(columns="event_date"))


def test_funnel_by_channel_and_finding():
    wide = cu.funnel_by_channel(cu.funnel(JOURNEY))
    # channels by number of entrants: search (2), then social and web (1 each, by name)
    assert list(wide.columns) == ["all", "search", "social", "web"]
    assert wide.loc["consideration"].tolist() == [0.75, 0.5, 1.0, 1.0]
    summary = cu.rfm_segments(cu.rfm(RFM_TX, observation_end="2024-01-31"))
    assert cu.rfm_finding(summary) == ("Hibernating are 20% of customers and bring 58% of revenue.")
