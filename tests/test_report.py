"""Tests of helpers.report: scrubbing local details and rendering the two HTML pages.

Most tests build executed-looking notebooks by hand (outputs included) with nbformat, so
they need no kernel. The kit renders pages without nbconvert's BeautifulSoup pass; the
pages must parse into the tree nbconvert's ``HTMLExporter`` gives: checked on awkward HTML
(hypothesis), on every kind of output, and (``slow``) on a real run of the sample.
"""

from __future__ import annotations

import base64
import functools
import os
import re
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbformat.v4 import (
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
)

from helpers import report
from helpers.report import (
    Sanitiser,
    add_accessibility_attributes,
    find_leaks,
    render_html,
    render_reports,
    sanitise_notebook,
)

ROOT = "/home/zoe/clients/maison-durand"
RUN = f"{ROOT}/reports/2026-03-01_090507"
ENV = {
    "HOME": "/home/zoe",
    "USER": "zoe",
    "LOGNAME": "zoe",
    "HOSTNAME": "build-7f3a9c21",
    "API_TOKEN": "sk-4242-secret-value",
    "SHELL": "/bin/bash",
    "EDITOR": "vim",  # short and plain: left alone
    "PROJECT": "stratbook",  # a plain word: left alone (reports may say it)
}
# a 1x1 transparent PNG
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()


@pytest.fixture
def sanitiser() -> Sanitiser:
    return Sanitiser.for_run(engagement_dir=ROOT, run_dir=RUN, environ=ENV)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the run folder first (it is inside the engagement), then the engagement
        (
            f"saved {RUN}/results/01_diagnostic/monthly_revenue.csv",
            "saved <run>/results/01_diagnostic/monthly_revenue.csv",
        ),
        (f"reading {ROOT}/data/raw/transactions.csv", "reading ./data/raw/transactions.csv"),
        (f"PosixPath('{ROOT}')", "PosixPath('.')"),
        ("config in /home/zoe/.config/app.yaml", "config in ~/.config/app.yaml"),
        # a path that merely starts like the engagement's is another path
        (f"{ROOT}-old/x.csv", "~/clients/maison-durand-old/x.csv"),
        ("user zoe ran it", "user <user> ran it"),
        ("zoelle and zoe-bis are other words", "zoelle and zoe-bis are other words"),
        (
            "host build-7f3a9c21 token sk-4242-secret-value",
            "host <env:HOSTNAME> token <env:API_TOKEN>",
        ),
        ("ran /bin/bash with vim for stratbook", "ran <env:SHELL> with vim for stratbook"),
        ("Revenue grew 12 % in 2025", "Revenue grew 12 % in 2025"),
    ],
)
def test_sanitiser_replaces_local_details(sanitiser: Sanitiser, text: str, expected: str):
    assert sanitiser(text) == expected


def test_sanitiser_escapes_tokens_in_markup(sanitiser: Sanitiser):
    html_out = f"<td>{RUN}/results</td><td>zoe</td>"
    assert sanitiser(html_out, markup=True) == "<td>&lt;run&gt;/results</td><td>&lt;user&gt;</td>"


def test_sanitiser_leaves_code_words_alone_when_asked():
    san = Sanitiser.for_run(engagement_dir=ROOT, environ={"USER": "root", "HOME": "/root"})
    assert san("eng.root / 'x'", words=False) == "eng.root / 'x'"
    assert san("/root/data", words=False) == "~/data"
    assert san("owner: root") == "owner: <user>"


def test_sanitiser_covers_the_python_installation(sanitiser: Sanitiser):
    site = f"{sys.prefix}/lib/python3/site-packages/pandas/core/frame.py"
    assert sanitiser(site) == "<python>/lib/python3/site-packages/pandas/core/frame.py"


def test_sanitiser_value_walks_json(sanitiser: Sanitiser):
    value = {"paths": [f"{ROOT}/data/raw/a.csv", 3], "nested": {"run": RUN}, "n": 1.5}
    assert sanitiser.value(value) == {
        "paths": ["./data/raw/a.csv", 3],
        "nested": {"run": "<run>"},
        "n": 1.5,
    }


