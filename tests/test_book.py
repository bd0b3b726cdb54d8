"""Tests for helpers.book: the self-contained client report of a run.

The run folders here are written by hand (manifest, executed notebooks with outputs,
notes, results) so that every rule of the report is checked exactly and fast; the real
runs of the sample engagement are opened in a browser by tests/test_browser.py.
"""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers.book import (
    build_report,
    cell_languages,
    embedded_images,
    filter_language,
    finalize_run,
    format_month,
    markdown_to_html,
    slugify,
    strip_remote,
)
from helpers.errors import RunError
from helpers.report import Sanitiser, find_leaks

RUN_ID = "2026-11-28_101500"
SECRET_VALUE = "tok-9f8e7d6c5b4a"
USER = "zoe-analyst"


def png_bytes() -> bytes:
    """A small real chart as PNG."""
    fig, ax = plt.subplots(figsize=(2, 1), dpi=50)
    ax.bar(["a", "b"], [1, 2])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def diagnostic_notebook(run_dir: Path, image: bytes) -> nbformat.NotebookNode:
    import base64

    params = new_code_cell("engagement_dir = None\nrun_dir = None\nconfig_overrides = {}")
    params.metadata["tags"] = ["parameters"]
    injected = new_code_cell(f'run_dir = "{run_dir}"\nengagement_dir = "{run_dir.parent.parent}"')
    injected.metadata["tags"] = ["injected-parameters"]
    english = new_markdown_cell("Monthly revenue, **in English**.")
    english.metadata["tags"] = ["lang-en"]
    french = new_markdown_cell("Chiffre d'affaires mensuel, **en français**.")
    french.metadata["tags"] = ["lang-fr"]
    chart = new_code_cell(
        "ax = plot_monthly(monthly)",
        outputs=[
            new_output("stream", name="stderr", text=f"UserWarning: read {run_dir}/x.csv\n"),
            new_output(
                "display_data",
                data={
                    "image/png": base64.b64encode(image).decode(),
                    "text/plain": "<Figure size 900x500 with 1 Axes>",
                },
            ),
            new_output("execute_result", data={"text/plain": "<Axes: title={'left': 'x'}>"}),
            new_output("execute_result", data={"text/plain": "'Revenue grew 8 % in 2025'"}),
        ],
    )
    table = new_code_cell(
        "monthly",
        outputs=[
            new_output(
                "execute_result",
                data={
                    "text/html": (
                        '<table class="dataframe"><thead><tr><th>month</th><th>revenue</th></tr>'
                        "</thead><tbody><tr><td>2024-01-01</td><td>304199.52</td></tr></tbody>"
                        f"</table><p>from {run_dir}/results by {USER}, key {SECRET_VALUE}</p>"
                    ),
                    "text/plain": "month revenue",
                },
            )
        ],
    )
    check = new_code_cell(
        "# NBVAL_CHECK_OUTPUT\nround(cagr, 3)",
        outputs=[new_output("execute_result", data={"text/plain": "0.083"})],
    )
    remote = new_code_cell(
        "widget",
        outputs=[
            new_output(
                "display_data",
                data={
                    "text/html": '<script src="https://cdn.example.com/lib.js"></script>'
                    '<img src="http://example.com/pixel.gif"><b>kept</b>'
                },
            )
        ],
    )
    printed = new_code_cell(
        "print(total)", outputs=[new_output("stream", name="stdout", text="Total: 42\n")]
    )
    return new_notebook(
        cells=[
            new_markdown_cell("# 01 · Diagnostic: where does revenue come from?\n\nIntro text."),
            params,
            injected,
            new_markdown_cell("## 1. Revenue performance\n\n### Monthly revenue"),
            english,
            french,
            chart,
            table,
            check,
            new_markdown_cell("## 2. Concentration\n\n![logo](https://example.com/logo.png)"),
            remote,
            printed,
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )


def customers_notebook() -> nbformat.NotebookNode:
    skipped = new_code_cell(
        'eng.skip("Customer journey", needs="journey events")',
        outputs=[
            new_output(
                "execute_result",
                data={"text/markdown": "> **Section skipped: Customer journey.**"},
            )
        ],
    )
    return new_notebook(
        cells=[
            new_markdown_cell("# 04 · Target customers"),
            new_markdown_cell("## RFM segments"),
            new_markdown_cell("## Customer journey"),
            skipped,
        ]
    )


def make_run(
    root: Path,
    *,
    language: str = "en",
    observation_end: str | None = None,
    currency: str = "EUR",
) -> Path:
    """A completed run folder of two notebooks inside engagement ``root``."""
    run_dir = root / "reports" / RUN_ID
    (run_dir / "notebooks").mkdir(parents=True)
    nbformat.write(
        diagnostic_notebook(run_dir, png_bytes()), run_dir / "notebooks" / "01_diagnostic.ipynb"
    )
    nbformat.write(customers_notebook(), run_dir / "notebooks" / "04_customers.ipynb")
    manifest = {
        "run_id": RUN_ID,
        "status": "completed",
        "started": "2026-11-28T10:15:00Z",
        "engagement": {
            "client_name": "Maison Durand",
            "engagement_slug": "maison-durand",
            "currency": currency,
            "language": language,
            "period_start": "2024-01",
            "observation_end": observation_end,
        },
        "notebooks": [
            {"name": "01_diagnostic", "executed_notebook": "notebooks/01_diagnostic.ipynb"},
            {"name": "04_customers", "executed_notebook": "notebooks/04_customers.ipynb"},
        ],
    }
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    refunds = {
        "message": f"12 refund lines in {root}/data/raw/transactions.csv",
        "source": "transactions",
    }
    notes = {
        "01_diagnostic": {
            "warnings": [refunds],
            "skipped": [],
            "findings": [
                {"key": "revenue_trend", "text": "Revenue grew 8 % in 2025"},
                {"key": "concentration", "text": "Three customers in ten bring 80 % of revenue"},
            ],
        },
        "04_customers": {
            "warnings": [refunds],
            "skipped": [{"section": "Customer journey", "needs": "journey events"}],
            "findings": [{"key": "ltv", "text": "Key accounts hold 61 % of future value"}],
        },
    }
    (run_dir / "notes").mkdir()
    for name, content in notes.items():
        (run_dir / "notes" / f"{name}.json").write_text(json.dumps(content), encoding="utf-8")
    results = run_dir / "results" / "01_diagnostic"
    results.mkdir(parents=True)
    months = [f"{y}-{m:02d}-01" for y in (2024, 2025) for m in range(1, 13)]
    (results / "monthly_revenue.csv").write_text(
        "month,revenue\n" + "".join(f"{m},{1000 + i}\n" for i, m in enumerate(months)), "utf-8"
    )
    return run_dir


@pytest.fixture
def private_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", USER)
    monkeypatch.setenv("LOGNAME", USER)
    monkeypatch.setenv("STRATBOOK_TEST_SECRET", SECRET_VALUE)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / f"home-of-{USER}" / "clients" / "maison-durand"


def section(page: str, element_id: str) -> str:
    """The markup of the element with this id, up to its closing tag."""
    match = re.search(rf'<(\w+)[^>]* id="{element_id}"[^>]*>(.*?)</\1>', page, flags=re.S)
    assert match, f"no element with id {element_id}"
    return match.group(2)


def visible(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


# ---- language of cells ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "kept"),
    [("en", ["untagged", "english", "both"]), ("fr", ["untagged", "french", "both"])],
)
def test_filter_language_keeps_untagged_and_own_language(language: str, kept: list[str]) -> None:
    cells = [
        new_markdown_cell("untagged"),
        new_markdown_cell("english"),
        new_markdown_cell("french"),
    ]
    cells[1].metadata["tags"] = ["lang-en"]
    cells[2].metadata["tags"] = ["other", "lang-fr"]
    both = new_markdown_cell("both")
    both.metadata["tags"] = ["lang-en", "lang-fr"]
    nb = new_notebook(cells=[*cells, both])
    out = filter_language(nb, language)
    assert [c.source for c in out.cells] == kept
    assert len(nb.cells) == 4  # input untouched


def test_cell_languages_reads_lang_tags() -> None:
    cell = new_markdown_cell("x")
    assert cell_languages(cell) == frozenset()
    cell.metadata["tags"] = ["lang-fr", "parameters"]
    assert cell_languages(cell) == frozenset({"fr"})


def test_filter_language_refuses_unknown_language() -> None:
    with pytest.raises(ValueError, match="must be one of"):
        filter_language(new_notebook(), "de")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_report_never_mixes_languages(root: Path, language: str) -> None:
    page = build_report(make_run(root, language=language)).read_text("utf-8")
    english, french = "in English", "en français"
    assert (english in page) == (language == "en")
    assert (french in page) == (language == "fr")


# ---- small helpers ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1. Revenue performance", "1-revenue-performance"),
        ("Segments « clés » : <em>valeur</em>", "segments-cles-valeur"),
        ("!!!", "section"),
    ],
)
def test_slugify(text: str, expected: str) -> None:
    assert slugify(text) == expected


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        ("2024-01", "en", "January 2024"),
        ("2025-08-01", "fr", "août 2025"),
        ("2025-12", "fr", "décembre 2025"),
    ],
)
def test_format_month(value: str, language: str, expected: str) -> None:
    assert format_month(value, language) == expected


