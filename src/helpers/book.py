"""The client report of a run: one self-contained HTML file to send or print.

A run leaves one page per notebook; the client receives one document. :func:`build_report`
assembles ``<run>/report.html`` from the executed notebooks: a cover (client, engagement,
period, date of the run), a table of contents, an executive summary made of the findings
the notebooks declared (never typed by hand), the data warnings and skipped sections, then
every chapter with its code hidden. The file embeds its images and styles and loads
nothing from anywhere, so it opens offline and can be e-mailed; a browser's "print to
PDF" gives one chapter per page.

Narrative cells can be written in both languages: a cell tagged ``lang-en`` or
``lang-fr`` only appears in reports in that language, untagged cells in every report.
"""

from __future__ import annotations

import base64
import html
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import nbformat

from helpers.i18n import (
    check_language,
    format_date,
    label,
    localise_tables,
    note_text,
    translate,
)
from helpers.plots import FONT_FAMILY, PALETTE

REPORT_FILE = "report.html"
#: prefix of the cell tags choosing a narrative cell's language (``lang-en``, ``lang-fr``)
LANGUAGE_TAG_PREFIX = "lang-"
#: code cells whose output is a test check, not something a client should read
CHECK_CELL_MARKERS = ("# NBVAL_CHECK_OUTPUT",)
#: cells tagged with one of these never reach the client report
REPORT_HIDDEN_TAGS = frozenset({"parameters", "injected-parameters", "remove-cell", "report-hide"})
#: the tag papermill puts on its "execution stopped here" banner cells
PAPERMILL_BANNER_TAG = "papermill-error-cell-tag"
#: output representations in order of preference
MIME_ORDER = (
    "image/png",
    "image/jpeg",
    "image/svg+xml",
    "text/html",
    "text/markdown",
    "text/plain",
)
#: a bare object repr such as ``<Figure size 900x500 with 1 Axes>``, or a string's repr
#: (``'Revenue up 13%'``, what ``eng.finding`` returns): noise for a client
_REPR_NOISE = re.compile(
    r"""^(?:<(?:Figure|Axes|matplotlib|Text|AxesSubplot)\b[^\n]*>|'[^\n]*'|"[^\n]*")$"""
)
#: chapter titles for the table of contents and summary, by the notebook's name after NN_
CHAPTER_KEYS = (
    "diagnostic",
    "market",
    "objectives",
    "customers",
    "value_proposition",
    "allocation",
)
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Commercial strategy",
        "subtitle": "Diagnosis before action: findings and recommendations",
        "client": "Client",
        "engagement": "Engagement",
        "period": "Period analysed",
        "period_open": "from {start}",
        "run_date": "Date",
        "run": "Run",
        "contents": "Contents",
        "summary": "Executive summary",
        "summary_empty": "No headline finding was declared in this run.",
        "notes": "Data warnings and skipped sections",
        "warnings": "Data warnings",
        "skipped": "Sections skipped",
        "skipped_item": "{section}: needs {needs}",
        "no_notes": "No data warning and no skipped section.",
        "back_to_top": "Contents",
        "chapter": "Chapter {number}",
        "diagnostic": "Diagnostic",
        "market": "Market and competition",
        "objectives": "Objectives",
        "customers": "Target customers",
        "value_proposition": "Value proposition",
        "allocation": "Allocation of resources",
        "months": "January February March April May June July August September October "
        "November December",
    },
    "fr": {
        "title": "Stratégie commerciale",
        "subtitle": "Diagnostiquer avant d'agir : constats et recommandations",
        "client": "Client",
        "engagement": "Mission",
        "period": "Période analysée",
        "period_open": "depuis {start}",
        "run_date": "Date",
        "run": "Exécution",
        "contents": "Sommaire",
        "summary": "Synthèse",
        "summary_empty": "Aucun constat clé n'a été déclaré dans cette exécution.",
        "notes": "Avertissements sur les données et sections non traitées",
        "warnings": "Avertissements sur les données",
        "skipped": "Sections non traitées",
        "skipped_item": "{section} : il faut {needs}",
        "no_notes": "Aucun avertissement et aucune section non traitée.",
        "back_to_top": "Sommaire",
        "chapter": "Chapitre {number}",
        "diagnostic": "Diagnostic",
        "market": "Marché et concurrence",
        "objectives": "Objectifs",
        "customers": "Clients cibles",
        "value_proposition": "Proposition de valeur",
        "allocation": "Allocation des ressources",
        "months": "janvier février mars avril mai juin juillet août septembre octobre "
        "novembre décembre",
    },
}