def executed_notebook() -> nbformat.NotebookNode:
    """What papermill leaves: parameters, injected parameters, outputs of every kind."""
    nb = new_notebook(metadata={"papermill": {"input_path": f"{ROOT}/notebooks/01_x.ipynb"}})
    params = new_code_cell("engagement_dir = None\nrun_dir = None\nconfig_overrides = {}")
    params.metadata["tags"] = ["parameters"]
    injected = new_code_cell(f'# Parameters\nengagement_dir = "{ROOT}"\nrun_dir = "{RUN}"\n')
    injected.metadata["tags"] = ["injected-parameters"]
    table = new_code_cell("monthly_revenue(tx)")
    table.outputs = [
        new_output("stream", name="stdout", text=f"loaded {ROOT}/data/raw/tx.csv\n"),
        new_output("stream", name="stderr", text=f"UserWarning: {sys.prefix}/lib/x.py:1 zoe\n"),
        new_output(
            "execute_result",
            data={
                "text/plain": "   revenue\n0    120.5",
                "text/html": f"<table><td>{RUN}</td></table>",
            },
            execution_count=3,
        ),
    ]
    chart = new_code_cell("plot_revenue(df, language='fr');")
    chart.outputs = [new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})]
    failing = new_code_cell("load(bad)")
    failing.outputs = [
        new_output(
            "error",
            ename="DataError",
            evalue=f"{ROOT}/data/raw/tx.csv: column amount has text",
            traceback=[
                f"File {sys.prefix}/lib/helpers/io.py:12",
                f"DataError: {ROOT}/data/raw/tx.csv",
            ],
        )
    ]
    nb.cells = [
        new_markdown_cell("# Diagnostic\n\nWhere does revenue come from?"),
        params,
        injected,
        table,
        chart,
        failing,
    ]
    return nb


def test_client_copy_drops_plumbing_and_stderr(sanitiser: Sanitiser):
    nb = executed_notebook()
    client = sanitise_notebook(nb, sanitiser, client=True)
    assert [c.source.splitlines()[0] for c in client.cells] == [
        "# Diagnostic",
        "monthly_revenue(tx)",
        "plot_revenue(df, language='fr');",
        "load(bad)",
    ]
    table = client.cells[1]
    assert [o.get("name", o.output_type) for o in table.outputs] == ["stdout", "execute_result"]
    assert table.outputs[0].text == "loaded ./data/raw/tx.csv\n"
    assert table.outputs[1].data["text/html"] == "<table><td>&lt;run&gt;</td></table>"
    assert client.cells[2].outputs[0].data["image/png"] == PNG  # images untouched
    error = client.cells[3].outputs[0]
    assert error.traceback == ["DataError: ./data/raw/tx.csv: column amount has text"]
    assert client.metadata.papermill.input_path == "./notebooks/01_x.ipynb"
    # the input notebook is not modified
    assert nb.cells[3].outputs[1].name == "stderr"


def test_reviewer_copy_keeps_everything_scrubbed(sanitiser: Sanitiser):
    reviewer = sanitise_notebook(executed_notebook(), sanitiser, client=False)
    assert len(reviewer.cells) == 6
    assert reviewer.cells[2].source == '# Parameters\nengagement_dir = "."\nrun_dir = "<run>"\n'
    assert reviewer.cells[2].id == "injected-parameters"  # papermill's random id, made stable
    stderr = reviewer.cells[3].outputs[1]
    assert stderr.text == "UserWarning: <python>/lib/x.py:1 <user>\n"
    assert reviewer.cells[5].outputs[0].traceback == [
        "File <python>/lib/helpers/io.py:12",
        "DataError: ./data/raw/tx.csv",
    ]


