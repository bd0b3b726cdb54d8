"""Nothing lost, runs resumable and reproducible: real faults against real runs.

Faults are real, not simulated: the kernel process is killed with SIGKILL in the middle
of a cell, the ``stratbook run`` process receives SIGINT (Ctrl-C) mid-notebook, the run's
files hit a full disk, and ``reports/`` cannot be a folder. Tests run as root in CI, where
``chmod`` does not stop a write, so the "read-only / full disk" fault is a file-size limit
(``RLIMIT_FSIZE``, which root cannot exceed without raising it itself: writes past it fail
with EFBIG "File too large", exactly as on a full disk) and ``reports/`` being a file.
Every fault must leave a manifest saying what happened and which notebooks completed, the
earlier runs and the raw files untouched.
"""

from __future__ import annotations

import hashlib
import os
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from helpers.errors import RunError
from helpers.runner import read_manifest, rerun, run_engagement

STRATBOOK = str(Path(sys.executable).with_name("stratbook"))
PARAMETERS = "engagement_dir = None\nrun_dir = None\nconfig_overrides = {}"
OPEN = (
    "import os, time\nimport pandas as pd\nfrom helpers.context import Engagement\n"
    "eng = Engagement.open(engagement_dir, run_dir=run_dir, notebook={name!r}, "
    "config_overrides=config_overrides)"
)
#: a cell that, while ``hang`` exists in the engagement, writes its kernel's pid and waits
HANG = (
    "hang = eng.root / 'hang'\n"
    "if hang.exists():\n"
    "    (eng.root / 'kernel.pid').write_text(str(os.getpid()))\n"
    "    time.sleep(120)"
)
TRANSACTIONS = "customer_id,order_date,amount\nC001,2024-01-05,120.5\nC002,2024-02-11,80\n"
YAML = (
    "client_name: Maison Durand\nengagement_slug: maison-durand\nperiod_start: 2024-01\n"
    "seed: 11\ndata:\n  transactions:\n    path: data/raw/transactions.csv\n"
)


# ---- helpers ---------------------------------------------------------------------------------
def write_notebook(root: Path, name: str, cells: list[str]) -> Path:
    nb = new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        }
    )
    params = new_code_cell(PARAMETERS)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [new_markdown_cell(f"# {name}"), params, *(new_code_cell(c) for c in cells)]
    path = root / "notebooks" / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def tiny_engagement(root: Path) -> Path:
    """01 saves a table, 02 hangs while ``hang`` exists then saves, 03 reads 01's table."""
    (root / "data" / "raw").mkdir(parents=True)
    (root / "data" / "raw" / "transactions.csv").write_text(TRANSACTIONS, encoding="utf-8")
    (root / "engagement.yaml").write_text(YAML, encoding="utf-8")
    write_notebook(
        root,
        "01_ok",
        [
            OPEN.format(name="01_ok"),
            "tx = eng.load('transactions')\n"
            "eng.save('totals', tx.groupby('customer_id', as_index=False)['amount'].sum())",
        ],
    )
    write_notebook(
        root,
        "02_hang",
        [OPEN.format(name="02_hang"), HANG, "eng.save('done', pd.DataFrame({'b': [2]}))"],
    )
    write_notebook(
        root,
        "03_after",
        [OPEN.format(name="03_after"), "eng.save('again', eng.result('01_ok', 'totals'))"],
    )
    return root


def tree_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (relative path -> digest)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _as_a_terminal_job(then=None):
    """What runs in the child before exec: Ctrl-C and Ctrl-\\ at their default, as for a
    command typed in a terminal, then ``then``.

    A process inherits ignored signals: pytest started in the background by a script
    (``sh -c 'make test &'``) ignores SIGINT, and so would ``stratbook run`` started from
    it, as POSIX wants for background jobs; the Ctrl-C tests would then test nothing.
    """

    def preexec() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGQUIT, signal.SIG_DFL)
        if then is not None:
            then()

    return preexec