def test_markdown_to_html_renders_tables() -> None:
    out = markdown_to_html("| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<table>" in out and "<td>1</td>" in out


def test_strip_remote_removes_every_fetch_and_keeps_data_uris() -> None:
    markup = (
        '<link rel="stylesheet" href="https://fonts.example.com/x.css">'
        '<script src="https://cdn.example.com/a.js"></script><script>alert(1)</script>'
        '<img src="http://example.com/a.png" alt="remote"><img src="data:image/png;base64,AAAA">'
        '<div style="background: url(https://x.example.com/b.png)">x</div>'
        '<svg><rect fill="url(#grad)"/></svg><a href="https://example.com">link</a>'
        '<iframe src="https://example.com"></iframe>'
    )
    assert strip_remote(markup) == (
        '<span class="image-alt">remote</span><img src="data:image/png;base64,AAAA">'
        '<div style="background: none">x</div>'
        '<svg><rect fill="url(#grad)"/></svg><a href="https://example.com">link</a>'
    )


# ---- the report -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            [
                "Commercial strategy",
                "Client",
                "Maison Durand",
                "Engagement",
                "maison-durand",
                "Period analysed",
                "January 2024 – December 2025",
                "Date",
                "2026-11-28",
            ],
        ),
        (
            "fr",
            [
                "Stratégie commerciale",
                "Client",
                "Maison Durand",
                "Mission",
                "maison-durand",
                "Période analysée",
                "janvier 2024 – décembre 2025",
                "Date",
                "28/11/2026",
            ],
        ),
    ],
)
def test_cover_in_the_engagement_language(root: Path, language: str, expected: list[str]) -> None:
    page = build_report(make_run(root, language=language)).read_text("utf-8")
    cover = visible(section(page, "top"))
    for text in expected:
        assert text in cover
    assert f'<html lang="{language}">' in page