# ---- language of narrative cells ------------------------------------------------------------
def cell_languages(cell: Mapping[str, Any]) -> frozenset[str]:
    """The languages a cell is tagged for (``lang-fr`` -> ``{"fr"}``); empty when untagged."""
    tags = cell.get("metadata", {}).get("tags", []) or []
    return frozenset(
        t[len(LANGUAGE_TAG_PREFIX) :] for t in tags if str(t).startswith(LANGUAGE_TAG_PREFIX)
    )


def filter_language(nb: nbformat.NotebookNode, language: str) -> nbformat.NotebookNode:
    """A copy of ``nb`` keeping untagged cells and the cells tagged for ``language``.

    A cell tagged ``lang-en`` is left out of a French report and vice versa, so a report
    never mixes languages once the notebooks' narrative is tagged.
    """
    check_language(language)
    out = nbformat.from_dict(dict(nb))
    out.cells = [c for c in nb.cells if not cell_languages(c) or language in cell_languages(c)]
    return out


# ---- small text helpers ---------------------------------------------------------------------
def slugify(text: str) -> str:
    """An ASCII anchor from a heading.

    ``"1. Revenue « performance »"`` -> ``"1-revenue-performance"``.
    """
    plain = unicodedata.normalize("NFKD", re.sub(r"<[^>]+>", "", html.unescape(text)))
    ascii_text = plain.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or "section"


def _join(text: str | list[str]) -> str:
    return "".join(text) if isinstance(text, list) else str(text)


def format_month(value: str | date, language: str) -> str:
    """``"2024-01"`` -> ``"January 2024"`` / ``"janvier 2024"``."""
    if isinstance(value, date):
        year, month = value.year, value.month
    else:
        match = MONTH_PATTERN.match(str(value))
        if not match:
            return str(value)
        year, month = int(match.group(1)), int(match.group(2))
    names = label(LABELS, "months", language).split()
    return f"{names[month - 1]} {year}"


