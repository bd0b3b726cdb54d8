"""Sales pipeline and lead qualification: how deals move, how fast, and which to push.

A sales director steers the team with a handful of pipeline numbers: how many
opportunities move from one stage to the next, the share of closed deals that are won,
the size of a won deal, how long a deal takes to close, and the *sales velocity* that
combines them (value the pipeline turns into bookings per day). Pipeline health says
whether the open, probability-weighted pipeline covers the period's target, and which
deals are stalled, ageing or past their promised close date. Qualification frameworks
(BANT, MEDDIC, GPCT) turn "is this a real deal?" into a checklist, and tell each rep the
next question to ask on each open deal.

Input: the CRM export of opportunities with their stage history, in either shape

* **long** (canonical, :data:`helpers.schema.TABLES` ``["opportunities"]``): one row per
  opportunity and stage entered, columns ``stage`` and ``stage_date``;
* **wide**: one row per opportunity and one date column per stage. Columns named
  ``<stage>_date`` (``lead_date``, ``qualified_date``, ..., ``won_date``, ``lost_date``) or
  named by the stage itself (``lead``, ``qualified``...) are detected automatically; any
  other naming is given with :func:`from_wide`.

Both shapes give identical results. Every function accepts either shape.

Rules (documented once, used everywhere):

* Stages come from ``pipeline.stages`` in engagement.yaml (the last one is the won stage)
  plus ``pipeline.lost_stage``. Stage names are matched ignoring case and surrounding
  spaces.
* An opportunity counts at the **furthest** stage it reached: reaching ``proposal``
  without a ``qualified`` row means it went through ``qualified``.
* Stage-to-stage **conversion** of stage *i* = opportunities that moved beyond *i* /
  (those that moved beyond *i* + those lost at *i*). Deals still sitting in stage *i*
  are not decided yet and are left out; they are reported in ``open``.
* The **probability of winning** from a stage is the product of the observed
  conversions of that stage and every later one (closed history, not a guess).
* ``as_of`` (the observation end) defaults to the latest date in the export; stage
  changes after it are ignored, so an earlier ``as_of`` replays the pipeline as it was.

Bad input is never turned into a silent wrong number:

* an unknown stage, a negative amount, a missing stage date or creation date, and an
  opportunity both won and lost raise :class:`~helpers.errors.InputError` naming the
  opportunities and the fix (they would distort every count);
* a stage date before the creation date is **flagged**: a
  :class:`~helpers.errors.DataWarning` names the opportunities, their ``flag`` column says
  why, and their sales-cycle length is left out (its start is unknown) while their
  stages and outcome still count.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.config import PipelineSettings
from helpers.errors import InputError
from helpers.i18n import data_warning, format_currency, format_number, format_percent, label
from helpers.plots import (
    BAD_COLOR,
    CLIENT_COLOR,
    GOOD_COLOR,
    NEUTRAL_COLOR,
    PALETTE,
    get_ax,
    localise_axes,
)
from helpers.schema import BANT_FIELDS, GPCT_FIELDS, MEDDIC_FIELDS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# ---- constants ------------------------------------------------------------------------------
REQUIRED_COLUMNS = ("opportunity_id", "stage", "stage_date", "created_date", "amount")
#: columns describing the opportunity (not the stage), repeated on each row of the long shape
DIMENSIONS = ("owner", "segment", "source")
DATE_SUFFIX = "_date"
#: what a rep types when a criterion is unknown; counted as not met
EMPTY_MARKERS = frozenset(
    {
        "",
        "-",
        "--",
        "?",
        "n/a",
        "na",
        "nc",
        "none",
        "null",
        "unknown",
        "tbd",
        "inconnu",
        "non renseigné",
    }
)
FRAMEWORKS: dict[str, tuple[str, ...]] = {
    "BANT": BANT_FIELDS,
    "MEDDIC": MEDDIC_FIELDS,
    "GPCT": GPCT_FIELDS,
}
#: quantile of the time won deals spent in a stage above which an open deal is stalled
DEFAULT_STALLED_QUANTILE = 0.9
#: upper bounds (days since creation) of the ageing buckets; the last bucket is open-ended
AGE_BUCKETS = (30, 60, 90, 180)
MISSING_LABEL = "(not set)"
THRESHOLD_COLOR = "#2b2b2b"
MAX_IDS_IN_MESSAGE = 8

#: Reporting frame: indicator -> (direction, default target, review frequency). A target of
#: ``None`` has no rule of thumb: the team sets it in the workshop (``targets=``).
REPORTING_INDICATORS: dict[str, tuple[str, float | None, str]] = {
    "coverage": (">=", 1.0, "weekly"),
    "stalled_share": ("<=", 0.10, "weekly"),
    "slipped_share": ("<=", 0.10, "weekly"),
    "win_rate": (">=", 0.25, "monthly"),
    "velocity_per_day": (">=", None, "monthly"),
    "avg_deal_won": (">=", None, "quarterly"),
    "cycle_median_days": ("<=", 90.0, "quarterly"),
}
CONVERSION_FREQUENCY = "monthly"

LABELS: dict[str, dict[str, str]] = {
    "en": {
        # criteria
        "budget": "Budget",
        "authority": "Authority",
        "need": "Need",
        "timeline": "Timeline",
        "metrics": "Metrics",
        "economic_buyer": "Economic buyer",
        "decision_criteria": "Decision criteria",
        "decision_process": "Decision process",
        "identify_pain": "Identified pain",
        "champion": "Champion",
        "goals": "Goals",
        "plans": "Plans",
        "challenges": "Challenges",
        # next question per criterion
        "q_budget": "Is a budget set aside for this purchase, and how much?",
        "q_authority": "Who signs the order, and have we met them?",
        "q_need": "What problem must this purchase solve, in the customer's words?",
        "q_timeline": "By when must the solution be in place, and why then?",
        "q_metrics": "What measurable gain does the customer expect (cost, time, risk)?",
        "q_economic_buyer": "Who controls the budget and has the final say?",
        "q_decision_criteria": "On which criteria will offers be compared?",
        "q_decision_process": "What are the steps and dates until the order is signed?",
        "q_identify_pain": "What does the current situation cost the customer today?",
        "q_champion": "Who inside the account wants us to win, and will sell for us?",
        "q_goals": "What business goals does the customer pursue this year?",
        "q_plans": "What plans does the customer have to reach those goals?",
        "q_challenges": "What stands in the way of those plans?",
        "q_none": "Fully qualified: agree the close plan and the signature date.",
        "q_untracked": "No {framework} field in the export: add them to the CRM.",
        # charts
        "funnel_title": "Biggest leak: {stage} → {next} (only {conv} move on)",
        "funnel_title_plain": "Opportunities reaching each stage",
        "funnel_x": "Opportunities that reached the stage",
        "durations_title": "Deals spend longest in {stage} (median {days} days)",
        "durations_title_plain": "Days spent in each stage",
        "durations_x": "Days in stage",
        "median": "median (deals that left the stage)",
        "threshold": "stall threshold (p{q} of won deals)",
        "open_deals": "open deals today",
        "stalled": "stalled",
        "conv_to_next": "{conv} →",
        # reporting frame
        "ind_coverage": "Target coverage by weighted pipeline",
        "ind_stalled_share": "Share of open deals stalled",
        "ind_slipped_share": "Share of open deals past their close date",
        "ind_win_rate": "Win rate (won / closed)",
        "ind_velocity_per_day": "Sales velocity (per day)",
        "ind_avg_deal_won": "Average won deal",
        "ind_cycle_median_days": "Sales cycle, median (days)",
        "ind_conversion": "Conversion {stage} → {next}",
        "act_coverage": (
            "Generate pipeline: prospecting campaign, partner leads, reactivate lost deals."
        ),
        "act_stalled_share": (
            "Review each stalled deal with its owner: next step with a date, or close it lost."
        ),
        "act_slipped_share": (
            "Re-date or close every deal past its close date; check forecast discipline."
        ),
        "act_win_rate": "Qualify harder earlier (framework checklist) and run win/loss reviews.",
        "act_velocity_per_day": (
            "Find the weak lever: fewer open deals, lower win rate, smaller deals or longer cycle."
        ),
        "act_avg_deal_won": "Bundle services, sell up the range, target bigger accounts.",
        "act_cycle_median_days": (
            "Map the customer's buying process; remove internal delays (quotes, approvals)."
        ),
        "act_conversion": "Coach the stage's exit criteria; review lost reasons at this stage.",
        "weekly": "weekly",
        "monthly": "monthly",
        "quarterly": "quarterly",
        "yearly": "yearly",
        "daily": "daily",
        # notes
        "target_not_set": "target not set: add pipeline.target to engagement.yaml",
        "no_closed": "no closed opportunity yet: win rate and cycle unknown",
        "no_won": "no won deal yet: average deal size unknown",
        "cycle_zero": "median sales cycle is 0 days: velocity per day is undefined",
        "cycle_unknown": "sales cycle unknown (no closed deal with a valid creation date)",
        "no_threshold": "no won deal went through this stage: stall threshold unknown",
        # findings
        "finding_win": (
            "{win} of closed opportunities are won and a won deal is worth {deal} on "
            "average; a deal takes a median {cycle} days from creation to won or lost."
        ),
        "finding_health": (
            "{stalled} of {open} open deals are stalled and {slipped} are past their "
            "promised close date."
        ),
        "finding_coverage": (
            "The weighted open pipeline ({weighted}) covers {coverage} of the target."
        ),
        "finding_no_target": (
            "The weighted open pipeline is {weighted}; no target is set to measure coverage."
        ),
    },
    "fr": {
        "budget": "Budget",
        "authority": "Autorité",
        "need": "Besoin",
        "timeline": "Échéance",
        "metrics": "Indicateurs",
        "economic_buyer": "Décideur économique",
        "decision_criteria": "Critères de décision",
        "decision_process": "Processus de décision",
        "identify_pain": "Problème identifié",
        "champion": "Champion",
        "goals": "Objectifs",
        "plans": "Plans",
        "challenges": "Obstacles",
        "q_budget": "Un budget est-il prévu pour cet achat, et de quel montant ?",
        "q_authority": "Qui signe la commande, et l'avons-nous rencontré ?",
        "q_need": "Quel problème cet achat doit-il résoudre, selon les mots du client ?",
        "q_timeline": "Pour quand la solution doit-elle être en place, et pourquoi ?",
        "q_metrics": "Quel gain mesurable le client attend-il (coût, temps, risque) ?",
        "q_economic_buyer": "Qui détient le budget et a le dernier mot ?",
        "q_decision_criteria": "Sur quels critères les offres seront-elles comparées ?",
        "q_decision_process": "Quelles étapes et quelles dates jusqu'à la signature ?",
        "q_identify_pain": "Que coûte la situation actuelle au client aujourd'hui ?",
        "q_champion": "Qui, chez le client, veut que nous gagnions et défendra notre offre ?",
        "q_goals": "Quels objectifs le client poursuit-il cette année ?",
        "q_plans": "Quels plans le client a-t-il pour atteindre ces objectifs ?",
        "q_challenges": "Qu'est-ce qui freine ces plans ?",
        "q_none": "Opportunité qualifiée : convenir du plan de signature et de sa date.",
        "q_untracked": "Aucun champ {framework} dans l'export : les ajouter au CRM.",
        "funnel_title": "Principale fuite : {stage} → {next} (seules {conv} passent)",
        "funnel_title_plain": "Opportunités atteignant chaque étape",
        "funnel_x": "Opportunités ayant atteint l'étape",
        "durations_title": (
            "Les affaires restent le plus longtemps en {stage} (médiane {days} jours)"
        ),
        "durations_title_plain": "Jours passés à chaque étape",
        "durations_x": "Jours à l'étape",
        "median": "médiane (affaires sorties de l'étape)",
        "threshold": "seuil d'enlisement (p{q} des affaires gagnées)",
        "open_deals": "affaires ouvertes aujourd'hui",
        "stalled": "enlisées",
        "conv_to_next": "{conv} →",
        "ind_coverage": "Couverture de l'objectif par le pipeline pondéré",
        "ind_stalled_share": "Part des affaires ouvertes enlisées",
        "ind_slipped_share": "Part des affaires ouvertes ayant dépassé leur date de clôture",
        "ind_win_rate": "Taux de transformation (gagnées / clôturées)",
        "ind_velocity_per_day": "Vélocité commerciale (par jour)",
        "ind_avg_deal_won": "Montant moyen d'une affaire gagnée",
        "ind_cycle_median_days": "Cycle de vente médian (jours)",
        "ind_conversion": "Conversion {stage} → {next}",
        "act_coverage": (
            "Alimenter le pipeline : campagne de prospection, leads partenaires, relance des "
            "affaires perdues."
        ),
        "act_stalled_share": (
            "Revoir chaque affaire enlisée avec son commercial : prochaine étape datée, ou la "
            "clôturer perdue."
        ),
        "act_slipped_share": (
            "Redater ou clôturer chaque affaire en retard ; vérifier la discipline de prévision."
        ),
        "act_win_rate": (
            "Qualifier plus tôt et plus strictement (grille du cadre) ; analyser gains et pertes."
        ),
        "act_velocity_per_day": (
            "Identifier le levier faible : volume d'affaires, taux de transformation, montant ou "
            "durée du cycle."
        ),
        "act_avg_deal_won": (
            "Associer des services, monter en gamme, cibler des comptes plus grands."
        ),
        "act_cycle_median_days": (
            "Cartographier le processus d'achat du client ; supprimer les délais internes (devis,"
            " validations)."
        ),
        "act_conversion": (
            "Travailler les critères de sortie de l'étape ; analyser les pertes à cette étape."
        ),
        "weekly": "hebdomadaire",
        "monthly": "mensuelle",
        "quarterly": "trimestrielle",
        "yearly": "annuelle",
        "daily": "quotidienne",
        "target_not_set": "objectif non défini : ajouter pipeline.target dans engagement.yaml",
        "no_closed": "aucune opportunité clôturée : taux de transformation et cycle inconnus",
        "no_won": "aucune affaire gagnée : montant moyen inconnu",
        "cycle_zero": "cycle de vente médian de 0 jour : vélocité par jour non définie",
        "cycle_unknown": (
            "cycle de vente inconnu (aucune affaire clôturée avec une date de création valide)"
        ),
        "no_threshold": "aucune affaire gagnée n'est passée par cette étape : seuil inconnu",
        "finding_win": (
            "{win} des opportunités clôturées sont gagnées et une affaire gagnée vaut en "
            "moyenne {deal} ; une affaire est gagnée ou perdue en {cycle} jours (médiane)."
        ),
        "finding_health": (
            "{stalled} des {open} affaires ouvertes sont enlisées et {slipped} ont dépassé "
            "leur date de clôture prévue."
        ),
        "finding_coverage": (
            "Le pipeline ouvert pondéré ({weighted}) couvre {coverage} de l'objectif."
        ),
        "finding_no_target": (
            "Le pipeline ouvert pondéré atteint {weighted} ; aucun objectif n'est fixé pour "
            "mesurer la couverture."
        ),
    },
}


# ---- shapes and validation -----------------------------------------------------------------
def _settings(settings: PipelineSettings | None) -> PipelineSettings:
    settings = settings if settings is not None else PipelineSettings()
    if settings.won_stage != settings.stages[-1]:
        raise InputError(
            f"pipeline.won_stage is {settings.won_stage!r} but the last of pipeline.stages "
            f"is {settings.stages[-1]!r}; the won stage must close the list of stages"
        )
    if settings.lost_stage in settings.stages:
        raise InputError(
            f"pipeline.lost_stage {settings.lost_stage!r} is also in pipeline.stages; "
            "list only the stages of a live or won deal there"
        )
    if len(settings.stages) < 2:
        raise InputError("pipeline.stages needs at least one open stage and the won stage")
    return settings


def _all_stages(settings: PipelineSettings) -> list[str]:
    return [*settings.stages, settings.lost_stage]


def _ids(ids: Sequence[Any] | pd.Series) -> str:
    ids = list(dict.fromkeys(str(i) for i in ids))
    shown = ", ".join(ids[:MAX_IDS_IN_MESSAGE])
    more = len(ids) - MAX_IDS_IN_MESSAGE
    return shown + (f" and {more} more" if more > 0 else "")


def _match_column(columns: Sequence[str], wanted: str) -> str | None:
    if wanted in columns:
        return wanted
    folded = {str(c).strip().casefold(): c for c in columns}
    return folded.get(wanted.casefold())


def detect_stage_columns(
    frame: pd.DataFrame, *, settings: PipelineSettings | None = None
) -> dict[str, str]:
    """Find the date column of each stage in a wide export.

    A stage's column is ``<stage>_date`` or the stage's own name (case ignored), e.g.
    ``qualified_date`` or ``Qualified``. Returns ``{stage: column}`` for the stages found.
    """
    settings = _settings(settings)
    found: dict[str, str] = {}
    for stage in _all_stages(settings):
        for candidate in (f"{stage}{DATE_SUFFIX}", stage):
            column = _match_column(list(frame.columns), candidate)
            if column is not None:
                found[stage] = column
                break
    return found


def from_wide(
    frame: pd.DataFrame,
    *,
    stage_columns: Mapping[str, str],
    settings: PipelineSettings | None = None,
) -> pd.DataFrame:
    """Turn a wide export (one row per opportunity, a date column per stage) into the long shape.

    Parameters
    ----------
    frame
        One row per opportunity with ``opportunity_id``, ``created_date``, ``amount`` and a
        date column per stage (empty when the stage was not reached).
    stage_columns
        ``{stage: column}`` for every stage of ``pipeline.stages`` and the lost stage. The
        first stage may be left out: its date is then the creation date.
    settings
        The engagement's pipeline settings (stages, won and lost stage names).

    Returns
    -------
    DataFrame
        One row per opportunity and stage entered (the canonical long shape), validated
        like :func:`to_long`.
    """
    settings = _settings(settings)
    stages = _all_stages(settings)
    unknown = [s for s in stage_columns if s not in stages]
    if unknown:
        raise InputError(
            f"stage_columns names {unknown} which are not stages of the pipeline "
            f"({', '.join(stages)}); use the stage names of pipeline.stages in engagement.yaml"
        )
    absent = {s: c for s, c in stage_columns.items() if c not in frame.columns}
    if absent:
        raise InputError(
            f"opportunities (wide): stage columns not found: {absent}; the export has "
            f"{', '.join(map(str, frame.columns))}"
        )
    mapping = dict(stage_columns)
    if stages[0] not in mapping:
        if "created_date" not in frame.columns:
            raise InputError(
                f"opportunities (wide): no date column for the first stage {stages[0]!r} and "
                "no created_date to stand in for it; map one of them"
            )
        mapping[stages[0]] = "created_date"
    missing = [s for s in stages if s not in mapping]
    if missing:
        raise InputError(
            f"opportunities (wide): no date column for stage(s) {', '.join(missing)}; without "
            "it the kit cannot tell which deals reached them. Name the columns with "
            "stage_columns={stage: column}, or export one date column per stage"
        )
    if "opportunity_id" not in frame.columns:
        raise InputError(
            "opportunities (wide): column opportunity_id is missing; map the CRM's "
            "opportunity number onto it"
        )
    date_columns = set(mapping.values()) - {"created_date"}
    keep = [c for c in frame.columns if c not in date_columns and c not in ("stage", "stage_date")]
    pieces = []
    for stage in stages:
        col = mapping[stage]
        dates = frame[col]
        part = frame.loc[dates.notna(), keep].copy()
        part["stage"] = stage
        part["stage_date"] = dates[dates.notna()]
        part["_order"] = stages.index(stage)
        pieces.append(part)
    long = pd.concat(pieces, ignore_index=True)
    long = long.sort_values(["opportunity_id", "_order"], kind="stable").drop(columns="_order")
    front = ["opportunity_id", "stage", "stage_date"]
    long = long[front + [c for c in long.columns if c not in front]].reset_index(drop=True)
    return _validate_long(long, settings)


def to_long(frame: pd.DataFrame, *, settings: PipelineSettings | None = None) -> pd.DataFrame:
    """Return the opportunities in the canonical long shape, validated.

    A frame with ``stage`` and ``stage_date`` columns is taken as long; otherwise the
    stage date columns are detected (:func:`detect_stage_columns`) and converted with
    :func:`from_wide`.

    Raises
    ------
    InputError
        For an unknown stage, a negative amount, a missing date, an opportunity both won
        and lost, or a frame that is neither shape; the message names the opportunities.
    """
    settings = _settings(settings)
    if {"stage", "stage_date"} <= set(frame.columns):
        return _validate_long(frame.copy(), settings)
    found = detect_stage_columns(frame, settings=settings)
    if not found:
        names = ", ".join(f"{s}{DATE_SUFFIX}" for s in _all_stages(settings))
        raise InputError(
            "opportunities: neither the long shape (columns stage and stage_date) nor the "
            f"wide shape (one date column per stage: {names}) was found; the export has "
            f"{', '.join(map(str, frame.columns))}. Map the columns in engagement.yaml or "
            "call pipeline.from_wide(frame, stage_columns={...})"
        )
    return from_wide(frame, stage_columns=found, settings=settings)


def _to_datetime(series: pd.Series, ids: pd.Series, column: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.astype("datetime64[ns]")
    parsed = pd.to_datetime(series, errors="coerce")
    bad = parsed.isna() & series.notna()
    if bad.any():
        raise InputError(
            f"opportunities: column {column} has values that are not dates for "
            f"opportunities {_ids(ids[bad])} (e.g. {series[bad].iloc[0]!r}); fix the export "
            "or set data.opportunities.date_format in engagement.yaml"
        )
    return parsed.astype("datetime64[ns]")


def _validate_long(long: pd.DataFrame, settings: PipelineSettings) -> pd.DataFrame:
    missing = [c for c in REQUIRED_COLUMNS if c not in long.columns]
    if missing:
        raise InputError(
            f"opportunities: required column(s) {', '.join(missing)} missing (found: "
            f"{', '.join(map(str, long.columns))}); map them in data.opportunities.columns "
            "of engagement.yaml"
        )
    long = long.copy()
    long["opportunity_id"] = long["opportunity_id"].astype("string")
    if long["opportunity_id"].isna().any():
        rows = list(np.flatnonzero(long["opportunity_id"].isna().to_numpy())[:MAX_IDS_IN_MESSAGE])
        raise InputError(
            f"opportunities: rows {rows} have no opportunity_id; every stage row must name "
            "its opportunity"
        )
    ids = long["opportunity_id"]

    # stages: case- and space-insensitive match onto the configured names
    known = {s.casefold(): s for s in _all_stages(settings)}
    raw = long["stage"].astype("string").str.strip()
    mapped = raw.str.casefold().map(known)
    unknown = mapped.isna()
    if unknown.any():
        values = sorted(set(raw[unknown].fillna("(empty)")))
        raise InputError(
            f"opportunities: unknown stage(s) {', '.join(map(repr, values))} for "
            f"opportunities {_ids(ids[unknown])}; the pipeline's stages are "
            f"{', '.join(_all_stages(settings))}. Add the stage to pipeline.stages in "
            "engagement.yaml (in funnel order) or map it onto a known stage in the export"
        )
    long["stage"] = mapped.astype("string")

    for column in ("stage_date", "created_date", "expected_close_date"):
        if column in long.columns:
            long[column] = _to_datetime(long[column], ids, column)
    for column in ("stage_date", "created_date"):
        empty = long[column].isna()
        if empty.any():
            raise InputError(
                f"opportunities: {column} is empty for opportunities {_ids(ids[empty])}; "
                f"every stage row needs its {column}. Fill it in the export or drop the rows"
            )

    amount = pd.to_numeric(long["amount"], errors="coerce")
    if (amount.isna() & long["amount"].notna()).any():
        bad = amount.isna() & long["amount"].notna()
        raise InputError(
            f"opportunities: amount is not a number for opportunities {_ids(ids[bad])}; "
            "fix the export"
        )
    negative = amount < 0
    if negative.any():
        raise InputError(
            f"opportunities: amount is negative for opportunities {_ids(ids[negative])}; an "
            "opportunity's expected value cannot be below 0 (credit notes and refunds are not "
            "opportunities). Correct the amounts in the CRM export or remove these rows"
        )
    long["amount"] = amount.astype("float64")

    won = long["stage"] == settings.won_stage
    lost = long["stage"] == settings.lost_stage
    both = set(ids[won].to_numpy()) & set(ids[lost].to_numpy())
    if both:
        raise InputError(
            f"opportunities: {_ids(sorted(both))} are both {settings.won_stage} and "
            f"{settings.lost_stage}; keep the final outcome only (a reopened deal should be a "
            "new opportunity)"
        )
    for dim in DIMENSIONS:
        if dim in long.columns:
            long[dim] = long[dim].astype("string")
    return long.reset_index(drop=True)


# ---- per-opportunity state ------------------------------------------------------------------
def _as_of(long: pd.DataFrame, as_of: Any) -> pd.Timestamp:
    if as_of is None:
        return pd.Timestamp(max(long["stage_date"].max(), long["created_date"].max()))
    return pd.Timestamp(as_of)


#: what :func:`_prepare` returns: long rows, per-opportunity state, as_of, settings
_Prepared = tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp, PipelineSettings]


def _prepare(frame: pd.DataFrame, settings: PipelineSettings | None, as_of: Any) -> _Prepared:
    """Validated long rows up to ``as_of``, per-opportunity state, as_of, settings."""
    settings = _settings(settings)
    long = to_long(frame, settings=settings)
    when = _as_of(long, as_of)
    long = long[(long["stage_date"] <= when) & (long["created_date"] <= when)]
    if long.empty:
        raise InputError(
            f"opportunities: no opportunity was created on or before as_of={when.date()}; "
            "check the observation end (observation_end in engagement.yaml)"
        )
    stages = settings.stages
    won_idx = len(stages) - 1
    lost_order = len(stages)  # sorts after every stage on the same day
    order = {s: i for i, s in enumerate(stages)} | {settings.lost_stage: lost_order}
    long = long.assign(
        _order=np.array([order[s] for s in long["stage"].to_numpy()], dtype="int64"),
    ).sort_values(["opportunity_id", "stage_date", "_order"], kind="stable")

    # per-opportunity state with plain numpy on integer codes (rows are sorted by id)
    codes, ids = pd.factorize(long["opportunity_id"], sort=True)
    n = len(ids)
    rank = long["_order"].to_numpy()
    stage_ns = long["stage_date"].to_numpy(dtype="datetime64[ns]").view("int64")
    created_ns = long["created_date"].to_numpy(dtype="datetime64[ns]").view("int64")
    never = np.iinfo("int64").max
    created = np.full(n, never)
    np.minimum.at(created, codes, created_ns)
    open_row = rank < won_idx
    furthest = np.full(n, -1)
    np.maximum.at(furthest, codes[open_row], rank[open_row])
    furthest[furthest < 0] = 0
    closed_at = np.full(n, never)
    closing = rank >= won_idx
    np.minimum.at(closed_at, codes[closing], stage_ns[closing])
    is_won = np.zeros(n, dtype=bool)
    is_won[codes[rank == won_idx]] = True
    is_lost = np.zeros(n, dtype=bool)
    is_lost[codes[rank == lost_order]] = True
    stage_index = np.where(is_won, won_idx, furthest)
    # date the current (furthest) stage was first entered; creation date if no row for it
    entered = np.full(n, never)
    current = rank == stage_index[codes]
    np.minimum.at(entered, codes[current], stage_ns[current])
    entered = np.where(entered == never, created, entered)
    flagged_rows = stage_ns < created_ns
    flagged = np.zeros(n, dtype=bool)
    flagged[codes[flagged_rows]] = True

    kept = [c for c in ("amount", *DIMENSIONS, "expected_close_date") if c in long.columns]
    attributes = long.groupby("opportunity_id", sort=True)[kept].last()  # last non-empty
    status = np.where(is_won, "won", np.where(is_lost, "lost", "open"))
    is_open = status == "open"
    to_date = lambda ns: pd.to_datetime(np.where(ns == never, np.iinfo("int64").min, ns))  # noqa: E731
    closed_date = to_date(closed_at)
    created_date = to_date(created)
    entered_date = to_date(entered)
    day = np.timedelta64(1, "D")
    cycle = ((closed_date - created_date) / day).to_numpy(dtype="float64")
    when_ns = when.as_unit("ns")
    state = pd.DataFrame(
        {
            "created_date": created_date,
            "amount": attributes["amount"].to_numpy(dtype="float64"),
            **{c: attributes[c].to_numpy() for c in kept if c != "amount"},
            "status": pd.array(status, dtype="string"),
            "stage_index": stage_index.astype("int64"),
            "stage": pd.array(np.asarray(stages, dtype=object)[stage_index], dtype="string"),
            "closed_date": closed_date,
            "stage_entered": entered_date,
            "flag": pd.array(
                np.where(flagged, "stage date before creation date", None), dtype="string"
            ),
            "cycle_days": np.where(~is_open & ~flagged, np.floor(cycle), np.nan),
            "age_days": np.where(is_open, np.floor((when_ns - created_date) / day), np.nan),
            "days_in_stage": np.where(is_open, np.floor((when_ns - entered_date) / day), np.nan),
        },
        index=pd.Index(ids, name="opportunity_id", dtype="string"),
    )
    for c in kept:
        if c in DIMENSIONS:
            state[c] = state[c].astype("string")
    if flagged.any():
        names = sorted(ids[flagged])
        warnings.warn(
            data_warning("pipeline.stage_before_creation", ids=_ids(names), count=len(names)),
            stacklevel=3,
        )
    state.index.name = "opportunity_id"
    return long, state, when, settings


def stage_durations(
    frame: pd.DataFrame,
    *,
    as_of: Any = None,
    settings: PipelineSettings | None = None,
) -> pd.DataFrame:
    """Days each opportunity spent in each open stage it entered.

    Time in a stage runs from the day the stage was entered to the next change (next
    stage, won or lost). For the stage a deal sits in at ``as_of`` the time is counted to
    ``as_of`` and ``completed`` is False (the stay is not over).

    Returns
    -------
    DataFrame
        ``opportunity_id, stage, entered, days, completed, status`` (status of the deal:
        open, won, lost).
    """
    return _durations(*_prepare(frame, settings, as_of))


def _durations(
    long: pd.DataFrame, state: pd.DataFrame, when: pd.Timestamp, settings: PipelineSettings
) -> pd.DataFrame:
    won_idx = len(settings.stages) - 1
    # rows are sorted by id, date, stage order: the first row of each (id, stage) is its entry
    first = ~long.duplicated(["opportunity_id", "_order"]).to_numpy()
    entries = long.loc[first, ["opportunity_id", "stage", "stage_date", "_order"]]
    ids = entries["opportunity_id"].to_numpy(dtype=object)
    dates = entries["stage_date"].to_numpy(dtype="datetime64[ns]")
    same_next = np.append(ids[1:] == ids[:-1], False)
    left = np.append(dates[1:], np.datetime64("NaT", "ns"))
    left[~same_next] = np.datetime64("NaT", "ns")
    keep = entries["_order"].to_numpy() < won_idx
    completed = ~np.isnat(left)
    end = np.where(completed, left, np.datetime64(when.as_unit("ns")))
    days = ((end - dates) / np.timedelta64(1, "D")).astype("float64")
    status = state["status"].reindex(pd.Index(ids, dtype="string")).to_numpy()
    out = pd.DataFrame(
        {
            "opportunity_id": pd.array(ids[keep], dtype="string"),
            "stage": pd.array(entries["stage"].to_numpy(dtype=object)[keep], dtype="string"),
            "entered": dates[keep],
            "days": np.floor(days[keep]),
            "completed": completed[keep],
            "status": pd.array(status[keep], dtype="string"),
        }
    )
    return out


def _stage_table(
    state: pd.DataFrame,
    durations: pd.DataFrame,
    settings: PipelineSettings,
    stalled_quantile: float,
) -> pd.DataFrame:
    stages = settings.stages
    won_idx = len(stages) - 1
    idx = state["stage_index"].to_numpy(dtype="int64")
    status = state["status"].to_numpy(dtype=object)
    rows = []
    for i, stage in enumerate(stages):
        reached = int((idx >= i).sum())
        if i == won_idx:
            rows.append(
                {
                    "stage": stage,
                    "reached": reached,
                    "advanced": pd.NA,
                    "lost": pd.NA,
                    "open": pd.NA,
                    "conversion": math.nan,
                }
            )
            continue
        advanced = int((idx >= i + 1).sum())
        lost = int(((idx == i) & (status == "lost")).sum())
        still = int(((idx == i) & (status == "open")).sum())
        decided = advanced + lost
        rows.append(
            {
                "stage": stage,
                "reached": reached,
                "advanced": advanced,
                "lost": lost,
                "open": still,
                "conversion": advanced / decided if decided else math.nan,
            }
        )
    table = pd.DataFrame(rows)
    for col in ("advanced", "lost", "open"):
        table[col] = table[col].astype("Int64")
    conv = table["conversion"].to_numpy()
    prob = np.ones(len(stages))
    for i in range(won_idx - 1, -1, -1):
        prob[i] = conv[i] * prob[i + 1]  # NaN propagates: unknown, never guessed
    table["win_probability"] = prob
    done = durations["completed"].to_numpy(dtype=bool)
    won_done = done & (durations["status"].to_numpy(dtype=object) == "won")
    stage_of = durations["stage"].to_numpy(dtype=object)
    all_days = durations["days"].to_numpy(dtype="float64")
    med, p90, thr = [], [], []
    for stage in stages:
        days = all_days[done & (stage_of == stage)]
        won_days = all_days[won_done & (stage_of == stage)]
        med.append(float(np.median(days)) if len(days) else math.nan)
        p90.append(float(np.quantile(days, 0.9)) if len(days) else math.nan)
        thr.append(float(np.quantile(won_days, stalled_quantile)) if len(won_days) else math.nan)
    table["days_median"] = med
    table["days_p90"] = p90
    table["stall_threshold_days"] = thr
    table.loc[won_idx, ["days_median", "days_p90", "stall_threshold_days"]] = math.nan
    table["stage"] = table["stage"].astype("string")
    return table


def _check_quantile(q: float) -> float:
    if not 0 < q < 1:
        raise InputError(f"stalled_quantile must be between 0 and 1 (e.g. 0.9), got {q!r}")
    return float(q)


def stage_metrics(
    frame: pd.DataFrame,
    *,
    as_of: Any = None,
    settings: PipelineSettings | None = None,
    stalled_quantile: float = DEFAULT_STALLED_QUANTILE,
) -> pd.DataFrame:
    """The funnel: per stage, how many deals reached it, moved on, were lost, and how fast.

    Returns
    -------
    DataFrame
        One row per stage of ``pipeline.stages``: ``stage, reached, advanced, lost, open,
        conversion`` (advanced / (advanced + lost)), ``win_probability`` (product of this
        and later conversions; 1 for the won stage), ``days_median`` and ``days_p90`` (time
        in the stage of deals that left it), ``stall_threshold_days`` (``stalled_quantile``
        of the time won deals spent in the stage).
    """
    q = _check_quantile(stalled_quantile)
    prepared = _prepare(frame, settings, as_of)
    return _stage_table(prepared[1], _durations(*prepared), prepared[3], q)


def _age_bucket(days: pd.Series) -> pd.Series:
    labels = _age_labels()
    edges = [-math.inf, *AGE_BUCKETS, math.inf]
    return pd.cut(days, bins=edges, labels=labels, right=True)


def _age_labels() -> list[str]:
    bounds = [0, *AGE_BUCKETS]
    labels = [f"{lo + (1 if lo else 0)}-{hi}" for lo, hi in itertools.pairwise(bounds)]
    return [*labels, f">{AGE_BUCKETS[-1]}"]


def opportunity_status(
    frame: pd.DataFrame,
    *,
    as_of: Any = None,
    settings: PipelineSettings | None = None,
    stalled_quantile: float = DEFAULT_STALLED_QUANTILE,
) -> pd.DataFrame:
    """One row per opportunity: where it stands at ``as_of`` and whether it needs attention.

    Returns
    -------
    DataFrame
        ``opportunity_id, status`` (open, won, lost), ``stage`` (furthest stage reached),
        ``created_date, stage_entered, closed_date, amount``, owner/segment/source when
        the export has them, ``expected_close_date``, ``cycle_days`` (closed deals),
        ``age_days, age_bucket, days_in_stage`` (open deals), ``win_probability``,
        ``expected_value`` (amount × probability), ``stall_threshold_days``, ``stalled``
        (days in stage strictly above the threshold; empty when the threshold is unknown),
        ``slipped`` (open and expected close date before ``as_of``) and ``flag``.
    """
    q = _check_quantile(stalled_quantile)
    return _status(*_prepare(frame, settings, as_of), q)


def _status(
    long: pd.DataFrame,
    state: pd.DataFrame,
    when: pd.Timestamp,
    settings: PipelineSettings,
    q: float,
) -> pd.DataFrame:
    durations = _durations(long, state, when, settings)
    table = _stage_table(state, durations, settings, q).set_index("stage")
    out = state.copy()
    is_open = out["status"] == "open"
    out["win_probability"] = np.where(
        out["status"] == "won",
        1.0,
        np.where(
            out["status"] == "lost", 0.0, table["win_probability"].reindex(out["stage"]).to_numpy()
        ),
    )
    out["expected_value"] = out["amount"] * out["win_probability"]
    out["stall_threshold_days"] = table["stall_threshold_days"].reindex(out["stage"]).to_numpy()
    out.loc[~is_open, "stall_threshold_days"] = math.nan
    stalled = pd.array(out["days_in_stage"] > out["stall_threshold_days"], dtype="boolean")
    stalled[out["stall_threshold_days"].isna().to_numpy()] = pd.NA
    stalled[~is_open.to_numpy()] = pd.NA
    out["stalled"] = stalled
    out["age_bucket"] = _age_bucket(out["age_days"])
    if "expected_close_date" in out.columns:
        slipped = pd.array(out["expected_close_date"] < when, dtype="boolean")
        slipped[out["expected_close_date"].isna().to_numpy()] = pd.NA
        slipped[~is_open.to_numpy()] = pd.NA
        out["slipped"] = slipped
    columns = [
        "status",
        "stage",
        "created_date",
        "stage_entered",
        "closed_date",
        "amount",
        *[d for d in DIMENSIONS if d in out.columns],
        *(["expected_close_date"] if "expected_close_date" in out.columns else []),
        "cycle_days",
        "age_days",
        "age_bucket",
        "days_in_stage",
        "win_probability",
        "expected_value",
        "stall_threshold_days",
        "stalled",
        *(["slipped"] if "slipped" in out.columns else []),
        "flag",
    ]
    return out[columns].reset_index()


# ---- metrics ------------------------------------------------------------------------------
def _group_metrics(
    state: pd.DataFrame, settings: PipelineSettings, language: str
) -> dict[str, Any]:
    # plain numpy: this runs once per group
    status = state["status"].to_numpy(dtype=object)
    idx = state["stage_index"].to_numpy(dtype="int64")
    amount = state["amount"].to_numpy(dtype="float64")
    is_open, is_won, is_lost = status == "open", status == "won", status == "lost"
    n_open, won, lost = int(is_open.sum()), int(is_won.sum()), int(is_lost.sum())
    closed = won + lost
    win_rate = won / closed if closed else math.nan
    avg_deal = (
        float(np.nanmean(amount[is_won]))
        if won and not np.isnan(amount[is_won]).all()
        else math.nan
    )
    cycles = state["cycle_days"].to_numpy(dtype="float64")
    cycles = cycles[~np.isnan(cycles)]
    if len(cycles):
        q25, median, q75 = (float(x) for x in np.quantile(cycles, [0.25, 0.5, 0.75]))
    else:
        q25 = median = q75 = math.nan
    note = ""
    if not closed:
        note = label(LABELS, "no_closed", language)
    elif not won or math.isnan(avg_deal):
        note = label(LABELS, "no_won", language)
    elif math.isnan(median):
        note = label(LABELS, "cycle_unknown", language)
    elif median == 0:
        note = label(LABELS, "cycle_zero", language)
    velocity = n_open * win_rate * avg_deal / median if not note else math.nan
    row: dict[str, Any] = {
        "opportunities": len(state),
        "open": n_open,
        "won": won,
        "lost": lost,
        "win_rate": win_rate,
        "avg_deal_won": avg_deal,
        "open_amount": float(np.nansum(amount[is_open])),
        "cycle_median_days": median,
        "cycle_q25_days": q25,
        "cycle_q75_days": q75,
        "velocity_per_day": velocity,
        "velocity_note": note,
    }
    for i, stage in enumerate(settings.stages[:-1]):
        advanced = int((idx >= i + 1).sum())
        lost_here = int(((idx == i) & is_lost).sum())
        decided = advanced + lost_here
        row[f"conversion_{stage}"] = advanced / decided if decided else math.nan
        row[f"lost_at_{stage}"] = lost_here
    return row


def pipeline_metrics(
    frame: pd.DataFrame,
    *,
    as_of: Any = None,
    settings: PipelineSettings | None = None,
    by: Sequence[str] = DIMENSIONS,
    language: str = "en",
) -> pd.DataFrame:
    """Conversion, win rate, deal size, cycle and sales velocity, overall and per group.

    Sales velocity = open opportunities × win rate × average won deal / median sales
    cycle (days): the bookings the current pipeline produces per day. When the cycle is 0
    or unknown, or no deal is won or closed yet, velocity is NaN and ``velocity_note``
    says why (never an infinite or made-up number).

    Parameters
    ----------
    frame
        Opportunities, long or wide shape.
    as_of
        Observation end; default the latest date in the export.
    settings
        ``pipeline`` section of the engagement config (stages, won/lost names).
    by
        Dimensions to break down by; those the export lacks are skipped. A missing value
        is shown as ``(not set)``.
    language
        Language of the notes.

    Returns
    -------
    DataFrame
        Tidy: ``dimension`` (``overall``, ``owner``...), ``value`` (the group), then
        ``opportunities, open, won, lost, win_rate, avg_deal_won, open_amount,
        cycle_median_days, cycle_q25_days, cycle_q75_days, velocity_per_day,
        velocity_note`` and, per open stage, ``conversion_<stage>`` and ``lost_at_<stage>``.
    """
    return _metrics(_prepare(frame, settings, as_of), by=by, language=language)


def _metrics(prepared: _Prepared, *, by: Sequence[str], language: str) -> pd.DataFrame:
    """:func:`pipeline_metrics` of prepared opportunities (see :func:`_prepare`)."""
    _long, state, _when, settings = prepared
    rows = [{"dimension": "overall", "value": "all", **_group_metrics(state, settings, language)}]
    for dim in by:
        if dim not in state.columns:
            continue
        groups = state[dim].fillna(MISSING_LABEL).astype(str)
        for value in sorted(groups.unique()):
            part = state[groups == value]
            rows.append(
                {"dimension": dim, "value": value, **_group_metrics(part, settings, language)}
            )
    out = pd.DataFrame(rows)
    for col in ("dimension", "value", "velocity_note"):
        out[col] = out[col].astype("string")
    return out


def pipeline_health(
    frame: pd.DataFrame,
    *,
    as_of: Any = None,
    settings: PipelineSettings | None = None,
    stalled_quantile: float = DEFAULT_STALLED_QUANTILE,
    language: str = "en",
) -> pd.DataFrame:
    """Does the open pipeline cover the target, and how much of it needs attention?

    Coverage = weighted open pipeline (amount × observed probability of winning from the
    deal's stage) / ``pipeline.target``. When no target is set, coverage is NaN and the
    note says so.

    Returns
    -------
    DataFrame
        One row per indicator: ``indicator, value, note`` with indicators
        ``open_opportunities, open_amount, weighted_pipeline, target, coverage,
        stalled_opportunities, stalled_amount, stalled_share, not_assessed,
        slipped_opportunities, slipped_amount, slipped_share, median_age_days``.
    """
    q = _check_quantile(stalled_quantile)
    return _health(_prepare(frame, settings, as_of), q=q, language=language)


def _health(prepared: _Prepared, *, q: float, language: str) -> pd.DataFrame:
    """:func:`pipeline_health` of prepared opportunities (see :func:`_prepare`)."""
    settings = prepared[3]
    status = _status(*prepared, q)
    open_ = status[status["status"] == "open"]
    n_open = len(open_)
    weighted = float(open_["expected_value"].sum(min_count=1)) if n_open else 0.0
    target = settings.target
    stalled = open_["stalled"].fillna(False).astype(bool)
    not_assessed = int(open_["stalled"].isna().sum())
    slipped = (
        open_["slipped"].fillna(False).astype(bool)
        if "slipped" in open_.columns
        else pd.Series(False, index=open_.index)
    )
    rows = [
        ("open_opportunities", float(n_open), ""),
        ("open_amount", float(open_["amount"].sum()), ""),
        ("weighted_pipeline", weighted, ""),
        (
            "target",
            math.nan if target is None else float(target),
            label(LABELS, "target_not_set", language) if target is None else "",
        ),
        (
            "coverage",
            math.nan if not target else weighted / target,
            label(LABELS, "target_not_set", language) if target is None else "",
        ),
        ("stalled_opportunities", float(stalled.sum()), ""),
        ("stalled_amount", float(open_.loc[stalled, "amount"].sum()), ""),
        ("stalled_share", float(stalled.mean()) if n_open else math.nan, ""),
        (
            "not_assessed",
            float(not_assessed),
            label(LABELS, "no_threshold", language) if not_assessed else "",
        ),
        ("slipped_opportunities", float(slipped.sum()), ""),
        ("slipped_amount", float(open_.loc[slipped, "amount"].sum()), ""),
        ("slipped_share", float(slipped.mean()) if n_open else math.nan, ""),
        ("median_age_days", float(open_["age_days"].median()) if n_open else math.nan, ""),
    ]
    out = pd.DataFrame(rows, columns=["indicator", "value", "note"])
    out["indicator"] = out["indicator"].astype("string")
    out["note"] = out["note"].astype("string")
    return out


def ageing(
    frame: pd.DataFrame,
    *,
    as_of: Any = None,
    settings: PipelineSettings | None = None,
    stalled_quantile: float = DEFAULT_STALLED_QUANTILE,
) -> pd.DataFrame:
    """Open deals by age since creation (0-30, 31-60, 61-90, 91-180, >180 days).

    Returns
    -------
    DataFrame
        ``age_bucket, opportunities, amount, weighted_amount, stalled, slipped``.
    """
    status = _status(*_prepare(frame, settings, as_of), _check_quantile(stalled_quantile))
    open_ = status[status["status"] == "open"].copy()
    open_["_stalled"] = open_["stalled"].fillna(False).astype(int)
    open_["_slipped"] = (
        open_["slipped"].fillna(False).astype(int) if "slipped" in open_.columns else 0
    )
    out = (
        open_.groupby("age_bucket", observed=False)
        .agg(
            opportunities=("opportunity_id", "size"),
            amount=("amount", "sum"),
            weighted_amount=("expected_value", "sum"),
            stalled=("_stalled", "sum"),
            slipped=("_slipped", "sum"),
        )
        .reset_index()
    )
    out["age_bucket"] = out["age_bucket"].astype("string")
    return out


# ---- qualification ------------------------------------------------------------------------
def _fills(value: object) -> bool:
    """Whether one value fills a criterion (text that is not an 'unknown' marker)."""
    return (
        value is not None
        and not (isinstance(value, float) and math.isnan(value))
        and str(value).strip().casefold() not in EMPTY_MARKERS
    )


def _met(series: pd.Series) -> pd.Series:
    """Whether each value fills the criterion (text that is not an 'unknown' marker).

    A text column is judged once per distinct text (equal texts are judged alike); other
    columns value by value, since ``1`` and ``1.0`` are equal but read differently.
    """
    values = series.to_numpy(dtype=object, na_value=None)
    if isinstance(series.dtype, pd.StringDtype):
        codes, uniques = pd.factorize(values)  # missing values get code -1
        met = np.zeros(len(values), dtype=bool)
        present = codes >= 0
        met[present] = np.array([_fills(v) for v in uniques], dtype=bool)[codes[present]]
    else:
        met = np.array([_fills(v) for v in values], dtype=bool)
    return pd.Series(met, index=series.index, dtype=bool)


def _framework(name: str) -> str:
    key = str(name).upper()
    if key not in FRAMEWORKS:
        raise InputError(
            f"The value for `framework` must be one of {tuple(FRAMEWORKS)}, but {name!r} was "
            "passed (pipeline.framework in engagement.yaml)"
        )
    return key


def _criteria_attributes(long: pd.DataFrame, frame_index: pd.Index) -> pd.DataFrame:
    fields = [
        f for f in dict.fromkeys((*BANT_FIELDS, *MEDDIC_FIELDS, *GPCT_FIELDS)) if f in long.columns
    ]
    if not fields:
        return pd.DataFrame(index=frame_index)
    met = pd.DataFrame({f: _met(long[f]) for f in fields}, index=long.index)
    met["opportunity_id"] = long["opportunity_id"]
    # a criterion is met if any stage row of the opportunity has it filled
    return met.groupby("opportunity_id")[fields].any().reindex(frame_index, fill_value=False)


def qualification_checklist(
    frame: pd.DataFrame,
    *,
    framework: str | None = None,
    as_of: Any = None,
    settings: PipelineSettings | None = None,
    language: str = "en",
) -> pd.DataFrame:
    """The framework's criteria, whether the export tracks them, and how often open deals meet them.

    A criterion whose column is absent from the export is *not tracked* (``tracked``
    False, ``share_met`` NaN): the CRM cannot say. A tracked criterion left empty on a
    deal is *missing* for that deal.

    Returns
    -------
    DataFrame
        ``framework, criterion, label, tracked, open_opportunities, met, share_met,
        question``.
    """
    long, state, _when, settings = _prepare(frame, settings, as_of)
    name = _framework(framework or settings.framework)
    open_ids = state.index[state["status"] == "open"]
    met = _criteria_attributes(long, open_ids)
    rows = []
    for criterion in FRAMEWORKS[name]:
        tracked = criterion in long.columns
        n_met = int(met[criterion].sum()) if tracked else pd.NA
        rows.append(
            {
                "framework": name,
                "criterion": criterion,
                "label": label(LABELS, criterion, language),
                "tracked": tracked,
                "open_opportunities": len(open_ids),
                "met": n_met,
                "share_met": (n_met / len(open_ids)) if tracked and len(open_ids) else math.nan,
                "question": label(LABELS, f"q_{criterion}", language),
            }
        )
    out = pd.DataFrame(rows)
    out["met"] = out["met"].astype("Int64")
    for col in ("framework", "criterion", "label", "question"):
        out[col] = out[col].astype("string")
    return out


def qualification(
    frame: pd.DataFrame,
    *,
    framework: str | None = None,
    as_of: Any = None,
    settings: PipelineSettings | None = None,
    stalled_quantile: float = DEFAULT_STALLED_QUANTILE,
    language: str = "en",
) -> pd.DataFrame:
    """Open opportunities ranked by qualification and expected value, with the next question.

    Each open deal is scored on BANT, MEDDIC and GPCT (share of the *tracked* criteria
    met; NaN when the export tracks none of the framework's fields). The engagement's
    framework (``pipeline.framework``, or ``framework=``) gives the ranking score, the
    missing criteria and the next question to ask (the question of the first missing
    criterion, in the framework's order). Deals are ranked by that score, then by
    expected value (amount × observed probability of winning from their stage).

    Returns
    -------
    DataFrame
        ``rank, opportunity_id, owner, segment, source`` (when present), ``stage,
        amount, win_probability, expected_value, stalled, slipped, score_bant,
        score_meddic, score_gpct, framework, score, criteria_met, criteria_tracked,
        missing, not_tracked, next_question``.
    """
    prepared = _prepare(frame, settings, as_of)
    long, settings = prepared[0], prepared[3]
    name = _framework(framework or settings.framework)
    status = _status(*prepared, _check_quantile(stalled_quantile))
    open_ = status[status["status"] == "open"].set_index("opportunity_id")
    met = _criteria_attributes(long, open_.index)
    out = open_[
        [
            c
            for c in (
                *DIMENSIONS,
                "stage",
                "amount",
                "win_probability",
                "expected_value",
                "stalled",
                "slipped",
            )
            if c in open_.columns
        ]
    ].copy()
    for fw, criteria in FRAMEWORKS.items():
        tracked = [c for c in criteria if c in long.columns]
        out[f"score_{fw.lower()}"] = (
            met[tracked].sum(axis=1) / len(tracked)
            if tracked
            else pd.Series(math.nan, index=out.index)
        ).astype("float64")
    criteria = FRAMEWORKS[name]
    tracked = [c for c in criteria if c in long.columns]
    untracked = [c for c in criteria if c not in long.columns]
    out["framework"] = name
    out["score"] = out[f"score_{name.lower()}"]
    out["criteria_met"] = met[tracked].sum(axis=1).astype("int64") if tracked else 0
    out["criteria_tracked"] = len(tracked)
    met_open = met.reindex(out.index)[tracked].to_numpy(dtype=bool)
    missing_lists = [[c for c, ok in zip(tracked, row, strict=True) if not ok] for row in met_open]
    out["missing"] = [", ".join(label(LABELS, c, language) for c in m) for m in missing_lists]
    out["not_tracked"] = ", ".join(label(LABELS, c, language) for c in untracked)
    if not tracked:
        question = label(LABELS, "q_untracked", language).format(framework=name)
        out["next_question"] = question
    else:
        out["next_question"] = [
            label(LABELS, f"q_{m[0]}", language) if m else label(LABELS, "q_none", language)
            for m in missing_lists
        ]
    out = out.reset_index().sort_values(
        ["score", "expected_value", "opportunity_id"],
        ascending=[False, False, True],
        na_position="last",
        kind="stable",
    )
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    for col in ("framework", "missing", "not_tracked", "next_question"):
        out[col] = out[col].astype("string")
    return out.reset_index(drop=True)


# ---- reporting frame ------------------------------------------------------------------------
def reporting_frame(
    frame: pd.DataFrame,
    *,
    as_of: Any = None,
    settings: PipelineSettings | None = None,
    stalled_quantile: float = DEFAULT_STALLED_QUANTILE,
    targets: Mapping[str, float | None] | None = None,
    language: str = "en",
) -> pd.DataFrame:
    """The indicators the sales team reviews, how often, against what, and what to do if off.

    Targets default to rules of thumb (:data:`REPORTING_INDICATORS`: weighted pipeline
    covers the target, at most 10 % of open deals stalled or past their close date, win
    rate of 25 %, median cycle within 90 days); indicators without a rule of thumb
    (velocity, deal size, stage conversions) have no default target: set them in the
    workshop with ``targets={"win_rate": 0.3, "conversion_proposal": 0.5, ...}``.

    Returns
    -------
    DataFrame
        ``key, indicator, value, direction, target, on_target`` (empty when there is no
        target or no value), ``frequency, action``, in the engagement's language.
    """
    prepared = _prepare(frame, settings, as_of)  # once for both tables
    settings = prepared[3]
    overall = _metrics(prepared, by=(), language=language).iloc[0]
    q = _check_quantile(stalled_quantile)
    health = _health(prepared, q=q, language=language).set_index("indicator")["value"]
    values = {
        "coverage": health["coverage"],
        "stalled_share": health["stalled_share"],
        "slipped_share": health["slipped_share"],
        "win_rate": overall["win_rate"],
        "velocity_per_day": overall["velocity_per_day"],
        "avg_deal_won": overall["avg_deal_won"],
        "cycle_median_days": overall["cycle_median_days"],
    }
    targets = dict(targets or {})
    unknown = set(targets) - set(values) - {f"conversion_{s}" for s in settings.stages[:-1]}
    if unknown:
        raise InputError(
            f"targets names unknown indicator(s) {sorted(unknown)}; known: "
            f"{', '.join([*values, *(f'conversion_{s}' for s in settings.stages[:-1])])}"
        )
    rows = []
    for key, (direction, default, frequency) in REPORTING_INDICATORS.items():
        rows.append(
            (
                key,
                label(LABELS, f"ind_{key}", language),
                values[key],
                direction,
                targets.get(key, default),
                frequency,
                label(LABELS, f"act_{key}", language),
            )
        )
    for i, stage in enumerate(settings.stages[:-1]):
        key = f"conversion_{stage}"
        name = label(LABELS, "ind_conversion", language).format(
            stage=stage, next=settings.stages[i + 1]
        )
        rows.append(
            (
                key,
                name,
                overall[key],
                ">=",
                targets.get(key),
                CONVERSION_FREQUENCY,
                label(LABELS, "act_conversion", language),
            )
        )
    out = pd.DataFrame(
        rows, columns=["key", "indicator", "value", "direction", "target", "frequency", "action"]
    )
    out["value"] = out["value"].astype("float64")
    out["target"] = pd.to_numeric(out["target"]).astype("float64")
    on = [
        pd.NA if (math.isnan(v) or math.isnan(t)) else (v >= t if d == ">=" else v <= t)
        for v, t, d in zip(out["value"], out["target"], out["direction"], strict=True)
    ]
    out.insert(5, "on_target", pd.array(on, dtype="boolean"))
    out["frequency"] = [label(LABELS, f, language) for f in out["frequency"]]
    for col in ("key", "indicator", "direction", "frequency", "action"):
        out[col] = out[col].astype("string")
    return out


def pipeline_findings(
    metrics: pd.DataFrame,
    health: pd.DataFrame,
    *,
    currency: str = "EUR",
    language: str = "en",
) -> dict[str, str]:
    """Headline sentences for the executive summary from :func:`pipeline_metrics` and
    :func:`pipeline_health`."""
    overall = metrics[metrics["dimension"] == "overall"].iloc[0]
    h = health.set_index("indicator")["value"]
    weighted = format_currency(float(h["weighted_pipeline"]), currency, language)
    out = {
        "pipeline_win_rate": label(LABELS, "finding_win", language).format(
            win=format_percent(float(overall["win_rate"]), language),
            deal=format_currency(float(overall["avg_deal_won"]), currency, language),
            cycle=format_number(float(overall["cycle_median_days"]), language),
        ),
        "pipeline_health": label(LABELS, "finding_health", language).format(
            stalled=format_number(float(h["stalled_opportunities"]), language),
            open=format_number(float(h["open_opportunities"]), language),
            slipped=format_number(float(h["slipped_opportunities"]), language),
        ),
    }
    if math.isnan(float(h["coverage"])):
        out["pipeline_coverage"] = label(LABELS, "finding_no_target", language).format(
            weighted=weighted
        )
    else:
        out["pipeline_coverage"] = label(LABELS, "finding_coverage", language).format(
            weighted=weighted, coverage=format_percent(float(h["coverage"]), language)
        )
    return out


# ---- charts -------------------------------------------------------------------------------
def plot_funnel(stages: pd.DataFrame, *, language: str = "en", ax: Axes | None = None) -> Axes:
    """Funnel of :func:`stage_metrics`: centred bars of deals reaching each stage, with the
    conversion to the next stage; the title names the stage that leaks most."""
    ax = get_ax(ax)
    n = len(stages)
    widest = float(stages["reached"].max()) or 1.0
    ypos = np.arange(n)[::-1]
    colors = [CLIENT_COLOR] * (n - 1) + [GOOD_COLOR]
    for y, reached, color in zip(ypos, stages["reached"], colors, strict=True):
        ax.barh(y, reached, left=(widest - reached) / 2, color=color, height=0.7)
        ax.text(
            widest / 2,
            y,
            format_number(float(reached), language),
            ha="center",
            va="center",
            color="white",
            fontweight="bold",
        )
    convs = stages["conversion"].to_numpy(dtype=float)
    for y, conv in zip(ypos[:-1], convs[:-1], strict=True):
        if not math.isnan(conv):
            ax.text(
                widest * 1.02,
                y - 0.5,
                label(LABELS, "conv_to_next", language).format(conv=format_percent(conv, language)),
                va="center",
                ha="left",
                color=NEUTRAL_COLOR,
            )
    ax.set_yticks(ypos, labels=list(stages["stage"]))
    ax.set_xlim(0, widest * 1.18)
    ax.grid(axis="y", visible=False)
    if n > 1 and np.isfinite(convs[:-1]).any():
        i = int(np.nanargmin(convs[:-1]))
        title = label(LABELS, "funnel_title", language).format(
            stage=stages["stage"].iloc[i],
            next=stages["stage"].iloc[i + 1],
            conv=format_percent(float(convs[i]), language),
        )
    else:
        title = label(LABELS, "funnel_title_plain", language)
    ax.set(title=title, xlabel=label(LABELS, "funnel_x", language), ylabel="")
    return localise_axes(ax, language)


def plot_stage_durations(
    stages: pd.DataFrame,
    *,
    status: pd.DataFrame | None = None,
    stalled_quantile: float = DEFAULT_STALLED_QUANTILE,
    language: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """Median days in each open stage (bars), the stall threshold (ticks) and, when
    ``status`` (:func:`opportunity_status`) is given, today's open deals (dots; stalled in red)."""
    ax = get_ax(ax)
    open_stages = stages.iloc[:-1]
    n = len(open_stages)
    ypos = np.arange(n)[::-1]
    ax.barh(
        ypos,
        open_stages["days_median"].fillna(0),
        color=CLIENT_COLOR,
        height=0.6,
        alpha=0.85,
        label=label(LABELS, "median", language),
    )
    ax.scatter(
        open_stages["stall_threshold_days"],
        ypos,
        marker="|",
        s=900,
        color=THRESHOLD_COLOR,
        linewidths=2.5,
        zorder=3,
        label=label(LABELS, "threshold", language).format(q=round(stalled_quantile * 100)),
    )
    if status is not None:
        open_ = status[status["status"] == "open"]
        where = {s: y for s, y in zip(open_stages["stage"], ypos, strict=True)}
        jitter = np.linspace(-0.22, 0.22, 7)
        ys = [where.get(s, np.nan) + jitter[k % len(jitter)] for k, s in enumerate(open_["stage"])]
        stalled = open_["stalled"].fillna(False).astype(bool).to_numpy()
        ys = np.asarray(ys, dtype=float)
        days = open_["days_in_stage"].to_numpy(dtype=float)
        ax.scatter(
            days[~stalled],
            ys[~stalled],
            s=14,
            color=PALETTE[1],
            alpha=0.8,
            zorder=4,
            label=label(LABELS, "open_deals", language),
        )
        if stalled.any():
            ax.scatter(
                days[stalled],
                ys[stalled],
                s=22,
                color=BAD_COLOR,
                zorder=5,
                label=label(LABELS, "stalled", language),
            )
    ax.set_yticks(ypos, labels=list(open_stages["stage"]))
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", fontsize="small")
    med = open_stages["days_median"]
    if med.notna().any():
        i = int(np.nanargmax(med.to_numpy(dtype=float)))
        title = label(LABELS, "durations_title", language).format(
            stage=open_stages["stage"].iloc[i], days=format_number(float(med.iloc[i]), language)
        )
    else:
        title = label(LABELS, "durations_title_plain", language)
    ax.set(title=title, xlabel=label(LABELS, "durations_x", language), ylabel="")
    return localise_axes(ax, language)


__all__ = [
    "DEFAULT_STALLED_QUANTILE",
    "FRAMEWORKS",
    "LABELS",
    "REPORTING_INDICATORS",
    "ageing",
    "detect_stage_columns",
    "from_wide",
    "opportunity_status",
    "pipeline_findings",
    "pipeline_health",
    "pipeline_metrics",
    "plot_funnel",
    "plot_stage_durations",
    "qualification",
    "qualification_checklist",
    "reporting_frame",
    "stage_durations",
    "stage_metrics",
    "to_long",
]
