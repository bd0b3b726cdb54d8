"""Every bad input gets one clear answer: the corpus of ``tests/bad_inputs/``.

Two levels. Every case of the corpus is loaded through ``helpers.io.load_source`` on a
generated engagement (fast): an error must be exactly the expected message (it names the
file, the column, the first offending rows as Excel numbers them, and the fix); a warning
must be raised as a ``DataWarning`` with the expected text; a loadable case must load with
the expected values. Then a few representative cases go through a real ``stratbook run``
of the sample engagement: non-zero exit, one ``Error:`` line naming the notebook, the cell
and the data message, no traceback, the raw files untouched, and warnings recorded in the
manifest and shown in the report.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from helpers import allocation, objectives
from helpers.config import load_config
from helpers.errors import ConfigError, DataError, DataWarning
from helpers.io import load_source
from helpers.runner import read_manifest

sys.path.insert(0, str(Path(__file__).parent))
from bad_inputs.cases import CASES, Case
from bad_inputs.make_corpus import make_corpus, write_case

STRATBOOK = str(Path(sys.executable).with_name("stratbook"))
BY_ID = {c.id: c for c in CASES}
HELPERS = {"allocation": allocation, "objectives": objectives}


def _load(case: Case, root: Path):
    config = load_config(root)
    return load_source(config, case.source)


# ---- the corpus itself ----------------------------------------------------------------------
def test_corpus_is_large_and_covers_the_kit_s_tables(tmp_path: Path):
    made = make_corpus(tmp_path)
    assert len(made) == len(CASES) >= 40
    sources = {c.source for c in CASES}
    assert {"transactions", "customers", "journey", "opportunities", "business_units"} <= sources
    assert {"competitors", "benchmarks", "swot", "pestel", "porter", "okr", "raci"} <= sources
    assert {"initiatives", "strategy_canvas", "vp_profile", "kpis"} <= sources
    for case in CASES:
        assert (made[case.id] / "engagement.yaml").exists()
        if case.id != "file-not-found":
            assert (made[case.id] / case.path).exists(), case.id
        if case.outcome in ("error", "config-error", "warning"):
            assert case.expected, f"{case.id}: no expected message"


def test_generated_files_are_what_the_cases_say(tmp_path: Path):
    """The builder writes the bytes asked for: encodings, BOM, special spaces."""
    bom = write_case(BY_ID["utf8-bom"], tmp_path) / "data/raw/transactions.csv"
    assert bom.read_bytes().startswith(b"\xef\xbb\xbfcustomer_id")
    cp = write_case(BY_ID["cp1252-read-as-utf8"], tmp_path) / "data/raw/transactions.csv"
    assert cp.read_bytes().startswith(b"N\xb0 client;Date;Montant (\x80)")
    nbsp = write_case(BY_ID["french-thousands-no-break-space"], tmp_path)
    assert "1\u00a0234,56".encode() in (nbsp / "data/raw/transactions.csv").read_bytes()
    nnbsp = write_case(BY_ID["french-thousands-narrow-no-break-space"], tmp_path)
    assert "1\u202f234,56".encode() in (nnbsp / "data/raw/transactions.csv").read_bytes()


# ---- level 1: load_source on every case -------------------------------------------------------
@pytest.mark.parametrize("case", [c for c in CASES if c.outcome == "error"], ids=lambda c: c.id)
def test_data_error_has_the_exact_message(case: Case, tmp_path: Path):
    root = write_case(case, tmp_path)
    with pytest.raises(DataError) as info:
        _load(case, root)
    assert str(info.value) == case.expected
    # the message starts with the file it is about
    file_name = Path(case.path).name
    assert str(info.value).startswith(file_name), "the message must name the file first"


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.outcome == "config-error"], ids=lambda c: c.id
)
def test_config_error_has_the_exact_message(case: Case, tmp_path: Path):
    root = write_case(case, tmp_path)
    with pytest.raises(ConfigError) as info:
        _load(case, root)
    assert str(info.value) == case.expected.replace("<yaml>", str(root / "engagement.yaml"))


@pytest.mark.parametrize("case", [c for c in CASES if c.outcome == "warning"], ids=lambda c: c.id)
def test_warning_is_raised_and_the_table_loads(case: Case, tmp_path: Path):
    root = write_case(case, tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = _load(case, root)
    messages = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    assert messages == [case.expected]
    for column, values in case.values.items():
        assert frame[column].tolist() == values


@pytest.mark.parametrize("case", [c for c in CASES if c.outcome == "loads"], ids=lambda c: c.id)
def test_awkward_but_valid_input_loads_with_the_right_values(case: Case, tmp_path: Path):
    root = write_case(case, tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # and without a warning
        frame = _load(case, root)
    for column, values in case.values.items():
        assert frame[column].tolist() == values, column
    if case.flagged is not None:  # the chapter's check reports it, the run goes on
        qualified, text = case.flagged
        module, function = qualified.split(".")
        result = getattr(HELPERS[module], function)(frame)
        flags = [str(cell) for cell in result.to_numpy().ravel()]
        assert any(text in cell for cell in flags), f"{qualified} does not flag {text!r}"


def test_french_amounts_keep_their_exact_value(tmp_path: Path):
    # 1 234,56 with U+00A0 = 1234.56; 12 000 = 12000; 9,5 = 9.5 -> total 13244.06
    case = BY_ID["french-thousands-no-break-space"]
    frame = _load(case, write_case(case, tmp_path))
    assert frame["amount"].sum() == pytest.approx(13244.06)
    assert frame["order_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-05",
        "2024-01-06",
        "2024-01-17",
    ]


def test_loading_never_writes_the_raw_file(tmp_path: Path):
    made = make_corpus(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("data/*/*") if p.is_file()}
    for case in CASES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                _load(case, made[case.id])
            except (DataError, ConfigError):
                pass
    after = {p: p.read_bytes() for p in tmp_path.rglob("data/*/*") if p.is_file()}
    assert after == before


# ---- level 2: a real `stratbook run` on the sample engagement -----------------------------------
def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _runs(root: Path) -> list[Path]:
    return sorted(p for p in (root / "reports").iterdir() if p.is_dir() and p.name != ".cache")


def _stratbook_run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [STRATBOOK, "run", "-e", str(root), "-q", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def _edit_transactions(root: Path, edit) -> None:
    """Change the sample's transactions export (cp1252, ';', French numbers) in place."""
    path = root / "data" / "raw" / "transactions.csv"
    lines = path.read_bytes().decode("cp1252").splitlines(keepends=True)
    path.write_bytes("".join(edit(lines)).encode("cp1252"))


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    from helpers.sample import write_sample_engagement

    return write_sample_engagement(tmp_path / "maison-durand")


