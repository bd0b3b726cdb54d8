"""Customer lifetime value: how many purchases each customer will still make, and what
they are worth.

The BG/NBD model (Fader, Hardie and Lee 2005) predicts each customer's future purchases
and the probability that they are still active from three numbers of their history
(repeat purchases, recency, age); the Gamma-Gamma model (Fader and Hardie 2013) predicts
the value of those purchases. Together they give a discounted CLV per customer, which
the notebook sums per RFM segment, persona, client segment and channel so that the
allocation chapter can put the budget where the future value is.

This module is also the home of :func:`rfm_summary`, the per-customer
(frequency, recency, T, monetary value) summary that these models read and that
:mod:`helpers.customers` reuses for its RFM scores.
"""

from __future__ import annotations

import ctypes
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import optimize, special

from helpers.errors import InputError, NotFittedError
from helpers.i18n import format_number, format_percent, label
from helpers.plots import PALETTE, get_ax, localise_axes, percent_formatter

if TYPE_CHECKING:
    from matplotlib.axes import Axes

TimeUnit = Literal["days", "weeks"]
Period = Literal["D", "W"]

#: Length of one time unit in days.
UNIT_DAYS: dict[str, float] = {"days": 1.0, "weeks": 7.0}
#: Period in which purchases are merged, per time unit, when ``period`` is not given.
DEFAULT_PERIOD: dict[str, str] = {"days": "D", "weeks": "W"}
#: Average month length in days (365.25 / 12), the CLV step.
DAYS_PER_MONTH = 365.25 / 12
MONTHS_PER_YEAR = 12
#: Combines a customer position and a day number into one sortable key (days < 2**31).
HOLDOUT_KEY = 2**31
#: Rows sampled by :func:`_factorize_objects` to see whether rows share their objects,
#: and the most distinct objects per distinct value for which they count as shared.
SHARED_OBJECTS_SAMPLE = 2**16
SHARED_OBJECTS_RATIO = 2
#: Largest table of object slots per row (beyond: the objects are scattered in memory).
SHARED_OBJECTS_SLOTS = 4
SHARED_OBJECTS_MIN_SLOTS = 2**20
#: Odd 64-bit multiplier (2**64 / golden ratio) mixing the columns of a row into one hash.
ROW_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
#: Holdout chart: calibration frequencies 0..7, then "7+".
HOLDOUT_MAX_FREQUENCY = 7
#: Log-parameter box for the optimiser: keeps exp() finite, far outside any real estimate.
LOG_PARAM_BOUND = 15.0
MAX_ITER = 2000
#: L-BFGS-B stopping rules on the mean negative log-likelihood: tight enough that the
#: estimates agree with lifetimes' to ~1e-7, no tighter (rounding keeps the gradient of a
#: million-customer mean near 1e-8: tighter rules only add evaluations)
FIT_FTOL = 1e-12
FIT_GTOL = 1e-8
#: Largest gradient component (of the mean log-likelihood) accepted as converged.
GRADIENT_TOLERANCE = 1e-6

SUMMARY_COLUMNS = ["frequency", "recency", "T", "monetary_value"]
LTV_SEGMENT_COLUMNS = ["grouping", "segment", "customers", "clv_total", "clv_mean", "clv_share"]

LABELS = {
    "en": {
        "holdout_title": "Holdout check: predicted {pred} repeat purchases vs {act} actual ({err})",
        "holdout_x": "Repeat purchases in the calibration period",
        "holdout_y": "Mean repeat purchases in the holdout period",
        "actual": "Actual",
        "predicted": "Predicted (BG/NBD)",
        "ltv_title": "{top}: {share} of the customers' future value",
        "ltv_x": "Share of future value (CLV)",
        "customers": "customers",
        "spend_note": "The spend model is fitted on {n} repeat buyers; {excluded} repeat "
        "buyers whose mean repeat purchase is zero or negative (refunds, free lines) are left "
        "out and valued at the average spend.",
        "ltv_finding": "{seg} ({cust} of customers) hold {share} of the customers' expected "
        "value over the next {months} months.",
    },
    "fr": {
        "holdout_title": "Contrôle sur période test : {pred} achats prévus contre {act} réels "
        "({err})",
        "holdout_x": "Achats répétés sur la période de calibrage",
        "holdout_y": "Achats répétés moyens sur la période test",
        "actual": "Réel",
        "predicted": "Prévu (BG/NBD)",
        "ltv_title": "{top} : {share} de la valeur future des clients",
        "ltv_x": "Part de la valeur future (CLV)",
        "customers": "clients",
        "spend_note": "Le modèle de panier est estimé sur {n} clients ayant racheté ; {excluded} "
        "d'entre eux, dont le rachat moyen est nul ou négatif (avoirs, lignes gratuites), sont "
        "écartés et valorisés au panier moyen.",
        "ltv_finding": "{seg} ({cust} des clients) portent {share} de la valeur attendue des "
        "clients sur les {months} prochains mois.",
    },
}


# ---- the RFM summary -------------------------------------------------------------------
def _check_transactions(transactions: pd.DataFrame, columns: tuple[str, ...]) -> None:
    if not isinstance(transactions, pd.DataFrame):
        raise InputError(
            f"transactions must be a DataFrame, got {type(transactions).__name__}; load it "
            'with eng.load("transactions")'
        )
    missing = [c for c in columns if c not in transactions.columns]
    if missing:
        raise InputError(
            f"transactions: missing column(s) {', '.join(missing)} (found: "
            f"{', '.join(map(str, transactions.columns))}); map them in engagement.yaml "
            "under data.transactions.columns"
        )


def _check_unit(time_unit: str, period: str | None) -> str:
    if time_unit not in UNIT_DAYS:
        raise InputError(
            f"The value for `time_unit` must be one of {tuple(UNIT_DAYS)}, but {time_unit!r} "
            "was passed."
        )
    period = DEFAULT_PERIOD[time_unit] if period is None else period
    if period not in ("D", "W"):
        raise InputError(
            f"The value for `period` must be 'D' (day) or 'W' (week), but {period!r} was passed."
        )
    return period


def _object_addresses(objects: np.ndarray) -> np.ndarray:
    """The memory address of each item of an object array, as int64, read from the array's
    buffer of pointers (no Python call per item). Equal addresses are the same object."""
    objects = np.ascontiguousarray(objects)
    pointers = ctypes.cast(objects.ctypes.data, ctypes.POINTER(ctypes.c_int64))
    # copy: the view must not outlive ``objects``
    return np.ctypeslib.as_array(pointers, shape=(len(objects),)).copy()


