"""Which notebooks of a run are up to date, and which depend on which.

``stratbook run`` reuses a notebook from an earlier run instead of executing it again
when nothing it depends on changed. What a notebook depends on is its **fingerprint**,
recorded in the manifest entry of every notebook that completes::

    {"notebook": <hash of the cells' types and sources, and of its stratbook metadata>,
     "parameters": <hash of the parameters it received, run folder left out>,
     "settings": <hash of engagement.yaml as loaded, overrides applied>,
     "kit": <hash of the helpers source files and the package versions>,
     "inputs": {"data/raw/transactions.csv": <sha256 or null when absent>, ...},
     "upstream": {"04_customers": <fingerprint hash of that notebook>, ...}}

``inputs`` holds only the files the notebook read (the data sources its
:class:`~helpers.context.Engagement` loaded or asked about, and the files
``engagement.yaml`` names outside ``data``, such as ``customers.segment_rules``), so that
changing one input reruns the notebooks that read it and no other. ``upstream`` chains the
fingerprints: a notebook whose upstream reruns reruns too.

Dependencies are declared in each notebook's metadata, readable without executing it::

    "metadata": {"stratbook": {"needs": ["04_customers"]}, ...}

A notebook without a ``stratbook.needs`` declaration depends on every earlier notebook
(the safe, sequential reading). ``needs`` may only name earlier notebooks, so numeric order
is always a valid execution order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.errors import RunError

#: the notebook metadata key holding the kit's declarations
METADATA_KEY = "stratbook"
#: fingerprint parts, in the order a reason to rerun is looked for
PARTS = ("notebook", "kit", "settings", "parameters", "inputs", "upstream")
#: what a reason to rerun says for each part (inputs and upstream name the file or notebook)
REASONS = {
    "notebook": "notebook changed",
    "kit": "kit changed (helpers source or package versions)",
    "settings": "engagement.yaml changed",
    "parameters": "parameters changed",
}


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---- declarations -------------------------------------------------------------------------
def _read(path: Path) -> dict[str, Any]:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RunError(f"{path}: not a readable notebook ({exc})") from None


def declared_needs(path: str | Path) -> list[str] | None:
    """The ``stratbook.needs`` list of a notebook's metadata, or None when undeclared."""
    meta = _read(Path(path)).get("metadata", {}).get(METADATA_KEY)
    if not isinstance(meta, Mapping) or "needs" not in meta:
        return None
    needs = meta["needs"]
    if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
        raise RunError(
            f"{path}: metadata stratbook.needs must be a list of notebook names, "
            f'e.g. ["04_customers"]; got {needs!r}'
        )
    return needs


def dependency_graph(notebooks: Sequence[str | Path]) -> dict[str, tuple[str, ...]]:
    """Each notebook's direct upstream notebooks, by name, in numeric order.

    ``notebooks`` are the engagement's notebook paths in order. A need may be given by
    number (``"04"``) or name (``"04_customers"``).

    Raises
    ------
    RunError
        A need names no notebook, or a notebook that is not earlier (numeric order must
        stay a valid order to run them in).
    """
    paths = [Path(p) for p in notebooks]
    names = [p.stem for p in paths]
    graph: dict[str, tuple[str, ...]] = {}
    for index, path in enumerate(paths):
        needs = declared_needs(path)
        if needs is None:
            graph[path.stem] = tuple(names[:index])
            continue
        resolved = []
        for need in needs:
            key = need.strip().removesuffix(".ipynb")
            match = [n for n in names if key in (n, n[:2])]
            if not match:
                raise RunError(
                    f"{path.name}: stratbook.needs names {need!r}, which is not a notebook of "
                    f"this engagement (have: {', '.join(names)})"
                )
            if names.index(match[0]) >= index:
                raise RunError(
                    f"{path.name}: stratbook.needs names {match[0]}, which is not an earlier "
                    "notebook; a notebook can only need notebooks numbered before it"
                )
            resolved.append(match[0])
        graph[path.stem] = tuple(n for n in names if n in resolved)
    return graph


def upstream_closure(graph: Mapping[str, Sequence[str]], names: Iterable[str]) -> set[str]:
    """The notebooks ``names`` need, directly or not, ``names`` included."""
    seen: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(graph.get(name, ()))
    return seen