# ---- markdown -------------------------------------------------------------------------------
class _Anchors:
    """Unique element ids for the whole report."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, base: str) -> str:
        anchor, n = base, 2
        while anchor in self.used:
            anchor, n = f"{base}-{n}", n + 1
        self.used.add(anchor)
        return anchor


def _markdown_renderer(on_heading: Any) -> Any:
    import mistune

    class Renderer(mistune.HTMLRenderer):
        def heading(self, text: str, level: int, **attrs: Any) -> str:
            return on_heading(text, level)

    return mistune.create_markdown(
        renderer=Renderer(escape=False),
        plugins=["table", "strikethrough", "footnotes"],
    )


def markdown_to_html(text: str) -> str:
    """Markdown to HTML with headings kept at their level (no anchors)."""
    render = _markdown_renderer(lambda t, level: f"<h{level}>{t}</h{level}>\n")
    return str(render(text))


# ---- chapters -------------------------------------------------------------------------------
@dataclass
class Chapter:
    """One notebook as a chapter of the report."""

    name: str
    number: str
    anchor: str
    title: str
    toc_title: str
    sections: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""


def chapter_key(name: str) -> str:
    """``"04_customers"`` -> ``"customers"``."""
    return name[3:] if re.match(r"^\d{2}_", name) else name


def _is_hidden(cell: Mapping[str, Any]) -> bool:
    tags = set(cell.get("metadata", {}).get("tags", []) or [])
    if tags & REPORT_HIDDEN_TAGS or PAPERMILL_BANNER_TAG in tags:
        return True
    if cell.get("cell_type") == "code":
        source = _join(cell.get("source", "")).lstrip()
        return source.startswith(CHECK_CELL_MARKERS)
    return False


def _attachment_uris(cell: Mapping[str, Any], text: str) -> str:
    """Markdown ``attachment:name`` images become data URIs."""
    for name, bundle in (cell.get("attachments") or {}).items():
        for mime, data in bundle.items():
            if mime.startswith("image/"):
                uri = f"data:{mime};base64,{_join(data).strip()}"
                text = text.replace(f"attachment:{name}", uri)
                break
    return text


def _render_output(
    output: Mapping[str, Any], render_md: Any, language: str = "en", currency: str = "EUR"
) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        if output.get("name") == "stderr":
            return ""
        text = _join(output.get("text", ""))
        return f'<pre class="stream">{html.escape(text)}</pre>\n' if text.strip() else ""
    if kind == "error":
        text = f"{output.get('ename', '')}: {output.get('evalue', '')}"
        return f'<div class="error">{html.escape(text)}</div>\n'
    data = output.get("data") or {}
    for mime in MIME_ORDER:
        if mime not in data:
            continue
        value = data[mime]
        if mime in ("image/png", "image/jpeg"):
            payload = re.sub(r"\s+", "", _join(value))
            return (
                f'<figure class="chart"><img src="data:{mime};base64,{payload}" alt=""></figure>\n'
            )
        if mime == "image/svg+xml":
            svg = re.sub(r"^\s*<\?xml[^>]*>", "", _join(value))
            return f'<figure class="chart">{svg}</figure>\n'
        if mime == "text/html":
            tables = localise_tables(_join(value), language, currency=currency)
            return f'<div class="output">{tables}</div>\n'
        if mime == "text/markdown":
            return f'<div class="output note">{render_md(_join(value))}</div>\n'
        text = _join(value)
        if not text.strip() or _REPR_NOISE.match(text.strip()):
            return ""
        return f'<pre class="output">{html.escape(text)}</pre>\n'
    return ""


def render_chapter(
    nb: nbformat.NotebookNode,
    *,
    name: str,
    language: str,
    anchors: _Anchors | None = None,
    currency: str = "EUR",
) -> Chapter:
    """One executed, already sanitised notebook as a chapter: narrative and outputs only.

    Parameters and plumbing cells, check cells, stderr streams and code are left out; the
    notebook's ``#`` title becomes the chapter title, its ``##`` headings the sections
    listed in the table of contents. Tables read in the client's words, their money in
    ``currency`` (:func:`helpers.i18n.localise_tables`).
    """
    anchors = anchors or _Anchors()
    number = name[:2] if re.match(r"^\d{2}_", name) else ""
    anchor = anchors.make(f"ch-{slugify(name)}")
    key = chapter_key(name)
    toc_title = label(LABELS, key, language) if key in CHAPTER_KEYS else ""
    chapter = Chapter(name=name, number=number, anchor=anchor, title="", toc_title=toc_title)

    def on_heading(text: str, level: int) -> str:
        if level == 1 and not chapter.title:
            chapter.title = text
            return ""  # the chapter header shows it
        if level <= 2:
            section = anchors.make(f"{anchor}-{slugify(text)}")
            chapter.sections.append((section, text))
            return f'<h3 id="{section}">{text}</h3>\n'
        shifted = min(level + 1, 6)
        return f'<h{shifted} id="{anchors.make(f"{anchor}-{slugify(text)}")}">{text}</h{shifted}>\n'

    render_md = _markdown_renderer(on_heading)
    render_plain_md = _markdown_renderer(
        lambda t, level: f"<h{min(level + 2, 6)}>{t}</h{min(level + 2, 6)}>\n"
    )
    parts: list[str] = []
    for cell in filter_language(nb, language).cells:
        if _is_hidden(cell):
            continue
        if cell.cell_type == "markdown":
            text = _attachment_uris(cell, _join(cell.source))
            parts.append(f'<div class="text">{render_md(text)}</div>\n')
        elif cell.cell_type == "code":
            parts.extend(
                _render_output(o, render_plain_md, language, currency)
                for o in cell.get("outputs", [])
            )
    if not chapter.title:
        chapter.title = html.escape(toc_title or name)
    if not chapter.toc_title:
        chapter.toc_title = re.sub(r"<[^>]+>", "", chapter.title)
    chapter.body = "".join(p for p in parts if p)
    return chapter


# ---- the run --------------------------------------------------------------------------------
def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def run_notebooks(run_dir: Path, manifest: Mapping[str, Any]) -> list[tuple[str, Path]]:
    """The executed notebooks of a run, in run order: ``(name, path)``."""
    found: list[tuple[str, Path]] = []
    for entry in manifest.get("notebooks", []):
        rel = entry.get("executed_notebook") or f"notebooks/{entry.get('name')}.ipynb"
        path = run_dir / rel
        if entry.get("name") and path.exists():
            found.append((entry["name"], path))
    if not found:
        found = [(p.stem, p) for p in sorted((run_dir / "notebooks").glob("*.ipynb"))]
    return found


def run_notes(run_dir: Path, names: Sequence[str]) -> dict[str, dict[str, list[dict[str, str]]]]:
    """``notes/<notebook>.json`` of each notebook (warnings, skipped, findings)."""
    out = {}
    for name in names:
        notes = _read_json(run_dir / "notes" / f"{name}.json")
        out[name] = {k: list(notes.get(k, [])) for k in ("warnings", "skipped", "findings")}
    return out


def _period(run_dir: Path, engagement: Mapping[str, Any], language: str) -> str:
    start = engagement.get("period_start")
    if not start:
        return ""
    end = engagement.get("observation_end")
    if not end:
        months: list[str] = []
        for path in sorted((run_dir / "results").glob("*/monthly_revenue.csv")):
            lines = path.read_text(encoding="utf-8").splitlines()
            months += [ln.split(",", 1)[0] for ln in lines[1:] if MONTH_PATTERN.match(ln)]
        end = max(months) if months else None
    first = format_month(start, language)
    if not end:
        return label(LABELS, "period_open", language).format(start=first)
    return f"{first} – {format_month(str(end), language)}"


def _run_date(manifest: Mapping[str, Any], language: str) -> str:
    started = manifest.get("started")
    if not started:
        return ""
    try:
        moment = datetime.fromisoformat(str(started).replace("Z", "+00:00"))
    except ValueError:
        return str(started)
    return format_date(moment.date(), language)


# ---- assembling -----------------------------------------------------------------------------
def _css() -> str:
    blue, orange, green, red, *_rest, grey, _gold, _light = PALETTE
    return f"""
