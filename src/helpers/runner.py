"""Running an engagement's notebooks into a dated, reviewable, reproducible run folder.

``stratbook run`` executes the numbered notebooks of an engagement in order with
papermill, each receiving the engagement parameters its ``parameters`` cell declares, and
writes ``reports/<run-id>/``: the executed notebooks, a client and a reviewer HTML page
per notebook, the key result tables, and a ``manifest.json`` recording what ran, on which
inputs (SHA-256), with which parameters and package versions, and how it ended. A run
never overwrites an earlier one; a failing cell stops the run with one clear message.

Run folder layout (also recorded in every manifest under ``layout``)::

    reports/<run-id>/
      manifest.json
      notebooks/NN_name.ipynb          executed, with papermill metadata
      html/NN_name.html                client: code, parameters and stderr hidden
      html/reviewer/NN_name.html       reviewer: with code
      results/NN_name/<table>.csv      written by the notebooks (Engagement.save)
      notes/NN_name.json               warnings, skipped sections, findings

A failed or interrupted run can be resumed in its own folder (``run_engagement(...,
resume=True)``, ``stratbook run --resume``): notebooks that completed are reused only when
their notebook, parameters and input files hash as recorded, and the manifest says which
were reused and which rerun and why. :func:`rerun` executes a past run again from its
manifest into a new folder, and refuses, naming the file, when an input has changed.

Incremental runs (``run_engagement(..., incremental=True)``, what ``stratbook run`` does
unless ``--force``): a notebook whose notebook source, parameters, engagement settings,
kit, the input files it read and its upstream notebooks are unchanged since an earlier
run is not executed again; its outputs are copied from that run into the new folder, so
every run folder stays complete, and its manifest entry says ``reused_from``. Notebooks
declare what they need in their metadata (``stratbook.needs``, see
:mod:`helpers.incremental`); a notebook whose upstream reruns reruns too. ``jobs=N``
(``--jobs N``) executes up to N notebooks whose needs are met at the same time, each in its
own kernel.

The run id is the UTC start time ``YYYY-MM-DD_HHMMSS`` (UTC so that ids sort in start
order on every machine and across daylight-saving changes), with ``-2``, ``-3``... when
that folder already exists.

A failure names the cell by its ``In [n]`` number in the executed notebook and reviewer
page (papermill runs every code cell once, in order, so ``n`` counts the code cells of
the executed notebook, its injected-parameters cell included); the manifest also gives
``code_cell``, the position among the code cells of the notebook as written, and the
cell's first line.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from copy import deepcopy
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from helpers.config import CONFIG_FILE, EngagementConfig, load_config
from helpers.errors import RunError
from helpers.incremental import (
    Current,
    compare,
    declared_needs,
    dependency_graph,
    fingerprint_sha256,
    input_key,
    kit_sha256,
    notebook_sha256,
    parameters_sha256,
    settings_sha256,
    sha256_file,
    undeclared_reads,
    upstream_closure,
)

if TYPE_CHECKING:
    from helpers.report import Sanitiser

#: the kernel the kit installs for its own Python environment
KERNEL_NAME = "stratbook"
KERNEL_DISPLAY_NAME = "Python (stratbook)"
#: environment of the kit's kernel: hash-seeded so set iteration order, and hence every
#: result built from it, is the same from one run to the next
KERNEL_ENV = {"PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "0"}
#: the kernel's own log (not the notebook's output) only shows errors: no start-up chatter
#: in the analyst's terminal on every notebook
KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=ERROR",)

NOTEBOOKS_DIR = "notebooks"
REPORTS_DIR = "reports"
MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
NOTEBOOK_PATTERN = re.compile(r"^(\d{2})_[A-Za-z0-9][A-Za-z0-9_-]*$")
RUN_ID_FORMAT = "%Y-%m-%d_%H%M%S"
RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MAX_RUN_SUFFIX = 1000
#: parameters the runner sets itself; ``-p`` cannot set them
RUNNER_PARAMETERS = ("engagement_dir", "run_dir", "config_overrides")
#: what a run folder holds, written into every manifest
LAYOUT = {
    "manifest": MANIFEST,
    "executed_notebook": "notebooks/{notebook}.ipynb",
    "client_html": "html/{notebook}.html",
    "reviewer_html": "html/reviewer/{notebook}.html",
    "results": "results/{notebook}/<table>.csv",
    "notes": "notes/{notebook}.json",
}
#: distributions whose versions every manifest records ("python" is the interpreter)
PACKAGES = (
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "seaborn",
    "matplotlib",
    "scikit-learn",
    "papermill",
    "nbconvert",
    "nbclient",
    "ipykernel",
    "pydantic",
    "openpyxl",
)
STATUS_RUNNING = "running"
STATUS_COMPLETED = "completed"
STATUS_FAILED = "failed"
STATUS_INTERRUPTED = "interrupted"
STATUS_PENDING = "pending"
STATUS_NOT_RUN = "not-run"
STATUS_REUSED = "reused"
ACTION_RUN = "run"
ACTION_REUSE = "reuse"
#: parameters left out of a notebook's fingerprint: where this run's files go
RUN_LOCATION_PARAMETERS = ("engagement_dir", "run_dir")

ProgressCallback = Callable[[dict[str, Any]], None]


# ---- notebooks ------------------------------------------------------------------------
def discover_notebooks(engagement_dir: str | Path) -> list[Path]:
    """The engagement's numbered notebooks ``notebooks/NN_name.ipynb``, in order.

    Raises
    ------
    RunError
        When the folder holds no numbered notebook.
    """
    folder = Path(engagement_dir) / NOTEBOOKS_DIR
    found = sorted(
        p for p in folder.glob("*.ipynb") if p.is_file() and NOTEBOOK_PATTERN.match(p.stem)
    )
    if not found:
        raise RunError(
            f"{folder}: no notebook to run; expected files named NN_name.ipynb "
            "(e.g. 01_diagnostic.ipynb)"
        )
    return found


def _match(notebooks: Sequence[Path], key: str, option: str) -> int:
    wanted = key.strip().removesuffix(".ipynb")
    for i, path in enumerate(notebooks):
        if wanted in (path.stem, path.stem[:2]):
            return i
    names = [p.stem for p in notebooks]
    close = difflib.get_close_matches(wanted, names, n=1)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    raise RunError(
        f"{option} {key!r}: no such notebook{hint} (have: {', '.join(names)}); "
        "give its number (04) or its name (04_customers)"
    )


def select_notebooks(
    notebooks: Sequence[Path],
    *,
    only: Sequence[str] | None = None,
    start_from: str | None = None,
) -> list[Path]:
    """The notebooks a run executes, in order.

    Parameters
    ----------
    notebooks
        All the engagement's notebooks (see :func:`discover_notebooks`).
    only
        Run just these, each given by number (``"04"``) or name (``"04_customers"``).
    start_from
        Run this notebook and every later one.
    """
    if only and start_from:
        raise RunError("use either --only or --from, not both")
    if only:
        keep = {_match(notebooks, key, "--only") for key in only}
        return [p for i, p in enumerate(notebooks) if i in keep]
    if start_from:
        return list(notebooks[_match(notebooks, start_from, "--from") :])
    return list(notebooks)


def declared_parameters(notebook: str | Path) -> list[str]:
    """The names a notebook's ``parameters`` cell declares (papermill's inspection)."""
    import papermill

    return list(papermill.inspect_notebook(str(notebook)))


# ---- parameters -----------------------------------------------------------------------
def parse_parameter_value(raw: Any) -> Any:
    """Turn a ``-p key=value`` string into a value the way YAML reads it.

    ``"0.15"`` -> 0.15, ``"7"`` -> 7, ``"true"`` -> True, ``"[a, b]"`` -> ["a", "b"],
    ``"2025-12-31"`` -> ``"2025-12-31"`` (dates stay ISO strings, so manifests stay JSON);
    text that is not valid YAML stays as given. Non-strings are returned unchanged.
    """
    if not isinstance(raw, str):
        return raw
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw
    return _jsonable(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _flat_parameters(config: EngagementConfig) -> dict[str, Any]:
    """The scalar top-level parameters (client_name, currency, language, seed...)."""
    return {k: v for k, v in config.parameters().items() if not isinstance(v, dict | list)}


@dataclass(frozen=True)
class PlannedNotebook:
    """One notebook of a run plan and the parameters its ``parameters`` cell declares."""

    name: str
    path: Path
    declared: tuple[str, ...]


@dataclass(frozen=True)
class RunPlan:
    """What a run will do, decided before anything executes (``--dry-run`` shows it)."""

    engagement_dir: Path
    config: EngagementConfig
    notebooks: tuple[PlannedNotebook, ...]
    all_notebooks: tuple[str, ...]
    config_overrides: dict[str, Any]
    notebook_parameters: dict[str, Any]
    command: dict[str, Any]
    #: notebooks added to the selection because a selected one needs them
    pulled_in: tuple[str, ...] = ()

    def parameters_for(self, notebook: PlannedNotebook, run_dir: str | Path) -> dict[str, Any]:
        """The parameters papermill injects into one notebook: only those it declares."""
        available: dict[str, Any] = {
            **_flat_parameters(self.config),
            **self.notebook_parameters,
            "engagement_dir": str(self.engagement_dir),
            "run_dir": str(Path(run_dir)),
            "config_overrides": dict(self.config_overrides),
        }
        return {k: available[k] for k in notebook.declared if k in available}

    def steps(self) -> list[dict[str, Any]]:
        """One ``{"notebook", "parameters"}`` per notebook, as ``--dry-run`` shows them
        (the run folder, not created yet, appears as ``reports/<run-id>``)."""
        placeholder = Path(REPORTS_DIR) / "<run-id>"
        return [
            {"notebook": nb.name, "parameters": self.parameters_for(nb, placeholder)}
            for nb in self.notebooks
        ]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.steps())


def plan_run(
    engagement_dir: str | Path,
    *,
    only: Sequence[str] | None = None,
    start_from: str | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> RunPlan:
    """Validate the config, select the notebooks and sort the ``-p`` overrides.

    A key with a dot (``thresholds.bcg_growth``) or naming a top-level key of
    ``engagement.yaml`` (``currency``) overrides the config: it goes into every notebook's
    ``config_overrides`` and into the flat parameters. Any other key is passed to the
    notebooks whose ``parameters`` cell declares it.

    Raises
    ------
    ConfigError
        ``engagement.yaml`` (with the overrides applied) is invalid.
    RunError
        An override is neither a config key nor declared by a notebook being run, or
        ``only``/``start_from`` names no notebook.
    """
    root = Path(engagement_dir).resolve()
    if root.is_file() and root.name == CONFIG_FILE:
        root = root.parent
    raw = dict(parameters or {})
    config_fields = set(EngagementConfig.model_fields) - {"root"}
    config_overrides: dict[str, Any] = {}
    direct: dict[str, Any] = {}
    for key, value in raw.items():
        parsed = parse_parameter_value(value)
        if key in RUNNER_PARAMETERS:
            raise RunError(
                f"-p {key}: set by the runner for every notebook and cannot be overridden; "
                "to change engagement settings use dotted keys, e.g. -p thresholds.bcg_growth=0.15"
            )
        if "." in key or key in config_fields:
            if key in config_fields and _is_text_field(key) and isinstance(value, str):
                parsed = value  # client_name=2026 stays text
            config_overrides[key] = parsed
        else:
            direct[key] = parsed
    config = load_config(root, overrides=config_overrides)
    all_paths = discover_notebooks(root)
    selected = select_notebooks(all_paths, only=only, start_from=start_from)
    planned = tuple(
        PlannedNotebook(name=p.stem, path=p, declared=tuple(declared_parameters(p)))
        for p in selected
    )
    for key in direct:
        if not any(key in nb.declared for nb in planned):
            declared = sorted({d for nb in planned for d in nb.declared} | config_fields)
            close = difflib.get_close_matches(key, declared, n=1)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            raise RunError(
                f"-p {key}: not a key of {CONFIG_FILE} and not a parameter of "
                f"{', '.join(nb.name for nb in planned)}{hint}; use a dotted key for "
                "settings (e.g. -p thresholds.bcg_growth=0.15) or a name a parameters "
                "cell declares"
            )
    command = {
        "only": list(only) if only else None,
        "start_from": start_from,
        "parameters": {k: _jsonable(v) for k, v in raw.items()},
    }
    return RunPlan(
        engagement_dir=root,
        config=config,
        notebooks=planned,
        all_notebooks=tuple(p.stem for p in all_paths),
        config_overrides=config_overrides,
        notebook_parameters=direct,
        command=command,
    )


def _is_text_field(key: str) -> bool:
    return EngagementConfig.model_fields[key].annotation is str


# ---- kernel ---------------------------------------------------------------------------
def ensure_kernel(kernel_name: str | None = None) -> str:
    """Make sure a kernel running the kit's own Python exists and return its name.

    With ``kernel_name`` given, only check it exists. Otherwise install (or repair) the
    ``stratbook`` kernelspec in ``sys.prefix`` so that it starts ``sys.executable``; if a
    ``stratbook`` kernel of another environment takes precedence (a user-level install),
    use ``stratbook-<hash of this environment>`` instead of overwriting it.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    ksm = KernelSpecManager()
    if kernel_name is not None:
        try:
            ksm.get_kernel_spec(kernel_name)
        except NoSuchKernel:
            known = ", ".join(sorted(ksm.find_kernel_specs())) or "none"
            raise RunError(
                f"kernel {kernel_name!r} not found (installed: {known}); leave the kernel "
                f"option out to use the kit's own {KERNEL_NAME!r} kernel"
            ) from None
        return kernel_name
    suffix = hashlib.sha256(os.path.abspath(sys.executable).encode()).hexdigest()[:8]
    for name in (KERNEL_NAME, f"{KERNEL_NAME}-{suffix}"):
        if _kernel_is_ours(ksm, name):
            return name
        _install_kernel(name)
        if _kernel_is_ours(KernelSpecManager(), name):
            return name
    raise RunError(
        f"could not install a Jupyter kernel for {sys.executable}; check that "
        f"{Path(sys.prefix) / 'share' / 'jupyter' / 'kernels'} is writable"
    )


