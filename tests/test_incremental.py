"""Incremental and parallel runs: real papermill runs of a four-notebook engagement.

01_sales reads the transactions, 02_people the customers file; 03_mix needs 01_sales and
04_late needs 02_people (declared in notebook metadata ``stratbook.needs``). A baseline
run is made once; each test that changes something works on a copy of the engagement
folder (run folders included), so that it starts from the same earlier run.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from helpers.cli import main
from helpers.errors import RunError
from helpers.incremental import (
    Current,
    compare,
    dependency_graph,
    notebook_sha256,
    upstream_closure,
)
from helpers.runner import read_manifest, run_engagement

KIT_NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

ENGAGEMENT_YAML = """\
client_name: Maison Durand
engagement_slug: maison-durand
currency: EUR
language: en
period_start: 2024-01
data:
  transactions:
    path: data/raw/transactions.csv
  customers:
    path: data/raw/customers.csv
"""
TRANSACTIONS = "customer_id,order_date,amount\nC001,2024-01-05,120.5\nC002,2024-02-11,80\n"
CUSTOMERS = "customer_id,segment\nC001,A\nC002,B\nC003,B\n"
PARAMETERS = "engagement_dir = None\nrun_dir = None\nconfig_overrides = {}"
OPEN = (
    "import pandas as pd\n"
    "from helpers.context import Engagement\n"
    "eng = Engagement.open(engagement_dir, run_dir=run_dir, notebook={name!r}, "
    "config_overrides=config_overrides)"
)
NOTEBOOKS = {
    "01_sales": (
        [],
        PARAMETERS,
        [
            "tx = eng.load('transactions')\n"
            "eng.save('total', pd.DataFrame({'revenue': [tx['amount'].sum()]}))",
        ],
    ),
    "02_people": (
        [],
        PARAMETERS,
        [
            "people = pd.read_csv(eng.config.source_path('customers')) "
            "if eng.has('customers') else pd.DataFrame()\n"
            "eng.save('count', pd.DataFrame({'customers': [len(people)]}))",
        ],
    ),
    "03_mix": (
        ["01_sales"],
        PARAMETERS + "\nfactor = 2",
        [
            "total = eng.result('01_sales', 'total')\n"
            "eng.save('scaled', total.assign(revenue=total['revenue'] * factor))",
        ],
    ),
    "04_late": (
        ["02"],
        PARAMETERS,
        [
            "count = eng.result('02_people', 'count')\n"
            "eng.save('count_plus', count.assign(customers=count['customers'] + 1))",
        ],
    ),
}


def write_notebook(root: Path, name: str, needs, parameters: str, cells: list[str]) -> Path:
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    metadata: dict = {"kernelspec": kernelspec}
    if needs is not None:
        metadata["stratbook"] = {"needs": needs}
    nb = new_notebook(metadata=metadata)
    nb.cells.append(new_markdown_cell(f"# {name}"))
    params = new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells.append(params)
    nb.cells.append(new_code_cell(OPEN.format(name=name)))
    nb.cells.extend(new_code_cell(c) for c in cells)
    path = root / "notebooks" / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def write_engagement(root: Path) -> Path:
    raw = root / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / "transactions.csv").write_text(TRANSACTIONS, encoding="utf-8")
    (raw / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (root / "engagement.yaml").write_text(ENGAGEMENT_YAML, encoding="utf-8")
    for name, (needs, parameters, cells) in NOTEBOOKS.items():
        write_notebook(root, name, needs, parameters, cells)
    return root


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory):
    """An engagement and its first, complete run."""
    root = write_engagement(tmp_path_factory.mktemp("incr") / "maison")
    return root, run_engagement(root, run_id="base")


@pytest.fixture
def engagement(baseline, tmp_path: Path) -> Path:
    """A copy of the baseline engagement with its run folder."""
    root, _ = baseline
    copy = tmp_path / "maison"
    shutil.copytree(root, copy)
    return copy


def actions(result) -> dict[str, str]:
    return {
        e["name"]: ("reused" if e.get("reused_from") else "ran")
        for e in result.manifest["notebooks"]
    }


def reasons(result) -> dict[str, str]:
    return {e["name"]: e["decision"]["reason"] for e in result.manifest["notebooks"]}


def csvs(run_dir: Path) -> dict[str, str]:
    return {
        p.relative_to(run_dir).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted((run_dir / "results").rglob("*.csv"))
    }


# ---- what each notebook read and needs --------------------------------------------------
@pytest.mark.slow
def test_baseline_records_what_each_notebook_read(baseline):
    _, result = baseline
    entries = {e["name"]: e for e in result.manifest["notebooks"]}
    assert list(entries["01_sales"]["fingerprint"]["inputs"]) == ["data/raw/transactions.csv"]
    assert list(entries["02_people"]["fingerprint"]["inputs"]) == ["data/raw/customers.csv"]
    assert entries["03_mix"]["fingerprint"]["inputs"] == {}
    assert entries["03_mix"]["fingerprint"]["upstream"] == {
        "01_sales": entries["01_sales"]["fingerprint_sha256"]
    }
    assert entries["04_late"]["fingerprint"]["upstream"] == {
        "02_people": entries["02_people"]["fingerprint_sha256"]
    }


def test_dependency_graph_reads_metadata_and_defaults_to_every_earlier(tmp_path: Path):
    write_engagement(tmp_path)
    write_notebook(tmp_path, "05_legacy", None, PARAMETERS, ["1"])
    graph = dependency_graph(sorted((tmp_path / "notebooks").glob("*.ipynb")))
    assert graph == {
        "01_sales": (),
        "02_people": (),
        "03_mix": ("01_sales",),
        "04_late": ("02_people",),
        "05_legacy": ("01_sales", "02_people", "03_mix", "04_late"),
    }
    assert upstream_closure(graph, ["04_late"]) == {"04_late", "02_people"}


@pytest.mark.parametrize(
    ("needs", "message"),
    [(["04_late"], "not an earlier notebook"), (["09_x"], "not a notebook of this engagement")],
)
def test_needs_must_name_an_earlier_notebook(tmp_path: Path, needs, message):
    write_engagement(tmp_path)
    write_notebook(tmp_path, "03_mix", needs, PARAMETERS, ["1"])
    with pytest.raises(RunError, match=message):
        dependency_graph(sorted((tmp_path / "notebooks").glob("*.ipynb")))


def test_kit_notebooks_declare_every_notebook_whose_results_they_read():
    paths = sorted(KIT_NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    graph = dependency_graph(paths)
    for path in paths:
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert "needs" in nb["metadata"]["stratbook"], path.name
        code = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        read = set(re.findall(r"eng\.(?:has_)?result\(\s*[\"'](\d\d_\w+)[\"']", code))
        assert read <= set(graph[path.stem]), f"{path.name} reads {read}"
    assert graph["06_allocation"] == ("04_customers",)
    assert graph["03_objectives"] == ("01_diagnostic",)


def test_notebook_hash_ignores_outputs_and_execution_counts(tmp_path: Path):
    source = write_engagement(tmp_path / "maison") / "notebooks" / "01_sales.ipynb"
    nb = nbformat.read(str(source), as_version=4)
    for cell in nb.cells:  # what running and saving it in JupyterLab adds
        if cell.cell_type == "code":
            cell.execution_count = 7
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="42\n")]
            cell.metadata["scrolled"] = True
            cell.metadata.setdefault("tags", []).append("hide-input")
    nb.metadata["widgets"] = {"state": {}}
    nbformat.write(nb, str(tmp_path / "ran.ipynb"))
    assert notebook_sha256(tmp_path / "ran.ipynb") == notebook_sha256(source)
    nb.cells[-1].source += "\n"
    nbformat.write(nb, str(tmp_path / "edited.ipynb"))
    assert notebook_sha256(tmp_path / "edited.ipynb") != notebook_sha256(source)


SHA = st.text("0123456789abcdef", min_size=4, max_size=4)
PATHS = st.dictionaries(st.sampled_from(["a.csv", "b.csv", "w.xlsx"]), st.none() | SHA)


@given(inputs=PATHS, upstream=st.dictionaries(st.sampled_from(["01_a", "02_b"]), SHA))
def test_an_unchanged_fingerprint_holds_and_any_one_change_is_named(inputs, upstream):
    current = Current(notebook="n", kit="k", settings="s", parameters="p")
    before = {**current.__dict__, "inputs": inputs, "upstream": upstream}
    assert compare(current, before, hashes=inputs, upstream=upstream) is None
    for path, sha in inputs.items():
        now = {**inputs, path: "ffff" if sha != "ffff" else "eeee"}
        assert path in compare(current, before, hashes=now, upstream=upstream)
    for name in upstream:
        assert compare(current, before, hashes=inputs, upstream={**upstream, name: None}) == (
            f"upstream {name} reruns"
        )
    for part in ("notebook", "kit", "settings", "parameters"):
        changed = Current(**{**current.__dict__, part: "x"})
        assert compare(changed, before, hashes=inputs, upstream=upstream) is not None


@pytest.mark.slow
def test_reading_an_undeclared_notebook_fails_clearly(engagement: Path):
    write_notebook(
        engagement,
        "04_late",
        [],  # reads 02_people's result without declaring it
        PARAMETERS,
        ["count = eng.result('02_people', 'count')"],
    )
    with pytest.raises(RunError) as caught:
        run_engagement(engagement, incremental=True)
    message = str(caught.value)
    assert "04_late failed" in message
    assert "UndeclaredDependency" in message
    assert "02_people" in message and "stratbook.needs" in message


# ---- incremental reruns -----------------------------------------------------------------
@pytest.mark.slow
def test_nothing_changed_reuses_everything_into_a_complete_folder(engagement: Path):
    base = engagement / "reports" / "base"
    result = run_engagement(engagement, incremental=True)
    assert actions(result) == dict.fromkeys(NOTEBOOKS, "reused")
    assert set(reasons(result).values()) == {"up to date"}
    assert {e["reused_from"] for e in result.manifest["notebooks"]} == {"base"}
    assert csvs(result.run_dir) == csvs(base)
    for name in NOTEBOOKS:
        for layout in ("notebooks/{}.ipynb", "html/{}.html", "html/reviewer/{}.html"):
            assert (result.run_dir / layout.format(name)).is_file()
    assert result.manifest["deliverables_reused_from"] == "base"
    for made in ("report.html", "results.xlsx"):
        assert (result.run_dir / made).read_bytes() == (base / made).read_bytes()
    assert result.manifest["incremental"] == {"reused": sorted(NOTEBOOKS), "run": []}


@pytest.mark.slow
def test_changing_one_input_reruns_its_readers_and_their_dependents(engagement: Path):
    (engagement / "data" / "raw" / "customers.csv").write_text(
        CUSTOMERS + "C004,A\n", encoding="utf-8"
    )
    result = run_engagement(engagement, incremental=True)
    assert actions(result) == {
        "01_sales": "reused",
        "02_people": "ran",
        "03_mix": "reused",
        "04_late": "ran",
    }
    assert reasons(result)["02_people"] == "input data/raw/customers.csv changed"
    assert reasons(result)["04_late"] == "upstream 02_people reruns"
    assert csvs(result.run_dir)["results/04_late/count_plus.csv"] == "customers\n5\n"
    assert "deliverables_reused_from" not in result.manifest
    assert (result.run_dir / "report.html").is_file()
    # and once more: everything is up to date with the run just made
    again = run_engagement(engagement, incremental=True)
    assert set(actions(again).values()) == {"reused"}
    assert again.manifest["notebooks"][1]["reused_from"] == result.run_id


@pytest.mark.slow
def test_editing_a_notebook_reruns_it_and_its_dependents(engagement: Path):
    name = "01_sales"
    needs, parameters, cells = NOTEBOOKS[name]
    write_notebook(engagement, name, needs, parameters, [*cells, "print('more')"])
    result = run_engagement(engagement, incremental=True)
    assert actions(result) == {
        "01_sales": "ran",
        "02_people": "reused",
        "03_mix": "ran",
        "04_late": "reused",
    }
    assert reasons(result)["01_sales"] == "notebook changed"
    assert reasons(result)["03_mix"] == "upstream 01_sales reruns"


@pytest.mark.slow
def test_a_new_parameter_value_reruns_only_who_receives_it(engagement: Path):
    result = run_engagement(engagement, incremental=True, parameters={"factor": "3"})
    assert [n for n, a in actions(result).items() if a == "ran"] == ["03_mix"]
    assert reasons(result)["03_mix"] == "parameters changed"
    assert csvs(result.run_dir)["results/03_mix/scaled.csv"] == "revenue\n601.5\n"


@pytest.mark.slow
def test_engagement_settings_change_reruns_everything(engagement: Path):
    result = run_engagement(engagement, incremental=True, parameters={"currency": "USD"})
    assert set(actions(result).values()) == {"ran"}
    assert reasons(result)["01_sales"] == "engagement.yaml changed"


@pytest.mark.slow
def test_force_runs_everything(engagement: Path):
    result = run_engagement(engagement, incremental=False)
    assert set(actions(result).values()) == {"ran"}
    assert set(reasons(result).values()) == {"forced"}


@pytest.mark.slow
def test_only_a_notebook_with_a_stale_upstream_runs_the_upstream_too(engagement: Path):
    (engagement / "data" / "raw" / "transactions.csv").write_text(
        TRANSACTIONS + "C003,2024-03-01,10\n", encoding="utf-8"
    )
    result = run_engagement(engagement, incremental=True, only=["03"])
    assert actions(result) == {"01_sales": "ran", "03_mix": "ran"}
    assert reasons(result)["01_sales"] == (
        "input data/raw/transactions.csv changed (needed by the notebooks selected)"
    )
    assert csvs(result.run_dir)["results/03_mix/scaled.csv"] == "revenue\n421\n"


# ---- parallel runs ----------------------------------------------------------------------
@pytest.mark.slow
def test_two_jobs_give_the_same_results_and_respect_needs(baseline, engagement: Path):
    _, base = baseline
    events: list[dict] = []
    result = run_engagement(engagement, jobs=2, progress=events.append)
    assert result.status == "completed"
    assert csvs(result.run_dir) == csvs(base.run_dir)
    times = {e["name"]: e["timeline_s"] for e in result.manifest["notebooks"]}
    assert times["03_mix"]["start"] >= times["01_sales"]["end"]
    assert times["04_late"]["start"] >= times["02_people"]["end"]
    # two notebooks did run at the same time
    assert times["02_people"]["start"] < times["01_sales"]["end"]
    assert read_manifest(result.run_dir)["status"] == "completed"
    starts = [e for e in events if (e["event"], e.get("status")) == ("notebook", "started")]
    started = [e["notebook"] for e in starts]
    assert sorted(started) == sorted(NOTEBOOKS)


@pytest.mark.slow
def test_a_failure_under_two_jobs_stops_new_notebooks_and_says_what_completed(
    engagement: Path,
):
    write_notebook(
        engagement, "02_people", [], PARAMETERS, ["raise ValueError('customers file broken')"]
    )
    with pytest.raises(RunError, match=r"02_people failed at cell \d+: ValueError: customers"):
        run_engagement(engagement, jobs=2)
    (run_dir,) = [p for p in (engagement / "reports").iterdir() if p.name not in ("base", ".cache")]
    manifest = read_manifest(run_dir)
    status = {e["name"]: e["status"] for e in manifest["notebooks"]}
    assert status["02_people"] == "failed"
    assert status["04_late"] == "not-run"  # its upstream failed
    assert status["01_sales"] == "completed"  # was running alongside: finished
    assert manifest["status"] == "failed"
    assert manifest["error"]["notebook"] == "02_people"
    assert (run_dir / "results" / "01_sales" / "total.csv").is_file()


# ---- the command line -------------------------------------------------------------------
@pytest.mark.slow
def test_cli_says_what_is_reused_and_why_the_rest_runs(engagement: Path):
    (engagement / "data" / "raw" / "customers.csv").write_text(
        CUSTOMERS + "C004,A\n", encoding="utf-8"
    )
    runner = CliRunner()
    plan = runner.invoke(main, ["run", "-e", str(engagement), "--dry-run"])
    assert plan.exit_code == 0, plan.output
    assert "    up to date, reused from base" in plan.output
    assert "    runs: input data/raw/customers.csv changed" in plan.output
    assert "    runs: upstream 02_people reruns" in plan.output
    done = runner.invoke(main, ["run", "-e", str(engagement), "--jobs", "2"])
    assert done.exit_code == 0, done.output
    assert "01_sales: up to date, reused from base" in done.output
    assert "02_people: runs: input data/raw/customers.csv changed" in done.output
    assert "04_late completed in" in done.output
    forced = runner.invoke(main, ["run", "-e", str(engagement), "--dry-run", "--force"])
    assert forced.output.count("runs: forced") == 4