def start_run(root: Path, *args: str, preexec=None, env=None) -> subprocess.Popen:
    return subprocess.Popen(
        [STRATBOOK, "run", "-e", str(root), "-q", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_as_a_terminal_job(preexec),
        env=env,
    )


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists() or not path.read_text().strip():
        if proc.poll() is not None:
            pytest.fail(f"run ended before {path.name} appeared: {proc.communicate()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"{path.name} never appeared")
        time.sleep(0.2)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("Error:")]


def interrupt_and_check(
    proc: subprocess.Popen, run_dir: Path, kernel: int, statuses: list[str]
) -> dict:
    """Ctrl-C on ``stratbook run`` while 02_hang hangs: one error line, a manifest saying
    interrupted with these statuses for 01, 02, 03, and 02's kernel shut down."""
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert error_lines(stderr) == [
        "Error: interrupted; the run's manifest says which notebooks completed"
    ]
    assert "Traceback" not in stderr
    m = read_manifest(run_dir)
    assert m["status"] == "interrupted"
    assert m["error"]["notebook"] == "02_hang" and m["error"]["name"] == "KeyboardInterrupt"
    assert [(nb["name"], nb["status"]) for nb in m["notebooks"]] == list(
        zip(["01_ok", "02_hang", "03_after"], statuses, strict=True)
    )
    time.sleep(1)
    with pytest.raises(ProcessLookupError):  # the kernel was shut down, not orphaned
        os.kill(kernel, 0)
    return m


@pytest.fixture
def engagement_with_earlier_run(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """A tiny engagement with one completed earlier run (01 only) and its file hashes."""
    root = tiny_engagement(tmp_path / "maison-durand")
    earlier = run_engagement(root, only=["01"], run_id="earlier")
    return root, earlier.run_dir, tree_hashes(earlier.run_dir)


def new_run(root: Path) -> Path:
    """The run folder made after the earlier one (not the engagement's input cache)."""
    made = (p for p in (root / "reports").iterdir() if p.name not in ("earlier", ".cache"))
    return next(p for p in made if p.is_dir())


def assert_untouched(root: Path, earlier: Path, earlier_hashes: dict[str, str], raw: dict) -> None:
    assert tree_hashes(earlier) == earlier_hashes, "an earlier run folder was modified"
    assert tree_hashes(root / "data" / "raw") == raw, "a raw client file was written"


# ---- interrupted runs, for real ------------------------------------------------------------
@pytest.mark.slow
def test_killed_kernel_mid_cell_leaves_a_failed_manifest_and_resume_finishes(
    engagement_with_earlier_run,
):
    root, earlier, earlier_hashes = engagement_with_earlier_run
    raw = tree_hashes(root / "data" / "raw")
    (root / "hang").touch()
    proc = start_run(root)
    wait_for(root / "kernel.pid", proc)
    os.kill(int((root / "kernel.pid").read_text()), signal.SIGKILL)
    _, stderr = proc.communicate(timeout=60)

    assert proc.returncode == 1
    (error,) = error_lines(stderr)  # one message, no traceback
    assert error.startswith("Error: 02_hang failed at cell 4: DeadKernelError: Kernel died")
    assert "Traceback" not in stderr
    run_dir = new_run(root)
    m = read_manifest(run_dir)
    assert m["status"] == "failed"
    assert [(nb["name"], nb["status"]) for nb in m["notebooks"]] == [
        ("01_ok", "completed"),
        ("02_hang", "failed"),
        ("03_after", "not-run"),
    ]
    assert_untouched(root, earlier, earlier_hashes, raw)

    # resume in place: 01 reused as it is, 02 and 03 executed
    kept = (run_dir / "results" / "01_ok" / "totals.csv").stat().st_mtime_ns
    (root / "hang").unlink()
    events: list[dict] = []
    result = run_engagement(root, resume=True, progress=events.append)
    assert result.run_dir == run_dir and result.status == "completed"
    m = read_manifest(run_dir)
    assert m["status"] == "completed"
    assert [(nb["name"], nb["status"], nb["resume"]["action"]) for nb in m["notebooks"]] == [
        ("01_ok", "completed", "reuse"),
        ("02_hang", "completed", "rerun"),
        ("03_after", "completed", "rerun"),
    ]
    (session,) = m["resumed"]
    assert session["reused"] == ["01_ok"]
    assert session["rerun"] == [
        {"notebook": "02_hang", "reason": "did not complete (failed)"},
        {"notebook": "03_after", "reason": "did not complete (not-run)"},
    ]
    (announce,) = [e for e in events if e["event"] == "resume"]
    assert [d["notebook"] for d in announce["rerun"]] == ["02_hang", "03_after"]
    assert (run_dir / "results" / "01_ok" / "totals.csv").stat().st_mtime_ns == kept
    assert (run_dir / "results" / "02_hang" / "done.csv").exists()
    assert (run_dir / "results" / "03_after" / "again.csv").exists()
    assert_untouched(root, earlier, earlier_hashes, raw)


@pytest.mark.slow
def test_ctrl_c_on_the_runner_leaves_an_interrupted_manifest(engagement_with_earlier_run):
    root, earlier, earlier_hashes = engagement_with_earlier_run
    raw = tree_hashes(root / "data" / "raw")
    (root / "hang").touch()
    proc = start_run(root)
    wait_for(root / "kernel.pid", proc)
    kernel = int((root / "kernel.pid").read_text())
    run_dir = new_run(root)
    m = interrupt_and_check(proc, run_dir, kernel, ["completed", "interrupted", "not-run"])
    assert m["finished"] is not None
    assert_untouched(root, earlier, earlier_hashes, raw)

    # the notebook 01 changed since: resume says so and executes it again
    (root / "hang").unlink()
    path = root / "notebooks" / "01_ok.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.append(new_code_cell("eng.save('extra', pd.DataFrame({'x': [1]}))"))
    nbformat.write(nb, str(path))
    result = run_engagement(root, resume=run_dir.name)
    m = read_manifest(result.run_dir)
    assert m["resumed"][0]["reused"] == []
    assert m["resumed"][0]["rerun"][0] == {
        "notebook": "01_ok",
        "reason": "its notebook changed since it ran (source hash differs)",
    }
    assert (result.run_dir / "results" / "01_ok" / "extra.csv").exists()


@pytest.mark.slow
def test_ctrl_c_under_two_jobs_interrupts_the_running_kernels(engagement_with_earlier_run):
    root, earlier, earlier_hashes = engagement_with_earlier_run
    for name, needs in (("02_hang", []), ("03_after", ["01_ok"])):
        path = root / "notebooks" / f"{name}.ipynb"
        nb = nbformat.read(str(path), as_version=4)
        nb.metadata["stratbook"] = {"needs": needs}
        nbformat.write(nb, str(path))
    raw = tree_hashes(root / "data" / "raw")
    (root / "hang").touch()
    proc = start_run(root, "--force", "--jobs", "2")
    wait_for(root / "kernel.pid", proc)
    kernel = int((root / "kernel.pid").read_text())
    run_dir = new_run(root)
    deadline = time.monotonic() + 90  # 03 only needs 01: it completes while 02 hangs
    while read_manifest(run_dir)["notebooks"][2]["status"] != "completed":
        assert time.monotonic() < deadline, read_manifest(run_dir)["notebooks"]
        time.sleep(0.2)
    interrupt_and_check(proc, run_dir, kernel, ["completed", "interrupted", "completed"])
    assert_untouched(root, earlier, earlier_hashes, raw)


#: larger than a page of the kit (its HTML embeds the report's styles), smaller than 02's copy
FILE_SIZE_LIMIT = 4_000_000


def _limit_file_size() -> None:  # in the child before exec: a full disk at FILE_SIZE_LIMIT
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


@pytest.mark.slow
def test_full_disk_mid_run_leaves_a_failed_manifest(engagement_with_earlier_run):
    root, earlier, earlier_hashes = engagement_with_earlier_run
    raw = tree_hashes(root / "data" / "raw")
    write_notebook(
        root, "02_hang", [OPEN.format(name="02_hang"), f"print('x' * {3 * FILE_SIZE_LIMIT})"]
    )  # its executed copy is larger than the disk has room for
    # the kernels' IPython history database lives under IPYTHONDIR (~/.ipython): on a
    # machine where it has grown past the limit, IPython's own writes would fail first
    env = {**os.environ, "IPYTHONDIR": str(root.parent / "ipython")}
    proc = start_run(root, preexec=_limit_file_size, env=env)
    _, stderr = proc.communicate(timeout=120)

    assert proc.returncode == 1
    (error,) = error_lines(stderr)
    assert error.startswith("Error: 02_hang failed")
    assert "File too large" in error
    assert "Traceback" not in stderr
    run_dir = new_run(root)
    m = read_manifest(run_dir)
    assert m["status"] == "failed"
    assert [(nb["name"], nb["status"]) for nb in m["notebooks"]] == [
        ("01_ok", "completed"),
        ("02_hang", "failed"),
        ("03_after", "not-run"),
    ]
    assert "File too large" in m["error"]["message"]
    assert_untouched(root, earlier, earlier_hashes, raw)


def test_reports_that_is_a_file_stops_the_run_with_one_message(tmp_path: Path):
    root = tiny_engagement(tmp_path / "maison-durand")
    raw = tree_hashes(root / "data" / "raw")
    (root / "reports").write_text("not a folder")
    result = subprocess.run(
        [STRATBOOK, "run", "-e", str(root), "-q"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert error_lines(result.stderr) == [
        f"Error: {root.resolve() / 'reports'} is a file, not a folder: runs cannot be written; "
        "move or rename that file (the run folders go inside reports/)"
    ]
    assert "Traceback" not in result.stderr
    assert (root / "reports").read_text() == "not a folder"
    assert tree_hashes(root / "data" / "raw") == raw


# ---- resume and rerun ---------------------------------------------------------------------
def test_resume_refuses_when_there_is_nothing_to_resume(engagement_with_earlier_run):
    root, _, _ = engagement_with_earlier_run
    with pytest.raises(RunError, match="no failed or interrupted run to resume"):
        run_engagement(root, resume=True)
    with pytest.raises(RunError) as info:
        run_engagement(root, resume="earlier")
    assert str(info.value) == (
        "run earlier completed: nothing to resume; `stratbook rerun earlier` executes it "
        "again into a new run folder"
    )
    with pytest.raises(RunError, match=r"run 'nope': no such run in .*\(latest: earlier\)"):
        run_engagement(root, resume="nope")
    with pytest.raises(RunError, match="leave out --only, --from, -p and the run id"):
        run_engagement(root, resume=True, only=["01"])


def test_resume_reruns_everything_when_an_input_changed(engagement_with_earlier_run):
    root, _, _ = engagement_with_earlier_run
    with pytest.raises(RunError):  # 02 fails: a failed run to resume
        write_notebook(root, "02_hang", [OPEN.format(name="02_hang"), "1 / 0"])
        run_engagement(root, only=["01", "02"], run_id="broken")
    write_notebook(root, "02_hang", [OPEN.format(name="02_hang"), "2"])
    raw = root / "data" / "raw" / "transactions.csv"
    raw.write_text(TRANSACTIONS + "C003,2024-03-01,50\n", encoding="utf-8")
    result = run_engagement(root, resume=True)
    assert result.run_id == "broken"
    session = result.manifest["resumed"][0]
    assert session["reused"] == []
    (first, second) = session["rerun"]
    assert first["notebook"] == "01_ok"
    assert re.fullmatch(
        r"input files changed: data/raw/transactions.csv changed "
        r"\(sha256 [0-9a-f]{12}\.\.\. then, [0-9a-f]{12}\.\.\. now\)",
        first["reason"],
    )
    assert second == {"notebook": "02_hang", "reason": "did not complete (failed)"}
    totals = pd.read_csv(result.run_dir / "results" / "01_ok" / "totals.csv")
    assert totals["customer_id"].tolist() == ["C001", "C002", "C003"]


def test_resume_reruns_everything_when_engagement_yaml_changed(tmp_path: Path):
    root = tiny_engagement(tmp_path / "maison-durand")
    write_notebook(root, "02_hang", [OPEN.format(name="02_hang"), "1 / 0"])
    with pytest.raises(RunError, match="02_hang failed at cell 4: ZeroDivisionError"):
        run_engagement(root, only=["01", "02"])
    write_notebook(root, "02_hang", [OPEN.format(name="02_hang"), "2"])
    config = root / "engagement.yaml"
    config.write_text(config.read_text().replace("seed: 11", "seed: 12"))
    result = run_engagement(root, resume=True)
    assert result.manifest["resumed"][0]["rerun"] == [
        {"notebook": "01_ok", "reason": "engagement.yaml changed since it ran: seed"},
        {"notebook": "02_hang", "reason": "did not complete (failed)"},
    ]
    assert result.manifest["engagement"]["seed"] == 12


def test_rerun_refuses_when_an_input_changed_and_names_the_file(engagement_with_earlier_run):
    root, earlier, earlier_hashes = engagement_with_earlier_run
    (root / "data" / "raw" / "transactions.csv").write_text(TRANSACTIONS + "C9,2024-01-01,1\n")
    with pytest.raises(RunError) as info:
        rerun(root, "earlier")
    message = str(info.value)
    assert message.startswith(
        "rerun earlier: refused, its inputs are not the ones it ran on: "
        "data/raw/transactions.csv changed (sha256 "
    )
    assert message.endswith(
        "now). Restore the files as they were to reproduce it, or start a new run with "
        "`stratbook run`"
    )
    made = [p.name for p in (root / "reports").iterdir() if p.name != ".cache"]
    assert made == ["earlier"]  # nothing created
    assert tree_hashes(earlier) == earlier_hashes


# ---- reproducible: two runs of the real notebooks -----------------------------------------------
VOLATILE = re.compile(
    r"\d{4}-\d{2}-\d{2}_\d{6}(?:-\d+)?"  # run ids
    r"|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?"  # papermill timestamps
    r"|&quot;duration&quot;: [0-9.e-]+|\"duration\": [0-9.e-]+"
)


@pytest.fixture(scope="module")
def sample_runs(tmp_path_factory: pytest.TempPathFactory):
    """The sample engagement run twice on 01 and 04: once, then ``rerun`` of that run.

    Two notebooks, not six, to keep the suite's time reasonable: 01 (descriptive, from the
    raw exports) and 04 (the seeded clustering and the fitted lifetime-value models).
    """
    from helpers.sample import write_sample_engagement

    root = write_sample_engagement(tmp_path_factory.mktemp("repro") / "maison-durand")
    raw = tree_hashes(root / "data")
    first = run_engagement(root, only=["01", "04"])
    second = rerun(root, first.run_id)
    return root, raw, first, second


@pytest.mark.slow
def test_rerun_repeats_the_run_into_a_new_folder(sample_runs):
    root, raw, first, second = sample_runs
    assert second.run_dir != first.run_dir and second.status == "completed"
    m = read_manifest(second.run_dir)
    assert m["rerun_of"] == {
        "run_id": first.run_id,
        "settings_changed": [],
        "notebooks_changed": [],
    }
    assert m["command"] == read_manifest(first.run_dir)["command"]
    assert [nb["name"] for nb in m["notebooks"]] == ["01_diagnostic", "04_customers"]
    assert tree_hashes(root / "data") == raw  # raw exports and workshop inputs never written


@pytest.mark.slow
def test_two_runs_give_byte_identical_results(sample_runs):
    _, _, first, second = sample_runs
    a, b = first.run_dir / "results", second.run_dir / "results"
    files = sorted(p.relative_to(a).as_posix() for p in a.rglob("*.csv"))
    assert len(files) >= 10
    assert files == sorted(p.relative_to(b).as_posix() for p in b.rglob("*.csv"))
    different = [f for f in files if (a / f).read_bytes() != (b / f).read_bytes()]
    assert different == []


@pytest.mark.slow
def test_two_runs_give_the_same_client_html_apart_from_ids_and_times(sample_runs):
    _, _, first, second = sample_runs
    for name in ("01_diagnostic", "04_customers"):
        pages = [
            VOLATILE.sub("<volatile>", (r.run_dir / "html" / f"{name}.html").read_text("utf-8"))
            for r in (first, second)
        ]
        assert pages[0] == pages[1], name


def test_no_unseeded_randomness_in_the_helpers():
    """Every random generator in the library is built from a seed it is given."""
    src = Path(__file__).resolve().parents[1] / "src" / "helpers"
    unseeded = re.compile(
        r"default_rng\(\s*\)|np\.random\.(rand|randn|randint|choice|shuffle|permutation|"
        r"normal|uniform|seed)\(|(?<![\w.])random\.(random|choice|shuffle|randint|sample)\("
        r"|random_state\s*=\s*None"
    )
    found = [
        f"{p.relative_to(src)}:{i}: {line.strip()}"
        for p in sorted(src.rglob("*.py"))
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if unseeded.search(line) and not line.lstrip().startswith("#")
    ]
    assert found == []
