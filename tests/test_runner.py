"""Tests of helpers.runner: real papermill runs of small engagements built in tmp_path.

Every run here executes real notebooks in the kit's ``stratbook`` kernel (no mocks). The
runs are shared through module-scoped fixtures to keep the file fast: each notebook costs
a kernel start (~2-4 s).
"""

from __future__ import annotations

import html
import json
import re
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from helpers import __version__
from helpers.errors import ConfigError, RunError
from helpers.runner import (
    LAYOUT,
    _new_run_dir,
    discover_notebooks,
    ensure_kernel,
    latest_run,
    list_runs,
    parse_parameter_value,
    plan_run,
    read_manifest,
    run_engagement,
    select_notebooks,
    sha256_file,
)

# ---- building engagements ---------------------------------------------------------------
PARAMETERS_CELL = (
    "engagement_dir = None   # None: $STRATBOOK_ENGAGEMENT, else the folder holding "
    "engagement.yaml\n"
    "run_dir = None          # None: reports/interactive inside the engagement\n"
    'config_overrides = {}   # dotted engagement.yaml keys, e.g. {"thresholds.bcg_growth": 0.15}'
)
TRANSACTIONS_CSV = "customer_id,order_date,amount\nC001,2024-01-05,120.5\nC002,2024-02-11,80\n"
ENGAGEMENT_YAML = """\
client_name: Maison Durand
engagement_slug: maison-durand
currency: EUR
language: fr
period_start: 2024-01
seed: 11
data:
  transactions:
    path: data/raw/transactions.csv
"""


def write_notebook(
    root: Path, name: str, cells: list[str], *, parameters: str | None = PARAMETERS_CELL
) -> Path:
    """A notebook as the kit's contract wants it: title, parameters cell, code cells."""
    nb = new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        }
    )
    nb.cells.append(new_markdown_cell(f"# {name}\n\nWhat this notebook answers."))
    if parameters is not None:
        cell = new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nb.cells.extend(new_code_cell(source) for source in cells)
    path = root / "notebooks" / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def write_engagement(root: Path, yaml_text: str = ENGAGEMENT_YAML) -> Path:
    (root / "data" / "raw").mkdir(parents=True)
    (root / "data" / "raw" / "transactions.csv").write_text(TRANSACTIONS_CSV, encoding="utf-8")
    (root / "engagement.yaml").write_text(yaml_text, encoding="utf-8")
    return root


OPEN = (
    "import os, sys\n"
    "import numpy as np\n"
    "import pandas as pd\n"
    "from helpers.context import Engagement\n"
    "eng = Engagement.open(engagement_dir, run_dir=run_dir, notebook={name!r}, "
    "config_overrides=config_overrides)"
)

# 01 declares the runner's three parameters, two engagement parameters and its own top_n
ALPHA = [
    OPEN.format(name="01_alpha"),
    # seeded numbers, floats and dates: what a reproducible result looks like
    "rng = np.random.default_rng(eng.seed)\n"
    "numbers = pd.DataFrame({'month': pd.date_range('2024-01-01', periods=top_n, freq='MS'),\n"
    "                        'revenue': rng.gamma(2.0, 1000.0, top_n) / 3,\n"
    "                        'label': [f'{client_name} {currency} {i}' for i in range(top_n)]})\n"
    "eng.save('numbers', numbers)",
    "eng.save('settings', pd.DataFrame({'bcg_growth': [eng.config.thresholds.bcg_growth],\n"
    "                                   'currency': [eng.currency]}))",
    "eng.warn('3 refund lines kept as negative revenue', source='transactions')\n"
    "eng.finding('growth', 'Revenue grows.')",
    # things that must never reach the client's page
    "print('cwd', os.getcwd())\n"
    "print('home', os.environ.get('HOME'), 'user', os.environ.get('USER'))\n"
    "print('stderr noise', run_dir, file=sys.stderr)",
    "pd.DataFrame({'where': [str(eng.root), run_dir, os.environ.get('HOME')]})",
]
ALPHA_PARAMETERS = PARAMETERS_CELL + "\nclient_name = 'Client'\ncurrency = 'EUR'\ntop_n = 3"
# 02 declares only where the engagement and the run are; reads 01's result
BETA = [
    "import pandas as pd\n"
    "from helpers.context import Engagement\n"
    "eng = Engagement.open(engagement_dir, run_dir=run_dir, notebook='02_beta')",
    "numbers = eng.result('01_alpha', 'numbers')\n"
    "eng.save('doubled', numbers.assign(revenue=numbers['revenue'] * 2))",
    "eng.skip('Customer journey', needs='journey events (data.journey in engagement.yaml)')",
]
BETA_PARAMETERS = "engagement_dir = None\nrun_dir = None"


