"""Client data stays private: no network at run time, nothing local in what the client gets.

One real run of all six notebooks of the sample engagement (``stratbook run``, a
subprocess) is made with the network blocked: a ``sitecustomize`` put on the run's
``PYTHONPATH`` (inherited by the kernels) makes ``socket.connect`` and name lookups raise
for any non-loopback address, and logs the attempt; the kernels talk to the runner over
loopback ZMQ, which stays allowed. The run lives under a home folder with a distinctive
user name and a secret environment variable, so that any leak of a path, user name or
environment value into the client pages or the manifest is visible. The same run checks
that the raw files are never written and that workshop findings (two Accountables, an OKR
without key result) are reported while the run goes on.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_notebook

from helpers.config import SLUG_PATTERN, load_config
from helpers.io import load_source
from helpers.runner import read_manifest, run_engagement

STRATBOOK = str(Path(sys.executable).with_name("stratbook"))
USER = "zoe-analyst"
SECRET = "s3cr3t-token-9f8e7d6c5b4a"
NOTEBOOKS = [
    "01_diagnostic",
    "02_market",
    "03_objectives",
    "04_customers",
    "05_value_proposition",
    "06_allocation",
]
BLOCKER = textwrap.dedent(
    '''
    """Test-only: refuse every network connection that does not stay on this machine."""
    import ipaddress
    import os
    import socket

    _LOG = os.environ.get("STRATBOOK_NETWORK_LOG", "")
    _LOCAL_NAMES = {None, "", "localhost", "127.0.0.1", "::1", "0.0.0.0"}


    def _refuse(what):
        if _LOG:
            with open(_LOG, "a", encoding="utf-8") as fh:
                fh.write(f"{os.getpid()} {what}\\n")
        raise OSError(101, f"network blocked by the test: {what}")


    def _is_local(host):
        if host in _LOCAL_NAMES:
            return True
        try:
            return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
        except ValueError:
            return False


    def _guard(original):
        def connect(self, address):
            if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
                _refuse(f"connect {address!r}")
            return original(self, address)

        return connect


    socket.socket.connect = _guard(socket.socket.connect)
    socket.socket.connect_ex = _guard(socket.socket.connect_ex)
    _getaddrinfo = socket.getaddrinfo


    def getaddrinfo(host, *args, **kwargs):
        if not _is_local(host if not isinstance(host, bytes) else host.decode()):
            _refuse(f"lookup {host!r}")
        return _getaddrinfo(host, *args, **kwargs)


    socket.getaddrinfo = getaddrinfo
    '''
)


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of an offline run by a distinctive user, with a secret set."""
    home = tmp_path_factory.mktemp("home-of-zoe")
    blocker = home / "netblock"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(BLOCKER, encoding="utf-8")
    return {
        **os.environ,
        "HOME": str(home),
        "USER": USER,
        "LOGNAME": USER,
        "STRATBOOK_CLIENT_TOKEN": SECRET,
        "PYTHONPATH": str(blocker),
        "STRATBOOK_NETWORK_LOG": str(home / "network.log"),
    }


@pytest.fixture(scope="module")
def full_run(offline: dict[str, str]):
    """All six notebooks of the sample engagement, offline; the raw hashes around it."""
    from helpers.sample import write_sample_engagement

    root = write_sample_engagement(Path(offline["HOME"]) / "clients" / "maison-durand")
    before = _hashes(root / "data")
    proc = subprocess.run(
        [STRATBOOK, "run", "-e", str(root), "-q"],
        capture_output=True,
        text=True,
        env=offline,
        timeout=900,
    )
    after = _hashes(root / "data")
    runs = [p for p in (root / "reports").iterdir() if p.is_dir() and p.name != ".cache"]
    return {
        "root": root,
        "proc": proc,
        "run_dir": runs[0] if runs else None,
        "raw": (before, after),
    }


def visible_text(path: Path) -> str:
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


# ---- no network --------------------------------------------------------------------------------
def test_the_network_block_really_blocks(offline: dict[str, str], tmp_path: Path):
    env = {**offline, "STRATBOOK_NETWORK_LOG": str(tmp_path / "probe.log")}
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import urllib.request; urllib.request.urlopen('http://192.0.2.1/', timeout=5)",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert probe.returncode != 0
    assert "network blocked by the test" in probe.stderr
    assert "192.0.2.1" in (tmp_path / "probe.log").read_text()


@pytest.mark.slow
def test_a_full_run_completes_offline(full_run, offline: dict[str, str]):
    proc = full_run["proc"]
    assert proc.returncode == 0, proc.stderr
    m = read_manifest(full_run["run_dir"])
    assert m["status"] == "completed"
    assert [(nb["name"], nb["status"]) for nb in m["notebooks"]] == [
        (name, "completed") for name in NOTEBOOKS
    ]
    log = Path(offline["STRATBOOK_NETWORK_LOG"])
    assert not log.exists() or log.read_text() == "", "a connection was attempted"


@pytest.mark.slow
def test_a_full_run_never_writes_the_raw_files(full_run):
    before, after = full_run["raw"]
    assert len(before) >= 8  # seven exports and the workshop workbook
    assert after == before


