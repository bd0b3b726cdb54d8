"""Value proposition: does the offer answer what each persona cares about, and how does it differ?

The value proposition canvas sets each persona's jobs, pains and gains against the offer's
products, pain relievers and gain creators, and measures the fit; the strategy canvas
(value curve) compares the client's offer with its competitors' on the factors the market
competes on; the positioning statement says it in one sentence.

Conventions
-----------
* **Fit score** = importance-weighted share of the persona's *pains and gains* that at
  least one offer element addresses. Jobs are listed and counted (``jobs_addressed``) but
  do not enter the score: a job is the context the customer is in, the canvas's fit is
  about relieving pains and creating gains.
* **Strategy canvas**: with the client's score ``c`` on a factor and the competitors'
  scores ``o``, the factor shows *no differentiation* when ``|c - o| <= tolerance`` for
  every competitor; the client *leads* when ``c > max(o) + tolerance``; it *lags* when
  ``c < median(o) - tolerance``; otherwise it is *in line*. The default tolerance is half
  a point on the 0-10 scale.
"""

from __future__ import annotations

import re
import textwrap
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.errors import InputError
from helpers.i18n import format_percent, label
from helpers.plots import (
    BAD_COLOR,
    CLIENT_COLOR,
    GOOD_COLOR,
    NEUTRAL_COLOR,
    PALETTE,
    get_ax,
    localise_axes,
)
from helpers.schema import POSITIONING_PARTS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Kinds of profile item that count in the fit score.
SCORED_KINDS = ("pain", "gain")
#: Half a point on the 0-10 strategy-canvas scale: closer than this is "the same".
DIFFERENTIATION_TOLERANCE = 0.5
#: Positions of the client on a strategy-canvas factor.
POSITIONS = ("leads", "no differentiation", "in line", "lags")
_ID_SPLIT = re.compile(r"[,;]")
#: Light red of the unaddressed share (opaque, so that grid lines stay behind it).
GAP_COLOR = "#eec1bc"
#: Characters per line of the canvas boxes.
_WRAP = 34

LABELS = {
    "en": {
        "fit_title": "Value proposition fit by persona",
        "fit_title_weakest": "Weakest fit: {persona}, {fit} of what matters addressed",
        "fit_x": "Importance-weighted share of pains and gains addressed",
        "addressed": "addressed",
        "gap": "gap",
        "profile_half": "Customer profile",
        "offer_half": "Offer",
        "canvas_title": "{persona}: {fit} of pains and gains addressed",
        "job": "Job",
        "pain": "Pain",
        "gain": "Gain",
        "product": "Product",
        "pain_reliever": "Pain reliever",
        "gain_creator": "Gain creator",
        "unused": "addresses nothing",
        "canvas_x": "Competing factors",
        "canvas_y": "Offering level (0-10)",
        "curve_title": "{client} leads on {leads} factor(s) and lags on {lags}",
        "template": (
            "For {target} who {need}, {offer} is a {category} that {benefit}, "
            "unlike {alternative}, because {proof}."
        ),
        "target": "target",
        "need": "need",
        "offer": "offer",
        "category": "category",
        "benefit": "benefit",
        "alternative": "alternative",
        "proof": "proof",
    },
    "fr": {
        "fit_title": "Adéquation de la proposition de valeur par persona",
        "fit_title_weakest": "Adéquation la plus faible : {persona}, {fit} de ce qui compte traité",
        "fit_x": "Part pondérée des problèmes et bénéfices traités",
        "addressed": "traité",
        "gap": "manque",
        "profile_half": "Profil client",
        "offer_half": "Offre",
        "canvas_title": "{persona} : {fit} des problèmes et bénéfices traités",
        "job": "Tâche",
        "pain": "Problème",
        "gain": "Bénéfice",
        "product": "Produit",
        "pain_reliever": "Solution",
        "gain_creator": "Créateur de gain",
        "unused": "ne répond à rien",
        "canvas_x": "Facteurs de concurrence",
        "canvas_y": "Niveau d'offre (0-10)",
        "curve_title": "{client} mène sur {leads} facteur(s) et décroche sur {lags}",
        "template": (
            "Pour {target} qui {need}, {offer} est un {category} qui {benefit}, "
            "contrairement à {alternative}, car {proof}."
        ),
        "target": "cible",
        "need": "besoin",
        "offer": "offre",
        "category": "catégorie",
        "benefit": "bénéfice",
        "alternative": "alternative",
        "proof": "preuve",
    },
}