def test_period_ends_at_observation_end_when_set(root: Path) -> None:
    page = build_report(make_run(root, language="fr", observation_end="2025-06-30")).read_text(
        "utf-8"
    )
    assert "janvier 2024 – juin 2025" in visible(section(page, "top"))


def test_summary_collects_declared_findings_in_notebook_order(root: Path) -> None:
    page = build_report(make_run(root)).read_text("utf-8")
    summary = visible(section(page, "summary"))
    order = [
        "Executive summary",
        "Diagnostic",
        "Revenue grew 8 % in 2025",
        "Three customers in ten bring 80 % of revenue",
        "Target customers",
        "Key accounts hold 61 % of future value",
    ]
    positions = [summary.index(text) for text in order]
    assert positions == sorted(positions)


def test_french_labels_for_summary_and_contents(root: Path) -> None:
    page = build_report(make_run(root, language="fr")).read_text("utf-8")
    assert "Synthèse" in visible(section(page, "summary"))
    toc = visible(section(page, "contents"))
    assert "Sommaire" in toc and "1. Diagnostic" in toc and "4. Clients cibles" in toc


def test_table_of_contents_links_every_chapter_and_section(root: Path) -> None:
    page = build_report(make_run(root)).read_text("utf-8")
    toc = section(page, "contents")
    targets = re.findall(r'href="#([^"]+)"', toc)
    assert targets == [
        "summary",
        "notes",
        "ch-01-diagnostic",
        "ch-01-diagnostic-1-revenue-performance",
        "ch-01-diagnostic-2-concentration",
        "ch-04-customers",
        "ch-04-customers-rfm-segments",
        "ch-04-customers-customer-journey",
    ]
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # unique anchors
    assert set(targets) <= set(ids)


