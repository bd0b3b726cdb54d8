"""The synthetic client's own tables: customers, order lines and customer-journey events.

Maison Durand is a distributor of professional equipment selling to small businesses,
mid-market companies, key accounts and consumers. Customers are born (signed up) before
or during the observation window, buy as a Poisson process while alive and drop out
after each purchase with a fixed probability (the BG/NBD story), spend around their own
mean (the Gamma-Gamma story), and the calendar adds seasonality (March and
September-October peaks, an August trough), fewer orders at week-ends and ~10 % growth a
year. Everything is vectorised with numpy so that tens of millions of lines stay cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# ---- calendar -------------------------------------------------------------------------------
#: relative order intensity per calendar month (Jan..Dec): March and Sept-Oct peaks
#: (budgets, back-to-business), August trough (France on holiday).
MONTH_SEASONALITY = np.array(
    [0.95, 1.00, 1.30, 1.05, 1.00, 1.00, 0.85, 0.50, 1.25, 1.30, 1.05, 0.80]
)
#: relative intensity per weekday (Mon..Sun): B2B orders are placed in the week.
WEEKDAY_INTENSITY = np.array([1.10, 1.15, 1.15, 1.10, 1.00, 0.35, 0.15])
#: underlying annual growth of order intensity
ANNUAL_GROWTH = 0.0
#: how much faster new-customer acquisition grows than the base (marketing ramp-up)
ACQUISITION_GROWTH = 0.10
DAYS_PER_YEAR = 365.25

# ---- customer base --------------------------------------------------------------------------
SEGMENTS = ("Small business", "Mid-market", "Key account", "Consumer")


@dataclass(frozen=True)
class SegmentProfile:
    """Behaviour of one segment: mix, orders a year, drop-out per purchase, order value."""

    share: float
    orders_per_year: float
    dropout: float
    order_value: float
    discount: tuple[float, float]  # uniform range of the discount rate
    lines_extra: float  # mean of extra lines per order (Poisson)
    channel_weights: tuple[float, float, float, float]  # web, store, field sales, marketplace
    category_weights: tuple[float, ...]  # over CATEGORIES
    nps_mean: float


CHANNELS = ("web", "store", "field sales", "marketplace")
CATEGORIES = (
    "Office furniture",
    "IT equipment",
    "Consumables",
    "Cleaning & hygiene",
    "Safety equipment",
    "Services",
)
#: typical unit price per category (EUR, before discount)
UNIT_PRICE = np.array([180.0, 420.0, 18.0, 26.0, 45.0, 350.0])
#: gross margin rate per category before discount
MARGIN_RATE = np.array([0.32, 0.17, 0.40, 0.36, 0.34, 0.55])

SEGMENT_PROFILES: dict[str, SegmentProfile] = {
    "Small business": SegmentProfile(
        0.50,
        5.5,
        0.09,
        370.0,
        (0.00, 0.05),
        0.25,
        (0.40, 0.35, 0.15, 0.10),
        (0.18, 0.17, 0.30, 0.17, 0.13, 0.05),
        7.2,
    ),
    "Mid-market": SegmentProfile(
        0.16,
        12.0,
        0.05,
        620.0,
        (0.03, 0.10),
        0.60,
        (0.30, 0.10, 0.55, 0.05),
        (0.20, 0.22, 0.25, 0.13, 0.12, 0.08),
        7.6,
    ),
    "Key account": SegmentProfile(
        0.03,
        24.0,
        0.02,
        1_300.0,
        (0.08, 0.15),
        1.20,
        (0.10, 0.02, 0.85, 0.03),
        (0.22, 0.25, 0.18, 0.12, 0.10, 0.13),
        8.1,
    ),
    "Consumer": SegmentProfile(
        0.31,
        2.2,
        0.30,
        190.0,
        (0.00, 0.02),
        0.10,
        (0.45, 0.30, 0.00, 0.25),
        (0.25, 0.35, 0.15, 0.10, 0.15, 0.00),
        6.6,
    ),
}

REGIONS = (
    "Île-de-France",
    "Auvergne-Rhône-Alpes",
    "Nouvelle-Aquitaine",
    "Occitanie",
    "Hauts-de-France",
    "Grand Est",
)
REGION_WEIGHTS = np.array([0.28, 0.19, 0.14, 0.13, 0.14, 0.12])

ACQUISITION_CHANNELS = ("search", "social", "trade show", "referral", "marketplace")
ACQUISITION_WEIGHTS = np.array([0.32, 0.24, 0.14, 0.15, 0.15])
#: awareness -> consideration, consideration -> decision, decision -> purchase, per
#: acquisition channel: referrals convert best, social and marketplace leads leak at decision.
JOURNEY_CONVERSION = np.array(
    [
        [0.50, 0.45, 0.42],  # search
        [0.35, 0.38, 0.22],  # social
        [0.60, 0.50, 0.40],  # trade show
        [0.70, 0.62, 0.58],  # referral
        [0.55, 0.40, 0.18],  # marketplace (price comparison, then gone)
    ]
)
JOURNEY_STAGES = ("awareness", "consideration", "decision", "purchase", "retention")
#: mean days between awareness -> consideration -> decision -> purchase
JOURNEY_DELAYS = (12.0, 9.0, 6.0)
CONSIDERATION_CHANNELS = ("web", "email", "store")
DECISION_CHANNELS = ("field sales", "web", "store")
#: share of newly acquired customers whose journey the marketing tools tracked
JOURNEY_TRACKED = 0.85

# ---- heterogeneity --------------------------------------------------------------------------
RATE_SHAPE = 3.0  # Gamma shape of purchase rates within a segment (mean 1)
SPEND_SHAPE = 4.0  # Gamma shape of customer mean order value within a segment (mean 1)
ORDER_VALUE_SIGMA = 0.45  # log-normal spread of one order around the customer's mean
DROPOUT_CONCENTRATION = 4.0  # Beta(a, b) with a + b = this, mean = segment drop-out
EXISTING_SHARE = 0.58  # customers already signed up before the window
EXISTING_HISTORY_YEARS = 6.0
NPS_MISSING = 0.38
NPS_SPREAD = 1.8
ZERO_AMOUNT_SHARE = 0.005  # free replacements and samples
REFUND_SHARE = 0.005  # credit notes
REFUND_DELAY_DAYS = (3, 45)
MAX_EXTRA_LINES = 5
MIN_LINE_VALUE = 1.0  # smallest billed line, before discount
NS_PER_DAY = 86_400 * 10**9


@dataclass
class Population:
    """Latent attributes of every customer (not a client table)."""

    n: int
    segment: np.ndarray  # int index into SEGMENTS
    birth: np.ndarray  # day of signup relative to the window start (negative: before)
    rate: np.ndarray  # orders per day while alive, before seasonality
    dropout: np.ndarray  # probability of dropping out after a purchase
    spend: np.ndarray  # mean order value
    region: np.ndarray  # index into REGIONS
    channel: np.ndarray  # preferred channel, index into CHANNELS
    acquisition: np.ndarray  # index into ACQUISITION_CHANNELS
    ids: np.ndarray  # customer ids (object array of str)


@dataclass(frozen=True)
class Calendar:
    """The observation window as days, with the cumulative order intensity."""

    start: np.datetime64
    days: int
    cumulative: np.ndarray  # length days + 1, cumulative[d] = intensity mass before day d
    acquisition_cumulative: np.ndarray

    @classmethod
    def build(cls, start: str, months: int) -> Calendar:
        first = np.datetime64(start, "M")
        day0 = first.astype("datetime64[D]")
        end = (first + months).astype("datetime64[D]")
        days = int((end - day0).astype(int))
        dates = day0 + np.arange(days)
        month = dates.astype("datetime64[M]").astype(int) % 12
        weekday = (dates.astype(int) + 3) % 7  # 1970-01-01 was a Thursday
        t_years = np.arange(days) / DAYS_PER_YEAR
        weight = MONTH_SEASONALITY[month] * WEEKDAY_INTENSITY[weekday]
        base = weight * (1 + ANNUAL_GROWTH) ** t_years
        base *= days / base.sum()  # mean intensity 1: rates stay "orders per day"
        acq = MONTH_SEASONALITY[month] * (1 + ACQUISITION_GROWTH) ** t_years
        acq /= acq.sum()
        return cls(
            start=day0,
            days=days,
            cumulative=np.concatenate([[0.0], np.cumsum(base)]),
            acquisition_cumulative=np.concatenate([[0.0], np.cumsum(acq)]),
        )

    def day_of(self, mass: np.ndarray, cumulative: np.ndarray | None = None) -> np.ndarray:
        """Invert the cumulative intensity: the day (int) holding each intensity mass."""
        cum = self.cumulative if cumulative is None else cumulative
        day = np.searchsorted(cum, mass, side="right") - 1
        return np.clip(day, 0, self.days - 1)

    def to_datetime(self, day: np.ndarray) -> np.ndarray:
        return (self.start + day.astype("timedelta64[D]")).astype("datetime64[ns]")


def _weighted_choice(rng: np.random.Generator, weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One draw per row from per-group weights: ``weights[rows[i]]`` are row i's weights."""
    cum = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(rows))
    choice = np.empty(len(rows), dtype=np.int64)
    for group in range(weights.shape[0]):
        mask = rows == group
        choice[mask] = np.searchsorted(cum[group], u[mask], side="right")
    return np.minimum(choice, weights.shape[1] - 1)