# ---- value proposition canvas -----------------------------------------------------------
def _require(df: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            f"{what}: missing column(s) {', '.join(missing)} "
            f"(found: {', '.join(map(str, df.columns))}); load the sheet with eng.load() "
            "or map the columns in engagement.yaml"
        )


def _parse_ids(value: object) -> list[str]:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return []
    return [part.strip() for part in _ID_SPLIT.split(str(value)) if part.strip()]


def offer_links(profile: pd.DataFrame, offer: pd.DataFrame) -> pd.DataFrame:
    """One row per offer element and profile item it addresses.

    Parameters
    ----------
    profile
        ``vp_profile``: persona, item_id, kind, item, importance.
    offer
        ``vp_offer``: element_id, kind, element, addresses (comma-separated item ids).

    Returns
    -------
    DataFrame
        element_id, item_id, persona.

    Raises
    ------
    InputError
        When an element addresses an item id that is not in the profile (the message
        names the element and the id).
    """
    _require(profile, ("persona", "item_id", "kind", "item", "importance"), "vp_profile")
    _require(offer, ("element_id", "kind", "element", "addresses"), "vp_offer")
    persona_of = dict(
        zip(profile["item_id"].astype(str), profile["persona"].astype(str), strict=True)
    )
    rows = []
    unknown = []
    for element_id, addresses in zip(
        offer["element_id"].astype(str), offer["addresses"], strict=True
    ):
        for item_id in _parse_ids(addresses):
            if item_id not in persona_of:
                unknown.append(f'element {element_id} addresses "{item_id}"')
                continue
            rows.append(
                {"element_id": element_id, "item_id": item_id, "persona": persona_of[item_id]}
            )
    if unknown:
        raise InputError(
            "vp_offer: unknown profile item id(s): "
            + "; ".join(unknown)
            + f" (known ids: {', '.join(sorted(persona_of))}); fix the addresses column"
        )
    return pd.DataFrame(rows, columns=["element_id", "item_id", "persona"]).drop_duplicates(
        ignore_index=True
    )


def _profile_with_flags(profile: pd.DataFrame, offer: pd.DataFrame) -> pd.DataFrame:
    links = offer_links(profile, offer)
    out = profile.copy()
    out["item_id"] = out["item_id"].astype(str)
    out["persona"] = out["persona"].astype(str)
    out["importance"] = out["importance"].astype(float)
    out["addressed"] = out["item_id"].isin(set(links["item_id"]))
    return out


def vp_fit(profile: pd.DataFrame, offer: pd.DataFrame) -> pd.DataFrame:
    """Fit score of the offer for each persona.

    Parameters
    ----------
    profile
        ``vp_profile`` (persona, item_id, kind, item, importance 1-5).
    offer
        ``vp_offer`` (element_id, kind, element, addresses).

    Returns
    -------
    DataFrame
        One row per persona (weakest fit first): persona, fit_score (0-1, NaN when the
        persona has no pain or gain), pains_addressed, pains_total, gains_addressed,
        gains_total, jobs_addressed, jobs_total (shown, not scored), weight_addressed,
        weight_total (sum of importances of pains and gains).

    Examples
    --------
    A persona with pains of importance 5 and 3 and a gain of importance 2, of which the
    offer addresses the pain of importance 5 and the gain: fit = (5 + 2) / (5 + 3 + 2) = 0.7.
    """
    flagged = _profile_with_flags(profile, offer)
    rows = []
    for persona, items in flagged.groupby("persona", sort=False):
        row: dict[str, object] = {"persona": persona}
        for kind in ("pain", "gain", "job"):
            of_kind = items[items["kind"] == kind]
            row[f"{kind}s_addressed"] = int(of_kind["addressed"].sum())
            row[f"{kind}s_total"] = len(of_kind)
        scored = items[items["kind"].isin(SCORED_KINDS)]
        total = float(scored["importance"].sum())
        done = float(scored.loc[scored["addressed"], "importance"].sum())
        row["weight_addressed"] = done
        row["weight_total"] = total
        row["fit_score"] = done / total if total > 0 else np.nan
        rows.append(row)
    columns = [
        "persona",
        "fit_score",
        "pains_addressed",
        "pains_total",
        "gains_addressed",
        "gains_total",
        "jobs_addressed",
        "jobs_total",
        "weight_addressed",
        "weight_total",
    ]
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["fit_score", "persona"], kind="stable", na_position="last").reset_index(
        drop=True
    )


