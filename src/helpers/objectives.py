"""Objectives: SMART checks, forecast-based target realism, OKRs, AARRR KPIs, scorecard.

After the diagnostic, the method sets commercial objectives that are Specific, Measurable,
Attainable, Realistic and Time-bound; checks revenue and volume targets against a
statistical forecast of the business (conservative, stretch or unrealistic); expresses
them as OKRs; measures them with KPIs at every stage of the customer funnel (AARRR); and
aligns them in a balanced scorecard whose strategy map shows how learning and processes
drive customers and, in the end, the financial results.
"""

from __future__ import annotations

import math
import re
import textwrap
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.errors import InputError, NotFittedError
from helpers.i18n import format_currency, format_number, format_percent, label
from helpers.plots import (
    BAD_COLOR,
    CLIENT_COLOR,
    GOOD_COLOR,
    NEUTRAL_COLOR,
    PALETTE,
    get_ax,
    localise_axes,
)
from helpers.schema import AARRR_STAGES, BSC_PERSPECTIVES

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# ---- constants -------------------------------------------------------------------------
SMART_CRITERIA = ("specific", "measurable", "attainable", "realistic", "time_bound")
#: an objective statement needs at least this many words to say what is to be achieved
MIN_OBJECTIVE_WORDS = 3
#: a deadline closer than this (months after the baseline date) leaves no time to act
MIN_MONTHS_TO_ACT = 3
#: default ceiling on the implied annual growth of objectives that are not revenue or
#: volume (engagement.yaml: thresholds.smart_growth_ceiling)
DEFAULT_GROWTH_CEILING = 0.5

REALISM_CLASSES = ("conservative", "stretch", "unrealistic")
#: objectives whose target is checked against a forecast, and the monthly series used
FORECAST_METRIC_SERIES = {"revenue": "revenue", "volume": "orders"}
#: revenue and volume targets are totals over this many months to the deadline
TARGET_WINDOW_MONTHS = 12
TARGET_BASIS = "12 months to deadline"

SEASONAL_PERIODS = 12
#: optimiser of the smoothing fits: same optima as the default SLSQP here, several times faster
FIT_METHOD = "least_squares"
#: statsmodels' brute-force grid search for starting values, off: each fit is 5-10 times
#: faster, and on the sample client it picks the same model, with the same revenue fit
#: and an equal or lower error on orders (the grid's start led to a worse local optimum)
FIT_USE_BRUTE = False
#: months of history for a seasonal model (two full years) and for a trend model
MIN_SEASONAL_MONTHS = 24
MIN_TREND_MONTHS = 12
MIN_HISTORY_MONTHS = 3
#: simulated paths used for the prediction intervals
DEFAULT_SIMULATIONS = 2000
#: the drift fallback's spread is widened by this factor (few points: the model is crude)
DRIFT_WIDENING = 1.5
#: ... and is at least this share of the last value
DRIFT_MIN_RELATIVE_SIGMA = 0.05
QUANTILES = {
    "lower_95": 0.025,
    "lower_80": 0.10,
    "median": 0.5,
    "upper_80": 0.90,
    "upper_95": 0.975,
}
FORECAST_COLUMNS = (
    "series",
    "basis",
    "month",
    "mean",
    "median",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
    "model",
    "last_actual",
)

OKR_MIN_KEY_RESULTS = 3
OKR_MAX_KEY_RESULTS = 5
#: Google's grading: 0.7-1.0 green, 0.4-0.6 amber, below red (green starts at
#: thresholds.okr_success)
OKR_AMBER_FLOOR = 0.4
OKR_GRADES = ("green", "amber", "red")

#: NPS answers: promoters 9-10, detractors 0-6
NPS_PROMOTER_MIN = 9
NPS_DETRACTOR_MAX = 6
KPI_WINDOW_MONTHS = 12

PERSPECTIVE_LEVEL = {p: i for i, p in enumerate(reversed(BSC_PERSPECTIVES))}  # learning 0

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "specific_ok": "States what is to be achieved and the pillar it serves ({pillar})",
        "specific_short": "the statement is too vague (fewer than {n} words)",
        "specific_no_pillar": "no strategic pillar named",
        "not_specific": "Not specific: {why}",
        "measurable_ok": "Measured by {metric}, target {target}",
        "no_metric": "no metric named",
        "no_target": "no numeric target",
        "not_measurable": "Not measurable: {why}",
        "attainable_forecast": "The target is {cls} against the forecast (median {median}, "
        "95 % band up to {upper})",
        "not_attainable_forecast": "Not attainable: the target is above the forecast's "
        "95 % band (up to {upper})",
        "attainable_growth": "Implied annual change {growth}, within the ceiling of {ceiling}",
        "not_attainable_growth": "Not attainable: implied annual change {growth} is beyond "
        "the ceiling of {ceiling}",
        "attainable_unknown": "Not attainable as stated: {why}",
        "why_no_forecast": "no forecast for the deadline",
        "why_no_baseline": "the baseline and target must both be positive numbers to judge "
        "the effort",
        "why_no_time": "no deadline after the baseline date to spread the effort over",
        "realistic_ok": "Carried by {owner}, {months} months to act",
        "realistic_ok_no_deadline": "Carried by {owner}",
        "no_owner": "nobody is named to carry it",
        "too_soon": "the deadline leaves {months} month(s) to act (at least {min} needed)",
        "not_realistic": "Not realistic: {why}",
        "time_bound_ok": "Deadline {deadline}, after the baseline date {as_of}",
        "no_deadline": "Not time-bound: no deadline",
        "deadline_past": "Not time-bound: the deadline {deadline} is not after the baseline "
        "date {as_of}",
        "smart_title": "{n} of {m} objectives pass all five SMART criteria",
        "specific": "Specific",
        "measurable": "Measurable",
        "attainable": "Attainable",
        "realistic": "Realistic",
        "time_bound": "Time-bound",
        "conservative": "conservative",
        "stretch": "stretch",
        "unrealistic": "unrealistic",
        "history": "Actual",
        "forecast_median": "Forecast (median)",
        "band_80": "80 % interval",
        "band_95": "95 % interval",
        "target": "Target",
        "forecast_title_12m": "{series} over 12 months: the forecast reaches {median} by {month}",
        "forecast_title_month": "Monthly {series}: forecast to {month}",
        "revenue": "Revenue",
        "orders": "Orders",
        "customers": "Customers",
        "month": "Month",
        "kr_none": "no key result",
        "kr_few": "{n} key result(s): fewer than {min}",
        "kr_many": "{n} key results: more than {max}",
        "kr_incomplete": "{n} key result(s) without start, target or current value",
        "okr_title": "{n} of {m} OKR objectives on track (score ≥ {success})",
        "okr_score": "Score (0–1)",
        "green": "green",
        "amber": "amber",
        "red": "red",
        "kpi_title": "AARRR: {n} KPIs, {k} with a baseline from the data",
        "acquisition": "Acquisition",
        "activation": "Activation",
        "retention": "Retention",
        "referral": "Referral",
        "leading": "leading",
        "lagging": "lagging",
        "no_kpi": "no KPI",
        "data_from_kpi": "computed from the data",
        "map_title": "Strategy map: {n} objectives, {links} cause-and-effect links",
        "financial": "Financial",
        "customer": "Customer",
        "internal": "Internal processes",
        "learning": "Learning & growth",
        "flag_no_kpi": "no KPI",
        "flag_no_link": "no cause-and-effect link",
        "flag_downward": "drives a lower perspective ({ids})",
        "monthly": "monthly",
        "weekly": "weekly",
        "daily": "daily",
        "quarterly": "quarterly",
        "yearly": "yearly",
    },
    "fr": {
        "specific_ok": "Dit ce qui est visé et le pilier servi ({pillar})",
        "specific_short": "l'énoncé est trop vague (moins de {n} mots)",
        "specific_no_pillar": "aucun pilier stratégique",
        "not_specific": "Pas spécifique : {why}",
        "measurable_ok": "Mesuré par {metric}, cible {target}",
        "no_metric": "aucun indicateur",
        "no_target": "aucune cible chiffrée",
        "not_measurable": "Pas mesurable : {why}",
        "attainable_forecast": "La cible est {cls} au regard de la prévision (médiane "
        "{median}, bande à 95 % jusqu'à {upper})",
        "not_attainable_forecast": "Pas atteignable : la cible dépasse la bande à 95 % de la "
        "prévision (jusqu'à {upper})",
        "attainable_growth": "Variation annuelle implicite {growth}, sous le plafond de {ceiling}",
        "not_attainable_growth": "Pas atteignable : variation annuelle implicite {growth}, "
        "au-delà du plafond de {ceiling}",
        "attainable_unknown": "Pas atteignable en l'état : {why}",
        "why_no_forecast": "pas de prévision à l'échéance",
        "why_no_baseline": "il faut un point de départ et une cible positifs pour juger l'effort",
        "why_no_time": "pas d'échéance postérieure à la date de référence",
        "realistic_ok": "Porté par {owner}, {months} mois pour agir",
        "realistic_ok_no_deadline": "Porté par {owner}",
        "no_owner": "personne n'est désigné pour le porter",
        "too_soon": "l'échéance laisse {months} mois pour agir (il en faut au moins {min})",
        "not_realistic": "Pas réaliste : {why}",
        "time_bound_ok": "Échéance {deadline}, après la date de référence {as_of}",
        "no_deadline": "Pas temporellement défini : aucune échéance",
        "deadline_past": "Pas temporellement défini : l'échéance {deadline} n'est pas "
        "postérieure à la date de référence {as_of}",
        "smart_title": "{n} objectifs sur {m} passent les cinq critères SMART",
        "specific": "Spécifique",
        "measurable": "Mesurable",
        "attainable": "Atteignable",
        "realistic": "Réaliste",
        "time_bound": "Temporel",
        "conservative": "prudente",
        "stretch": "ambitieuse",
        "unrealistic": "irréaliste",
        "history": "Réalisé",
        "forecast_median": "Prévision (médiane)",
        "band_80": "Intervalle à 80 %",
        "band_95": "Intervalle à 95 %",
        "target": "Cible",
        "forecast_title_12m": "{series} sur 12 mois : la prévision atteint {median} en {month}",
        "forecast_title_month": "{series} mensuel : prévision jusqu'à {month}",
        "revenue": "Chiffre d'affaires",
        "orders": "Commandes",
        "customers": "Clients",
        "month": "Mois",
        "kr_none": "aucun résultat clé",
        "kr_few": "{n} résultat(s) clé(s) : moins de {min}",
        "kr_many": "{n} résultats clés : plus de {max}",
        "kr_incomplete": "{n} résultat(s) clé(s) sans départ, cible ou valeur actuelle",
        "okr_title": "{n} objectifs OKR sur {m} en bonne voie (score ≥ {success})",
        "okr_score": "Score (0–1)",
        "green": "vert",
        "amber": "orange",
        "red": "rouge",
        "kpi_title": "AARRR : {n} indicateurs, dont {k} calculés sur les données",
        "acquisition": "Acquisition",
        "activation": "Activation",
        "retention": "Rétention",
        "referral": "Recommandation",
        "leading": "avancé",
        "lagging": "retardé",
        "no_kpi": "aucun indicateur",
        "data_from_kpi": "calculé sur les données",
        "map_title": "Carte stratégique : {n} objectifs, {links} liens de cause à effet",
        "financial": "Financier",
        "customer": "Clients",
        "internal": "Processus internes",
        "learning": "Apprentissage et croissance",
        "flag_no_kpi": "aucun indicateur",
        "flag_no_link": "aucun lien de cause à effet",
        "flag_downward": "agit sur une perspective inférieure ({ids})",
        "monthly": "mensuel",
        "weekly": "hebdomadaire",
        "daily": "quotidien",
        "quarterly": "trimestriel",
        "yearly": "annuel",
    },
}
LABELS["en"]["revenue_stage"] = "Revenue"
LABELS["fr"]["revenue_stage"] = "Revenu"
LABELS["en"].update(
    {
        "finding_smart": "{n} of {m} commercial objectives are SMART as written.",
        "finding_realism": "{n} of {m} revenue and volume targets are beyond the forecast's "
        "95 % band ({ids}): revise them or name the step change behind them.",
        "finding_realism_none": "All {m} revenue and volume targets are within the forecast's "
        "95 % band.",
        "finding_okr": "{n} of {m} OKR objectives are on track; {flagged} need rework "
        "(too few, too many or no key results).",
    }
)
LABELS["fr"].update(
    {
        "finding_smart": "{n} objectifs commerciaux sur {m} sont SMART tels qu'écrits.",
        "finding_realism": "{n} cibles de chiffre d'affaires ou de volume sur {m} dépassent la "
        "bande à 95 % de la prévision ({ids}) : à revoir, ou à justifier par "
        "un changement de rythme.",
        "finding_realism_none": "Les {m} cibles de chiffre d'affaires et de volume sont dans la "
        "bande à 95 % de la prévision.",
        "finding_okr": "{n} objectifs OKR sur {m} sont en bonne voie ; {flagged} sont à "
        "retravailler (trop peu, trop ou aucun résultat clé).",
    }
)