def customer_ids(n: int, prefix: str = "C", *, start: int = 1) -> np.ndarray:
    """Zero-padded ids (``C000042``): the leading zeros test that ids stay text."""
    if n == 0:
        return np.empty(0, dtype=object)
    width = max(6, len(str(start + n - 1)))
    numbers = np.strings.zfill(np.arange(start, start + n).astype(np.str_), width)
    return np.strings.add(prefix, numbers).astype(object)


def population(rng: np.random.Generator, n: int, calendar: Calendar) -> Population:
    """Draw the latent customer base: segments, birth dates, rates, drop-out, spend."""
    profiles = [SEGMENT_PROFILES[s] for s in SEGMENTS]
    shares = np.array([p.share for p in profiles])
    segment = rng.choice(len(SEGMENTS), size=n, p=shares / shares.sum())
    existing = rng.random(n) < EXISTING_SHARE
    history = EXISTING_HISTORY_YEARS * DAYS_PER_YEAR
    birth_existing = -np.ceil(rng.random(n) * history)
    mass = rng.random(n) * calendar.acquisition_cumulative[-1]
    birth_new = calendar.day_of(mass, calendar.acquisition_cumulative).astype(float)
    birth = np.where(existing, birth_existing, birth_new).astype(np.int64)

    orders = np.array([p.orders_per_year for p in profiles])[segment] / DAYS_PER_YEAR
    rate = orders * rng.gamma(RATE_SHAPE, 1 / RATE_SHAPE, n)
    mean_drop = np.array([p.dropout for p in profiles])[segment]
    dropout = rng.beta(mean_drop * DROPOUT_CONCENTRATION, (1 - mean_drop) * DROPOUT_CONCENTRATION)
    value = np.array([p.order_value for p in profiles])[segment]
    spend = value * rng.gamma(SPEND_SHAPE, 1 / SPEND_SHAPE, n)
    region = rng.choice(len(REGIONS), size=n, p=REGION_WEIGHTS / REGION_WEIGHTS.sum())
    channel_w = np.array([p.channel_weights for p in profiles])
    channel = _weighted_choice(rng, channel_w, segment)
    # new customers came through a channel in proportion to its share x its conversion
    converted = ACQUISITION_WEIGHTS * JOURNEY_CONVERSION.prod(axis=1)
    acquisition = np.where(
        birth >= 0,
        rng.choice(len(ACQUISITION_CHANNELS), size=n, p=converted / converted.sum()),
        rng.choice(len(ACQUISITION_CHANNELS), size=n, p=ACQUISITION_WEIGHTS),
    )
    return Population(
        n=n,
        segment=segment,
        birth=birth,
        rate=rate,
        dropout=dropout,
        spend=spend,
        region=region,
        channel=channel,
        acquisition=acquisition,
        ids=customer_ids(n),
    )


