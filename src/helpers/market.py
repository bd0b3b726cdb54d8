"""External diagnostic: the market and the competition the client's strategy must face.

PESTEL ranks the macro-environment factors by impact × likelihood; strategic groups show
which competitors play the same game; the BCG matrix places the client's business units
by market growth and relative share; Porter's five forces rate how hard the industry
squeezes profits; benchmarking measures how far the client trails (or leads) the best
players on each commercial KPI.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.errors import InputError
from helpers.i18n import format_number, format_percent, label
from helpers.plots import (
    BAD_COLOR,
    CLIENT_COLOR,
    GOOD_COLOR,
    NEUTRAL_COLOR,
    PALETTE,
    get_ax,
    localise_axes,
    new_figure,
    percent_formatter,
)
from helpers.schema import BENCHMARK_AREAS, PESTEL_DIMENSIONS, PESTEL_HORIZONS, PORTER_FORCES

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Characters per line of a chart headline before it wraps.
HEADLINE_WIDTH = 70

# ---- constants ---------------------------------------------------------------------------
PESTEL_IMPACT_RANGE = (-5.0, 5.0)
PORTER_SCORE_RANGE = (1.0, 5.0)
#: Porter force levels: score below LOW is low, at or above HIGH is high.
PORTER_LOW, PORTER_HIGH = 2.5, 3.5
#: Default BCG splits (engagement.yaml thresholds.bcg_share / bcg_growth).
DEFAULT_BCG_SHARE = 1.0
DEFAULT_BCG_GROWTH = 0.10
BCG_QUADRANTS = ("star", "cash_cow", "question_mark", "dog")
BCG_COLORS = {
    "star": PALETTE[6],
    "cash_cow": GOOD_COLOR,
    "question_mark": PALETTE[7],
    "dog": BAD_COLOR,
}
#: Largest bubble of the BCG matrix, in points².
BCG_MAX_AREA = 4000.0
#: Candidate numbers of strategic groups when chosen by silhouette.
MAX_GROUPS = 5
#: Envelope of a strategic group: margin around each player (share of the axis range)
#: and points per margin ellipse.
ENVELOPE_PAD = 0.05
ENVELOPE_POINTS = 24
#: KMeans restarts (fixed so results only depend on the seed).
KMEANS_N_INIT = 10
DEFAULT_SEED = 2026

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "political": "Political",
        "economic": "Economic",
        "social": "Social",
        "technological": "Technological",
        "environmental": "Environmental",
        "legal": "Legal",
        "short-term": "Short-term",
        "structural": "Structural",
        "impact": "Impact (−5 to +5)",
        "likelihood": "Likelihood",
        "pestel_title": "Factor that matters most: {factor} ({sign})",
        "score": "Score = impact × likelihood",
        "pestel_heat_positive": "The environment is a net tailwind (net score {score})",
        "pestel_heat_negative": "The environment is a net headwind (net score {score})",
        "opportunity": "opportunity",
        "threat": "threat",
        "star": "Stars",
        "cash_cow": "Cash cows",
        "question_mark": "Question marks",
        "dog": "Dogs",
        "relative_share": "Relative market share (log scale, leader on the left)",
        "market_growth": "Market growth",
        "bcg_title": "{share} of revenue comes from {quadrant}",
        "group": "Group {n}",
        "groups_title": "{client} competes in a group of {n} players",
        "groups_title_alone": "{client} stands alone in its strategic group",
        "rivalry": "Rivalry",
        "new_entrants": "New entrants",
        "supplier_power": "Supplier power",
        "buyer_power": "Buyer power",
        "substitutes": "Substitutes",
        "porter_title": "Industry pressure {level} ({score}/5); strongest force: {force}",
        "low": "low",
        "medium": "moderate",
        "high": "high",
        "gap_axis": "Gap to the best player (positive: client better)",
        "gap_title": "Largest gap: {kpi}, {gap} vs the best",
        "gap_title_ahead": "The client leads or matches the best on every KPI",
        "prospecting": "Prospecting",
        "conversion": "Conversion",
        "retention": "Retention",
        "price": "Price",
        "service": "Service",
    },
    "fr": {
        "political": "Politique",
        "economic": "Économique",
        "social": "Social",
        "technological": "Technologique",
        "environmental": "Environnemental",
        "legal": "Légal",
        "short-term": "Court terme",
        "structural": "Structurel",
        "impact": "Impact (−5 à +5)",
        "likelihood": "Probabilité",
        "pestel_title": "Facteur le plus important : {factor} ({sign})",
        "score": "Score = impact × probabilité",
        "pestel_heat_positive": "L'environnement est globalement porteur (score net {score})",
        "pestel_heat_negative": "L'environnement est globalement défavorable (score net {score})",
        "opportunity": "opportunité",
        "threat": "menace",
        "star": "Vedettes",
        "cash_cow": "Vaches à lait",
        "question_mark": "Dilemmes",
        "dog": "Poids morts",
        "relative_share": "Part de marché relative (échelle log, leader à gauche)",
        "market_growth": "Croissance du marché",
        "bcg_title": "{share} du chiffre d'affaires vient des {quadrant}",
        "group": "Groupe {n}",
        "groups_title": "{client} est en concurrence dans un groupe de {n} acteurs",
        "groups_title_alone": "{client} est seul dans son groupe stratégique",
        "rivalry": "Rivalité",
        "new_entrants": "Nouveaux entrants",
        "supplier_power": "Pouvoir des fournisseurs",
        "buyer_power": "Pouvoir des clients",
        "substitutes": "Substituts",
        "porter_title": "Pression concurrentielle {level} ({score}/5) ; force principale : {force}",
        "low": "faible",
        "medium": "modérée",
        "high": "forte",
        "gap_axis": "Écart au meilleur acteur (positif : client meilleur)",
        "gap_title": "Écart le plus fort : {kpi}, {gap} par rapport au meilleur",
        "gap_title_ahead": "Le client est au niveau du meilleur sur tous les indicateurs",
        "prospecting": "Prospection",
        "conversion": "Conversion",
        "retention": "Fidélisation",
        "price": "Prix",
        "service": "Service",
    },
}


def _headline(text: str) -> str:
    """Wrap a chart headline so that it stays inside the figure."""
    return "\n".join(textwrap.wrap(text, width=HEADLINE_WIDTH)) if text else text


# ---- validation --------------------------------------------------------------------------
def _require(df: pd.DataFrame, columns: Iterable[str], *, what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{what}: expected a DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            f"{what}: missing column(s) {', '.join(missing)}; "
            f"found {', '.join(map(str, df.columns))}. "
            "Map them in engagement.yaml (data.<source>.columns) or fix the sheet."
        )


def _numeric(
    df: pd.DataFrame,
    column: str,
    *,
    what: str,
    key: str,
    lo: float | None = None,
    hi: float | None = None,
) -> pd.Series:
    values = pd.to_numeric(df[column], errors="coerce")
    bad = (
        values.isna()
        | (values < lo if lo is not None else False)
        | (values > hi if hi is not None else False)
    )
    if bad.any():
        found = ", ".join(
            f"{k}: {v!r}" for k, v in zip(df.loc[bad, key], df.loc[bad, column], strict=True)
        )
        rng = (
            f" from {lo:g} to {hi:g}"
            if lo is not None and hi is not None
            else (f" >= {lo:g}" if lo is not None else "")
        )
        raise InputError(f"{what}: {column} must be a number{rng}; found {found}")
    return values.astype(float)


def _allowed(df: pd.DataFrame, column: str, allowed: Sequence[str], *, what: str) -> pd.Series:
    values = df[column].astype(str).str.strip().str.lower()
    bad = sorted(set(values[~values.isin(allowed)]))
    if bad:
        raise InputError(
            f"{what}: {column} must be one of {', '.join(allowed)}; "
            f"found {', '.join(map(repr, bad))}"
        )
    return values


def _bool(df: pd.DataFrame, column: str, *, what: str) -> pd.Series:
    try:
        out = df[column].astype("boolean")
    except (TypeError, ValueError):
        raise InputError(
            f"{what}: {column} must be yes/no, found {df[column].unique()[:5].tolist()}"
        ) from None
    if out.isna().any():
        raise InputError(f"{what}: {column} has empty values; answer yes or no on every row")
    return out.astype(bool)


# ---- PESTEL ------------------------------------------------------------------------------
def pestel_scores(pestel: pd.DataFrame) -> pd.DataFrame:
    """Score each factor (impact × likelihood) and rank within its horizon.

    Returns
    -------
    DataFrame
        ``horizon``, ``rank`` (1 = largest ``|score|`` within the horizon), ``factor``,
        ``dimension``, ``impact``, ``likelihood``, ``score``, ``overall_rank``; sorted
        by horizon (short-term first) then rank. Ties keep the input order.
    """
    _require(pestel, ("factor", "dimension", "impact", "likelihood", "horizon"), what="pestel")
    p = pestel.copy()
    p["factor"] = p["factor"].astype(str)
    p["dimension"] = _allowed(p, "dimension", PESTEL_DIMENSIONS, what="pestel")
    p["horizon"] = _allowed(p, "horizon", PESTEL_HORIZONS, what="pestel")
    p["impact"] = _numeric(
        p,
        "impact",
        what="pestel",
        key="factor",
        lo=PESTEL_IMPACT_RANGE[0],
        hi=PESTEL_IMPACT_RANGE[1],
    )
    p["likelihood"] = _numeric(p, "likelihood", what="pestel", key="factor", lo=0, hi=1)
    p["score"] = p["impact"] * p["likelihood"]
    p["_abs"] = p["score"].abs()
    p["_pos"] = np.arange(len(p))
    p = p.sort_values(["_abs", "_pos"], ascending=[False, True], ignore_index=True)
    p["overall_rank"] = np.arange(1, len(p) + 1)
    horizon_order = {h: i for i, h in enumerate(PESTEL_HORIZONS)}
    p = p.assign(_h=p["horizon"].map(horizon_order)).sort_values(
        ["_h", "overall_rank"], ignore_index=True
    )
    p["rank"] = p.groupby("horizon").cumcount() + 1
    return p[
        ["horizon", "rank", "factor", "dimension", "impact", "likelihood", "score", "overall_rank"]
    ]


def plot_pestel(scores: pd.DataFrame, *, language: str = "en", ax: Axes | None = None) -> Axes:
    """Ranked factors: one bar per factor (impact × likelihood), short-term block first,
    then structural, each ranked by ``|score|``; colour = PESTEL dimension."""
    _require(
        scores, ("factor", "dimension", "score", "horizon", "overall_rank"), what="pestel scores"
    )
    order = {h: i for i, h in enumerate(PESTEL_HORIZONS)}
    d = scores.assign(_h=scores["horizon"].map(order), _a=scores["score"].abs())
    d = d.sort_values(["_h", "_a"], ascending=[True, False], ignore_index=True)
    ax = get_ax(ax, figsize=(11, max(4.0, 0.42 * len(d) + 1.5)))
    colors = {dim: PALETTE[i % len(PALETTE)] for i, dim in enumerate(PESTEL_DIMENSIONS)}
    y = np.arange(len(d))[::-1]
    ax.barh(y, d["score"], color=[colors[x] for x in d["dimension"]], height=0.7)
    ax.set_yticks(y)
    ax.set_yticklabels(d["factor"].tolist(), fontsize=9)
    ax.axvline(0, color=NEUTRAL_COLOR, linewidth=1)
    for horizon in PESTEL_HORIZONS:
        idx = np.flatnonzero(d["horizon"].to_numpy() == horizon)
        if idx.size == 0:
            continue
        top = y[idx].max()
        ax.text(
            1.0,
            top + 0.45,
            label(LABELS, horizon, language),
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="bottom",
            fontsize=10,
            fontweight="bold",
            color=NEUTRAL_COLOR,
        )
        if idx.min() > 0:
            ax.axhline(top + 0.5, color=NEUTRAL_COLOR, linewidth=0.8, linestyle="--")
    from matplotlib.patches import Patch

    present = [dim for dim in PESTEL_DIMENSIONS if (d["dimension"] == dim).any()]
    ax.legend(
        handles=[Patch(color=colors[x], label=label(LABELS, x, language)) for x in present],
        loc="center left",
        bbox_to_anchor=(1.0, 0.5),
    )
    title = ""
    if len(d):
        top_row = d.sort_values("overall_rank").iloc[0]
        sign = label(LABELS, "opportunity" if top_row["score"] >= 0 else "threat", language)
        title = label(LABELS, "pestel_title", language).format(factor=top_row["factor"], sign=sign)
    lim = max(1.0, float(d["_a"].max()) * 1.1) if len(d) else 1.0
    ax.set(
        title=_headline(title),
        xlabel=label(LABELS, "score", language),
        ylabel="",
        xlim=(-lim, lim),
        ylim=(-0.7, len(d) + 0.4),
    )
    return localise_axes(ax, language)


def plot_pestel_heatmap(
    scores: pd.DataFrame, *, language: str = "en", ax: Axes | None = None
) -> Axes:
    """Heatmap of the net score (sum of impact × likelihood) per dimension and horizon:
    green cells push the client forward, red cells hold it back."""
    import seaborn as sns

    _require(scores, ("dimension", "horizon", "score"), what="pestel scores")
    grid = scores.pivot_table(index="dimension", columns="horizon", values="score", aggfunc="sum")
    grid = grid.reindex(index=list(PESTEL_DIMENSIONS), columns=list(PESTEL_HORIZONS))
    ax = get_ax(ax, figsize=(8, 5))
    lim = max(1.0, float(np.nanmax(np.abs(grid.to_numpy()))) if grid.notna().any().any() else 1.0)
    annot = grid.map(lambda v: "" if pd.isna(v) else format_number(v, language, decimals=1))
    sns.heatmap(
        grid,
        ax=ax,
        cmap="RdYlGn",
        vmin=-lim,
        vmax=lim,
        annot=annot,
        fmt="",
        linewidths=1,
        linecolor="white",
        cbar_kws={"label": label(LABELS, "score", language)},
    )
    ax.set_yticklabels([label(LABELS, x, language) for x in grid.index], rotation=0)
    ax.set_xticklabels([label(LABELS, x, language) for x in grid.columns], rotation=0)
    net = grid.sum().sum()
    key = "pestel_heat_positive" if net >= 0 else "pestel_heat_negative"
    ax.grid(False)
    title = label(LABELS, key, language).format(score=format_number(net, language, decimals=1))
    ax.set(title=_headline(title), xlabel="", ylabel="")
    return localise_axes(ax, language)


# ---- strategic groups --------------------------------------------------------------------
def _numeric_columns(df: pd.DataFrame) -> list[str]:
    out = []
    for c in df.columns:
        if c in ("competitor", "is_client", "group"):
            continue
        if pd.to_numeric(df[c], errors="coerce").notna().all():
            out.append(str(c))
    return out


def _single_thread():
    """KMeans on one OpenMP thread: for a dozen players the threads' start-up and waits
    cost ~20 ms per restart on a busy 2-core machine (1 s for the silhouette search);
    the data fit in one chunk, so the clusters are the same."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def choose_group_count(x: np.ndarray, *, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Silhouette score of KMeans for k = 2 .. min(5, n - 1) on standardised points.

    Returns ``k``, ``silhouette``; the best k is the first with the highest score.
    """
    return _group_search(x, seed=seed)[0]


def _group_search(x: np.ndarray, *, seed: int) -> tuple[pd.DataFrame, dict[int, Any]]:
    """:func:`choose_group_count`'s scores and the fitted KMeans of each k, so that the
    chosen k's model is not fitted a second time (same data, same seed: same model)."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    n = len(x)
    if n < 3:
        raise InputError(
            f"strategic groups: {n} players cannot be clustered; give at least 3 or a group column"
        )
    rows = []
    models = {}
    with _single_thread():
        for k in range(2, min(MAX_GROUPS, n - 1) + 1):
            model = models[k] = KMeans(n_clusters=k, n_init=KMEANS_N_INIT, random_state=seed)
            labels = model.fit_predict(x)
            score = silhouette_score(x, labels) if len(set(labels)) > 1 else -1.0
            rows.append({"k": k, "silhouette": float(score)})
    return pd.DataFrame(rows), models


