"""Tests of helpers.report: scrubbing local details and rendering the two HTML pages.

These tests build executed-looking notebooks by hand (outputs included) with nbformat, so
they need no kernel; real executed notebooks are rendered in tests/test_runner.py.
"""

from __future__ import annotations

import base64
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import (
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
)

from helpers.report import (
    Sanitiser,
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