def vp_gaps(profile: pd.DataFrame, offer: pd.DataFrame) -> pd.DataFrame:
    """The pains, gains and jobs no offer element addresses, most important first.

    Returns
    -------
    DataFrame
        persona, item_id, kind, item, importance, scored (whether it counts in the fit
        score: pains and gains do, jobs do not); sorted by importance (descending), then
        pains before gains before jobs, then persona and item id.
    """
    flagged = _profile_with_flags(profile, offer)
    gaps = flagged.loc[~flagged["addressed"], ["persona", "item_id", "kind", "item", "importance"]]
    gaps = gaps.assign(
        scored=gaps["kind"].isin(SCORED_KINDS),
        _kind_order=gaps["kind"].map({"pain": 0, "gain": 1, "job": 2}),
    )
    gaps = gaps.sort_values(
        ["importance", "_kind_order", "persona", "item_id"],
        ascending=[False, True, True, True],
        kind="stable",
    )
    return gaps.drop(columns="_kind_order").reset_index(drop=True)


def offer_coverage(profile: pd.DataFrame, offer: pd.DataFrame) -> pd.DataFrame:
    """What each offer element addresses; elements addressing nothing are flagged.

    Returns
    -------
    DataFrame
        element_id, kind, element, items_addressed (count), personas (comma-separated),
        addresses_nothing (bool).
    """
    links = offer_links(profile, offer)
    out = offer[["element_id", "kind", "element"]].copy()
    out["element_id"] = out["element_id"].astype(str)
    counts = links.groupby("element_id")["item_id"].nunique()
    personas = links.groupby("element_id")["persona"].agg(lambda s: ", ".join(dict.fromkeys(s)))
    out["items_addressed"] = out["element_id"].map(counts).fillna(0).astype(int)
    out["personas"] = out["element_id"].map(personas).fillna("")
    out["addresses_nothing"] = out["items_addressed"] == 0
    return out.reset_index(drop=True)


def fit_headline(fit: pd.DataFrame, *, language: str = "en") -> str:
    """The headline of :func:`vp_fit`: the persona the offer fits least, and how much."""
    scored = fit.dropna(subset=["fit_score"])
    if scored.empty:
        return label(LABELS, "fit_title", language)
    weakest = scored.sort_values("fit_score", kind="stable").iloc[0]
    return label(LABELS, "fit_title_weakest", language).format(
        persona=weakest["persona"], fit=format_percent(float(weakest["fit_score"]), language)
    )


def plot_vp_fit(fit: pd.DataFrame, *, language: str = "en", ax: Axes | None = None) -> Axes:
    """Horizontal bars per persona: share of pains and gains addressed, and the gap."""
    ax = get_ax(ax)
    data = fit.dropna(subset=["fit_score"]).sort_values("fit_score", ascending=False)
    y = np.arange(len(data))
    scores = data["fit_score"].to_numpy(float)
    ax.barh(y, scores, color=GOOD_COLOR, label=label(LABELS, "addressed", language))
    ax.barh(
        y,
        1 - scores,
        left=scores,
        color=GAP_COLOR,
        label=label(LABELS, "gap", language),
    )
    for yi, s in zip(y, scores, strict=True):
        ax.text(
            s / 2,
            yi,
            format_percent(s, language),
            ha="center",
            va="center",
            color="white",
            fontweight="bold",
        )
    ax.set_yticks(y, list(data["persona"]))
    ax.set(
        xlim=(0, 1),
        xlabel=label(LABELS, "fit_x", language),
        ylabel="",
        title=fit_headline(fit, language=language),
    )
    from helpers.plots import percent_formatter

    ax.xaxis.set_major_formatter(percent_formatter(language))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=2)
    return localise_axes(ax, language)


