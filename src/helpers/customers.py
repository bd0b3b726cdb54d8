"""Target customers: who they are, how they behave, and where they drop out.

RFM scoring ranks customers on how recently, how often and how much they buy and names
the segments an action plan can address (champions to keep, sleeping customers to wake
up...). Behavioural personas group customers who buy alike, and the journey funnel shows
where prospects leak between awareness and a repeat purchase. The per-customer
frequency/recency summary these build on lives in :func:`helpers.ltv.rfm_summary`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.errors import ConfigError, InputError
from helpers.i18n import format_number, format_percent, label
from helpers.ltv import _factorize, _summarise
from helpers.plots import (
    BAD_COLOR,
    CLIENT_COLOR,
    NEUTRAL_COLOR,
    PALETTE,
    get_ax,
    localise_axes,
    new_figure,
    percent_formatter,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# ---- RFM -------------------------------------------------------------------------------
#: The scale the segment rules are written on (scores of other bin counts are projected).
RULE_SCALE = 5
RULE_COLUMNS = ["segment", "r_min", "r_max", "f_min", "f_max", "m_min", "m_max", "action"]
#: Segment given to a customer no rule matches (never happens with the default table).
CATCH_ALL_SEGMENT = "others"
CATCH_ALL_ACTION = "Review individually; refine the segment rules"

#: The default RFM segment rules, in priority order: the first matching row wins.
#: Bounds are inclusive scores on a 1-5 scale (5 = most recent / most frequent / highest
#: spend). The method's four segments (champions, promising new customers, sleeping
#: customers, customers at risk) sit with the usual standard ones; together they cover
#: all 125 score combinations.
DEFAULT_SEGMENT_RULES = pd.DataFrame(
    [
        (
            "champions",
            4,
            5,
            4,
            5,
            4,
            5,
            "Reward them: early access, referral programme, premium upsell",
        ),
        (
            "loyal",
            3,
            5,
            4,
            5,
            1,
            5,
            "Upsell higher-value ranges, ask for reviews, loyalty programme",
        ),
        (
            "cant_lose_them",
            1,
            2,
            5,
            5,
            5,
            5,
            "Win them back personally: key-account call, tailored offer",
        ),
        (
            "customers_at_risk",
            2,
            2,
            3,
            5,
            3,
            5,
            "Reactivate before they lapse: personal contact, renewal offer",
        ),
        (
            "sleeping_customers",
            1,
            1,
            3,
            5,
            3,
            5,
            "Wake them up: win-back campaign on their usual categories",
        ),
        (
            "potential_loyalists",
            4,
            5,
            2,
            3,
            1,
            5,
            "Build the habit: membership, recommendations, second-order offer",
        ),
        (
            "promising_new_customers",
            4,
            5,
            1,
            1,
            1,
            5,
            "Onboard well: welcome journey, first-repeat incentive",
        ),
        ("need_attention", 3, 3, 2, 3, 2, 5, "Limited-time offer based on their past purchases"),
        (
            "about_to_sleep",
            3,
            3,
            1,
            3,
            1,
            5,
            "Share popular products and targeted discounts before they go",
        ),
        ("hibernating", 2, 2, 1, 5, 1, 5, "Low-cost reactivation; do not overspend"),
        ("lost", 1, 1, 1, 5, 1, 5, "Ignore or one last low-cost win-back"),
    ],
    columns=RULE_COLUMNS,
)

SEGMENT_LABELS = {
    "en": {
        "champions": "Champions",
        "loyal": "Loyal",
        "cant_lose_them": "Can't lose them",
        "customers_at_risk": "Customers at risk",
        "sleeping_customers": "Sleeping customers",
        "potential_loyalists": "Potential loyalists",
        "promising_new_customers": "Promising new customers",
        "need_attention": "Need attention",
        "about_to_sleep": "About to sleep",
        "hibernating": "Hibernating",
        "lost": "Lost",
        CATCH_ALL_SEGMENT: "Others",
    },
    "fr": {
        "champions": "Champions",
        "loyal": "Fidèles",
        "cant_lose_them": "À ne pas perdre",
        "customers_at_risk": "Clients à risque",
        "sleeping_customers": "Clients endormis",
        "potential_loyalists": "Fidèles en devenir",
        "promising_new_customers": "Nouveaux clients prometteurs",
        "need_attention": "À surveiller",
        "about_to_sleep": "Sur le point de s'endormir",
        "hibernating": "En hibernation",
        "lost": "Perdus",
        CATCH_ALL_SEGMENT: "Autres",
    },
}

SEGMENT_ACTIONS_FR = {
    "champions": "Les récompenser : accès en avant-première, parrainage, montée en gamme",
    "loyal": "Proposer les gammes supérieures, solliciter des avis, programme de fidélité",
    "cant_lose_them": "Les reconquérir personnellement : appel grand compte, offre sur mesure",
    "customers_at_risk": (
        "Les réactiver avant qu'ils ne partent : contact personnel, offre de renouvellement"
    ),
    "sleeping_customers": "Les réveiller : campagne de reconquête sur leurs catégories habituelles",
    "potential_loyalists": (
        "Installer l'habitude : adhésion, recommandations, offre de deuxième commande"
    ),
    "promising_new_customers": "Bien les accueillir : parcours de bienvenue, incitation au réachat",
    "need_attention": "Offre limitée dans le temps fondée sur leurs achats passés",
    "about_to_sleep": (
        "Mettre en avant les produits phares et des remises ciblées avant qu'ils ne partent"
    ),
    "hibernating": "Réactivation à faible coût ; ne pas surinvestir",
    "lost": "Les laisser ou tenter une dernière reconquête à faible coût",
    CATCH_ALL_SEGMENT: "Examiner au cas par cas ; affiner les règles de segmentation",
}

LABELS = {
    "en": {
        "rfm_title": "{seg}: {cust} of customers, {rev} of revenue",
        "rfm_finding": "{seg} are {cust} of customers and bring {rev} of revenue.",
        "customer_share": "Share of customers",
        "revenue_share": "Share of revenue",
        "funnel_title": "{conv} of contacts reach {stage}; the largest leak is {step}",
        "funnel_x": "Contacts reaching the stage",
        "persona_title": (
            "Persona cards: what sets each group apart (standard deviations from the average)"
        ),
        "persona_card": "{name}\n{cust} customers ({share})",
        "buyers": "{x} buyers",
        "customers": "Customers",
        "share_category": "{x} share",
        "share_channel": "{x} share",
        "orders": "Orders",
        "basket": "Average basket",
        "tenure_days": "Tenure",
        "recency_days": "Days since last order",
        "discount_rate": "Discount rate",
    },
    "fr": {
        "rfm_title": "{seg} : {cust} des clients, {rev} du chiffre d'affaires",
        "rfm_finding": "{seg} : {cust} des clients, {rev} du chiffre d'affaires.",
        "customer_share": "Part des clients",
        "revenue_share": "Part du chiffre d'affaires",
        "funnel_title": (
            "{conv} des contacts atteignent l'étape {stage} ; la plus forte perte : {step}"
        ),
        "funnel_x": "Contacts atteignant l'étape",
        "persona_title": (
            "Fiches personas : ce qui distingue chaque groupe (écarts-types à la moyenne)"
        ),
        "persona_card": "{name}\n{cust} clients ({share})",
        "buyers": "Acheteurs {x}",
        "customers": "Clients",
        "share_category": "Part {x}",
        "share_channel": "Part {x}",
        "orders": "Commandes",
        "basket": "Panier moyen",
        "tenure_days": "Ancienneté",
        "recency_days": "Jours depuis la dernière commande",
        "discount_rate": "Taux de remise",
    },
}

STAGE_LABELS = {
    "en": {},
    "fr": {
        "awareness": "notoriété",
        "consideration": "considération",
        "decision": "décision",
        "purchase": "achat",
        "retention": "fidélisation",
    },
}


def segment_label(segment: str, language: str = "en") -> str:
    """The display name of an RFM segment id (custom segments are shown as written)."""
    return label(SEGMENT_LABELS, segment, language)


def _check_columns(df: pd.DataFrame, name: str, columns: Sequence[str]) -> None:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{name} must be a DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            f"{name}: missing column(s) {', '.join(missing)} (found: "
            f"{', '.join(map(str, df.columns))}); map them in engagement.yaml under "
            f"data.{name}.columns"
        )


def quantile_scores(
    values: pd.Series, *, bins: int = 5, higher_is_better: bool = True
) -> pd.Series:
    """Scores 1..``bins`` by quantile, ties broken by the index (customer id).

    Customers are sorted by value, then by index label, and score
    ``1 + floor(bins × position / n)``: the same as ``rank(method="first")`` after a
    stable sort by (value, customer_id). Equal values may therefore land in two adjacent
    scores, but always the same way: quantile cuts (``pd.qcut``) fail or give uneven
    bins when many customers share a value (frequency 1 for half of them), and a rank
    that followed row order would change with the export's sorting.

    Examples
    --------
    Frequencies 1,1,1,1,1,1,2,2,3,5 of C01..C10 score 1,1,2,2,3,3,4,4,5,5.
    """
    if not 2 <= bins <= 10:
        raise InputError(f"bins must be between 2 and 10, got {bins}")
    n = len(values)
    if n == 0:
        return pd.Series([], index=values.index, dtype="int64", name=values.name)
    key = values.to_numpy(dtype=float)
    if not higher_is_better:
        key = -key
    id_codes = pd.factorize(pd.Index(values.index), sort=True)[0]
    order = np.lexsort((id_codes, key))
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    return pd.Series(1 + position * bins // n, index=values.index, name=values.name)


def rfm_scores(
    transactions: pd.DataFrame, *, observation_end: object = None, bins: int = 5
) -> pd.DataFrame:
    """Recency, frequency and monetary value per customer, with their 1..``bins`` scores.

    ``recency_days`` is the number of days from the last purchase to the observation end
    (default: the last transaction date); ``frequency`` the number of days with a
    purchase (same-day orders merged, as in :func:`helpers.ltv.rfm_summary`);
    ``monetary`` the revenue over the window (refunds included). Recency is scored in
    reverse: the most recent customers score ``bins``.

    Returns
    -------
    DataFrame
        One row per customer: ``customer_id``, ``recency_days``, ``frequency``,
        ``monetary``, ``r_score``, ``f_score``, ``m_score``, ``rfm_score`` ("545").
    """
    _check_columns(transactions, "transactions", ("customer_id", "order_date", "amount"))
    summary, _, _ = _summarise(transactions, observation_end=observation_end, time_unit="days")
    return _scores_from_summary(summary, bins=bins)


def _scores_from_summary(summary: pd.DataFrame, *, bins: int) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "recency_days": (summary["T"] - summary["recency"]).astype("int64"),
            "frequency": (summary["frequency"] + 1).astype("int64"),
            "monetary": summary["revenue"],
        },
        index=summary.index,
    )
    out["r_score"] = quantile_scores(out["recency_days"], bins=bins, higher_is_better=False)
    out["f_score"] = quantile_scores(out["frequency"], bins=bins)
    out["m_score"] = quantile_scores(out["monetary"], bins=bins)
    out["rfm_score"] = (
        out["r_score"].astype(str) + out["f_score"].astype(str) + out["m_score"].astype(str)
    )
    return out.reset_index()


def validate_segment_rules(rules: pd.DataFrame, *, source: str = "segment rules") -> pd.DataFrame:
    """Check a segment rule table and return it clean (integer bounds, text action)."""
    _check_columns(rules, source, RULE_COLUMNS[:-1])
    out = rules.copy()
    if "action" not in out.columns:
        out["action"] = ""
    out = out[RULE_COLUMNS].reset_index(drop=True)
    out["action"] = out["action"].astype(object).where(out["action"].notna(), "").astype(str)
    out["segment"] = out["segment"].astype(str).str.strip()
    if (out["segment"] == "").any() or out["segment"].isna().any():
        raise ConfigError(f"{source}: every rule needs a segment name; row(s) with none found")
    bounds = RULE_COLUMNS[1:7]
    values = np.column_stack(
        [pd.to_numeric(out[c], errors="coerce").to_numpy(dtype=float) for c in bounds]
    ).reshape(len(out), len(bounds))
    with np.errstate(invalid="ignore"):
        bad_rows = np.isnan(values).any(axis=1) | (values % 1 != 0).any(axis=1)
        bad_rows |= ((values < 1) | (values > RULE_SCALE)).any(axis=1)
        bad_rows |= (values[:, 0::2] > values[:, 1::2]).any(axis=1)  # min > max
    if bad_rows.any():
        rows = (np.flatnonzero(bad_rows) + 1).tolist()
        raise ConfigError(
            f"{source}: rule row(s) {rows} must have whole-number bounds between 1 and "
            f"{RULE_SCALE} with min <= max (rules are written on a 1-{RULE_SCALE} scale)"
        )
    values = pd.DataFrame(values, columns=bounds)
    out[bounds] = values.astype("int64")
    return out


def load_segment_rules(
    path: str | Path | None = None, *, root: str | Path | None = None
) -> pd.DataFrame:
    """The segment rules: :data:`DEFAULT_SEGMENT_RULES`, or the engagement's CSV.

    ``path`` is ``customers.segment_rules`` from ``engagement.yaml``, relative to the
    engagement folder ``root``; the CSV has the columns of :data:`RULE_COLUMNS`, one rule
    per row in priority order.
    """
    if path is None:
        return DEFAULT_SEGMENT_RULES.copy()
    full = Path(root) / path if root is not None else Path(path)
    if not full.exists():
        raise ConfigError(
            f"customers.segment_rules: {full} not found; give a CSV path relative to the "
            "engagement folder, or remove the key to use the default rules"
        )
    return validate_segment_rules(pd.read_csv(full), source=str(full))


def assign_segments(
    scores: pd.DataFrame, *, rules: pd.DataFrame | None = None, bins: int = 5
) -> pd.Series:
    """The named segment of each customer: the first rule its (R, F, M) scores match.

    Scores on ``bins`` are projected onto the rules' 1-5 scale with
    ``ceil(score × 5 / bins)``. A customer no rule matches gets :data:`CATCH_ALL_SEGMENT`,
    so every customer lands in exactly one segment.
    """
    _check_columns(scores, "scores", ("r_score", "f_score", "m_score"))
    rules = validate_segment_rules(DEFAULT_SEGMENT_RULES if rules is None else rules)
    projected = {
        k: np.ceil(scores[f"{k}_score"].to_numpy(dtype=float) * RULE_SCALE / bins).astype(int)
        for k in ("r", "f", "m")
    }
    segment = np.full(len(scores), CATCH_ALL_SEGMENT, dtype=object)
    free = np.ones(len(scores), dtype=bool)
    for rule in rules.itertuples(index=False):
        match = free.copy()
        for k in ("r", "f", "m"):
            s = projected[k]
            match &= (s >= getattr(rule, f"{k}_min")) & (s <= getattr(rule, f"{k}_max"))
        segment[match] = rule.segment
        free &= ~match
    return pd.Series(segment, index=scores.index, name="segment", dtype="str")


def rfm(
    transactions: pd.DataFrame,
    *,
    observation_end: object = None,
    bins: int = 5,
    rules: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """RFM scores and named segment per customer (:func:`rfm_scores` + :func:`assign_segments`)."""
    out = rfm_scores(transactions, observation_end=observation_end, bins=bins)
    out["segment"] = assign_segments(out, rules=rules, bins=bins).to_numpy()
    return out


def rfm_from_summary(
    summary: pd.DataFrame, *, bins: int = 5, rules: pd.DataFrame | None = None
) -> pd.DataFrame:
    """:func:`rfm` from a per-customer summary in days (``frequency``, ``recency``,
    ``T``, ``revenue``, indexed by ``customer_id``), such as the DuckDB engine's
    (:meth:`helpers.engine.TransactionFile.rfm_summary` with ``revenue=True``)."""
    _check_columns(summary, "summary", ("frequency", "recency", "T", "revenue"))
    out = _scores_from_summary(summary, bins=bins)
    out["segment"] = assign_segments(out, rules=rules, bins=bins).to_numpy()
    return out


def rfm_segments(
    rfm_table: pd.DataFrame, *, rules: pd.DataFrame | None = None, language: str = "en"
) -> pd.DataFrame:
    """Per segment: customers, revenue share, mean R/F/M and the action it calls for.

    Segments come in the rules' priority order; those with no customer are left out.
    """
    _check_columns(
        rfm_table,
        "rfm",
        (
            "customer_id",
            "segment",
            "recency_days",
            "frequency",
            "monetary",
            "r_score",
            "f_score",
            "m_score",
        ),
    )
    rules = validate_segment_rules(DEFAULT_SEGMENT_RULES if rules is None else rules)
    table = rfm_table.groupby("segment").agg(
        customers=("customer_id", "size"),
        revenue=("monetary", "sum"),
        recency_days_mean=("recency_days", "mean"),
        frequency_mean=("frequency", "mean"),
        monetary_mean=("monetary", "mean"),
        r_mean=("r_score", "mean"),
        f_mean=("f_score", "mean"),
        m_mean=("m_score", "mean"),
    )
    order = list(dict.fromkeys([*rules["segment"], CATCH_ALL_SEGMENT]))
    table = table.reindex([s for s in order if s in table.index])
    table["customer_share"] = table["customers"] / table["customers"].sum()
    total_revenue = table["revenue"].sum()
    table["revenue_share"] = table["revenue"] / total_revenue if total_revenue else 0.0
    actions = dict(zip(rules["segment"], rules["action"], strict=True))
    defaults = dict(
        zip(DEFAULT_SEGMENT_RULES["segment"], DEFAULT_SEGMENT_RULES["action"], strict=True)
    )
    actions.setdefault(CATCH_ALL_SEGMENT, CATCH_ALL_ACTION)
    defaults[CATCH_ALL_SEGMENT] = CATCH_ALL_ACTION

    def action(seg: str) -> str:
        text = actions.get(seg, "")
        if language == "fr" and text == defaults.get(seg):
            return SEGMENT_ACTIONS_FR[seg]
        return text

    table = table.reset_index()
    table.insert(1, "label", [segment_label(s, language) for s in table["segment"]])
    table["action"] = [action(s) for s in table["segment"]]
    table["customers"] = table["customers"].astype("int64")
    return table[
        [
            "segment",
            "label",
            "customers",
            "customer_share",
            "revenue",
            "revenue_share",
            "recency_days_mean",
            "frequency_mean",
            "monetary_mean",
            "r_mean",
            "f_mean",
            "m_mean",
            "action",
        ]
    ]


def rfm_finding(segments: pd.DataFrame, *, language: str = "en") -> str:
    """A headline: the segment bringing the largest share of revenue, and its weight."""
    top = segments.sort_values("revenue_share", ascending=False).iloc[0]
    return label(LABELS, "rfm_finding", language).format(
        seg=top["label"],
        cust=format_percent(float(top["customer_share"]), language),
        rev=format_percent(float(top["revenue_share"]), language),
    )


def plot_rfm_segments(
    segments: pd.DataFrame, *, language: str = "en", ax: Axes | None = None
) -> Axes:
    """Share of customers vs share of revenue per RFM segment."""
    _check_columns(segments, "rfm_segments", ("label", "customer_share", "revenue_share"))
    ax = get_ax(ax)
    rows = segments.iloc[::-1]
    pos = np.arange(len(rows))
    height = 0.4
    ax.barh(
        pos + height / 2,
        rows["customer_share"],
        height,
        color=NEUTRAL_COLOR,
        label=label(LABELS, "customer_share", language),
    )
    ax.barh(
        pos - height / 2,
        rows["revenue_share"],
        height,
        color=CLIENT_COLOR,
        label=label(LABELS, "revenue_share", language),
    )
    ax.set_yticks(pos, rows["label"].tolist())
    ax.xaxis.set_major_formatter(percent_formatter(language))
    top = segments.sort_values("revenue_share", ascending=False).iloc[0]
    ax.set(
        title=label(LABELS, "rfm_title", language).format(
            seg=top["label"],
            cust=format_percent(float(top["customer_share"]), language),
            rev=format_percent(float(top["revenue_share"]), language),
        ),
        xlabel="",
        ylabel="",
    )
    ax.legend(loc="lower right")
    return localise_axes(ax, language)


# ---- personas --------------------------------------------------------------------------
#: Mix features (category, channel) keep the largest levels by revenue; the rest is "other".
MAX_MIX_LEVELS = 6
#: Customers used to choose k by silhouette (a deterministic sample above this).
SILHOUETTE_SAMPLE = 5000
KMEANS_N_INIT = 4
#: A trait counts in a persona's name when its cluster mean is this many SDs from average.
TRAIT_THRESHOLD = 0.25
#: Features describing intensity, logged before standardising (they are right-skewed).
LOG_FEATURES = ("orders", "basket", "tenure_days", "recency_days")

#: (high, low) words for each numeric feature, used to name personas.
TRAIT_WORDS = {
    "en": {
        "orders": ("Frequent", "Occasional"),
        "basket": ("Big-basket", "Small-basket"),
        "tenure_days": ("Long-standing", "New"),
        "recency_days": ("Lapsed", "Recently active"),
        "discount_rate": ("Discount-driven", "Full-price"),
    },
    "fr": {
        "orders": ("fréquents", "occasionnels"),
        "basket": ("à gros panier", "à petit panier"),
        "tenure_days": ("de longue date", "récents"),
        "recency_days": ("inactifs", "actifs récemment"),
        "discount_rate": ("sensibles aux remises", "sans remise"),
    },
}


def _mix_shares(
    values: pd.Series, amounts: np.ndarray, position: np.ndarray, n: int, prefix: str
) -> pd.DataFrame:
    """Revenue share of each level per customer (top levels, the rest as "other")."""
    labels = values.astype(object).where(values.notna(), "unknown").astype(str).to_numpy()
    codes, levels = pd.factorize(labels, sort=True)
    positive = np.clip(amounts, 0, None)
    totals = np.bincount(codes, weights=positive, minlength=len(levels))
    ranked = sorted(range(len(levels)), key=lambda i: (-totals[i], levels[i]))
    keep = set(ranked[:MAX_MIX_LEVELS])
    names = sorted({levels[i] if i in keep else "other" for i in range(len(levels))})
    column_of = np.array(
        [names.index(levels[i] if i in keep else "other") for i in range(len(levels))]
    )
    cols = column_of[codes]
    matrix = np.bincount(
        position * len(names) + cols, weights=positive, minlength=n * len(names)
    ).reshape(n, len(names))
    row_total = matrix.sum(axis=1, keepdims=True)
    shares = np.divide(matrix, row_total, out=np.zeros_like(matrix), where=row_total > 0)
    return pd.DataFrame(shares, columns=[f"{prefix}{c}" for c in names])


def persona_features(transactions: pd.DataFrame, *, observation_end: object = None) -> pd.DataFrame:
    """Behavioural features per customer, from the columns the transactions have.

    Always: ``orders`` (days with a purchase), ``basket`` (revenue per order),
    ``tenure_days`` (first purchase to observation end), ``recency_days``. When present:
    ``discount_rate`` (discount / list price), ``share_category_<x>`` and
    ``share_channel_<x>`` (revenue mix over the top :data:`MAX_MIX_LEVELS` levels, the
    rest as "other"; refunds left out of the mix).
    """
    _check_columns(transactions, "transactions", ("customer_id", "order_date", "amount"))
    summary, row_position, in_window = _summarise(transactions, observation_end=observation_end)
    n = len(summary)
    position = row_position[in_window]
    amounts = transactions["amount"].to_numpy(dtype=float, na_value=0.0)[in_window]
    feats = pd.DataFrame(index=summary.index)
    feats["orders"] = summary["frequency"] + 1
    feats["basket"] = summary["revenue"] / feats["orders"]
    feats["tenure_days"] = summary["T"]
    feats["recency_days"] = summary["T"] - summary["recency"]
    if "discount" in transactions.columns and transactions["discount"].notna().any():
        discount = transactions["discount"].to_numpy(dtype=float, na_value=0.0)[in_window]
        total_discount = np.bincount(position, weights=discount, minlength=n)
        listed = summary["revenue"].to_numpy() + total_discount
        rate = np.divide(total_discount, listed, out=np.zeros(n), where=listed > 0)
        feats["discount_rate"] = np.clip(rate, 0, 1)
    for column, prefix in (("category", "share_category_"), ("channel", "share_channel_")):
        if column in transactions.columns and transactions[column].notna().any():
            values = transactions[column][in_window]
            shares = _mix_shares(values, amounts, position, n, prefix)
            for col in shares.columns:
                feats[col] = shares[col].to_numpy()
    return feats


def _standardise(features: pd.DataFrame) -> np.ndarray:
    values = features.astype(float).copy()
    for col in LOG_FEATURES:
        if col in values.columns:
            values[col] = np.log1p(values[col].clip(lower=0))
    x = values.to_numpy()
    constant = np.ptp(x, axis=0) == 0 if len(x) else np.ones(x.shape[1], dtype=bool)
    sd = np.where(constant, 1.0, x.std(axis=0))
    z = (x - x.mean(axis=0)) / sd
    z[:, constant] = 0.0  # a feature every customer shares says nothing about anyone
    return z


def _single_thread():
    """k-means on one thread: on small machines OpenMP's thread start-up costs more than it
    saves at these sizes (10x slower measured on 2 cores), and results are unchanged."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _sample_rows(n: int, size: int, seed: int) -> np.ndarray:
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def _silhouette_distances(x: np.ndarray) -> np.ndarray:
    """The distances between the rows of ``x`` that ``silhouette_score(x, labels)``
    computes, computed once for every k of a search.

    ``silhouette_score`` with ``metric="euclidean"`` reduces the chunks of
    ``pairwise_distances_chunked(x)`` (diagonal set to zero); given those same chunks as
    a precomputed matrix, it reduces the same numbers, so the scores are identical.
    """
    from sklearn.metrics import pairwise_distances_chunked

    chunks = list(pairwise_distances_chunked(x))
    return chunks[0] if len(chunks) == 1 else np.vstack(chunks)