def strategic_groups(
    competitors: pd.DataFrame,
    *,
    dimensions: Sequence[str],
    k: int | None = None,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Competitors positioned on two strategic dimensions and grouped.

    Groups come from the ``group`` column when every player has one; otherwise KMeans
    on the two standardised dimensions (``random_state=seed``, fixed ``n_init``) with
    ``k`` groups, or the ``k`` with the best silhouette in 2..min(5, n-1). KMeans groups
    are numbered 1.. in order of their centre on the first dimension.

    Returns
    -------
    DataFrame
        ``competitor``, ``is_client``, ``revenue`` (NaN when not given), ``x``, ``y``
        (the two dimensions), ``group``, ``group_source`` (``"input"`` or ``"kmeans"``).
    """
    _require(competitors, ("competitor",), what="competitors")
    dims = list(dimensions)
    if len(dims) != 2:
        raise InputError(f"strategic groups: give exactly two dimensions, got {dims}")
    numeric = _numeric_columns(competitors)
    absent = [d for d in dims if d not in numeric]
    if absent:
        raise InputError(
            f"competitors: strategic dimension(s) {', '.join(absent)} not found or not numeric; "
            f"numeric columns available: {', '.join(numeric) or 'none'}. Set "
            "market.strategic_dimensions in engagement.yaml"
        )
    c = competitors.copy()
    out = pd.DataFrame(
        {
            "competitor": c["competitor"].astype(str),
            "is_client": _bool(c, "is_client", what="competitors") if "is_client" in c else False,
            "revenue": pd.to_numeric(c["revenue"], errors="coerce") if "revenue" in c else math.nan,
            "x": pd.to_numeric(c[dims[0]]).astype(float),
            "y": pd.to_numeric(c[dims[1]]).astype(float),
        }
    )
    given = c["group"] if "group" in c.columns else None
    if given is not None and given.notna().all() and (given.astype(str).str.strip() != "").all():
        out["group"] = given.astype(str).str.strip().to_numpy()
        out["group_source"] = "input"
        return out
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler

    xy = StandardScaler().fit_transform(out[["x", "y"]].to_numpy())
    n = len(out)
    if k is None:
        scores, models = _group_search(xy, seed=seed)
        k = int(scores.loc[scores["silhouette"].idxmax(), "k"])
        model = models[k]
    else:
        if not 1 <= k <= n:
            raise InputError(f"strategic groups: k must be between 1 and {n} players, got {k}")
        with _single_thread():
            model = KMeans(n_clusters=k, n_init=KMEANS_N_INIT, random_state=seed).fit(xy)
    order = np.argsort(model.cluster_centers_[:, 0], kind="stable")
    rename = {int(old): new + 1 for new, old in enumerate(order)}
    out["group"] = [str(rename[int(lbl)]) for lbl in model.labels_]
    out["group_source"] = "kmeans"
    return out


def plot_strategic_groups(
    groups: pd.DataFrame,
    *,
    dimensions: Sequence[str] = ("x", "y"),
    language: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """Map of the players with an envelope per group (the convex hull of a small ellipse
    around each player, so one or two players still get a visible shape); the client is
    highlighted and bubbles scale with revenue when it is known."""
    from matplotlib.patches import Polygon
    from scipy.spatial import ConvexHull

    _require(groups, ("competitor", "x", "y", "group"), what="strategic groups")
    ax = get_ax(ax, figsize=(10, 7))
    # envelope = convex hull of small ellipses around each player (rounded, never flat)
    rx = ENVELOPE_PAD * max(float(np.ptp(groups["x"])), 1e-9)
    ry = ENVELOPE_PAD * max(float(np.ptp(groups["y"])), 1e-9)
    theta = np.linspace(0, 2 * np.pi, ENVELOPE_POINTS, endpoint=False)
    ring = np.column_stack([rx * np.cos(theta), ry * np.sin(theta)])
    revenue = pd.to_numeric(groups.get("revenue", pd.Series(np.nan, index=groups.index)))
    if revenue.notna().any():
        size = (80 + 900 * revenue / revenue.max()).fillna(150)
    else:
        size = pd.Series(150.0, index=groups.index)
    group_names = sorted(groups["group"].astype(str).unique(), key=lambda g: (len(g), g))
    for i, g in enumerate(group_names):
        color = PALETTE[(i + 1) % len(PALETTE)]
        part = groups[groups["group"].astype(str) == g]
        pts = part[["x", "y"]].to_numpy(dtype=float)
        cloud = (pts[:, None, :] + ring[None, :, :]).reshape(-1, 2)
        poly = cloud[ConvexHull(cloud).vertices]
        name = label(LABELS, "group", language).format(n=g) if g.isdigit() else g
        ax.add_patch(
            Polygon(
                poly,
                closed=True,
                facecolor=color,
                alpha=0.12,
                edgecolor=color,
                linewidth=1.5,
                label=name,
            )
        )
        ax.scatter(
            part["x"], part["y"], s=size[part.index], color=color, edgecolor="white", zorder=3
        )
    is_client = (
        groups["is_client"].astype(bool)
        if "is_client" in groups
        else pd.Series(False, index=groups.index)
    )
    for r, client in zip(groups.itertuples(), is_client, strict=True):
        ax.annotate(
            r.competitor,
            (r.x, r.y),
            xytext=(7, 5),
            textcoords="offset points",
            fontsize=10 if client else 8.5,
            fontweight="bold" if client else "normal",
            color=CLIENT_COLOR if client else "black",
        )
    title = ""
    if is_client.any():
        client = groups[is_client].iloc[0]
        ax.scatter([client["x"]], [client["y"]], s=420, marker="*", color=CLIENT_COLOR, zorder=4)
        mates = int((groups["group"].astype(str) == str(client["group"])).sum())
        key = "groups_title" if mates > 1 else "groups_title_alone"
        title = label(LABELS, key, language).format(client=client["competitor"], n=mates)
    ax.autoscale_view()
    ax.margins(0.12)
    ax.legend(loc="best", fontsize=9)
    xname, yname = (str(d).replace("_", " ").capitalize() for d in dimensions)
    ax.set(title=_headline(title), xlabel=xname, ylabel=yname)
    return localise_axes(ax, language)


# ---- BCG ---------------------------------------------------------------------------------
def bcg_matrix(
    units: pd.DataFrame,
    *,
    growth_threshold: float = DEFAULT_BCG_GROWTH,
    share_threshold: float = DEFAULT_BCG_SHARE,
) -> pd.DataFrame:
    """Place each business unit in the growth-share matrix.

    ``relative_share = market_share / largest_competitor_share`` where
    ``largest_competitor_share`` is the share of the largest *other* player: above 1 the
    unit leads its market. High share means ``relative_share >= share_threshold``; high
    growth means ``market_growth >= growth_threshold`` (a unit on a line counts as high).

    Returns
    -------
    DataFrame
        ``unit``, ``revenue``, ``revenue_share``, ``market_growth``, ``market_share``,
        ``largest_competitor_share``, ``relative_share``, ``quadrant`` (star, cash_cow,
        question_mark, dog), in input order.
    """
    cols = ("unit", "revenue", "market_growth", "market_share", "largest_competitor_share")
    _require(units, cols, what="business_units")
    u = units.copy()
    u["unit"] = u["unit"].astype(str)
    u["revenue"] = _numeric(u, "revenue", what="business_units", key="unit", lo=0)
    u["market_growth"] = _numeric(u, "market_growth", what="business_units", key="unit")
    u["market_share"] = _numeric(u, "market_share", what="business_units", key="unit", lo=0, hi=1)
    u["largest_competitor_share"] = _numeric(
        u, "largest_competitor_share", what="business_units", key="unit", lo=0, hi=1
    )
    zero = u.loc[u["largest_competitor_share"] <= 0, "unit"].tolist()
    if zero:
        raise InputError(
            f"business_units: largest_competitor_share is 0 for {', '.join(zero)}; give the "
            "share of the largest other player in that market"
        )
    if (u["market_share"] <= 0).any():
        bad = u.loc[u["market_share"] <= 0, "unit"].tolist()
        raise InputError(
            f"business_units: market_share must be > 0 (log scale); found 0 for {', '.join(bad)}"
        )
    u["relative_share"] = u["market_share"] / u["largest_competitor_share"]
    high_share = u["relative_share"] >= share_threshold
    high_growth = u["market_growth"] >= growth_threshold
    u["quadrant"] = np.select(
        [high_share & high_growth, high_share & ~high_growth, ~high_share & high_growth],
        ["star", "cash_cow", "question_mark"],
        default="dog",
    )
    total = u["revenue"].sum()
    u["revenue_share"] = u["revenue"] / total if total > 0 else math.nan
    return u[
        [
            "unit",
            "revenue",
            "revenue_share",
            "market_growth",
            "market_share",
            "largest_competitor_share",
            "relative_share",
            "quadrant",
        ]
    ]


def plot_bcg(
    bcg: pd.DataFrame,
    *,
    growth_threshold: float = DEFAULT_BCG_GROWTH,
    share_threshold: float = DEFAULT_BCG_SHARE,
    language: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """The growth-share matrix: log x reversed (leaders on the left), bubble area
    proportional to revenue, quadrant names in the corners."""
    _require(bcg, ("unit", "revenue", "market_growth", "relative_share", "quadrant"), what="bcg")
    ax = get_ax(ax, figsize=(10, 7))
    rs = bcg["relative_share"].to_numpy(dtype=float)
    growth = bcg["market_growth"].to_numpy(dtype=float)
    lo = min(rs.min(), share_threshold) / 2
    hi = max(rs.max(), share_threshold) * 2
    area = (
        BCG_MAX_AREA
        * bcg["revenue"].to_numpy(dtype=float)
        / max(float(bcg["revenue"].max()), 1e-12)
    )
    colors = [BCG_COLORS[q] for q in bcg["quadrant"]]
    ax.scatter(rs, growth, s=area, c=colors, alpha=0.6, edgecolor="white", linewidth=1.5, zorder=3)
    for r in bcg.itertuples():
        ax.annotate(
            r.unit,
            (r.relative_share, r.market_growth),
            ha="center",
            va="center",
            fontsize=9,
            zorder=4,
        )
    ax.set_xscale("log")
    ax.set_xlim(hi, lo)  # reversed: high share on the left
    g_lo = min(growth.min(), growth_threshold) - 0.05
    g_hi = max(growth.max(), growth_threshold) + 0.05
    ax.set_ylim(g_lo, g_hi)
    ax.axvline(share_threshold, color=NEUTRAL_COLOR, linewidth=1.2)
    ax.axhline(growth_threshold, color=NEUTRAL_COLOR, linewidth=1.2)
    corners = {
        "star": (hi, g_hi, "left", "top"),
        "question_mark": (lo, g_hi, "right", "top"),
        "cash_cow": (hi, g_lo, "left", "bottom"),
        "dog": (lo, g_lo, "right", "bottom"),
    }
    for q, (x, y, ha, va) in corners.items():
        ax.text(
            x,
            y,
            " " + label(LABELS, q, language) + " ",
            ha=ha,
            va=va,
            fontsize=12,
            fontweight="bold",
            color=BCG_COLORS[q],
            alpha=0.9,
        )
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(
        FuncFormatter(
            lambda v, _p=None: (
                format_number(v, language, decimals=1) if v < 1 else format_number(v, language)
            )
        )
    )
    ax.yaxis.set_major_formatter(percent_formatter(language))
    by_q = bcg.groupby("quadrant")["revenue"].sum()
    top_q = str(by_q.idxmax())
    share = by_q.max() / by_q.sum() if by_q.sum() > 0 else math.nan
    title = label(LABELS, "bcg_title", language).format(
        share=format_percent(share, language), quadrant=label(LABELS, top_q, language).lower()
    )
    ax.set(
        title=_headline(title),
        xlabel=label(LABELS, "relative_share", language),
        ylabel=label(LABELS, "market_growth", language),
    )
    return localise_axes(ax, language)


# ---- Porter ------------------------------------------------------------------------------
def _porter_input(porter: pd.DataFrame) -> pd.DataFrame:
    _require(porter, ("force", "driver", "score"), what="porter")
    p = porter.copy()
    p["driver"] = p["driver"].astype(str)
    p["force"] = _allowed(p, "force", PORTER_FORCES, what="porter")
    p["score"] = _numeric(
        p, "score", what="porter", key="driver", lo=PORTER_SCORE_RANGE[0], hi=PORTER_SCORE_RANGE[1]
    )
    if "weight" in p.columns:
        w = pd.to_numeric(p["weight"], errors="coerce").fillna(1.0)
        if (w < 0).any():
            raise InputError("porter: weight must be >= 0 (empty means 1)")
        p["weight"] = w.astype(float)
    else:
        p["weight"] = 1.0
    zero = [f for f, g in p.groupby("force") if g["weight"].sum() <= 0]
    if zero:
        raise InputError(
            f"porter: every driver of {', '.join(zero)} has weight 0; give one a weight"
        )
    p["contribution"] = p["score"] * p["weight"]
    return p


def porter_forces(porter: pd.DataFrame) -> pd.DataFrame:
    """Score each force as the weighted mean of its drivers (weight empty or absent = 1).

    Returns
    -------
    DataFrame
        ``force`` (Porter's order), ``score``, ``level`` (low < 2.5 <= moderate < 3.5
        <= high), ``drivers``, ``top_driver`` (largest weight × score in the force).
        Forces without drivers are absent.
    """
    p = _porter_input(porter)
    rows = []
    for force in PORTER_FORCES:
        g = p[p["force"] == force]
        if g.empty:
            continue
        score = float(np.average(g["score"], weights=g["weight"]))
        top = g.sort_values("contribution", ascending=False, kind="stable").iloc[0]
        level = "low" if score < PORTER_LOW else ("high" if score >= PORTER_HIGH else "medium")
        rows.append(
            {
                "force": force,
                "score": score,
                "level": level,
                "drivers": len(g),
                "top_driver": top["driver"],
            }
        )
    return pd.DataFrame(rows)


def porter_intensity(forces: pd.DataFrame) -> float:
    """Overall intensity of competition: the plain mean of the force scores (1-5)."""
    _require(forces, ("force", "score"), what="porter forces")
    if forces.empty:
        raise InputError("porter forces: no force scored")
    return float(forces["score"].mean())


def porter_key_drivers(porter: pd.DataFrame, *, n: int = 3) -> pd.DataFrame:
    """The drivers that weigh most: ranked by weight × score, top ``n``
    (``force``, ``driver``, ``score``, ``weight``, ``contribution``)."""
    p = _porter_input(porter)
    p = p.sort_values("contribution", ascending=False, kind="stable", ignore_index=True)
    return p.head(n)[["force", "driver", "score", "weight", "contribution"]]


def plot_porter(forces: pd.DataFrame, *, language: str = "en", ax: Axes | None = None) -> Axes:
    """Radar of the five force scores on a 1-5 scale (needs a polar Axes; one is made
    when ``ax`` is None)."""
    _require(forces, ("force", "score"), what="porter forces")
    if ax is None:
        # a polar title must clear the angle labels: matplotlib's search places it
        _fig, ax = new_figure(
            figsize=(8.5, 7), subplot_kw={"projection": "polar"}, title_above_ticks=True
        )
    elif getattr(ax, "name", "") != "polar":
        raise InputError(
            "plot_porter: ax must be a polar Axes (subplot_kw={'projection': 'polar'})"
        )
    n = len(forces)
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    values = forces["score"].to_numpy(dtype=float)
    ax.set_theta_offset(np.pi / 2)  # first force at the top, clockwise
    ax.set_theta_direction(-1)
    ax.plot(
        np.append(angles, angles[0]), np.append(values, values[0]), color=CLIENT_COLOR, linewidth=2
    )
    ax.fill(
        np.append(angles, angles[0]), np.append(values, values[0]), color=CLIENT_COLOR, alpha=0.2
    )
    ax.set_xticks(angles)
    ax.set_xticklabels([label(LABELS, f, language) for f in forces["force"]])
    ax.tick_params(axis="x", pad=14)
    ax.set_ylim(0, PORTER_SCORE_RANGE[1])
    ax.set_yticks([1, 2, 3, 4, 5])
    ax.set_rlabel_position(180 / n)
    for a, v in zip(angles, values, strict=True):
        ax.text(
            a,
            v - 0.45,
            format_number(v, language, decimals=1),
            ha="center",
            va="center",
            fontsize=10,
            fontweight="bold",
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8},
        )
    intensity = float(values.mean())
    level = "low" if intensity < PORTER_LOW else ("high" if intensity >= PORTER_HIGH else "medium")
    strongest = forces.iloc[int(np.argmax(values))]["force"]
    title = label(LABELS, "porter_title", language).format(
        level=label(LABELS, level, language),
        score=format_number(intensity, language, decimals=1),
        force=label(LABELS, strongest, language).lower(),
    )
    ax.set_title(_headline(title), pad=24)
    return localise_axes(ax, language)


# ---- benchmarking ------------------------------------------------------------------------
def benchmark_gaps(benchmarks: pd.DataFrame) -> pd.DataFrame:
    """The client against the best and the median of the other players, per KPI.

    Gaps are oriented so that positive means the client does better: for a KPI where
    higher is better, ``gap = client - reference``; where lower is better,
    ``gap = reference - client``. Relative gaps divide by ``|reference|`` (NaN when it
    is 0). The best player is the best of the *other* players, so a client that leads
    shows a positive gap.

    Returns
    -------
    DataFrame
        ``area``, ``kpi``, ``unit``, ``higher_is_better``, ``client``, ``best``,
        ``best_player``, ``median``, ``gap_best``, ``gap_best_rel``, ``gap_median``,
        ``gap_median_rel``, ``players`` (other players), sorted by area then
        ``gap_best_rel`` (worst first).
    """
    _require(
        benchmarks,
        ("kpi", "area", "player", "value", "higher_is_better", "is_client"),
        what="benchmarks",
    )
    b = benchmarks.copy()
    b["kpi"] = b["kpi"].astype(str)
    b["player"] = b["player"].astype(str)
    b["area"] = _allowed(b, "area", BENCHMARK_AREAS, what="benchmarks")
    b["value"] = _numeric(b, "value", what="benchmarks", key="kpi")
    b["higher_is_better"] = _bool(b, "higher_is_better", what="benchmarks")
    b["is_client"] = _bool(b, "is_client", what="benchmarks")
    if "unit" not in b.columns:
        b["unit"] = ""
    b["unit"] = b["unit"].astype("string").fillna("").astype(str)
    rows = []
    problems = []
    for kpi, g in b.groupby("kpi", sort=False):
        client = g[g["is_client"]]
        others = g[~g["is_client"]]
        if len(client) != 1 or others.empty:
            problems.append(f"{kpi!r} ({len(client)} client row(s), {len(others)} other player(s))")
            continue
        directions, areas = g["higher_is_better"].to_numpy(), g["area"].to_numpy()
        if (directions != directions[0]).any() or (areas != areas[0]).any():
            problems.append(f"{kpi!r} (area or higher_is_better differ between players)")
            continue
        higher = bool(g["higher_is_better"].iloc[0])
        sign = 1.0 if higher else -1.0
        cv = float(client["value"].iloc[0])
        best_idx = others["value"].idxmax() if higher else others["value"].idxmin()
        best = float(others.loc[best_idx, "value"])
        median = float(others["value"].median())
        gap_best = sign * (cv - best)
        gap_median = sign * (cv - median)
        rows.append(
            {
                "area": g["area"].iloc[0],
                "kpi": kpi,
                "unit": client["unit"].iloc[0],
                "higher_is_better": higher,
                "client": cv,
                "best": best,
                "best_player": others.loc[best_idx, "player"],
                "median": median,
                "gap_best": gap_best,
                "gap_best_rel": gap_best / abs(best) if best != 0 else math.nan,
                "gap_median": gap_median,
                "gap_median_rel": gap_median / abs(median) if median != 0 else math.nan,
                "players": len(others),
            }
        )
    if problems:
        raise InputError(
            "benchmarks: each KPI needs exactly one client row and at least one other player, "
            "with one area and one direction; check " + "; ".join(problems)
        )
    out = pd.DataFrame(rows)
    area_order = {a: i for i, a in enumerate(BENCHMARK_AREAS)}
    return out.sort_values(
        ["area", "gap_best_rel"],
        key=lambda c: c.map(area_order) if c.name == "area" else c,
        ignore_index=True,
    )


def improvement_priorities(gaps: pd.DataFrame) -> pd.DataFrame:
    """Areas ranked by the mean relative gap to the best, worst first.

    Returns ``priority`` (1 = most urgent), ``area``, ``kpis``, ``gap_best_rel``,
    ``gap_median_rel`` (means over the area's KPIs), ``worst_kpi``.
    """
    _require(gaps, ("area", "kpi", "gap_best_rel", "gap_median_rel"), what="benchmark gaps")
    rows = []
    for area, g in gaps.groupby("area", sort=False):
        rows.append(
            {
                "area": area,
                "kpis": len(g),
                "gap_best_rel": float(g["gap_best_rel"].mean()),
                "gap_median_rel": float(g["gap_median_rel"].mean()),
                "worst_kpi": g.sort_values("gap_best_rel").iloc[0]["kpi"],
            }
        )
    out = pd.DataFrame(rows).sort_values(["gap_best_rel", "area"], ignore_index=True)
    out.insert(0, "priority", np.arange(1, len(out) + 1))
    return out


def plot_benchmark_gaps(
    gaps: pd.DataFrame, *, language: str = "en", ax: Axes | None = None
) -> Axes:
    """Relative gap to the best per KPI, grouped by area: red bars where the client
    trails, green where it leads."""
    _require(gaps, ("area", "kpi", "gap_best_rel"), what="benchmark gaps")
    ax = get_ax(ax, figsize=(10, max(4.0, 0.45 * len(gaps) + 1.5)))
    d = gaps.iloc[::-1]
    names = [
        f"{label(LABELS, a, language)} · {k}" for a, k in zip(d["area"], d["kpi"], strict=True)
    ]
    values = d["gap_best_rel"].to_numpy(dtype=float)
    ax.barh(names, values, color=[GOOD_COLOR if v >= 0 else BAD_COLOR for v in values])
    ax.axvline(0, color=NEUTRAL_COLOR, linewidth=1)
    ax.xaxis.set_major_formatter(percent_formatter(language))
    worst = gaps.loc[gaps["gap_best_rel"].idxmin()] if gaps["gap_best_rel"].notna().any() else None
    if worst is not None and worst["gap_best_rel"] < 0:
        title = label(LABELS, "gap_title", language).format(
            kpi=worst["kpi"], gap=format_percent(worst["gap_best_rel"], language)
        )
    else:
        title = label(LABELS, "gap_title_ahead", language)
    ax.set(title=_headline(title), xlabel=label(LABELS, "gap_axis", language), ylabel="")
    return localise_axes(ax, language)


__all__ = [
    "BCG_QUADRANTS",
    "LABELS",
    "bcg_matrix",
    "benchmark_gaps",
    "choose_group_count",
    "improvement_priorities",
    "pestel_scores",
    "plot_bcg",
    "plot_benchmark_gaps",
    "plot_pestel",
    "plot_pestel_heatmap",
    "plot_porter",
    "plot_strategic_groups",
    "porter_forces",
    "porter_intensity",
    "porter_key_drivers",
    "strategic_groups",
]