@pytest.mark.slow
def test_run_stops_on_text_in_an_amount_with_one_message(sample: Path):
    def edit(lines):  # row 4 of the export: amount "480,51" -> "quatre cents"
        fields = lines[3].split(";")
        fields[3] = "quatre cents"
        lines[3] = ";".join(fields)
        return lines

    _edit_transactions(sample, edit)
    raw = _hashes(sample / "data")
    result = _stratbook_run(sample, "--only", "01")

    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1
    assert re.fullmatch(
        r"Error: 01_diagnostic failed at cell \d+: DataError: transactions\.csv: column "
        r'"Montant HT \(€\)" \(mapped to amount\) has text in row 4: "quatre cents"; fix the '
        r"export or map another column",
        errors[0],
    ), errors[0]
    assert "Traceback" not in result.stderr
    assert "the cell (In [" in result.stderr  # where to look in the reviewer page
    (run_dir,) = _runs(sample)
    m = read_manifest(run_dir)
    assert m["status"] == "failed"
    assert m["error"]["name"] == "DataError"
    assert m["error"]["message"].startswith('transactions.csv: column "Montant HT (€)"')
    assert _hashes(sample / "data") == raw


@pytest.mark.slow
def test_run_refuses_a_bad_mapping_before_anything_runs(sample: Path):
    config = sample / "engagement.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "      order_id: N° commande\n", "      order_id: N° client\n"
        ),
        encoding="utf-8",
    )
    raw = _hashes(sample / "data")
    result = _stratbook_run(sample, "--only", "01")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f'Error: {config.resolve()}: data.transactions.columns: client column "N° client" '
        "is mapped twice (to order_id and customer_id); map each canonical name to its own "
        "column"
    ]
    assert _runs(sample) == []
    assert _hashes(sample / "data") == raw


@pytest.mark.slow
def test_run_goes_on_with_duplicated_lines_and_records_the_warning(sample: Path):
    _edit_transactions(sample, lambda lines: [*lines, lines[5]])  # row 6 repeated at the end
    raw = _hashes(sample / "data")
    result = _stratbook_run(sample, "--only", "01")
    assert result.returncode == 0, result.stderr
    (run_dir,) = _runs(sample)
    m = read_manifest(run_dir)
    assert m["status"] == "completed"
    total = len((sample / "data/raw/transactions.csv").read_bytes().splitlines())
    expected = (
        f"transactions.csv: 1 row repeats an earlier row exactly (first: row {total} repeats "
        "row 6); it is kept: remove it from the export if it is a double entry"
    )
    warned = [w["message"] for w in m["notebooks"][0]["warnings"]]
    assert expected in warned
    page = (run_dir / "html" / "01_diagnostic.html").read_text(encoding="utf-8")
    assert f"row {total} repeats row 6" in page  # shown in the client's report too
    assert _hashes(sample / "data") == raw