def persona_k_scores(
    features: pd.DataFrame,
    *,
    k_range: tuple[int, int] = (3, 6),
    seed: int = 2026,
    sample_size: int = SILHOUETTE_SAMPLE,
) -> pd.DataFrame:
    """Silhouette score of k-means for each k in ``k_range`` (inclusive), on a
    deterministic sample of at most ``sample_size`` customers. Higher is better."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    lo, hi = k_range
    if not 2 <= lo <= hi:
        raise InputError(
            f"customers.persona_k must be (min, max) with 2 <= min <= max, got {k_range}"
        )
    x = _standardise(features)
    x = x[_sample_rows(len(x), sample_size, seed)]
    rows = []
    with _single_thread():
        distances = None
        for k in range(lo, hi + 1):
            if k >= len(x):
                break
            labels = KMeans(k, random_state=seed, n_init=KMEANS_N_INIT).fit_predict(x)
            if len(set(labels)) > 1:
                if distances is None:
                    distances = _silhouette_distances(x)
                score = silhouette_score(distances, labels, metric="precomputed")
            else:
                score = float("nan")
            rows.append((k, float(score)))
    if not rows:
        raise InputError(
            f"personas: {len(features)} customers are too few for {lo} clusters; lower "
            "customers.persona_k in engagement.yaml"
        )
    return pd.DataFrame(rows, columns=["k", "silhouette"])


def best_k(scores: pd.DataFrame) -> int:
    """The k with the highest silhouette (the smallest such k on ties)."""
    best = scores.sort_values(["silhouette", "k"], ascending=[False, True]).iloc[0]
    return int(best["k"])


def _trait_name(feature: str, language: str) -> str:
    text = label(LABELS, feature, language)
    for prefix, key in (("share_category_", "share_category"), ("share_channel_", "share_channel")):
        if feature.startswith(prefix):
            text = label(LABELS, key, language).format(x=feature.removeprefix(prefix))
    return text[:1].upper() + text[1:]


def _persona_name(z: pd.Series, language: str, depth: int = 1) -> str:
    """A readable name from a cluster's z-scores: adjectives from the strongest numeric
    traits, a noun from the strongest over-represented category or channel."""
    words = TRAIT_WORDS[language]
    numeric = z[[c for c in z.index if c in words]]
    numeric = numeric[numeric.abs() >= TRAIT_THRESHOLD]
    numeric = numeric.reindex(numeric.abs().sort_values(ascending=False, kind="stable").index)
    adjectives = [words[f][0 if v > 0 else 1] for f, v in numeric.iloc[:depth].items()]
    mix = z[[c for c in z.index if c.startswith(("share_channel_", "share_category_"))]]
    mix = mix[mix >= TRAIT_THRESHOLD].sort_values(ascending=False, kind="stable")
    if len(mix):
        level = mix.index[0].split("_", 2)[2]
        noun = label(LABELS, "buyers", language).format(x=level)
    else:
        noun = label(LABELS, "customers", language)
    if language == "fr":
        return " ".join([noun, *adjectives])
    if not adjectives:
        return noun[0].upper() + noun[1:]
    if not len(mix):
        noun = noun.lower()
    text = ", ".join(a.lower() for a in adjectives) + " " + noun
    return text[0].upper() + text[1:]


def assign_personas(
    features: pd.DataFrame,
    *,
    k: int,
    seed: int = 2026,
    names: Mapping[str, str] | None = None,
    language: str = "en",
) -> pd.DataFrame:
    """Cluster customers into ``k`` personas with k-means on standardised features.

    Clusters are numbered 1..k by size (largest first) so that the numbering does not
    depend on k-means' internal labels; each gets a default name from its distinctive
    traits, which ``names`` (``customers.persona_names``: default name or cluster number
    -> new name) may replace.

    Returns
    -------
    DataFrame
        ``customer_id``, ``cluster``, ``persona``.
    """
    from sklearn.cluster import KMeans

    if len(features) <= k:
        raise InputError(f"personas: {len(features)} customers cannot make {k} clusters")
    x = _standardise(features)
    with _single_thread():
        raw = KMeans(k, random_state=seed, n_init=KMEANS_N_INIT).fit_predict(x)
    sizes = np.bincount(raw, minlength=k)
    # number by size, then by centroid (feature by feature) for equal sizes, so the
    # numbering never depends on k-means' internal labels
    centroids = np.array(
        [x[raw == c].mean(axis=0) if sizes[c] else np.zeros(x.shape[1]) for c in range(k)]
    )
    order = np.lexsort((*centroids.T[::-1].round(9), -sizes))
    renumber = np.empty(k, dtype=int)
    renumber[order] = np.arange(1, k + 1)
    cluster = renumber[raw]
    z = pd.DataFrame(x, columns=features.columns).groupby(cluster).mean()
    default = {}
    for depth in (1, 2, 3):
        default = {c: _persona_name(z.loc[c], language, depth) for c in z.index}
        if len(set(default.values())) == len(default):
            break
    # names still shared after three traits: numbered in cluster order
    counts = pd.Series(default).value_counts()
    seen: dict[str, int] = {}
    for c in sorted(default):
        name = default[c]
        if counts[name] > 1:
            seen[name] = seen.get(name, 0) + 1
            default[c] = f"{name} ({seen[name]})"
    names = dict(names or {})
    final = {c: names.get(str(c), names.get(default[c], default[c])) for c in default}
    return pd.DataFrame(
        {
            "customer_id": features.index.to_numpy(),
            "cluster": cluster.astype("int64"),
            "persona": pd.array([final[c] for c in cluster], dtype="str"),
        }
    )


def persona_traits(features: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """Long table of each persona's mean per feature and its z-score vs all customers
    (cluster mean of the standardised feature), most distinctive first."""
    x = pd.DataFrame(_standardise(features), columns=features.columns, index=features.index)
    a = assignments.set_index("customer_id").reindex(features.index)
    key = [a["cluster"].to_numpy(), a["persona"].to_numpy()]
    z = x.groupby(key).mean().rename_axis(["cluster", "persona"])
    mean = features.groupby(key).mean().rename_axis(["cluster", "persona"])
    long = (
        z.stack()  # noqa: PD013 (a Series per (persona, feature) is what we want)
        .rename("z")
        .to_frame()
        .join(mean.stack().rename("mean"))  # noqa: PD013
        .rename_axis(["cluster", "persona", "feature"])
        .reset_index()
    )
    long["overall_mean"] = long["feature"].map(features.mean())
    long["abs_z"] = long["z"].abs()
    long = long.sort_values(["cluster", "abs_z"], ascending=[True, False], kind="stable")
    return long.drop(columns="abs_z").reset_index(drop=True)[
        ["cluster", "persona", "feature", "mean", "overall_mean", "z"]
    ]


def persona_profiles(
    features: pd.DataFrame,
    assignments: pd.DataFrame,
    *,
    n_traits: int = 3,
    language: str = "en",
) -> pd.DataFrame:
    """One row per persona: customers, share, mean features and its top traits in words."""
    a = assignments.set_index("customer_id").reindex(features.index)
    g = features.groupby([a["cluster"].to_numpy(), a["persona"].to_numpy()])
    table = g.mean().rename_axis(["cluster", "persona"])
    table.insert(0, "customers", g.size().astype("int64"))
    table.insert(1, "customer_share", table["customers"] / table["customers"].sum())
    traits = persona_traits(features, assignments)
    text = {}
    for cluster, rows in traits.groupby("cluster"):
        top = rows.head(n_traits)
        text[cluster] = "; ".join(
            f"{_trait_name(f, language)} {'+' if v >= 0 else '−'}{abs(v):.1f} sd"
            for f, v in zip(top["feature"], top["z"], strict=True)
        )
    table = table.reset_index()
    table["traits"] = table["cluster"].map(text)
    return table


def persona_rfm_crosstab(
    assignments: pd.DataFrame, rfm_table: pd.DataFrame, *, language: str = "en"
) -> pd.DataFrame:
    """Customers per persona (rows) and RFM segment (columns, display names)."""
    merged = assignments.merge(rfm_table[["customer_id", "segment"]], on="customer_id", how="inner")
    table = pd.crosstab(merged["persona"], merged["segment"])
    order = [
        s for s in [*DEFAULT_SEGMENT_RULES["segment"], CATCH_ALL_SEGMENT] if s in table.columns
    ]
    order += [s for s in table.columns if s not in order]
    table = table[order]
    table.columns = [segment_label(s, language) for s in table.columns]
    table.columns.name = None
    return table


def plot_persona_cards(
    traits: pd.DataFrame,
    assignments: pd.DataFrame,
    *,
    n_traits: int = 4,
    language: str = "en",
) -> Figure:
    """One card per persona: its size and its most distinctive traits (z-scores).

    A figure-level function: the layout of one panel per persona is the point.
    """
    clusters = sorted(traits["cluster"].unique())
    ncols = min(3, len(clusters))
    nrows = math.ceil(len(clusters) / ncols)
    fig, axes = new_figure(nrows, ncols, figsize=(4.2 * ncols, 2.8 * nrows), squeeze=False)
    sizes = assignments.groupby("cluster").size()
    total = sizes.sum()
    # the grid may have more panels than personas: the spare ones are hidden below
    for ax, cluster in zip(axes.flat, clusters, strict=False):
        rows = traits[traits["cluster"] == cluster].head(n_traits).iloc[::-1]
        colors = [PALETTE[2] if v >= 0 else BAD_COLOR for v in rows["z"]]
        ax.barh([_trait_name(f, language) for f in rows["feature"]], rows["z"], color=colors)
        ax.axvline(0, color=NEUTRAL_COLOR, linewidth=0.8)
        lim = max(1.0, float(rows["z"].abs().max()) * 1.15)
        ax.set_xlim(-lim, lim)
        ax.set(
            title=label(LABELS, "persona_card", language).format(
                name=rows["persona"].iloc[0],
                cust=format_number(int(sizes.get(cluster, 0)), language),
                share=format_percent(sizes.get(cluster, 0) / total, language),
            ),
            xlabel="",
        )
        ax.title.set_fontsize(10)
    for ax in list(axes.flat)[len(clusters) :]:
        ax.set_visible(False)
    fig.suptitle(label(LABELS, "persona_title", language), fontweight="bold", x=0.01, ha="left")
    return fig


# ---- customer journey ------------------------------------------------------------------
DEFAULT_STAGES = ("awareness", "consideration", "decision", "purchase", "retention")
ALL_CHANNELS = "all"
P90 = 0.9
SECONDS_PER_DAY = 86_400
FUNNEL_COLUMNS = [
    "channel",
    "step",
    "stage",
    "contacts",
    "conversion",
    "drop_off",
    "overall_conversion",
    "median_days",
    "p90_days",
]


def _stage_codes(stage: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes of the stage column and its distinct names, trimmed and lower-case
    (normalising the few distinct values, not every row)."""
    codes, uniques = pd.factorize(stage.to_numpy(dtype=object))
    return codes, [str(u).strip().lower() for u in uniques]