def _kernel_is_ours(ksm: Any, name: str) -> bool:
    from jupyter_client.kernelspec import NoSuchKernel

    try:
        spec = ksm.get_kernel_spec(name)
    except NoSuchKernel:
        return False
    argv0 = spec.argv[0] if spec.argv else ""
    return (
        os.path.abspath(argv0) == os.path.abspath(sys.executable)
        and all(spec.env.get(k) == v for k, v in KERNEL_ENV.items())
        and all(arg in spec.argv for arg in KERNEL_ARGUMENTS)
    )


def _install_kernel(name: str) -> None:
    """Write the kernelspec (ipykernel's, plus the kit's env and quiet kernel logs)."""
    import shutil

    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager

    display = KERNEL_DISPLAY_NAME if name == KERNEL_NAME else f"{KERNEL_DISPLAY_NAME} {name}"
    spec_dir = write_kernel_spec(
        overrides={"display_name": display, "env": dict(KERNEL_ENV)},
        extra_arguments=list(KERNEL_ARGUMENTS),
    )
    try:
        try:
            KernelSpecManager().install_kernel_spec(spec_dir, kernel_name=name, prefix=sys.prefix)
        except OSError:  # read-only environment: fall back to the user's Jupyter folder
            KernelSpecManager().install_kernel_spec(spec_dir, kernel_name=name, user=True)
    finally:
        shutil.rmtree(spec_dir, ignore_errors=True)


# ---- manifest -------------------------------------------------------------------------
def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def package_versions() -> dict[str, str | None]:
    """Versions of Python and of the packages a run's numbers depend on."""
    import platform

    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = dist_version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.name  # outside the engagement: keep the name, never the local path


def input_files(config: EngagementConfig) -> list[dict[str, Any]]:
    """Every input file with its sources, path relative to the engagement, size, SHA-256."""
    root = config.root.resolve()
    by_path: dict[Path, list[str]] = {}
    for name in config.data:
        path = config.source_path(name)
        if path.exists():
            by_path.setdefault(path, []).append(name)
    for key, value in _config_files(config).items():
        path = (root / value).resolve()
        if path.exists():
            by_path.setdefault(path, []).append(key)
    return [
        {
            "path": _relative(path, root),
            "sources": sources,
            "size": path.stat().st_size,
            "sha256": sha256_file(path),
        }
        for path, sources in by_path.items()
    ]


def _config_files(config: EngagementConfig) -> dict[str, str]:
    """Files ``engagement.yaml`` names outside ``data`` (dotted key -> path): read by
    analysis code directly, so counted as read by every notebook."""
    rules = config.customers.segment_rules
    return {"customers.segment_rules": rules} if rules else {}