def test_warnings_once_and_skipped_sections_listed(root: Path) -> None:
    page = build_report(make_run(root, language="fr")).read_text("utf-8")
    box = visible(section(page, "notes"))
    assert box.count("12 refund lines") == 1  # both notebooks reported it
    assert "Avertissements sur les données" in box
    assert "Parcours client : il faut journey events" in box  # section name translated


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "t.csv: 3 rows have a zero amount"),
        ("fr", "t.csv : 3 lignes ont un montant nul"),
    ],
)
def test_catalogued_warnings_in_the_report_language(
    root: Path, language: str, expected: str
) -> None:
    from helpers.i18n import data_warning

    run_dir = make_run(root, language=language)
    w = data_warning("io.zero_amounts", label="t.csv", count=3)
    path = run_dir / "notes" / "01_diagnostic.json"
    notes = json.loads(path.read_text("utf-8"))
    notes["warnings"].append({"message": str(w), "msg_id": w.msg_id, "fields": w.fields})
    path.write_text(json.dumps(notes), encoding="utf-8")
    box = visible(section(build_report(run_dir).read_text("utf-8"), "notes"))
    assert expected in box


def test_code_parameters_checks_and_stderr_are_hidden(root: Path) -> None:
    page = build_report(make_run(root)).read_text("utf-8")
    for hidden in (
        "engagement_dir = None",  # parameters cell
        "run_dir =",  # injected parameters
        "plot_monthly(",  # code
        "UserWarning",  # stderr
        "0.083",  # nbval check output
        "&lt;Figure size",  # repr noise
        "&lt;Axes:",
        "&#x27;Revenue grew",  # the repr of eng.finding's return value
        "'Revenue grew",
    ):
        assert hidden not in page
    assert "Total: 42" in page  # printed output stays
    assert "Section skipped: Customer journey." in visible(page)


def test_images_embedded_and_nothing_remote(root: Path) -> None:
    image = png_bytes()
    page = build_report(make_run(root)).read_text("utf-8")
    assert embedded_images(page) == [image]
    sources = re.findall(r'\s(?:src|href)="([^"]*)"', page)
    assert sources and all(s.startswith(("data:", "#")) for s in sources)
    assert "<script" not in page and "<link" not in page
    assert "default-src 'none'" in page
    assert "<b>kept</b>" in page
    assert '<span class="image-alt">logo</span>' in page  # a remote image is not fetched


def test_no_local_paths_user_or_environment_values(root: Path, private_env: None) -> None:
    run_dir = make_run(root)
    page = build_report(run_dir).read_text("utf-8")
    secrets = [str(run_dir), str(root), str(root.parent.parent), USER, SECRET_VALUE]
    assert find_leaks(page, secrets) == []
    assert "&lt;run&gt;/results" in page  # the run folder became a token