@pytest.fixture(scope="module")
def secrets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A distinctive home folder and user name, inherited by the kernels."""
    home = tmp_path_factory.mktemp("home-of-zoe")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        mp.setenv("USER", "zoe-analyst")
        mp.setenv("LOGNAME", "zoe-analyst")
        yield {"home": str(home), "user": "zoe-analyst"}


@pytest.fixture(scope="module")
def engagement(secrets: dict[str, str]) -> Path:
    root = write_engagement(Path(secrets["home"]) / "clients" / "maison-durand")
    write_notebook(root, "01_alpha", ALPHA, parameters=ALPHA_PARAMETERS)
    write_notebook(root, "02_beta", BETA, parameters=BETA_PARAMETERS)
    write_notebook(root, "03_plain", ["import os\nos.path.basename(os.getcwd())"], parameters=None)
    return root


RUN_PARAMETERS = {"thresholds.bcg_growth": "0.15", "currency": "USD", "top_n": "4"}


@pytest.fixture(scope="module")
def full_run(engagement: Path):
    events: list[dict] = []
    result = run_engagement(engagement, parameters=RUN_PARAMETERS, progress=events.append)
    return result, events


@pytest.fixture(scope="module")
def second_run(engagement: Path, full_run):
    """The same inputs and parameters again (01 only: its CSVs are compared)."""
    return run_engagement(engagement, parameters=RUN_PARAMETERS, only=["01"])


def html_text(path: Path) -> str:
    """The visible text of an HTML page (styles and scripts removed)."""
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


# ---- the run folder ---------------------------------------------------------------------
def test_run_folder_layout_is_the_designed_one(full_run):
    result, _ = full_run
    files = sorted(
        p.relative_to(result.run_dir).as_posix() for p in result.run_dir.rglob("*") if p.is_file()
    )
    assert files == [
        "html/01_alpha.html",
        "html/02_beta.html",
        "html/03_plain.html",
        "html/reviewer/01_alpha.html",
        "html/reviewer/02_beta.html",
        "html/reviewer/03_plain.html",
        "manifest.json",
        "notebooks/01_alpha.ipynb",
        "notebooks/02_beta.ipynb",
        "notebooks/03_plain.ipynb",
        "notes/01_alpha.json",
        "notes/02_beta.json",
        "report.html",
        "results.xlsx",
        "results/01_alpha/numbers.csv",
        "results/01_alpha/settings.csv",
        "results/02_beta/doubled.csv",
    ]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}_\d{6}(-\d+)?", result.run_id)
    assert result.run_dir == result.run_dir.parent / result.run_id
    assert result.run_dir.parent.name == "reports"


def test_executed_notebook_keeps_papermill_metadata(full_run):
    result, _ = full_run
    nb = nbformat.read(str(result.run_dir / "notebooks" / "01_alpha.ipynb"), as_version=4)
    assert nb.metadata.papermill["duration"] > 0
    assert nb.metadata.papermill["exception"] is None
    assert all(c.outputs is not None for c in nb.cells if c.cell_type == "code")


def test_later_notebook_reads_earlier_result_from_the_same_run(full_run):
    result, _ = full_run
    numbers = pd.read_csv(result.run_dir / "results" / "01_alpha" / "numbers.csv")
    doubled = pd.read_csv(result.run_dir / "results" / "02_beta" / "doubled.csv")
    pd.testing.assert_series_equal(doubled["revenue"], numbers["revenue"] * 2, rtol=1e-9)


# ---- manifest ---------------------------------------------------------------------------
def test_manifest_records_run_inputs_and_versions(full_run, engagement: Path):
    result, _ = full_run
    m = read_manifest(result.run_dir)
    assert m == result.manifest
    assert m["status"] == "completed"
    assert m["run_id"] == result.run_id
    assert m["kit_version"] == __version__
    assert m["clock"] == "UTC"
    started = datetime.strptime(m["started"], "%Y-%m-%dT%H:%M:%SZ")
    finished = datetime.strptime(m["finished"], "%Y-%m-%dT%H:%M:%SZ")
    assert started <= finished
    assert m["duration_s"] > 0
    assert m["layout"] == LAYOUT
    csv = engagement / "data" / "raw" / "transactions.csv"
    assert m["inputs"] == [
        {
            "path": "data/raw/transactions.csv",
            "sources": ["transactions"],
            "size": len(TRANSACTIONS_CSV.encode()),
            "sha256": sha256_file(csv),
        }
    ]
    assert m["packages"]["python"] == sys.version.split()[0]
    for name in (
        "pandas",
        "numpy",
        "scipy",
        "statsmodels",
        "seaborn",
        "matplotlib",
        "scikit-learn",
        "papermill",
        "nbconvert",
        "pydantic",
        "openpyxl",
    ):
        assert m["packages"][name], name
    assert m["packages"]["pandas"] == pd.__version__


def test_manifest_records_parameters_without_local_paths(full_run, engagement: Path, secrets):
    result, _ = full_run
    m = result.manifest
    assert m["command"]["parameters"] == RUN_PARAMETERS
    assert m["config_overrides"] == {"thresholds.bcg_growth": 0.15, "currency": "USD"}
    assert m["notebook_parameters"] == {"top_n": 4}
    assert m["engagement"]["client_name"] == "Maison Durand"
    assert m["engagement"]["currency"] == "USD"
    assert m["engagement"]["thresholds"]["bcg_growth"] == 0.15
    text = (result.run_dir / "manifest.json").read_text(encoding="utf-8")
    assert str(engagement) not in text
    assert secrets["home"] not in text
    # hashes and parameters, never data rows
    assert "C001" not in text and "120.5" not in text


def test_manifest_per_notebook_entries(full_run):
    result, _ = full_run
    alpha, beta, plain = result.manifest["notebooks"]
    assert [alpha["name"], beta["name"], plain["name"]] == ["01_alpha", "02_beta", "03_plain"]
    assert alpha["status"] == beta["status"] == plain["status"] == "completed"
    assert alpha["duration_s"] > 0 and beta["duration_s"] > 0
    # 01: parameters cell + injected cell + 6 code cells = 8; every one executed
    assert alpha["cells"] == {"total": 8, "executed": 8}
    assert alpha["executed_notebook"] == "notebooks/01_alpha.ipynb"
    assert alpha["html"] == {
        "client": "html/01_alpha.html",
        "reviewer": "html/reviewer/01_alpha.html",
    }
    numbers = result.run_dir / "results" / "01_alpha" / "numbers.csv"
    assert alpha["results"][0] == {
        "path": "results/01_alpha/numbers.csv",
        "size": numbers.stat().st_size,
        "sha256": sha256_file(numbers),
    }
    assert [r["path"] for r in alpha["results"]] == [
        "results/01_alpha/numbers.csv",
        "results/01_alpha/settings.csv",
    ]
    assert alpha["warnings"] == [
        {"message": "3 refund lines kept as negative revenue", "source": "transactions"}
    ]
    assert alpha["findings"] == [{"key": "growth", "text": "Revenue grows."}]
    assert beta["skipped"] == [
        {"section": "Customer journey", "needs": "journey events (data.journey in engagement.yaml)"}
    ]
    assert result.manifest["error"] is None
    # a notebook without run_dir cannot save into the run: the manifest says so
    assert plain["warnings"] == [
        {
            "message": "03_plain declares no run_dir parameter: what it saves goes to "
            "reports/interactive, not to this run; add run_dir = None to its parameters cell",
            "source": "runner",
        }
    ]
    assert plain["results"] == [] and plain["cells"] == {"total": 1, "executed": 1}


def test_progress_reports_notebooks_and_cells(full_run):
    _, events = full_run
    assert events[0]["event"] == "run" and events[0]["status"] == "started"
    assert events[-1]["event"] == "run" and events[-1]["status"] == "completed"
    starts = [e for e in events if e["event"] == "notebook" and e["status"] == "started"]
    assert [(e["notebook"], e["index"], e["total"], e["cells"]) for e in starts] == [
        ("01_alpha", 1, 3, 8),
        ("02_beta", 2, 3, 5),  # parameters + injected + 3 code cells
        ("03_plain", 3, 3, 1),  # no parameters cell: nothing injected
    ]
    cells = [
        e["cell"]
        for e in events
        if e["event"] == "cell" and e["status"] == "completed" and e["notebook"] == "01_alpha"
    ]
    assert cells == list(range(1, 9))


# ---- parameters -------------------------------------------------------------------------
def injected(result, name: str) -> dict:
    nb = nbformat.read(str(result.run_dir / "notebooks" / f"{name}.ipynb"), as_version=4)
    return dict(nb.metadata.papermill["parameters"])


def test_each_notebook_receives_only_what_it_declares(full_run, engagement: Path):
    result, _ = full_run
    alpha = injected(result, "01_alpha")
    assert alpha == {
        "engagement_dir": str(engagement.resolve()),
        "run_dir": str(result.run_dir),
        "config_overrides": {"thresholds.bcg_growth": 0.15, "currency": "USD"},
        "client_name": "Maison Durand",
        "currency": "USD",  # the override reaches the flat parameter too
        "top_n": 4,  # "4" parsed as YAML
    }
    assert injected(result, "02_beta") == {
        "engagement_dir": str(engagement.resolve()),
        "run_dir": str(result.run_dir),
    }
    assert injected(result, "03_plain") == {}
    plain = nbformat.read(str(result.run_dir / "notebooks" / "03_plain.ipynb"), as_version=4)
    assert [c.cell_type for c in plain.cells] == ["markdown", "code"]
    assert plain.cells[1].outputs[0].data["text/plain"] == "'notebooks'"  # cwd: notebooks/


def test_overrides_reach_the_notebooks(full_run):
    result, _ = full_run
    numbers = pd.read_csv(result.run_dir / "results" / "01_alpha" / "numbers.csv")
    assert len(numbers) == 4
    assert numbers["label"].tolist()[0] == "Maison Durand USD 0"
    settings = pd.read_csv(result.run_dir / "results" / "01_alpha" / "settings.csv")
    assert settings.to_dict("records") == [{"bcg_growth": 0.15, "currency": "USD"}]


def test_unknown_override_is_refused_before_running(engagement: Path):
    with pytest.raises(
        RunError,
        match=r"-p top_m: not a key of engagement\.yaml and not a "
        r"parameter of 01_alpha, 02_beta, 03_plain; did you mean \"top_n\"\?",
    ):
        plan_run(engagement, parameters={"top_m": "3"})


def test_override_declared_only_by_a_notebook_not_run_is_refused(engagement: Path):
    with pytest.raises(RunError, match=r"-p top_n: .* parameter of 02_beta;"):
        plan_run(engagement, only=["02"], parameters={"top_n": "3"})


def test_misspelled_config_override_is_a_config_error(engagement: Path):
    with pytest.raises(ConfigError, match=r"thresholds\.bcg_grwth.*did you mean \"bcg_growth\""):
        plan_run(engagement, parameters={"thresholds.bcg_grwth": "0.2"})


def test_invalid_override_value_is_a_config_error(engagement: Path):
    with pytest.raises(ConfigError, match="currency"):
        plan_run(engagement, parameters={"currency": "EURO"})


@pytest.mark.parametrize("key", ["engagement_dir", "run_dir", "config_overrides"])
def test_runner_parameters_cannot_be_overridden(engagement: Path, key: str):
    with pytest.raises(RunError, match=f"-p {key}: set by the runner"):
        plan_run(engagement, parameters={key: "x"})


def test_text_config_keys_stay_text(engagement: Path):
    plan = plan_run(engagement, parameters={"client_name": "2026"})
    assert plan.config_overrides == {"client_name": "2026"}
    assert plan.config.client_name == "2026"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.15", 0.15),
        ("7", 7),
        ("true", True),
        ("[a, b]", ["a", "b"]),
        ("{x: 1}", {"x": 1}),
        ("2025-12-31", "2025-12-31"),  # dates stay ISO text, JSON-able
        ("Maison Durand", "Maison Durand"),
        ("a: b: c", "a: b: c"),  # not valid YAML: kept as given
        ("", None),
        (0.2, 0.2),  # non-strings (Python callers) unchanged
    ],
)
def test_parse_parameter_value(raw, expected):
    assert parse_parameter_value(raw) == expected


def test_dry_run_plan_lists_parameters_per_notebook(engagement: Path):
    steps = plan_run(engagement, parameters={"top_n": "2"}).steps()
    assert [s["notebook"] for s in steps] == ["01_alpha", "02_beta", "03_plain"]
    assert steps[0]["parameters"]["top_n"] == 2
    assert steps[0]["parameters"]["run_dir"] == str(Path("reports") / "<run-id>")
    assert set(steps[1]["parameters"]) == {"engagement_dir", "run_dir"}
    assert steps[2]["parameters"] == {}


# ---- selection ----------------------------------------------------------------------------
@pytest.fixture
def five_notebooks(tmp_path: Path) -> list[Path]:
    for name in ["01_diagnostic", "02_market", "03_objectives", "04_customers", "06_allocation"]:
        write_notebook(tmp_path, name, ["1"])
    (tmp_path / "notebooks" / "scratch.ipynb").write_text("{}")  # not numbered: ignored
    (tmp_path / "notebooks" / "1_bad.ipynb").write_text("{}")
    return discover_notebooks(tmp_path)


@pytest.mark.parametrize(
    ("only", "start_from", "expected"),
    [
        (
            None,
            None,
            ["01_diagnostic", "02_market", "03_objectives", "04_customers", "06_allocation"],
        ),
        (["04"], None, ["04_customers"]),
        (["04_customers", "01"], None, ["01_diagnostic", "04_customers"]),
        (["06_allocation.ipynb"], None, ["06_allocation"]),
        (None, "04", ["04_customers", "06_allocation"]),
        (None, "02_market", ["02_market", "03_objectives", "04_customers", "06_allocation"]),
    ],
)
def test_select_notebooks(five_notebooks, only, start_from, expected):
    chosen = select_notebooks(five_notebooks, only=only, start_from=start_from)
    assert [p.stem for p in chosen] == expected


def test_select_unknown_notebook_says_what_exists(five_notebooks):
    with pytest.raises(
        RunError,
        match=r"--from '05': no such notebook.*have: 01_diagnostic, "
        r"02_market, 03_objectives, 04_customers, 06_allocation",
    ):
        select_notebooks(five_notebooks, start_from="05")
    with pytest.raises(RunError, match='did you mean "04_customers"'):
        select_notebooks(five_notebooks, only=["04_customer"])
    with pytest.raises(RunError, match="either --only or --from"):
        select_notebooks(five_notebooks, only=["01"], start_from="02")


def test_no_notebooks_is_a_clear_error(tmp_path: Path):
    write_engagement(tmp_path)
    with pytest.raises(RunError, match=r"no notebook to run; expected files named NN_name\.ipynb"):
        plan_run(tmp_path)


# ---- run ids ------------------------------------------------------------------------------
def test_run_ids_never_collide(tmp_path: Path):
    moment = datetime(2026, 3, 1, 9, 5, 7, tzinfo=timezone.utc)
    made = [_new_run_dir(tmp_path / "reports", None, moment).name for _ in range(3)]
    assert made == ["2026-03-01_090507", "2026-03-01_090507-2", "2026-03-01_090507-3"]


def test_explicit_run_id_is_never_overwritten(tmp_path: Path):
    moment = datetime(2026, 3, 1, tzinfo=timezone.utc)
    first = _new_run_dir(tmp_path / "reports", "baseline", moment)
    (first / "manifest.json").write_text("{}")
    with pytest.raises(RunError, match="run 'baseline' already exists; runs are never overwritten"):
        _new_run_dir(tmp_path / "reports", "baseline", moment)
    assert (first / "manifest.json").read_text() == "{}"
    with pytest.raises(RunError, match=r"run id '\.\./x'"):
        _new_run_dir(tmp_path / "reports", "../x", moment)


def test_second_run_gets_its_own_folder_and_identical_results(full_run, second_run):
    first, _ = full_run
    assert second_run.run_dir != first.run_dir
    assert second_run.run_dir.parent == first.run_dir.parent
    assert [nb["name"] for nb in second_run.manifest["notebooks"]] == ["01_alpha"]
    assert second_run.manifest["command"]["only"] == ["01"]
    # the earlier run is untouched
    assert read_manifest(first.run_dir)["status"] == "completed"
    assert (first.run_dir / "results" / "02_beta" / "doubled.csv").exists()
    for name in ("numbers.csv", "settings.csv"):
        a = (first.run_dir / "results" / "01_alpha" / name).read_bytes()
        b = (second_run.run_dir / "results" / "01_alpha" / name).read_bytes()
        assert a == b, name
    assert (
        first.manifest["notebooks"][0]["results"] == second_run.manifest["notebooks"][0]["results"]
    )
    # the pages too: the run folder is written <run>, nothing else differs
    for page in ("html/01_alpha.html", "html/reviewer/01_alpha.html"):
        assert (first.run_dir / page).read_bytes() == (second_run.run_dir / page).read_bytes()


# ---- HTML -----------------------------------------------------------------------------------
def test_client_html_hides_code_paths_user_and_stderr(full_run, engagement: Path, secrets):
    result, _ = full_run
    page = (result.run_dir / "html" / "01_alpha.html").read_text(encoding="utf-8")
    text = html_text(result.run_dir / "html" / "01_alpha.html")
    # the outputs are there...
    assert "Maison Durand USD 0" in text
    assert "cwd ./notebooks" in text
    # ...the code, the parameters and the stderr stream are not
    assert "Engagement.open" not in page
    assert "config_overrides" not in page
    assert "stderr noise" not in page
    assert "hl-ipython3" not in page  # no highlighted code block
    assert "In&nbsp;[" not in page and "Out[" not in text
    for secret in (
        str(engagement),
        str(engagement.resolve()),
        secrets["home"],
        secrets["user"],
        str(result.run_dir),
    ):
        assert secret not in page, secret
    assert "home ~ user &lt;user&gt;" in page


def test_reviewer_html_keeps_the_code(full_run, engagement: Path, secrets):
    result, _ = full_run
    page = (result.run_dir / "html" / "reviewer" / "01_alpha.html").read_text(encoding="utf-8")
    text = html_text(result.run_dir / "html" / "reviewer" / "01_alpha.html")
    assert "hl-ipython3" in page
    assert "Engagement.open" in text
    assert "stderr noise" in text
    assert "default_rng" in text
    assert str(engagement) not in page and secrets["home"] not in page


def test_client_html_embeds_its_images(full_run):
    result, _ = full_run
    page = (result.run_dir / "html" / "02_beta.html").read_text(encoding="utf-8")
    assert 'src="http' not in page.replace('src="https://cdn', "")  # only the lab template's CDN
    assert "Section non traitée : Parcours client" in page  # the skip note, in French


# ---- failure and interruption ----------------------------------------------------------------
@pytest.fixture(scope="module")
def failed_run(tmp_path_factory: pytest.TempPathFactory):
    root = write_engagement(tmp_path_factory.mktemp("failing") / "acme")
    write_notebook(
        root, "01_ok", [OPEN.format(name="01_ok"), "eng.save('kept', pd.DataFrame({'a': [1]}))"]
    )
    write_notebook(
        root,
        "02_broken",
        [
            OPEN.format(name="02_broken"),
            "eng.save('partial', pd.DataFrame({'b': [2]}))",
            "raise ValueError('amount column has text in rows 14, 15')",
            "eng.save('never', pd.DataFrame({'c': [3]}))",
        ],
    )
    write_notebook(root, "03_after", [OPEN.format(name="03_after")])
    with pytest.raises(RunError) as info:
        run_engagement(root)
    return root, info.value


def test_failure_message_names_notebook_cell_and_error(failed_run):
    root, error = failed_run
    first, *rest = str(error).splitlines()
    # In [1] parameters, [2] injected parameters, [3] imports, [4] save, [5] raise
    assert first == "02_broken failed at cell 5: ValueError: amount column has text in rows 14, 15"
    assert (
        rest[0]
        == "  the cell (In [5]) begins: raise ValueError('amount column has text in rows 14, 15')"
    )
    assert str(error.run_dir) in rest[1]
    assert error.run_dir.parent == root / "reports"


def test_failed_run_manifest_and_kept_outputs(failed_run):
    _, error = failed_run
    run_dir = error.run_dir
    m = read_manifest(run_dir)
    assert m["status"] == "failed"
    assert m["finished"] is not None
    assert [(nb["name"], nb["status"]) for nb in m["notebooks"]] == [
        ("01_ok", "completed"),
        ("02_broken", "failed"),
        ("03_after", "not-run"),
    ]
    broken = m["notebooks"][1]
    assert broken["error"] == {
        "cell": 5,
        "code_cell": 4,  # 4th code cell of the notebook as written (parameters cell first)
        "cell_id": broken["error"]["cell_id"],
        "cell_source": "raise ValueError('amount column has text in rows 14, 15')",
        "name": "ValueError",
        "message": "amount column has text in rows 14, 15",
    }
    assert m["error"] == {"notebook": "02_broken", **broken["error"]}
    assert broken["cells"] == {"total": 6, "executed": 5}
    # what ran before is intact, the failed notebook kept for review, nothing after it
    assert (run_dir / "results" / "01_ok" / "kept.csv").read_text() == "a\n1\n"
    assert (run_dir / "html" / "01_ok.html").exists()
    assert (run_dir / "results" / "02_broken" / "partial.csv").exists()
    assert not (run_dir / "results" / "02_broken" / "never.csv").exists()
    executed = nbformat.read(str(run_dir / "notebooks" / "02_broken.ipynb"), as_version=4)
    assert executed.metadata.papermill["exception"] is True
    assert broken["html"]["reviewer"] == "html/reviewer/02_broken.html"
    assert "amount column has text" in (run_dir / broken["html"]["client"]).read_text("utf-8")
    assert not (run_dir / "notebooks" / "03_after.ipynb").exists()


def test_list_runs_and_latest_run(failed_run, full_run, second_run, engagement: Path):
    root, error = failed_run
    runs = list_runs(root)
    assert runs[["run_id", "status", "completed", "notebooks", "failed"]].to_dict("records") == [
        {
            "run_id": error.run_dir.name,
            "status": "failed",
            "completed": 1,
            "notebooks": 3,
            "failed": "02_broken",
        }
    ]
    assert latest_run(root) == error.run_dir
    assert latest_run(root, status="completed") is None
    first, _ = full_run
    both = list_runs(engagement)
    assert both["run_id"].tolist()[:2] == [first.run_id, second_run.run_id]
    assert str(both["started"].dtype) == "datetime64[us, UTC]" or "UTC" in str(
        both["started"].dtype
    )
    assert latest_run(engagement, status="completed") == second_run.run_dir


def test_list_runs_of_a_new_engagement_is_empty(tmp_path: Path):
    runs = list_runs(tmp_path)
    assert runs.empty
    assert list(runs.columns) == [
        "run_id",
        "status",
        "started",
        "duration_s",
        "completed",
        "notebooks",
        "failed",
    ]
    assert latest_run(tmp_path) is None


def test_interrupted_run_says_so(tmp_path: Path):
    root = write_engagement(tmp_path / "acme")
    write_notebook(root, "01_ok", [OPEN.format(name="01_ok"), "1 + 1", "2 + 2"])
    write_notebook(root, "02_next", ["1"])

    def interrupt(event: dict) -> None:  # Ctrl-C while cell 3 of 01 runs
        if event["event"] == "cell" and event["cell"] == 3 and event["status"] == "started":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_engagement(root, progress=interrupt)
    (run_dir,) = (root / "reports").iterdir()
    m = read_manifest(run_dir)
    assert m["status"] == "interrupted"
    assert [(nb["name"], nb["status"]) for nb in m["notebooks"]] == [
        ("01_ok", "interrupted"),
        ("02_next", "not-run"),
    ]
    assert m["error"]["name"] == "KeyboardInterrupt"
    assert m["error"]["notebook"] == "01_ok"
    assert list_runs(root)["status"].tolist() == ["interrupted"]


def test_killed_kernel_fails_the_run_with_one_message(tmp_path: Path):
    root = write_engagement(tmp_path / "acme")
    write_notebook(
        root,
        "01_dies",
        [OPEN.format(name="01_dies"), "import signal\nos.kill(os.getpid(), signal.SIGKILL)"],
    )
    with pytest.raises(RunError) as info:
        run_engagement(root)
    # In [1] parameters, [2] injected, [3] imports, [4] the kill
    assert (
        str(info.value).splitlines()[0] == "01_dies failed at cell 4: DeadKernelError: Kernel died"
    )
    m = read_manifest(info.value.run_dir)
    assert m["status"] == "failed"
    assert m["notebooks"][0]["status"] == "failed"
    assert m["error"]["name"] == "DeadKernelError"
    assert (info.value.run_dir / "notebooks" / "01_dies.ipynb").exists()


def test_config_error_stops_before_anything_runs(tmp_path: Path):
    root = write_engagement(
        tmp_path / "acme", ENGAGEMENT_YAML.replace("currency: EUR", "curency: EUR")
    )
    write_notebook(root, "01_ok", ["1"])
    with pytest.raises(ConfigError, match=r"unknown key 'curency'; did you mean \"currency\""):
        run_engagement(root)
    assert not (root / "reports").exists()


# ---- kernel ---------------------------------------------------------------------------------
def test_kit_kernel_runs_this_python():
    from jupyter_client.kernelspec import KernelSpecManager

    name = ensure_kernel()
    spec = KernelSpecManager().get_kernel_spec(name)
    assert spec.argv[0] == sys.executable
    assert spec.env["PYTHONHASHSEED"] == "0"
    assert ensure_kernel(name) == name


def test_unknown_kernel_is_a_clear_error():
    with pytest.raises(RunError, match="kernel 'no-such-kernel' not found"):
        ensure_kernel("no-such-kernel")


def test_manifest_is_valid_json_after_every_step(full_run):
    result, _ = full_run
    leftovers = [p.name for p in result.run_dir.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