def write_manifest(run_dir: str | Path, manifest: Mapping[str, Any]) -> Path:
    """Write ``manifest.json`` atomically (temporary file, then ``os.replace``)."""
    path = Path(run_dir) / MANIFEST
    tmp = path.with_name(f".{MANIFEST}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_manifest(run_dir: str | Path) -> dict[str, Any]:
    """The manifest of a run folder."""
    path = Path(run_dir) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunError(f"{path}: not found; {Path(run_dir).name} is not a run folder") from None
    except json.JSONDecodeError as exc:
        raise RunError(f"{path}: unreadable manifest ({exc.msg} at line {exc.lineno})") from None


def _new_run_dir(reports: Path, run_id: str | None, started: datetime) -> Path:
    if reports.exists() and not reports.is_dir():
        raise RunError(
            f"{reports} is a file, not a folder: runs cannot be written; move or rename "
            "that file (the run folders go inside reports/)"
        )
    try:
        reports.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunError(f"cannot create {reports}: {exc.strerror}; check permissions") from None
    if run_id is not None:
        if not RUN_ID_PATTERN.match(run_id) or run_id == "interactive":
            raise RunError(
                f"run id {run_id!r}: use letters, digits, '.', '_' and '-' only "
                "(and not 'interactive')"
            )
        candidates: Iterator[str] = iter([run_id])
    else:
        base = started.strftime(RUN_ID_FORMAT)
        candidates = iter([base, *(f"{base}-{n}" for n in range(2, MAX_RUN_SUFFIX))])
    for candidate in candidates:
        path = reports / candidate
        try:
            path.mkdir(exist_ok=False)
        except FileExistsError:
            continue
        except OSError as exc:
            raise RunError(f"cannot create {path}: {exc.strerror}; check permissions") from None
        return path
    raise RunError(
        f"{reports}: run {run_id or base!r} already exists; runs are never overwritten, "
        "choose another run id"
    )


# ---- running --------------------------------------------------------------------------
@dataclass(frozen=True)
class RunResult:
    """A finished run: its folder and its manifest."""

    run_id: str
    run_dir: Path
    status: str
    manifest: dict[str, Any] = field(repr=False)

    @property
    def notebooks(self) -> list[dict[str, Any]]:
        return list(self.manifest["notebooks"])

    @property
    def client_html(self) -> list[Path]:
        """The client pages, in notebook order (what to send)."""
        return [self.run_dir / nb["html"]["client"] for nb in self.notebooks if nb.get("html")]


class _Tracker:
    """Counts a notebook's code cells as nbclient executes them and reports progress."""

    def __init__(self, notebook: str, cells: int, progress: ProgressCallback | None):
        self.notebook = notebook
        self.cells = cells
        self.current = 0
        self.progress = progress

    def _emit(self, status: str) -> None:
        if self.progress is not None:
            self.progress(
                {
                    "event": "cell",
                    "notebook": self.notebook,
                    "cell": self.current,
                    "cells": self.cells,
                    "status": status,
                }
            )

    def on_cell_execute(self, **_: Any) -> None:
        self.current += 1
        self._emit("started")

    def on_cell_executed(self, execute_reply: Mapping[str, Any] | None = None, **_: Any) -> None:
        ok = (execute_reply or {}).get("content", {}).get("status", "ok") == "ok"
        self._emit(STATUS_COMPLETED if ok else STATUS_FAILED)


def _code_cells(path: Path) -> list[Any]:
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C while running, so a killed run still says so."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_engagement(
    engagement_dir: str | Path,
    *,
    only: Sequence[str] | None = None,
    start_from: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    run_id: str | None = None,
    progress: ProgressCallback | None = None,
    kernel_name: str | None = None,
    resume: str | bool = False,
    incremental: bool = False,
    jobs: int = 1,
) -> RunResult:
    """Execute an engagement's notebooks in order into a new ``reports/<run-id>/`` folder.

    Parameters
    ----------
    engagement_dir
        The engagement folder (holding ``engagement.yaml`` and ``notebooks/``).
    only, start_from
        Run just these notebooks, or this one and the later ones; by number (``"04"``)
        or name (``"04_customers"``).
    parameters
        ``-p key=value`` overrides; string values are read as YAML (``"0.15"`` -> 0.15).
        See :func:`plan_run` for where each goes.
    run_id
        The run folder's name; default: the UTC start time ``YYYY-MM-DD_HHMMSS``, with a
        ``-2``, ``-3``... suffix when taken. An explicit id that exists is refused.
    progress
        Called with one dict per event: ``{"event": "run", "status": "started", "run_id",
        "run_dir", "notebooks"}``; ``{"event": "notebook", "status": "started", "notebook",
        "index", "total", "cells"}``; ``{"event": "cell", "status": "started" | "completed"
        | "failed", "notebook", "cell", "cells"}``; ``{"event": "notebook", "status":
        "completed" | "failed" | "interrupted", "notebook", "duration_s"}``; ``{"event":
        "render", "status": "completed", "notebook"}``; ``{"event": "run", "status", "run_id",
        "run_dir", "duration_s"}``. ``cell`` counts executed code cells from 1, which is the
        ``In [n]`` number in the executed notebook (the injected-parameters cell included).
    resume
        ``True``: continue the latest ``failed`` or ``interrupted`` run in its own folder;
        a run id: continue that run (also one left ``running`` by a killed runner). The
        run's own notebooks and parameters are used (``only``, ``start_from``,
        ``parameters`` and ``run_id`` must be left out). A notebook that completed is
        reused when its notebook source, its parameters and the input files hash as they
        did, and every notebook before it is reused too; every other one is executed
        again, its earlier outputs replaced. The manifest's ``resumed`` list (and a
        ``{"event": "resume", "reused", "rerun"}`` progress event) says which are
        reused and which are rerun and why.
    kernel_name
        Jupyter kernel to use; default: the kit's own ``stratbook`` kernel (installed on
        first use, see :func:`ensure_kernel`).
    incremental
        Reuse every notebook that is up to date with an earlier run (see
        :func:`decide_reuse`) instead of executing it: its outputs are copied into the
        new folder and its entry says ``reused_from``. The notebooks that selected ones
        need (``stratbook.needs``) are added to the run, reused when up to date. With no
        notebook executed, the report and workbook are copied too. A ``{"event": "plan",
        "decisions": [...]}`` progress event says, per notebook, reuse or run and why.
    jobs
        How many notebooks may execute at the same time (each in its own kernel); a
        notebook starts once the notebooks it needs have completed. After a failure no
        new notebook starts, the running ones finish, and the run fails.

    Returns
    -------
    RunResult
        The run folder and its manifest (status ``completed``).

    Examples
    --------
    >>> run_engagement("clients/acme", only=["01", "04"])  # doctest: +SKIP
    >>> run_engagement("clients/acme", incremental=True, jobs=2)  # doctest: +SKIP
    >>> run_engagement("clients/acme", resume=True)  # doctest: +SKIP

    Raises
    ------
    ConfigError
        ``engagement.yaml`` is invalid; nothing has run and no folder was created.
    RunError
        A notebook failed (``"01_diagnostic failed at cell 7: ValueError: ..."``, then the
        run folder); the manifest says ``failed``, what ran before is kept, and the
        failed notebook's executed copy and HTML are written for review. The exception
        carries ``run_dir`` and ``manifest`` attributes.
    KeyboardInterrupt
        Re-raised after marking the manifest ``interrupted`` (SIGTERM is treated alike).
    """
    if resume is not False and resume is not None:
        if only or start_from or parameters or run_id:
            raise RunError(
                "--resume continues a run with that run's own notebooks and parameters; "
                "leave out --only, --from, -p and the run id (or start a new run without "
                "--resume)"
            )
        return _resume(engagement_dir, resume, progress=progress, kernel_name=kernel_name)
    if not isinstance(jobs, int) or jobs < 1:
        raise RunError(f"jobs {jobs!r}: give a whole number of notebooks, 1 or more")
    plan = plan_run(engagement_dir, only=only, start_from=start_from, parameters=parameters)
    if incremental:
        plan = with_upstream(plan)
    kernel = ensure_kernel(kernel_name)
    inputs = input_files(plan.config)  # hashed before the run folder exists
    decisions = decide_reuse(plan, inputs, force=not incremental)
    run_dir = _new_run_dir(plan.engagement_dir / REPORTS_DIR, run_id, _now())
    return _execute(
        plan,
        run_dir=run_dir,
        kernel=kernel,
        inputs=inputs,
        progress=progress,
        decisions=decisions,
        jobs=jobs,
    )