def _factorize_objects(objects: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of an object array (same codes and uniques, up to their order),
    about four times faster when rows share their objects.

    Loaders hand out one Python object per distinct text (:mod:`helpers.io` takes the
    column from its distinct values; ``pandas.read_csv`` interns the strings of each
    chunk), so the rows are numbered by object address first (integers: a table lookup
    when the objects lie close together in memory, else a hash), then one object per
    address is factorised by value. A sample of rows decides: when the rows do not share
    objects, it is plain ``pd.factorize``.
    """
    if len(objects) == 0:
        return pd.factorize(objects)
    sample = objects[:SHARED_OBJECTS_SAMPLE]
    n_addresses = len(pd.unique(_object_addresses(sample)))
    if n_addresses > SHARED_OBJECTS_RATIO * len(pd.unique(sample)):
        return pd.factorize(objects)
    addresses = _object_addresses(objects)
    # distinct objects never share a 16-byte slot (every object takes at least 16 bytes):
    # when the objects lie close together, a table indexed by slot numbers them
    slots = (addresses - addresses.min()) >> 4
    n_slots = int(slots.max()) + 1
    if n_slots > max(SHARED_OBJECTS_SLOTS * len(objects), SHARED_OBJECTS_MIN_SLOTS):
        slots, distinct = pd.factorize(addresses)  # scattered: hash the addresses
        n_slots = len(distinct)
    del addresses
    # one row per slot (any of them: all hold the same object), then one hash by value
    row = np.full(n_slots, -1, dtype=np.int32 if len(objects) < 2**31 else np.int64)
    row[slots] = np.arange(len(objects), dtype=row.dtype)
    used = np.flatnonzero(row >= 0)
    value_codes, uniques = pd.factorize(objects[row[used]])
    code_of_slot = row  # reused as the table slot -> value code
    code_of_slot[used] = value_codes
    return code_of_slot[slots], uniques


def _factorize(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (int64, -1 for empty values) and the sorted distinct values present.

    Text is factorised as Python objects (twice as fast as pandas' python-backed strings,
    faster still when rows share their objects: :func:`_factorize_objects`), and the
    distinct values are then sorted as NumPy text. A categorical column's codes are used
    as they are (categories in their own order, unused ones dropped)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy().astype(np.int64)
        used = np.flatnonzero(
            np.bincount(codes[codes >= 0], minlength=len(values.dtype.categories))
        )
        rank = np.full(len(values.dtype.categories) + 1, -1, dtype=np.int64)
        rank[used] = np.arange(len(used))
        return rank[codes], pd.Index(pd.Categorical.from_codes(used, dtype=values.dtype))
    text = isinstance(values.dtype, pd.StringDtype) or values.dtype == object
    if text:
        codes, uniques = _factorize_objects(values.to_numpy(dtype=object))
    else:
        codes, uniques = pd.factorize(values.to_numpy())
    if isinstance(values.dtype, pd.StringDtype) and not pd.isna(uniques).any():
        # sort the distinct values as NumPy text: C comparisons, the same order as str's
        order = np.argsort(np.asarray(uniques, dtype=str), kind="stable")
    else:
        order = np.argsort(uniques, kind="stable")
    rank = np.empty(len(order) + 1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    rank[-1] = -1
    return rank[codes], pd.Index(uniques[order], dtype=values.dtype)


def _period_start_days(dates: pd.Series | pd.Timestamp, period: str) -> np.ndarray:
    """Days since 1970-01-01 of the start of each date's period (day, or Monday-start week,
    as pandas' ``to_period('W')``)."""
    values = np.asarray(pd.to_datetime(dates)).astype("datetime64[D]").astype(np.int64)
    if period == "W":
        # 1970-01-01 was a Thursday: Monday-based weekday = (days + 3) % 7
        values = values - (values + 3) % 7
    return values


def rfm_summary(
    transactions: pd.DataFrame,
    *,
    observation_end: object = None,
    time_unit: TimeUnit = "days",
    calibration_end: object = None,
    period: Period | None = None,
) -> pd.DataFrame:
    """Frequency, recency, age and mean repeat value per customer (the BG/NBD inputs).

    Follows ``lifetimes.utils.summary_data_from_transaction_data`` exactly: purchases of
    one customer in the same period (day by default, Monday-start week with
    ``period="W"``) are merged and their amounts summed; transactions after the
    observation end (floored to its period) are ignored; ``frequency`` is the number of
    periods with a purchase after the first one; ``recency`` the time from the first to
    the last purchase; ``T`` the time from the first purchase to the observation end;
    ``monetary_value`` the mean amount of the repeat periods, 0 when there is none.

    Parameters
    ----------
    transactions
        Canonical transactions (``customer_id``, ``order_date``, ``amount``).
    observation_end
        End of the observation window; default the last transaction date.
    time_unit
        ``"days"`` or ``"weeks"`` (7 days): the unit of ``recency`` and ``T``.
    calibration_end
        If given, only transactions up to this date count and it becomes the
        observation end (the calibration part of a holdout check).
    period
        Period in which purchases are merged: ``"D"`` or ``"W"``; default the time unit's
        (``lifetimes``' ``freq``). ``time_unit="weeks", period="D"`` gives day-merged
        purchases measured in weeks (``freq="D", freq_multiplier=7``), the convention of
        Fader, Hardie and Lee's CDNOW summary.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted), columns ``frequency``, ``recency``, ``T``,
        ``monetary_value`` (floats).
    """
    return _summarise(
        transactions,
        observation_end=observation_end,
        time_unit=time_unit,
        calibration_end=calibration_end,
        period=period,
    )[0][SUMMARY_COLUMNS]


def _summarise(
    transactions: pd.DataFrame,
    *,
    observation_end: object = None,
    time_unit: TimeUnit = "days",
    calibration_end: object = None,
    period: Period | None = None,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """:func:`rfm_summary` plus each customer's ``revenue`` (all amounts in the window);
    for each transaction row, the position of its customer in the frame (-1 for customers
    without a purchase in the window) and whether the row is in the window. One sorted
    pass; also used by :mod:`helpers.customers`."""
    _check_transactions(transactions, ("customer_id", "order_date", "amount"))
    period = _check_unit(time_unit, period)
    if calibration_end is not None:
        observation_end = calibration_end
    order_date = pd.to_datetime(transactions["order_date"])
    if order_date.isna().any():
        rows = np.flatnonzero(order_date.isna().to_numpy())[:5].tolist()
        raise InputError(
            f"transactions: order_date is empty in rows {rows}; fix the export or drop them"
        )
    if len(transactions) == 0:
        raise InputError("transactions: the table is empty; nothing to summarise")
    end = order_date.max() if observation_end is None else pd.Timestamp(observation_end)
    if calibration_end is not None:
        keep = (order_date <= end).to_numpy().copy()
    else:
        keep = np.ones(len(transactions), dtype=bool)
    days = _period_start_days(order_date, period)
    end_day = int(_period_start_days(pd.Series([end]), period)[0])
    keep &= days <= end_day
    if not keep.any():
        raise InputError(
            f"transactions: no purchase on or before the observation end {end.date()}; "
            "check observation_end in engagement.yaml"
        )
    all_codes, uniques = _factorize(transactions["customer_id"])
    if all_codes.min() < 0:
        rows = np.flatnonzero(all_codes < 0)[:5].tolist()
        raise InputError(
            f"transactions: customer_id is empty in rows {rows}; fix the export or drop them"
        )
    amounts = transactions["amount"].to_numpy(dtype=float, na_value=np.nan)
    codes = all_codes
    if not keep.all():
        codes, days, amounts = codes[keep], days[keep], amounts[keep]
    # one sorted array of (customer, period) keys, no permutation: a sort of values is
    # several times faster than the argsort a sort of the lines would need
    n = len(uniques)
    first_day = days.min()
    span = days.max() - first_day + 1
    key = codes * span
    key += days - first_day
    key.sort()
    key = key[np.r_[True, key[1:] != key[:-1]]]  # distinct (customer, period) pairs
    bounds = np.searchsorted(key, np.arange(n + 1) * span)
    periods = np.diff(bounds)
    present = np.flatnonzero(periods)
    periods = periods[present]
    first = key[bounds[present]] - present * span + first_day
    last = key[bounds[present + 1] - 1] - present * span + first_day
    # amounts: all of them, and those after the customer's first period
    revenue = np.bincount(codes, weights=amounts, minlength=n)[present]
    first_of_code = np.zeros(n, dtype=np.int64)
    first_of_code[present] = first
    after_first = np.where(days != first_of_code[codes], amounts, 0.0)
    repeat_total = np.bincount(codes, weights=after_first, minlength=n)[present]
    frequency = periods - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_total / np.maximum(frequency, 1), 0.0)
    unit = UNIT_DAYS[time_unit]
    frame = pd.DataFrame(
        {
            "frequency": frequency.astype(float),
            "recency": (last - first) / unit,
            "T": (end_day - first) / unit,
            "monetary_value": monetary,
            "revenue": revenue,
        },
        index=uniques[present].rename("customer_id"),
    )
    position = np.full(n, -1, dtype=np.int64)
    position[present] = np.arange(len(present))
    return frame, position[all_codes], keep


def calibration_holdout(
    transactions: pd.DataFrame,
    *,
    calibration_end: object,
    observation_end: object = None,
    time_unit: TimeUnit = "days",
    period: Period | None = None,
) -> pd.DataFrame:
    """Split the history into a calibration and a holdout period, per customer.

    As ``lifetimes.utils.calibration_and_holdout_data``: the calibration summary
    (:func:`rfm_summary` up to ``calibration_end``) of every customer who bought in the
    calibration period, with the number of periods with a purchase in the holdout
    period (after ``calibration_end``, up to ``observation_end``) and the holdout length.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``frequency_cal``, ``recency_cal``, ``T_cal``,
        ``monetary_value_cal``, ``frequency_holdout``, ``duration_holdout``.
    """
    _check_transactions(transactions, ("customer_id", "order_date", "amount"))
    period = _check_unit(time_unit, period)
    order_date = pd.to_datetime(transactions["order_date"])
    cal_end = pd.Timestamp(calibration_end)
    end = order_date.max() if observation_end is None else pd.Timestamp(observation_end)
    if not cal_end < end:
        raise InputError(
            f"calibration_end {cal_end.date()} must be before the observation end "
            f"{end.date()}; shorten ltv.holdout_months in engagement.yaml"
        )
    summary, position, _ = _summarise(
        transactions, calibration_end=cal_end, time_unit=time_unit, period=period
    )
    cal = summary[SUMMARY_COLUMNS].add_suffix("_cal")
    in_holdout = ((order_date > cal_end) & (order_date <= end)).to_numpy() & (position >= 0)
    # distinct (customer, period) pairs in the holdout, counted per customer
    pairs = np.unique(
        position[in_holdout] * HOLDOUT_KEY + _period_start_days(order_date[in_holdout], period)
    )
    counts = np.bincount(pairs // HOLDOUT_KEY, minlength=len(cal))
    cal["frequency_holdout"] = counts.astype(float)
    n_days = int(
        _period_start_days(pd.Series([end]), period)[0]
        - _period_start_days(pd.Series([cal_end]), period)[0]
    )
    cal["duration_holdout"] = n_days / UNIT_DAYS[time_unit]
    return cal


# ---- models ----------------------------------------------------------------------------
def _as_array(name: str, values: object) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        arr = arr.reshape(-1)
    if not np.isfinite(arr).all():
        raise InputError(f"{name}: expected finite numbers, found NaN or infinite values")
    return arr


def _unique_rows(columns: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """Unique rows of equal-length float columns (in no particular order) and each row's
    group number.

    One hash: the rows' bit patterns are mixed into one 64-bit integer per row; when
    they are all distinct, so are the rows (found by a sort of values); otherwise they
    are factorised (several times faster than a lexsort of the columns), the groups
    checked value by value, and a lexsort decides in the (unlikely) event of a clash."""
    n = len(columns[0])
    columns = [np.ascontiguousarray(c, dtype=float) for c in columns]
    mixed = np.zeros(n, dtype=np.uint64)
    for c in columns:
        mixed ^= c.view(np.uint64)
        mixed *= ROW_HASH_MULTIPLIER
    if np.count_nonzero(np.diff(np.sort(mixed))) == n - 1:
        # n distinct hashes: n distinct rows (a sort of values, far cheaper than a hash)
        return columns, np.arange(n)
    inverse, distinct = pd.factorize(mixed)
    row = np.empty(len(distinct), dtype=np.int64)
    row[inverse] = np.arange(n)  # one row per group (any: they are equal)
    uniques = [c[row] for c in columns]
    if all(np.array_equal(u[inverse], c) for u, c in zip(uniques, columns, strict=True)):
        return uniques, inverse.astype(np.int64, copy=False)
    return _unique_rows_sorted(columns)


def _unique_rows_sorted(columns: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """:func:`_unique_rows` by a lexsort (unique rows sorted)."""
    n = len(columns[0])
    order = np.lexsort(columns[::-1])
    ordered = [c[order] for c in columns]
    change = np.zeros(n, dtype=bool)
    change[:1] = True
    for c in ordered:
        change[1:] |= c[1:] != c[:-1]
    group = np.cumsum(change) - 1
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = group
    starts = np.flatnonzero(change)
    return [c[starts] for c in ordered], inverse


def _group(columns: list[np.ndarray], weights: np.ndarray | None):
    """Unique rows of the columns with their total weights."""
    uniques, inverse = _unique_rows(columns)
    w = np.ones(len(inverse)) if weights is None else weights
    totals = np.bincount(inverse, weights=w, minlength=len(uniques[0]))
    return uniques, totals


def _minimise(objective, x0: np.ndarray) -> optimize.OptimizeResult:
    """L-BFGS-B on the log-parameters with the analytic gradient; ``success`` also when the
    optimiser stopped on the function tolerance with a (near) zero gradient."""
    from threadpoolctl import threadpool_limits

    # one BLAS thread: the likelihood's dot products are too small to gain from threads,
    # and OpenBLAS' thread wake-ups made the fit 7x slower on a 2-core machine
    with threadpool_limits(limits=1, user_api="blas"):
        result = optimize.minimize(
            objective,
            x0,
            jac=True,
            method="L-BFGS-B",
            bounds=[(-LOG_PARAM_BOUND, LOG_PARAM_BOUND)] * len(x0),
            options={"maxiter": MAX_ITER, "ftol": FIT_FTOL, "gtol": FIT_GTOL},
        )
    result.success = bool(result.success or np.max(np.abs(result.jac)) < GRADIENT_TOLERANCE)
    return result


@dataclass(frozen=True)
class _BetaGeoData:
    """Grouped histories, split into customers without repeat purchase (``t0``: their T,
    ``w0``: weights) and repeat buyers (``x``, ``tx``, ``t``, ``w``; ``xi`` indexes their
    frequency in ``ux``, whose total weights are ``wx``; ``wx_t`` is ``w * x``), as
    contiguous float64 arrays for :meth:`BetaGeoModel._negative_ll`."""

    t0: np.ndarray
    w0: np.ndarray
    x: np.ndarray
    tx: np.ndarray
    t: np.ndarray
    w: np.ndarray
    wx_t: np.ndarray
    ux: np.ndarray
    xi: np.ndarray
    wx: np.ndarray
    total: float

    @classmethod
    def of(cls, x, t_x, big_t, w) -> _BetaGeoData:
        repeat = x > 0
        rows = np.flatnonzero(repeat)
        xr = np.ascontiguousarray(x[rows])
        ux, xi = np.unique(xr, return_inverse=True)
        wr = np.ascontiguousarray(w[rows])
        return cls(
            t0=np.ascontiguousarray(big_t[~repeat]),
            w0=np.ascontiguousarray(w[~repeat]),
            x=xr,
            tx=np.ascontiguousarray(t_x[rows]),
            t=np.ascontiguousarray(big_t[rows]),
            w=wr,
            wx_t=wr * xr,
            ux=ux,
            xi=xi,
            wx=np.bincount(xi, weights=wr, minlength=len(ux)),
            total=float(w.sum()),
        )


class BetaGeoModel:
    """The BG/NBD model of repeat purchases (Fader, Hardie and Lee 2005).

    While active, a customer buys at a Poisson rate λ ~ Gamma(r, α); after each purchase
    they become inactive with probability p ~ Beta(a, b). Fitted by maximum likelihood
    (L-BFGS-B on the log-parameters, analytic gradient); customers with the same
    (frequency, recency, T) are grouped and weighted.

    Examples
    --------
    >>> model = BetaGeoModel().fit(summary["frequency"], summary["recency"], summary["T"])
    >>> model.params_["r"]
    """

    param_names = ("r", "alpha", "a", "b")

    def __init__(self) -> None:
        pass

    # -- fitting
    @staticmethod
    def _negative_ll(log_params, data: _BetaGeoData):
        """Mean negative log-likelihood and its gradient in the log-parameters.

        A customer with history (x, t_x, T) contributes
        ``A1(x) + A2(x) + log(exp(A3) + [x > 0] exp(A4))`` (Fader, Hardie and Lee 2005,
        eq. 6). Terms of the frequency alone are evaluated once per distinct frequency;
        customers without repeat purchase reduce to ``r log α − r log(α + T)``; for the
        others the mixture is ``A3 + softplus(A4 − A3)``, one ``exp`` and one ``log1p``
        per history, stable for any difference, and its weight is ``expit(A4 − A3)``.
        """
        r, alpha, a, b = np.exp(log_params)
        d = data
        gl = special.gammaln
        psi = special.digamma
        # per distinct positive frequency (A1 and A2 vanish at x = 0)
        ux = d.ux
        ll = d.wx @ (
            gl(r + ux) - gl(r) + gl(a + b) + gl(b + ux) - gl(b) - gl(a + b + ux)
        ) + d.total * r * np.log(alpha)
        g_r = d.wx @ (psi(r + ux) - psi(r)) + d.total * np.log(alpha)
        g_alpha = d.total * r / alpha
        d_a_x = psi(a + b) - psi(a + b + ux)
        g_a = d.wx @ d_a_x
        g_b = d.wx @ (d_a_x + psi(b + ux) - psi(b))
        # customers without repeat purchase: -r log(α + T)
        if len(d.t0):
            log_t0 = np.log(alpha + d.t0)
            s0 = d.w0 @ log_t0
            ll -= r * s0
            g_r -= s0
            g_alpha -= r * (d.w0 @ np.reciprocal(alpha + d.t0))
        # repeat buyers: A3 = -(r + x) log(α + T), A4 = log(a / (b + x - 1)) - (r + x)
        # log(α + t_x); the mixture is A3 + softplus(D) with D = A4 - A3
        log_t = np.log(alpha + d.t)
        log_tx = np.log(alpha + d.tx)
        gap = log_t - log_tx  # >= 0
        diff = (np.log(a) - np.log(b + ux - 1))[d.xi]
        diff += (r + d.x) * gap
        e = np.exp(-np.abs(diff))
        w4 = np.reciprocal(1.0 + e)  # expit(|D|) ...
        w4 = np.where(diff >= 0, w4, e * w4)  # ... expit(D): weight of the A4 term
        s_t = d.w @ log_t
        ll += -(r * s_t + d.wx_t @ log_t) + d.w @ (np.maximum(diff, 0.0) + np.log1p(e))
        ww4 = d.w * w4
        g_r += ww4 @ gap - s_t
        inv_t = np.reciprocal(alpha + d.t)
        inv_gap = np.reciprocal(alpha + d.tx)
        inv_gap -= inv_t
        g_alpha -= r * (d.w @ inv_t) + d.wx_t @ inv_t + (r * ww4 + ww4 * d.x) @ inv_gap
        w4_by_x = np.bincount(d.xi, weights=ww4, minlength=len(ux))
        g_a += w4_by_x.sum() / a
        g_b -= w4_by_x @ np.reciprocal(b + ux - 1)
        grad = np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])
        return -ll / d.total, -grad / d.total

    def fit(
        self,
        frequency: object,
        recency: object,
        T: object,
        *,
        weights: object = None,
    ) -> BetaGeoModel:
        """Fit the model to per-customer repeat purchases, recency and age.

        Parameters
        ----------
        frequency, recency, T
            Sequences of equal length, as returned by :func:`rfm_summary`.
        weights
            Optional number of customers each row stands for.
        """
        x = _as_array("frequency", frequency)
        t_x = _as_array("recency", recency)
        big_t = _as_array("T", T)
        if not len(x) == len(t_x) == len(big_t):
            raise InputError(
                f"frequency, recency and T must have the same length, got {len(x)}, "
                f"{len(t_x)}, {len(big_t)}"
            )
        if len(x) == 0:
            raise InputError("BetaGeoModel.fit: no customer to fit")
        w = None if weights is None else _as_array("weights", weights)
        bad = (x < 0) | (t_x < 0) | (big_t < t_x) | ((x == 0) & (t_x != 0))
        if bad.any():
            raise InputError(
                f"BetaGeoModel.fit: {int(bad.sum())} customer(s) break 0 <= recency <= T or "
                "have recency > 0 without repeat purchases; build the inputs with rfm_summary"
            )
        (gx, gt, g_big_t), gw = _group([x, t_x, big_t], w)
        repeat = gx > 0
        if not (gw[repeat] > 0).any():
            raise InputError(
                "BetaGeoModel.fit: no customer has a repeat purchase (frequency is 0 for "
                "all), so the drop-out after a purchase cannot be estimated; the likelihood "
                "has no maximum. Use a longer history or simple_ltv"
            )
        data = _BetaGeoData.of(gx, gt, g_big_t, gw)
        scale = max(float(np.mean(big_t)), 1e-9)
        x0 = np.log([1.0, scale, 1.0, 1.0])
        res = _minimise(lambda p: self._negative_ll(p, data), x0)
        self.params_ = pd.Series(np.exp(res.x), index=list(self.param_names), name="value")
        self.log_likelihood_ = float(-res.fun * data.total)
        self.n_customers_ = int(np.rint(data.total))
        self.converged_ = bool(res.success)
        return self

    def _params(self) -> tuple[float, float, float, float]:
        if not hasattr(self, "params_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet; call fit(frequency, recency, "
                "T) before using it"
            )
        return tuple(float(v) for v in self.params_)  # type: ignore[return-value]

    # -- predictions
    def conditional_expected_purchases(
        self, t: float, frequency: object, recency: object, T: object
    ) -> np.ndarray:
        """Expected purchases in the next ``t`` time units of customers with this history
        (Fader, Hardie and Lee 2005, eq. 10).

        The term ``((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; z)`` is computed through
        Euler's transformation as ``(1−z)^(a−1) ₂F₁(a+b−1−r, a−1; a+b+x−1; z)``, which
        stays finite for customers with thousands of purchases (the direct form overflows).
        """
        x, t_x, big_t = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        t = np.asarray(t, dtype=float)
        return self._conditional(t, x, big_t) * self.probability_alive(x, t_x, big_t)

    def _conditional(self, t: np.ndarray, x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
        """E[Y(t) | x, T] for a customer known to be alive (eq. 10 without P(alive))."""
        r, alpha, a, b = self._params()
        z = t / (alpha + big_t + t)
        tail = (1 - z) ** (a - 1) * special.hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        return (a + b + x - 1) / (a - 1) * (1 - tail)

    def probability_alive(self, frequency: object, recency: object, T: object) -> np.ndarray:
        """Probability that customers with this history are still active (in [0, 1])."""
        r, alpha, a, b = self._params()
        x, t_x, big_t = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        log_ratio = (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
        log_odds = np.log(a) - np.log(np.where(x > 0, b + x - 1, 1.0)) + log_ratio
        return np.where(x > 0, special.expit(-log_odds), 1.0)

    def expected_purchases(self, t: object) -> np.ndarray:
        """Expected purchases of a new customer in their first ``t`` time units (eq. 9)."""
        t = np.asarray(t, dtype=float)
        return self._conditional(t, np.zeros_like(t), np.zeros_like(t))

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"{type(self).__name__}()"
        p = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({p}; n={self.n_customers_}, LL={self.log_likelihood_:.1f})"


class GammaGammaModel:
    """The Gamma-Gamma model of the mean value of repeat purchases (Fader and Hardie 2013).

    A customer's purchase values are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers
    (``v`` below is γ, as in lifetimes). Fitted by maximum likelihood on customers with
    at least one repeat purchase; those whose mean repeat value is not positive (refunds,
    zero lines) are left out and counted in ``n_excluded_``.
    """

    param_names = ("p", "q", "v")

    def __init__(self) -> None:
        pass

    @staticmethod
    def _negative_ll(log_params, data):
        """Mean negative log-likelihood and gradient in the log-parameters (frequency-only
        terms evaluated once per distinct frequency)."""
        p, q, v = np.exp(log_params)
        ux, _xi, wx, x, m, log_m, w, total = data
        pux = p * ux
        psi_pxq = special.digamma(pux + q)
        a_x = (
            special.gammaln(pux + q) - special.gammaln(pux) - special.gammaln(q) + pux * np.log(ux)
        )
        px = p * x
        xm_v = x * m + v
        log_xm_v = np.log(xm_v)
        ll = wx @ a_x + total * q * np.log(v) + w @ ((px - 1) * log_m - (px + q) * log_xm_v)
        g_p = wx @ (ux * (psi_pxq - special.digamma(pux) + np.log(ux))) + w @ (
            x * (log_m - log_xm_v)
        )
        g_q = wx @ (psi_pxq - special.digamma(q)) + total * np.log(v) - w @ log_xm_v
        g_v = total * q / v - w @ ((px + q) / xm_v)
        grad = np.array([g_p * p, g_q * q, g_v * v])
        return -ll / total, -grad / total

    def fit(
        self, frequency: object, monetary_value: object, *, weights: object = None
    ) -> GammaGammaModel:
        """Fit on repeat buyers (``frequency > 0``) with a positive mean repeat value."""
        x = _as_array("frequency", frequency)
        m = _as_array("monetary_value", monetary_value)
        if len(x) != len(m):
            raise InputError(
                f"frequency and monetary_value must have the same length, got {len(x)}, {len(m)}"
            )
        w = np.ones(len(x)) if weights is None else _as_array("weights", weights)
        repeat = x > 0
        usable = repeat & (m > 0)
        self.n_excluded_ = int(np.rint(w[repeat & ~usable].sum()))
        if not usable.any():
            raise InputError(
                "GammaGammaModel.fit: no customer with a repeat purchase and a positive mean "
                "repeat value; the spend model needs repeat buyers"
            )
        (gx, gm), gw = _group([x[usable], m[usable]], w[usable])
        total = gw.sum()
        ux, xi = np.unique(gx, return_inverse=True)
        wx = np.bincount(xi, weights=gw, minlength=len(ux))
        data = (ux, xi, wx, gx, gm, np.log(gm), gw, total)
        x0 = np.log([1.0, 1.0, max(float(np.average(gm, weights=gw)), 1e-9)])
        res = _minimise(lambda p: self._negative_ll(p, data), x0)
        self.params_ = pd.Series(np.exp(res.x), index=list(self.param_names), name="value")
        self.log_likelihood_ = float(-res.fun * total)
        self.n_customers_ = int(np.rint(total))
        self.converged_ = bool(res.success)
        return self

    def _params(self) -> tuple[float, float, float]:
        if not hasattr(self, "params_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet; call fit(frequency, "
                "monetary_value) before using it"
            )
        return tuple(float(v) for v in self.params_)  # type: ignore[return-value]

    def conditional_expected_value(self, frequency: object, monetary_value: object) -> np.ndarray:
        """Expected mean purchase value of customers with this history (the population mean
        ``p v / (q - 1)`` for customers without repeat purchase)."""
        p, q, v = self._params()
        x = np.asarray(frequency, dtype=float)
        m = np.asarray(monetary_value, dtype=float)
        weight = p * x / (p * x + q - 1)
        population = p * v / (q - 1)
        return (1 - weight) * population + weight * np.where(x > 0, m, 0.0)

    def clv(
        self,
        purchase_model: BetaGeoModel,
        frequency: object,
        recency: object,
        T: object,
        monetary_value: object,
        *,
        horizon_months: int = 12,
        discount_rate: float = 0.10,
        margin: float = 0.30,
        time_unit: TimeUnit = "days",
    ) -> np.ndarray:
        """Discounted CLV with this spend model and ``purchase_model``; see :func:`clv`."""
        return clv(
            purchase_model,
            self,
            frequency,
            recency,
            T,
            monetary_value,
            horizon_months=horizon_months,
            discount_rate=discount_rate,
            margin=margin,
            time_unit=time_unit,
        )

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"{type(self).__name__}()"
        p = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({p}; n={self.n_customers_}, excluded={self.n_excluded_})"


# ---- CLV -------------------------------------------------------------------------------
def monthly_rate(annual_rate: float) -> float:
    """The monthly discount rate equivalent to an annual one: (1 + annual)^(1/12) - 1."""
    return (1 + annual_rate) ** (1 / MONTHS_PER_YEAR) - 1


def clv(
    purchase_model: BetaGeoModel,
    spend_model: GammaGammaModel,
    frequency: object,
    recency: object,
    T: object,
    monetary_value: object,
    *,
    horizon_months: int = 12,
    discount_rate: float = 0.10,
    margin: float = 0.30,
    time_unit: TimeUnit = "days",
) -> np.ndarray:
    """Discounted customer lifetime value over ``horizon_months``.

    Monthly steps of 365.25/12 days: the expected purchases in month ``m`` (difference of
    the cumulative conditional expectations at the end and start of the month) times the
    expected purchase value times ``margin``, divided by ``(1 + i)^m`` with ``i`` the
    monthly rate equivalent to the annual ``discount_rate``; summed over m = 1..horizon.
    """
    _validate_clv_args(horizon_months, discount_rate, margin, time_unit)
    x, t_x, big_t = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    value = spend_model.conditional_expected_value(x, monetary_value)
    month = DAYS_PER_MONTH / UNIT_DAYS[time_unit]
    rate = monthly_rate(discount_rate)
    # evaluate on unique histories only: real data repeat the same (x, t_x, T) a lot
    uniques, inverse = _unique_rows([x, t_x, big_t])
    keys = np.column_stack(uniques)
    previous = np.zeros(len(keys))
    discounted = np.zeros(len(keys))
    for m in range(1, horizon_months + 1):
        cumulative = purchase_model.conditional_expected_purchases(m * month, *keys.T)
        discounted += (cumulative - previous) / (1 + rate) ** m
        previous = cumulative
    return discounted[inverse] * value * margin


def _validate_clv_args(horizon_months: int, discount_rate: float, margin: float, time_unit: str):
    if horizon_months < 1:
        raise InputError(f"horizon_months must be at least 1, got {horizon_months}")
    if not 0 <= discount_rate <= 1:
        raise InputError(f"discount_rate is an annual rate in [0, 1], got {discount_rate}")
    if not 0 <= margin <= 1:
        raise InputError(f"margin is a share of revenue in [0, 1], got {margin}")
    _check_unit(time_unit, None)


def simple_ltv(arpu: float, *, margin: float, retention: float, discount: float) -> float:
    """LTV of a customer from average revenue, margin and retention, for clients without
    a usable transaction history.

    ``arpu × margin × retention / (1 + discount − retention)``: the value of an infinite
    stream of margins that survive each period with probability ``retention``,
    discounted at ``discount`` per period, first margin one period from now (Gupta and
    Lehmann 2003, "Customers as assets", Journal of Interactive Marketing 17(1)).

    Examples
    --------
    >>> round(simple_ltv(1000, margin=0.3, retention=0.8, discount=0.1), 2)  # 240 / 0.3
    800.0
    """
    if arpu < 0:
        raise InputError(f"arpu is a revenue per customer and period, >= 0; got {arpu}")
    if not 0 <= margin <= 1:
        raise InputError(f"margin is a share of revenue in [0, 1], got {margin}")
    if not 0 <= retention < 1:
        raise InputError(
            f"retention is a share of customers kept per period, in [0, 1); got {retention}"
        )
    if not 0 <= discount <= 1:
        raise InputError(f"discount is a rate per period in [0, 1], got {discount}")
    return float(arpu * margin * retention / (1 + discount - retention))


# ---- tables for the notebook -----------------------------------------------------------
def ltv_params(purchase_model: BetaGeoModel, spend_model: GammaGammaModel) -> pd.DataFrame:
    """The fitted parameters as a long table: model, parameter, value, log_likelihood."""
    rows = []
    for name, model in (("BG/NBD", purchase_model), ("Gamma-Gamma", spend_model)):
        model._params()
        for param, value in model.params_.items():
            rows.append((name, param, float(value), model.log_likelihood_))
    return pd.DataFrame(rows, columns=["model", "parameter", "value", "log_likelihood"])


def ltv_by_customer(
    summary: pd.DataFrame,
    purchase_model: BetaGeoModel,
    spend_model: GammaGammaModel,
    *,
    horizon_months: int = 12,
    discount_rate: float = 0.10,
    margin: float = 0.30,
    time_unit: TimeUnit = "days",
    groupings: Mapping[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """Per customer: probability alive, expected purchases and value over the horizon, CLV.

    ``summary`` is :func:`rfm_summary`'s output (same ``time_unit``). Customers without a
    usable repeat value (none, or not positive) get the spend model's population mean.
    ``groupings`` (see :func:`segment_groupings`) adds one column per grouping.
    """
    missing = [c for c in SUMMARY_COLUMNS if c not in summary.columns]
    if missing:
        raise InputError(f"summary: missing column(s) {missing}; build it with rfm_summary")
    args = [summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T")]
    m = summary["monetary_value"].to_numpy(dtype=float)
    m_used = np.where(m > 0, m, 0.0)
    x_used = np.where(m > 0, args[0], 0.0)
    horizon = horizon_months * DAYS_PER_MONTH / UNIT_DAYS[time_unit]
    out = pd.DataFrame(index=summary.index.copy())
    for col, values in zip(SUMMARY_COLUMNS, [*args, m], strict=True):
        out[col] = values
    out["prob_alive"] = purchase_model.probability_alive(*args)
    out["expected_purchases"] = purchase_model.conditional_expected_purchases(horizon, *args)
    out["expected_value"] = spend_model.conditional_expected_value(x_used, m_used)
    out["clv"] = clv(
        purchase_model,
        spend_model,
        *args,
        m_used,
        horizon_months=horizon_months,
        discount_rate=discount_rate,
        margin=margin,
        time_unit=time_unit,
    )
    for name, mapping in (groupings or {}).items():
        out[name] = pd.Series(mapping).reindex(out.index).to_numpy()
    return out


def segment_groupings(
    *,
    rfm: pd.DataFrame | None = None,
    personas: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    transactions: pd.DataFrame | None = None,
    observation_end: object = None,
) -> dict[str, pd.Series]:
    """The groupings the LTV is summed over, from what the engagement has.

    ``rfm_segment`` from :func:`helpers.customers.rfm`, ``persona`` from
    :func:`helpers.customers.assign_personas`, ``segment`` from the customer file's
    ``segment`` column (when filled), ``channel`` as each customer's main channel by
    revenue up to ``observation_end`` (when the transactions have a channel).
    """
    out: dict[str, pd.Series] = {}
    if rfm is not None:
        out["rfm_segment"] = rfm.set_index("customer_id")["segment"]
    if personas is not None:
        out["persona"] = personas.set_index("customer_id")["persona"]
    if (
        customers is not None
        and "segment" in customers.columns
        and customers["segment"].notna().any()
    ):
        out["segment"] = customers.drop_duplicates("customer_id").set_index("customer_id")[
            "segment"
        ]
    if (
        transactions is not None
        and "channel" in transactions.columns
        and transactions["channel"].notna().any()
    ):
        if observation_end is not None:
            end = pd.Timestamp(observation_end).normalize()
            transactions = transactions[
                pd.to_datetime(transactions["order_date"]).dt.normalize() <= end
            ]
        out["channel"] = main_channel(transactions)
    return out


def holdout_period(
    transactions: pd.DataFrame, *, observation_end: object = None, holdout_months: int = 6
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(calibration end, observation end): the last ``holdout_months`` are held out."""
    _check_transactions(transactions, ("order_date",))
    dates = pd.to_datetime(transactions["order_date"])
    end = dates.max() if observation_end is None else pd.Timestamp(observation_end)
    if holdout_months < 1:
        raise InputError(f"holdout_months must be at least 1, got {holdout_months}")
    cal_end = end - pd.DateOffset(months=holdout_months)
    if cal_end <= dates.min():
        raise InputError(
            f"a {holdout_months}-month holdout leaves no calibration period (history starts "
            f"{dates.min().date()}, ends {end.date()}); lower ltv.holdout_months"
        )
    return pd.Timestamp(cal_end), pd.Timestamp(end)


def spend_fit_note(spend_model: GammaGammaModel, *, language: str = "en") -> str:
    """One sentence saying on how many customers the spend model was fitted and how many
    were left out (mean repeat value not positive)."""
    spend_model._params()
    return label(LABELS, "spend_note", language).format(
        n=format_number(spend_model.n_customers_, language),
        excluded=format_number(spend_model.n_excluded_, language),
    )


def ltv_finding(
    table: pd.DataFrame,
    *,
    grouping: str = "rfm_segment",
    segment_labels: Mapping[str, str] | None = None,
    horizon_months: int = 12,
    language: str = "en",
) -> str:
    """A headline: the segment of ``grouping`` holding the largest share of future value."""
    rows = table[table["grouping"] == grouping].sort_values("clv_share", ascending=False)
    if rows.empty:
        raise InputError(f"no row for grouping {grouping!r} in the LTV table")
    top = rows.iloc[0]
    customers_share = top["customers"] / rows["customers"].sum()
    return label(LABELS, "ltv_finding", language).format(
        seg=(segment_labels or {}).get(top["segment"], top["segment"]),
        cust=format_percent(float(customers_share), language),
        share=format_percent(float(top["clv_share"]), language),
        months=horizon_months,
    )


def main_channel(transactions: pd.DataFrame) -> pd.Series:
    """Each customer's main channel: the one with the most revenue (ties: first by name)."""
    _check_transactions(transactions, ("customer_id", "channel", "amount"))
    rows = transactions["channel"].notna().to_numpy()
    customer, customers = _factorize(transactions["customer_id"][rows])
    channel, channels = _factorize(transactions["channel"][rows])
    revenue = (
        pd.DataFrame(
            {
                "c": customer,
                "ch": channel,
                "amount": transactions["amount"].to_numpy(dtype=float, na_value=0.0)[rows],
            }
        )
        .groupby(["c", "ch"], sort=False)["amount"]
        .sum()
        .reset_index()
        .sort_values(["c", "amount", "ch"], ascending=[True, False, True], kind="stable")
        .drop_duplicates("c")
    )
    return pd.Series(
        channels.take(revenue["ch"].to_numpy()),
        index=customers.take(revenue["c"].to_numpy()).rename("customer_id"),
        name="channel",
    )


def ltv_by_segment(customers_ltv: pd.DataFrame, groupings: Mapping[str, pd.Series]) -> pd.DataFrame:
    """CLV summed and averaged per segment of each grouping, with the share of the total.

    Parameters
    ----------
    customers_ltv
        :func:`ltv_by_customer`'s output (index ``customer_id``, column ``clv``).
    groupings
        ``{"rfm_segment": series, "persona": series, ...}``, each a Series mapping
        customer_id to a segment. Customers a grouping does not know are counted under
        ``"unknown"``.

    Returns
    -------
    DataFrame
        Columns ``grouping``, ``segment``, ``customers``, ``clv_total``, ``clv_mean``,
        ``clv_share`` (share of the grouping's total), sorted by grouping then CLV.
    """
    if "clv" not in customers_ltv.columns:
        raise InputError("customers_ltv: no clv column; build it with ltv_by_customer")
    frames = []
    for grouping, mapping in groupings.items():
        seg = pd.Series(mapping).reindex(customers_ltv.index)
        seg = seg.astype(object).where(seg.notna(), "unknown").astype(str)
        table = (
            pd.DataFrame({"segment": seg.to_numpy(), "clv": customers_ltv["clv"].to_numpy()})
            .groupby("segment")["clv"]
            .agg(customers="size", clv_total="sum", clv_mean="mean")
            .reset_index()
        )
        total = table["clv_total"].sum()
        table["clv_share"] = table["clv_total"] / total if total else 0.0
        table.insert(0, "grouping", grouping)
        frames.append(table.sort_values(["clv_total", "segment"], ascending=[False, True]))
    if not frames:
        return pd.DataFrame(columns=LTV_SEGMENT_COLUMNS)
    out = pd.concat(frames, ignore_index=True)[LTV_SEGMENT_COLUMNS]
    out["customers"] = out["customers"].astype(int)
    return out


# ---- holdout check ---------------------------------------------------------------------
def holdout_comparison(
    cal_holdout: pd.DataFrame,
    purchase_model: BetaGeoModel,
    *,
    max_frequency: int = HOLDOUT_MAX_FREQUENCY,
) -> pd.DataFrame:
    """Predicted vs actual holdout repeat purchases by number of calibration purchases.

    ``purchase_model`` must be fitted on the calibration columns. Rows 0 ..
    ``max_frequency - 1`` and a last row ``"{max_frequency}+"``, then ``"total"``.

    Returns
    -------
    DataFrame
        ``frequency_cal`` (label), ``customers``, ``actual_mean``, ``predicted_mean``,
        ``actual_total``, ``predicted_total``, ``abs_error_mean`` (mean over customers of
        \\|predicted − actual\\|).
    """
    needed = ("frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout")
    missing = [c for c in needed if c not in cal_holdout.columns]
    if missing:
        raise InputError(f"cal_holdout: missing {missing}; build it with calibration_holdout")
    predicted = purchase_model.conditional_expected_purchases(
        cal_holdout["duration_holdout"].to_numpy(dtype=float),
        cal_holdout["frequency_cal"].to_numpy(dtype=float),
        cal_holdout["recency_cal"].to_numpy(dtype=float),
        cal_holdout["T_cal"].to_numpy(dtype=float),
    )
    actual = cal_holdout["frequency_holdout"].to_numpy(dtype=float)
    freq = np.minimum(cal_holdout["frequency_cal"].to_numpy(dtype=int), max_frequency)
    labels = [str(i) for i in range(max_frequency)] + [f"{max_frequency}+"]
    df = pd.DataFrame(
        {
            "bucket": freq,
            "actual": actual,
            "predicted": predicted,
            "abs_error": np.abs(predicted - actual),
        }
    )
    table = (
        df.groupby("bucket")
        .agg(
            customers=("actual", "size"),
            actual_mean=("actual", "mean"),
            predicted_mean=("predicted", "mean"),
            actual_total=("actual", "sum"),
            predicted_total=("predicted", "sum"),
            abs_error_mean=("abs_error", "mean"),
        )
        .reindex(range(max_frequency + 1))
        .dropna(subset=["customers"])
    )
    table.insert(0, "frequency_cal", [labels[int(i)] for i in table.index])
    total = pd.DataFrame(
        {
            "frequency_cal": ["total"],
            "customers": [len(df)],
            "actual_mean": [actual.mean()],
            "predicted_mean": [predicted.mean()],
            "actual_total": [actual.sum()],
            "predicted_total": [predicted.sum()],
            "abs_error_mean": [df["abs_error"].mean()],
        }
    )
    out = pd.concat([table.reset_index(drop=True), total], ignore_index=True)
    out["customers"] = out["customers"].astype(int)
    return out


def holdout_error(comparison: pd.DataFrame) -> pd.Series:
    """The aggregate holdout error from :func:`holdout_comparison`: per-customer MAE,
    total predicted and actual purchases and the relative error of the total."""
    total = comparison.loc[comparison["frequency_cal"] == "total"].iloc[0]
    return pd.Series(
        {
            "customers": int(total["customers"]),
            "mae_per_customer": float(total["abs_error_mean"]),
            "actual_total": float(total["actual_total"]),
            "predicted_total": float(total["predicted_total"]),
            "total_error": float(total["predicted_total"] / total["actual_total"] - 1)
            if total["actual_total"]
            else float("nan"),
        },
        name="holdout_error",
    )


# ---- charts ----------------------------------------------------------------------------
def plot_holdout(comparison: pd.DataFrame, *, language: str = "en", ax: Axes | None = None) -> Axes:
    """Predicted vs actual mean holdout purchases per calibration frequency."""
    ax = get_ax(ax)
    rows = comparison[comparison["frequency_cal"] != "total"]
    pos = np.arange(len(rows))
    ax.plot(
        pos,
        rows["actual_mean"],
        marker="o",
        color=PALETTE[0],
        label=label(LABELS, "actual", language),
    )
    ax.plot(
        pos,
        rows["predicted_mean"],
        marker="s",
        linestyle="--",
        color=PALETTE[1],
        label=label(LABELS, "predicted", language),
    )
    ax.set_xticks(pos, rows["frequency_cal"].tolist())
    err = holdout_error(comparison)
    title = label(LABELS, "holdout_title", language).format(
        pred=format_number(err["predicted_total"], language),
        act=format_number(err["actual_total"], language),
        err=("+" if err["total_error"] >= 0 else "")
        + format_percent(err["total_error"], language, decimals=1),
    )
    ax.set(
        title=title,
        xlabel=label(LABELS, "holdout_x", language),
        ylabel=label(LABELS, "holdout_y", language),
    )
    ax.legend()
    return localise_axes(ax, language)


def plot_ltv_by_segment(
    table: pd.DataFrame,
    *,
    grouping: str = "rfm_segment",
    segment_labels: Mapping[str, str] | None = None,
    language: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """Share of future value (CLV) per segment of one grouping, largest first."""
    ax = get_ax(ax)
    rows = table[table["grouping"] == grouping].sort_values("clv_share")
    if rows.empty:
        raise InputError(
            f"no row for grouping {grouping!r}; groupings present: "
            f"{sorted(table['grouping'].unique())}"
        )
    names = [(segment_labels or {}).get(s, s) for s in rows["segment"]]
    bars = ax.barh(names, rows["clv_share"], color=PALETTE[0])
    for bar, n in zip(bars, rows["customers"], strict=True):
        ax.annotate(
            f" {format_number(n, language)} {label(LABELS, 'customers', language)}",
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            va="center",
            fontsize=9,
        )
    top = rows.iloc[-1]
    ax.xaxis.set_major_formatter(percent_formatter(language))
    ax.set(
        title=label(LABELS, "ltv_title", language).format(
            top=names[-1], share=format_percent(float(top["clv_share"]), language)
        ),
        xlabel=label(LABELS, "ltv_x", language),
        ylabel="",
    )
    return localise_axes(ax, language)


__all__ = [
    "BetaGeoModel",
    "GammaGammaModel",
    "calibration_holdout",
    "clv",
    "holdout_comparison",
    "holdout_error",
    "holdout_period",
    "ltv_by_customer",
    "ltv_by_segment",
    "ltv_finding",
    "ltv_params",
    "main_channel",
    "monthly_rate",
    "plot_holdout",
    "plot_ltv_by_segment",
    "rfm_summary",
    "segment_groupings",
    "simple_ltv",
    "spend_fit_note",
]