def plot_vp_canvas(
    profile: pd.DataFrame,
    offer: pd.DataFrame,
    *,
    persona: str,
    language: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """The canvas of one persona: the offer (left) linked to the customer profile (right).

    Profile items no element addresses are drawn in red; offer elements that address
    nothing at all are drawn in grey at the bottom of the offer half.
    """
    flagged = _profile_with_flags(profile, offer)
    items = flagged[flagged["persona"] == persona]
    if items.empty:
        known = ", ".join(dict.fromkeys(flagged["persona"]))
        raise InputError(f"plot_vp_canvas: unknown persona {persona!r} (known: {known})")
    links = offer_links(profile, offer)
    links = links[links["persona"] == persona]
    coverage = offer_coverage(profile, offer)
    shown = coverage[
        coverage["element_id"].isin(set(links["element_id"])) | coverage["addresses_nothing"]
    ]
    kind_order = {"job": 0, "pain": 1, "gain": 2}
    items = items.assign(_o=items["kind"].map(kind_order)).sort_values(
        ["_o", "importance"], ascending=[True, False], kind="stable"
    )
    offer_order = {"product": 0, "pain_reliever": 1, "gain_creator": 2}
    shown = shown.assign(_o=shown["kind"].map(offer_order), _u=shown["addresses_nothing"])
    shown = shown.sort_values(["_u", "_o"], kind="stable")

    height = max(len(items), len(shown))
    fig = ax.figure if ax is not None else None
    ax = get_ax(ax, figsize=(9.5, max(4.5, 0.55 * height + 1.5)) if fig is None else None)

    def ys(n: int) -> np.ndarray:
        return np.linspace(height - 0.5, 0.5, n) if n > 1 else np.array([height / 2])

    item_y = dict(zip(items["item_id"], ys(len(items)), strict=True))
    elem_y = dict(zip(shown["element_id"], ys(len(shown)), strict=True))
    kind_color = {"job": NEUTRAL_COLOR, "pain": PALETTE[1], "gain": GOOD_COLOR}
    for row in items.itertuples():
        color = kind_color[row.kind] if row.addressed else BAD_COLOR
        text = f"{label(LABELS, row.kind, language)} ({int(row.importance)}): {row.item}"
        ax.text(
            0.56,
            item_y[row.item_id],
            textwrap.fill(text, _WRAP),
            ha="left",
            va="center",
            fontsize=8,
            color="white" if not row.addressed else "black",
            bbox={
                "boxstyle": "round,pad=0.3",
                "fc": color if not row.addressed else "white",
                "ec": color,
                "lw": 1.5,
            },
        )
    for row in shown.itertuples():
        color = NEUTRAL_COLOR if row.addresses_nothing else CLIENT_COLOR
        text = f"{label(LABELS, row.kind, language)}: {row.element}"
        if row.addresses_nothing:
            text += f" ({label(LABELS, 'unused', language)})"
        ax.text(
            0.44,
            elem_y[row.element_id],
            textwrap.fill(text, _WRAP),
            ha="right",
            va="center",
            fontsize=8,
            color="white",
            bbox={"boxstyle": "round,pad=0.3", "fc": color, "ec": color},
        )
    for link in links.itertuples():
        ax.plot(
            [0.445, 0.555],
            [elem_y[link.element_id], item_y[link.item_id]],
            color=CLIENT_COLOR,
            lw=1,
            alpha=0.6,
        )
    ax.text(
        0.25, height + 0.3, label(LABELS, "offer_half", language), ha="center", fontweight="bold"
    )
    ax.text(
        0.75, height + 0.3, label(LABELS, "profile_half", language), ha="center", fontweight="bold"
    )
    scored = items[items["kind"].isin(SCORED_KINDS)]
    total = float(scored["importance"].sum())
    fit = float(scored.loc[scored["addressed"], "importance"].sum()) / total if total else np.nan
    ax.set(
        xlim=(0, 1),
        ylim=(-0.2, height + 0.8),
        xticks=[],
        yticks=[],
        title=label(LABELS, "canvas_title", language).format(
            persona=persona, fit=format_percent(fit, language)
        ),
    )
    ax.grid(False)
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    return localise_axes(ax, language)


# ---- strategy canvas --------------------------------------------------------------------
def _client_player(canvas: pd.DataFrame, client: str | None) -> str:
    if client is not None:
        if client not in set(canvas["player"].astype(str)):
            raise InputError(
                f"strategy_canvas: client {client!r} is not a player (players: "
                f"{', '.join(dict.fromkeys(canvas['player'].astype(str)))})"
            )
        return client
    if "is_client" not in canvas.columns:
        raise InputError(
            "strategy_canvas: no is_client column; mark the client's rows or pass client="
        )
    players = (
        canvas.loc[canvas["is_client"].fillna(False).astype(bool), "player"].astype(str).unique()
    )
    if len(players) != 1:
        raise InputError(
            f"strategy_canvas: is_client must mark exactly one player, found {len(players)} "
            f"({', '.join(players) or 'none'}); fix the is_client column or pass client="
        )
    return str(players[0])


def strategy_canvas(
    canvas: pd.DataFrame, *, client: str | None = None, tolerance: float = DIFFERENTIATION_TOLERANCE
) -> pd.DataFrame:
    """Where the client's value curve leads, lags or matches its competitors'.

    Parameters
    ----------
    canvas
        ``strategy_canvas`` sheet: factor, player, score (0-10), is_client.
    client
        The client's player name; default: the player marked ``is_client``.
    tolerance
        Scores closer than this (inclusive) count as equal.

    Returns
    -------
    DataFrame
        One row per factor, in the sheet's order: factor, client_score, competitor_min,
        competitor_median, competitor_max, gap_to_best (client minus best competitor),
        position (``leads``, ``no differentiation``, ``in line`` or ``lags``; see the module
        docstring for the rules).
    """
    _require(canvas, ("factor", "player", "score"), "strategy_canvas")
    if tolerance < 0:
        raise InputError(f"strategy_canvas: tolerance must be >= 0, got {tolerance}")
    name = _client_player(canvas, client)
    data = canvas.assign(player=canvas["player"].astype(str), score=canvas["score"].astype(float))
    twice = data[data.duplicated(["factor", "player"], keep=False)]
    if not twice.empty:
        pairs = ", ".join(
            dict.fromkeys(
                f"{f} / {p}" for f, p in zip(twice["factor"], twice["player"], strict=True)
            )
        )
        raise InputError(
            f"strategy_canvas: scored twice: {pairs}; keep one score per factor and player"
        )
    wide = data.pivot(index="factor", columns="player", values="score")  # noqa: PD010
    factors = list(dict.fromkeys(data["factor"]))
    wide = wide.reindex(factors)
    others = wide.drop(columns=name)
    if others.shape[1] == 0:
        raise InputError("strategy_canvas: no competitor scored; add at least one other player")
    missing = wide.index[wide.isna().any(axis=1)].tolist()
    if missing:
        raise InputError(
            f"strategy_canvas: factor(s) {', '.join(map(str, missing))} are not scored for every "
            "player; score every factor for every player"
        )
    client_score = wide[name]
    out = pd.DataFrame(
        {
            "factor": factors,
            "client_score": client_score.to_numpy(),
            "competitor_min": others.min(axis=1).to_numpy(),
            "competitor_median": others.median(axis=1).to_numpy(),
            "competitor_max": others.max(axis=1).to_numpy(),
        }
    )
    out["gap_to_best"] = out["client_score"] - out["competitor_max"]
    # small epsilon so that scores entered as 6.0 and 6.5 are "within 0.5" despite float error
    eps = 1e-9
    same = (others.sub(client_score, axis=0).abs() <= tolerance + eps).all(axis=1).to_numpy()
    leads = (out["client_score"] > out["competitor_max"] + tolerance + eps).to_numpy()
    lags = (out["client_score"] < out["competitor_median"] - tolerance - eps).to_numpy()
    out["position"] = np.select(
        [same, leads, lags], ["no differentiation", "leads", "lags"], default="in line"
    )
    return out


def canvas_headline(summary: pd.DataFrame, *, client: str, language: str = "en") -> str:
    """The headline of :func:`strategy_canvas`: on how many factors the client leads and lags."""
    n_leads = int((summary["position"] == "leads").sum())
    n_lags = int((summary["position"] == "lags").sum())
    return label(LABELS, "curve_title", language).format(client=client, leads=n_leads, lags=n_lags)


def plot_strategy_canvas(
    canvas: pd.DataFrame,
    *,
    client: str | None = None,
    tolerance: float = DIFFERENTIATION_TOLERANCE,
    language: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """The value curves: one line per player, the client's thick and in the house blue.

    Factors where the client leads are marked with a green dot, where it lags with a red
    one, and factors without differentiation are shaded.
    """
    name = _client_player(canvas, client)
    summary = strategy_canvas(canvas, client=name, tolerance=tolerance)
    factors = list(summary["factor"])
    x = np.arange(len(factors))
    ax = get_ax(ax, figsize=(max(9.0, 1.2 * len(factors)), 5.0))
    data = canvas.assign(player=canvas["player"].astype(str), score=canvas["score"].astype(float))
    others = [p for p in dict.fromkeys(data["player"]) if p != name]
    accents = [c for c in PALETTE if c != CLIENT_COLOR]
    for i, player in enumerate(others):
        s = data[data["player"] == player].set_index("factor")["score"].reindex(factors)
        ax.plot(
            x,
            s.to_numpy(),
            marker="o",
            lw=1.3,
            alpha=0.75,
            color=accents[i % len(accents)],
            label=player,
        )
    s = data[data["player"] == name].set_index("factor")["score"].reindex(factors)
    ax.plot(x, s.to_numpy(), marker="o", lw=3.2, color=CLIENT_COLOR, label=name, zorder=5)
    for xi, row in zip(x, summary.itertuples(), strict=True):
        if row.position == "no differentiation":
            ax.axvspan(xi - 0.35, xi + 0.35, color=NEUTRAL_COLOR, alpha=0.15, lw=0)
        elif row.position in ("leads", "lags"):
            ax.scatter(
                [xi],
                [row.client_score],
                s=180,
                zorder=6,
                facecolor="none",
                lw=2,
                edgecolor=GOOD_COLOR if row.position == "leads" else BAD_COLOR,
            )
    ax.set_xticks(x, [textwrap.fill(f, 14) for f in factors], fontsize=9)
    ax.set(
        ylim=(0, 10.5),
        xlabel=label(LABELS, "canvas_x", language),
        ylabel=label(LABELS, "canvas_y", language),
        title=canvas_headline(summary, client=name, language=language),
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
    return localise_axes(ax, language)


# ---- positioning ------------------------------------------------------------------------
def positioning_statement(
    positioning: pd.DataFrame, *, language: str = "en"
) -> tuple[str, list[str]]:
    """Assemble the positioning statement from the ``positioning`` sheet.

    The template is "For [target] who [need], [offer] is a [category] that [benefit],
    unlike [alternative], because [proof]." (French: "Pour [cible] qui [besoin], [offre]
    est un [catégorie] qui [bénéfice], contrairement à [alternative], car [preuve].").

    Parameters
    ----------
    positioning
        part (one of target, need, offer, category, benefit, alternative, proof), text.
    language
        ``en`` or ``fr``.

    Returns
    -------
    tuple
        The statement, with a bracketed placeholder (in the language) for each missing
        part, and the list of missing parts (canonical names, in template order). A part
        is missing when its row is absent or its text empty.
    """
    _require(positioning, ("part", "text"), "positioning")
    unknown = sorted(set(positioning["part"].astype(str)) - set(POSITIONING_PARTS))
    if unknown:
        raise InputError(
            f"positioning: unknown part(s) {', '.join(unknown)}; use {', '.join(POSITIONING_PARTS)}"
        )
    texts: dict[str, str] = {}
    for part, text in zip(positioning["part"].astype(str), positioning["text"], strict=True):
        if text is None or text is pd.NA or (isinstance(text, float) and np.isnan(text)):
            continue
        text = str(text).strip()
        if text:
            texts[part] = text
    missing = [p for p in POSITIONING_PARTS if p not in texts]
    values = {p: texts.get(p, f"[{label(LABELS, p, language)}]") for p in POSITIONING_PARTS}
    statement = label(LABELS, "template", language).format(**values)
    return statement, missing


__all__ = [
    "DIFFERENTIATION_TOLERANCE",
    "LABELS",
    "canvas_headline",
    "fit_headline",
    "offer_coverage",
    "offer_links",
    "plot_strategy_canvas",
    "plot_vp_canvas",
    "plot_vp_fit",
    "positioning_statement",
    "strategy_canvas",
    "vp_fit",
    "vp_gaps",
]