def journey_stages(journey: pd.DataFrame, stages: Sequence[str] | None = None) -> list[str]:
    """The funnel's stages: ``stages`` (config order) or the default order of those the
    data has, followed by unknown stages by decreasing number of events."""
    _check_columns(journey, "journey", ("contact_id", "stage", "event_date"))
    codes, names = _stage_codes(journey["stage"])
    counts = pd.Series(np.bincount(codes[codes >= 0], minlength=len(names)), index=names)
    counts = counts.groupby(level=0).sum()
    present = set(counts.index)
    if stages is not None:
        stages = [str(s).strip().lower() for s in stages]
        if not set(stages) & present:
            raise ConfigError(
                f"customers.journey_stages {stages} names no stage of the journey data "
                f"(found: {sorted(present)}); fix the list or the mapping"
            )
        return stages
    known = [s for s in DEFAULT_STAGES if s in present]
    extra = counts[~counts.index.isin(DEFAULT_STAGES)]
    extra = extra.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    return known + list(extra.index)


def funnel(journey: pd.DataFrame, *, stages: Sequence[str] | None = None) -> pd.DataFrame:
    """The journey funnel, overall (``channel == "all"``) and by entry channel.

    A contact *reaches* a stage when it has an event at that stage or at any later one
    (a purchase implies a decision, even when the CRM missed it), so counts never grow
    down the funnel. ``conversion`` is the share of the previous stage's contacts that
    reach this one, ``drop_off`` its complement, ``overall_conversion`` the share of the
    first stage. Days between stages are measured from the first event of the previous
    stage to the first event of this one, for contacts with both (negative gaps — data
    out of order — are left out). A contact's channel is the channel of its first event
    (where it entered the journey).

    Returns
    -------
    DataFrame
        Columns of :data:`FUNNEL_COLUMNS`; ``step`` is 1 for the first stage.
    """
    order = journey_stages(journey, stages)
    n_stages = len(order)
    stage_codes, names = _stage_codes(journey["stage"])
    rank_of_name = np.array([order.index(n) if n in order else -1 for n in names] + [-1])
    rank = rank_of_name[stage_codes]  # code -1 (empty stage) maps to the trailing -1
    keep = rank >= 0
    rank = rank[keep]
    contact, contacts = _factorize(journey["contact_id"][keep])
    n = len(contacts)
    day = pd.to_datetime(journey["event_date"]).to_numpy()[keep]
    day = day.astype("datetime64[s]").astype(np.int64) / SECONDS_PER_DAY
    # first date of each (contact, stage): sort by (contact, stage, date), take run starts
    key = contact.astype(np.int64) * n_stages + rank
    by_key = np.lexsort((day, key))
    starts = by_key[np.r_[True, key[by_key][1:] != key[by_key][:-1]]]
    dates = np.full(n * n_stages, np.nan)
    dates[key[starts]] = day[starts]
    dates = dates.reshape(n, n_stages)
    furthest = np.full(n, -1)
    np.maximum.at(furthest, contact, rank)
    groups = [(ALL_CHANNELS, np.ones(n, dtype=bool))]
    if "channel" in journey.columns:
        # entry channel: the channel of the contact's first event (by date, then stage)
        by_time = np.lexsort((rank, day, contact))
        firsts = by_time[np.r_[True, contact[by_time][1:] != contact[by_time][:-1]]]
        channel = journey["channel"].to_numpy(dtype=object)[keep][firsts]
        entry = pd.Series(channel).where(pd.notna(channel), "unknown").astype(str).to_numpy()
        groups += [(ch, entry == ch) for ch in sorted(set(entry))]
    rows = []
    for channel, mask in groups:
        reached_prev = None
        n_first = None
        for i, stage in enumerate(order):
            reached = mask & (furthest >= i)
            n = int(reached.sum())
            if i == 0:
                n_first = n
                conversion = np.nan
                med = p90 = np.nan
            else:
                conversion = n / reached_prev if reached_prev else np.nan
                gap = dates[mask, i] - dates[mask, i - 1]
                gap = gap[~np.isnan(gap) & (gap >= 0)]
                med = float(np.median(gap)) if len(gap) else np.nan
                p90 = float(np.quantile(gap, P90)) if len(gap) else np.nan
            rows.append(
                (
                    channel,
                    i + 1,
                    stage,
                    n,
                    conversion,
                    1 - conversion if not np.isnan(conversion) else np.nan,
                    n / n_first if n_first else np.nan,
                    med,
                    p90,
                )
            )
            reached_prev = n
    return pd.DataFrame(rows, columns=FUNNEL_COLUMNS)