def undeclared_reads(
    name: str, upstream_read: Iterable[str], graph: Mapping[str, Sequence[str]]
) -> list[str]:
    """The notebooks whose results ``name`` read without needing them (directly or not)."""
    allowed = upstream_closure(graph, graph.get(name, ())) | {name}
    return sorted(set(upstream_read) - allowed)


# ---- fingerprints ---------------------------------------------------------------------
def sha256_file(path: str | Path, *, chunk: int = 1 << 20) -> str:
    """The SHA-256 hex digest of a file, read in chunks (large exports are fine)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def notebook_sha256(path: str | Path) -> str:
    """Hash of what a notebook computes: its cells' types and sources and its
    ``stratbook`` metadata; outputs, execution counts and other metadata are left out, so
    that saving a notebook after running it in JupyterLab does not make it "changed"."""
    nb = _read(Path(path))
    cells = [
        [c.get("cell_type"), "".join(c.get("source", "")), _tags(c)] for c in nb.get("cells", [])
    ]
    return _digest([cells, nb.get("metadata", {}).get(METADATA_KEY)])


def _tags(cell: Mapping[str, Any]) -> list[str]:
    # the parameters tag changes what papermill does; other tags are presentation
    return sorted(t for t in cell.get("metadata", {}).get("tags", []) if t == "parameters")


def kit_sha256() -> str:
    """Hash of the kit's analysis code (every ``helpers`` source file) and of the versions
    of the packages a run records: a kit upgrade or a library edit reruns everything."""
    from helpers.runner import package_versions

    root = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(json.dumps(package_versions(), sort_keys=True).encode())
    return digest.hexdigest()


def parameters_sha256(parameters: Mapping[str, Any], runner_keys: Iterable[str]) -> str:
    """Hash of the parameters a notebook receives, the run's own folders left out."""
    return _digest({k: v for k, v in parameters.items() if k not in set(runner_keys)})


def settings_sha256(settings: Mapping[str, Any]) -> str:
    """Hash of the engagement settings (``engagement.yaml`` as loaded)."""
    return _digest(settings)


def fingerprint_sha256(fingerprint: Mapping[str, Any]) -> str:
    """The hash that stands for a whole fingerprint (what downstream notebooks record)."""
    return _digest(fingerprint)


@dataclass(frozen=True)
class Current:
    """What a notebook would run with now, except its inputs and upstream, which depend
    on what it read last time and on the decisions taken for earlier notebooks."""

    notebook: str
    kit: str
    settings: str
    parameters: str


def input_key(source: str, path: str | None) -> str:
    """The key of one input in a fingerprint: its path, or ``source:<name>`` when the
    engagement does not declare the source (so declaring it later is a change)."""
    return path if path is not None else f"source:{source}"


def compare(
    current: Current,
    before: Mapping[str, Any],
    *,
    hashes: Mapping[str, str | None],
    upstream: Mapping[str, str | None],
) -> str | None:
    """Why a notebook's earlier fingerprint ``before`` no longer holds, or None.

    ``hashes`` gives the current SHA-256 of each input path (absent: not there now);
    ``upstream`` the current fingerprint hash of each needed notebook, None when it is
    executed in this run (its fingerprint is not known before it has run).
    """
    for part in ("notebook", "kit", "settings", "parameters"):
        if before.get(part) != getattr(current, part):
            return REASONS[part]
    for key, sha in sorted((before.get("inputs") or {}).items()):
        now = hashes.get(key)
        if now != sha:
            if sha is None:
                return f"input {key} appeared"
            return f"input {key} {'changed' if now else 'is missing'}"
    recorded = before.get("upstream") or {}
    for name, sha in upstream.items():
        if sha is None:
            return f"upstream {name} reruns"
        if recorded.get(name) != sha:
            return f"upstream {name} changed"
    if set(recorded) - set(upstream):
        return "its declared needs changed"
    return None


__all__ = [
    "METADATA_KEY",
    "Current",
    "compare",
    "declared_needs",
    "dependency_graph",
    "fingerprint_sha256",
    "input_key",
    "kit_sha256",
    "notebook_sha256",
    "parameters_sha256",
    "settings_sha256",
    "sha256_file",
    "undeclared_reads",
    "upstream_closure",
]