def test_render_reports_writes_both_pages(tmp_path: Path, sanitiser: Sanitiser):
    client, reviewer = render_reports(
        executed_notebook(),
        client_path=tmp_path / "html" / "01_x.html",
        reviewer_path=tmp_path / "html" / "reviewer" / "01_x.html",
        sanitiser=sanitiser,
        title="01_x",
    )
    client_page = client.read_text(encoding="utf-8")
    reviewer_page = reviewer.read_text(encoding="utf-8")
    assert "<title>01_x</title>" in client_page
    assert f"data:image/png;base64,{PNG}" in client_page  # embedded, self-contained
    assert "Where does revenue come from?" in client_page
    assert "hl-ipython3" not in client_page and "monthly_revenue" not in client_page
    assert "UserWarning" not in client_page
    assert "hl-ipython3" in reviewer_page and "monthly_revenue" in reviewer_page
    secrets = [ROOT, "/home/zoe", "build-7f3a9c21", "sk-4242-secret-value", sys.prefix]
    assert find_leaks(client_page, secrets) == []
    assert find_leaks(reviewer_page, secrets) == []
    assert re.search(r"(?<![\w-])zoe(?![\w-])", client_page) is None
    assert not list(tmp_path.rglob("*.tmp"))


def test_render_reads_an_ipynb_path(tmp_path: Path, sanitiser: Sanitiser):
    path = tmp_path / "01_x.ipynb"
    nbformat.write(executed_notebook(), str(path))
    client, _ = render_reports(
        path,
        client_path=tmp_path / "c.html",
        reviewer_path=tmp_path / "r.html",
        sanitiser=sanitiser,
        title="01_x",
    )
    assert "Where does revenue come from?" in client.read_text(encoding="utf-8")


def test_render_html_is_deterministic(tmp_path: Path, sanitiser: Sanitiser):
    nb = sanitise_notebook(executed_notebook(), sanitiser, client=True)
    a = render_html(nb, tmp_path / "a.html", client=True, title="01_x").read_bytes()
    b = render_html(nb, tmp_path / "b.html", client=True, title="01_x").read_bytes()
    assert a == b


def test_find_leaks():
    assert find_leaks("see /home/zoe/x", ["/home/zoe", "", "/tmp/y"]) == ["/home/zoe"]


def test_client_page_shows_tables_in_the_client_words(tmp_path: Path, sanitiser: Sanitiser):
    table = (
        '<table class="dataframe"><thead><tr><th>customer_id</th><th>monetary_value</th>'
        "</tr></thead><tbody><tr><td>C001</td><td>1234.56</td></tr></tbody></table>"
    )
    nb = new_notebook(
        cells=[
            new_code_cell(
                "frame",
                outputs=[
                    new_output("execute_result", data={"text/html": table}, execution_count=1)
                ],
            )
        ]
    )
    client, reviewer = render_reports(
        nb,
        client_path=tmp_path / "c.html",
        reviewer_path=tmp_path / "r.html",
        sanitiser=sanitiser,
        title="01_x",
        language="fr",
        currency="USD",
    )
    page = client.read_text(encoding="utf-8")
    assert "<th>Client</th>" in page and "<th>Montant moyen par achat</th>" in page
    # money in the engagement's currency, no cents past 1 000
    assert "<td>1\u202f235\xa0$</td>" in page and "customer_id" not in page
    # the reviewer checks the code against the canonical names
    assert "<th>customer_id</th>" in reviewer.read_text(encoding="utf-8")