:root {{ --ink: #1d2530; --accent: {blue}; --contrast: {orange}; --good: {green};
  --bad: {red}; --muted: {grey}; --rule: #d9dee4; --paper: #ffffff; --tint: #f3f6f9; }}
* {{ box-sizing: border-box; }}
html {{ font-family: "{FONT_FAMILY}", Verdana, Arial, sans-serif; color: var(--ink);
  background: var(--paper); font-size: 15px; line-height: 1.5; }}
body {{ margin: 0 auto; max-width: 1000px; padding: 0 32px 64px; }}
h1, h2, h3, h4, h5 {{ color: var(--accent); line-height: 1.25; }}
h2 {{ font-size: 1.6rem; border-bottom: 3px solid var(--accent); padding-bottom: .2em; }}
h3 {{ font-size: 1.25rem; margin-top: 2em; }}
a {{ color: var(--accent); }}
.cover {{ min-height: 420px; display: flex; flex-direction: column; justify-content: center;
  border-left: 10px solid var(--accent); padding: 48px 40px; margin: 32px 0;
  background: var(--tint); }}
.cover .kicker {{ text-transform: uppercase; letter-spacing: .12em; color: var(--contrast);
  font-weight: bold; margin: 0; }}
.cover h1 {{ font-size: 2.6rem; margin: .2em 0 .1em; }}
.cover .subtitle {{ font-size: 1.15rem; color: var(--muted); margin: 0 0 1.5em; }}
.cover dl {{ display: grid; grid-template-columns: max-content 1fr; gap: .35em 1.5em; margin: 0; }}
.cover dt {{ color: var(--muted); }}
.cover dd {{ margin: 0; font-weight: bold; }}
.cover .run {{ color: var(--muted); font-size: .85rem; margin-top: 2em; }}
nav.toc ol {{ list-style: none; padding-left: 0; }}
nav.toc > ol > li {{ margin: .45em 0; font-weight: bold; }}
nav.toc ol ol {{ font-weight: normal; padding-left: 1.4em; }}
.summary ul {{ padding-left: 1.2em; }}
.summary li {{ margin: .35em 0; }}
.summary h3 {{ margin-top: 1.2em; font-size: 1.05rem; }}
.box {{ border: 1px solid var(--rule); border-left: 6px solid var(--contrast);
  background: #fffaf3; padding: 8px 20px; margin: 16px 0; }}
.box.ok {{ border-left-color: var(--good); background: var(--tint); }}
.box h3 {{ margin-top: .6em; font-size: 1.05rem; color: var(--ink); }}
.chapter-number {{ display: block; font-size: .9rem; color: var(--contrast);
  text-transform: uppercase; letter-spacing: .1em; }}
figure.chart {{ margin: 16px 0; text-align: center; break-inside: avoid; }}
figure.chart img, figure.chart svg {{ max-width: 100%; height: auto; }}
.output {{ overflow-x: auto; margin: 12px 0; }}
.output table, .text table {{ border-collapse: collapse; font-size: .85rem;
  font-variant-numeric: tabular-nums; break-inside: avoid; }}
.output th, .output td, .text th, .text td {{ border: none; border-bottom: 1px solid var(--rule);
  padding: 4px 10px; text-align: right; }}
.output th, .text th {{ background: var(--tint); color: var(--ink); }}
.output tbody tr:nth-child(even) {{ background: #fafbfc; }}
.output td:first-child, .output th:first-child {{ text-align: left; }}
.note blockquote, .text blockquote {{ border-left: 4px solid var(--contrast); margin: 12px 0;
  padding: 4px 16px; background: #fffaf3; }}
pre {{ white-space: pre-wrap; font-size: .85rem; background: var(--tint); padding: 8px 12px; }}
.error {{ color: var(--bad); font-weight: bold; }}
.image-alt {{ color: var(--muted); font-style: italic; }}
.to-top {{ position: fixed; right: 16px; bottom: 16px; background: var(--accent); color: #fff;
  padding: 6px 12px; border-radius: 4px; text-decoration: none; font-size: .85rem; }}
@media print {{
  html {{ font-size: 11pt; }}
  body {{ max-width: none; padding: 0; }}
  .to-top {{ display: none; }}
  .cover {{ min-height: 90vh; break-after: page; }}
  nav.toc {{ break-after: page; }}
  section.chapter {{ break-before: page; }}
  h2, h3 {{ break-after: avoid; }}
  figure.chart, table {{ break-inside: avoid; }}
  a {{ color: inherit; text-decoration: none; }}
}}
"""


#: the report loads nothing: only embedded images and its own styles are allowed
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"
)
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_LINK = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_IFRAME = re.compile(r"<(iframe|object|embed)\b[^>]*>(.*?</\1\s*>)?", re.IGNORECASE | re.DOTALL)
_REMOTE_ATTR = re.compile(
    r"""\s(src|srcset|poster|data|background)\s*=\s*(["'])(?!data:)[^"']*\2""", re.IGNORECASE
)
_REMOTE_IMG = re.compile(r"""<img\b(?![^>]*\ssrc\s*=\s*["']data:)[^>]*>""", re.IGNORECASE)
_ALT = re.compile(r"""\salt\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)
_CSS_REMOTE = re.compile(r"""@import\s+[^;]+;|url\(\s*(?!["']?(?:data:|#))[^)]*\)""", re.I)


#: where an embedded payload starts, and what it is made of
_BASE64_MARK = ";base64,"
_BASE64_CHARS = re.compile(r"[A-Za-z0-9+/=]*")
#: payloads shorter than this are left in place (not worth parking)
MIN_PARKED_PAYLOAD = 256
#: a parked payload is its number between two NUL characters
_PARK = "\x00"


def strip_remote(markup: str) -> str:
    """Remove what would make a browser fetch anything: scripts, linked stylesheets,
    frames, and every ``src``/``url()`` that is not an embedded ``data:`` URI. An image
    that is not embedded becomes its alternative text (never a broken image).

    The charts' base64 payloads are most of a report (megabytes) and the patterns would
    scan them character by character: each long payload is parked as ``\\x00<n>\\x00``
    while they run, then put back. The result is the same: the patterns' matches start
    on ``<``, ``@``, white space or ``url(`` and end on ``>``, a quote, ``;`` or ``)``,
    none of which a payload or a parked one holds, and every part of a pattern that can
    run across one (``[^>]*``, ``[^"']*``, ``[^;]+``, ``[^)]*``, ``.*?``) takes all its
    characters alike.
    """
    if _PARK in markup:  # a NUL of the report's own would be taken for a parked payload
        return _strip_remote(markup)
    pieces: list[str] = []
    payloads: list[str] = []
    pos = 0
    while (found := markup.find(_BASE64_MARK, pos)) >= 0:
        start = found + len(_BASE64_MARK)
        end = _BASE64_CHARS.match(markup, start).end()  # type: ignore[union-attr]
        if end - start >= MIN_PARKED_PAYLOAD:
            pieces.append(markup[pos:start])
            pieces.append(f"{_PARK}{len(payloads)}{_PARK}")
            payloads.append(markup[start:end])
        else:
            pieces.append(markup[pos:end])
        pos = end
    if not payloads:
        return _strip_remote(markup)
    pieces.append(markup[pos:])
    parts = _strip_remote("".join(pieces)).split(_PARK)
    parts[1::2] = [payloads[int(n)] for n in parts[1::2]]
    return "".join(parts)


def _strip_remote(markup: str) -> str:
    """:func:`strip_remote` on the whole markup."""

    def alt_text(match: re.Match[str]) -> str:
        alt = _ALT.search(match.group(0))
        return f'<span class="image-alt">{alt.group(2)}</span>' if alt and alt.group(2) else ""

    markup = _SCRIPT.sub("", markup)
    markup = _REMOTE_IMG.sub(alt_text, markup)
    markup = _LINK.sub("", markup)
    markup = _IFRAME.sub("", markup)
    markup = _REMOTE_ATTR.sub("", markup)
    return _CSS_REMOTE.sub("none", markup)


def build_report(run_dir: str | Path, *, sanitiser: Any = None) -> Path:
    """Write ``<run>/report.html``, the client's report of one run, and return its path.

    Parameters
    ----------
    run_dir
        A run folder (``reports/<run-id>``) holding ``manifest.json``, the executed
        notebooks and their notes.
    sanitiser
        A :class:`helpers.report.Sanitiser`; default: the run's own (engagement and run
        folders, Python, home folder, user name and environment values are scrubbed).

    Returns
    -------
    Path
        ``<run>/report.html``.

    Raises
    ------
    RunError
        ``run_dir`` is not a run folder or holds no executed notebook.
    """
    from helpers.errors import RunError
    from helpers.report import Sanitiser, sanitise_notebook

    run_dir = Path(run_dir)
    manifest = _read_json(run_dir / "manifest.json")
    if not manifest:
        raise RunError(
            f"{run_dir}: no readable manifest.json; give a run folder (reports/<run-id>)"
        )
    notebooks = run_notebooks(run_dir, manifest)
    if not notebooks:
        raise RunError(f"{run_dir}: no executed notebook in notebooks/; nothing to report")
    engagement = manifest.get("engagement") or {}
    language = engagement.get("language", "en")
    check_language(language)
    currency = engagement.get("currency") or "EUR"
    if sanitiser is None:
        root = run_dir.resolve().parent.parent
        sanitiser = Sanitiser.for_run(engagement_dir=root, run_dir=run_dir)

    def text(value: Any) -> str:
        return html.escape(sanitiser(str(value)))

    def lab(key: str) -> str:
        return html.escape(label(LABELS, key, language))

    anchors = _Anchors()
    for fixed in ("top", "contents", "summary", "notes"):
        anchors.make(fixed)
    chapters = []
    for name, path in notebooks:
        nb = nbformat.read(str(path), as_version=4)
        clean = sanitise_notebook(nb, sanitiser, client=True)
        chapters.append(
            render_chapter(clean, name=name, language=language, anchors=anchors, currency=currency)
        )
    notes = run_notes(run_dir, [name for name, _ in notebooks])
    titles = {c.name: c for c in chapters}

    # cover
    cover_rows = [
        ("client", text(engagement.get("client_name", ""))),
        ("engagement", text(engagement.get("engagement_slug", ""))),
        ("period", html.escape(_period(run_dir, engagement, language))),
        ("run_date", html.escape(_run_date(manifest, language))),
    ]
    cover = (
        '<header class="cover" id="top">\n'
        f'<p class="kicker">{text(engagement.get("client_name", ""))}</p>\n'
        f"<h1>{lab('title')}</h1>\n"
        f'<p class="subtitle">{lab("subtitle")}</p>\n<dl>\n'
        + "".join(f"<dt>{lab(k)}</dt><dd>{v}</dd>\n" for k, v in cover_rows if v)
        + "</dl>\n"
        + f'<p class="run">{lab("run")} {text(manifest.get("run_id", run_dir.name))}</p>\n'
        + "</header>\n"
    )

    # table of contents
    items = [
        f'<li><a href="#summary">{lab("summary")}</a></li>',
        f'<li><a href="#notes">{lab("notes")}</a></li>',
    ]
    for c in chapters:
        sub = "".join(f'<li><a href="#{a}">{t}</a></li>' for a, t in c.sections)
        prefix = f"{int(c.number)}. " if c.number else ""
        items.append(
            f'<li><a href="#{c.anchor}">{prefix}{html.escape(c.toc_title)}</a>'
            + (f"<ol>{sub}</ol>" if sub else "")
            + "</li>"
        )
    toc = (
        f'<nav class="toc" id="contents">\n<h2>{lab("contents")}</h2>\n<ol>\n'
        + "\n".join(items)
        + "\n</ol>\n</nav>\n"
    )

    # executive summary: the findings each notebook declared
    blocks = []
    for name, _ in notebooks:
        findings = notes[name]["findings"]
        if not findings:
            continue
        c = titles[name]
        bullets = "".join(f"<li>{text(f.get('text', ''))}</li>" for f in findings)
        blocks.append(
            f'<h3><a href="#{c.anchor}">{html.escape(c.toc_title)}</a></h3>\n<ul>{bullets}</ul>\n'
        )
    summary = (
        f'<section class="summary" id="summary">\n<h2>{lab("summary")}</h2>\n'
        + ("".join(blocks) or f"<p>{lab('summary_empty')}</p>\n")
        + "</section>\n"
    )

    # data warnings and skipped sections, each warning once
    seen: dict[tuple[str, str], str] = {}
    for name, _ in notebooks:
        for w in notes[name]["warnings"]:
            seen.setdefault((w.get("source", ""), w.get("message", "")), note_text(w, language))
    warning_items = "".join(
        f"<li>{text(message)}" + (f" <em>({text(source)})</em>" if source else "") + "</li>"
        for (source, _), message in seen.items()
    )
    skipped_items = "".join(
        f'<li><a href="#{titles[name].anchor}">{html.escape(titles[name].toc_title)}</a> — '
        + text(
            label(LABELS, "skipped_item", language).format(
                section=translate(s.get("section", ""), language),
                needs=translate(s.get("needs", ""), language),
            )
        )
        + "</li>"
        for name, _ in notebooks
        for s in notes[name]["skipped"]
    )
    box = ""
    if warning_items:
        box += f"<h3>{lab('warnings')}</h3>\n<ul>{warning_items}</ul>\n"
    if skipped_items:
        box += f"<h3>{lab('skipped')}</h3>\n<ul>{skipped_items}</ul>\n"
    notes_html = (
        f'<section class="notes" id="notes">\n<h2>{lab("notes")}</h2>\n'
        + (
            f'<div class="box">\n{box}</div>\n'
            if box
            else f'<div class="box ok"><p>{lab("no_notes")}</p></div>\n'
        )
        + "</section>\n"
    )

    body = "".join(
        f'<section class="chapter" id="{c.anchor}">\n<h2>'
        + (
            f'<span class="chapter-number">'
            f"{html.escape(label(LABELS, 'chapter', language).format(number=int(c.number)))}</span>"
            if c.number
            else ""
        )
        + f"{c.title}</h2>\n{c.body}</section>\n"
        for c in chapters
    )
    title = f"{text(engagement.get('client_name', ''))} — {lab('title')}"
    page = (
        "<!DOCTYPE html>\n"
        f'<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_css()}</style>\n</head>\n<body>\n"
        f'<a class="to-top" href="#contents">↑ {lab("back_to_top")}</a>\n'
        f"{cover}{toc}{summary}{notes_html}{strip_remote(body)}</body>\n</html>\n"
    )
    path = run_dir / REPORT_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path


def finalize_run(run_dir: str | Path) -> dict[str, Path]:
    """Write what a completed run hands over: the client report and the results workbook.

    Returns
    -------
    dict
        ``{"report": <run>/report.html, "results": <run>/results.xlsx}``.
    """
    from helpers.export import export_results

    return {"report": build_report(run_dir), "results": export_results(run_dir)}


#: browsers able to print the report to PDF, looked up on PATH in this order
PDF_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PDF_FILE = "report.pdf"
PDF_TIMEOUT_S = 180
#: a headless browser that talks to nobody: no updates, sync, or background requests
HEADLESS_FLAGS = (
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
)


def find_browser() -> str | None:
    """A Chromium or Chrome executable on PATH, or None."""
    import shutil

    for name in PDF_BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(report: str | Path, *, browser: str | None = None) -> Path:
    """Print a report to PDF (``report.pdf`` beside it) with a headless Chromium.

    Uses the report's print styles (one chapter per page, no navigation button). Optional:
    the HTML report is the deliverable; this is for clients who want a PDF.

    Raises
    ------
    RunError
        No Chromium/Chrome is installed, or it failed to print.
    """
    import os
    import subprocess
    import tempfile

    from helpers.errors import RunError

    report = Path(report).resolve()
    executable = browser or find_browser()
    if executable is None:
        raise RunError(
            f"no Chromium or Chrome found (looked for {', '.join(PDF_BROWSERS)}); install one "
            f"(apt-get install chromium) or open {report.name} in a browser and print to PDF"
        )
    target = report.with_name(PDF_FILE)
    sandbox = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    with tempfile.TemporaryDirectory(prefix="stratbook-pdf-") as profile:
        cmd = [
            executable,
            *HEADLESS_FLAGS,
            *sandbox,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={target}",
            report.as_uri(),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=PDF_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RunError(
                f"printing {report.name} to PDF with {executable} failed: {exc}"
            ) from None
    if done.returncode != 0 or not target.exists():
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise RunError(f"printing {report.name} to PDF with {executable} failed: {last}")
    return target


def embedded_images(markup: str) -> list[bytes]:
    """The bytes of every base64 image embedded in a page (``data:image/...``)."""
    return [
        base64.b64decode(m) for m in re.findall(r'src="data:image/[a-z+]+;base64,([^"]+)"', markup)
    ]


__all__ = [
    "LABELS",
    "REPORT_FILE",
    "Chapter",
    "build_report",
    "cell_languages",
    "embedded_images",
    "filter_language",
    "finalize_run",
    "find_browser",
    "format_month",
    "markdown_to_html",
    "print_pdf",
    "render_chapter",
    "slugify",
    "strip_remote",
]
