"""Tests for helpers.pipeline: hand-checked funnel, win rate, cycle, velocity, health,
qualification and the reporting frame on an eight-deal pipeline; both export shapes;
bad inputs; invariants with hypothesis."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from helpers import pipeline as pl
from helpers.config import PipelineSettings
from helpers.errors import DataWarning, InputError

AS_OF = "2026-03-31"
STAGES = ["lead", "qualified", "proposal", "negotiation", "won"]

# Eight deals of a small sales team (2026, not a leap year). Path = stage -> date entered.
#   O1 A 10 000  lead 01-01, qualified 01-11, proposal 01-21, negotiation 02-10, won 02-20
#   O2 B 20 000  lead 01-05, qualified 01-15, proposal 02-04, negotiation 02-14, won 03-06
#   O3 A  5 000  lead 01-10, lost 01-20
#   O4 B  8 000  lead 01-10, qualified 01-20, lost 02-09
#   O5 A 12 000  lead 02-01, qualified 02-11, proposal 02-21, lost 03-13
#   O6 B 30 000  lead 02-15, qualified 02-25, proposal 03-07            (open in proposal)
#   O7 A  6 000  lead 03-01                                            (open in lead)
#   O8 B  9 000  lead 03-10, qualified 03-20                           (open in qualified)
PATHS = {
    "O1": (
        "A",
        "inbound",
        10_000,
        {
            "lead": "01-01",
            "qualified": "01-11",
            "proposal": "01-21",
            "negotiation": "02-10",
            "won": "02-20",
        },
    ),
    "O2": (
        "B",
        "partner",
        20_000,
        {
            "lead": "01-05",
            "qualified": "01-15",
            "proposal": "02-04",
            "negotiation": "02-14",
            "won": "03-06",
        },
    ),
    "O3": ("A", "inbound", 5_000, {"lead": "01-10", "lost": "01-20"}),
    "O4": ("B", "outbound", 8_000, {"lead": "01-10", "qualified": "01-20", "lost": "02-09"}),
    "O5": (
        "A",
        "partner",
        12_000,
        {"lead": "02-01", "qualified": "02-11", "proposal": "02-21", "lost": "03-13"},
    ),
    "O6": ("B", "inbound", 30_000, {"lead": "02-15", "qualified": "02-25", "proposal": "03-07"}),
    "O7": ("A", "outbound", 6_000, {"lead": "03-01"}),
    "O8": ("B", "inbound", 9_000, {"lead": "03-10", "qualified": "03-20"}),
}
EXPECTED_CLOSE = {"O6": "2026-03-15", "O7": "2026-04-30", "O8": None}

# Qualification fields (timeline is NOT in the export: not tracked).
QUALIFICATION = {
    "O6": {
        "budget": "€30k approved",
        "authority": "Mme Roux",
        "need": "new office",
        "metrics": "-10 % cost",
        "economic_buyer": "Mme Roux",
        "goals": "grow",
    },
    "O7": {"budget": "unknown", "authority": "CEO", "champion": "IT lead"},
    "O8": {
        "budget": "€9k",
        "need": "refit",
        "metrics": "payback 1 y",
        "economic_buyer": "CFO",
        "decision_criteria": "price",
        "decision_process": "3 quotes",
        "identify_pain": "delays",
        "champion": "buyer",
        "goals": "cut costs",
        "plans": "move",
        "challenges": "approvals",
    },
}
FIELDS = [
    "budget",
    "authority",
    "need",
    "metrics",
    "economic_buyer",
    "decision_criteria",
    "decision_process",
    "identify_pain",
    "champion",
    "goals",
    "plans",
    "challenges",
]


def _long() -> pd.DataFrame:
    rows = []
    for oid, (owner, source, amount, path) in PATHS.items():
        created = pd.Timestamp(f"2026-{path['lead']}")
        close = EXPECTED_CLOSE.get(oid)
        for stage, day in path.items():
            rows.append(
                {
                    "opportunity_id": oid,
                    "stage": stage,
                    "stage_date": pd.Timestamp(f"2026-{day}"),
                    "created_date": created,
                    "amount": float(amount),
                    "owner": owner,
                    "source": source,
                    "expected_close_date": pd.Timestamp(close) if close else pd.NaT,
                    **{f: QUALIFICATION.get(oid, {}).get(f) for f in FIELDS},
                }
            )
    frame = pd.DataFrame(rows)
    for f in FIELDS:
        frame[f] = frame[f].astype("string")
    return frame


def _wide(long: pd.DataFrame, *, names: str = "{stage}_date") -> pd.DataFrame:
    """The same deals as a wide export, built from PATHS (not from the code under test)."""
    rows = []
    for oid, (owner, source, amount, path) in PATHS.items():
        close = EXPECTED_CLOSE.get(oid)
        row = {
            "opportunity_id": oid,
            "created_date": pd.Timestamp(f"2026-{path['lead']}"),
            "amount": float(amount),
            "owner": owner,
            "source": source,
            "expected_close_date": pd.Timestamp(close) if close else pd.NaT,
            **{f: QUALIFICATION.get(oid, {}).get(f) for f in FIELDS},
        }
        for stage in [*STAGES, "lost"]:
            day = path.get(stage)
            row[names.format(stage=stage)] = pd.Timestamp(f"2026-{day}") if day else pd.NaT
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture
def long() -> pd.DataFrame:
    return _long()


@pytest.fixture
def target_settings() -> PipelineSettings:
    return PipelineSettings(target=50_000)


# ---- funnel, win rate, cycle, velocity ----------------------------------------------------
def test_stage_metrics_hand_checked(long):
    got = pl.stage_metrics(long, as_of=AS_OF)
    # furthest stage: O1, O2 won; O3 lead (lost); O4 qualified (lost); O5 proposal (lost);
    # O6 proposal (open); O7 lead (open); O8 qualified (open)
    # lead:        reached 8, moved on 6 (O1 O2 O4 O5 O6 O8), lost 1 (O3), open 1 (O7)  -> 6/7
    # qualified:   reached 6, moved on 4 (O1 O2 O5 O6), lost 1 (O4), open 1 (O8)       -> 4/5
    # proposal:    reached 4, moved on 2 (O1 O2), lost 1 (O5), open 1 (O6)             -> 2/3
    # negotiation: reached 2, moved on 2, lost 0, open 0                               -> 1
    assert got["reached"].tolist() == [8, 6, 4, 2, 2]
    assert got["advanced"].tolist()[:4] == [6, 4, 2, 2]
    assert got["lost"].tolist()[:4] == [1, 1, 1, 0]
    assert got["open"].tolist()[:4] == [1, 1, 1, 0]
    np.testing.assert_allclose(got["conversion"].to_numpy()[:4], [6 / 7, 4 / 5, 2 / 3, 1.0])
    assert math.isnan(got["conversion"].iloc[4])
    # P(win | stage) = product of this and later conversions:
    # negotiation 1; proposal 2/3; qualified 4/5 * 2/3 = 8/15; lead 6/7 * 8/15 = 16/35
    np.testing.assert_allclose(got["win_probability"], [16 / 35, 8 / 15, 2 / 3, 1.0, 1.0])
    # time in stage of deals that left it:
    # lead: all seven leavers 10 days; qualified: O1 10, O2 20, O4 20, O5 10, O6 10 -> median 10
    # proposal: O1 20, O2 10, O5 20 -> median 20; negotiation: O1 10, O2 20 -> median 15
    np.testing.assert_allclose(got["days_median"].to_numpy()[:4], [10, 10, 20, 15])
    # stall threshold = p90 of won deals' time (O1, O2): lead 10/10 -> 10;
    # qualified 10/20 -> 10 + 0.9 * 10 = 19; proposal 20/10 -> 19; negotiation 10/20 -> 19
    np.testing.assert_allclose(got["stall_threshold_days"].to_numpy()[:4], [10, 19, 19, 19])


def test_pipeline_metrics_overall_hand_checked(long):
    got = pl.pipeline_metrics(long, as_of=AS_OF).set_index(["dimension", "value"])
    overall = got.loc[("overall", "all")]
    # closed: won O1 O2, lost O3 O4 O5 -> win rate 2 / 5 = 0.4
    assert overall["win_rate"] == pytest.approx(0.4)
    assert (overall["opportunities"], overall["open"], overall["won"], overall["lost"]) == (
        8,
        3,
        2,
        3,
    )
    # average won deal (10 000 + 20 000) / 2 = 15 000
    assert overall["avg_deal_won"] == pytest.approx(15_000)
    # cycles created -> closed: O1 50 (Jan 1 -> Feb 20), O2 60, O3 10, O4 30,
    # O5 40 (Feb 1 -> Mar 13)
    # sorted 10 30 40 50 60 -> median 40, q25 30, q75 50
    assert (overall["cycle_median_days"], overall["cycle_q25_days"], overall["cycle_q75_days"]) == (
        40,
        30,
        50,
    )
    # velocity = 3 open * 0.4 * 15 000 / 40 days = 450 per day
    assert overall["velocity_per_day"] == pytest.approx(450.0)
    assert overall["velocity_note"] == ""
    assert overall["conversion_proposal"] == pytest.approx(2 / 3)
    assert overall["lost_at_qualified"] == 1
    assert overall["open_amount"] == pytest.approx(45_000)


def test_pipeline_metrics_by_owner_hand_checked(long):
    got = pl.pipeline_metrics(long, as_of=AS_OF, by=["owner"]).set_index(["dimension", "value"])
    a, b = got.loc[("owner", "A")], got.loc[("owner", "B")]
    # A: O1 won (50 d), O3 lost (10 d), O5 lost (40 d), O7 open
    #    win 1/3, deal 10 000, cycle median 40 -> velocity 1 * 1/3 * 10 000 / 40 = 83.33
    assert a["win_rate"] == pytest.approx(1 / 3)
    assert a["velocity_per_day"] == pytest.approx(10_000 / 3 / 40)
    # B: O2 won (60 d), O4 lost (30 d), O6 and O8 open
    #    win 1/2, deal 20 000, cycle median 45 -> velocity 2 * 0.5 * 20 000 / 45 = 444.44
    assert b["cycle_median_days"] == 45
    assert b["velocity_per_day"] == pytest.approx(20_000 / 45)
    assert list(got.index.get_level_values("dimension")) == ["overall", "owner", "owner"]


def _same_day_pipeline() -> pd.DataFrame:
    # X1 created and won the same day, X2 created and lost the same day, X3 open:
    # cycle median 0 days -> velocity would be 1 * 0.5 * 4 000 / 0 = inf
    rows = [
        ("X1", "lead", "2026-03-01", "2026-03-01", 4000.0, "C"),
        ("X1", "won", "2026-03-01", "2026-03-01", 4000.0, "C"),
        ("X2", "lead", "2026-03-02", "2026-03-02", 1000.0, "C"),
        ("X2", "lost", "2026-03-02", "2026-03-02", 1000.0, "C"),
        ("X3", "lead", "2026-03-03", "2026-03-03", 2000.0, "D"),
    ]
    frame = pd.DataFrame(
        rows, columns=["opportunity_id", "stage", "stage_date", "created_date", "amount", "owner"]
    )
    frame["stage_date"] = pd.to_datetime(frame["stage_date"])
    frame["created_date"] = pd.to_datetime(frame["created_date"])
    return frame


def test_velocity_guards_zero_and_undefined_cycle():
    got = pl.pipeline_metrics(_same_day_pipeline(), by=["owner"]).set_index(["dimension", "value"])
    overall = got.loc[("overall", "all")]
    assert overall["cycle_median_days"] == 0
    assert math.isnan(overall["velocity_per_day"])  # NaN, not inf
    assert "0 days" in overall["velocity_note"]
    # owner D has only an open deal: nothing closed, so no win rate, no cycle
    d = got.loc[("owner", "D")]
    assert math.isnan(d["velocity_per_day"]) and math.isnan(d["win_rate"])
    assert "no closed" in d["velocity_note"]
    assert np.isfinite(got["velocity_per_day"].fillna(0)).all()


def test_velocity_is_nan_without_won_deal(long):
    lost_only = long[~long["opportunity_id"].isin(["O1", "O2"])]
    got = pl.pipeline_metrics(lost_only, as_of=AS_OF, by=()).iloc[0]
    assert got["win_rate"] == 0.0
    assert math.isnan(got["velocity_per_day"])
    assert "no won deal" in got["velocity_note"]


# ---- both shapes -----------------------------------------------------------------------
@pytest.mark.parametrize("names", ["{stage}_date", "{stage}", "{Stage}"])
def test_wide_and_long_give_identical_metrics(long, names):
    fmt = names.replace("{Stage}", "{stage}")
    wide = _wide(long, names=fmt)
    if names == "{Stage}":
        wide = wide.rename(columns={s: s.capitalize() for s in [*STAGES, "lost"]})
    for func in (pl.pipeline_metrics, pl.stage_metrics, pl.opportunity_status):
        assert_frame_equal(func(wide, as_of=AS_OF), func(long, as_of=AS_OF))
    assert_frame_equal(pl.qualification(wide, as_of=AS_OF), pl.qualification(long, as_of=AS_OF))


def test_from_wide_with_explicit_columns_and_no_lead_column(long):
    wide = (
        _wide(long)
        .drop(columns="lead_date")
        .rename(
            columns={
                "qualified_date": "Date qualif.",
                "proposal_date": "Devis envoyé",
                "negotiation_date": "Négo",
                "won_date": "Gagnée le",
                "lost_date": "Perdue le",
            }
        )
    )
    converted = pl.from_wide(
        wide,
        stage_columns={
            "qualified": "Date qualif.",
            "proposal": "Devis envoyé",
            "negotiation": "Négo",
            "won": "Gagnée le",
            "lost": "Perdue le",
        },
    )
    # the first stage falls back to the creation date
    assert set(converted["stage"]) == {*STAGES, "lost"}
    assert len(converted) == len(long)
    assert_frame_equal(
        pl.pipeline_metrics(converted, as_of=AS_OF), pl.pipeline_metrics(long, as_of=AS_OF)
    )


def test_from_wide_refuses_missing_stage_column(long):
    wide = _wide(long).drop(columns="negotiation_date")
    with pytest.raises(InputError, match=r"no date column for stage\(s\) negotiation"):
        pl.to_long(wide)


def test_neither_shape_is_refused():
    with pytest.raises(InputError, match="neither the long shape"):
        pl.to_long(pd.DataFrame({"opportunity_id": ["a"], "amount": [1.0]}))


# ---- health ------------------------------------------------------------------------------
def test_health_hand_checked(long, target_settings):
    got = pl.pipeline_health(long, as_of=AS_OF, settings=target_settings).set_index("indicator")
    v = got["value"]
    # weighted open pipeline: O6 30 000 * 2/3 + O7 6 000 * 16/35 + O8 9 000 * 8/15
    #                       = 20 000 + 2 742.86 + 4 800 = 27 542.86; / 50 000 = 0.5509
    weighted = 30_000 * 2 / 3 + 6_000 * 16 / 35 + 9_000 * 8 / 15
    assert v["weighted_pipeline"] == pytest.approx(weighted)
    assert v["coverage"] == pytest.approx(weighted / 50_000)
    # stalled: O7 30 days in lead > 10; O6 24 days in proposal > 19; O8 11 days <= 19
    assert v["stalled_opportunities"] == 2
    assert v["stalled_amount"] == 36_000
    # slipped: O6 expected 03-15 < 03-31; O7 04-30 not yet; O8 has no date
    assert v["slipped_opportunities"] == 1 and v["slipped_amount"] == 30_000
    assert v["open_opportunities"] == 3 and v["open_amount"] == 45_000


def test_health_says_when_target_is_not_set(long):
    got = pl.pipeline_health(long, as_of=AS_OF).set_index("indicator")
    assert math.isnan(got.loc["coverage", "value"])
    assert "target not set" in got.loc["coverage", "note"]
    fr = pl.pipeline_health(long, as_of=AS_OF, language="fr").set_index("indicator")
    assert "objectif non défini" in fr.loc["coverage", "note"]


@pytest.mark.parametrize(
    ("as_of", "opportunity", "days", "stalled"),
    [
        # lead threshold 10 days (won deals O1, O2 both spent 10): O7 entered lead 03-01
        ("2026-03-11", "O7", 10, False),  # exactly at the threshold: not stalled
        ("2026-03-12", "O7", 11, True),  # strictly above: stalled
        # qualified threshold 19 days (p90 of 10 and 20): O8 entered qualified 03-20
        ("2026-04-08", "O8", 19, False),
        ("2026-04-09", "O8", 20, True),
    ],
)
def test_stalled_exactly_at_threshold(long, as_of, opportunity, days, stalled):
    got = pl.opportunity_status(long, as_of=as_of).set_index("opportunity_id").loc[opportunity]
    assert got["days_in_stage"] == days
    assert bool(got["stalled"]) is stalled


def test_stalled_unknown_without_won_history(long):
    # without O1 and O2 no won deal shows how long a stage should take: not assessed
    got = pl.opportunity_status(long[~long["opportunity_id"].isin(["O1", "O2"])], as_of=AS_OF)
    assert got.loc[got["status"] == "open", "stalled"].isna().all()
    health = pl.pipeline_health(long[~long["opportunity_id"].isin(["O1", "O2"])], as_of=AS_OF)
    assert health.set_index("indicator").loc["not_assessed", "value"] == 3


def test_ageing_buckets(long):
    got = pl.ageing(long, as_of=AS_OF).set_index("age_bucket")
    # ages on 03-31: O6 44 days, O7 30, O8 21
    assert got.loc["0-30", "opportunities"] == 2 and got.loc["0-30", "amount"] == 15_000
    assert got.loc["31-60", "opportunities"] == 1 and got.loc["31-60", "slipped"] == 1
    assert got["opportunities"].sum() == 3
    assert list(got.index) == ["0-30", "31-60", "61-90", "91-180", ">180"]


def test_as_of_replays_the_past(long):
    # on 02-15 O1 was won, O2 in negotiation, O5 in qualified, O6 just created
    got = pl.opportunity_status(long, as_of="2026-02-15").set_index("opportunity_id")
    assert got.loc["O2", "status"] == "open" and got.loc["O2", "stage"] == "negotiation"
    assert "O7" not in got.index


# ---- qualification -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("framework", "order", "scores", "next_q"),
    [
        # BANT, timeline not tracked (3 criteria): O6 3/3; O8 budget+need 2/3; O7 authority
        # only ("unknown" budget is not a value) 1/3
        ("BANT", ["O6", "O8", "O7"], [1.0, 2 / 3, 1 / 3], ["q_none", "q_authority", "q_budget"]),
        # MEDDIC (6 criteria): O8 6/6; O6 metrics + economic buyer 2/6; O7 champion 1/6
        (
            "MEDDIC",
            ["O8", "O6", "O7"],
            [1.0, 2 / 6, 1 / 6],
            ["q_none", "q_decision_criteria", "q_metrics"],
        ),
        # GPCT, timeline not tracked (3 criteria): O8 3/3; O6 goals 1/3; O7 0/3
        ("GPCT", ["O8", "O6", "O7"], [1.0, 1 / 3, 0.0], ["q_none", "q_plans", "q_goals"]),
    ],
)
def test_qualification_per_framework(long, framework, order, scores, next_q):
    got = pl.qualification(long, framework=framework, as_of=AS_OF)
    assert got["opportunity_id"].tolist() == order
    assert got["rank"].tolist() == [1, 2, 3]
    np.testing.assert_allclose(got["score"], scores)
    expected = [pl.LABELS["en"][q] for q in next_q]
    assert got["next_question"].tolist() == expected
    if framework in ("BANT", "GPCT"):
        assert (got["not_tracked"] == "Timeline").all()
        assert (got["criteria_tracked"] == 3).all()
    else:
        assert (got["not_tracked"] == "").all()


def test_qualification_names_missing_criteria_and_expected_value(long):
    got = pl.qualification(long, framework="BANT", as_of=AS_OF).set_index("opportunity_id")
    assert got.loc["O7", "missing"] == "Budget, Need"
    assert got.loc["O8", "missing"] == "Authority"
    assert got.loc["O6", "missing"] == ""
    # expected value = amount * P(win | stage): O6 30 000 * 2/3
    assert got.loc["O6", "expected_value"] == pytest.approx(20_000)
    np.testing.assert_allclose(
        got.loc["O6", ["score_bant", "score_meddic", "score_gpct"]].astype(float),
        [1.0, 2 / 6, 1 / 3],
    )
    fr = pl.qualification(long, framework="BANT", as_of=AS_OF, language="fr").set_index(
        "opportunity_id"
    )
    assert fr.loc["O7", "missing"] == "Budget, Besoin"
    assert fr.loc["O8", "next_question"] == pl.LABELS["fr"]["q_authority"]


def test_qualification_uses_engagement_framework_and_ties_break_on_expected_value(long):
    got = pl.qualification(long, as_of=AS_OF, settings=PipelineSettings(framework="MEDDIC"))
    assert (got["framework"] == "MEDDIC").all()
    # same score for every deal when no field is in the export: ranked by expected value
    bare = long.drop(columns=FIELDS)
    got = pl.qualification(bare, framework="BANT", as_of=AS_OF)
    # O6 20 000 > O8 4 800 > O7 2 742.86
    assert got["opportunity_id"].tolist() == ["O6", "O8", "O7"]
    assert got["score"].isna().all()
    assert got["next_question"].iloc[0] == "No BANT field in the export: add them to the CRM."


def test_qualification_checklist_tracked_vs_missing(long):
    got = pl.qualification_checklist(long, framework="BANT", as_of=AS_OF).set_index("criterion")
    assert not got.loc["timeline", "tracked"] and math.isnan(got.loc["timeline", "share_met"])
    # budget met on O6 and O8 (O7 says "unknown"): 2 of 3 open deals
    assert got.loc["budget", "met"] == 2
    assert got.loc["budget", "share_met"] == pytest.approx(2 / 3)


def test_unknown_framework_is_refused(long):
    with pytest.raises(InputError, match="must be one of"):
        pl.qualification(long, framework="SPIN", as_of=AS_OF)


# ---- reporting frame ---------------------------------------------------------------------
def test_reporting_frame(long, target_settings):
    got = pl.reporting_frame(
        long, as_of=AS_OF, settings=target_settings, targets={"conversion_lead": 0.9}
    ).set_index("key")
    assert got.loc["win_rate", "value"] == pytest.approx(0.4)
    assert bool(got.loc["win_rate", "on_target"]) is True  # 0.4 >= 0.25
    assert bool(got.loc["coverage", "on_target"]) is False  # 0.55 < 1
    assert bool(got.loc["stalled_share", "on_target"]) is False  # 2/3 > 0.10
    assert bool(got.loc["cycle_median_days", "on_target"]) is True  # 40 <= 90
    assert bool(got.loc["conversion_lead", "on_target"]) is False  # 6/7 < 0.9
    assert pd.isna(got.loc["velocity_per_day", "on_target"])  # no rule of thumb
    assert got.loc["coverage", "frequency"] == "weekly"
    assert got.loc["conversion_proposal", "indicator"] == "Conversion proposal → negotiation"
    assert got["action"].str.len().gt(20).all()
    fr = pl.reporting_frame(long, as_of=AS_OF, language="fr").set_index("key")
    assert fr.loc["coverage", "frequency"] == "hebdomadaire"
    with pytest.raises(InputError, match="unknown indicator"):
        pl.reporting_frame(long, as_of=AS_OF, targets={"winrate": 0.3})


def test_findings(long, target_settings):
    metrics = pl.pipeline_metrics(long, as_of=AS_OF)
    health = pl.pipeline_health(long, as_of=AS_OF, settings=target_settings)
    got = pl.pipeline_findings(metrics, health, language="en")
    assert got["pipeline_win_rate"].startswith("40% of closed opportunities are won")
    assert "€15,000" in got["pipeline_win_rate"] and "median 40 days" in got["pipeline_win_rate"]
    assert (
        got["pipeline_health"]
        == "2 of 3 open deals are stalled and 1 are past their promised close date."
    )
    assert "55%" in got["pipeline_coverage"]


# ---- bad inputs --------------------------------------------------------------------------
def test_stage_date_before_creation_is_flagged_and_left_out_of_cycle(long):
    bad = long.copy()
    bad.loc[bad["opportunity_id"] == "O4", "created_date"] = pd.Timestamp("2026-01-25")
    with pytest.warns(DataWarning, match=r"O4.*before the creation date"):
        status = pl.opportunity_status(bad, as_of=AS_OF).set_index("opportunity_id")
    assert status.loc["O4", "flag"] == "stage date before creation date"
    assert math.isnan(status.loc["O4", "cycle_days"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        overall = pl.pipeline_metrics(bad, as_of=AS_OF, by=()).iloc[0]
    # O4 still counts as lost (win rate 2/5), its cycle does not: 10 40 50 60 -> median 45
    assert overall["win_rate"] == pytest.approx(0.4)
    assert overall["cycle_median_days"] == 45


def test_unknown_stage_is_refused(long):
    bad = long.copy()
    bad.loc[(bad["opportunity_id"] == "O5") & (bad["stage"] == "proposal"), "stage"] = "demo"
    with pytest.raises(
        InputError, match=r"unknown stage\(s\) 'demo' for opportunities O5.*pipeline\.stages"
    ):
        pl.pipeline_metrics(bad, as_of=AS_OF)


def test_stage_names_match_ignoring_case_and_spaces(long):
    messy = long.copy()
    messy["stage"] = messy["stage"].str.upper() + " "
    assert_frame_equal(pl.stage_metrics(messy, as_of=AS_OF), pl.stage_metrics(long, as_of=AS_OF))


def test_negative_amount_is_refused(long):
    bad = long.copy()
    bad.loc[bad["opportunity_id"] == "O3", "amount"] = -5_000.0
    with pytest.raises(
        InputError, match=r"amount is negative for opportunities O3.*Correct the amounts"
    ):
        pl.pipeline_health(bad, as_of=AS_OF)


def test_won_and_lost_is_refused(long):
    extra = long[(long["opportunity_id"] == "O1") & (long["stage"] == "won")].assign(stage="lost")
    with pytest.raises(InputError, match="O1 are both won and lost"):
        pl.stage_metrics(pd.concat([long, extra], ignore_index=True))


def test_missing_column_is_refused(long):
    with pytest.raises(InputError, match=r"required column\(s\) created_date missing"):
        pl.pipeline_metrics(long.drop(columns="created_date"))


def test_input_is_not_mutated(long):
    before = long.copy()
    pl.qualification(long, as_of=AS_OF)
    pl.pipeline_metrics(long, as_of=AS_OF)
    assert_frame_equal(long, before)


# ---- charts ------------------------------------------------------------------------------
def test_plot_funnel(long):
    stages = pl.stage_metrics(long, as_of=AS_OF)
    ax = pl.plot_funnel(stages)
    assert len(ax.patches) == 5
    assert [p.get_width() for p in ax.patches] == [8, 6, 4, 2, 2]
    # lowest conversion is proposal -> negotiation, 2/3
    assert ax.get_title() == "Biggest leak: proposal → negotiation (only 67% move on)"
    texts = [t.get_text() for t in ax.texts]
    assert "86% →" in texts and "8" in texts
    fr = pl.plot_funnel(stages, language="fr")
    assert fr.get_title().startswith("Principale fuite")


def test_plot_stage_durations(long):
    stages = pl.stage_metrics(long, as_of=AS_OF)
    status = pl.opportunity_status(long, as_of=AS_OF)
    ax = pl.plot_stage_durations(stages, status=status)
    assert [p.get_width() for p in ax.patches] == [10, 10, 20, 15]
    assert ax.get_title() == "Deals spend longest in proposal (median 20 days)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "stalled" in labels and "stall threshold (p90 of won deals)" in labels
    # two stalled deals drawn in the stalled series
    stalled = next(c for c in ax.collections if c.get_label() == "stalled")
    assert len(stalled.get_offsets()) == 2


# ---- sample data -------------------------------------------------------------------------
def test_sample_opportunities_work_end_to_end():
    from helpers.sample.opportunities import opportunities

    customers = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4"],
            "segment": ["Small business", "Small business", "Key account", "Consumer"],
        }
    )
    frame = opportunities(np.random.default_rng(7), start="2024-01", months=24, customers=customers)
    again = opportunities(np.random.default_rng(7), start="2024-01", months=24, customers=customers)
    assert_frame_equal(frame, again)
    assert 400 <= frame["opportunity_id"].nunique() <= 600
    assert set(frame["segment"]) == {"Small business", "Key account"}
    assert set(frame["stage"]) == {*STAGES, "lost"}
    metrics = pl.pipeline_metrics(frame).set_index(["dimension", "value"])
    assert metrics.loc[("overall", "all"), "open"] > 20
    assert 0.1 < metrics.loc[("overall", "all"), "win_rate"] < 0.4
    health = pl.pipeline_health(frame).set_index("indicator")["value"]
    assert health["stalled_opportunities"] > 0 and health["slipped_opportunities"] > 0
    qual = pl.qualification(frame)
    assert qual["score"].between(0, 1).all() and qual["missing"].ne("").any()


# ---- invariants --------------------------------------------------------------------------
@st.composite
def pipelines(draw):
    n = draw(st.integers(1, 15))
    rows = []
    for k in range(n):
        furthest = draw(st.integers(0, 4))
        outcome = "won" if furthest == 4 else draw(st.sampled_from(["open", "lost"]))
        day = pd.Timestamp("2026-01-01") + pd.Timedelta(days=draw(st.integers(0, 60)))
        created = day
        path = STAGES[: furthest + 1] if outcome != "won" else STAGES
        if outcome == "lost":
            path = [*path, "lost"]
        for stage in path:
            rows.append(
                (
                    f"P{k}",
                    stage,
                    day,
                    created,
                    float(draw(st.integers(0, 50_000))),
                    draw(st.sampled_from(["A", "B"])),
                )
            )
            day = day + pd.Timedelta(days=draw(st.integers(0, 40)))
    frame = pd.DataFrame(
        rows, columns=["opportunity_id", "stage", "stage_date", "created_date", "amount", "owner"]
    )
    # one owner and amount per opportunity, as a CRM would export
    first = frame.groupby("opportunity_id")[["amount", "owner"]].transform("first")
    return frame.assign(amount=first["amount"], owner=first["owner"])


@settings(max_examples=50, deadline=None)
@given(pipelines())
def test_invariants(frame):
    stages = pl.stage_metrics(frame)
    conv = stages["conversion"].dropna()
    assert ((conv >= 0) & (conv <= 1)).all()
    prob = stages["win_probability"].dropna()
    assert ((prob >= 0) & (prob <= 1)).all()
    assert prob.is_monotonic_increasing
    head = stages.iloc[:-1]
    assert (head["reached"] == head["advanced"] + head["lost"] + head["open"]).all()
    assert (stages["reached"].iloc[1:].to_numpy() == head["advanced"].to_numpy()).all()
    metrics = pl.pipeline_metrics(frame, by=["owner"])
    overall = metrics.iloc[0]
    assert overall["opportunities"] == frame["opportunity_id"].nunique()
    assert overall["open"] + overall["won"] + overall["lost"] == overall["opportunities"]
    assert stages["reached"].iloc[0] == overall["opportunities"]
    assert stages["reached"].iloc[-1] == overall["won"]
    owners = metrics[metrics["dimension"] == "owner"]
    assert owners["opportunities"].sum() == overall["opportunities"]
    assert not np.isinf(metrics["velocity_per_day"].to_numpy(dtype=float)).any()
    rates = metrics["win_rate"].dropna()
    assert ((rates >= 0) & (rates <= 1)).all()


def test_a_wide_csv_export_loads_through_io_and_gives_the_long_metrics(long, tmp_path):
    """A CRM export with one date column per stage is accepted from engagement.yaml."""
    import yaml

    from helpers.config import load_config
    from helpers.io import load_source

    wide = _wide(long)
    (tmp_path / "data").mkdir()
    wide.to_csv(tmp_path / "data" / "crm.csv", index=False, date_format="%Y-%m-%d")
    config = {
        "client_name": "Acme",
        "engagement_slug": "acme",
        "period_start": "2024-01",
        "data": {"opportunities": {"path": "data/crm.csv"}},
    }
    (tmp_path / "engagement.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    loaded = load_source(load_config(tmp_path), "opportunities")
    assert "stage" not in loaded
    assert_frame_equal(
        pl.pipeline_metrics(loaded, as_of=AS_OF), pl.pipeline_metrics(long, as_of=AS_OF)
    )


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.sampled_from(["", " ", "-", "n/a", " N/A ", "?", "TBD", "unknown", "yes", "Q3"]),
            st.text(max_size=6),
        ),
        max_size=30,
    )
)
def test_met_judges_each_distinct_text_like_each_value(values):
    # a text column is judged once per distinct text: the same as value by value
    series = pd.Series(values, dtype="string")
    expected = [pl._fills(v) for v in series.to_numpy(dtype=object, na_value=None)]
    assert pl._met(series).tolist() == expected
    assert pl._met(series.astype(object)).tolist() == expected