# ---- the page without nbconvert's BeautifulSoup pass: the same tree -------------------
#: what nbconvert gives an image without alternative text
NO_ALT = "No description has been provided for this image"
#: the pieces of HTML the fix-ups must treat as nbconvert does, awkward ones included
HTML_PIECES = [
    '<img src="data:image/png;base64,AAAA">',
    "<img src=x.png class=unconfined>",
    '<img src="data:image/png;base64,AAAA"\nclass="\n"\n>',
    '<IMG SRC="a>b" />',
    "<img alt src=x>",
    '<img alt="" src="x">',
    "<img ALT='chart' src=x>",
    "<img/src=x>",
    '<img data-alt="x" src=y>',
    '<img src=x title=5">',
    "<img src=x alt=a alt=b>",
    "<!-- <img src=c> -->",
    "<!-- a > b <img src=c> -->",
    "<!--> <img src=c> -->",
    "<!---->",
    "<!-- never closed <img src=u>",
    '<img src="never closed <img src=v>',
    "<![CDATA[ a > b <img src=f>]]>",
    "<![if !IE]><img src=ms><![endif]>",
    "<![CDATA[ never closed <img src=w>",
    '<script>var s = "<img src=d>"; if (a < b) {}</script>',
    "<script/>",
    '<style>div.jp-OutputArea-output::before { content: "<img>"; }</style>',
    '<div class="jp-Cell-inputWrapper">',
    '<div class="jp-RenderedText jp-OutputArea-output" data-mime-type="text/plain">',
    "<div class='jp-OutputArea-output x'>",
    '<div class="jp-OutputArea-output-more">',
    "<DIV CLASS=jp-Cell-inputWrapper TABINDEX=3>",
    '<div class="jp-OutputArea-output" tabindex>',
    '<div class="other" class="jp-OutputArea-output">',
    '<div class="jp-Cell-inputWrapper"/>',
    '<span class="jp-OutputArea-output">',
    "</div>",
    "</span>",
    "<p>",
    "</p>",
    "<br>",
    "a < b &amp; c&nbsp;d",
    "<3 &lt;img src=z&gt;",
    '<a title="<img src=e>">link</a>',
    "<![CDATA[<img src=f>]]>",
    "<?php <img src=g> ?>",
    '<svg><image href="x"/><img src="in-svg"/></svg>',
    "<textarea><img src=h></textarea>",
    "\n",
    "text",
]
PAGE_HEAD = '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8" />\n<title>t</title>'
PAGE_BODY = '</head>\n<body class="jp-Notebook" data-jp-theme-light="true">\n<main>\n'
PAGE_END = "\n</main>\n</body>\n</html>\n"


def dom(page: str) -> Any:
    """The tree a page parses into (BeautifulSoup's html.parser, as nbconvert uses).

    Attributes are compared as a mapping (order does not matter), ``class`` as its list
    of names, adjacent pieces of text as one; entities are decoded by the parser, so
    ``&nbsp;`` and a no-break space are the same text, as in a browser. Text that is
    only white space becomes one newline or space outside ``pre`` and ``textarea``, as
    BeautifulSoup does to each piece it reads (so the rule must hold for joined pieces).
    """
    from bs4 import BeautifulSoup, NavigableString, Tag

    def node(item: Any, keep_space: bool = False) -> Any:
        if isinstance(item, Tag):
            keep_space = keep_space or item.name in ("pre", "textarea")
            attrs = {}
            for name, value in item.attrs.items():
                words = value if isinstance(value, list) else [value]
                attrs[name] = tuple(" ".join(words).split()) if name == "class" else value
            children: list[Any] = []
            for child in item.children:
                converted = node(child, keep_space)
                if type(child) is NavigableString and children and isinstance(children[-1], str):
                    children[-1] += converted
                else:
                    children.append(converted)
            if not keep_space:
                children = [_collapse_space(c) if isinstance(c, str) else c for c in children]
            return (item.name, tuple(sorted(attrs.items())), tuple(children))
        if type(item) is NavigableString:
            return str(item)
        kind = type(item).__name__  # Comment, Doctype, Declaration...
        # BeautifulSoup writes the declaration <![if !IE]> back as <?if !IE?>: either
        # way, markup a browser does not show
        if kind == "ProcessingInstruction":
            return ("Declaration", str(item).removesuffix("?"))
        return (kind, str(item))

    return node(BeautifulSoup(page, "html.parser"))


def _collapse_space(text: str) -> str:
    if text.strip():
        return text
    return "\n" if "\n" in text else " "


@functools.cache
def _nbconvert_html_exporter(client: bool) -> Any:
    from nbconvert import HTMLExporter

    return HTMLExporter(**report._exporter_options(client))


def nbconvert_fixups(page: str) -> str:
    """nbconvert's own post-processing (BeautifulSoup) of ``page``, its template bypassed."""
    from nbconvert.exporters.templateexporter import TemplateExporter

    def rendered(self, nb, resources=None, **kw):
        return page, resources

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(TemplateExporter, "from_notebook_node", rendered)
        out, _ = _nbconvert_html_exporter(False).from_notebook_node(new_notebook())
    return out