@pytest.mark.slow
def test_workshop_findings_are_reported_and_the_run_goes_on(full_run):
    run_dir = full_run["run_dir"]
    raci = pd.read_csv(run_dir / "results" / "06_allocation" / "raci_check.csv")
    broken = raci[(raci["rule"] == "one_accountable") & ~raci["passed"]]
    assert broken["message"].str.contains(r"^2 Accountables \(.+\): keep exactly one$").any()
    okr = pd.read_csv(run_dir / "results" / "03_objectives" / "okr.csv", keep_default_na=False)
    assert "no key result" in okr["flag"].tolist()
    statuses = {nb["name"]: nb["status"] for nb in read_manifest(run_dir)["notebooks"]}
    assert statuses["03_objectives"] == statuses["06_allocation"] == "completed"


# ---- what the client receives --------------------------------------------------------------------
@pytest.mark.slow
def test_client_pages_hold_no_code_path_user_or_environment_value(full_run, offline):
    run_dir, root = full_run["run_dir"], full_run["root"]
    private = [
        str(root),
        str(root.resolve()),
        offline["HOME"],
        USER,
        SECRET,
        sys.prefix,
        str(Path(__file__).resolve().parents[1]),
    ]
    pages = sorted((run_dir / "html").glob("*.html"))
    assert [p.stem for p in pages] == NOTEBOOKS
    for page in pages:
        raw = page.read_text(encoding="utf-8")
        text = visible_text(page)
        leaks = [s for s in private if s in raw or s in text]
        assert leaks == [], page.name
        # no code: no code editor cell, no source line of the notebook
        assert not re.search(r'class="[^"]*(jp-InputArea-editor|jp-CodeMirrorEditor)', raw)
        for code in ("Engagement.open(", "eng.save(", "from helpers import", "set_theme()"):
            assert code not in text, (page.name, code)
        assert "Traceback" not in text
    reviewer = visible_text(run_dir / "html" / "reviewer" / "01_diagnostic.html")
    assert "Engagement.open(" in reviewer  # the check above can fail


@pytest.mark.slow
def test_manifest_holds_hashes_and_parameters_never_data_rows(full_run, offline):
    run_dir, root = full_run["run_dir"], full_run["root"]
    text = (run_dir / "manifest.json").read_text(encoding="utf-8")
    m = json.loads(text)
    assert all(re.fullmatch(r"[0-9a-f]{64}", i["sha256"]) for i in m["inputs"])
    assert m["engagement"]["seed"] == 2026 and m["engagement"]["client_name"] == "Maison Durand"
    transactions = load_source(load_config(root), "transactions")
    ids = set(transactions["customer_id"].dropna())
    assert len(ids) > 100
    assert [i for i in ids if i in text] == []
    orders = set(transactions["order_id"].dropna()) if "order_id" in transactions else set()
    assert [o for o in orders if o in text] == []
    for secret in (str(root.resolve()), offline["HOME"], USER, SECRET):
        assert secret not in text


# ---- names that look like code -------------------------------------------------------------------
NASTY = "Dupont & \"Fils\" 'SA' {{ 7*7 }} {% raw %} <script>alert(1)</script> $(id); `id` Société"
SHOW = [
    "import pandas as pd\nfrom helpers.context import Engagement\n"
    "eng = Engagement.open(engagement_dir, run_dir=run_dir, notebook='01_show', "
    "config_overrides=config_overrides)",
    "print(eng.config.client_name)",
    "pd.DataFrame({'client': [eng.config.client_name]})",
    "eng.warn('checked for ' + eng.config.client_name)\neng.warnings_note()",
    "eng.skip(eng.config.client_name, needs=eng.config.client_name)",
    "eng.finding('who', eng.config.client_name)",
]


def test_a_client_name_that_looks_like_code_stays_text(tmp_path: Path):
    from helpers.template import new_engagement

    root = new_engagement(tmp_path, extra_context={"client_name": NASTY, "sample_data": "no"})
    assert SLUG_PATTERN.match(root.name) and re.fullmatch(r"[a-z0-9-]+", root.name)
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", p.name) for p in root.rglob("*")), "file names"
    assert yaml.safe_load((root / "engagement.yaml").read_text("utf-8"))["client_name"] == NASTY
    assert load_config(root, check_files=False).client_name == NASTY

    for old in (root / "notebooks").glob("*.ipynb"):
        old.unlink()
    nb = new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        }
    )
    params = new_code_cell("engagement_dir = None\nrun_dir = None\nconfig_overrides = {}")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *(new_code_cell(c) for c in SHOW)]
    nbformat.write(nb, str(root / "notebooks" / "01_show.ipynb"))
    (root / "data" / "raw" / "transactions.csv").parent.mkdir(parents=True, exist_ok=True)
    result = run_engagement(root)

    page = result.client_html[0].read_text(encoding="utf-8")
    body = re.sub(r"<(style|script)\b[^>]*>.*?</\1>", "", page, flags=re.S)
    assert "<script>alert(1)</script>" not in page  # never live markup
    assert "alert(1)" in html.unescape(body)  # but shown, as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "{{ 7*7 }}" in html.unescape(body) and ">49<" not in page  # no template evaluation
    notes = json.loads((result.run_dir / "notes" / "01_show.json").read_text("utf-8"))
    assert notes["findings"] == [{"key": "who", "text": NASTY}]