def _orders(
    rng: np.random.Generator, pop: Population, cal: Calendar
) -> tuple[np.ndarray, np.ndarray]:
    """Order events (customer index, day), BG/NBD-style: first purchases of new customers,
    then every repeat purchase (unordered; :func:`order_lines` sorts by date)."""
    total_mass = cal.cumulative[-1]
    window_start = np.maximum(pop.birth, 0)
    mass_start = cal.cumulative[window_start]
    is_new = pop.birth >= 0
    # Purchases that would happen in the window if the customer stayed alive ...
    potential = rng.poisson(pop.rate * (total_mass - mass_start))
    # ... and how many purchases the customer survives (drop-out after each purchase;
    # new customers make their first purchase at signup, then may drop out).
    survived = rng.geometric(pop.dropout) - 1
    kept = np.minimum(potential, survived)

    # The first `kept` of `potential` uniform times, in order, without sorting: uniform
    # order statistics are normalised cumulative sums of exponentials, and the sum of the
    # exponentials after the last kept one is a single Gamma draw.
    owner = np.repeat(np.arange(pop.n), kept)
    gaps = rng.exponential(1.0, len(owner))
    ends = np.cumsum(kept)
    csum = np.cumsum(gaps)
    before = np.concatenate([[0.0], csum])[ends - kept]  # cumulative sum before each owner
    within = csum - before[owner]
    rest = rng.gamma(np.maximum(potential - kept, 0) + 1.0)
    total = np.concatenate([[0.0], csum])[ends] - before + rest
    low = mass_start[owner]
    mass = low + within / total[owner] * (total_mass - low)
    day = cal.day_of(mass)

    first_owner = np.flatnonzero(is_new)
    owner = np.concatenate([first_owner, owner])
    day = np.concatenate([pop.birth[first_owner], day])
    return owner, day