@given(
    head=st.lists(st.sampled_from(HTML_PIECES), max_size=3),
    body=st.lists(st.sampled_from(HTML_PIECES), max_size=14),
)
@settings(max_examples=300, deadline=None)
def test_fixups_give_the_tree_nbconvert_gives(head: list[str], body: list[str]):
    page = PAGE_HEAD + "".join(head) + PAGE_BODY + "".join(body) + PAGE_END
    assert dom(add_accessibility_attributes(page)[0]) == dom(nbconvert_fixups(page))


@pytest.mark.parametrize(
    ("piece", "expected"),
    [
        ("<img src=x>", f'<img alt="{NO_ALT}" src=x>'),
        ('<img src="x"\nclass="\n"\n>', f'<img alt="{NO_ALT}" src="x"\nclass="\n"\n>'),
        ("<img/src=x/>", f'<img alt="{NO_ALT}"/src=x/>'),
        ("<img alt src=x>", "<img alt src=x>"),
        ("<img data-alt=a src=x>", f'<img alt="{NO_ALT}" data-alt=a src=x>'),
        ('<div class="jp-Cell-inputWrapper">', '<div tabindex="0" class="jp-Cell-inputWrapper">'),
        (
            '<div class="jp-RenderedText jp-OutputArea-output" data-mime-type="text/plain">',
            '<div tabindex="0" class="jp-RenderedText jp-OutputArea-output" '
            'data-mime-type="text/plain">',
        ),
        (
            "<div class=jp-OutputArea-output TabIndex='-1'>",
            '<div class=jp-OutputArea-output tabindex="0">',
        ),
        ('<div class="jp-OutputArea">', '<div class="jp-OutputArea">'),
        ('<span class="jp-OutputArea-output">', '<span class="jp-OutputArea-output">'),
        ("<!-- <img src=x> -->", "<!-- <img src=x> -->"),
        ('<img src="unclosed <img src=x>', '&lt;img src="unclosed &lt;img src=x>'),
        ("<!-- unclosed <img src=x>", "&lt;!-- unclosed &lt;img src=x>"),
        ('<script>"<img src=x>"</script>', '<script>"<img src=x>"</script>'),
    ],
)
def test_fixups_write_into_the_tags_in_place(piece: str, expected: str):
    page, missing_alt = add_accessibility_attributes(PAGE_BODY + piece + PAGE_END)
    assert page == PAGE_BODY + expected + PAGE_END
    assert missing_alt == expected.count(NO_ALT)


@pytest.mark.parametrize(
    "page",
    [
        '<div class="jp-Cell-inputWrapper"></div><body class="jp-Notebook">',
        '<body><div class="jp-Notebook jp-OutputArea-output"></div></body>',
    ],
)
def test_no_tabindex_outside_the_notebook_element(page: str):
    assert add_accessibility_attributes(page)[0] == page
    assert "tabindex" not in nbconvert_fixups(page)


def test_dom_comparison_sees_a_missing_attribute():
    """The equivalence tests below would pass vacuously if dom() ignored attributes."""
    page = add_accessibility_attributes(PAGE_BODY + '<div class="jp-Cell-inputWrapper">')[0]
    assert dom(page) != dom(page.replace(' tabindex="0"', ""))
    assert dom("<img alt='' src=x>") != dom("<img src=x>")
    assert dom("<p>a b</p>") != dom("<p>a  b</p>")