def funnel_by_channel(funnel_table: pd.DataFrame, *, language: str = "en") -> pd.DataFrame:
    """Share of each channel's entrants reaching each stage: stages as rows (funnel
    order), channels as columns ("all" first, then by number of entrants)."""
    wide = funnel_table.pivot(  # noqa: PD010 (one value per cell: nothing to aggregate)
        index="stage", columns="channel", values="overall_conversion"
    )
    stages = funnel_table.sort_values("step")["stage"].unique()
    size = funnel_table[funnel_table["step"] == 1].set_index("channel")["contacts"]
    channels = [ALL_CHANNELS] + [
        c for c in size.drop(ALL_CHANNELS).sort_values(ascending=False, kind="stable").index
    ]
    wide = wide.loc[stages, channels]
    wide.index = [label(STAGE_LABELS, s, language) for s in wide.index]
    wide.index.name = None
    wide.columns.name = None
    return wide


def friction_points(funnel_table: pd.DataFrame, *, channel: str = ALL_CHANNELS) -> pd.DataFrame:
    """The funnel's steps ranked by drop-off and by delay (median days), worst first.

    ``friction_rank`` orders steps by the mean of the two ranks (drop-off first on ties).
    """
    rows = funnel_table[(funnel_table["channel"] == channel) & (funnel_table["step"] > 1)].copy()
    if rows.empty:
        return pd.DataFrame(
            columns=[
                "from_stage",
                "to_stage",
                "drop_off",
                "median_days",
                "p90_days",
                "drop_off_rank",
                "delay_rank",
                "friction_rank",
            ]
        )
    stages = funnel_table[funnel_table["channel"] == channel].set_index("step")["stage"]
    rows["from_stage"] = rows["step"].map(lambda s: stages[s - 1])
    rows["to_stage"] = rows["stage"]
    rows["drop_off_rank"] = rows["drop_off"].rank(ascending=False, method="min").astype("int64")
    rows["delay_rank"] = (
        rows["median_days"].rank(ascending=False, method="min").fillna(len(rows)).astype("int64")
    )
    score = (rows["drop_off_rank"] + rows["delay_rank"]) / 2
    rows = rows.assign(_score=score).sort_values(["_score", "drop_off_rank", "step"])
    rows["friction_rank"] = np.arange(1, len(rows) + 1)
    return rows[
        [
            "from_stage",
            "to_stage",
            "drop_off",
            "median_days",
            "p90_days",
            "drop_off_rank",
            "delay_rank",
            "friction_rank",
        ]
    ].reset_index(drop=True)


