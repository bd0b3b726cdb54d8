"""The engagement template, tested by generating it (like cookiecutter-data-science's
tests/test_creation.py): exact tree, nothing left unrendered, bad input refused."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from helpers import nbstrip
from helpers.config import (
    SLUG_PATTERN,
    AllocationSettings,
    CustomerSettings,
    LtvSettings,
    MarketSettings,
    PipelineSettings,
    Thresholds,
    load_config,
)
from helpers.errors import TemplateError
from helpers.sample import write_sample_engagement
from helpers.schema import INPUT_SOURCES, INPUTS_WORKBOOK
from helpers.template import kit_dir, new_engagement, slugify, validate_context

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not on PATH")
COOKIECUTTER = Path(sys.executable).with_name("cookiecutter")

RAW_FILES = {
    f"data/raw/{name}.csv"
    for name in (
        "transactions",
        "customers",
        "journey",
        "opportunities",
        "business_units",
        "competitors",
        "benchmarks",
    )
}
COMMON_FILES = {
    ".gitignore",
    ".gitattributes",
    "README.md",
    "engagement.yaml",
    "data/raw/.gitkeep",
    INPUTS_WORKBOOK,
    "reports/.gitkeep",
}
SLUG_ERROR = (
    "engagement_slug {!r} is not valid: use lower-case letters, digits and single hyphens "
    "(e.g. 'acme-2026')"
)


def _notebooks() -> set[str]:
    return {f"notebooks/{p.name}" for p in (kit_dir() / "notebooks").glob("[0-9][0-9]_*.ipynb")}


def _tree(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def _everything(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def default_bake(tmp_path_factory) -> Path:
    """The template with every default: Maison Durand, EUR, en, 2023-01, sample data."""
    return new_engagement(tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module")
def empty_bake(tmp_path_factory) -> Path:
    return new_engagement(
        tmp_path_factory.mktemp("empty"),
        extra_context={"client_name": "Acme Industries", "sample_data": "no"},
    )


# ---- the tree -----------------------------------------------------------------------------
def test_default_bake_tree(default_bake):
    assert default_bake.name == "maison-durand"
    assert _tree(default_bake) == COMMON_FILES | RAW_FILES | _notebooks()
    assert (default_bake / "notebooks").is_dir()


def test_bake_without_sample_data_tree(empty_bake):
    assert empty_bake.name == "acme-industries"
    assert _tree(empty_bake) == COMMON_FILES | _notebooks()


def test_notebooks_are_the_kits_own(default_bake):
    for name in _notebooks():
        assert (default_bake / name).read_bytes() == (kit_dir() / name).read_bytes()


@pytest.mark.parametrize("bake", ["default_bake", "empty_bake"])
def test_nothing_left_unrendered(bake, request):
    root = request.getfixturevalue(bake)
    for rel in _tree(root):
        if rel.startswith(("notebooks/", "data/")):
            continue  # copied or written by the hook, not rendered
        text = (root / rel).read_text(encoding="utf-8")
        assert "{{" not in text and "{%" not in text and "cookiecutter" not in text, rel


# ---- engagement.yaml ----------------------------------------------------------------------
def test_engagement_yaml_loads_with_every_source(default_bake):
    config = load_config(default_bake)  # also checks that every data file exists
    assert (config.client_name, config.engagement_slug) == ("Maison Durand", "maison-durand")
    assert (config.currency, config.language, config.period_start) == ("EUR", "en", "2023-01")
    assert config.seed == 2026
    assert {"transactions", "customers", "journey", "opportunities"} <= set(config.data)
    assert set(INPUT_SOURCES) <= set(config.data)
    assert config.data["transactions"].columns["amount"] == "Montant HT (€)"


def test_engagement_yaml_documents_the_defaults_of_every_section(default_bake):
    config = load_config(default_bake)
    assert config.thresholds == Thresholds()
    assert config.market == MarketSettings()
    assert config.customers == CustomerSettings()
    assert config.ltv == LtvSettings()
    assert config.allocation == AllocationSettings()
    assert config.pipeline == PipelineSettings()
    text = (default_bake / "engagement.yaml").read_text(encoding="utf-8")
    for section in ("thresholds", "market", "customers", "ltv", "allocation", "pipeline"):
        assert f"\n{section}:\n" in text
    assert "# Examples:" in text  # the commented examples survive the hook


def test_empty_bake_has_no_sources_and_an_input_template(empty_bake):
    config = load_config(empty_bake)
    assert config.data == {}
    assert "\ndata: {}\n" in (empty_bake / "engagement.yaml").read_text(encoding="utf-8")
    wb = load_workbook(empty_bake / INPUTS_WORKBOOK)
    assert wb.sheetnames == ["README", *INPUT_SOURCES]
    assert not list((empty_bake / "data" / "raw").glob("*.csv"))


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"language": "fr"}, {"language": "fr"}),
        ({"currency": "CHF"}, {"currency": "CHF"}),
        (
            {"period_start": "2024-07", "engagement_slug": "durand-2026"},
            {"period_start": "2024-07", "engagement_slug": "durand-2026"},
        ),
    ],
)
def test_each_option_is_rendered(tmp_path, extra, expected):
    root = new_engagement(tmp_path, extra_context={**extra, "sample_data": "no"})
    config = load_config(root)
    for key, value in expected.items():
        assert getattr(config, key) == value
    assert root.name == config.engagement_slug
    assert _tree(root) == COMMON_FILES | _notebooks()


def test_sample_data_follows_period_start(tmp_path):
    later = new_engagement(
        tmp_path,
        extra_context={"client_name": "Later", "period_start": "2024-04", "_sample_scale": 0.05},
    )
    first = (later / "data/raw/transactions.csv").read_text(encoding="cp1252").splitlines()[1]
    assert first.split(";")[2].endswith("/04/2024")
    assert load_config(later).data["transactions"].path == "data/raw/transactions.csv"


# ---- confidentiality: git ----------------------------------------------------------------
@needs_git
def test_gitignore_keeps_client_data_and_reports_out(default_bake):
    def ignored(path: str) -> bool:
        run = subprocess.run([GIT, "check-ignore", "-q", path], cwd=default_bake)
        return run.returncode == 0

    assert (default_bake / ".git").is_dir()
    for path in (
        "data/raw/transactions.csv",
        "data/raw/new_export.xlsx",
        "reports/20260101-120000/manifest.json",
        "secrets.local.yaml",
        "notebooks/.ipynb_checkpoints/01_diagnostic-checkpoint.ipynb",
    ):
        assert ignored(path), path
    for path in (
        "engagement.yaml",
        "README.md",
        "data/raw/.gitkeep",
        "reports/.gitkeep",
        INPUTS_WORKBOOK,
        "notebooks/01_diagnostic.ipynb",
    ):
        assert not ignored(path), path


@needs_git
def test_notebook_diffs_go_through_nbdime_when_it_is_installed(default_bake):
    pytest.importorskip("nbdime")  # in the test extra: runs in make test

    def config(key: str) -> str:
        got = subprocess.run(
            [GIT, "config", "--local", "--get", key],
            cwd=default_bake,
            capture_output=True,
            text=True,
        )
        return got.stdout.strip()

    assert config("diff.jupyternotebook.command") == "git-nbdiffdriver diff"
    assert config("merge.jupyternotebook.driver").startswith("git-nbmergedriver merge")
    attributes = subprocess.run(
        [GIT, "check-attr", "diff", "filter", "--", "notebooks/01_diagnostic.ipynb"],
        cwd=default_bake,
        capture_output=True,
        text=True,
    ).stdout
    assert "diff: jupyternotebook" in attributes
    assert "filter: stratbook-strip" in attributes  # the output-stripping filter stays


@needs_git
def test_notebook_outputs_are_stripped_on_commit(tmp_path):
    root = new_engagement(tmp_path, extra_context={"sample_data": "no"})
    clean = subprocess.run(
        [GIT, "config", "filter.stratbook-strip.clean"], cwd=root, capture_output=True, text=True
    ).stdout
    assert "-m helpers.nbstrip" in clean
    attr = subprocess.run(
        [GIT, "check-attr", "filter", "notebooks/x.ipynb"], cwd=root, capture_output=True, text=True
    ).stdout
    assert attr.strip() == "notebooks/x.ipynb: filter: stratbook-strip"
    executed = _notebook_with_outputs()
    (root / "notebooks" / "x.ipynb").write_text(
        json.dumps(executed, ensure_ascii=False), encoding="utf-8"
    )
    subprocess.run([GIT, "add", "notebooks/x.ipynb"], cwd=root, check=True)
    stored = subprocess.run(
        [GIT, "show", ":notebooks/x.ipynb"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    assert "1 234 567 €" not in stored  # the client number stays in the working copy only
    assert json.loads(stored)["cells"][0]["outputs"] == []
    assert "1 234 567 €" in (root / "notebooks" / "x.ipynb").read_text(encoding="utf-8")


def _notebook_with_outputs() -> dict:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3"}, "papermill": {"duration": 3.2}},
        "cells": [
            {
                "cell_type": "code",
                "id": "a1",
                "execution_count": 7,
                "metadata": {"tags": ["parameters"], "execution": {"iopub.status.busy": "x"}},
                "source": "revenue",
                "outputs": [{"output_type": "stream", "name": "stdout", "text": "1 234 567 €"}],
            },
            {"cell_type": "markdown", "id": "b2", "metadata": {}, "source": "# Title"},
        ],
    }


def test_nbstrip_removes_outputs_and_run_metadata_only():
    notebook = _notebook_with_outputs()
    stripped = nbstrip.strip_notebook(notebook)
    code, markdown = stripped["cells"]
    assert code["outputs"] == [] and code["execution_count"] is None
    assert code["metadata"] == {"tags": ["parameters"]}  # tags kept, run metadata dropped
    assert code["source"] == "revenue" and markdown == notebook["cells"][1]
    assert stripped["metadata"] == {"kernelspec": {"name": "python3"}}
    assert notebook["cells"][0]["outputs"]  # the input is not modified
    assert nbstrip.strip_text("not a notebook") == "not a notebook"
    run = subprocess.run(
        [sys.executable, "-m", "helpers.nbstrip"],
        input=json.dumps(notebook).encode(),
        capture_output=True,
        check=True,
    )
    assert json.loads(run.stdout) == stripped


# ---- names render as text -----------------------------------------------------------------
NASTY_NAMES = [
    "Acme \"Quotes\" & 'Sons' {{ x }} {% if %} #1: key",
    "<script>alert(1)</script> $(rm -rf ~); `id`",
    "Société Générale & Fils",
]


@pytest.mark.parametrize("name", NASTY_NAMES)
def test_client_names_render_as_text(tmp_path, name):
    root = new_engagement(tmp_path, extra_context={"client_name": name, "sample_data": "no"})
    assert SLUG_PATTERN.match(root.name)
    assert root.parent == tmp_path  # the slug cannot escape the output folder
    assert root.name == slugify(name)
    raw = yaml.safe_load((root / "engagement.yaml").read_text(encoding="utf-8"))
    assert raw["client_name"] == name
    assert load_config(root).client_name == name
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "<script>" not in readme
    assert "Société Générale &amp; Fils" in readme or "Société" not in name


# ---- bad input: refused with one line, nothing left ---------------------------------------
BAD_INPUTS = [
    ({"engagement_slug": "../x"}, SLUG_ERROR.format("../x")),
    ({"engagement_slug": "Acme Corp!"}, SLUG_ERROR.format("Acme Corp!")),
    ({"engagement_slug": "acme--corp"}, SLUG_ERROR.format("acme--corp")),
    ({"client_name": "!!!"}, SLUG_ERROR.format("")),
    ({"currency": "EURO"}, "currency 'EURO' is not an ISO 4217 code (e.g. EUR, USD, GBP, CHF)"),
    ({"currency": "eur"}, "currency 'eur' is not an ISO 4217 code (e.g. EUR, USD, GBP, CHF)"),
    ({"period_start": "2023-13"}, "period_start '2023-13' is not a month YYYY-MM (e.g. 2023-01)"),
]


@pytest.mark.parametrize(("extra", "reason"), BAD_INPUTS)
def test_bad_input_is_refused_and_nothing_is_left(tmp_path, extra, reason):
    out = tmp_path / "out"
    out.mkdir()
    before = _everything(tmp_path)
    with pytest.raises(TemplateError) as err:
        new_engagement(out, extra_context=extra)
    assert str(err.value) == reason
    assert "\n" not in str(err.value)
    assert _everything(tmp_path) == before


@pytest.mark.parametrize(("extra", "reason"), BAD_INPUTS)
def test_validate_context_agrees_with_the_hook(extra, reason):
    with pytest.raises(TemplateError) as err:
        validate_context(extra)
    assert str(err.value) == reason


def test_validate_context_resolves_the_slug():
    values = validate_context({"client_name": "Société Générale & Fils", "language": "fr"})
    assert values["engagement_slug"] == "societe-generale-fils"
    assert values["language"] == "fr" and values["currency"] == "EUR"
    with pytest.raises(TemplateError, match="unknown template variable"):
        validate_context({"clientname": "x"})


def test_unknown_language_is_refused(tmp_path):
    with pytest.raises(TemplateError, match="de"):
        new_engagement(tmp_path, extra_context={"language": "de", "sample_data": "no"})
    assert not list(tmp_path.iterdir())


def test_existing_folder_is_not_overwritten(tmp_path):
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "keep.txt").write_text("client work", encoding="utf-8")
    with pytest.raises(TemplateError, match="already exists"):
        new_engagement(tmp_path, extra_context={"client_name": "Acme", "sample_data": "no"})
    assert _everything(tmp_path) == {"acme", "acme/keep.txt"}


def test_write_sample_engagement_makes_exactly_that_folder(tmp_path):
    root = write_sample_engagement(tmp_path / "eng_demo", language="fr", scale=0.05)
    assert root == tmp_path / "eng_demo"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["eng_demo"]  # no staging left
    config = load_config(root)
    assert (config.engagement_slug, config.language) == ("eng-demo", "fr")
    with pytest.raises(TemplateError, match="already exists"):
        write_sample_engagement(root)


# ---- plain cookiecutter -------------------------------------------------------------------
def test_kit_dir_holds_the_template():
    kit = kit_dir()
    root = json.loads((kit / "cookiecutter.json").read_text(encoding="utf-8"))
    assert root["templates"]["engagement"]["path"] == "./template"
    assert (kit / "template" / "cookiecutter.json").exists()
    assert (kit / "notebooks").is_dir()


def _cookiecutter(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(cwd)}  # keep cookiecutter's replay files in the test
    return subprocess.run(
        [str(COOKIECUTTER), str(kit_dir()), "--no-input", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
    )


def test_plain_cookiecutter_picks_the_only_template(tmp_path):
    run = _cookiecutter("sample_data=no", "language=fr", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    root = tmp_path / "maison-durand"
    assert _tree(root) == COMMON_FILES | _notebooks()
    assert load_config(root).language == "fr"


def test_plain_cookiecutter_refuses_a_bad_currency(tmp_path):
    run = _cookiecutter("currency=EURO", cwd=tmp_path)
    assert run.returncode != 0
    assert "Error: currency 'EURO' is not an ISO 4217 code" in run.stderr
    # only cookiecutter's own replay files (HOME is the test folder), no engagement
    left = {p.split("/")[0] for p in _everything(tmp_path)}
    assert left <= {".cookiecutter_replay", ".cookiecutters"}
    assert not (tmp_path / "maison-durand").exists()


def _render_pre_gen_hook(tmp_path: Path, **values: str) -> Path:
    import jinja2

    context = {
        "client_name": "Acme",
        "engagement_slug": "acme",
        "currency": "EUR",
        "language": "en",
        "period_start": "2023-01",
        "sample_data": "no",
        **values,
    }
    source = (kit_dir() / "template" / "hooks" / "pre_gen_project.py").read_text(encoding="utf-8")
    hook = tmp_path / "pre_gen_project.py"
    hook.write_text(jinja2.Template(source).render(cookiecutter=context), encoding="utf-8")
    return hook


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({}, ""),
        ({"currency": "XYZ"}, "Error: " + BAD_INPUTS[4][1].replace("EURO", "XYZ")),
        ({"currency": "JPY"}, ""),
        ({"language": "de"}, "Error: language 'de' is not supported: choose en or fr"),
    ],
)
def test_pre_gen_hook_works_without_the_kit_installed(tmp_path, values, reason):
    """`python -S` has no site-packages: the hook falls back on its own ISO 4217 list."""
    hook = _render_pre_gen_hook(tmp_path, **values)
    run = subprocess.run([sys.executable, "-S", str(hook)], capture_output=True, text=True)
    assert run.returncode == (1 if reason else 0)
    assert run.stderr.strip() == reason


def test_the_hooks_iso_4217_copy_matches_the_kits():
    import re

    from helpers.config import ISO_4217

    source = (kit_dir() / "template" / "hooks" / "pre_gen_project.py").read_text(encoding="utf-8")
    embedded = re.search(r'frozenset\(\s*"""(.*?)"""', source, re.S).group(1).split()
    assert frozenset(embedded) == ISO_4217