def test_report_is_deterministic(root: Path) -> None:
    run_dir = make_run(root)
    first = build_report(run_dir).read_bytes()
    assert build_report(run_dir).read_bytes() == first


def test_explicit_sanitiser_is_used(root: Path) -> None:
    run_dir = make_run(root)
    sanitiser = Sanitiser(paths=(("Maison Durand", "<client>"),))
    page = build_report(run_dir, sanitiser=sanitiser).read_text("utf-8")
    assert "Maison Durand" not in page and "&lt;client&gt;" in page


def test_print_styles(root: Path) -> None:
    page = build_report(make_run(root)).read_text("utf-8")
    media = page[page.index("@media print") :]
    assert "section.chapter { break-before: page; }" in media
    assert ".to-top { display: none; }" in media
    assert 'font-family: "DejaVu Sans"' in page and "#1f4e79" in page


def test_not_a_run_folder(tmp_path: Path) -> None:
    with pytest.raises(RunError, match=r"no readable manifest\.json"):
        build_report(tmp_path)


def test_finalize_run_writes_report_and_workbook(root: Path) -> None:
    run_dir = make_run(root)
    written = finalize_run(run_dir)
    assert written == {"report": run_dir / "report.html", "results": run_dir / "results.xlsx"}
    assert all(p.stat().st_size > 0 for p in written.values())


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=80))
def test_slugify_gives_valid_anchors(text: str) -> None:
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slugify(text))


def test_print_pdf_without_a_browser_says_what_to_do(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers.book import print_pdf

    report = build_report(make_run(root))
    monkeypatch.setenv("PATH", "")
    with pytest.raises(RunError, match=r"no Chromium or Chrome found .*print to PDF"):
        print_pdf(report)


def test_report_tables_show_money_in_the_engagement_currency(root: Path) -> None:
    fr = build_report(make_run(root, language="fr", currency="CHF")).read_text("utf-8")
    assert "<td>304\u202f200\xa0CHF</td>" in fr and "<td>01/01/2024</td>" in fr
    assert "304199.52" not in fr


def test_english_report_tables_show_money_with_the_symbol_first(root: Path) -> None:
    en = build_report(make_run(root)).read_text("utf-8")
    assert "<td>\u20ac304,200</td>" in en and "<td>2024-01-01</td>" in en


_PAYLOAD = "iVBORw0KGgo" + "AAAAuRL0=+/sRcU" * 40  # long: parked while the patterns run
_PIECES = [
    f'<img src="data:image/png;base64,{_PAYLOAD}" alt="">',
    f'<img alt="a" src="http://x.example.com/a.png" srcset="data:image/png;base64,{_PAYLOAD}">',
    f'<img src="https://x.example.com/b.png" alt="chart ;base64,{_PAYLOAD}">',
    f'<div style="background: url(data:image/png;base64,{_PAYLOAD})">',
    f'<div style="background: url(https://x.example.com/c.png?;base64,{_PAYLOAD})">',
    f'<script>var a = ";base64,{_PAYLOAD}";</script>',
    f'<iframe src="x">;base64,{_PAYLOAD}</iframe>',
    f"@import url(x;base64,{_PAYLOAD});",
    f'<p data="https://x.example.com;base64,{_PAYLOAD}">',
    "<link rel=stylesheet href=x>",
    ";base64,AAAA",
    ";base64,",
    " src='http://x' ",
    "<IMG SRC=x ALT='up'>",
    "plain text é ",
    '<svg><rect fill="url(#g)"/></svg>',
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=8))
def test_strip_remote_parking_payloads_changes_nothing(pieces: list[str]) -> None:
    from helpers.book import _strip_remote

    markup = "\n".join(pieces)
    assert strip_remote(markup) == _strip_remote(markup)
    with_nul = markup + "\x00"
    assert strip_remote(with_nul) == _strip_remote(with_nul)
