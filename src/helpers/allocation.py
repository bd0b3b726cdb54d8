"""Allocation of resources: where the commercial budget, the team's time and its roles go.

Segments and channels are scored on their attractiveness and the commercial budget is
split in proportion to the score within floors and caps; initiatives are sorted by
importance and urgency (Eisenhower) and funded as decision packages from a zero budget
(zero-based budgeting), with the simple ranking rule compared with the exact optimum;
the RACI matrix is checked so that every activity has one owner and people to do it.

Conventions
-----------
* **Attractiveness**: each criterion is rescaled to 0-1 within its dimension (segment or
  channel) by min-max, oriented so that 1 is best: market_size, growth, conversion_rate
  and ltv are *higher is better*; competitive_intensity, cac and sales_cycle_days are
  *lower is better*. A criterion that is constant within a dimension cannot tell lines
  apart: it is excluded there and the weights are renormalised over the criteria used
  (:func:`attractiveness_weights` shows the weights actually used).
* **LTV** means the gross margin a customer brings over ``ltv.horizon_months`` (what 04's
  CLV is), so the *monthly gross margin per customer* is ``ltv / horizon_months`` and the
  **payback** is ``cac / monthly margin`` months. With the simple LTV formula (an infinite
  stream of yearly margins), the monthly margin is ``arpu × margin / 12``.
* **Budget split**: shares ``x_i = clip(λ · score_i, floor, cap)`` with the single λ that
  makes the shares sum to one, i.e. proportional to the score among the lines not held at
  a floor or a cap (water-filling, solved exactly from the breakpoints of λ).
* **Eisenhower**: importance ≥ threshold is *important*, urgency ≥ threshold is *urgent*.
  A **quick win** is an important initiative whose cost (direct + indirect) is at or
  below the median cost of all initiatives and whose benefit/cost is at or above the
  median benefit/cost.
* **Zero-based budgeting**: mandatory packages are funded first; the others in rank order
  (benefit/cost, then strategic impact); a package that does not fit in what is left is
  skipped and later, smaller ones may still be funded; packages whose benefit is not
  positive are never funded unless mandatory.
* **RACI**: each activity needs exactly one A and at least one R; the same role holding R
  and A on an activity is flagged (no second pair of eyes); a role accountable for more
  than ``raci_max_accountable_share`` of the activities is flagged as overloaded.
"""

from __future__ import annotations

