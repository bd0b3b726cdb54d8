"""Reviewing runs: which runs exist, and what changed from one run to another.

An engagement is run many times in a week: new data arrives, an analyst changes a
threshold, a notebook is fixed. :func:`diff_runs` answers "what changed, and what did it
change?": the parameters (flattened ``engagement.yaml`` keys), the input files (by
SHA-256), and every result table (rows added or removed, values changed beyond a
tolerance, and the deltas of headline numbers), shown in the terminal and as an HTML page.
The analyst's tools around runs live here too: JupyterLab on the engagement with the kit's
kernel (``stratbook lab``) and nbdime's git integration for readable notebook diffs.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.errors import RunError

#: at most this many leading columns are tried as the key identifying a table's rows
MAX_KEY_COLUMNS = 3
#: a table with a key, one numeric value column and at most this many rows is a KPI list
MAX_KPI_ROWS = 20
#: characters of a SHA-256 shown for an input file
HASH_CHARS = 12
#: changed cells listed per table (all are counted)
MAX_LISTED = 10
DIFF_FILE = "diff_{a}_{b}.html"
ISO_DATE = r"^\d{4}-\d{2}-\d{2}"
ADDED, REMOVED, CHANGED, SAME = "added", "removed", "changed", "same"


# ---- listing runs ---------------------------------------------------------------------------
def _format_parameters(params: Mapping[str, Any] | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted((params or {}).items()))


def list_runs(engagement_dir: str | Path) -> pd.DataFrame:
    """The runs of an engagement with status, duration and the parameters they were given.

    :func:`helpers.runner.list_runs` (``run_id``, ``status``, ``started``, ``duration_s``,
    ``completed``, ``notebooks``, ``failed``) plus ``parameters``: the ``-p`` overrides of
    the run as ``key=value, ...`` (empty for a run on the defaults of ``engagement.yaml``),
    and ``selection``: ``--only``/``--from`` when the run did not execute every notebook.
    """
    from helpers.runner import REPORTS_DIR, read_manifest
    from helpers.runner import list_runs as runner_list_runs

    runs = runner_list_runs(engagement_dir)
    params, selection = [], []
    for run_id in runs["run_id"]:
        try:
            command = (
                read_manifest(Path(engagement_dir) / REPORTS_DIR / run_id).get("command") or {}
            )
        except RunError:
            command = {}
        params.append(_format_parameters(command.get("parameters")))
        if command.get("only"):
            selection.append("only " + ", ".join(command["only"]))
        elif command.get("start_from"):
            selection.append(f"from {command['start_from']}")
        else:
            selection.append("")
    return runs.assign(parameters=pd.Series(params, dtype=object), selection=selection)


# ---- diff structures ------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """A key whose value differs: ``before`` is None when added, ``after`` when removed."""

    key: str
    before: Any
    after: Any

    @property
    def kind(self) -> str:
        if self.before is None:
            return ADDED
        if self.after is None:
            return REMOVED
        return CHANGED


@dataclass(frozen=True)
class CellChange:
    """One value of a result table that changed beyond the tolerance."""

    row: str
    column: str
    before: Any
    after: Any


@dataclass(frozen=True)
class KpiDelta:
    """A headline number of a result table and how much it moved."""

    name: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before

    @property
    def relative(self) -> float | None:
        """``delta / |before|``, None when ``before`` is zero."""
        return None if self.before == 0 else self.delta / abs(self.before)


@dataclass
class TableDiff:
    """How one result table (``01_diagnostic/monthly_revenue``) differs between runs."""

    name: str
    status: str
    key: list[str] = field(default_factory=list)
    rows_before: int = 0
    rows_after: int = 0
    rows_added: list[str] = field(default_factory=list)
    rows_removed: list[str] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    changed: list[CellChange] = field(default_factory=list)
    kpis: list[KpiDelta] = field(default_factory=list)

    @property
    def changed_rows(self) -> int:
        return len({c.row for c in self.changed})


@dataclass
class RunDiff:
    """What changed between run ``a`` and run ``b``."""

    run_a: str
    run_b: str
    parameters: list[Change] = field(default_factory=list)
    inputs: list[Change] = field(default_factory=list)
    tables: list[TableDiff] = field(default_factory=list)
    rtol: float = 1e-6
    atol: float = 1e-9

    @property
    def changed_tables(self) -> list[TableDiff]:
        return [t for t in self.tables if t.status != SAME]

    @property
    def identical(self) -> bool:
        return not (self.parameters or self.inputs or self.changed_tables)

    def to_text(self, *, width: int = 100) -> str:
        """The diff as plain text (what ``stratbook diff`` prints)."""
        return render_text(self, width=width)

    def to_html(self) -> str:
        """The diff as a self-contained HTML page."""
        return render_html(self)


# ---- computing ------------------------------------------------------------------------------
def flatten(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}, "c": [1, 2]}`` -> ``{"a.b": 1, "c": [1, 2]}`` (lists stay values)."""
    out: dict[str, Any] = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def compare_values(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """The keys added, removed or changed between two flat mappings, sorted by key."""
    changes = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if key not in before:
            changes.append(Change(key, None, b))
        elif key not in after:
            changes.append(Change(key, a, None))
        elif a != b:
            changes.append(Change(key, a, b))
    return changes


def run_parameters(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """A run's parameters as flat dotted keys: the engagement's (with the overrides
    applied) and those passed to notebooks directly (``notebook_parameters.<name>``)."""
    params = flatten(manifest.get("engagement") or {})
    params.update(flatten(manifest.get("notebook_parameters") or {}, "notebook_parameters."))
    return params


def run_inputs(manifest: Mapping[str, Any]) -> dict[str, str]:
    """``{relative path: sha256}`` of a run's input files."""
    return {i["path"]: i.get("sha256", "") for i in manifest.get("inputs", []) if "path" in i}


def row_key(before: pd.DataFrame, after: pd.DataFrame) -> list[str]:
    """The leading columns identifying rows in both tables; empty when none do.

    Columns are tried from the first, at most ``MAX_KEY_COLUMNS``, stopping at a column
    of decimals (a measure, not an identifier).
    """
    key: list[str] = []
    for col in before.columns[:MAX_KEY_COLUMNS]:
        if col not in after.columns:
            break
        if pd.api.types.is_float_dtype(before[col]) or pd.api.types.is_float_dtype(after[col]):
            break
        key.append(col)
        if not before.duplicated(key).any() and not after.duplicated(key).any():
            return key
    return []


def _label(values: Sequence[Any]) -> str:
    return " / ".join(_fmt(v) for v in values)


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _differs(a: Any, b: Any, *, rtol: float, atol: float) -> bool:
    a_missing = a is None or (isinstance(a, float) and math.isnan(a))
    b_missing = b is None or (isinstance(b, float) and math.isnan(b))
    if a_missing or b_missing:
        return a_missing != b_missing
    if _is_number(a) and _is_number(b):
        return not bool(np.isclose(float(a), float(b), rtol=rtol, atol=atol))
    return str(a) != str(b)


def _scalar(value: Any) -> Any:
    """A plain Python value; every kind of missing value becomes None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    value = value.item() if isinstance(value, np.generic) else value
    return None if isinstance(value, float) and math.isnan(value) else value


def compare_tables(
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    name: str = "table",
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> TableDiff:
    """How a result table changed: rows by key, values beyond tolerance, KPI deltas.

    Numbers differ when ``|a - b| > atol + rtol * |b|`` (``numpy.isclose``); text by
    equality; a missing value only equals a missing value. Without a key (see
    :func:`row_key`) rows are compared by position (``#1``, ``#2``...).
    """
    key = row_key(before, after)
    if key:
        a_rows = {
            tuple(_scalar(v) for v in r): i
            for i, r in enumerate(before[key].itertuples(index=False, name=None))
        }
        b_rows = {
            tuple(_scalar(v) for v in r): i
            for i, r in enumerate(after[key].itertuples(index=False, name=None))
        }
    else:
        a_rows = {(f"#{i + 1}",): i for i in range(len(before))}
        b_rows = {(f"#{i + 1}",): i for i in range(len(after))}
    common_cols = [c for c in before.columns if c in after.columns and c not in key]
    diff = TableDiff(
        name=name,
        status=SAME,
        key=key,
        rows_before=len(before),
        rows_after=len(after),
        rows_added=[_label(k) for k in b_rows if k not in a_rows],
        rows_removed=[_label(k) for k in a_rows if k not in b_rows],
        columns_added=[c for c in after.columns if c not in before.columns],
        columns_removed=[c for c in before.columns if c not in after.columns],
    )
    for k, i in a_rows.items():
        j = b_rows.get(k)
        if j is None:
            continue
        for col in common_cols:
            a, b = _scalar(before[col].iloc[i]), _scalar(after[col].iloc[j])
            if _differs(a, b, rtol=rtol, atol=atol):
                diff.changed.append(CellChange(_label(k), col, a, b))
    diff.kpis = _kpis(before, after, key, diff.changed)
    if (
        diff.rows_added
        or diff.rows_removed
        or diff.columns_added
        or diff.columns_removed
        or diff.changed
    ):
        diff.status = CHANGED
    return diff


def _kpis(
    before: pd.DataFrame, after: pd.DataFrame, key: list[str], changed: list[CellChange]
) -> list[KpiDelta]:
    """Headline numbers that moved: every number of a one-row table, or each row of a
    short ``name, value`` table (``metric, value``; a dated series is not one)."""
    numeric = [
        c
        for c in before.columns
        if c in after.columns
        and c not in key
        and pd.api.types.is_numeric_dtype(before[c])
        and pd.api.types.is_numeric_dtype(after[c])
        and not pd.api.types.is_bool_dtype(before[c])
    ]
    out = []
    if len(before) == 1 and len(after) == 1:
        for c in numeric:
            for cell in changed:
                if cell.column == c and _is_number(cell.before) and _is_number(cell.after):
                    out.append(KpiDelta(c, float(cell.before), float(cell.after)))
    elif (
        len(key) == 1
        and len(numeric) == 1
        and max(len(before), len(after)) <= MAX_KPI_ROWS
        and not before[key[0]].astype(str).str.match(ISO_DATE).all()  # a series, not KPIs
    ):
        for cell in changed:
            if cell.column == numeric[0] and _is_number(cell.before) and _is_number(cell.after):
                out.append(KpiDelta(cell.row, float(cell.before), float(cell.after)))
    return out


def _tables(run_dir: Path) -> dict[str, Path]:
    return {f"{p.parent.name}/{p.stem}": p for p in sorted((run_dir / "results").glob("*/*.csv"))}


def _manifest(run_dir: Path) -> dict[str, Any]:
    from helpers.runner import read_manifest

    return read_manifest(run_dir)


def diff_runs(
    run_a: str | Path, run_b: str | Path, *, rtol: float = 1e-6, atol: float = 1e-9
) -> RunDiff:
    """What changed from run ``a`` to run ``b``: parameters, input files, result tables.

    Parameters
    ----------
    run_a, run_b
        Run folders (``reports/<run-id>``).
    rtol, atol
        Tolerances for numbers in result tables (``numpy.isclose``): differences below
        them are rounding, not change.

    Raises
    ------
    RunError
        A folder is not a run folder (no readable ``manifest.json``).
    """
    a_dir, b_dir = Path(run_a), Path(run_b)
    ma, mb = _manifest(a_dir), _manifest(b_dir)
    hashes_a, hashes_b = run_inputs(ma), run_inputs(mb)
    inputs = [
        Change(
            c.key,
            None if c.before is None else c.before[:HASH_CHARS],
            None if c.after is None else c.after[:HASH_CHARS],
        )
        for c in compare_values(hashes_a, hashes_b)
    ]
    diff = RunDiff(
        run_a=ma.get("run_id", a_dir.name),
        run_b=mb.get("run_id", b_dir.name),
        parameters=compare_values(run_parameters(ma), run_parameters(mb)),
        inputs=inputs,
        rtol=rtol,
        atol=atol,
    )
    tables_a, tables_b = _tables(a_dir), _tables(b_dir)
    for name in sorted(set(tables_a) | set(tables_b)):
        if name not in tables_a:
            frame = pd.read_csv(tables_b[name])
            diff.tables.append(TableDiff(name=name, status=ADDED, rows_after=len(frame)))
        elif name not in tables_b:
            frame = pd.read_csv(tables_a[name])
            diff.tables.append(TableDiff(name=name, status=REMOVED, rows_before=len(frame)))
        else:
            diff.tables.append(
                compare_tables(
                    pd.read_csv(tables_a[name]),
                    pd.read_csv(tables_b[name]),
                    name=name,
                    rtol=rtol,
                    atol=atol,
                )
            )
    return diff


# ---- rendering ------------------------------------------------------------------------------
def _delta_text(k: KpiDelta) -> str:
    rel = "" if k.relative is None else f" ({k.relative * 100:+.1f}%)"
    return f"{_fmt(k.before)} → {_fmt(k.after)}: {k.delta:+.6g}{rel}"


def _change_text(c: Change) -> tuple[str, str, str]:
    return (
        c.kind,
        _fmt(c.before) if c.before is not None else "",
        _fmt(c.after) if c.after is not None else "",
    )


def _table_summary(t: TableDiff) -> str:
    if t.status == ADDED:
        return f"new table ({t.rows_after} rows)"
    if t.status == REMOVED:
        return f"table removed ({t.rows_before} rows)"
    parts = [f"{t.rows_before} → {t.rows_after} rows"]
    if t.rows_added:
        parts.append(f"{len(t.rows_added)} added")
    if t.rows_removed:
        parts.append(f"{len(t.rows_removed)} removed")
    if t.changed:
        parts.append(f"{len(t.changed)} values changed in {t.changed_rows} rows")
    if t.columns_added:
        parts.append("new columns " + ", ".join(t.columns_added))
    if t.columns_removed:
        parts.append("columns removed " + ", ".join(t.columns_removed))
    return "; ".join(parts)


def rich_renderable(diff: RunDiff, *, max_listed: int = MAX_LISTED) -> Any:
    """The diff as a rich renderable (tables and headings), for a terminal."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    items: list[Any] = [Text(f"Runs {diff.run_a} → {diff.run_b}", style="bold")]
    if diff.identical:
        items.append(
            Text(f"No difference (numbers compared with rtol={diff.rtol:g}, atol={diff.atol:g}).")
        )
        return Group(*items)
    for title, changes in (("Parameters", diff.parameters), ("Input files (SHA-256)", diff.inputs)):
        if not changes:
            items.append(Text(f"{title}: unchanged"))
            continue
        table = Table(title=title, title_justify="left", show_lines=False)
        for col in ("key", "change", diff.run_a, diff.run_b):
            table.add_column(col, overflow="fold")
        for c in changes:
            kind, a, b = _change_text(c)
            table.add_row(c.key, kind, a, b)
        items.append(table)
    changed = diff.changed_tables
    if not changed:
        items.append(Text("Result tables: unchanged"))
    else:
        summary = Table(title="Result tables", title_justify="left")
        summary.add_column("table")
        summary.add_column("change")
        for t in changed:
            summary.add_row(t.name, _table_summary(t))
        items.append(summary)
    for t in changed:
        if not (t.kpis or t.changed or t.rows_added or t.rows_removed):
            continue
        block = Table(
            title=f"{t.name}" + (f" (rows by {', '.join(t.key)})" if t.key else ""),
            title_justify="left",
        )
        block.add_column("row")
        block.add_column("column")
        block.add_column(diff.run_a, justify="right")
        block.add_column(diff.run_b, justify="right")
        block.add_column("delta", justify="right")
        for k in t.kpis:
            rel = "" if k.relative is None else f" ({k.relative * 100:+.1f}%)"
            block.add_row("KPI", k.name, _fmt(k.before), _fmt(k.after), f"{k.delta:+.6g}{rel}")
        kpi_cells = {k.name for k in t.kpis}
        listed = [c for c in t.changed if c.row not in kpi_cells and c.column not in kpi_cells]
        for c in listed[:max_listed]:
            delta = (
                f"{float(c.after) - float(c.before):+.6g}"
                if _is_number(c.before) and _is_number(c.after)
                else ""
            )
            block.add_row(c.row, c.column, _fmt(c.before), _fmt(c.after), delta)
        if len(listed) > max_listed:
            block.add_row(f"… {len(listed) - max_listed} more", "", "", "", "")
        for r in t.rows_added[:max_listed]:
            block.add_row(r, "(row added)", "", "", "")
        for r in t.rows_removed[:max_listed]:
            block.add_row(r, "(row removed)", "", "", "")
        items.append(block)
    return Group(*items)


def render_text(diff: RunDiff, *, width: int = 100, max_listed: int = MAX_LISTED) -> str:
    """The diff as plain text, ``width`` characters wide."""
    from rich.console import Console

    console = Console(file=io.StringIO(), width=width, color_system=None, record=True)
    console.print(rich_renderable(diff, max_listed=max_listed))
    return console.export_text()


_HTML_STYLE = """
body { font-family: "DejaVu Sans", Verdana, sans-serif; color: #1d2530; max-width: 1100px;
  margin: 24px auto; padding: 0 24px; }
h1, h2, h3 { color: #1f4e79; }
table { border-collapse: collapse; margin: 8px 0 20px; font-size: .9rem; }
th, td { border-bottom: 1px solid #d9dee4; padding: 4px 10px; text-align: left;
  vertical-align: top; }
th { background: #f3f6f9; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.added { color: #4a9c6d; } .removed { color: #c0392b; } .changed { color: #e07a1f; }
.muted { color: #7f8c8d; }
"""


def render_html(diff: RunDiff, *, max_listed: int = 200) -> str:
    """The diff as a self-contained HTML page (no script, nothing loaded)."""
    e = html.escape
    out = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        f"<title>Diff {e(diff.run_a)} → {e(diff.run_b)}</title>\n<style>{_HTML_STYLE}</style>\n",
        "</head>\n<body>\n",
        f"<h1>Runs {e(diff.run_a)} → {e(diff.run_b)}</h1>\n",
        f'<p class="muted">Numbers compared with rtol={diff.rtol:g}, atol={diff.atol:g}.</p>\n',
    ]
    if diff.identical:
        out.append("<p>No difference.</p>\n")
    for title, changes in (("Parameters", diff.parameters), ("Input files (SHA-256)", diff.inputs)):
        out.append(f"<h2>{title}</h2>\n")
        if not changes:
            out.append("<p>Unchanged.</p>\n")
            continue
        out.append(
            f"<table><tr><th>key</th><th>change</th><th>{e(diff.run_a)}</th><th>{e(diff.run_b)}</th></tr>\n"
        )
        for c in changes:
            kind, a, b = _change_text(c)
            out.append(
                f'<tr><td>{e(c.key)}</td><td class="{kind}">{kind}</td>'
                f"<td>{e(a)}</td><td>{e(b)}</td></tr>\n"
            )
        out.append("</table>\n")
    out.append("<h2>Result tables</h2>\n")
    changed = diff.changed_tables
    if not changed:
        out.append("<p>Unchanged.</p>\n")
    else:
        out.append("<table><tr><th>table</th><th>change</th></tr>\n")
        for t in changed:
            out.append(
                f'<tr><td><a href="#{e(t.name)}">{e(t.name)}</a></td>'
                f'<td class="{t.status}">{e(_table_summary(t))}</td></tr>\n'
            )
        out.append("</table>\n")
    for t in changed:
        if not (t.kpis or t.changed or t.rows_added or t.rows_removed):
            continue
        by = f' <span class="muted">rows by {e(", ".join(t.key))}</span>' if t.key else ""
        out.append(f'<h3 id="{e(t.name)}">{e(t.name)}{by}</h3>\n')
        out.append(
            f"<table><tr><th>row</th><th>column</th><th>{e(diff.run_a)}</th><th>{e(diff.run_b)}</th><th>delta</th></tr>\n"
        )
        for k in t.kpis:
            rel = "" if k.relative is None else f" ({k.relative * 100:+.1f}%)"
            out.append(
                f'<tr><td>KPI</td><td>{e(k.name)}</td><td class="num">{e(_fmt(k.before))}</td>'
                f'<td class="num">{e(_fmt(k.after))}</td>'
                f'<td class="num">{k.delta:+.6g}{rel}</td></tr>\n'
            )
        for c in t.changed[:max_listed]:
            delta = (
                f"{float(c.after) - float(c.before):+.6g}"
                if _is_number(c.before) and _is_number(c.after)
                else ""
            )
            out.append(
                f"<tr><td>{e(c.row)}</td><td>{e(c.column)}</td>"
                f'<td class="num">{e(_fmt(c.before))}</td>'
                f'<td class="num">{e(_fmt(c.after))}</td><td class="num">{delta}</td></tr>\n'
            )
        for r in t.rows_added[:max_listed]:
            out.append(f'<tr><td>{e(r)}</td><td class="added" colspan="4">row added</td></tr>\n')
        for r in t.rows_removed[:max_listed]:
            out.append(
                f'<tr><td>{e(r)}</td><td class="removed" colspan="4">row removed</td></tr>\n'
            )
        out.append("</table>\n")
    out.append("</body>\n</html>\n")
    return "".join(out)


def write_diff_html(diff: RunDiff, path: str | Path) -> Path:
    """Write the diff page to ``path`` and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(diff), encoding="utf-8")
    return path


def resolve_run(engagement_dir: str | Path, run: str | Path) -> Path:
    """A run folder from a path or a run id of the engagement (``2026-11-28_101500``).

    Raises
    ------
    RunError
        Neither a run folder nor the id of one of the engagement's runs.
    """
    from helpers.runner import MANIFEST, REPORTS_DIR

    candidate = Path(run)
    if (candidate / MANIFEST).exists():
        return candidate
    inside = Path(engagement_dir) / REPORTS_DIR / str(run)
    if (inside / MANIFEST).exists():
        return inside
    known = sorted(
        p.parent.name for p in (Path(engagement_dir) / REPORTS_DIR).glob(f"*/{MANIFEST}")
    )
    hint = f" (runs: {', '.join(known[-5:])})" if known else " (no run yet: stratbook run)"
    raise RunError(
        f"{run}: not a run folder and not a run id of {Path(engagement_dir) / REPORTS_DIR}{hint}; "
        "give a run id or the path of a reports/<run-id> folder"
    )


__all__ = [
    "CellChange",
    "Change",
    "KpiDelta",
    "RunDiff",
    "TableDiff",
    "compare_tables",
    "compare_values",
    "configure_nbdime",
    "diff_runs",
    "flatten",
    "free_port",
    "lab_command",
    "lab_environment",
    "lab_url",
    "list_runs",
    "render_html",
    "render_text",
    "resolve_run",
    "rich_renderable",
    "row_key",
    "run_inputs",
    "run_parameters",
    "write_diff_html",
]


# ---- working on the notebooks ---------------------------------------------------------------
def lab_command(
    engagement_dir: str | Path,
    *,
    kernel: str,
    port: int | None = None,
    token: str | None = None,
    open_browser: bool = True,
) -> list[str]:
    """The command starting JupyterLab on an engagement's notebooks with the kit's kernel.

    JupyterLab is run by the kit's own Python (``sys.executable -m jupyterlab``), so the
    notebooks' ``python3`` kernel is the kit's environment too; ``kernel`` (the
    ``stratbook`` kernelspec, see :func:`helpers.runner.ensure_kernel`) is the default for
    new notebooks. As root (a container), ``--allow-root`` is added, without which
    Jupyter refuses to start.
    """
    import os
    import sys

    from helpers.runner import NOTEBOOKS_DIR

    notebooks = Path(engagement_dir).resolve() / NOTEBOOKS_DIR
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--notebook-dir",
        str(notebooks),
        f"--MappingKernelManager.default_kernel_name={kernel}",
    ]
    if port is not None:
        cmd += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    if token is not None:
        cmd.append(f"--IdentityProvider.token={token}")
    if not open_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers: Jupyter refuses root otherwise
        cmd.append("--allow-root")
    return cmd


def lab_environment(
    engagement_dir: str | Path, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of the JupyterLab server and so of its kernels.

    ``$STRATBOOK_ENGAGEMENT`` points the notebooks at the engagement, and the kit's kernel
    settings (hash seed) make interactive results the same as a ``stratbook run``.
    """
    import os

    from helpers.context import ENV_ENGAGEMENT
    from helpers.runner import KERNEL_ENV

    env = dict(os.environ if base is None else base)
    env.update(KERNEL_ENV)
    env[ENV_ENGAGEMENT] = str(Path(engagement_dir).resolve())
    return env


def lab_url(port: int, token: str) -> str:
    """The address to open: ``http://localhost:<port>/lab?token=<token>``."""
    return f"http://localhost:{port}/lab?token={token}"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free right now on ``host``."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def configure_nbdime(path: str | Path) -> bool:
    """Make ``git diff`` and ``git merge`` of notebooks in ``path`` readable (nbdime).

    Runs ``nbdime config-git --enable`` in the repository when git and nbdime are both
    installed and ``path`` is inside a git repository; returns whether it did. Nothing
    happens otherwise (nbdime is optional).
    """
    import importlib.util
    import shutil
    import subprocess
    import sys

    git = shutil.which("git")
    if git is None or importlib.util.find_spec("nbdime") is None:
        return False
    inside = subprocess.run(
        [git, "rev-parse", "--is-inside-work-tree"], cwd=path, capture_output=True, text=True
    )
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return False
    done = subprocess.run(
        [sys.executable, "-m", "nbdime", "config-git", "--enable"],
        cwd=path,
        capture_output=True,
        text=True,
    )
    return done.returncode == 0