def plot_funnel(
    funnel_table: pd.DataFrame,
    *,
    channel: str = ALL_CHANNELS,
    language: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """The funnel of one channel: contacts per stage, with the step conversion."""
    ax = get_ax(ax)
    rows = funnel_table[funnel_table["channel"] == channel].sort_values("step")
    if rows.empty:
        raise InputError(f"funnel: no row for channel {channel!r}")
    names = [label(STAGE_LABELS, s, language) for s in rows["stage"]]
    pos = np.arange(len(rows))[::-1]
    ticks = [n[:1].upper() + n[1:] for n in names]
    bars = ax.barh(pos, rows["contacts"], color=CLIENT_COLOR)
    for bar, conv in zip(bars, rows["conversion"], strict=True):
        text = "" if np.isnan(conv) else f"  {format_percent(float(conv), language)}"
        ax.annotate(
            text, (bar.get_width(), bar.get_y() + bar.get_height() / 2), va="center", fontsize=9
        )
    ax.set_yticks(pos, ticks)
    steps = rows[rows["step"] > 1]
    worst = steps.sort_values("drop_off", ascending=False).iloc[0] if len(steps) else rows.iloc[0]
    prev = rows.set_index("step")["stage"].get(worst["step"] - 1, worst["stage"])
    step_text = (
        f"{label(STAGE_LABELS, prev, language)} → {label(STAGE_LABELS, worst['stage'], language)}"
    )
    ax.set(
        title=label(LABELS, "funnel_title", language).format(
            conv=format_percent(float(rows["overall_conversion"].iloc[-1]), language),
            stage=names[-1],
            step=step_text,
        ),
        xlabel=label(LABELS, "funnel_x", language),
        ylabel="",
    )
    return localise_axes(ax, language)


__all__ = [
    "CATCH_ALL_SEGMENT",
    "DEFAULT_SEGMENT_RULES",
    "DEFAULT_STAGES",
    "assign_personas",
    "assign_segments",
    "best_k",
    "friction_points",
    "funnel",
    "funnel_by_channel",
    "journey_stages",
    "load_segment_rules",
    "persona_features",
    "persona_k_scores",
    "persona_profiles",
    "persona_rfm_crosstab",
    "persona_traits",
    "plot_funnel",
    "plot_persona_cards",
    "plot_rfm_segments",
    "quantile_scores",
    "rfm",
    "rfm_finding",
    "rfm_from_summary",
    "rfm_scores",
    "rfm_segments",
    "segment_label",
    "validate_segment_rules",
]
