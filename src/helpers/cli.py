"""The ``stratbook`` command: one verb per step of an engagement.

``stratbook new`` creates an engagement folder from the template, ``stratbook run``
executes its notebooks into a dated run folder, ``stratbook runs`` lists the runs. The
work is done by library functions (:mod:`helpers.template`, :mod:`helpers.runner`) that
the tests call directly; this module only parses options and prints.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from helpers import __version__
from helpers.errors import StratbookError


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _key_values(pairs: tuple[str, ...], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            _fail(f"{option} expects key=value, got {pair!r}")
        out[key.strip()] = value
    return out


def engagement_option(help_text: str = "The engagement folder (holding engagement.yaml)."):
    """The ``-e/--engagement`` option every command that works inside an engagement takes."""
    return click.option(
        "-e",
        "--engagement",
        "engagement_dir",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help=help_text,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="stratbook")
def main() -> None:
    """stratbook: diagnose before acting. Create an engagement, run its notebooks."""


@main.command()
@click.argument("context", nargs=-1, metavar="[KEY=VALUE]...")
@click.option("--no-input", is_flag=True, help="Do not prompt; use defaults and KEY=VALUE pairs.")
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder in which the engagement folder is created.",
)
@click.option("--dry-run", is_flag=True, help="Check the inputs and say what would be created.")
def new(context: tuple[str, ...], no_input: bool, output_dir: Path, dry_run: bool) -> None:
    """Create an engagement folder from the template.

    KEY is one of client_name, engagement_slug, currency, language, period_start,
    sample_data, e.g. `stratbook new --no-input client_name="Acme" sample_data=yes`.
    """
    from helpers.template import new_engagement, validate_context

    extra = _key_values(context, "KEY=VALUE")
    try:
        if dry_run:
            resolved = validate_context(extra)
            target = output_dir / resolved["engagement_slug"]
            click.echo(f"Would create {target} with:")
            for key, value in resolved.items():
                click.echo(f"  {key}: {value}")
            return
        path = new_engagement(output_dir, extra_context=extra, no_input=no_input)
    except StratbookError as exc:
        _fail(str(exc))
    click.echo(f"Created {path}")
    click.echo(f"Next: cd {path} && stratbook run")


@main.command()
@engagement_option()
@click.option("--only", multiple=True, metavar="NN", help="Run only these notebooks (repeatable).")
@click.option("--from", "start_from", metavar="NN", help="Start at this notebook.")
@click.option(
    "-p",
    "--parameter",
    "parameters",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a parameter or an engagement.yaml key (dotted), "
    "e.g. -p thresholds.bcg_growth=0.15.",
)
@click.option(
    "--resume",
    "resume",
    is_flag=False,
    flag_value="latest",
    default=None,
    metavar="[RUN_ID]",
    help="Continue the latest failed or interrupted run (or RUN_ID) in its own folder, "
    "reusing notebooks that completed with unchanged notebook, parameters and inputs.",
)
@click.option(
    "--force",
    "--all",
    "force",
    is_flag=True,
    help="Execute every notebook, even those up to date with an earlier run.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    metavar="N",
    help="Execute up to N notebooks at the same time (those whose needs are met).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Say which notebooks would run (or be reused, and why), with which parameters.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
def run(
    engagement_dir: Path,
    only: tuple[str, ...],
    start_from: str | None,
    parameters: tuple[str, ...],
    resume: str | None,
    force: bool,
    jobs: int,
    dry_run: bool,
    quiet: bool,
) -> None:
    """Execute the engagement's notebooks into reports/<run-id>/.

    Incremental: a notebook whose notebook, parameters, engagement.yaml, kit, input files
    it reads and upstream notebooks are unchanged since an earlier run is reused (copied
    from that run) instead of executed; --force executes everything.
    """
    from helpers.runner import decide_reuse, input_files, plan_run, run_engagement, with_upstream

    params = _key_values(parameters, "-p")
    kwargs = {"only": list(only) or None, "start_from": start_from, "parameters": params}
    try:
        if dry_run:
            plan = plan_run(engagement_dir, **kwargs)
            plan = plan if force else with_upstream(plan)
            decisions = decide_reuse(plan, input_files(plan.config), force=force)
            for step, decision in zip(plan, decisions, strict=True):
                click.echo(f"{step['notebook']}: {step['parameters']}")
                click.echo(f"    {_decision_text(decision)}")
            return
        progress = None if quiet else _progress_printer(parallel=jobs > 1)
        resume_arg: bool | str = True if resume == "latest" else resume or False
        if resume_arg and force:
            _fail("--resume reuses what completed; leave out --force (or --resume)")
        result = run_engagement(
            engagement_dir,
            progress=progress,
            resume=resume_arg,
            incremental=not force and not resume_arg,
            jobs=jobs,
            **kwargs,
        )
    except StratbookError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted; the run's manifest says which notebooks completed")
    _print_result(result)


def _print_result(result) -> None:
    click.echo(f"Run folder: {result.run_dir}")
    report = result.run_dir / "report.html"
    if report.exists():
        click.echo(f"Report: {report}")
    elif result.client_html:
        click.echo(f"Report: {result.client_html[0].parent}")


@main.command()
@click.argument("run_id")
@engagement_option()
@click.option("--run-id", "new_run_id", metavar="NEW", help="Name of the new run folder.")
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
def rerun(run_id: str, engagement_dir: Path, new_run_id: str | None, quiet: bool) -> None:
    """Execute a past run again from its manifest (same notebooks and parameters) into a
    new run folder; refuses if an input file changed."""
    from helpers.runner import rerun as rerun_run

    try:
        progress = None if quiet else _progress_printer()
        result = rerun_run(engagement_dir, run_id, new_run_id=new_run_id, progress=progress)
    except StratbookError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted; the run's manifest says which notebooks completed")
    _print_result(result)


def _decision_text(decision: dict) -> str:
    if decision["action"] == "reuse":
        return f"{decision['reason']}, reused from {decision['from']}"
    return f"runs: {decision['reason']}"


def _progress_printer(*, parallel: bool = False):
    """A progress callback: one line per notebook, a live cell counter on a terminal
    (not when notebooks run in parallel: their lines would overwrite each other)."""
    live = sys.stderr.isatty() and not parallel

    def show(event: dict) -> None:
        kind, status, name = event.get("event"), event.get("status"), event.get("notebook")
        if kind == "plan":
            for decision in event.get("decisions", []):
                click.echo(f"{decision['notebook']}: {_decision_text(decision)}", err=True)
        elif kind == "notebook" and status == "reused":
            return
        elif kind == "resume":
            for decision in [*event.get("reused", []), *event.get("rerun", [])]:
                verb = "reused" if decision.get("action") == "reuse" else "rerun"
                click.echo(f"{verb} {decision['notebook']}: {decision.get('reason', '')}", err=True)
        elif kind == "run" and status == "started":
            click.echo(
                f"Run {event.get('run_id')}: {len(event.get('notebooks', []))} notebook(s)",
                err=True,
            )
        elif kind == "notebook" and status == "started":
            click.echo(f"[{event.get('index')}/{event.get('total')}] {name}", err=True)
        elif kind == "cell" and status == "started" and live:
            click.echo(f"\r    cell {event.get('cell')}/{event.get('cells')}", nl=False, err=True)
        elif kind == "notebook":
            duration = event.get("duration_s")
            took = f" in {duration:.1f} s" if isinstance(duration, int | float) else ""
            click.echo(("\r" if live else "") + f"    {name} {status}{took}" + " " * 12, err=True)

    return show


@main.command()
@engagement_option("The engagement folder.")
def runs(engagement_dir: Path) -> None:
    """List the runs of an engagement with status, duration and parameters."""
    from helpers.review import list_runs

    try:
        table = list_runs(engagement_dir)
    except StratbookError as exc:
        _fail(str(exc))
    if table.empty:
        click.echo("No runs yet: stratbook run")
        return
    click.echo(table.to_string(index=False))


@main.command()
@click.argument("run_a")
@click.argument("run_b")
@engagement_option("The engagement folder (runs may be given by id).")
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the HTML page (default: reports/diff_<a>_<b>.html).",
)
@click.option("--rtol", type=float, default=1e-6, show_default=True, help="Relative tolerance.")
@click.option("--atol", type=float, default=1e-9, show_default=True, help="Absolute tolerance.")
def diff(
    run_a: str, run_b: str, engagement_dir: Path, html_path: Path | None, rtol: float, atol: float
) -> None:
    """Show what changed between two runs: parameters, inputs, result tables.

    RUN_A and RUN_B are run ids (2026-11-28_101500) or run folders.
    """
    from rich.console import Console

    from helpers.review import DIFF_FILE, diff_runs, resolve_run, rich_renderable, write_diff_html

    try:
        a = resolve_run(engagement_dir, run_a)
        b = resolve_run(engagement_dir, run_b)
        result = diff_runs(a, b, rtol=rtol, atol=atol)
        target = html_path or a.parent / DIFF_FILE.format(a=result.run_a, b=result.run_b)
        write_diff_html(result, target)
    except StratbookError as exc:
        _fail(str(exc))
    Console(soft_wrap=False).print(rich_renderable(result))
    click.echo(f"HTML: {target}")


@main.command()
@engagement_option("The engagement folder.")
@click.option("--port", type=int, default=None, help="Port to serve on (default: a free one).")
@click.option("--no-browser", is_flag=True, help="Do not open a browser; just print the URL.")
def lab(engagement_dir: Path, port: int | None, no_browser: bool) -> None:
    """Open JupyterLab on the engagement's notebooks with the kit's kernel."""
    import secrets
    import subprocess

    from helpers.config import CONFIG_FILE
    from helpers.review import free_port, lab_command, lab_environment, lab_url
    from helpers.runner import ensure_kernel

    if not (engagement_dir / CONFIG_FILE).exists():
        _fail(f"{engagement_dir}: no {CONFIG_FILE}; give the engagement folder with -e")
    try:
        kernel = ensure_kernel()
    except StratbookError as exc:
        _fail(str(exc))
    port = port or free_port()
    token = secrets.token_hex(24)
    cmd = lab_command(
        engagement_dir, kernel=kernel, port=port, token=token, open_browser=not no_browser
    )
    click.echo(f"JupyterLab: {lab_url(port, token)}")
    click.echo("Stop with Ctrl-C.")
    try:
        code = subprocess.call(cmd, env=lab_environment(engagement_dir))
    except KeyboardInterrupt:
        code = 0
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