def order_lines(
    rng: np.random.Generator, pop: Population, cal: Calendar, *, with_order_ids: bool = True
) -> pd.DataFrame:
    """The transactions table: one row per order line, canonical columns."""
    profiles = [SEGMENT_PROFILES[s] for s in SEGMENTS]
    owner, day = _orders(rng, pop, cal)
    n_orders = len(owner)
    if n_orders == 0:
        return _empty_transactions(with_order_ids)
    by_date = np.argsort(day, kind="stable")  # orders numbered in calendar order
    owner, day = owner[by_date], day[by_date]
    seg = pop.segment[owner]
    value = pop.spend[owner] * rng.lognormal(
        -(ORDER_VALUE_SIGMA**2) / 2, ORDER_VALUE_SIGMA, n_orders
    )
    channel_w = np.array([p.channel_weights for p in profiles])
    loyal = rng.random(n_orders) < 0.8
    other = _weighted_choice(rng, channel_w, seg)
    channel = np.where(loyal, pop.channel[owner], other)

    extra_mean = np.array([p.lines_extra for p in profiles])[seg]
    extra = np.minimum(rng.poisson(extra_mean), MAX_EXTRA_LINES)
    lines_per_order = 1 + extra
    order_of_line = np.repeat(np.arange(n_orders), lines_per_order)
    weight = rng.exponential(1.0, len(order_of_line))
    starts = np.concatenate([[0], np.cumsum(lines_per_order)[:-1]])
    weight /= np.add.reduceat(weight, starts)[order_of_line]
    line_seg = seg[order_of_line]
    gross = value[order_of_line] * weight
    category_w = np.array([p.category_weights for p in profiles])
    category = _weighted_choice(rng, category_w, line_seg)

    disc_lo = np.array([p.discount[0] for p in profiles])[line_seg]
    disc_hi = np.array([p.discount[1] for p in profiles])[line_seg]
    disc_rate = disc_lo + rng.random(len(gross)) * (disc_hi - disc_lo)
    unit = UNIT_PRICE[category] * rng.lognormal(0.0, 0.25, len(gross))
    quantity = np.maximum(1, np.rint(gross / unit))
    gross = np.maximum(np.round(gross, 2), MIN_LINE_VALUE)
    discount = np.round(gross * disc_rate, 2)
    amount = gross - discount
    margin_rate = MARGIN_RATE[category] - disc_rate + rng.normal(0, 0.03, len(gross))
    margin = np.round(amount * margin_rate, 2)

    # free replacements / samples: amount 0, the goods still cost something
    zero = rng.random(len(amount)) < ZERO_AMOUNT_SHARE
    cost = np.maximum(np.round(gross * (1 - MARGIN_RATE[category]), 2), 0.01)
    margin = np.where(zero, -cost, margin)
    amount = np.where(zero, 0.0, amount)
    discount = np.where(zero, 0.0, discount)

    line_day = day[order_of_line]
    line_owner = owner[order_of_line]
    line_order = order_of_line
    line_channel = channel[order_of_line]
    is_refund = np.zeros(len(amount), dtype=bool)

    # credit notes: a later negative line for a returned line
    refunded = np.flatnonzero((rng.random(len(amount)) < REFUND_SHARE) & ~zero)
    delay = rng.integers(REFUND_DELAY_DAYS[0], REFUND_DELAY_DAYS[1] + 1, len(refunded))
    refund_day = line_day[refunded] + delay
    inside = refund_day < cal.days
    refunded, refund_day = refunded[inside], refund_day[inside]
    if len(refunded):
        line_day = np.concatenate([line_day, refund_day])
        line_owner = np.concatenate([line_owner, line_owner[refunded]])
        line_order = np.concatenate([line_order, n_orders + np.arange(len(refunded))])
        line_channel = np.concatenate([line_channel, line_channel[refunded]])
        category = np.concatenate([category, category[refunded]])
        quantity = np.concatenate([quantity, quantity[refunded]])
        amount = np.concatenate([amount, -amount[refunded]])
        discount = np.concatenate([discount, np.zeros(len(refunded))])
        margin = np.concatenate([margin, -margin[refunded]])
        is_refund = np.concatenate([is_refund, np.ones(len(refunded), dtype=bool)])

    # chronological order (credit notes after the day's orders); numbers follow the calendar
    order = np.argsort(line_day, kind="stable")
    line_day, line_owner, line_order = line_day[order], line_owner[order], line_order[order]
    is_refund = is_refund[order]

    frame = {
        "customer_id": pd.array(pop.ids[line_owner], dtype="str"),
        "order_date": cal.to_datetime(line_day),
        "amount": amount[order],
    }
    if with_order_ids:
        frame["order_id"] = _document_numbers(line_order, is_refund)
    frame.update(
        {
            "quantity": quantity[order],
            "channel": pd.Categorical.from_codes(line_channel[order], CHANNELS),
            "region": pd.Categorical.from_codes(pop.region[line_owner], REGIONS),
            "category": pd.Categorical.from_codes(category[order], CATEGORIES),
            "discount": discount[order],
            "margin": margin[order],
        }
    )
    out = pd.DataFrame(frame)
    for col in ("channel", "region", "category"):
        out[col] = out[col].astype("str")
    return out