GRADE_COLORS = {"green": GOOD_COLOR, "amber": PALETTE[6], "red": BAD_COLOR}
REALISM_COLORS = {"conservative": GOOD_COLOR, "stretch": PALETTE[1], "unrealistic": BAD_COLOR}


# ---- small utilities -------------------------------------------------------------------
def _require(df: pd.DataFrame, columns: tuple[str, ...] | list[str], name: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{name}: expected a DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            f"{name}: missing column(s) {', '.join(missing)} (found: "
            f"{', '.join(map(str, df.columns))}); map them in engagement.yaml or pass the "
            "canonical table"
        )


def _with_optional(df: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``df`` with the optional columns it lacks added as empty (a copy when any is)."""
    missing = [c for c in columns if c not in df.columns]
    return df.assign(**{c: pd.NA for c in missing}) if missing else df


def _blank(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    return bool(pd.isna(value)) if not isinstance(value, (list, tuple)) else False


def _month_start(value: Any) -> pd.Timestamp:
    return pd.Timestamp(value).to_period("M").to_timestamp()


def _months_between(start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Whole calendar months from ``start``'s month to ``end``'s month."""
    return (end.year - start.year) * 12 + (end.month - start.month)


def annual_growth(baseline: float, target: float, months: float) -> float | None:
    """Compound annual growth rate that takes ``baseline`` to ``target`` in ``months``.

    ``(target / baseline) ** (12 / months) - 1``; ``None`` when either value is not
    positive or ``months`` is not positive.

    Examples
    --------
    >>> round(annual_growth(100.0, 121.0, 24), 4)   # 1.21 ** 0.5 - 1
    0.1
    """
    if _blank(baseline) or _blank(target) or _blank(months):
        return None
    if baseline <= 0 or target <= 0 or months <= 0:
        return None
    return float((target / baseline) ** (12.0 / months) - 1.0)


def _orders_key(transactions: pd.DataFrame) -> pd.Series:
    """One key per order: ``order_id`` when given, else customer and day."""
    if "order_id" in transactions and transactions["order_id"].notna().all():
        return transactions["order_id"].astype("string")
    day = pd.to_datetime(transactions["order_date"]).dt.strftime("%Y-%m-%d")
    return transactions["customer_id"].astype("string") + "|" + day


# ---- monthly series --------------------------------------------------------------------
def monthly_series(transactions: pd.DataFrame) -> pd.DataFrame:
    """Revenue, orders and active customers per calendar month (01's ``monthly_revenue``).

    Used when the diagnostic notebook has not saved ``monthly_revenue`` in this run.
    Months without any transaction inside the span are kept with zeros.

    Parameters
    ----------
    transactions
        Canonical transactions (``customer_id``, ``order_date``, ``amount``; ``order_id``
        optional: without it an order is a customer's purchases of one day).

    Returns
    -------
    DataFrame
        ``month`` (first day of the month), ``revenue``, ``orders``, ``customers``.
    """
    _require(transactions, ("customer_id", "order_date", "amount"), "transactions")
    if transactions.empty:
        raise InputError("transactions: no rows; a monthly series needs at least one order")
    tx = pd.DataFrame(
        {
            "month": pd.to_datetime(transactions["order_date"]).dt.to_period("M").dt.to_timestamp(),
            "amount": transactions["amount"].astype("float64"),
            "order": _orders_key(transactions),
            "customer": transactions["customer_id"].astype("string"),
        }
    )
    grouped = tx.groupby("month").agg(
        revenue=("amount", "sum"), orders=("order", "nunique"), customers=("customer", "nunique")
    )
    months = pd.date_range(grouped.index.min(), grouped.index.max(), freq="MS")
    out = grouped.reindex(months, fill_value=0).rename_axis("month").reset_index()
    out["month"] = out["month"].astype("datetime64[ns]")
    out["orders"] = out["orders"].astype("int64")
    out["customers"] = out["customers"].astype("int64")
    return out


def _history(monthly: pd.DataFrame, value: str) -> pd.Series:
    _require(monthly, ("month", value), "monthly series")
    months = pd.to_datetime(monthly["month"]).dt.to_period("M").dt.to_timestamp()
    series = pd.Series(monthly[value].astype("float64").to_numpy(), index=months).sort_index()
    if series.index.has_duplicates:
        dup = series.index[series.index.duplicated()][0]
        raise InputError(f"monthly series: month {dup:%Y-%m} appears twice; one row per month")
    series = series.asfreq("MS")
    if series.isna().any():
        gaps = ", ".join(f"{m:%Y-%m}" for m in series.index[series.isna()][:5])
        raise InputError(
            f"monthly series: {value} is missing for {gaps}; give every month (0 when "
            "nothing was sold)"
        )
    return series


def last_actual_month(monthly: pd.DataFrame) -> pd.Timestamp:
    """The last month of the history (first day of the month)."""
    _require(monthly, ("month",), "monthly series")
    return _month_start(pd.to_datetime(monthly["month"]).max())


def baseline_date(monthly: pd.DataFrame) -> pd.Timestamp:
    """The baseline date of the objectives: the last day of the last actual month."""
    return last_actual_month(monthly) + pd.offsets.MonthEnd(0)


# ---- forecast --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Candidate:
    trend: str | None
    damped: bool
    seasonal: str | None

    @property
    def name(self) -> str:
        trend = {None: "N", "add": "A", "mul": "M"}[self.trend] + ("d" if self.damped else "")
        seasonal = {None: "N", "add": "A", "mul": "M"}[self.seasonal]
        return f"Holt-Winters ({trend},{seasonal})"


class SeriesForecaster:
    """Exponential-smoothing forecast of a monthly series, with simulated intervals.

    The model depends on the length of the history:

    * 24 months or more: Holt-Winters exponential smoothing with trend and 12-month
      seasonality; additive or damped-additive trend, additive or multiplicative
      seasonality (plus a damped multiplicative trend when the series is positive),
      chosen by the smallest AICc;
    * 12 to 23 months: trend without seasonality (additive or damped), by AICc;
    * 3 to 11 months: a random walk with drift, whose spread is widened by
      ``DRIFT_WIDENING`` and is at least ``DRIFT_MIN_RELATIVE_SIGMA`` of the last value.

    Prediction intervals come from ``simulations`` simulated future paths, so that the
    total over any window of months has intervals too. Each path adds to the model's own
    simulation (normal errors with the residual variance corrected for the number of
    fitted parameters) the estimation uncertainty of the level and of the trend: a level
    shift with standard error ``sigma / sqrt(n)`` and a slope shift with the standard
    error of a straight-line slope fitted to ``n`` months, ``sigma * sqrt(12 / (n (n² -
    1)))``, growing with the horizon (damped like the trend). Without it a very regular
    history would get bands that do not widen. The normal draws are stratified (Latin
    hypercube: the same quantiles every month, paired at random) so that the bands move
    smoothly with the horizon; everything is seeded by ``seed``.

    Parameters
    ----------
    simulations
        Number of simulated paths.
    seed
        Seed of the random generator (the engagement's ``seed``): equal inputs give equal
        forecasts.
    """

    def __init__(self, *, simulations: int = DEFAULT_SIMULATIONS, seed: int = 2026) -> None:
        self.simulations = simulations
        self.seed = seed

    # -- fitting --------------------------------------------------------------------------
    def fit(self, history: pd.Series) -> SeriesForecaster:
        """Fit on a monthly series indexed by month (first day of the month)."""
        if not isinstance(history, pd.Series):
            raise InputError(
                f"history: expected a Series indexed by month, got {type(history).__name__}"
            )
        y = history.astype("float64").sort_index()
        y.index = pd.DatetimeIndex(y.index).to_period("M").to_timestamp()
        y = y.asfreq("MS")
        if y.isna().any():
            raise InputError("history: some months are missing or empty; give every month")
        if len(y) < MIN_HISTORY_MONTHS:
            raise InputError(
                f"history: {len(y)} month(s) given; a forecast needs at least "
                f"{MIN_HISTORY_MONTHS} months of history"
            )
        if self.simulations < 100:
            raise InputError(f"simulations: at least 100 needed, got {self.simulations}")
        self.history_ = y
        self.last_month_ = y.index[-1]
        self.n_months_ = len(y)
        if len(y) >= MIN_TREND_MONTHS:
            self._fit_smoothing(y)
        else:
            self._fit_drift(y)
        return self

    def _candidates(self, y: pd.Series) -> list[_Candidate]:
        positive = bool((y > 0).all())
        if len(y) >= MIN_SEASONAL_MONTHS:
            out = [_Candidate("add", False, "add"), _Candidate("add", True, "add")]
            if positive:
                out += [
                    _Candidate("add", False, "mul"),
                    _Candidate("add", True, "mul"),
                    _Candidate("mul", True, "mul"),
                ]
            return out
        return [_Candidate("add", False, None), _Candidate("add", True, None)]

    def _fit_smoothing(self, y: pd.Series) -> None:
        from statsmodels.tsa.holtwinters import ExponentialSmoothing

        rows = []
        best = None
        for cand in self._candidates(y):
            model = ExponentialSmoothing(
                y,
                trend=cand.trend,
                damped_trend=cand.damped,
                seasonal=cand.seasonal,
                seasonal_periods=SEASONAL_PERIODS if cand.seasonal else None,
                initialization_method="estimated",
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    result = model.fit(method=FIT_METHOD, use_brute=FIT_USE_BRUTE)
                except (ValueError, np.linalg.LinAlgError):
                    continue
            aicc = float(result.aicc)
            if not np.isfinite(aicc):
                continue
            rows.append({"model": cand.name, "aicc": aicc})
            if best is None or aicc < best[0]:
                best = (aicc, cand, result)
        if best is None:  # every fit failed: degrade gracefully to the drift model
            self._fit_drift(y)
            return
        self.aicc_, candidate, self.result_ = best
        n = len(y)
        fitted_params = int(self.result_.k)
        self.sigma_ = math.sqrt(float(self.result_.sse) / max(n - fitted_params, 1))
        self.level_se_ = self.sigma_ / math.sqrt(n)
        self.slope_se_ = (
            self.sigma_ * math.sqrt(12.0 / (n * (n * n - 1)))
            if candidate.trend is not None
            else 0.0
        )
        self.damping_ = float(self.result_.params["damping_trend"]) if candidate.damped else 1.0
        self.model_ = candidate.name
        self.candidates_ = pd.DataFrame(rows).sort_values("aicc", ignore_index=True)
        self.kind_ = "smoothing"

    def _fit_drift(self, y: pd.Series) -> None:
        diffs = np.diff(y.to_numpy())
        self.drift_ = float(diffs.mean())
        spread = float(diffs.std(ddof=1)) if len(diffs) > 1 else 0.0
        floor = DRIFT_MIN_RELATIVE_SIGMA * abs(float(y.iloc[-1]))
        self.sigma_ = max(spread * DRIFT_WIDENING, floor)
        self.slope_se_ = self.sigma_ / math.sqrt(len(diffs))
        self.level_se_ = 0.0
        self.aicc_ = float("nan")
        self.model_ = "Random walk with drift (widened interval)"
        self.candidates_ = pd.DataFrame({"model": [self.model_], "aicc": [float("nan")]})
        self.kind_ = "drift"

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError("SeriesForecaster: call fit(history) before forecasting")

    # -- simulation -----------------------------------------------------------------------
    def simulate(self, until: Any) -> pd.DataFrame:
        """Simulated future paths: one row per month after the history up to ``until``.

        Columns are the ``simulations`` paths. Deterministic for a given ``seed``.
        """
        self._check_fitted()
        end = _month_start(until)
        steps = _months_between(self.last_month_, end)
        if steps < 1:
            raise InputError(
                f"until: {end:%Y-%m} is not after the last actual month "
                f"{self.last_month_:%Y-%m}; forecast a later month"
            )
        months = pd.date_range(
            self.last_month_ + pd.offsets.MonthBegin(1), periods=steps, freq="MS"
        )
        rng = np.random.default_rng(self.seed)
        reps = self.simulations
        errors = self.sigma_ * _stratified_normal(rng, steps, reps)
        horizon = np.arange(1, steps + 1, dtype="float64")
        if self.kind_ == "smoothing":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sims = self.result_.simulate(
                    steps, anchor="end", repetitions=reps, error="add", random_errors=errors
                )
            paths = np.asarray(sims, dtype="float64").reshape(steps, reps)
            reach = np.cumsum(self.damping_**horizon)  # how far a slope error carries
        else:
            paths = float(self.history_.iloc[-1]) + np.cumsum(self.drift_ + errors, axis=0)
            reach = horizon
        level_shift = self.level_se_ * _stratified_normal(rng, 1, reps)
        slope_shift = self.slope_se_ * _stratified_normal(rng, 1, reps)
        paths = paths + level_shift + reach[:, None] * slope_shift
        return pd.DataFrame(paths, index=pd.DatetimeIndex(months, name="month"))

    def predict(self, until: Any, *, series: str = "value") -> pd.DataFrame:
        """Forecast to ``until`` with 80 % and 95 % intervals, per month and over 12 months.

        Returns
        -------
        DataFrame
            Columns ``FORECAST_COLUMNS``: ``series``; ``basis`` (``month``: the month's
            value; ``12m``: the total of the twelve months to that month, actual months
            included); ``month``; ``mean``, ``median`` and the quantiles ``lower_95``
            (2.5 %), ``lower_80`` (10 %), ``upper_80`` (90 %), ``upper_95`` (97.5 %) of the
            simulated paths; ``model``; ``last_actual`` (the history's last month).
        """
        paths = self.simulate(until)
        frames = [self._summarise(paths, series=series, basis="month")]
        window = TARGET_WINDOW_MONTHS - 1
        actual = self.history_.iloc[-window:].to_numpy() if window else np.empty(0)
        if len(actual) == window:
            stacked = np.vstack(
                [np.repeat(actual[:, None], paths.shape[1], axis=1), paths.to_numpy()]
            )
            rolling = np.cumsum(stacked, axis=0)
            totals = rolling[window:] - np.vstack(
                [np.zeros((1, paths.shape[1])), rolling[: -window - 1]]
            )
            totals_df = pd.DataFrame(totals, index=paths.index)
            frames.append(self._summarise(totals_df, series=series, basis="12m"))
        return pd.concat(frames, ignore_index=True)

    def _summarise(self, paths: pd.DataFrame, *, series: str, basis: str) -> pd.DataFrame:
        values = paths.to_numpy()
        out = pd.DataFrame(
            {
                "series": series,
                "basis": basis,
                "month": paths.index.astype("datetime64[ns]"),
                "mean": values.mean(axis=1),
            }
        )
        for column, q in QUANTILES.items():
            out[column] = np.quantile(values, q, axis=1)
        out["model"] = self.model_
        out["last_actual"] = self.last_month_
        out["last_actual"] = out["last_actual"].astype("datetime64[ns]")
        return out[list(FORECAST_COLUMNS)]


def _stratified_normal(rng: np.random.Generator, rows: int, reps: int) -> np.ndarray:
    """Standard normal draws, stratified: each row holds the ``reps`` quantiles
    ``(i + 0.5) / reps`` in a random order (Latin hypercube sampling)."""
    from scipy.stats import norm

    base = norm.ppf((np.arange(reps) + 0.5) / reps)
    return np.stack([rng.permutation(base) for _ in range(rows)])


def forecast(
    monthly: pd.DataFrame,
    *,
    until: Any,
    value: str = "revenue",
    seed: int = 2026,
    simulations: int = DEFAULT_SIMULATIONS,
) -> pd.DataFrame:
    """Forecast one column of a monthly series to ``until`` (see :class:`SeriesForecaster`).

    Parameters
    ----------
    monthly
        ``month`` and the ``value`` column (01's ``monthly_revenue``, or
        :func:`monthly_series`).
    until
        Last month to forecast (any date in it).
    value
        ``revenue``, ``orders`` or ``customers``.
    seed, simulations
        Random seed and number of simulated paths of the intervals.
    """
    history = _history(monthly, value)
    model = SeriesForecaster(simulations=simulations, seed=seed).fit(history)
    return model.predict(until, series=value)


def forecast_horizon(objectives: pd.DataFrame | None, monthly: pd.DataFrame) -> pd.Timestamp:
    """The month to forecast to: the latest objective deadline, at least a year ahead."""
    last = last_actual_month(monthly)
    horizon = last + pd.DateOffset(months=TARGET_WINDOW_MONTHS)
    if objectives is not None and "deadline" in objectives:
        deadlines = pd.to_datetime(objectives["deadline"]).dropna()
        if not deadlines.empty:
            horizon = max(horizon, _month_start(deadlines.max()))
    return _month_start(horizon)


def forecast_for_objectives(
    monthly: pd.DataFrame,
    objectives: pd.DataFrame | None = None,
    *,
    seed: int = 2026,
    simulations: int = DEFAULT_SIMULATIONS,
) -> pd.DataFrame:
    """Forecast revenue (and orders, when a volume objective exists) to the latest deadline.

    The horizon is the latest objective deadline, and at least twelve months after the
    last actual month (also when no objectives are given). Returns the frames of
    :func:`forecast` stacked (``series`` tells them apart).
    """
    if objectives is not None:
        _require(objectives, ("objective_id",), "objectives")
    until = forecast_horizon(objectives, monthly)
    series = ["revenue"]
    if (
        objectives is not None
        and "metric_type" in objectives
        and (objectives["metric_type"].astype("string").str.strip().str.lower() == "volume").any()
    ):
        series.append(FORECAST_METRIC_SERIES["volume"])
    frames = [
        forecast(monthly, until=until, value=s, seed=seed, simulations=simulations) for s in series
    ]
    return pd.concat(frames, ignore_index=True)


def classify_target(target: float, *, median: float, upper_95: float) -> str:
    """Place a target against a forecast: ``conservative`` (≤ median), ``stretch``
    (above the median, up to the 95 % band's upper bound) or ``unrealistic`` (above it)."""
    if target <= median:
        return "conservative"
    if target <= upper_95:
        return "stretch"
    return "unrealistic"


def target_realism(
    objectives: pd.DataFrame, forecast_frame: pd.DataFrame, monthly: pd.DataFrame
) -> pd.DataFrame:
    """Place each revenue and volume target against the forecast.

    The target is read as the **total over the 12 months to the deadline month**
    (``target_12m``); it is compared with the forecast of that total (``basis == "12m"``).
    Volume targets are numbers of orders.

    Returns
    -------
    DataFrame
        One row per revenue or volume objective: ``objective_id``, ``metric_type``,
        ``series``, ``deadline_month``, ``target_basis``, ``baseline_12m`` (the given
        baseline, else the actual total of the last 12 months), ``target_12m``,
        ``forecast_median_12m``, ``forecast_lower_95_12m``, ``forecast_upper_95_12m``,
        ``realism`` (``conservative``/``stretch``/``unrealistic``; empty when the target
        or deadline is missing or outside the forecast), ``implied_annual_growth``
        (compound, from the baseline at the last actual month to the target at the
        deadline).
    """
    _require(objectives, ("objective_id",), "objectives")
    objectives = _with_optional(objectives, ("metric_type", "baseline", "target", "deadline"))
    _require(forecast_frame, FORECAST_COLUMNS, "forecast")
    last = last_actual_month(monthly)
    rows = []
    kinds = objectives["metric_type"].astype("string").str.strip().str.lower()
    for (_, obj), kind in zip(objectives.iterrows(), kinds, strict=True):
        if kind not in FORECAST_METRIC_SERIES:
            continue
        series = FORECAST_METRIC_SERIES[kind]
        history = _history(monthly, series)
        actual_12m = (
            float(history.iloc[-TARGET_WINDOW_MONTHS:].sum())
            if len(history) >= TARGET_WINDOW_MONTHS
            else None
        )
        baseline = obj.get("baseline")
        baseline = actual_12m if _blank(baseline) else float(baseline)
        target = None if _blank(obj["target"]) else float(obj["target"])
        deadline = None if _blank(obj["deadline"]) else _month_start(obj["deadline"])
        row = {
            "objective_id": obj["objective_id"],
            "metric_type": kind,
            "series": series,
            "deadline_month": deadline,
            "target_basis": TARGET_BASIS,
            "baseline_12m": baseline,
            "target_12m": target,
            "forecast_median_12m": None,
            "forecast_lower_95_12m": None,
            "forecast_upper_95_12m": None,
            "realism": None,
            "implied_annual_growth": None,
        }
        if deadline is not None:
            match = forecast_frame[
                (forecast_frame["series"] == series)
                & (forecast_frame["basis"] == "12m")
                & (pd.to_datetime(forecast_frame["month"]) == deadline)
            ]
            if len(match):
                band = match.iloc[0]
                row["forecast_median_12m"] = float(band["median"])
                row["forecast_lower_95_12m"] = float(band["lower_95"])
                row["forecast_upper_95_12m"] = float(band["upper_95"])
                if target is not None:
                    row["realism"] = classify_target(
                        target, median=float(band["median"]), upper_95=float(band["upper_95"])
                    )
            if target is not None and baseline is not None:
                row["implied_annual_growth"] = annual_growth(
                    baseline, target, _months_between(last, deadline)
                )
        rows.append(row)
    columns = [
        "objective_id",
        "metric_type",
        "series",
        "deadline_month",
        "target_basis",
        "baseline_12m",
        "target_12m",
        "forecast_median_12m",
        "forecast_lower_95_12m",
        "forecast_upper_95_12m",
        "realism",
        "implied_annual_growth",
    ]
    out = pd.DataFrame(rows, columns=columns)
    numeric = [
        "baseline_12m",
        "target_12m",
        "forecast_median_12m",
        "forecast_lower_95_12m",
        "forecast_upper_95_12m",
        "implied_annual_growth",
    ]
    for col in numeric:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    out["deadline_month"] = pd.to_datetime(out["deadline_month"]).astype("datetime64[ns]")
    out["realism"] = out["realism"].astype("string")
    return out


# ---- SMART -----------------------------------------------------------------------------
def smart_check(
    objectives: pd.DataFrame,
    *,
    as_of: Any,
    realism: pd.DataFrame | None = None,
    growth_ceiling: float = DEFAULT_GROWTH_CEILING,
    currency: str = "EUR",
    language: str = "en",
) -> pd.DataFrame:
    """Check each objective against the five SMART criteria.

    The rules, applied to the columns of the ``objectives`` workshop sheet:

    * **specific**: the ``objective`` statement has at least ``MIN_OBJECTIVE_WORDS``
      words and a strategic ``pillar`` is named.
    * **measurable**: a ``metric`` is named and ``target`` is a number.
    * **attainable**: for revenue and volume objectives (``metric_type``), the target's
      realism class (from :func:`target_realism`) is ``conservative`` or ``stretch``;
      ``unrealistic`` or no forecast fails. For other objectives, the implied annual
      change ``|(target / baseline) ** (12 / months) - 1|`` from the baseline date to the
      deadline is at most ``growth_ceiling``; it fails when baseline or target is not a
      positive number or the deadline is not after the baseline date.
    * **realistic**: an ``owner`` is named to carry it, and when a deadline is given it
      leaves at least ``MIN_MONTHS_TO_ACT`` months after the baseline date.
    * **time_bound**: a ``deadline`` is given and falls after the baseline date.

    Parameters
    ----------
    objectives
        The ``objectives`` workshop sheet.
    as_of
        The baseline date: the end of the last actual month (where the baselines stand).
    realism
        :func:`target_realism` output; without it, revenue and volume objectives are
        judged like the others.
    growth_ceiling
        Highest implied annual change for objectives judged on growth
        (``thresholds.smart_growth_ceiling``).
    currency, language
        For the reasons, written in the engagement's language.

    Returns
    -------
    DataFrame
        One row per objective and criterion: ``objective_id``, ``objective``,
        ``metric_type``, ``criterion``, ``passed``, ``reason``, ``realism`` (the class
        for revenue/volume objectives), ``implied_annual_growth``.
    """
    _require(objectives, ("objective_id", "objective"), "objectives")
    as_of = pd.Timestamp(as_of)
    base_month = _month_start(as_of)
    by_id = {}
    if realism is not None and len(realism):
        _require(realism, ("objective_id", "realism", "implied_annual_growth"), "realism")
        by_id = {r["objective_id"]: r for _, r in realism.iterrows()}

    def get(obj: pd.Series, column: str) -> Any:
        value = obj.get(column) if column in obj.index else None
        return None if _blank(value) else value

    rows = []
    for _, obj in objectives.iterrows():
        oid = obj["objective_id"]
        text = get(obj, "objective") or ""
        metric = get(obj, "metric")
        kind = (get(obj, "metric_type") or "other").strip().lower()
        baseline = get(obj, "baseline")
        target = get(obj, "target")
        deadline = get(obj, "deadline")
        owner = get(obj, "owner")
        pillar = get(obj, "pillar")
        deadline = pd.Timestamp(deadline) if deadline is not None else None
        months = (
            _months_between(base_month, _month_start(deadline)) if deadline is not None else None
        )
        fmt_target = _format_value(target, kind, currency, language)

        # specific
        why = []
        if len(str(text).split()) < MIN_OBJECTIVE_WORDS:
            why.append(label(LABELS, "specific_short", language).format(n=MIN_OBJECTIVE_WORDS))
        if pillar is None:
            why.append(label(LABELS, "specific_no_pillar", language))
        specific = (
            not why,
            label(LABELS, "specific_ok", language).format(pillar=pillar)
            if not why
            else label(LABELS, "not_specific", language).format(why="; ".join(why)),
        )

        # measurable
        why = []
        if metric is None:
            why.append(label(LABELS, "no_metric", language))
        if target is None:
            why.append(label(LABELS, "no_target", language))
        measurable = (
            not why,
            label(LABELS, "measurable_ok", language).format(metric=metric, target=fmt_target)
            if not why
            else label(LABELS, "not_measurable", language).format(why="; ".join(why)),
        )

        # attainable
        cls = None
        growth = None
        rel = by_id.get(oid)
        if kind in FORECAST_METRIC_SERIES and rel is not None:
            cls = None if _blank(rel["realism"]) else str(rel["realism"])
            growth = (
                None
                if _blank(rel["implied_annual_growth"])
                else float(rel["implied_annual_growth"])
            )
            upper = _format_value(rel.get("forecast_upper_95_12m"), kind, currency, language)
            median = _format_value(rel.get("forecast_median_12m"), kind, currency, language)
            if cls is None:
                attainable = (
                    False,
                    label(LABELS, "attainable_unknown", language).format(
                        why=label(LABELS, "why_no_forecast", language)
                    ),
                )
            elif cls == "unrealistic":
                attainable = (
                    False,
                    label(LABELS, "not_attainable_forecast", language).format(upper=upper),
                )
            else:
                attainable = (
                    True,
                    label(LABELS, "attainable_forecast", language).format(
                        cls=label(LABELS, cls, language), median=median, upper=upper
                    ),
                )
        else:
            if months is None or months <= 0:
                attainable = (
                    False,
                    label(LABELS, "attainable_unknown", language).format(
                        why=label(LABELS, "why_no_time", language)
                    ),
                )
            else:
                growth = annual_growth(
                    float(baseline) if baseline is not None else None,
                    float(target) if target is not None else None,
                    months,
                )
                if growth is None:
                    attainable = (
                        False,
                        label(LABELS, "attainable_unknown", language).format(
                            why=label(LABELS, "why_no_baseline", language)
                        ),
                    )
                else:
                    args = {
                        "growth": format_percent(growth, language),
                        "ceiling": format_percent(growth_ceiling, language),
                    }
                    ok = abs(growth) <= growth_ceiling
                    attainable = (
                        ok,
                        label(
                            LABELS, "attainable_growth" if ok else "not_attainable_growth", language
                        ).format(**args),
                    )

        # realistic
        why = []
        if owner is None:
            why.append(label(LABELS, "no_owner", language))
        if months is not None and 0 < months < MIN_MONTHS_TO_ACT:
            why.append(
                label(LABELS, "too_soon", language).format(months=months, min=MIN_MONTHS_TO_ACT)
            )
        if why:
            realistic = (False, label(LABELS, "not_realistic", language).format(why="; ".join(why)))
        elif months is not None and months > 0:
            realistic = (
                True,
                label(LABELS, "realistic_ok", language).format(owner=owner, months=months),
            )
        else:
            realistic = (
                True,
                label(LABELS, "realistic_ok_no_deadline", language).format(owner=owner),
            )

        # time-bound
        as_of_text = _format_date(as_of, language)
        if deadline is None:
            time_bound = (False, label(LABELS, "no_deadline", language))
        elif deadline <= as_of:
            time_bound = (
                False,
                label(LABELS, "deadline_past", language).format(
                    deadline=_format_date(deadline, language), as_of=as_of_text
                ),
            )
        else:
            time_bound = (
                True,
                label(LABELS, "time_bound_ok", language).format(
                    deadline=_format_date(deadline, language), as_of=as_of_text
                ),
            )

        for criterion, (passed, reason) in zip(
            SMART_CRITERIA, (specific, measurable, attainable, realistic, time_bound), strict=True
        ):
            rows.append(
                {
                    "objective_id": oid,
                    "objective": text,
                    "metric_type": kind,
                    "criterion": criterion,
                    "passed": bool(passed),
                    "reason": reason,
                    "realism": cls,
                    "implied_annual_growth": growth,
                }
            )
    out = pd.DataFrame(
        rows,
        columns=[
            "objective_id",
            "objective",
            "metric_type",
            "criterion",
            "passed",
            "reason",
            "realism",
            "implied_annual_growth",
        ],
    )
    out["passed"] = out["passed"].astype(bool)
    out["realism"] = out["realism"].astype("string")
    out["implied_annual_growth"] = pd.to_numeric(out["implied_annual_growth"]).astype("float64")
    return out


def smart_summary(smart: pd.DataFrame) -> pd.DataFrame:
    """One row per objective: criteria passed (of five), whether it is SMART, which fail.

    Returns
    -------
    DataFrame
        ``objective_id``, ``objective``, ``passed`` (0-5), ``smart`` (all five passed),
        ``failed`` (comma-separated criteria), ``realism``, in the sheet's order.
    """
    _require(smart, ("objective_id", "objective", "criterion", "passed", "realism"), "smart_check")
    rows = []
    for oid, group in smart.groupby("objective_id", sort=False):
        rows.append(
            {
                "objective_id": oid,
                "objective": group["objective"].iloc[0],
                "passed": int(group["passed"].sum()),
                "smart": bool(group["passed"].all()),
                "failed": ", ".join(group.loc[~group["passed"], "criterion"]),
                "realism": group["realism"].iloc[0],
            }
        )
    out = pd.DataFrame(
        rows, columns=["objective_id", "objective", "passed", "smart", "failed", "realism"]
    )
    out["passed"] = out["passed"].astype("int64")
    out["smart"] = out["smart"].astype(bool)
    for col in ("objective_id", "objective", "failed", "realism"):
        out[col] = out[col].astype("string")
    return out


def _format_date(value: pd.Timestamp, language: str) -> str:
    from helpers.i18n import format_date

    return format_date(pd.Timestamp(value).to_pydatetime(), language)


def _format_value(value: Any, kind: str, currency: str, language: str) -> str:
    if _blank(value):
        return "–"
    value = float(value)
    if kind == "revenue":
        return format_currency(value, currency, language)
    if abs(value) < 1 and value != 0:
        return format_number(value, language, decimals=2)
    return format_number(value, language, decimals=0 if abs(value) >= 100 else 1)


# ---- OKR -------------------------------------------------------------------------------
def kr_progress(start: float, target: float, current: float) -> float:
    """Progress of a key result: ``clip((current - start) / (target - start), 0, 1)``.

    Works for decreasing targets (the signs cancel). When ``target == start`` (a level to
    hold) progress is 1 if ``current`` is at the target, else 0. Missing values give NaN.

    Examples
    --------
    >>> kr_progress(10, 20, 17)      # (17 - 10) / (20 - 10)
    0.7
    >>> kr_progress(72, 55, 66)      # (66 - 72) / (55 - 72) = -6 / -17
    0.35294117647058826
    """
    if _blank(start) or _blank(target) or _blank(current):
        return float("nan")
    start, target, current = float(start), float(target), float(current)
    if target == start:
        return 1.0 if current == target else 0.0
    return float(min(max((current - start) / (target - start), 0.0), 1.0))


def okr_grade(score: float, *, success: float = 0.7) -> str | None:
    """``green`` from ``success`` up, ``amber`` from ``OKR_AMBER_FLOOR``, else ``red``."""
    if _blank(score):
        return None
    if score >= success:
        return "green"
    if score >= OKR_AMBER_FLOOR:
        return "amber"
    return "red"


def okr_progress(okr: pd.DataFrame) -> pd.DataFrame:
    """One row per key result with its progress (rows without a key result dropped).

    Returns the ``okr`` columns plus ``progress`` (0-1, NaN when incomplete).
    """
    _require(okr, ("objective",), "okr")
    okr = _with_optional(okr, ("key_result", "start", "target", "current", "deadline"))
    krs = okr[okr["key_result"].map(lambda v: not _blank(v))].reset_index(drop=True)
    progress = [
        kr_progress(s, t, c)
        for s, t, c in zip(krs["start"], krs["target"], krs["current"], strict=True)
    ]
    return krs.assign(progress=pd.Series(progress, index=krs.index, dtype="float64"))


def okr_review(okr: pd.DataFrame, *, success: float = 0.7, language: str = "en") -> pd.DataFrame:
    """Quarterly OKR review: one row per objective with score, grade and flags.

    The score is the mean progress of the objective's complete key results; the grade
    is :func:`okr_grade`; the quarter is that of the latest key-result deadline. An
    objective with fewer than ``OKR_MIN_KEY_RESULTS`` or more than ``OKR_MAX_KEY_RESULTS``
    key results, none at all (a row with an empty key result), or incomplete key results
    is flagged.

    Returns
    -------
    DataFrame
        ``objective``, ``key_results`` (count), ``quarter`` (``2027-Q2``), ``score``,
        ``grade``, ``flag`` (empty when nothing to say), in the sheet's order.
    """
    _require(okr, ("objective",), "okr")
    okr = _with_optional(okr, ("key_result", "start", "target", "current", "deadline"))
    if not 0 < success <= 1:
        raise InputError(f"success: the OKR success score must be in (0, 1], got {success}")
    progress = okr_progress(okr)
    order = list(dict.fromkeys(okr["objective"].astype("string").str.strip()))
    progress = progress.assign(objective=progress["objective"].astype("string").str.strip())
    rows = []
    for objective in order:
        krs = progress[progress["objective"] == objective]
        n = len(krs)
        flags = []
        if n == 0:
            flags.append(label(LABELS, "kr_none", language))
        elif n < OKR_MIN_KEY_RESULTS:
            flags.append(label(LABELS, "kr_few", language).format(n=n, min=OKR_MIN_KEY_RESULTS))
        elif n > OKR_MAX_KEY_RESULTS:
            flags.append(label(LABELS, "kr_many", language).format(n=n, max=OKR_MAX_KEY_RESULTS))
        incomplete = int(krs["progress"].isna().sum())
        if incomplete:
            flags.append(label(LABELS, "kr_incomplete", language).format(n=incomplete))
        score = float(krs["progress"].mean()) if krs["progress"].notna().any() else float("nan")
        quarter = None
        if "deadline" in krs and pd.to_datetime(krs["deadline"]).notna().any():
            last = pd.to_datetime(krs["deadline"]).max()
            quarter = f"{last.year}-Q{last.quarter}"
        rows.append(
            {
                "objective": objective,
                "key_results": n,
                "quarter": quarter,
                "score": score,
                "grade": okr_grade(score, success=success),
                "flag": "; ".join(flags),
            }
        )
    out = pd.DataFrame(
        rows, columns=["objective", "key_results", "quarter", "score", "grade", "flag"]
    )
    out["key_results"] = out["key_results"].astype("int64")
    out["score"] = out["score"].astype("float64")
    for col in ("objective", "quarter", "grade", "flag"):
        out[col] = out[col].astype("string")
    return out


# ---- AARRR KPIs ------------------------------------------------------------------------
@dataclass(frozen=True)
class Baseline:
    """A KPI baseline computed from the data, or ``None`` with the reason why not."""

    value: float | None
    why: str = ""


MeasureFn = Callable[..., Baseline]


def _window(
    transactions: pd.DataFrame,
    as_of: pd.Timestamp,
    months: int = KPI_WINDOW_MONTHS,
    *,
    offset: int = 0,
) -> pd.DataFrame:
    end = as_of - pd.DateOffset(months=offset)
    start = end - pd.DateOffset(months=months)
    dates = pd.to_datetime(transactions["order_date"])
    return transactions[(dates > start) & (dates <= end)]


def _need_transactions(transactions: pd.DataFrame | None) -> Baseline | None:
    if transactions is None or transactions.empty:
        return Baseline(None, "no transactions")
    return None


def _as_of(transactions: pd.DataFrame | None, as_of: Any) -> pd.Timestamp:
    if as_of is not None:
        return pd.Timestamp(as_of)
    return pd.to_datetime(transactions["order_date"]).max()


def measure_revenue(transactions: pd.DataFrame | None, *, as_of: Any = None, **_: Any) -> Baseline:
    """Revenue of the 12 months to ``as_of`` (default: the last order date)."""
    if (missing := _need_transactions(transactions)) is not None:
        return missing
    window = _window(transactions, _as_of(transactions, as_of))
    return Baseline(float(window["amount"].sum()))


def measure_orders(transactions: pd.DataFrame | None, *, as_of: Any = None, **_: Any) -> Baseline:
    """Distinct orders in the 12 months to ``as_of``."""
    if (missing := _need_transactions(transactions)) is not None:
        return missing
    window = _window(transactions, _as_of(transactions, as_of))
    return Baseline(float(_orders_key(window).nunique()))


def measure_active_customers(
    transactions: pd.DataFrame | None, *, as_of: Any = None, **_: Any
) -> Baseline:
    """Distinct customers with an order in the 12 months to ``as_of``."""
    if (missing := _need_transactions(transactions)) is not None:
        return missing
    window = _window(transactions, _as_of(transactions, as_of))
    return Baseline(float(window["customer_id"].nunique()))


def measure_new_customers(
    transactions: pd.DataFrame | None, *, as_of: Any = None, **_: Any
) -> Baseline:
    """Customers whose first order falls in the 12 months to ``as_of``."""
    if (missing := _need_transactions(transactions)) is not None:
        return missing
    as_of = _as_of(transactions, as_of)
    dates = pd.to_datetime(transactions["order_date"])
    first = dates[dates <= as_of].groupby(transactions["customer_id"]).min()
    start = as_of - pd.DateOffset(months=KPI_WINDOW_MONTHS)
    if dates.min() > start:
        return Baseline(
            None, "the transactions start inside the last 12 months: every customer would look new"
        )
    return Baseline(float((first > start).sum()))


def measure_average_order_value(
    transactions: pd.DataFrame | None, *, as_of: Any = None, **_: Any
) -> Baseline:
    """Revenue divided by distinct orders, over the 12 months to ``as_of``."""
    if (missing := _need_transactions(transactions)) is not None:
        return missing
    window = _window(transactions, _as_of(transactions, as_of))
    orders = _orders_key(window).nunique()
    if orders == 0:
        return Baseline(None, "no order in the last 12 months")
    return Baseline(float(window["amount"].sum()) / orders)


def measure_revenue_per_customer(
    transactions: pd.DataFrame | None, *, as_of: Any = None, **_: Any
) -> Baseline:
    """Revenue divided by active customers, over the 12 months to ``as_of``."""
    if (missing := _need_transactions(transactions)) is not None:
        return missing
    window = _window(transactions, _as_of(transactions, as_of))
    customers = window["customer_id"].nunique()
    if customers == 0:
        return Baseline(None, "no customer in the last 12 months")
    return Baseline(float(window["amount"].sum()) / customers)


def measure_gross_margin_rate(
    transactions: pd.DataFrame | None, *, as_of: Any = None, **_: Any
) -> Baseline:
    """Sum of ``margin`` over sum of ``amount``, over the 12 months to ``as_of``."""
    if (missing := _need_transactions(transactions)) is not None:
        return missing
    if "margin" not in transactions or transactions["margin"].isna().all():
        return Baseline(None, "the transactions have no margin column")
    window = _window(transactions, _as_of(transactions, as_of))
    revenue = float(window["amount"].sum())
    if revenue <= 0:
        return Baseline(None, "no positive revenue in the last 12 months")
    return Baseline(float(window["margin"].sum()) / revenue)


def measure_repeat_rate(
    transactions: pd.DataFrame | None, *, as_of: Any = None, **_: Any
) -> Baseline:
    """Share of customers (all history to ``as_of``) with at least two distinct orders."""
    if (missing := _need_transactions(transactions)) is not None:
        return missing
    as_of = _as_of(transactions, as_of)
    tx = transactions[pd.to_datetime(transactions["order_date"]) <= as_of]
    orders = _orders_key(tx).groupby(tx["customer_id"].to_numpy()).nunique()
    if orders.empty:
        return Baseline(None, "no customer before the baseline date")
    return Baseline(float((orders >= 2).mean()))


def measure_retention_rate(
    transactions: pd.DataFrame | None, *, as_of: Any = None, **_: Any
) -> Baseline:
    """Share of the customers of the previous 12 months who bought again in the last 12."""
    if (missing := _need_transactions(transactions)) is not None:
        return missing
    as_of = _as_of(transactions, as_of)
    dates = pd.to_datetime(transactions["order_date"])
    if dates.min() > as_of - pd.DateOffset(months=2 * KPI_WINDOW_MONTHS) + pd.Timedelta(days=31):
        return Baseline(None, "needs 24 months of transactions")
    last_year = _distinct(_window(transactions, as_of)["customer_id"])
    before = _distinct(_window(transactions, as_of, offset=KPI_WINDOW_MONTHS)["customer_id"])
    if not before:
        return Baseline(None, "no customer in the previous 12 months")
    return Baseline(len(before & last_year) / len(before))


def measure_churn_rate(
    transactions: pd.DataFrame | None, *, as_of: Any = None, **_: Any
) -> Baseline:
    """``1 - retention_rate``."""
    retention = measure_retention_rate(transactions, as_of=as_of)
    if retention.value is None:
        return retention
    return Baseline(1.0 - retention.value)


def measure_nps(customers: pd.DataFrame | None = None, **_: Any) -> Baseline:
    """Net Promoter Score from ``customers.nps``: % promoters (9-10) − % detractors (0-6).

    In points, from −100 to 100.
    """
    if customers is None or customers.empty:
        return Baseline(None, "no customer file")
    if "nps" not in customers or customers["nps"].isna().all():
        return Baseline(None, "the customer file has no NPS answers")
    scores = customers["nps"].dropna().astype("float64")
    promoters = (scores >= NPS_PROMOTER_MIN).mean()
    detractors = (scores <= NPS_DETRACTOR_MAX).mean()
    return Baseline(float(100.0 * (promoters - detractors)))


def _distinct(values: pd.Series | pd.Index) -> set[Any]:
    """The set of the values, read from their NumPy array: iterating a text column
    through pandas costs ~15x more (one boxed lookup per element)."""
    return set(values.to_numpy())


def _journey_firsts(journey: pd.DataFrame, stage: str) -> pd.Series:
    rows = journey[journey["stage"].astype("string") == stage]
    return pd.to_datetime(rows["event_date"]).groupby(rows["contact_id"].to_numpy()).min()


def _need_journey(journey: pd.DataFrame | None, *stages: str) -> Baseline | None:
    if journey is None or journey.empty:
        return Baseline(None, "no customer-journey events")
    known = _distinct(journey["stage"].astype("string").dropna())
    missing = [s for s in stages if s not in known]
    if missing:
        return Baseline(
            None,
            f"no {', '.join(repr(s) for s in missing)} stage in the journey "
            f"(stages: {', '.join(sorted(known))})",
        )
    return None


def measure_leads(
    journey: pd.DataFrame | None = None,
    *,
    as_of: Any = None,
    entry_stage: str = "awareness",
    **_: Any,
) -> Baseline:
    """Distinct contacts entering the journey (``entry_stage``) per month, averaged over
    the 12 months to ``as_of`` (default: the last journey event)."""
    if (missing := _need_journey(journey, entry_stage)) is not None:
        return missing
    rows = journey[journey["stage"].astype("string") == entry_stage]
    dates = pd.to_datetime(rows["event_date"])
    end = pd.Timestamp(as_of) if as_of is not None else pd.to_datetime(journey["event_date"]).max()
    end_month = _month_start(end)
    start_month = end_month - pd.DateOffset(months=KPI_WINDOW_MONTHS - 1)
    months = dates.dt.to_period("M").dt.to_timestamp()
    keep = (months >= start_month) & (months <= end_month)
    if not keep.any():
        return Baseline(None, "no journey entry in the last 12 months")
    per_month = rows.loc[keep, "contact_id"].groupby(months[keep]).nunique()
    covered = _months_between(max(start_month, months.min()), end_month) + 1
    return Baseline(float(per_month.sum()) / covered)


def measure_conversion_rate(
    journey: pd.DataFrame | None = None,
    *,
    entry_stage: str = "awareness",
    purchase_stage: str = "purchase",
    **_: Any,
) -> Baseline:
    """Share of the contacts at ``entry_stage`` who reach ``purchase_stage`` (all journey)."""
    if (missing := _need_journey(journey, entry_stage, purchase_stage)) is not None:
        return missing
    entered = _distinct(_journey_firsts(journey, entry_stage).index)
    bought = _distinct(_journey_firsts(journey, purchase_stage).index)
    return Baseline(len(entered & bought) / len(entered))


def measure_sales_cycle_days(
    journey: pd.DataFrame | None = None,
    *,
    entry_stage: str = "awareness",
    purchase_stage: str = "purchase",
    **_: Any,
) -> Baseline:
    """Median days from a contact's first ``entry_stage`` event to its first purchase."""
    if (missing := _need_journey(journey, entry_stage, purchase_stage)) is not None:
        return missing
    first = _journey_firsts(journey, entry_stage)
    bought = _journey_firsts(journey, purchase_stage)
    both = first.index.intersection(bought.index)
    days = (bought[both] - first[both]).dt.days
    days = days[days >= 0]
    if days.empty:
        return Baseline(None, "no contact reached the purchase after entering the journey")
    return Baseline(float(days.median()))


#: measure name -> (function, the table it reads, unit for display)
MEASURES: dict[str, tuple[MeasureFn, str, str]] = {
    "leads": (measure_leads, "journey", "count"),
    "conversion_rate": (measure_conversion_rate, "journey", "share"),
    "sales_cycle_days": (measure_sales_cycle_days, "journey", "days"),
    "new_customers": (measure_new_customers, "transactions", "count"),
    "active_customers": (measure_active_customers, "transactions", "count"),
    "orders": (measure_orders, "transactions", "count"),
    "repeat_rate": (measure_repeat_rate, "transactions", "share"),
    "retention_rate": (measure_retention_rate, "transactions", "share"),
    "churn_rate": (measure_churn_rate, "transactions", "share"),
    "nps": (measure_nps, "customers", "points"),
    "revenue": (measure_revenue, "transactions", "currency"),
    "average_order_value": (measure_average_order_value, "transactions", "currency"),
    "revenue_per_customer": (measure_revenue_per_customer, "transactions", "currency"),
    "gross_margin_rate": (measure_gross_margin_rate, "transactions", "share"),
}


def compute_measure(
    name: str,
    *,
    transactions: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    journey: pd.DataFrame | None = None,
    as_of: Any = None,
    entry_stage: str = "awareness",
    purchase_stage: str = "purchase",
) -> Baseline:
    """Compute one named measure (see ``MEASURES``) from whichever tables are given."""
    if name not in MEASURES:
        import difflib

        close = difflib.get_close_matches(name, MEASURES, n=1)
        hint = f'; did you mean "{close[0]}"?' if close else ""
        raise InputError(
            f"kpis: measure {name!r} is not one the kit computes{hint} (known: "
            f"{', '.join(MEASURES)}); fix the measure or leave it empty and give a baseline"
        )
    fn, source, _unit = MEASURES[name]
    tables = {"transactions": transactions, "customers": customers, "journey": journey}
    if source == "journey":
        return fn(journey, as_of=as_of, entry_stage=entry_stage, purchase_stage=purchase_stage)
    return fn(tables[source], as_of=as_of)


def kpi_baselines(
    kpis: pd.DataFrame,
    *,
    transactions: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    journey: pd.DataFrame | None = None,
    as_of: Any = None,
    entry_stage: str = "awareness",
    purchase_stage: str = "purchase",
) -> pd.DataFrame:
    """AARRR KPIs with their baseline computed from the data where the data allows.

    Each KPI's ``measure`` names a function of ``MEASURES``; its value replaces the
    workshop's baseline (``baseline_source`` = ``data``). When the measure cannot be
    computed (missing table or column, too short a history) the workshop baseline is
    kept (``workshop``) or left empty (``missing``) and ``note`` says why.

    Returns
    -------
    DataFrame
        ``stage``, ``kpi``, ``measure``, ``baseline``, ``baseline_source``, ``note``,
        ``target``, ``gap`` (target − baseline), ``frequency``, ``indicator``
        (``leading``/``lagging``), ``unit``; sorted by AARRR stage, sheet order within.
    """
    _require(kpis, ("stage", "kpi"), "kpis")
    bad = sorted(set(kpis["stage"].dropna().astype(str)) - set(AARRR_STAGES))
    if bad:
        raise InputError(
            f"kpis: unknown stage(s) {', '.join(bad)}; use one of {', '.join(AARRR_STAGES)}"
        )
    rows = []
    for _, k in kpis.iterrows():
        measure = k.get("measure")
        measure = None if _blank(measure) else str(measure).strip()
        workshop = k.get("baseline")
        workshop = None if _blank(workshop) else float(workshop)
        unit = MEASURES[measure][2] if measure in MEASURES else "number"
        if measure is not None:
            computed = compute_measure(
                measure,
                transactions=transactions,
                customers=customers,
                journey=journey,
                as_of=as_of,
                entry_stage=entry_stage,
                purchase_stage=purchase_stage,
            )
        else:
            computed = Baseline(None, "")
        if computed.value is not None:
            baseline, source, note = computed.value, "data", ""
        elif workshop is not None:
            baseline, source, note = workshop, "workshop", computed.why
        else:
            baseline, source = None, "missing"
            note = computed.why or "no measure and no baseline given"
        target = k.get("target")
        target = None if _blank(target) else float(target)
        leading = k.get("leading")
        indicator = None if _blank(leading) else ("leading" if bool(leading) else "lagging")
        frequency = k.get("frequency")
        rows.append(
            {
                "stage": str(k["stage"]),
                "kpi": k["kpi"],
                "measure": measure,
                "baseline": baseline,
                "baseline_source": source,
                "note": note,
                "target": target,
                "gap": None if baseline is None or target is None else target - baseline,
                "frequency": None if _blank(frequency) else str(frequency),
                "indicator": indicator,
                "unit": unit,
            }
        )
    columns = [
        "stage",
        "kpi",
        "measure",
        "baseline",
        "baseline_source",
        "note",
        "target",
        "gap",
        "frequency",
        "indicator",
        "unit",
    ]
    out = pd.DataFrame(rows, columns=columns)
    for col in ("baseline", "target", "gap"):
        out[col] = pd.to_numeric(out[col]).astype("float64")
    for col in (
        "stage",
        "kpi",
        "measure",
        "baseline_source",
        "note",
        "frequency",
        "indicator",
        "unit",
    ):
        out[col] = out[col].astype("string")
    order = out["stage"].map({s: i for i, s in enumerate(AARRR_STAGES)})
    return (
        out.assign(_o=order)
        .sort_values("_o", kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


# ---- balanced scorecard ----------------------------------------------------------------
def _parse_ids(value: Any) -> list[str]:
    if _blank(value):
        return []
    return [p.strip() for p in re.split(r"[,;]", str(value)) if p.strip()]


def strategy_map(scorecard: pd.DataFrame, *, language: str = "en") -> pd.DataFrame:
    """Balanced-scorecard objectives with their cause-and-effect links and flags.

    Parameters
    ----------
    scorecard
        The ``scorecard`` sheet: ``objective_id``, ``objective``, ``perspective``
        (financial, customer, internal, learning), ``kpi``, ``drives`` (comma-separated
        ids of the objectives this one drives).

    Returns
    -------
    DataFrame
        ``objective_id``, ``objective``, ``perspective``, ``level`` (0 learning … 3
        financial), ``kpi``, ``drives`` and ``driven_by`` (comma-separated ids),
        ``has_kpi``, ``has_link`` (drives or is driven by another objective), ``flag``
        (no KPI, no link, or a link to a lower perspective; empty when fine).

    Raises
    ------
    InputError
        Unknown perspective, duplicate id, or a ``drives`` id that is not an objective.
    """
    _require(scorecard, ("objective_id", "objective", "perspective"), "scorecard")
    ids = scorecard["objective_id"].astype("string").str.strip()
    if ids.duplicated().any():
        raise InputError(
            f"scorecard: objective id(s) {', '.join(ids[ids.duplicated()].unique())} "
            "appear twice; give each objective its own id"
        )
    persp = scorecard["perspective"].astype("string").str.strip().str.lower()
    bad = sorted(set(persp.dropna()) - set(BSC_PERSPECTIVES)) + (
        ["(empty)"] if persp.isna().any() else []
    )
    if bad:
        raise InputError(
            f"scorecard: unknown perspective(s) {', '.join(bad)}; use one of "
            f"{', '.join(BSC_PERSPECTIVES)}"
        )
    known = set(ids)
    drives_col = (
        scorecard["drives"] if "drives" in scorecard else pd.Series([None] * len(scorecard))
    )
    drives = [_parse_ids(v) for v in drives_col]
    for oid, targets in zip(ids, drives, strict=True):
        unknown = [t for t in targets if t not in known]
        if unknown:
            raise InputError(
                f"scorecard: objective {oid} drives {', '.join(unknown)}, which "
                f"{'is' if len(unknown) == 1 else 'are'} not an objective id of the sheet "
                f"(known: {', '.join(sorted(known))}); fix the drives column"
            )
        if oid in targets:
            raise InputError(f"scorecard: objective {oid} drives itself; remove it from its drives")
    driven_by: dict[str, list[str]] = {i: [] for i in ids}
    for oid, targets in zip(ids, drives, strict=True):
        for t in targets:
            driven_by[t].append(oid)
    level = {i: PERSPECTIVE_LEVEL[p] for i, p in zip(ids, persp, strict=True)}
    kpi_col = scorecard["kpi"] if "kpi" in scorecard else pd.Series([None] * len(scorecard))
    rows = []
    for oid, text, p, kpi, targets in zip(
        ids, scorecard["objective"], persp, kpi_col, drives, strict=True
    ):
        has_kpi = not _blank(kpi)
        has_link = bool(targets or driven_by[oid])
        flags = []
        if not has_kpi:
            flags.append(label(LABELS, "flag_no_kpi", language))
        if not has_link:
            flags.append(label(LABELS, "flag_no_link", language))
        downward = [t for t in targets if level[t] < level[oid]]
        if downward:
            flags.append(label(LABELS, "flag_downward", language).format(ids=", ".join(downward)))
        rows.append(
            {
                "objective_id": oid,
                "objective": text,
                "perspective": p,
                "level": level[oid],
                "kpi": None if not has_kpi else str(kpi),
                "drives": ", ".join(targets),
                "driven_by": ", ".join(driven_by[oid]),
                "has_kpi": has_kpi,
                "has_link": has_link,
                "flag": "; ".join(flags),
            }
        )
    out = pd.DataFrame(rows)
    for col in ("objective_id", "objective", "perspective", "kpi", "drives", "driven_by", "flag"):
        out[col] = out[col].astype("string")
    out["level"] = out["level"].astype("int64")
    return out


# ---- headline findings -----------------------------------------------------------------
def headline_findings(
    *,
    summary: pd.DataFrame | None = None,
    realism: pd.DataFrame | None = None,
    review: pd.DataFrame | None = None,
    success: float = 0.7,
    language: str = "en",
) -> dict[str, str]:
    """Short client-facing sentences for the executive summary, keyed for ``eng.finding``.

    ``smart`` from :func:`smart_summary`, ``realism`` from :func:`target_realism` (the
    number of unrealistic targets and the largest implied growth) and ``okr`` from
    :func:`okr_review`; a key is left out when its table is not given or empty.
    """
    out: dict[str, str] = {}
    if summary is not None and len(summary):
        out["smart"] = label(LABELS, "finding_smart", language).format(
            n=int(summary["smart"].sum()), m=len(summary)
        )
    if realism is not None and realism["realism"].notna().any():
        judged = realism[realism["realism"].notna()]
        unrealistic = judged[judged["realism"] == "unrealistic"]
        ids = ", ".join(unrealistic["objective_id"].astype(str))
        key = "finding_realism" if len(unrealistic) else "finding_realism_none"
        out["realism"] = label(LABELS, key, language).format(
            n=len(unrealistic), m=len(judged), ids=ids
        )
    if review is not None and len(review):
        flagged = int((review["flag"].fillna("") != "").sum())
        out["okr"] = label(LABELS, "finding_okr", language).format(
            n=int((review["score"] >= success).sum()), m=len(review), flagged=flagged
        )
    return out


# ---- plots -----------------------------------------------------------------------------
def plot_smart(smart: pd.DataFrame, *, language: str = "en", ax: Axes | None = None) -> Axes:
    """A pass/fail grid: objectives in rows, the five SMART criteria in columns."""
    from matplotlib.patches import Rectangle

    _require(smart, ("objective_id", "criterion", "passed"), "smart_check")
    ids = list(dict.fromkeys(smart["objective_id"]))
    ax = get_ax(ax, figsize=(8.0, 0.45 * len(ids) + 1.6), title_above_ticks=True)
    table = smart.pivot_table(
        index="objective_id", columns="criterion", values="passed", aggfunc="first"
    ).reindex(index=ids, columns=list(SMART_CRITERIA))
    for i, oid in enumerate(ids):
        for j, crit in enumerate(SMART_CRITERIA):
            ok = bool(table.loc[oid, crit])
            ax.add_patch(
                Rectangle(
                    (j, i),
                    0.94,
                    0.9,
                    color=GOOD_COLOR if ok else BAD_COLOR,
                    alpha=0.85 if ok else 0.9,
                )
            )
            ax.text(
                j + 0.47,
                i + 0.45,
                "✓" if ok else "✗",
                ha="center",
                va="center",
                color="white",
                fontsize=12,
                fontweight="bold",
            )
    n_ok = int(table.all(axis=1).sum())
    ax.set(
        xlim=(0, len(SMART_CRITERIA)),
        ylim=(len(ids), 0),
        xticks=[j + 0.47 for j in range(len(SMART_CRITERIA))],
        xticklabels=[label(LABELS, c, language) for c in SMART_CRITERIA],
        yticks=[i + 0.45 for i in range(len(ids))],
        yticklabels=ids,
        title=label(LABELS, "smart_title", language).format(n=n_ok, m=len(ids)),
    )
    ax.tick_params(length=0)
    ax.grid(False)
    ax.xaxis.tick_top()
    for spine in ax.spines.values():
        spine.set_visible(False)
    return localise_axes(ax, language)


def plot_forecast(
    forecast_frame: pd.DataFrame,
    *,
    history: pd.DataFrame,
    targets: pd.DataFrame | None = None,
    series: str = "revenue",
    basis: str = "12m",
    currency: str = "EUR",
    language: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """History, median forecast, 80 % and 95 % bands and the targets at their deadlines.

    With ``basis="12m"`` (default) every point is the total of the 12 months to that
    month, the basis of the targets (from :func:`target_realism`, coloured by realism
    class); with ``basis="month"`` the monthly values are drawn and targets are omitted.
    """
    from helpers.plots import currency_formatter

    _require(forecast_frame, FORECAST_COLUMNS, "forecast")
    if basis not in ("12m", "month"):
        raise InputError(
            f"The value for `basis` must be one of ('12m', 'month'), but {basis!r} was passed."
        )
    fc = forecast_frame[(forecast_frame["series"] == series) & (forecast_frame["basis"] == basis)]
    if fc.empty:
        raise InputError(f"forecast: no rows for series {series!r} and basis {basis!r}")
    hist = _history(history, series)
    if basis == "12m":
        hist = hist.rolling(TARGET_WINDOW_MONTHS).sum().dropna()
    ax = get_ax(ax)
    months = pd.to_datetime(fc["month"])
    ax.plot(
        hist.index,
        hist.to_numpy(),
        color=CLIENT_COLOR,
        lw=2,
        label=label(LABELS, "history", language),
    )
    ax.fill_between(
        months,
        fc["lower_95"],
        fc["upper_95"],
        color=PALETTE[7],
        alpha=0.18,
        label=label(LABELS, "band_95", language),
    )
    ax.fill_between(
        months,
        fc["lower_80"],
        fc["upper_80"],
        color=PALETTE[7],
        alpha=0.35,
        label=label(LABELS, "band_80", language),
    )
    if len(hist):
        x = [hist.index[-1], *months]
        y = [hist.iloc[-1], *fc["median"]]
    else:
        x, y = list(months), list(fc["median"])
    ax.plot(
        x, y, color=CLIENT_COLOR, lw=2, ls="--", label=label(LABELS, "forecast_median", language)
    )
    if basis == "12m" and targets is not None and len(targets):
        tg = targets[
            (targets["series"] == series)
            & targets["target_12m"].notna()
            & targets["deadline_month"].notna()
        ]
        for _, t in tg.iterrows():
            cls = t["realism"] if not _blank(t["realism"]) else None
            color = REALISM_COLORS.get(cls, NEUTRAL_COLOR)
            ax.scatter(
                [pd.Timestamp(t["deadline_month"])],
                [t["target_12m"]],
                s=70,
                marker="D",
                color=color,
                zorder=5,
                edgecolor="white",
            )
            text = f"{t['objective_id']}" + (f" · {label(LABELS, cls, language)}" if cls else "")
            ax.annotate(
                text,
                (pd.Timestamp(t["deadline_month"]), t["target_12m"]),
                xytext=(8, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
                color=color,
            )
    series_name = label(LABELS, series, language)
    last = fc.iloc[-1]
    value_fmt = (
        format_currency(float(last["median"]), currency, language)
        if series == "revenue"
        else format_number(float(last["median"]), language)
    )
    month_text = pd.Timestamp(last["month"]).strftime("%m/%Y" if language == "fr" else "%Y-%m")
    key = "forecast_title_12m" if basis == "12m" else "forecast_title_month"
    ax.set(
        title=label(LABELS, key, language).format(
            series=series_name, median=value_fmt, month=month_text
        ),
        xlabel=label(LABELS, "month", language),
        ylabel=series_name,
    )
    if series == "revenue":
        ax.yaxis.set_major_formatter(currency_formatter(currency, language))
    ax.legend(loc="upper left", fontsize=9)
    ax.text(
        0.99,
        0.02,
        str(last["model"]),
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=8,
        color=NEUTRAL_COLOR,
    )
    return localise_axes(ax, language)


def plot_okr(
    review: pd.DataFrame, *, success: float = 0.7, language: str = "en", ax: Axes | None = None
) -> Axes:
    """OKR scores per objective, coloured by grade, with the success line and the flags."""
    _require(review, ("objective", "score", "grade", "flag"), "okr review")
    ax = get_ax(ax, figsize=(9.0, 0.6 * len(review) + 1.5))
    names = [textwrap.fill(str(o), 32) for o in review["objective"]]
    scores = review["score"].fillna(0.0).to_numpy()
    colors = [
        GRADE_COLORS.get(g, NEUTRAL_COLOR) if not _blank(g) else NEUTRAL_COLOR
        for g in review["grade"]
    ]
    y = np.arange(len(review))
    ax.barh(y, scores, color=colors, height=0.6)
    ax.axvline(success, color=NEUTRAL_COLOR, ls="--", lw=1)
    for yi, (s, flag) in enumerate(zip(review["score"], review["flag"], strict=True)):
        text = "–" if _blank(s) else format_number(float(s), language, decimals=2)
        if not _blank(flag):
            text += f"  ⚑ {flag}"
        ax.text((0 if _blank(s) else float(s)) + 0.01, yi, text, va="center", fontsize=8.5)
    on_track = int((review["score"] >= success).sum())
    ax.set(
        yticks=y,
        yticklabels=names,
        xlim=(0, 1.9),
        xlabel=label(LABELS, "okr_score", language),
        title=label(LABELS, "okr_title", language).format(
            n=on_track, m=len(review), success=format_number(success, language, decimals=1)
        ),
    )
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    return localise_axes(ax, language)


def _format_kpi(value: float | None, unit: str, currency: str, language: str) -> str:
    if _blank(value):
        return "–"
    if unit == "share":
        return format_percent(value, language, decimals=1)
    if unit == "currency":
        return format_currency(value, currency, language)
    if unit == "days":
        return format_number(value, language) + (" j" if language == "fr" else " d")
    return format_number(value, language, decimals=0 if abs(value) >= 100 else 1)


def plot_kpis(
    kpis: pd.DataFrame, *, currency: str = "EUR", language: str = "en", ax: Axes | None = None
) -> Axes:
    """The AARRR funnel with each stage's KPIs: baseline → target, frequency, leading/lagging."""
    from matplotlib.patches import Polygon

    _require(kpis, ("stage", "kpi", "baseline", "target", "baseline_source"), "kpis")
    counts = [int((kpis["stage"] == s).sum()) for s in AARRR_STAGES]
    heights = [max(c, 1) * 0.42 + 0.35 for c in counts]
    ax = get_ax(ax, figsize=(11.0, sum(heights) * 0.75 + 1.2))
    top = 0.0
    widths = np.linspace(1.0, 0.45, len(AARRR_STAGES) + 1)
    for i, stage in enumerate(AARRR_STAGES):
        h = heights[i]
        w0, w1 = widths[i], widths[i + 1]
        poly = Polygon(
            [(-w0 / 2, top), (w0 / 2, top), (w1 / 2, top - h), (-w1 / 2, top - h)],
            closed=True,
            color=PALETTE[i % len(PALETTE)],
            alpha=0.85,
        )
        ax.add_patch(poly)
        name = label(LABELS, "revenue_stage" if stage == "revenue" else stage, language)
        ax.text(
            0,
            top - h / 2,
            name,
            ha="center",
            va="center",
            color="white",
            fontweight="bold",
            fontsize=10,
        )
        stage_kpis = kpis[kpis["stage"] == stage]
        if stage_kpis.empty:
            ax.text(
                0.65,
                top - h / 2,
                label(LABELS, "no_kpi", language),
                va="center",
                fontsize=9,
                color=BAD_COLOR,
                style="italic",
            )
        for j, (_, k) in enumerate(stage_kpis.iterrows()):
            unit = k["unit"] if "unit" in k.index and not _blank(k["unit"]) else "number"
            base = _format_kpi(k["baseline"], unit, currency, language)
            target = _format_kpi(k["target"], unit, currency, language)
            extra = []
            if "frequency" in k.index and not _blank(k["frequency"]):
                extra.append(label(LABELS, str(k["frequency"]), language))
            if "indicator" in k.index and not _blank(k["indicator"]):
                extra.append(label(LABELS, str(k["indicator"]), language))
            star = " *" if k["baseline_source"] == "data" else ""
            text = f"{k['kpi']}: {base}{star} → {target}" + (
                f"  ({', '.join(extra)})" if extra else ""
            )
            y = top - 0.3 - j * 0.42
            ax.text(
                0.65,
                y,
                text,
                va="center",
                fontsize=9,
                color=CLIENT_COLOR if k["baseline_source"] == "data" else "black",
            )
        top -= h + 0.08
    n_data = int((kpis["baseline_source"] == "data").sum())
    ax.text(
        0.65,
        top - 0.05,
        "* " + label(LABELS, "data_from_kpi", language),
        fontsize=8,
        color=NEUTRAL_COLOR,
        va="top",
    )
    ax.set(
        xlim=(-0.6, 4.2),
        ylim=(top - 0.3, 0.1),
        xticks=[],
        yticks=[],
        title=label(LABELS, "kpi_title", language).format(n=len(kpis), k=n_data),
    )
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return localise_axes(ax, language)


#: strategy-map layout (data units)
MAP_BOX_WIDTH = 0.86
MAP_BOX_HEIGHT = 0.56
MAP_WRAP = 28
#: height of the arc between two objectives of the same perspective (data units)
MAP_SAME_ROW_RAD = 0.3


def plot_strategy_map(
    strategy: pd.DataFrame, *, language: str = "en", ax: Axes | None = None
) -> Axes:
    """The strategy map: perspectives from learning (bottom) to financial (top), one box
    per objective with its KPI, arrows for cause-and-effect links; flagged objectives
    have a red border and a ⚑."""
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    _require(
        strategy, ("objective_id", "objective", "level", "drives", "flag", "kpi"), "strategy map"
    )
    per_level = {lvl: strategy[strategy["level"] == lvl] for lvl in range(len(BSC_PERSPECTIVES))}
    widest = max(max((len(g) for g in per_level.values()), default=1), 1)
    ax = get_ax(ax, figsize=(max(10.0, 2.6 * widest + 2.5), 8.0))
    pos: dict[str, tuple[float, float]] = {}
    for lvl, group in per_level.items():
        n = len(group)
        for i, oid in enumerate(group["objective_id"]):
            pos[oid] = ((i - (n - 1) / 2) * (widest / max(n, 1)), float(lvl))
    half_w = min(MAP_BOX_WIDTH, 0.9 * widest / max(max(len(g) for g in per_level.values()), 1)) / 2
    for lvl in range(len(BSC_PERSPECTIVES)):
        perspective = list(PERSPECTIVE_LEVEL)[lvl]
        ax.axhspan(lvl - 0.48, lvl + 0.48, color=PALETTE[lvl % len(PALETTE)], alpha=0.06)
        ax.text(
            -widest / 2 - 0.1,
            lvl,
            textwrap.fill(label(LABELS, perspective, language), 14),
            ha="right",
            va="center",
            fontsize=10,
            fontweight="bold",
            color=PALETTE[lvl],
        )
    links = 0
    for _, row in strategy.iterrows():
        x0, y0 = pos[row["objective_id"]]
        for target in _parse_ids(row["drives"]):
            x1, y1 = pos[target]
            links += 1
            if y1 == y0:  # same perspective: arc over the boxes, top edge to top edge
                start, end = (x0, y0 + MAP_BOX_HEIGHT / 2), (x1, y1 + MAP_BOX_HEIGHT / 2)
                style = (
                    f"arc3,rad={-MAP_SAME_ROW_RAD * np.sign(x1 - x0) / max(abs(x1 - x0), 1.0):.3f}"
                )
            elif y1 > y0:
                start, end = (x0, y0 + MAP_BOX_HEIGHT / 2), (x1, y1 - MAP_BOX_HEIGHT / 2)
                style = "arc3,rad=0.12" if y1 - y0 > 1 else "arc3,rad=0"
            else:
                start, end = (x0, y0 - MAP_BOX_HEIGHT / 2), (x1, y1 + MAP_BOX_HEIGHT / 2)
                style = "arc3,rad=0.12"
            ax.add_patch(
                FancyArrowPatch(
                    start,
                    end,
                    arrowstyle="-|>",
                    mutation_scale=14,
                    color=NEUTRAL_COLOR,
                    lw=1.2,
                    connectionstyle=style,
                    zorder=1,
                )
            )
    for _, row in strategy.iterrows():
        x, y = pos[row["objective_id"]]
        flagged = not _blank(row["flag"])
        ax.add_patch(
            FancyBboxPatch(
                (x - half_w, y - MAP_BOX_HEIGHT / 2),
                2 * half_w,
                MAP_BOX_HEIGHT,
                boxstyle="round,pad=0.02,rounding_size=0.06",
                facecolor="white",
                edgecolor=BAD_COLOR if flagged else PALETTE[int(row["level"])],
                lw=2.0 if flagged else 1.4,
                zorder=2,
            )
        )
        text = f"{row['objective_id']} · " + str(row["objective"])
        wrap = max(12, int(MAP_WRAP * half_w / (MAP_BOX_WIDTH / 2)))
        second = "⚑ " + str(row["flag"]) if flagged else f"KPI: {row['kpi']}"
        body = textwrap.fill(text, wrap) + "\n" + textwrap.fill(second, wrap)
        ax.text(
            x,
            y,
            body,
            ha="center",
            va="center",
            fontsize=7.5,
            zorder=3,
            color=BAD_COLOR if flagged else "black",
        )
    ax.set(
        xlim=(-widest / 2 - 1.0, widest / 2 + 0.1),
        ylim=(-0.55, len(BSC_PERSPECTIVES) - 0.45),
        xticks=[],
        yticks=[],
        title=label(LABELS, "map_title", language).format(n=len(strategy), links=links),
    )
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return localise_axes(ax, language)


__all__ = [
    "LABELS",
    "MEASURES",
    "REALISM_CLASSES",
    "SMART_CRITERIA",
    "Baseline",
    "SeriesForecaster",
    "annual_growth",
    "baseline_date",
    "classify_target",
    "compute_measure",
    "forecast",
    "forecast_for_objectives",
    "forecast_horizon",
    "headline_findings",
    "kpi_baselines",
    "kr_progress",
    "last_actual_month",
    "monthly_series",
    "okr_grade",
    "okr_progress",
    "okr_review",
    "plot_forecast",
    "plot_kpis",
    "plot_okr",
    "plot_smart",
    "plot_strategy_map",
    "smart_check",
    "smart_summary",
    "strategy_map",
    "target_realism",
]