import math
import re
import textwrap
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.errors import InputError
from helpers.i18n import format_currency, format_number, label
from helpers.plots import (
    BAD_COLOR,
    CLIENT_COLOR,
    GOOD_COLOR,
    NEUTRAL_COLOR,
    PALETTE,
    currency_formatter,
    get_ax,
    localise_axes,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from matplotlib.axes import Axes

    from helpers.config import LtvSettings

#: +1: higher is better, -1: lower is better.
CRITERIA: dict[str, int] = {
    "market_size": 1,
    "growth": 1,
    "competitive_intensity": -1,
    "cac": -1,
    "conversion_rate": 1,
    "sales_cycle_days": -1,
    "ltv": 1,
}
DIMENSIONS = ("segment", "channel")
#: Score given to every line when no criterion can tell the lines apart.
NEUTRAL_SCORE = 0.5
MONTHS_PER_YEAR = 12
LTV_SOURCES = ("04_customers", "sheet", "simple formula", "none")
#: Float slack when comparing shares with floors and caps.
_EPS = 1e-9
#: Relative score below which a line counts as scoring zero in the split.
_TINY_SCORE = 1e-12
#: Scores are ranked after rounding to this many decimals (0.75 / 3 ties 0.25).
_RANK_DECIMALS = 9

QUADRANTS = ("do now", "plan", "delegate or simplify", "drop")
QUADRANT_COLORS = {
    "do now": BAD_COLOR,
    "plan": CLIENT_COLOR,
    "delegate or simplify": PALETTE[1],
    "drop": NEUTRAL_COLOR,
}
#: Vertical spacing of initiatives sharing the same (urgency, importance) point.
_STACK_STEP = 0.3
_LABEL_WIDTH = 17
_LABEL_FONTSIZE = 8
#: average glyph width in ems, and the share of the figure width the axes take: used to
#: estimate label widths in data units before drawing
_CHAR_EM = 0.55
_AXIS_SHARE = 0.78
#: labels closer than this vertically (data units) are on the same line
_LABEL_BAND = 0.26

RACI_LETTERS = ("R", "A", "C", "I")
RACI_RULES = ("one_accountable", "has_responsible", "separate_r_and_a", "accountable_load")
RACI_COLORS = {
    "A/R": PALETTE[4],
    "A": CLIENT_COLOR,
    "R": PALETTE[1],
    "C": "#a9cce3",
    "I": "#e5e8e8",
}
_RACI_SPLIT = re.compile(r"[\s/,;+&-]+")

LABELS = {
    "en": {
        "higher": "higher is better",
        "lower": "lower is better",
        "used": "used",
        "absent": "not in the sheet",
        "constant": "same for every line: excluded",
        "zero": "zero weight",
        "current": "Current budget",
        "recommended": "Recommended budget",
        "alloc_title": "{name} gains most: {change} more {dimension} budget",
        "alloc_title_flat": "The recommended {dimension} split matches the current one",
        "segment": "segment",
        "channel": "channel",
        "ltv_04": "LTV per {dimension} comes from 04_customers (mean CLV per customer over the "
        "horizon).",
        "ltv_sheet": "LTV per {dimension} comes from the attractiveness sheet's ltv column "
        "(04_customers' result {why}).",
        "ltv_simple": "LTV per {dimension} comes from the simple formula (ARPU × margin × "
        "retention / (1 + discount − retention)), the same for every line "
        "(04_customers' result {why} and the sheet has no ltv).",
        "ltv_none": "No LTV for {dimension}: 04_customers' result {why}, the sheet has no ltv and "
        "ltv.arpu / ltv.retention are not set; LTV is left out of the score.",
        "why_absent": "is not in this run",
        "why_partial": "does not cover every {dimension}",
        "urgency": "Urgency",
        "importance": "Importance",
        "do now": "do now",
        "plan": "plan",
        "delegate or simplify": "delegate or simplify",
        "drop": "drop",
        "quick_win": "quick win",
        "eis_title": "{do_now} initiative(s) to do now, {quick} quick win(s)",
        "funded": "funded",
        "mandatory": "mandatory",
        "skipped": "skipped (does not fit or no benefit)",
        "optimal": "in the optimum",
        "budget": "Budget",
        "zbb_title": "The ranking rule funds {greedy} of benefit, the optimum {optimal}",
        "zbb_title_same": "The ranking rule reaches the optimum: {greedy} of benefit",
        "zbb_y": "Cumulative cost",
        "greedy": "ranking rule",
        "optimum": "optimum",
        "raci_title": "{bad} of {n} activities break a RACI rule",
        "raci_title_ok": "Every activity has one Accountable and a Responsible",
        "msg_one_accountable_ok": "one Accountable ({roles})",
        "msg_one_accountable_none": "no Accountable: name one role accountable",
        "msg_one_accountable_many": "{n} Accountables ({roles}): keep exactly one",
        "msg_has_responsible_ok": "Responsible: {roles}",
        "msg_has_responsible_none": "no Responsible: name who does the work",
        "msg_separate_ok": "Accountable and Responsible are different roles",
        "msg_separate_bad": "{roles} is both Accountable and Responsible: no second pair of eyes",
        "msg_load_ok": "Accountable for {n} of {total} activities",
        "msg_load_bad": "Accountable for {n} of {total} activities (more than {limit}): "
        "delegate some accountability",
    },
    "fr": {
        "higher": "plus c'est haut, mieux c'est",
        "lower": "plus c'est bas, mieux c'est",
        "used": "utilisé",
        "absent": "absent de la feuille",
        "constant": "identique pour toutes les lignes : exclu",
        "zero": "poids nul",
        "current": "Budget actuel",
        "recommended": "Budget recommandé",
        "alloc_title": "{name} gagne le plus : {change} de budget en plus",
        "alloc_title_flat": "La répartition recommandée est celle d'aujourd'hui",
        "segment": "segment",
        "channel": "canal",
        "ltv_04": "La LTV par {dimension} vient de 04_customers (CLV moyenne par client sur "
        "l'horizon).",
        "ltv_sheet": "La LTV par {dimension} vient de la colonne ltv de la feuille attractiveness "
        "(le résultat de 04_customers {why}).",
        "ltv_simple": "La LTV par {dimension} vient de la formule simple (ARPU × marge × "
        "rétention / (1 + actualisation − rétention)), identique pour toutes les lignes "
        "(le résultat de 04_customers {why} et la feuille n'a pas de ltv).",
        "ltv_none": "Pas de LTV par {dimension} : le résultat de 04_customers {why}, la feuille "
        "n'a pas de ltv et ltv.arpu / ltv.retention ne sont pas renseignés ; la LTV est "
        "exclue du score.",
        "why_absent": "n'est pas dans cette exécution",
        "why_partial": "ne couvre pas chaque {dimension}",
        "urgency": "Urgence",
        "importance": "Importance",
        "do now": "faire maintenant",
        "plan": "planifier",
        "delegate or simplify": "déléguer ou simplifier",
        "drop": "abandonner",
        "quick_win": "gain rapide",
        "eis_title": "{do_now} initiative(s) à faire tout de suite, {quick} gain(s) rapide(s)",
        "funded": "financé",
        "mandatory": "obligatoire",
        "skipped": "écarté (ne tient pas ou sans bénéfice)",
        "optimal": "dans l'optimum",
        "budget": "Budget",
        "zbb_title": "La règle de classement finance {greedy} de bénéfice, l'optimum {optimal}",
        "zbb_title_same": "La règle de classement atteint l'optimum : {greedy} de bénéfice",
        "zbb_y": "Coût cumulé",
        "greedy": "règle de classement",
        "optimum": "optimum",
        "raci_title": "{bad} activité(s) sur {n} enfreignent une règle RACI",
        "raci_title_ok": "Chaque activité a un Approbateur et un Réalisateur",
        "msg_one_accountable_ok": "un seul A ({roles})",
        "msg_one_accountable_none": "aucun A : nommer un rôle responsable du résultat",
        "msg_one_accountable_many": "{n} A ({roles}) : n'en garder qu'un",
        "msg_has_responsible_ok": "R : {roles}",
        "msg_has_responsible_none": "aucun R : nommer qui fait le travail",
        "msg_separate_ok": "A et R tenus par des rôles différents",
        "msg_separate_bad": "{roles} est à la fois A et R : pas de second regard",
        "msg_load_ok": "A sur {n} activités sur {total}",
        "msg_load_bad": "A sur {n} activités sur {total} (plus de {limit}) : déléguer",
    },
}


def _require(df: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            f"{what}: missing column(s) {', '.join(missing)} (found: "
            f"{', '.join(map(str, df.columns))}); load the sheet with eng.load() or map the "
            "columns in engagement.yaml"
        )


# ---- LTV sources --------------------------------------------------------------------------
def with_ltv(
    attractiveness: pd.DataFrame,
    *,
    ltv_by_segment: pd.DataFrame | None = None,
    settings: LtvSettings | None = None,
) -> pd.DataFrame:
    """Attach the LTV of each segment and channel, saying where it comes from.

    For each dimension, the first source that covers every line wins:

    1. 04_customers' ``ltv_by_segment`` (``clv_mean`` of the rows whose ``grouping`` is
       the dimension, joined on ``segment`` = ``name``);
    2. the sheet's ``ltv`` column;
    3. the simple formula :func:`helpers.ltv.simple_ltv` with ``settings.arpu``,
       ``margin``, ``retention`` and ``discount_rate`` (one value for every line);
    4. none: ``ltv`` stays empty and is left out of the score.

    Parameters
    ----------
    attractiveness
        The ``attractiveness`` sheet (dimension, name, criteria...).
    ltv_by_segment
        04_customers' result (grouping, segment, customers, clv_total, clv_mean,
        clv_share), or ``None`` when 04 has not run.
    settings
        The engagement's ``ltv`` settings (horizon, margin, simple-formula inputs);
        default: :class:`helpers.config.LtvSettings` defaults.

    Returns
    -------
    DataFrame
        A copy with ``ltv``, ``ltv_source`` (one of 04_customers, sheet, simple formula,
        none), ``ltv_note`` (why an earlier source was not used: ``absent``/``partial``)
        and ``monthly_margin`` (gross margin per customer and month, see module notes).
    """
    from helpers.config import LtvSettings

    settings = settings or LtvSettings()
    _require(attractiveness, ("dimension", "name"), "attractiveness")
    out = attractiveness.copy()
    out["name"] = out["name"].astype(str)
    sheet = out["ltv"].astype(float) if "ltv" in out.columns else pd.Series(np.nan, index=out.index)
    ltv = pd.Series(np.nan, index=out.index, dtype=float)
    source = pd.Series("none", index=out.index, dtype=object)
    note = pd.Series("absent", index=out.index, dtype=object)
    monthly = pd.Series(np.nan, index=out.index, dtype=float)
    if ltv_by_segment is not None:
        _require(
            ltv_by_segment, ("grouping", "segment", "clv_mean"), "ltv_by_segment (04_customers)"
        )
    simple = None
    if settings.arpu is not None and settings.retention is not None:
        from helpers.ltv import simple_ltv

        simple = simple_ltv(
            settings.arpu,
            margin=settings.margin,
            retention=settings.retention,
            discount=settings.discount_rate,
        )
    for dimension in dict.fromkeys(out["dimension"].astype(str)):
        rows = out["dimension"].astype(str) == dimension
        names = out.loc[rows, "name"]
        from_04 = pd.Series(np.nan, index=names.index, dtype=float)
        if ltv_by_segment is not None:
            part = ltv_by_segment[ltv_by_segment["grouping"].astype(str) == dimension]
            lookup = dict(
                zip(part["segment"].astype(str), part["clv_mean"].astype(float), strict=True)
            )
            from_04 = names.map(lookup).astype(float)
            note[rows] = "partial" if len(part) else "absent"
        if from_04.notna().all():
            ltv[rows] = from_04
            source[rows] = "04_customers"
            note[rows] = ""
            monthly[rows] = from_04 / settings.horizon_months
        elif sheet[rows].notna().all():
            ltv[rows] = sheet[rows]
            source[rows] = "sheet"
            monthly[rows] = sheet[rows] / settings.horizon_months
        elif simple is not None:
            ltv[rows] = simple
            source[rows] = "simple formula"
            monthly[rows] = settings.arpu * settings.margin / MONTHS_PER_YEAR
        else:
            ltv[rows] = sheet[rows]
            source[rows] = np.where(sheet[rows].notna(), "sheet", "none")
            monthly[rows] = sheet[rows] / settings.horizon_months
    out["ltv"] = ltv
    out["ltv_source"] = source.astype(str)
    out["ltv_note"] = note.astype(str)
    out["monthly_margin"] = monthly
    return out


def ltv_source_note(attractiveness: pd.DataFrame, *, language: str = "en") -> str:
    """One sentence per dimension saying which LTV source :func:`with_ltv` used, and why."""
    _require(attractiveness, ("dimension", "ltv_source", "ltv_note"), "attractiveness (with_ltv)")
    keys = {
        "04_customers": "ltv_04",
        "sheet": "ltv_sheet",
        "simple formula": "ltv_simple",
        "none": "ltv_none",
    }
    sentences = []
    for dimension, rows in attractiveness.groupby("dimension", sort=False):
        dim = label(LABELS, str(dimension), language)
        sources = list(dict.fromkeys(rows["ltv_source"]))
        src = sources[0] if len(sources) == 1 else "none"
        why_key = "why_partial" if (rows["ltv_note"] == "partial").any() else "why_absent"
        why = label(LABELS, why_key, language).format(dimension=dim)
        sentences.append(label(LABELS, keys[src], language).format(dimension=dim, why=why))
    return " ".join(sentences)


# ---- attractiveness -----------------------------------------------------------------------
def _check_weights(weights: Mapping[str, float]) -> None:
    unknown = sorted(set(weights) - set(CRITERIA))
    if unknown:
        raise InputError(
            f"allocation.weights: unknown criterion(s) {', '.join(unknown)}; "
            f"use {', '.join(CRITERIA)}"
        )
    negative = {k: v for k, v in weights.items() if v < 0}
    if negative:
        raise InputError(f"allocation.weights must be >= 0, got {negative}")


def _criterion_status(values: pd.Series | None, weight: float, name: str, dimension: str) -> str:
    if weight == 0:
        return "zero"
    if values is None or values.isna().all():
        return "absent"
    if values.isna().any():
        raise InputError(
            f"attractiveness: {name} is empty for {dimension} line(s) "
            f"{', '.join(values.index[values.isna()].astype(str))}; fill every line or clear the "
            "whole column for that dimension"
        )
    if float(values.max()) - float(values.min()) <= 0:
        return "constant"
    return "used"


def attractiveness_weights(
    attractiveness: pd.DataFrame, *, weights: Mapping[str, float], language: str = "en"
) -> pd.DataFrame:
    """The weights actually used per dimension and criterion, for the report.

    Returns
    -------
    DataFrame
        dimension, criterion, direction (in the language), weight (as configured),
        weight_used (renormalised over the criteria used in that dimension; 0 when
        excluded), status (``used``, ``absent``, ``constant``, ``zero``), status_text.
    """
    _check_weights(weights)
    _require(attractiveness, ("dimension", "name"), "attractiveness")
    rows = []
    for dimension, lines in attractiveness.groupby("dimension", sort=False):
        lines = lines.set_index(lines["name"].astype(str))
        block = []
        for criterion, weight in weights.items():
            values = lines[criterion].astype(float) if criterion in lines.columns else None
            status = _criterion_status(values, float(weight), criterion, str(dimension))
            block.append(
                {
                    "dimension": str(dimension),
                    "criterion": criterion,
                    "direction": label(
                        LABELS, "higher" if CRITERIA[criterion] > 0 else "lower", language
                    ),
                    "weight": float(weight),
                    "status": status,
                }
            )
        total = sum(b["weight"] for b in block if b["status"] == "used")
        for b in block:
            b["weight_used"] = b["weight"] / total if b["status"] == "used" and total > 0 else 0.0
            b["status_text"] = label(LABELS, b["status"], language)
        rows += block
    columns = [
        "dimension",
        "criterion",
        "direction",
        "weight",
        "weight_used",
        "status",
        "status_text",
    ]
    return pd.DataFrame(rows, columns=columns)


def _nan_min_max(values: np.ndarray) -> tuple[float, float]:
    """Smallest and largest value, NaN left out (NaN when every value is), as pandas'
    ``min()`` and ``max()`` give them."""
    present = values[~np.isnan(values)]
    if not len(present):
        return math.nan, math.nan
    return present.min(), present.max()


def attractiveness_scores(
    attractiveness: pd.DataFrame, *, weights: Mapping[str, float]
) -> pd.DataFrame:
    """Weighted attractiveness score (0-1) of each segment and channel.

    Parameters
    ----------
    attractiveness
        dimension, name and any of the criteria (market_size, growth,
        competitive_intensity, cac, conversion_rate, sales_cycle_days, ltv).
    weights
        Criterion -> weight (``allocation.weights``); renormalised over the criteria
        present and not constant in each dimension.

    Returns
    -------
    DataFrame
        dimension, name, ``<criterion>_score`` for each weighted criterion (0 worst, 1
        best within the dimension; NaN when excluded), score, rank (1 = most attractive
        within the dimension).

    Examples
    --------
    Two segments, market size 10 and 30 (weight 0.5), CAC 100 and 300 (weight 0.5):
    normalised market size 0 and 1, CAC (lower is better) 1 and 0; scores 0.5 and 0.5.
    """
    used = attractiveness_weights(attractiveness, weights=weights)
    out = attractiveness[["dimension", "name"]].copy()
    out["dimension"] = out["dimension"].astype(str)
    out["name"] = out["name"].astype(str)
    # plain NumPy on the rows' positions: a handful of rows, where pandas' indexing
    # would cost more than the arithmetic
    dimensions = out["dimension"].to_numpy()
    score = np.zeros(len(out))
    criterion_scores = {criterion: np.full(len(out), np.nan) for criterion in weights}
    for dimension in dict.fromkeys(dimensions):
        rows = dimensions == dimension
        w = used[used["dimension"] == dimension]
        if w["weight_used"].sum() <= 0:
            score[rows] = NEUTRAL_SCORE
            continue
        for criterion, wu, status in zip(
            w["criterion"], w["weight_used"], w["status"], strict=True
        ):
            if status != "used":
                continue
            values = attractiveness[criterion].astype(float).to_numpy()[rows]
            low, high = _nan_min_max(values)
            norm = (values - low) / (high - low)
            if CRITERIA[criterion] < 0:
                norm = 1 - norm
            criterion_scores[criterion][rows] = norm
            score[rows] += wu * norm
    for criterion, values in criterion_scores.items():
        out[f"{criterion}_score"] = values
    out["score"] = score
    out["rank"] = (
        out.assign(_s=out["score"].round(_RANK_DECIMALS))
        .groupby("dimension")["_s"]
        .rank(ascending=False, method="min")
        .astype(int)
    )
    return out


def water_fill(scores: object, *, total: float, floor: float, cap: float) -> np.ndarray:
    """Split ``total`` in proportion to ``scores`` with every share in [floor, cap].

    The shares are ``clip(λ · score, floor, cap)`` with the unique λ that makes them sum
    to one: lines whose proportional share would fall below the floor get the floor,
    those above the cap get the cap, the rest share what is left in proportion to their
    score. λ is found exactly from the breakpoints ``floor/score`` and ``cap/score``.

    Parameters
    ----------
    scores
        Non-negative scores (all zero: equal split).
    total
        Amount to split.
    floor, cap
        Minimum and maximum share of ``total`` per line.

    Returns
    -------
    numpy.ndarray
        Amounts, summing to ``total``.

    Raises
    ------
    InputError
        When no split can respect the floor and the cap (``n × floor > 1`` or
        ``n × cap < 1``, or ``floor > cap``).

    Examples
    --------
    Scores 6, 3, 1, total 100, floor 0.15, cap 0.5: the proportional split 60/30/10
    breaks the cap and the floor; the third line gets its floor 15 and the first its cap
    50, the second the remaining 35.
    """
    s = np.asarray(scores, dtype=float)
    n = len(s)
    if n == 0:
        return np.zeros(0)
    if np.any(~np.isfinite(s)) or np.any(s < 0):
        raise InputError(f"water_fill: scores must be finite and >= 0, got {s.tolist()}")
    if not 0 <= floor <= cap <= 1:
        raise InputError(
            f"allocation.floor ({floor}) and allocation.cap ({cap}) must satisfy "
            "0 <= floor <= cap <= 1"
        )
    if n * floor > 1 + _EPS:
        raise InputError(
            f"allocation.floor {floor:.0%} for {n} lines asks for {n * floor:.0%} of the budget; "
            f"lower the floor to at most {1 / n:.1%}"
        )
    if n * cap < 1 - _EPS:
        raise InputError(
            f"allocation.cap {cap:.0%} for {n} lines leaves {1 - n * cap:.0%} of the budget "
            f"unallocated; raise the cap to at least {1 / n:.1%}"
        )
    if not np.any(s > 0):
        s = np.ones(n)
    s = s / s.max()
    s[s < _TINY_SCORE] = 0.0  # a score a trillion times smaller than the best counts as zero
    positive = s > 0
    if cap * positive.sum() + floor * (~positive).sum() < 1 - _EPS:
        # the scored lines all reach the cap: the lines scoring zero share the rest equally
        # (the limit of giving them a vanishing score); n × cap >= 1 keeps them under the cap
        x = np.where(positive, cap, (1 - cap * positive.sum()) / (~positive).sum())
        return x * total
    if n * floor >= 1 - _EPS:
        return np.full(n, total / n)

    def shares(lam: float) -> np.ndarray:
        return np.clip(lam * s, floor, cap)

    breakpoints = np.unique(np.concatenate([floor / s[positive], cap / s[positive]]))
    lower = 0.0
    upper = float(breakpoints[-1])
    for b in breakpoints:
        if shares(float(b)).sum() >= 1 - _EPS:
            upper = float(b)
            break
        lower = float(b)
    mid = (lower + upper) / 2
    at_floor = mid * s <= floor
    at_cap = mid * s >= cap
    free = ~(at_floor | at_cap)
    fixed = floor * at_floor.sum() + cap * at_cap.sum()
    lam = (1 - fixed) / s[free].sum() if free.any() else upper
    x = shares(lam)
    x = x / x.sum()  # remove float dust so that the amounts add up to the total
    return x * total


def allocation_table(
    attractiveness: pd.DataFrame,
    *,
    weights: Mapping[str, float],
    budget: float,
    floor: float,
    cap: float,
    horizon_months: int = 12,
) -> pd.DataFrame:
    """Attractiveness, unit economics and the recommended budget split per segment and channel.

    Each dimension splits the whole ``budget`` (a split by segment, another by channel).

    Parameters
    ----------
    attractiveness
        The sheet, ideally passed through :func:`with_ltv` (which adds ``ltv_source``
        and ``monthly_margin``).
    weights
        ``allocation.weights``.
    budget
        ``allocation.budget``.
    floor, cap
        ``allocation.floor`` and ``allocation.cap``, shares of the budget per line.
    horizon_months
        ``ltv.horizon_months``: the LTV horizon, used for the monthly margin when
        ``monthly_margin`` is not given.

    Returns
    -------
    DataFrame
        dimension, name, the ``<criterion>_score`` columns, score, rank, ltv,
        ltv_source, cac, ltv_cac, payback_months, current_budget, current_share,
        recommended_share, recommended_budget, change, bound (``floor``, ``cap`` or
        empty).
    """
    if budget < 0:
        raise InputError(f"allocation.budget must be >= 0, got {budget}")
    scores = attractiveness_scores(attractiveness, weights=weights)
    out = scores.copy()
    data = attractiveness.reset_index(drop=True)
    out = out.reset_index(drop=True)
    out["ltv"] = data["ltv"].astype(float) if "ltv" in data.columns else np.nan
    out["ltv_source"] = (
        data["ltv_source"].astype(str)
        if "ltv_source" in data.columns
        else (np.where(out["ltv"].notna(), "sheet", "none"))
    )
    out["cac"] = data["cac"].astype(float) if "cac" in data.columns else np.nan
    if "monthly_margin" in data.columns:
        monthly = data["monthly_margin"].astype(float)
    else:
        monthly = out["ltv"] / horizon_months
    cac = out["cac"]
    out["ltv_cac"] = np.where(cac > 0, out["ltv"] / cac.where(cac > 0), np.nan)
    out["payback_months"] = np.where(monthly > 0, cac / monthly.where(monthly > 0), np.nan)
    current = (
        data["current_budget"].astype(float)
        if "current_budget" in data.columns
        else (pd.Series(np.nan, index=out.index))
    )
    out["current_budget"] = current
    out["current_share"] = np.nan
    out["recommended_share"] = np.nan
    out["recommended_budget"] = np.nan
    out["bound"] = ""
    for dimension in dict.fromkeys(out["dimension"]):
        rows = out["dimension"] == dimension
        amounts = water_fill(out.loc[rows, "score"].to_numpy(), total=budget, floor=floor, cap=cap)
        share = amounts / budget if budget > 0 else np.full(len(amounts), 1 / len(amounts))
        out.loc[rows, "recommended_budget"] = amounts
        out.loc[rows, "recommended_share"] = share
        cur = current[rows]
        if cur.notna().all() and cur.sum() > 0:
            out.loc[rows, "current_share"] = cur / cur.sum()
        out.loc[rows, "bound"] = np.where(
            share <= floor + _EPS, "floor", np.where(share >= cap - _EPS, "cap", "")
        )
    out["change"] = out["recommended_budget"] - out["current_budget"]
    return out


def allocation_headline(
    allocation: pd.DataFrame,
    *,
    dimension: str = "segment",
    currency: str = "EUR",
    language: str = "en",
) -> str:
    """The headline of the split: the line that gains most budget (or that nothing moves)."""
    data = allocation[allocation["dimension"] == dimension]
    dim = label(LABELS, dimension, language)
    change = data["change"]
    if change.notna().any() and change.max() > 0:
        best = data.loc[change.idxmax()]
        return label(LABELS, "alloc_title", language).format(
            name=best["name"],
            change=format_currency(float(best["change"]), currency, language),
            dimension=dim,
        )
    return label(LABELS, "alloc_title_flat", language).format(dimension=dim)


def plot_allocation(
    allocation: pd.DataFrame,
    *,
    dimension: str = "segment",
    currency: str = "EUR",
    language: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """Current and recommended budget per line of one dimension (paired horizontal bars)."""
    data = allocation[allocation["dimension"] == dimension]
    if data.empty:
        raise InputError(
            f"plot_allocation: no {dimension!r} line (dimensions: "
            f"{', '.join(dict.fromkeys(allocation['dimension']))})"
        )
    data = data.sort_values("recommended_budget", ascending=True)
    ax = get_ax(ax)
    y = np.arange(len(data))
    height = 0.38
    ax.barh(
        y + height / 2,
        data["current_budget"].fillna(0),
        height,
        color=NEUTRAL_COLOR,
        label=label(LABELS, "current", language),
    )
    ax.barh(
        y - height / 2,
        data["recommended_budget"],
        height,
        color=CLIENT_COLOR,
        label=label(LABELS, "recommended", language),
    )
    for yi, (amount, bound) in enumerate(
        zip(data["recommended_budget"], data["bound"], strict=True)
    ):
        text = format_currency(float(amount), currency, language)
        if bound:
            text += f" ({bound})"
        ax.text(float(amount), yi - height / 2, f" {text}", va="center", fontsize=8)
    ax.set_yticks(y, list(data["name"]))
    ax.xaxis.set_major_formatter(currency_formatter(currency, language))
    title = allocation_headline(
        allocation, dimension=dimension, currency=currency, language=language
    )
    ax.set(title=title, xlabel="", ylabel="")
    ax.margins(x=0.18)
    ax.legend(loc="lower right")
    return localise_axes(ax, language)


# ---- Eisenhower ---------------------------------------------------------------------------
def _initiative_costs(initiatives: pd.DataFrame) -> pd.DataFrame:
    _require(initiatives, ("initiative", "package", "direct_cost", "benefit"), "initiatives")
    out = initiatives.copy()
    out["direct_cost"] = out["direct_cost"].astype(float)
    if "indirect_cost" in out.columns:
        out["indirect_cost"] = out["indirect_cost"].astype(float).fillna(0.0)
    else:
        out["indirect_cost"] = 0.0
    out["cost"] = out["direct_cost"] + out["indirect_cost"]
    out["benefit"] = out["benefit"].astype(float)
    bad = out.index[out["direct_cost"].isna() | out["benefit"].isna() | (out["cost"] < 0)]
    if len(bad):
        names = ", ".join(out.loc[bad, "initiative"].astype(str))
        raise InputError(
            f"initiatives: direct_cost and benefit must be filled and costs >= 0; check {names}"
        )
    out["ratio"] = np.where(
        out["cost"] > 0, out["benefit"] / out["cost"].where(out["cost"] > 0), np.inf
    )
    return out


def eisenhower(
    initiatives: pd.DataFrame, *, importance_threshold: float = 3.0, urgency_threshold: float = 3.0
) -> pd.DataFrame:
    """Place each initiative in the Eisenhower matrix and name the quick wins.

    Parameters
    ----------
    initiatives
        initiative, package, importance, urgency (1-5), direct_cost, indirect_cost,
        benefit.
    importance_threshold, urgency_threshold
        ``thresholds.eisenhower_importance`` / ``eisenhower_urgency``: a value *at or
        above* the threshold is high.

    Returns
    -------
    DataFrame
        initiative, package, importance, urgency, quadrant (do now: important and
        urgent; plan: important, not urgent; delegate or simplify: urgent, not
        important; drop: neither), cost, benefit, ratio (benefit / cost), quick_win;
        sorted by quadrant, then importance and urgency (descending).
    """
    _require(initiatives, ("importance", "urgency"), "initiatives")
    data = _initiative_costs(initiatives)
    importance = data["importance"].astype(float)
    urgency = data["urgency"].astype(float)
    if importance.isna().any() or urgency.isna().any():
        names = ", ".join(data.loc[importance.isna() | urgency.isna(), "initiative"].astype(str))
        raise InputError(f"initiatives: importance and urgency must be filled; check {names}")
    important = importance >= importance_threshold
    urgent = urgency >= urgency_threshold
    quadrant = np.select(
        [important & urgent, important & ~urgent, ~important & urgent],
        ["do now", "plan", "delegate or simplify"],
        default="drop",
    )
    ratio = data["ratio"]
    quick = important & (data["cost"] <= data["cost"].median()) & (ratio >= ratio.median())
    out = pd.DataFrame(
        {
            "initiative": data["initiative"].astype(str),
            "package": data["package"].astype(str),
            "importance": importance,
            "urgency": urgency,
            "quadrant": quadrant,
            "cost": data["cost"],
            "benefit": data["benefit"],
            "ratio": ratio,
            "quick_win": quick.astype(bool),
        }
    )
    order = out["quadrant"].map({q: i for i, q in enumerate(QUADRANTS)})
    out = out.assign(_o=order).sort_values(
        ["_o", "importance", "urgency", "initiative"],
        ascending=[True, False, False, True],
        kind="stable",
    )
    return out.drop(columns="_o").reset_index(drop=True)


def _stacked_positions(points: pd.DataFrame) -> np.ndarray:
    """Deterministic vertical spread of initiatives that share the same point."""
    y = points["importance"].to_numpy(float).copy()
    keys = list(zip(points["urgency"], points["importance"], strict=True))
    groups: dict[tuple[float, float], list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    for members in groups.values():
        k = len(members)
        if k == 1:
            continue
        step = min(_STACK_STEP, 0.8 / (k - 1))
        offsets = (np.arange(k) - (k - 1) / 2) * step
        for i, off in zip(members, offsets[::-1], strict=True):
            y[i] += off
    return y


def eisenhower_headline(matrix: pd.DataFrame, *, language: str = "en") -> str:
    """The headline of :func:`eisenhower`: how many initiatives to do now, how many quick wins."""
    n_now = int((matrix["quadrant"] == "do now").sum())
    return label(LABELS, "eis_title", language).format(
        do_now=n_now, quick=int(matrix["quick_win"].sum())
    )


def _separator(values: pd.Series, threshold: float) -> float:
    """Where to draw a threshold line so that values at the threshold sit on the high side:
    midway between the largest low value and the smallest high value."""
    v = values.astype(float)
    low, high = v[v < threshold], v[v >= threshold]
    if low.empty or high.empty:
        return float(threshold)
    return (float(low.max()) + float(high.min())) / 2


def _label_sides(
    x: np.ndarray,
    y: np.ndarray,
    names: list[str],
    char_width: float,
    xlim: tuple[float, float],
) -> list[str]:
    """Put each label right of its dot unless it would run into another dot or label on
    the same line or out of the axes; then left; else above. Deterministic: rightmost
    dots first."""
    pad = 0.12
    taken: list[tuple[float, float, float]] = []
    sides = ["above"] * len(x)
    for i in sorted(range(len(x)), key=lambda k: (-x[k], -y[k])):
        width = max(len(line) for line in names[i].split("\n")) * char_width + pad
        options = {"right": (x[i] + pad / 2, x[i] + width), "left": (x[i] - width, x[i] - pad / 2)}
        for side, (a, b) in options.items():
            inside = a >= xlim[0] and b <= xlim[1]
            clash = any(
                abs(ty - y[i]) < _LABEL_BAND and ta <= b and tb >= a for ta, tb, ty in taken
            ) or any(
                j != i and abs(y[j] - y[i]) < _LABEL_BAND and a <= x[j] <= b for j in range(len(x))
            )
            if inside and not clash:
                sides[i] = side
                taken.append((a, b, y[i]))
                break
    return sides


def plot_eisenhower(
    matrix: pd.DataFrame,
    *,
    importance_threshold: float = 3.0,
    urgency_threshold: float = 3.0,
    language: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """The Eisenhower matrix: urgency across, importance up, one labelled dot per initiative.

    Initiatives sharing a point are spread vertically (deterministically) so that every
    label stays readable; quick wins are drawn as stars.
    """
    ax = get_ax(ax, figsize=(10.5, 7.0))
    y = _stacked_positions(matrix)
    x = matrix["urgency"].to_numpy(float)
    for q in QUADRANTS:
        rows = (matrix["quadrant"] == q).to_numpy() & ~matrix["quick_win"].to_numpy(bool)
        ax.scatter(
            x[rows],
            y[rows],
            s=60,
            color=QUADRANT_COLORS[q],
            zorder=3,
            label=label(LABELS, q, language),
        )
    quick = matrix["quick_win"].to_numpy(bool)
    ax.scatter(
        x[quick],
        y[quick],
        s=200,
        marker="*",
        color=[QUADRANT_COLORS[q] for q in matrix.loc[quick, "quadrant"]],
        edgecolor=PALETTE[6],
        lw=1.2,
        zorder=4,
        label=label(LABELS, "quick_win", language),
    )
    lo, hi = 0.5, 5.5
    xlim = (lo, hi + 1.2)
    names = [
        textwrap.fill(str(n), _LABEL_WIDTH, max_lines=2, placeholder="…")
        for n in matrix["initiative"]
    ]
    axis_inches = ax.figure.get_figwidth() * _AXIS_SHARE
    char_width = (xlim[1] - xlim[0]) / axis_inches * _LABEL_FONTSIZE * _CHAR_EM / 72
    sides = _label_sides(x, y, names, char_width, xlim)
    for xi, yi, side, name, qw in zip(x, y, sides, names, quick, strict=True):
        offset = {"right": (7, 0), "left": (-7, 0), "above": (0, 7)}[side]
        ha = {"right": "left", "left": "right", "above": "center"}[side]
        ax.annotate(
            name,
            (xi, yi),
            xytext=offset,
            textcoords="offset points",
            ha=ha,
            va="bottom" if side == "above" else "center",
            fontsize=_LABEL_FONTSIZE,
            fontweight="bold" if qw else "normal",
            linespacing=1.0,
        )
    ax.axvline(_separator(matrix["urgency"], urgency_threshold), color="black", lw=0.8)
    ax.axhline(_separator(matrix["importance"], importance_threshold), color="black", lw=0.8)
    corners = {
        "do now": (0.99, 0.99, "right", "top"),
        "plan": (0.01, 0.99, "left", "top"),
        "delegate or simplify": (0.99, 0.01, "right", "bottom"),
        "drop": (0.01, 0.01, "left", "bottom"),
    }
    for q, (cx, cy, ha, va) in corners.items():
        ax.text(
            cx,
            cy,
            label(LABELS, q, language).upper(),
            ha=ha,
            va=va,
            fontsize=10,
            fontweight="bold",
            color=QUADRANT_COLORS[q],
            alpha=0.8,
            transform=ax.transAxes,
        )
    ax.set(
        xlim=xlim,
        ylim=(lo, hi),
        xlabel=label(LABELS, "urgency", language),
        ylabel=label(LABELS, "importance", language),
        title=eisenhower_headline(matrix, language=language),
        xticks=[1, 2, 3, 4, 5],
        yticks=[1, 2, 3, 4, 5],
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return localise_axes(ax, language)


# ---- zero-based budgeting -----------------------------------------------------------------
def decision_packages(initiatives: pd.DataFrame) -> pd.DataFrame:
    """Group initiatives into decision packages, ranked by benefit/cost then strategic impact.

    Returns
    -------
    DataFrame
        package, initiatives (count), direct_cost, indirect_cost, cost, benefit, ratio,
        strategic_impact (cost-weighted mean of the initiatives'; NaN when not given),
        mandatory (any initiative mandatory), rank (1 = best; ties broken by lower cost,
        then name); sorted by rank.
    """
    data = _initiative_costs(initiatives)
    data["mandatory"] = (
        data["mandatory"].astype("boolean").fillna(False).astype(bool)
        if "mandatory" in data.columns
        else False
    )
    impact = (
        data["strategic_impact"].astype(float) if "strategic_impact" in data.columns else np.nan
    )
    data["_impact_w"] = impact * data["cost"].where(data["cost"] > 0, 1.0)
    data["_impact_n"] = np.where(pd.notna(impact), data["cost"].where(data["cost"] > 0, 1.0), 0.0)
    data["package"] = data["package"].astype(str)
    grouped = data.groupby("package", sort=False).agg(
        initiatives=("initiative", "size"),
        direct_cost=("direct_cost", "sum"),
        indirect_cost=("indirect_cost", "sum"),
        cost=("cost", "sum"),
        benefit=("benefit", "sum"),
        mandatory=("mandatory", "any"),
        _impact_w=("_impact_w", "sum"),
        _impact_n=("_impact_n", "sum"),
    )
    out = grouped.reset_index()
    out["ratio"] = np.where(
        out["cost"] > 0,
        out["benefit"] / out["cost"].where(out["cost"] > 0),
        np.where(out["benefit"] > 0, np.inf, np.where(out["benefit"] < 0, -np.inf, 0.0)),
    )
    out["strategic_impact"] = np.where(
        out["_impact_n"] > 0,
        out["_impact_w"] / out["_impact_n"].where(out["_impact_n"] > 0),
        np.nan,
    )
    out = out.sort_values(
        ["ratio", "strategic_impact", "cost", "package"],
        ascending=[False, False, True, True],
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    columns = [
        "package",
        "initiatives",
        "direct_cost",
        "indirect_cost",
        "cost",
        "benefit",
        "ratio",
        "strategic_impact",
        "mandatory",
        "rank",
    ]
    return out[columns]


def _optimal_selection(
    cost: np.ndarray, benefit: np.ndarray, mandatory: np.ndarray, budget: float
) -> np.ndarray:
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = len(cost)
    if n == 0:
        return np.zeros(0, dtype=bool)
    result = milp(
        c=-benefit,
        constraints=LinearConstraint(cost.reshape(1, -1), -np.inf, budget),
        integrality=np.ones(n),
        bounds=Bounds(mandatory.astype(float), np.ones(n)),
        options={"mip_rel_gap": 0.0},
    )
    if result.x is None:
        raise InputError(
            f"zero-based budget: the exact optimum could not be solved ({result.message})"
        )
    return np.round(result.x).astype(bool)


def zero_based_budget(initiatives: pd.DataFrame, *, budget: float) -> pd.DataFrame:
    """Fund decision packages from zero: the ranking rule and the exact optimum.

    The ranking rule funds the mandatory packages, then the others in rank order; a
    package that does not fit in what is left is skipped and later, smaller packages may
    still be funded; a package whose benefit is not positive is never funded unless
    mandatory. The optimum maximises the total benefit with cost ≤ budget and every
    mandatory package funded (``scipy.optimize.milp``, exact).

    Parameters
    ----------
    initiatives
        initiative, package, direct_cost, indirect_cost, benefit, strategic_impact,
        mandatory.
    budget
        ``allocation.zbb_budget``.

    Returns
    -------
    DataFrame
        The columns of :func:`decision_packages` plus funded_greedy, funded_optimal and
        cumulative_cost (running total of what the ranking rule has funded, in funding
        order); rows in funding order (mandatory first, then rank).

    Raises
    ------
    InputError
        When the mandatory packages alone cost more than the budget.
    """
    if budget < 0 or not math.isfinite(budget):
        raise InputError(f"allocation.zbb_budget must be a finite amount >= 0, got {budget}")
    packages = decision_packages(initiatives)
    packages = packages.assign(_m=~packages["mandatory"]).sort_values(["_m", "rank"], kind="stable")
    packages = packages.drop(columns="_m").reset_index(drop=True)
    mandatory = packages["mandatory"].to_numpy(bool)
    cost = packages["cost"].to_numpy(float)
    benefit = packages["benefit"].to_numpy(float)
    required = float(cost[mandatory].sum())
    if required > budget + _EPS * max(1.0, budget):
        names = ", ".join(packages.loc[mandatory, "package"])
        raise InputError(
            f"zero-based budget: the mandatory packages ({names}) cost "
            f"{format_number(required)} but allocation.zbb_budget is {format_number(budget)}; "
            "raise the budget or review what is mandatory"
        )
    funded = np.zeros(len(packages), dtype=bool)
    spent = 0.0
    cumulative = np.zeros(len(packages))
    for i in range(len(packages)):
        fits = spent + cost[i] <= budget + _EPS * max(1.0, budget)
        if mandatory[i] or (fits and benefit[i] > 0):
            funded[i] = True
            spent += cost[i]
        cumulative[i] = spent
    out = packages.copy()
    out["funded_greedy"] = funded
    out["funded_optimal"] = _optimal_selection(cost, benefit, mandatory, budget)
    out["cumulative_cost"] = cumulative
    return out


def zbb_summary(zbb: pd.DataFrame, *, budget: float) -> pd.DataFrame:
    """What each rule funds and what the ranking rule leaves on the table.

    Returns
    -------
    DataFrame
        One row per rule (``greedy``, ``optimal``): packages (names), cost, benefit,
        unused_budget, benefit_left_on_table (optimal benefit minus this rule's).
    """
    rows = []
    best = float(zbb.loc[zbb["funded_optimal"], "benefit"].sum())
    for rule, column in (("greedy", "funded_greedy"), ("optimal", "funded_optimal")):
        chosen = zbb[zbb[column]]
        cost = float(chosen["cost"].sum())
        benefit = float(chosen["benefit"].sum())
        rows.append(
            {
                "rule": rule,
                "packages": ", ".join(chosen["package"]),
                "cost": cost,
                "benefit": benefit,
                "unused_budget": budget - cost,
                "benefit_left_on_table": best - benefit,
            }
        )
    return pd.DataFrame(rows)


def zbb_headline(zbb: pd.DataFrame, *, currency: str = "EUR", language: str = "en") -> str:
    """The headline of :func:`zero_based_budget`: the ranking rule's benefit against the optimum."""
    greedy = float(zbb.loc[zbb["funded_greedy"], "benefit"].sum())
    optimal = float(zbb.loc[zbb["funded_optimal"], "benefit"].sum())
    g_text = format_currency(greedy, currency, language)
    if optimal > greedy + _EPS * max(1.0, abs(optimal)):
        return label(LABELS, "zbb_title", language).format(
            greedy=g_text, optimal=format_currency(optimal, currency, language)
        )
    return label(LABELS, "zbb_title_same", language).format(greedy=g_text)


def plot_zbb(
    zbb: pd.DataFrame,
    *,
    budget: float,
    currency: str = "EUR",
    language: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """Waterfall of the budget: each package's cost stacked in funding order.

    Funded packages climb towards the budget line (mandatory ones darker); skipped ones
    are drawn as hollow bars at the level where they would have started. A dot marks the
    packages the optimum funds.
    """
    ax = get_ax(ax, figsize=(10.0, 5.5))
    x = np.arange(len(zbb))
    start = np.concatenate([[0.0], zbb["cumulative_cost"].to_numpy(float)[:-1]])
    for xi, row, s in zip(x, zbb.itertuples(), start, strict=True):
        if row.funded_greedy:
            color = CLIENT_COLOR if row.mandatory else GOOD_COLOR
            ax.bar(xi, row.cost, bottom=s, color=color, width=0.7)
        else:
            ax.bar(
                xi, row.cost, bottom=s, facecolor="none", edgecolor=BAD_COLOR, hatch="//", width=0.7
            )
        if row.funded_optimal:
            ax.plot(
                xi,
                s + row.cost,
                marker="o",
                color=PALETTE[6],
                ms=9,
                zorder=5,
                markeredgecolor="black",
            )
    ax.axhline(budget, color="black", ls="--", lw=1)
    ax.text(
        -0.45,
        budget,
        f"{label(LABELS, 'budget', language)} {format_currency(budget, currency, language)}",
        ha="left",
        va="bottom",
        fontsize=9,
    )
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(color=CLIENT_COLOR, label=label(LABELS, "mandatory", language)),
        Patch(color=GOOD_COLOR, label=label(LABELS, "funded", language)),
        Patch(
            facecolor="none",
            edgecolor=BAD_COLOR,
            hatch="//",
            label=label(LABELS, "skipped", language),
        ),
        Line2D(
            [],
            [],
            marker="o",
            color=PALETTE[6],
            markeredgecolor="black",
            ls="",
            label=label(LABELS, "optimal", language),
        ),
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    ax.set_xticks(x, [textwrap.fill(str(p), 12) for p in zbb["package"]], fontsize=8)
    ax.yaxis.set_major_formatter(currency_formatter(currency, language))
    title = zbb_headline(zbb, currency=currency, language=language)
    top = max(
        budget,
        float(zbb["cumulative_cost"].max() if len(zbb) else 0.0),
        float((start + zbb["cost"].to_numpy(float)).max() if len(zbb) else 0.0),
    )
    ax.set(title=title, ylabel=label(LABELS, "zbb_y", language), xlabel="", ylim=(0, top * 1.12))
    return localise_axes(ax, language)


# ---- RACI ---------------------------------------------------------------------------------
def _parse_assignment(value: object, activity: str, role: str) -> frozenset[str]:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return frozenset()
    text = str(value).strip().upper()
    letters = set("".join(_RACI_SPLIT.split(text)))
    unknown = letters - set(RACI_LETTERS)
    if unknown:
        raise InputError(
            f'raci: activity "{activity}", role "{role}": assignment {value!r} is not R, A, C, I '
            "or a combination such as A/R; fix the cell"
        )
    return frozenset(letters)


def raci_long(raci: pd.DataFrame) -> pd.DataFrame:
    """One row per activity, role and letter (``A/R`` becomes two rows)."""
    _require(raci, ("activity", "role", "assignment"), "raci")
    rows = []
    for activity, role, value in zip(
        raci["activity"].astype(str), raci["role"].astype(str), raci["assignment"], strict=True
    ):
        for letter in sorted(_parse_assignment(value, activity, role), key=RACI_LETTERS.index):
            rows.append({"activity": activity, "role": role, "letter": letter})
    return pd.DataFrame(rows, columns=["activity", "role", "letter"])


def raci_check(
    raci: pd.DataFrame, *, max_accountable_share: float = 0.4, language: str = "en"
) -> pd.DataFrame:
    """Check the RACI matrix; a broken rule is a finding, not an error.

    Parameters
    ----------
    raci
        activity, role, assignment (R, A, C, I or combinations such as ``A/R``).
    max_accountable_share
        ``allocation.raci_max_accountable_share``: a role accountable for more than this
        share of the activities is overloaded.
    language
        Language of the messages.

    Returns
    -------
    DataFrame
        rule, activity, role, passed, message. Per activity (in the sheet's order):
        ``one_accountable``, ``has_responsible``, ``separate_r_and_a``; then per role:
        ``accountable_load`` (activity empty).
    """
    if not 0 < max_accountable_share <= 1:
        raise InputError(
            f"raci_max_accountable_share must be in (0, 1], got {max_accountable_share}"
        )
    letters = raci_long(raci)
    activities = list(dict.fromkeys(raci["activity"].astype(str)))
    roles = list(dict.fromkeys(raci["role"].astype(str)))
    rows = []

    def holders(activity: str, letter: str) -> list[str]:
        sel = letters[(letters["activity"] == activity) & (letters["letter"] == letter)]
        return list(sel["role"])

    for activity in activities:
        a = holders(activity, "A")
        r = holders(activity, "R")
        if len(a) == 1:
            msg = label(LABELS, "msg_one_accountable_ok", language).format(roles=a[0])
        elif not a:
            msg = label(LABELS, "msg_one_accountable_none", language)
        else:
            msg = label(LABELS, "msg_one_accountable_many", language).format(
                n=len(a), roles=", ".join(a)
            )
        rows.append(("one_accountable", activity, ", ".join(a), len(a) == 1, msg))
        if r:
            msg = label(LABELS, "msg_has_responsible_ok", language).format(roles=", ".join(r))
        else:
            msg = label(LABELS, "msg_has_responsible_none", language)
        rows.append(("has_responsible", activity, ", ".join(r), bool(r), msg))
        both = [role for role in a if role in r]
        if both:
            msg = label(LABELS, "msg_separate_bad", language).format(roles=", ".join(both))
        else:
            msg = label(LABELS, "msg_separate_ok", language)
        rows.append(("separate_r_and_a", activity, ", ".join(both), not both, msg))
    total = len(activities)
    limit = max_accountable_share * total
    for role in roles:
        n = int(((letters["role"] == role) & (letters["letter"] == "A")).sum())
        ok = n <= limit + _EPS
        key = "msg_load_ok" if ok else "msg_load_bad"
        msg = label(LABELS, key, language).format(
            n=n, total=total, limit=format_number(limit, language, decimals=1)
        )
        rows.append(("accountable_load", "", role, ok, msg))
    return pd.DataFrame(rows, columns=["rule", "activity", "role", "passed", "message"])


def raci_headline(checks: pd.DataFrame, *, language: str = "en") -> str:
    """The headline of :func:`raci_check`: how many activities break a rule."""
    activities = checks.loc[checks["activity"] != "", "activity"]
    bad = checks.loc[~checks["passed"] & (checks["activity"] != ""), "activity"].nunique()
    if bad:
        return label(LABELS, "raci_title", language).format(bad=bad, n=activities.nunique())
    return label(LABELS, "raci_title_ok", language)


def plot_raci(
    raci: pd.DataFrame,
    *,
    max_accountable_share: float = 0.4,
    language: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """The RACI matrix as a coloured grid; activities and roles that break a rule in red."""
    letters = raci_long(raci)
    activities = list(dict.fromkeys(raci["activity"].astype(str)))
    roles = list(dict.fromkeys(raci["role"].astype(str)))
    checks = raci_check(raci, max_accountable_share=max_accountable_share, language=language)
    failed = checks[~checks["passed"]]
    bad_activities = set(failed["activity"]) - {""}
    bad_roles = set(failed.loc[failed["rule"] == "accountable_load", "role"])
    ax = get_ax(
        ax,
        figsize=(max(7.0, 1.5 * len(roles) + 3), max(3.5, 0.55 * len(activities) + 1.5)),
        title_above_ticks=True,
    )
    from matplotlib.patches import Patch, Rectangle

    for i, activity in enumerate(activities):
        for j, role in enumerate(roles):
            held = set(
                letters.loc[(letters["activity"] == activity) & (letters["role"] == role), "letter"]
            )
            if not held:
                continue
            key = "A/R" if {"A", "R"} <= held else next(k for k in RACI_LETTERS if k in held)
            text = "/".join(k for k in ("A", "R", "C", "I") if k in held)
            ax.add_patch(
                Rectangle((j, i), 1, 1, facecolor=RACI_COLORS[key], edgecolor="white", lw=2)
            )
            dark = key in ("A", "A/R", "R")
            ax.text(
                j + 0.5,
                i + 0.5,
                text,
                ha="center",
                va="center",
                fontsize=10,
                fontweight="bold",
                color="white" if dark else "black",
            )
    ax.set(xlim=(0, len(roles)), ylim=(len(activities), 0))
    ax.set_xticks(np.arange(len(roles)) + 0.5, [textwrap.fill(r, 14) for r in roles], fontsize=9)
    ax.set_yticks(np.arange(len(activities)) + 0.5, activities, fontsize=9)
    ax.xaxis.tick_top()
    ax.grid(False)
    for tick, activity in zip(ax.get_yticklabels(), activities, strict=True):
        if activity in bad_activities:
            tick.set_color(BAD_COLOR)
            tick.set_fontweight("bold")
    for tick, role in zip(ax.get_xticklabels(), roles, strict=True):
        if role in bad_roles:
            tick.set_color(BAD_COLOR)
            tick.set_fontweight("bold")
    ax.set_title(raci_headline(checks, language=language), pad=28)
    handles = [Patch(color=c, label=k) for k, c in RACI_COLORS.items()]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return localise_axes(ax, language)


__all__ = [
    "CRITERIA",
    "LABELS",
    "QUADRANTS",
    "allocation_headline",
    "allocation_table",
    "attractiveness_scores",
    "attractiveness_weights",
    "decision_packages",
    "eisenhower",
    "eisenhower_headline",
    "ltv_source_note",
    "plot_allocation",
    "plot_eisenhower",
    "plot_raci",
    "plot_zbb",
    "raci_check",
    "raci_headline",
    "raci_long",
    "water_fill",
    "with_ltv",
    "zbb_headline",
    "zbb_summary",
    "zero_based_budget",
]
