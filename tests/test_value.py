"""Tests of helpers.value: value proposition fit, strategy canvas, positioning statement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from helpers.errors import InputError
from helpers.sample.inputs_value import sample_inputs
from helpers.schema import TABLES
from helpers.value import (
    offer_coverage,
    plot_strategy_canvas,
    plot_vp_canvas,
    plot_vp_fit,
    positioning_statement,
    strategy_canvas,
    vp_fit,
    vp_gaps,
)


@pytest.fixture
def profile() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "persona": ["Chef", "Chef", "Chef", "Chef", "Buyer", "Buyer", "Buyer"],
            "item_id": ["J1", "P1", "P2", "G1", "P3", "G2", "J2"],
            "kind": ["job", "pain", "pain", "gain", "pain", "gain", "job"],
            "item": [
                "Run the service",
                "Broken oven",
                "Upfront cost",
                "Fast technician",
                "Prices differ by site",
                "One contract",
                "Equip openings",
            ],
            "importance": pd.array([4, 5, 3, 2, 4, 4, 5], dtype="Int64"),
        }
    )


@pytest.fixture
def offer() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "element_id": ["E1", "E2", "E3", "E4"],
            "kind": ["pain_reliever", "product", "gain_creator", "gain_creator"],
            "element": ["48-hour repair", "Catalogue", "Loyalty points", "National pricing"],
            "addresses": ["P1, G1", "J1", None, "P3"],
        }
    )


# ---- value proposition canvas ------------------------------------------------------------
def test_vp_fit_hand_checked(profile, offer):
    # Chef: pains 5 (addressed) and 3 (gap), gain 2 (addressed) -> (5 + 2) / (5 + 3 + 2) = 0.7
    #       job J1 is addressed but does not count in the score
    # Buyer: pain 4 (addressed), gain 4 (gap) -> 4 / 8 = 0.5; job J2 not addressed
    expected = pd.DataFrame(
        {
            "persona": ["Buyer", "Chef"],
            "fit_score": [0.5, 0.7],
            "pains_addressed": [1, 1],
            "pains_total": [1, 2],
            "gains_addressed": [0, 1],
            "gains_total": [1, 1],
            "jobs_addressed": [0, 1],
            "jobs_total": [1, 1],
            "weight_addressed": [4.0, 7.0],
            "weight_total": [8.0, 10.0],
        }
    )
    assert_frame_equal(vp_fit(profile, offer), expected)


def test_jobs_do_not_change_the_fit(profile, offer):
    # addressing the Buyer's job J2 leaves the fit score unchanged (jobs are not scored)
    more = pd.concat(
        [
            offer,
            pd.DataFrame(
                {
                    "element_id": ["E5"],
                    "kind": ["product"],
                    "element": ["Roll-out"],
                    "addresses": ["J2"],
                }
            ),
        ],
        ignore_index=True,
    )
    before = vp_fit(profile, offer).set_index("persona")
    after = vp_fit(profile, more).set_index("persona")
    assert after.loc["Buyer", "fit_score"] == before.loc["Buyer", "fit_score"] == 0.5
    assert after.loc["Buyer", "jobs_addressed"] == 1


def test_vp_gaps_most_important_first(profile, offer):
    gaps = vp_gaps(profile, offer)
    # J2 (5, a job, not scored), then G2 (4), then P2 (3)
    assert list(gaps["item_id"]) == ["J2", "G2", "P2"]
    assert list(gaps["scored"]) == [False, True, True]
    assert list(gaps["importance"]) == [5.0, 4.0, 3.0]


def test_offer_element_addressing_nothing_is_flagged(profile, offer):
    coverage = offer_coverage(profile, offer).set_index("element_id")
    assert coverage["addresses_nothing"].to_dict() == {
        "E1": False,
        "E2": False,
        "E3": True,
        "E4": False,
    }
    assert coverage.loc["E1", "items_addressed"] == 2
    assert coverage.loc["E4", "personas"] == "Buyer"


def test_unknown_item_id_names_element_and_id(profile, offer):
    bad = offer.assign(addresses=["P1, G9", "J1", None, "P3"])
    with pytest.raises(InputError, match=r'element E1 addresses "G9"'):
        vp_fit(profile, bad)


def test_persona_without_pains_or_gains_has_no_score(offer, profile):
    only_jobs = pd.concat(
        [
            profile,
            pd.DataFrame(
                {
                    "persona": ["Owner"],
                    "item_id": ["J9"],
                    "kind": ["job"],
                    "item": ["Grow"],
                    "importance": pd.array([3], dtype="Int64"),
                }
            ),
        ],
        ignore_index=True,
    )
    fit = vp_fit(only_jobs, offer).set_index("persona")
    assert np.isnan(fit.loc["Owner", "fit_score"])
    assert fit.index[-1] == "Owner"  # unscored personas come last


def test_inputs_are_not_mutated(profile, offer):
    p0, o0 = profile.copy(), offer.copy()
    vp_fit(profile, offer)
    vp_gaps(profile, offer)
    assert_frame_equal(profile, p0)
    assert_frame_equal(offer, o0)


# ---- strategy canvas --------------------------------------------------------------------
def _canvas(rows: list[tuple[str, float, float, float]]) -> pd.DataFrame:
    records = []
    for factor, c, x, y in rows:
        records += [
            {"factor": factor, "player": "Client", "score": c, "is_client": True},
            {"factor": factor, "player": "X", "score": x, "is_client": False},
            {"factor": factor, "player": "Y", "score": y, "is_client": False},
        ]
    return pd.DataFrame(records)


def test_strategy_canvas_positions():
    canvas = _canvas(
        [
            ("Price", 5.0, 5.3, 4.6),  # within 0.5 of both -> no differentiation
            ("Advice", 9.0, 6.0, 8.0),  # 9 > 8 + 0.5 -> leads
            ("Online", 2.0, 5.0, 6.0),  # median 5.5; 2 < 5.5 - 0.5 -> lags
            ("Range", 7.0, 6.8, 4.0),  # above the median, not 0.5 above the best -> in line
            ("Speed", 5.0, 5.5, 5.5),  # exactly 0.5 from both: the tolerance is inclusive
        ]
    )
    result = strategy_canvas(canvas)
    expected = pd.DataFrame(
        {
            "factor": ["Price", "Advice", "Online", "Range", "Speed"],
            "client_score": [5.0, 9.0, 2.0, 7.0, 5.0],
            "competitor_min": [4.6, 6.0, 5.0, 4.0, 5.5],
            "competitor_median": [4.95, 7.0, 5.5, 5.4, 5.5],
            "competitor_max": [5.3, 8.0, 6.0, 6.8, 5.5],
            "gap_to_best": [-0.3, 1.0, -4.0, 0.2, -0.5],
            "position": ["no differentiation", "leads", "lags", "in line", "no differentiation"],
        }
    )
    assert_frame_equal(result, expected)


def test_strategy_canvas_tolerance_zero_separates_close_scores():
    canvas = _canvas([("Price", 5.0, 4.8, 4.9)])
    assert strategy_canvas(canvas, tolerance=0.0)["position"].iloc[0] == "leads"


@pytest.mark.parametrize("flags", [[False, False, False], [True, True, False]])
def test_strategy_canvas_needs_exactly_one_client(flags):
    canvas = _canvas([("Price", 5.0, 4.0, 3.0)]).assign(is_client=flags)
    with pytest.raises(InputError, match="exactly one player"):
        strategy_canvas(canvas)
    assert strategy_canvas(canvas, client="Client")["position"].iloc[0] == "leads"


def test_strategy_canvas_missing_score_is_an_error():
    canvas = _canvas([("Price", 5.0, 4.0, 3.0), ("Range", 6.0, 5.0, 4.0)]).iloc[:-1]
    with pytest.raises(InputError, match="Range"):
        strategy_canvas(canvas)


# ---- positioning ------------------------------------------------------------------------
PARTS = {
    "target": "independent restaurants",
    "need": "cannot afford downtime",
    "offer": "Maison Durand",
    "category": "kitchen equipment partner",
    "benefit": "keeps kitchens running",
    "alternative": "online pure players",
    "proof": "own technicians in every region",
}


def test_positioning_statement_english():
    sheet = pd.DataFrame({"part": list(PARTS), "text": list(PARTS.values())})
    statement, missing = positioning_statement(sheet)
    assert statement == (
        "For independent restaurants who cannot afford downtime, Maison Durand is a kitchen "
        "equipment partner that keeps kitchens running, unlike online pure players, because "
        "own technicians in every region."
    )
    assert missing == []


def test_positioning_statement_names_missing_parts_in_french():
    sheet = pd.DataFrame({"part": list(PARTS), "text": list(PARTS.values())})
    sheet.loc[sheet["part"] == "proof", "text"] = "  "
    sheet = sheet[sheet["part"] != "need"]
    statement, missing = positioning_statement(sheet, language="fr")
    assert missing == ["need", "proof"]
    assert statement.startswith("Pour independent restaurants qui [besoin], Maison Durand est un ")
    assert statement.endswith("contrairement à online pure players, car [preuve].")


def test_positioning_unknown_part():
    with pytest.raises(InputError, match="slogan"):
        positioning_statement(pd.DataFrame({"part": ["slogan"], "text": ["x"]}))


# ---- plots ------------------------------------------------------------------------------
def test_plot_vp_fit_draws_one_pair_of_bars_per_persona(profile, offer):
    ax = plot_vp_fit(vp_fit(profile, offer))
    assert len(ax.patches) == 4
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Chef", "Buyer"]
    assert "Buyer" in ax.get_title() and "50%" in ax.get_title()


def test_plot_vp_canvas_links_and_gaps(profile, offer):
    ax = plot_vp_canvas(profile, offer, persona="Chef", language="fr")
    texts = [t.get_text() for t in ax.texts]
    # 4 profile items + E1, E2 (linked) + E3 (addresses nothing) + 2 half titles
    assert len(texts) == 9
    assert any("ne répond à rien" in t for t in texts)
    assert len(ax.lines) == 3  # E1->P1, E1->G1, E2->J1
    assert "70" in ax.get_title()


def test_plot_strategy_canvas_one_line_per_player():
    canvas = _canvas(
        [("Price", 5.0, 5.3, 4.6), ("Advice", 9.0, 6.0, 8.0), ("Online", 2.0, 5.0, 6.0)]
    )
    ax = plot_strategy_canvas(canvas)
    assert len(ax.lines) == 3
    assert ax.lines[-1].get_linewidth() > ax.lines[0].get_linewidth()  # the client stands out
    assert ax.get_title() == "Client leads on 1 factor(s) and lags on 1"


# ---- the sample client shows every case -------------------------------------------------
@pytest.fixture
def sample() -> dict[str, pd.DataFrame]:
    return sample_inputs(np.random.default_rng(7), client_name="Maison Durand", frames={})


def test_sample_sheets_have_canonical_columns(sample):
    for name, frame in sample.items():
        schema = TABLES[name]
        assert set(schema.required) <= set(frame.columns), name
        assert set(frame.columns) <= {c.name for c in schema.columns}, name


def test_sample_shows_every_value_case(sample):
    gaps = vp_gaps(sample["vp_profile"], sample["vp_offer"])
    assert gaps["scored"].any()
    assert offer_coverage(sample["vp_profile"], sample["vp_offer"])["addresses_nothing"].sum() == 1
    positions = set(strategy_canvas(sample["strategy_canvas"])["position"])
    assert {"leads", "lags", "no differentiation"} <= positions
    statement, missing = positioning_statement(sample["positioning"])
    assert "Maison Durand" in statement
    assert missing == ["proof"]