def _new_manifest(
    plan: RunPlan,
    *,
    run_dir: Path,
    kernel: str,
    inputs: list[dict[str, Any]],
    sanitiser: Sanitiser,
) -> dict[str, Any]:
    from helpers import __version__

    return {
        "manifest_version": MANIFEST_VERSION,
        "run_id": run_dir.name,
        "kit_version": __version__,
        "status": STATUS_RUNNING,
        "started": _iso(_now()),
        "finished": None,
        "duration_s": None,
        "clock": "UTC",
        "kernel": kernel,
        "command": sanitiser.value(plan.command),
        "config_overrides": sanitiser.value(plan.config_overrides),
        "notebook_parameters": sanitiser.value(plan.notebook_parameters),
        "engagement": sanitiser.value(plan.config.parameters()),
        "inputs": inputs,
        "packages": package_versions(),
        "layout": LAYOUT,
        "all_notebooks": list(plan.all_notebooks),
        "notebooks": [
            {"name": nb.name, "source_sha256": sha256_file(nb.path), "status": STATUS_PENDING}
            for nb in plan.notebooks
        ],
        "error": None,
    }


def _execute(
    plan: RunPlan,
    *,
    run_dir: Path,
    kernel: str,
    inputs: list[dict[str, Any]],
    progress: ProgressCallback | None,
    manifest: dict[str, Any] | None = None,
    reused: frozenset[str] = frozenset(),
    decisions: Sequence[Mapping[str, Any]] | None = None,
    jobs: int = 1,
) -> RunResult:
    """Execute the plan's notebooks into ``run_dir``, keeping ``manifest`` up to date.

    ``manifest`` is a new one unless a run is resumed; notebooks named in ``reused`` are
    not executed (their entries are kept as they are). ``decisions`` (from
    :func:`decide_reuse`) copies the reused notebooks' outputs in first. With ``jobs`` > 1
    the notebooks run in worker threads, at most ``jobs`` at a time, each once the
    notebooks it needs completed; every write of the manifest and every progress event
    goes through one lock.
    """
    from helpers.report import Sanitiser

    clock = time.monotonic()
    lock = threading.RLock()
    sanitiser = Sanitiser.for_run(engagement_dir=plan.engagement_dir, run_dir=run_dir)

    def emit(event: dict[str, Any]) -> None:
        if progress is not None:
            with lock:
                progress(event)

    if manifest is None:
        manifest = _new_manifest(
            plan, run_dir=run_dir, kernel=kernel, inputs=inputs, sanitiser=sanitiser
        )
    entries: list[dict[str, Any]] = manifest["notebooks"]
    prints = _Fingerprints.of(plan, inputs)
    if decisions is not None:
        reused = reused | _apply_decisions(decisions, manifest, run_dir)
    write_manifest(run_dir, manifest)
    emit(
        {
            "event": "run",
            "status": "started",
            "run_id": run_dir.name,
            "run_dir": str(run_dir),
            "notebooks": [nb.name for nb in plan.notebooks if nb.name not in reused],
            "jobs": jobs,
        }
    )
    if decisions is not None:
        emit({"event": "plan", "decisions": [_public(d) for d in decisions]})
        for decision in decisions:
            if decision["action"] == ACTION_REUSE:
                emit({"event": "notebook", "status": STATUS_REUSED, **_public(decision)})

    def save() -> None:
        with lock:
            write_manifest(run_dir, manifest)

    def finish(status: str) -> None:
        with lock:
            for entry in entries:
                if entry["status"] in (STATUS_PENDING, STATUS_RUNNING):
                    entry["status"] = STATUS_NOT_RUN
            manifest["status"] = status
            manifest["finished"] = _iso(_now())
            manifest["duration_s"] = round(time.monotonic() - clock, 3)
            write_manifest(run_dir, manifest)
        emit(
            {
                "event": "run",
                "status": status,
                "run_id": run_dir.name,
                "run_dir": str(run_dir),
                "duration_s": manifest["duration_s"],
            }
        )

    def fail(name: str, failure: Mapping[str, Any]) -> None:
        manifest["error"] = {"notebook": name, **failure}
        finish(STATUS_FAILED)
        error = RunError(_failure_message(name, failure, run_dir))
        error.run_dir = run_dir  # type: ignore[attr-defined]
        error.manifest = manifest  # type: ignore[attr-defined]
        raise error

    def fingerprint_of(name: str) -> str | None:
        with lock:
            entry = next((e for e in entries if e["name"] == name), None)
            return (entry or {}).get("fingerprint_sha256")

    to_run = [
        (nb, e) for nb, e in zip(plan.notebooks, entries, strict=True) if nb.name not in reused
    ]

    def run_one(
        index: int,
        nb: PlannedNotebook,
        entry: dict[str, Any],
        publish: Callable[[], Any],
        engine: Mapping[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        entry["timeline_s"] = {"start": round(time.monotonic() - clock, 3)}
        failure = _run_notebook(
            plan,
            nb,
            entry,
            run_dir=run_dir,
            kernel=kernel,
            sanitiser=sanitiser,
            progress=emit if progress is not None else None,
            save=publish,
            emit=emit,
            start_event={"index": index, "total": len(to_run)},
            engine=engine,
        )
        if failure is None:
            failure = prints.record(nb, entry, run_dir, fingerprint_of)
            if failure is not None:
                entry["status"] = STATUS_FAILED
                entry["error"] = failure
                emit(_nb_event(entry, STATUS_FAILED))
        entry["timeline_s"]["end"] = round(time.monotonic() - clock, 3)
        return failure

    with _sigterm_as_interrupt():
        try:
            if jobs > 1 and len(to_run) > 1:
                first = _run_parallel(
                    plan, to_run, entries, reused=reused, jobs=jobs, kernel=kernel,
                    graph=prints.graph, lock=lock, run_dir=run_dir, manifest=manifest,
                    run_one=run_one,
                )  # fmt: skip
                if first is not None:
                    fail(*first)
            else:
                for index, (nb, entry) in enumerate(to_run, 1):
                    failure = run_one(index, nb, entry, save)
                    if failure:
                        fail(nb.name, failure)
                    save()
        except KeyboardInterrupt:
            running = [e for e in entries if e["status"] == STATUS_RUNNING]
            for current in running:
                current["status"] = STATUS_INTERRUPTED
                emit(_nb_event(current, STATUS_INTERRUPTED))
            current = running[0] if running else None
            manifest["error"] = {
                "notebook": current["name"] if current else None,
                "cell": (current or {}).get("cells", {}).get("executed") or None,
                "name": "KeyboardInterrupt",
                "message": "the run was interrupted",
            }
            finish(STATUS_INTERRUPTED)
            raise
        except RunError:
            raise
        except Exception as exc:  # a bug or a full disk: the manifest still says failed
            if manifest["status"] == STATUS_RUNNING:
                manifest["error"] = {
                    "notebook": None,
                    "name": type(exc).__name__,
                    "message": sanitiser(str(exc)),
                }
                with suppress(OSError):
                    finish(STATUS_FAILED)
            raise
        if not _reuse_deliverables(run_dir, manifest, decisions, emit):
            _finalize(run_dir, manifest, sanitiser=sanitiser, emit=emit)
        finish(STATUS_COMPLETED)
    return RunResult(
        run_id=run_dir.name, run_dir=run_dir, status=STATUS_COMPLETED, manifest=manifest
    )


def _finalize(
    run_dir: Path, manifest: dict[str, Any], *, sanitiser: Callable[[str], str], emit: Callable
) -> None:
    """Write the client report and the results workbook of a completed run.

    A broken report must not hide that every notebook ran: the error is recorded in the
    manifest (``deliverables_error``) and the run stays completed.
    """
    from helpers.book import finalize_run

    try:
        made = finalize_run(run_dir)
    except Exception as exc:  # a kit bug in rendering; the notebooks' outputs stand
        manifest["deliverables_error"] = f"{type(exc).__name__}: {sanitiser(str(exc))}"
        return
    manifest["deliverables"] = {
        key: path.relative_to(run_dir).as_posix() for key, path in made.items()
    }
    emit({"event": "render", "status": STATUS_COMPLETED, "notebook": "report"})


# ---- incremental and parallel runs ----------------------------------------------------
def _all_paths(plan: RunPlan) -> list[Path]:
    folder = plan.engagement_dir / NOTEBOOKS_DIR
    return [folder / f"{name}.ipynb" for name in plan.all_notebooks]


def with_upstream(plan: RunPlan) -> RunPlan:
    """The plan with the notebooks its selected ones need (``stratbook.needs``, directly or
    not) added, in order; ``pulled_in`` names the added ones. An incremental run then
    reuses them when they are up to date and runs them when not."""
    paths = _all_paths(plan)
    graph = dependency_graph(paths)
    selected = {nb.name for nb in plan.notebooks}
    wanted = upstream_closure(graph, selected)
    if wanted == selected:
        return plan
    have = {nb.name: nb for nb in plan.notebooks}
    notebooks = tuple(
        have.get(p.stem)
        or PlannedNotebook(name=p.stem, path=p, declared=tuple(declared_parameters(p)))
        for p in paths
        if p.stem in wanted
    )
    return replace(plan, notebooks=notebooks, pulled_in=tuple(sorted(wanted - selected)))


@dataclass(frozen=True)
class _Fingerprints:
    """What the fingerprints of a run's notebooks are made of (see helpers.incremental)."""

    plan: RunPlan
    graph: dict[str, tuple[str, ...]]
    kit: str
    settings: str
    hashes: dict[str, str | None]
    #: inputs every notebook counts as read (files engagement.yaml names outside data)
    shared: tuple[str, ...]

    @classmethod
    def of(cls, plan: RunPlan, inputs: Sequence[Mapping[str, Any]]) -> _Fingerprints:
        return cls(
            plan=plan,
            graph=dependency_graph(_all_paths(plan)),
            kit=kit_sha256(),
            settings=settings_sha256(_jsonable(plan.config.parameters())),
            hashes={i["path"]: i["sha256"] for i in inputs},
            shared=tuple(
                i["path"] for i in inputs if all(s not in plan.config.data for s in i["sources"])
            ),
        )

    def current(self, nb: PlannedNotebook) -> Current:
        params = _jsonable(self.plan.parameters_for(nb, Path(REPORTS_DIR) / "<run-id>"))
        return Current(
            notebook=notebook_sha256(nb.path),
            kit=self.kit,
            settings=self.settings,
            parameters=parameters_sha256(params, RUN_LOCATION_PARAMETERS),
        )

    def upstream(self, nb: PlannedNotebook) -> list[str]:
        """The notebooks of this run ``nb`` needs directly."""
        in_run = {n.name for n in self.plan.notebooks}
        return [u for u in self.graph.get(nb.name, ()) if u in in_run]

    def _input_keys(self, sources: Sequence[str] | None) -> list[str]:
        config = self.plan.config
        if sources is None:  # notes of a notebook that does not say what it read
            return list(self.hashes)
        root = config.root.resolve()
        keys = [
            input_key(s, _relative(config.source_path(s), root) if s in config.data else None)
            for s in sources
        ]
        return sorted({*keys, *self.shared})

    def record(
        self,
        nb: PlannedNotebook,
        entry: dict[str, Any],
        run_dir: Path,
        fingerprint_of: Callable[[str], str | None],
    ) -> dict[str, Any] | None:
        """Write a completed notebook's fingerprint into its entry; the failure when it
        read results of a notebook it does not need."""
        notes_path = run_dir / "notes" / f"{nb.name}.json"
        try:
            notes = json.loads(notes_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            notes = {}
        undeclared = undeclared_reads(nb.name, notes.get("upstream", []), self.graph)
        if undeclared and declared_needs(nb.path) is not None:
            return {
                "cell": None,
                "name": "UndeclaredDependency",
                "message": f"it read results of {', '.join(undeclared)}, which its metadata "
                "stratbook.needs does not name; add them "
                f'("needs": {json.dumps(sorted({*self.graph[nb.name], *undeclared}))}) so '
                "that they run before it and its results follow theirs",
            }
        current = self.current(nb)
        fingerprint = {
            "notebook": current.notebook,
            "kit": current.kit,
            "settings": current.settings,
            "parameters": current.parameters,
            "inputs": {k: self.hashes.get(k) for k in self._input_keys(notes.get("sources"))},
            "upstream": {u: fingerprint_of(u) for u in self.upstream(nb)},
        }
        entry["fingerprint"] = fingerprint
        entry["fingerprint_sha256"] = fingerprint_sha256(fingerprint)
        return None


def _earlier_entries(root: Path) -> dict[str, list[tuple[Path, dict[str, Any]]]]:
    """Per notebook, its completed entries with a fingerprint in earlier runs, newest run
    first (runs still ``running`` are left out: they may be another terminal's)."""
    found = []
    for path in (root / REPORTS_DIR).glob(f"*/{MANIFEST}"):
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if manifest.get("status") != STATUS_RUNNING:
            found.append((manifest.get("started") or "", path.parent.name, manifest))
    out: dict[str, list[tuple[Path, dict[str, Any]]]] = {}
    for _, name, manifest in sorted(found, key=lambda f: (f[0], f[1]), reverse=True):
        run_dir = root / REPORTS_DIR / name
        for entry in manifest.get("notebooks", []):
            executed = entry.get("executed_notebook")
            if (
                entry.get("status") == STATUS_COMPLETED
                and entry.get("fingerprint")
                and executed
                and (run_dir / executed).is_file()
            ):
                out.setdefault(entry["name"], []).append((run_dir, entry))
    return out


def decide_reuse(
    plan: RunPlan, inputs: Sequence[Mapping[str, Any]], *, force: bool = False
) -> list[dict[str, Any]]:
    """For each notebook of the plan, whether an earlier run's outputs can stand for it.

    A notebook is up to date when an earlier completed execution of it (in any run but
    one still running, newest first) has the fingerprint it would have now: same
    notebook cells, kit, engagement settings, parameters, input files it read, and the
    same upstream fingerprints, which holds only when its upstream notebooks are reused
    too. Each item: ``notebook``, ``action`` (``"reuse"`` or ``"run"``), ``reason``
    (for a run: why, against its newest earlier execution: ``"input data/raw/x.csv
    changed"``, ``"notebook changed"``, ``"upstream 04_customers reruns"``...), and for a
    reuse ``from`` (the run where it executed), ``source_dir`` (the run folder to copy
    from) and ``entry`` (that manifest entry).
    """
    prints = _Fingerprints.of(plan, inputs)
    earlier = {} if force else _earlier_entries(plan.engagement_dir)
    reused_prints: dict[str, str] = {}
    decisions: list[dict[str, Any]] = []
    for nb in plan.notebooks:
        pulled = " (needed by the notebooks selected)" if nb.name in plan.pulled_in else ""
        if force:
            decisions.append({"notebook": nb.name, "action": ACTION_RUN, "reason": "forced"})
            continue
        current = prints.current(nb)
        upstream = {u: reused_prints.get(u) for u in prints.upstream(nb)}
        reason = None
        for source_dir, entry in earlier.get(nb.name, []):
            why = compare(current, entry["fingerprint"], hashes=prints.hashes, upstream=upstream)
            if why is None:
                reused_prints[nb.name] = entry["fingerprint_sha256"]
                decisions.append(
                    {
                        "notebook": nb.name,
                        "action": ACTION_REUSE,
                        "reason": "up to date" + pulled,
                        "from": entry.get("reused_from") or source_dir.name,
                        "source_dir": source_dir,
                        "entry": entry,
                    }
                )
                break
            reason = reason or why
        else:
            reason = reason or "no earlier run of it to reuse"
            decisions.append({"notebook": nb.name, "action": ACTION_RUN, "reason": reason + pulled})
    return decisions


def _public(decision: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in decision.items() if k in ("notebook", "action", "reason", "from")}


def _apply_decisions(
    decisions: Sequence[Mapping[str, Any]],
    manifest: dict[str, Any],
    run_dir: Path,
) -> frozenset[str]:
    """Copy the reused notebooks' outputs into the run and record every decision."""
    entries = manifest["notebooks"]
    index = {e["name"]: i for i, e in enumerate(entries)}
    reused = set()
    for decision in decisions:
        name = decision["notebook"]
        if decision["action"] == ACTION_REUSE:
            _copy_outputs(decision["source_dir"], run_dir, decision["entry"])
            entry = deepcopy(dict(decision["entry"]))
            entry["reused_from"] = decision["from"]
            entry.pop("timeline_s", None)
            entries[index[name]] = entry
            reused.add(name)
        entries[index[name]]["decision"] = {
            "action": decision["action"],
            "reason": decision["reason"],
        }
    manifest["incremental"] = {
        "reused": sorted(reused),
        "run": [d["notebook"] for d in decisions if d["action"] == ACTION_RUN],
    }
    return frozenset(reused)


def _copy_outputs(source_dir: Path, run_dir: Path, entry: Mapping[str, Any]) -> None:
    """Copy one notebook's outputs (executed notebook, pages, results, notes) between run
    folders. Copies, not links: a run folder edited later cannot change another."""
    name = entry["name"]
    files = [entry.get("executed_notebook"), *(entry.get("html") or {}).values()]
    files.append(f"notes/{name}.json")
    for relative in filter(None, files):
        source = source_dir / relative
        if source.is_file():
            (run_dir / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, run_dir / relative)
    results = source_dir / "results" / name
    if results.is_dir():
        shutil.copytree(results, run_dir / "results" / name, dirs_exist_ok=True)


def _reuse_deliverables(
    run_dir: Path,
    manifest: dict[str, Any],
    decisions: Sequence[Mapping[str, Any]] | None,
    emit: ProgressCallback,
) -> bool:
    """Copy report.html and results.xlsx when every notebook was reused from one earlier
    run holding the same notebooks (they are derived from them alone); whether it did."""
    if not decisions or any(d["action"] != ACTION_REUSE for d in decisions):
        return False
    sources = {d["source_dir"] for d in decisions}
    if len(sources) != 1:
        return False
    source = sources.pop()
    try:
        earlier = read_manifest(source)
    except RunError:
        return False
    made = earlier.get("deliverables") or {}
    same = [e["name"] for e in earlier.get("notebooks", [])] == [
        e["name"] for e in manifest["notebooks"]
    ]
    if not (same and made and earlier.get("status") == STATUS_COMPLETED):
        return False
    if not all((source / relative).is_file() for relative in made.values()):
        return False
    for relative in made.values():
        shutil.copy2(source / relative, run_dir / relative)
    manifest["deliverables"] = dict(made)
    manifest["deliverables_reused_from"] = earlier.get("deliverables_reused_from") or source.name
    emit({"event": "render", "status": STATUS_REUSED, "notebook": "report"})
    return True


def _interrupt_kernel(km: Any) -> None:
    """Send a kernel SIGINT, as Ctrl-C in JupyterLab would (from any thread)."""
    process = getattr(getattr(km, "provisioner", None), "process", None)
    if process is not None and process.poll() is None:
        with suppress(OSError):
            process.send_signal(signal.SIGINT)


def _run_parallel(
    plan: RunPlan,
    to_run: Sequence[tuple[PlannedNotebook, dict[str, Any]]],
    entries: list[dict[str, Any]],
    *,
    reused: frozenset[str],
    jobs: int,
    kernel: str,
    graph: Mapping[str, Sequence[str]],
    lock: threading.RLock,
    run_dir: Path,
    manifest: dict[str, Any],
    run_one: Callable[..., dict[str, Any] | None],
) -> tuple[str, dict[str, Any]] | None:
    """Run notebooks in up to ``jobs`` threads, each once its needs completed; the first
    failure (notebook, failure) or None.

    Each worker fills a private copy of its manifest entry and publishes it under the
    lock, so the manifest is never written while an entry changes. After a failure no
    notebook starts and the running ones finish; on Ctrl-C the running kernels are
    interrupted, the workers waited for, and KeyboardInterrupt re-raised.
    """
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    in_run = {nb.name for nb in plan.notebooks}
    position = {e["name"]: i for i, e in enumerate(entries)}
    done = set(reused)
    pending = list(to_run)
    running: dict[Future, tuple[str, Callable[[], None]]] = {}
    kernels: dict[str, Any] = {}
    first: tuple[str, dict[str, Any]] | None = None
    started = 0

    def worker(index: int, nb: PlannedNotebook, entry: dict[str, Any], publish: Any) -> Any:
        km = AsyncKernelManager(kernel_name=kernel)
        with lock:
            kernels[nb.name] = km
        try:
            return run_one(index, nb, entry, publish, {"km": km})
        finally:
            with lock:
                kernels.pop(nb.name, None)
            if km.has_kernel:
                with suppress(Exception):
                    run_sync(km.shutdown_kernel)(now=True)

    def publisher(name: str, private: dict[str, Any]) -> Callable[[], None]:
        def publish() -> None:
            with lock:
                entries[position[name]] = deepcopy(private)
                write_manifest(run_dir, manifest)

        return publish

    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="stratbook-run")
    try:
        while pending or running:
            for item in list(pending) if first is None else []:
                nb, entry = item
                needs = [u for u in graph.get(nb.name, ()) if u in in_run]
                if len(running) < jobs and all(u in done for u in needs):
                    pending.remove(item)
                    started += 1
                    private = deepcopy(entry)
                    publish = publisher(nb.name, private)
                    future = pool.submit(worker, started, nb, private, publish)
                    running[future] = (nb.name, publish)
            if not running:
                break  # after a failure: what is left does not start
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in finished:
                name, publish = running.pop(future)
                failure = future.result()  # KeyboardInterrupt of a kernel comes out here
                publish()
                if failure is None:
                    done.add(name)
                elif first is None:
                    first = (name, failure)
    except BaseException:
        with lock:
            for km in kernels.values():
                _interrupt_kernel(km)
        for future, (_, publish) in running.items():
            with suppress(BaseException):
                future.result()
            publish()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if first is None and pending:  # cannot happen while needs only name earlier notebooks
        waiting = ", ".join(nb.name for nb, _ in pending)
        raise RunError(f"{waiting}: never ready to run; their needs did not complete")
    return first


# ---- resuming and rerunning -----------------------------------------------------------
#: statuses of a run that ``resume=True`` picks up (a run left ``running`` by a killed
#: runner is resumed only when named, as it could be another terminal's live run)
RESUMABLE = (STATUS_FAILED, STATUS_INTERRUPTED)


def _engagement_root(engagement_dir: str | Path) -> Path:
    root = Path(engagement_dir).resolve()
    if root.is_file() and root.name == CONFIG_FILE:
        root = root.parent
    return root


def _past_run(root: Path, run_id: str) -> tuple[Path, dict[str, Any]]:
    """A past run's folder and manifest, or a RunError naming the runs there are."""
    reports = root / REPORTS_DIR
    run_dir = reports / str(run_id)
    if not RUN_ID_PATTERN.match(str(run_id)) or not (run_dir / MANIFEST).is_file():
        have = list_runs(root)["run_id"].tolist()
        listed = ", ".join(have[-5:]) if have else "none yet"
        raise RunError(
            f"run {str(run_id)!r}: no such run in {reports} (latest: {listed}); "
            "`stratbook runs` lists them"
        )
    return run_dir, read_manifest(run_dir)


def _plan_from_manifest(root: Path, manifest: Mapping[str, Any]) -> RunPlan:
    """The plan of a past run's command: same notebooks, same ``-p`` overrides."""
    command = manifest.get("command") or {}
    return plan_run(
        root,
        only=command.get("only") or None,
        start_from=command.get("start_from"),
        parameters=command.get("parameters") or None,
    )


def changed_inputs(
    before: Sequence[Mapping[str, Any]], now: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Input files whose SHA-256 differs between two manifests' ``inputs`` lists.

    Each item: ``path``, ``change`` (``"changed"``, ``"missing"`` now, or ``"new"``),
    ``before`` and ``now`` (hashes or None); sorted by path.
    """
    old = {i["path"]: i["sha256"] for i in before}
    new = {i["path"]: i["sha256"] for i in now}
    out = []
    for path in sorted(old.keys() | new.keys()):
        if old.get(path) == new.get(path):
            continue
        change = "changed" if path in old and path in new else "missing" if path in old else "new"
        out.append({"path": path, "change": change, "before": old.get(path), "now": new.get(path)})
    return out


def _flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(tree, Mapping):
        out: dict[str, Any] = {}
        for key, value in tree.items():
            out.update(_flatten(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): tree}


def changed_settings(before: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    """Dotted keys of ``engagement.yaml`` whose value differs between two manifests'
    ``engagement`` records (``thresholds.bcg_growth``...), sorted."""
    old, new = _flatten(before), _flatten(now)
    return sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))


def _describe_change(item: Mapping[str, Any]) -> str:
    if item["change"] == "changed":
        return (
            f"{item['path']} changed (sha256 {item['before'][:12]}... then, "
            f"{item['now'][:12]}... now)"
        )
    if item["change"] == "missing":
        return f"{item['path']} is missing now"
    return f"{item['path']} is new (not an input of that run)"


def resume_decisions(
    plan: RunPlan,
    manifest: Mapping[str, Any],
    *,
    run_dir: Path,
    inputs: Sequence[Mapping[str, Any]],
    sanitiser: Sanitiser,
) -> list[dict[str, str]]:
    """For each planned notebook: ``{"notebook", "action": "reuse" | "rerun", "reason"}``.

    A notebook is reused only when it completed in ``manifest`` with the same notebook
    source hash, the same parameters and unchanged input files, and every notebook before
    it is reused (later notebooks read earlier results); a change of ``engagement.yaml``
    (the manifest's ``engagement`` record) reruns every notebook.
    """
    old = {e["name"]: e for e in manifest.get("notebooks", [])}
    changed = changed_inputs(manifest.get("inputs", []), inputs)
    settings = changed_settings(
        manifest.get("engagement") or {}, sanitiser.value(plan.config.parameters())
    )
    decisions: list[dict[str, str]] = []
    earlier_rerun = False
    for nb in plan.notebooks:
        entry = old.get(nb.name)
        params = sanitiser.value(_jsonable(plan.parameters_for(nb, run_dir)))
        if entry is None:
            reason = "not part of the run being resumed"
        elif entry.get("status") != STATUS_COMPLETED:
            reason = f"did not complete ({entry.get('status')})"
        elif earlier_rerun:
            reason = "an earlier notebook is rerun and this one may read its results"
        elif entry.get("source_sha256") != sha256_file(nb.path):
            reason = "its notebook changed since it ran (source hash differs)"
        elif entry.get("parameters") != params:
            reason = "its parameters changed since it ran"
        elif settings:
            reason = f"{CONFIG_FILE} changed since it ran: {', '.join(settings)}"
        elif changed:
            reason = "input files changed: " + "; ".join(_describe_change(c) for c in changed)
        else:
            decisions.append(
                {
                    "notebook": nb.name,
                    "action": "reuse",
                    "reason": "completed with the same notebook, parameters and inputs",
                }
            )
            continue
        earlier_rerun = True
        decisions.append({"notebook": nb.name, "action": "rerun", "reason": reason})
    return decisions


def _clear_outputs(run_dir: Path, name: str) -> None:
    """Remove what an earlier attempt of one notebook wrote into the run folder."""
    import shutil

    for relative in (
        f"notebooks/{name}.ipynb",
        f"html/{name}.html",
        f"html/reviewer/{name}.html",
        f"notes/{name}.json",
    ):
        (run_dir / relative).unlink(missing_ok=True)
    shutil.rmtree(run_dir / "results" / name, ignore_errors=True)


def _resume(
    engagement_dir: str | Path,
    resume: str | bool,
    *,
    progress: ProgressCallback | None,
    kernel_name: str | None,
) -> RunResult:
    from helpers.report import Sanitiser

    root = _engagement_root(engagement_dir)
    if resume is True:
        runs = list_runs(root)
        runs = runs[runs["status"].isin(RESUMABLE)]
        if runs.empty:
            raise RunError(
                f"{root / REPORTS_DIR}: no failed or interrupted run to resume; start a new "
                "run with `stratbook run` (or name a run: --resume RUN_ID)"
            )
        resume = str(runs["run_id"].iloc[-1])
    run_dir, manifest = _past_run(root, str(resume))
    if manifest.get("status") == STATUS_COMPLETED:
        raise RunError(
            f"run {run_dir.name} completed: nothing to resume; `stratbook rerun "
            f"{run_dir.name}` executes it again into a new run folder"
        )
    plan = _plan_from_manifest(root, manifest)
    kernel = ensure_kernel(kernel_name)
    inputs = input_files(plan.config)
    sanitiser = Sanitiser.for_run(engagement_dir=root, run_dir=run_dir)
    decisions = resume_decisions(
        plan, manifest, run_dir=run_dir, inputs=inputs, sanitiser=sanitiser
    )
    old = {e["name"]: e for e in manifest.get("notebooks", [])}
    entries = []
    for nb, decision in zip(plan.notebooks, decisions, strict=True):
        if decision["action"] == "reuse":
            entry = dict(old[nb.name])
        else:
            _clear_outputs(run_dir, nb.name)
            entry = {
                "name": nb.name,
                "source_sha256": sha256_file(nb.path),
                "status": STATUS_PENDING,
            }
        entry["resume"] = {"action": decision["action"], "reason": decision["reason"]}
        entries.append(entry)
    reused = frozenset(d["notebook"] for d in decisions if d["action"] == "reuse")
    manifest.update(
        status=STATUS_RUNNING,
        finished=None,
        duration_s=None,
        kernel=kernel,
        engagement=sanitiser.value(plan.config.parameters()),
        inputs=inputs,
        packages=package_versions(),
        notebooks=entries,
        error=None,
    )
    manifest.setdefault("resumed", []).append(
        {
            "at": _iso(_now()),
            "reused": sorted(reused),
            "rerun": [
                {"notebook": d["notebook"], "reason": d["reason"]}
                for d in decisions
                if d["action"] == "rerun"
            ],
        }
    )
    if progress is not None:
        progress(
            {
                "event": "resume",
                "run_id": run_dir.name,
                "run_dir": str(run_dir),
                "reused": [d for d in decisions if d["action"] == "reuse"],
                "rerun": [d for d in decisions if d["action"] == "rerun"],
            }
        )
    return _execute(
        plan,
        run_dir=run_dir,
        kernel=kernel,
        inputs=inputs,
        progress=progress,
        manifest=manifest,
        reused=reused,
    )


def rerun(
    engagement_dir: str | Path,
    run_id: str,
    *,
    new_run_id: str | None = None,
    progress: ProgressCallback | None = None,
    kernel_name: str | None = None,
) -> RunResult:
    """Execute a past run again, from its manifest, into a new run folder.

    The same notebooks are run with the same ``-p`` overrides (the manifest's
    ``command``); the new manifest says ``rerun_of`` (the run id, and the notebooks whose
    source changed since). Results are identical when the notebooks did not change.

    Parameters
    ----------
    engagement_dir
        The engagement folder.
    run_id
        The past run (its folder name under ``reports/``).
    new_run_id, progress, kernel_name
        As for :func:`run_engagement` (``new_run_id`` is its ``run_id``).

    Raises
    ------
    RunError
        No such run; or an input file's SHA-256 differs from the manifest's (the message
        names each such file): the past run cannot be reproduced from today's inputs.
    """
    root = _engagement_root(engagement_dir)
    source_dir, manifest = _past_run(root, run_id)
    plan = _plan_from_manifest(root, manifest)
    inputs = input_files(plan.config)
    changed = changed_inputs(manifest.get("inputs", []), inputs)
    if changed:
        raise RunError(
            f"rerun {source_dir.name}: refused, its inputs are not the ones it ran on: "
            + "; ".join(_describe_change(c) for c in changed)
            + ". Restore the files as they were to reproduce it, or start a new run with "
            "`stratbook run`"
        )
    kernel = ensure_kernel(kernel_name)
    run_dir = _new_run_dir(root / REPORTS_DIR, new_run_id, _now())
    from helpers.report import Sanitiser

    sanitiser = Sanitiser.for_run(engagement_dir=root, run_dir=run_dir)
    new_manifest = _new_manifest(
        plan, run_dir=run_dir, kernel=kernel, inputs=inputs, sanitiser=sanitiser
    )
    before = {e["name"]: e.get("source_sha256") for e in manifest.get("notebooks", [])}
    new_manifest["rerun_of"] = {
        "run_id": source_dir.name,
        "settings_changed": changed_settings(
            manifest.get("engagement") or {}, new_manifest["engagement"]
        ),
        "notebooks_changed": [
            e["name"]
            for e in new_manifest["notebooks"]
            if e["name"] in before and before[e["name"]] != e["source_sha256"]
        ],
    }
    return _execute(
        plan,
        run_dir=run_dir,
        kernel=kernel,
        inputs=inputs,
        progress=progress,
        manifest=new_manifest,
    )


def _run_notebook(
    plan: RunPlan,
    nb: PlannedNotebook,
    entry: dict[str, Any],
    *,
    run_dir: Path,
    kernel: str,
    sanitiser: Sanitiser,
    progress: ProgressCallback | None,
    save: Callable[[], Any],
    emit: ProgressCallback,
    start_event: Mapping[str, Any],
    engine: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """Execute and render one notebook, filling its manifest entry; the failure or None.

    ``engine`` goes to papermill's engine (a parallel run gives each notebook its own
    kernel manager, ``km``). KeyboardInterrupt propagates (the entry stays ``running``
    for the caller to mark).
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from helpers.execution import register_engine
    from helpers.report import render_reports

    params = plan.parameters_for(nb, run_dir)
    cells = len(_code_cells(nb.path)) + (1 if params else 0)
    executed = run_dir / "notebooks" / f"{nb.name}.ipynb"
    executed.parent.mkdir(exist_ok=True)
    tracker = _Tracker(nb.name, cells, progress)
    entry.update(
        status=STATUS_RUNNING,
        started=_iso(_now()),
        parameters=sanitiser.value(_jsonable(params)),
        cells={"total": cells, "executed": 0},
        executed_notebook=executed.relative_to(run_dir).as_posix(),
    )
    save()
    emit(
        {
            "event": "notebook",
            "status": "started",
            "notebook": nb.name,
            **start_event,
            "cells": cells,
        }
    )
    t0 = time.monotonic()
    failure: dict[str, Any] | None = None
    try:
        papermill.execute_notebook(
            str(nb.path),
            str(executed),
            engine_name=register_engine(),  # papermill's, fewer rewrites: helpers.execution
            parameters=params or None,
            kernel_name=kernel,
            cwd=str(nb.path.parent),
            progress_bar=False,
            # outputs are all in once the last cell replied: no need to wait for a
            # graceful kernel exit (saves seconds per notebook)
            shutdown_kernel="immediate",
            on_cell_execute=tracker.on_cell_execute,
            on_cell_executed=tracker.on_cell_executed,
            **dict(engine or {}),
        )
    except PapermillExecutionError as exc:
        if exc.ename == "KeyboardInterrupt":  # the kernel itself was interrupted
            entry["cells"]["executed"] = tracker.current
            entry["duration_s"] = round(time.monotonic() - t0, 3)
            raise KeyboardInterrupt from None
        failure = _cell_failure(exc, executed, tracker, sanitiser)
    except KeyboardInterrupt:
        entry["cells"]["executed"] = tracker.current
        entry["duration_s"] = round(time.monotonic() - t0, 3)
        raise
    except Exception as exc:  # dead kernel, timeout, disk full: still one message
        failure = {
            "cell": tracker.current or None,
            "name": type(exc).__name__,
            "message": sanitiser(str(exc).strip()),
        }
    entry["cells"]["executed"] = tracker.current
    status = STATUS_FAILED if failure else STATUS_COMPLETED
    if executed.exists():
        try:
            client, reviewer = render_reports(
                executed,
                client_path=run_dir / "html" / f"{nb.name}.html",
                reviewer_path=run_dir / "html" / "reviewer" / f"{nb.name}.html",
                sanitiser=sanitiser,
                title=nb.name,
                language=plan.config.language,
                currency=plan.config.currency,
            )
            entry["html"] = {
                "client": client.relative_to(run_dir).as_posix(),
                "reviewer": reviewer.relative_to(run_dir).as_posix(),
            }
            emit({"event": "render", "status": STATUS_COMPLETED, "notebook": nb.name})
        except Exception as exc:  # a broken page must not hide the run's outcome
            if failure is None:
                failure = {
                    "cell": None,
                    "name": type(exc).__name__,
                    "message": f"rendering HTML: {sanitiser(str(exc))}",
                }
                status = STATUS_FAILED
    _close_entry(entry, run_dir, nb.name, t0, status)
    if "run_dir" not in nb.declared:
        entry["warnings"].append(
            {
                "message": f"{nb.name} declares no run_dir parameter: what it saves goes to "
                "reports/interactive, not to this run; add run_dir = None to its parameters cell",
                "source": "runner",
            }
        )
    if failure:
        entry["error"] = failure
    emit(_nb_event(entry, status))
    return failure


def _nb_event(entry: Mapping[str, Any], status: str) -> dict[str, Any]:
    return {
        "event": "notebook",
        "status": status,
        "notebook": entry["name"],
        "duration_s": entry.get("duration_s"),
    }


def _close_entry(entry: dict[str, Any], run_dir: Path, name: str, t0: float, status: str) -> None:
    """Record a notebook's outcome: status, duration, results and notes."""
    entry["status"] = status
    entry["duration_s"] = round(time.monotonic() - t0, 3)
    results = run_dir / "results" / name
    entry["results"] = [
        {
            "path": p.relative_to(run_dir).as_posix(),
            "size": p.stat().st_size,
            "sha256": sha256_file(p),
        }
        for p in sorted(results.glob("*.csv"))
    ]
    notes_path = run_dir / "notes" / f"{name}.json"
    notes: dict[str, Any] = {}
    if notes_path.exists():
        try:
            notes = json.loads(notes_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            notes = {}
    entry["warnings"] = list(notes.get("warnings", []))
    entry["skipped"] = list(notes.get("skipped", []))
    entry["findings"] = list(notes.get("findings", []))


def _cell_failure(
    exc: Any, executed: Path, tracker: _Tracker, sanitiser: Callable[[str], str]
) -> dict[str, Any]:
    """Where and why a cell failed, from papermill's error and the executed notebook."""
    import nbformat

    cell_number = exc.exec_count if exc.exec_count is not None else tracker.current
    source_position = None
    cell_id = None
    first_line = (exc.source or "").strip().splitlines()[0] if (exc.source or "").strip() else ""
    if executed.exists():
        # papermill adds banner cells to the saved copy, so find the failed cell by its
        # execution count (or its failed status), not by exc.cell_index
        nb = nbformat.read(str(executed), as_version=4)
        position = 0
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            meta = cell.get("metadata", {})
            if "injected-parameters" not in meta.get("tags", []):
                position += 1
            failed = meta.get("papermill", {}).get("status") == "failed"
            if failed or (exc.exec_count is not None and cell.execution_count == exc.exec_count):
                cell_id = cell.get("id")
                source_position = position
                break
    message = sanitiser(str(exc.evalue).strip())
    return {
        "cell": cell_number,
        "code_cell": source_position,
        "cell_id": cell_id,
        "cell_source": sanitiser(first_line),
        "name": exc.ename,
        "message": message,
    }


def _failure_message(name: str, failure: Mapping[str, Any], run_dir: Path) -> str:
    where = f" at cell {failure['cell']}" if failure.get("cell") else ""
    head = f"{name} failed{where}: {failure['name']}: {failure['message']}"
    lines = [head]
    if failure.get("cell_source"):
        lines.append(f"  the cell (In [{failure['cell']}]) begins: {failure['cell_source']}")
    lines.append(
        f"  run folder: {run_dir} (manifest says failed; the executed notebook and its "
        "HTML are kept for review)"
    )
    return "\n".join(lines)


# ---- past runs ------------------------------------------------------------------------
RUN_COLUMNS = ["run_id", "status", "started", "duration_s", "completed", "notebooks", "failed"]


def list_runs(engagement_dir: str | Path) -> pd.DataFrame:
    """The engagement's runs from their manifests, oldest first.

    Columns: ``run_id``, ``status`` (``unreadable`` for a damaged manifest), ``started``
    (UTC timestamp), ``duration_s``, ``completed`` (notebooks completed), ``notebooks``
    (notebooks planned), ``failed`` (the notebook that failed or was interrupted).
    """
    reports = Path(engagement_dir) / REPORTS_DIR
    rows = []
    for path in sorted(reports.glob(f"*/{MANIFEST}")):
        try:
            m = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            rows.append({"run_id": path.parent.name, "status": "unreadable"})
            continue
        nbs = m.get("notebooks", [])
        rows.append(
            {
                "run_id": m.get("run_id", path.parent.name),
                "status": m.get("status"),
                "started": m.get("started"),
                "duration_s": m.get("duration_s"),
                "completed": sum(nb.get("status") == STATUS_COMPLETED for nb in nbs),
                "notebooks": len(nbs),
                "failed": (m.get("error") or {}).get("notebook"),
            }
        )
    frame = pd.DataFrame(rows, columns=RUN_COLUMNS)
    frame["started"] = pd.to_datetime(frame["started"], utc=True)
    frame["duration_s"] = frame["duration_s"].astype("float64")
    frame["completed"] = frame["completed"].astype("Int64")
    frame["notebooks"] = frame["notebooks"].astype("Int64")
    return frame.sort_values(["started", "run_id"], na_position="first").reset_index(drop=True)


def latest_run(engagement_dir: str | Path, *, status: str | None = None) -> Path | None:
    """The folder of the most recently started run (with this status, if given), or None."""
    runs = list_runs(engagement_dir)
    if status is not None:
        runs = runs[runs["status"] == status]
    if runs.empty:
        return None
    return Path(engagement_dir) / REPORTS_DIR / runs["run_id"].iloc[-1]


__all__ = [
    "KERNEL_NAME",
    "LAYOUT",
    "RESUMABLE",
    "PlannedNotebook",
    "RunPlan",
    "RunResult",
    "changed_inputs",
    "changed_settings",
    "decide_reuse",
    "declared_parameters",
    "discover_notebooks",
    "ensure_kernel",
    "input_files",
    "latest_run",
    "list_runs",
    "package_versions",
    "parse_parameter_value",
    "plan_run",
    "read_manifest",
    "rerun",
    "resume_decisions",
    "run_engagement",
    "select_notebooks",
    "sha256_file",
    "with_upstream",
    "write_manifest",
]