def _empty_transactions(with_order_ids: bool) -> pd.DataFrame:
    text = pd.array([], dtype="str")
    frame = {
        "customer_id": text,
        "order_date": np.array([], dtype="datetime64[ns]"),
        "amount": np.array([], dtype=float),
    }
    if with_order_ids:
        frame["order_id"] = text
    frame.update(
        {
            "quantity": np.array([], dtype=float),
            "channel": text,
            "region": text,
            "category": text,
            "discount": np.array([], dtype=float),
            "margin": np.array([], dtype=float),
        }
    )
    return pd.DataFrame(frame)


def _document_numbers(line_order: np.ndarray, is_refund: np.ndarray) -> pd.Series:
    """Order numbers CMD-00000001 and credit notes AV-000001, numbered by first appearance."""
    # line_order is sorted chronologically; number documents in order of appearance
    change = np.concatenate([[True], line_order[1:] != line_order[:-1]])
    number = np.cumsum(change & ~is_refund)
    credit = np.cumsum(change & is_refund)
    n_orders = int(number[-1]) if len(number) else 0
    n_credit = int(credit[-1]) if len(credit) else 0
    order_names = _numbered("CMD-", n_orders, 8)
    credit_names = _numbered("AV-", n_credit, 6)
    names = np.empty(len(line_order), dtype=object)
    if n_orders:
        names[~is_refund] = order_names[number[~is_refund] - 1]
    if n_credit:
        names[is_refund] = credit_names[credit[is_refund] - 1]
    return pd.array(names, dtype="str")