def every_kind_of_output() -> nbformat.NotebookNode:
    """executed_notebook() plus images nbconvert must describe and HTML it must not touch."""
    nb = executed_notebook()
    jpeg = base64.b64encode(b"\xff\xd8\xff\xe0 not really a jpeg").decode()
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect/></svg>'
    html_out = (
        '<img src="logo.png"><img alt="the logo" src="logo.png"><!-- <img src=c> -->'
        '<div class="jp-OutputArea-output">nested</div><script>var s = "<img>";</script>'
    )
    more = new_code_cell("show()")
    more.outputs = [
        new_output("display_data", data={"image/jpeg": jpeg, "text/plain": "<img>"}),
        new_output(
            "display_data",
            data={"image/png": PNG},
            metadata={"image/png": {"width": 320, "height": 200, "unconfined": True}},
        ),
        new_output("display_data", data={"image/svg+xml": svg}),
        new_output("display_data", data={"text/html": html_out}),
        new_output(
            "execute_result", data={"text/markdown": "![a chart](c.png) *x*"}, execution_count=9
        ),
    ]
    nb.cells += [
        new_markdown_cell(
            'Raw HTML: <img src="raw.png"> and ![described](d.png)\n\n| a |\n|---|\n| 1 |'
        ),
        more,
    ]
    return nb


@pytest.mark.parametrize("client", [True, False])
def test_render_html_gives_the_tree_nbconvert_gives(tmp_path: Path, sanitiser: Sanitiser, client):
    nb = sanitise_notebook(every_kind_of_output(), sanitiser, client=client)
    ours = render_html(nb, tmp_path / "p.html", client=client, title="01_x").read_text("utf-8")
    theirs, _ = _nbconvert_html_exporter(client).from_notebook_node(
        nb, resources={"metadata": {"name": "01_x"}}
    )
    assert dom(ours) == dom(theirs)
    assert ours.count(f'alt="{NO_ALT}"') == 6  # 2 PNG, JPEG, SVG, the HTML's, the raw one
    assert f"data:image/png;base64,{PNG}" in ours and "stratbookimg" not in ours


# ---- a real run: the kit's pages against nbconvert's ----------------------------------
#: the sample is scaled down: these tests are about the pages, not the numbers
SAMPLE_SCALE = 0.3


@pytest.fixture(scope="module")
def real_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Notebook 01 of the French sample, run by the runner, and its pages rendered by the
    kit's exporter and by nbconvert's HTMLExporter from the same executed notebook."""
    from helpers.runner import run_engagement
    from helpers.sample import write_sample_engagement

    folder = tmp_path_factory.mktemp("pages")
    engagement = write_sample_engagement(folder / "client", language="fr", scale=SAMPLE_SCALE)
    run_dir = run_engagement(engagement, only=["01"]).run_dir
    executed = run_dir / "notebooks" / "01_diagnostic.ipynb"
    sanitiser = Sanitiser.for_run(engagement_dir=engagement, run_dir=run_dir)

    def render(kind: str) -> tuple[str, str]:
        client, reviewer = render_reports(
            executed,
            client_path=folder / kind / "client.html",
            reviewer_path=folder / kind / "reviewer.html",
            sanitiser=sanitiser,
            title="01_diagnostic",
            language="fr",
        )
        return client.read_text("utf-8"), reviewer.read_text("utf-8")

    kit = render("kit")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(report, "_exporter", _nbconvert_html_exporter)
        theirs = render("nbconvert")
    return {
        "engagement": engagement,
        "run_dir": run_dir,
        "notebook": nbformat.read(str(executed), as_version=4),
        "kit": dict(zip(("client", "reviewer"), kit, strict=True)),
        "nbconvert": dict(zip(("client", "reviewer"), theirs, strict=True)),
    }


@pytest.mark.slow
@pytest.mark.parametrize("page", ["client", "reviewer"])
def test_real_pages_have_the_tree_nbconvert_gives(real_pages: dict[str, Any], page: str):
    assert dom(real_pages["kit"][page]) == dom(real_pages["nbconvert"][page])


@pytest.mark.slow
def test_real_run_writes_the_kit_pages(real_pages: dict[str, Any]):
    html_dir = real_pages["run_dir"] / "html"
    assert (html_dir / "01_diagnostic.html").read_text("utf-8") == real_pages["kit"]["client"]
    reviewer = (html_dir / "reviewer" / "01_diagnostic.html").read_text("utf-8")
    assert reviewer == real_pages["kit"]["reviewer"]


@pytest.mark.slow
@pytest.mark.parametrize("page", ["client", "reviewer"])
def test_real_pages_describe_images_and_focus_cells(real_pages: dict[str, Any], page: str):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(real_pages["kit"][page], "html.parser")
    images = soup.find_all("img")
    assert images and all(img.get("alt") == NO_ALT for img in images)
    wrappers = soup.select("div.jp-Cell-inputWrapper")
    outputs = soup.select("div.jp-OutputArea-output")
    assert wrappers and outputs
    assert all(div.get("tabindex") == "0" for div in wrappers + outputs)
    assert len(soup.select("[tabindex]")) == len(wrappers) + len(outputs)
    # every chart of the executed notebook is in the page, byte for byte
    charts = [
        o.data["image/png"]
        for c in real_pages["notebook"].cells
        for o in c.get("outputs", [])
        if "image/png" in o.get("data", {})
    ]
    sources = [img["src"] for img in images]
    assert len(charts) >= 5 and sources == [f"data:image/png;base64,{png}" for png in charts]


@pytest.mark.slow
def test_real_client_page_hides_code_is_scrubbed_and_in_french(real_pages: dict[str, Any]):
    from bs4 import BeautifulSoup

    client, reviewer = real_pages["kit"]["client"], real_pages["kit"]["reviewer"]
    code = "div.jp-InputArea-editor"
    assert BeautifulSoup(client, "html.parser").select(code) == []
    inputs = BeautifulSoup(reviewer, "html.parser").select(code)
    assert "from helpers import diagnostic" in "".join(i.get_text() for i in inputs)
    local = [str(real_pages["engagement"]), str(real_pages["run_dir"])]
    assert find_leaks(client, local) == [] and find_leaks(reviewer, local) == []
    assert "<th>Mois</th>" in client and "<th>Mois</th>" not in reviewer


# ---- clean_html: bleach skipped on highlighted code only -----------------------------------
@functools.cache
def _highlight():
    from nbconvert.filters.highlight import Highlight2HTML

    return Highlight2HTML(pygments_lexer="ipython3")


def _bleach(text: str) -> str:
    from nbconvert.filters.strings import clean_html

    return clean_html(text)


KIT_NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
AWKWARD_CODE = [
    "a = '<script>alert(1)</script>' & \"x\"\t\u00e9 \u2014 € # <b>",
    "x = 1 if a<b and c>d else '&amp;' + '&#39;'",
    "s = '''\n<div class=\"x\" onclick=\"f()\">\n'''",
    "%matplotlib inline\n!ls -la | grep '>'\n",
    "\u200b\u00a0\x0c",
    "",
]


def test_highlighted_code_skips_bleach_and_is_what_bleach_returns():
    sources = [
        c.source
        for path in sorted(KIT_NOTEBOOKS.glob("*.ipynb"))
        for c in nbformat.read(str(path), as_version=4).cells
        if c.cell_type == "code"
    ]
    assert len(sources) > 100
    for source in sources + AWKWARD_CODE:
        html_code = _highlight()(source)
        if source in sources:  # the kit's own code takes the fast path
            assert report.HIGHLIGHTED_CODE.fullmatch(html_code), source
        assert report.clean_html(html_code) == _bleach(html_code), source


@given(st.text(max_size=80) | st.text(st.characters(max_codepoint=0x20), max_size=8))
@settings(max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", 150)), deadline=None)
def test_clean_html_equals_bleach_on_any_highlighted_code(source: str):
    html_code = _highlight()(source)
    assert report.clean_html(html_code) == _bleach(html_code)


@pytest.mark.parametrize(
    "markup",
    [
        '<div class="highlight"><pre><script>alert(1)</script></pre></div>',
        '<div class="highlight"><pre><span onclick="x()">a</span></pre></div>',
        '<div class="highlight"><pre><img src=x onerror=alert(1)></pre></div>',
        "<p>markdown with <iframe src='x'></iframe></p>",
        b'<div class=" highlight"><pre>&unknown;<b>x</b></pre></div>',
    ],
)
def test_anything_but_highlighted_code_still_goes_through_bleach(markup):
    assert not report.HIGHLIGHTED_CODE.fullmatch(
        markup.decode() if isinstance(markup, bytes) else markup
    )
    assert report.clean_html(markup) == _bleach(markup)