def _numbered(prefix: str, n: int, width: int) -> np.ndarray:
    if n == 0:
        return np.empty(0, dtype=object)
    numbers = np.strings.zfill(np.arange(1, n + 1).astype(np.str_), max(width, len(str(n))))
    return np.strings.add(prefix, numbers).astype(object)


def customers_table(rng: np.random.Generator, pop: Population, cal: Calendar) -> pd.DataFrame:
    """The customer file: id, signup date, segment, region, acquisition channel, NPS."""
    profiles = [SEGMENT_PROFILES[s] for s in SEGMENTS]
    nps_mean = np.array([p.nps_mean for p in profiles])[pop.segment]
    # customers about to leave are less happy: drop-out lowers the score
    nps_mean = nps_mean - 6.0 * (pop.dropout - np.array([p.dropout for p in profiles])[pop.segment])
    nps = np.clip(np.rint(rng.normal(nps_mean, NPS_SPREAD)), 0, 10)
    nps[rng.random(pop.n) < NPS_MISSING] = np.nan
    acq = pop.acquisition
    return pd.DataFrame(
        {
            "customer_id": pd.array(pop.ids, dtype="str"),
            "signup_date": cal.to_datetime(pop.birth),
            "segment": pd.array(np.array(SEGMENTS, dtype=object)[pop.segment], dtype="str"),
            "region": pd.array(np.array(REGIONS, dtype=object)[pop.region], dtype="str"),
            "acquisition_channel": pd.array(
                np.array(ACQUISITION_CHANNELS, dtype=object)[acq], dtype="str"
            ),
            "nps": nps,
        }
    )


def journey_table(
    rng: np.random.Generator, pop: Population, cal: Calendar, transactions: pd.DataFrame
) -> pd.DataFrame:
    """Journey events: tracked new customers (contact id = customer id) and prospects.

    Purchasers' awareness, consideration and decision events precede their first order;
    their purchase and retention events are their first and second orders. Prospects
    stop at awareness, consideration or decision with the channel's conversion rates.
    """
    q = JOURNEY_CONVERSION
    conv = q.prod(axis=1)
    sales = transactions[transactions["amount"] >= 0]  # orders (zero lines included)
    firsts = sales.groupby("customer_id", sort=True)["order_date"].agg(["min"])
    # second distinct order day
    days = (
        sales[["customer_id", "order_date"]]
        .drop_duplicates()
        .sort_values(["customer_id", "order_date"])
    )
    second = days.groupby("customer_id")["order_date"].nth(1)
    second = pd.Series(second.to_numpy(), index=days.loc[second.index, "customer_id"].to_numpy())
    first_channel = sales.drop_duplicates("customer_id").set_index("customer_id")["channel"]

    new = np.flatnonzero(pop.birth >= 0)
    ids = pop.ids[new]
    has_tx = np.isin(ids, firsts.index.to_numpy())
    tracked = has_tx & (rng.random(len(new)) < JOURNEY_TRACKED)
    buyers = new[tracked]
    b_ids = pop.ids[buyers]
    entry = pop.acquisition[buyers]  # the CRM's acquisition channel is the journey's entry

    purchase = firsts.loc[b_ids, "min"].to_numpy().astype("datetime64[D]")
    gaps = [np.ceil(rng.exponential(m, len(buyers))).astype(int) for m in JOURNEY_DELAYS]
    decision = purchase - gaps[2]
    consideration = decision - gaps[1]
    awareness = consideration - gaps[0]
    consider_ch = rng.choice(len(CONSIDERATION_CHANNELS), size=len(buyers), p=[0.6, 0.25, 0.15])
    decision_ch = rng.choice(len(DECISION_CHANNELS), size=len(buyers), p=[0.45, 0.35, 0.20])
    aq = np.array(ACQUISITION_CHANNELS, dtype=object)
    cc = np.array(CONSIDERATION_CHANNELS, dtype=object)
    dc = np.array(DECISION_CHANNELS, dtype=object)
    retained = np.isin(b_ids, second.index.to_numpy())
    r_ids = b_ids[retained]
    parts = [
        (b_ids, "awareness", awareness, aq[entry]),
        (b_ids, "consideration", consideration, cc[consider_ch]),
        (b_ids, "decision", decision, dc[decision_ch]),
        (b_ids, "purchase", purchase, first_channel.loc[b_ids].to_numpy(dtype=object)),
        (r_ids, "retention", second.loc[r_ids].to_numpy().astype("datetime64[D]"), None),
    ]

    # prospects who did not buy: as many as the conversion rates imply
    overall = (ACQUISITION_WEIGHTS * conv).sum() / ACQUISITION_WEIGHTS.sum()
    n_contacts = round(len(buyers) / overall)
    n_prospects = max(n_contacts - len(buyers), 0)
    lost = ACQUISITION_WEIGHTS * (1 - conv)
    p_entry = rng.choice(len(ACQUISITION_CHANNELS), size=n_prospects, p=lost / lost.sum())
    stop_w = np.stack([1 - q[:, 0], q[:, 0] * (1 - q[:, 1]), q[:, 0] * q[:, 1] * (1 - q[:, 2])], 1)
    reached = _weighted_choice(rng, stop_w, p_entry)  # 0 awareness, 1 consideration, 2 decision
    p_ids = customer_ids(n_prospects, prefix="P")
    aware = cal.start + rng.integers(0, cal.days, n_prospects).astype("timedelta64[D]")
    pg = [np.ceil(rng.exponential(m, n_prospects)).astype(int) for m in JOURNEY_DELAYS]
    p_consider = aware + pg[0]
    p_decision = p_consider + pg[1]
    p_cc = rng.choice(len(CONSIDERATION_CHANNELS), size=n_prospects, p=[0.6, 0.25, 0.15])
    p_dc = rng.choice(len(DECISION_CHANNELS), size=n_prospects, p=[0.45, 0.35, 0.20])
    parts += [
        (p_ids, "awareness", aware, aq[p_entry]),
        (p_ids[reached >= 1], "consideration", p_consider[reached >= 1], cc[p_cc[reached >= 1]]),
        (p_ids[reached >= 2], "decision", p_decision[reached >= 2], dc[p_dc[reached >= 2]]),
    ]
    if len(r_ids):
        sales_sorted = sales.drop_duplicates(["customer_id", "order_date"])
        key = sales_sorted.set_index(["customer_id", "order_date"])["channel"]
        ret_dates = pd.to_datetime(second.loc[r_ids].to_numpy())
        ret_ch = key.reindex(pd.MultiIndex.from_arrays([r_ids, ret_dates])).to_numpy(dtype=object)
        ident, stage, date, _ = parts[4]
        parts[4] = (ident, stage, date, ret_ch)

    frames = [
        pd.DataFrame(
            {
                "contact_id": np.asarray(ident, dtype=object),
                "stage": stage,
                "event_date": np.asarray(date, dtype="datetime64[D]"),
                "channel": np.asarray(ch, dtype=object),
            }
        )
        for ident, stage, date, ch in parts
    ]
    out = pd.concat(frames, ignore_index=True)
    start = cal.start
    end = cal.start + np.timedelta64(cal.days, "D")
    out = out[(out["event_date"] >= start) & (out["event_date"] < end)]
    stage_rank = out["stage"].map({s: i for i, s in enumerate(JOURNEY_STAGES)})
    out = out.assign(_rank=stage_rank).sort_values(["event_date", "contact_id", "_rank"])
    out = out.drop(columns="_rank").reset_index(drop=True)
    out["event_date"] = out["event_date"].astype("datetime64[ns]")
    for col in ("contact_id", "stage", "channel"):
        out[col] = out[col].astype("str")
    return out
