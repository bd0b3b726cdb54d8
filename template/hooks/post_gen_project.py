"""Finish the engagement folder: notebooks, data, workshop inputs, git.

Runs inside the new folder. Copies the kit's canonical notebooks, writes the sample
client (sample_data=yes) or an empty workshop workbook (sample_data=no), and, when git
is on PATH, makes the folder a repository whose notebook outputs are stripped on commit.
Any failure prints one line and exits 1 (cookiecutter then removes the folder).
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path.cwd()
TEMPLATE_DIR = Path({{ cookiecutter._repo_dir | tojson }})
KIT_DIR = TEMPLATE_DIR.parent
SAMPLE_DATA = {{ cookiecutter.sample_data | tojson }} == "yes"
SAMPLE_SEED = int({{ cookiecutter._sample_seed | tojson }})
SAMPLE_SCALE = float({{ cookiecutter._sample_scale | tojson }})
CLIENT_NAME = {{ cookiecutter.client_name | tojson }}
LANGUAGE = {{ cookiecutter.language | tojson }}
PERIOD_START = {{ cookiecutter.period_start | tojson }}
CONFIG = ROOT / "engagement.yaml"
EMPTY_DATA = "data: {}\n"
FILTER = "stratbook-strip"


def fail(reason):
    print(f"Error: {reason}", file=sys.stderr)
    sys.exit(1)


def import_helpers():
    """The kit's helpers: installed, or from the kit's source tree next to the template."""
    try:
        import helpers  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(KIT_DIR / "src"))
    try:
        import helpers.sample.workbook  # noqa: F401
    except ImportError as exc:
        fail(f"the stratbook kit's helpers cannot be imported ({exc}); install the kit "
             "(make demo, or pip install -e <kit>) and run this Python")
    return helpers


def copy_notebooks():
    target = ROOT / "notebooks"
    target.mkdir(exist_ok=True)
    for notebook in sorted((KIT_DIR / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        shutil.copyfile(notebook, target / notebook.name)


def write_data():
    import_helpers()
    text = CONFIG.read_text(encoding="utf-8")
    if text.count(EMPTY_DATA) != 1:
        fail(f"{CONFIG.name}: cannot find the line {EMPTY_DATA.strip()!r} to fill in")
    if SAMPLE_DATA:
        import yaml

        from helpers.sample import write_sample

        mapping = write_sample(
            ROOT, seed=SAMPLE_SEED, scale=SAMPLE_SCALE, start=PERIOD_START,
            client_name=CLIENT_NAME, language=LANGUAGE,
        )
        block = yaml.safe_dump(
            {"data": mapping}, allow_unicode=True, sort_keys=False, default_flow_style=False
        )
        text = text.replace(EMPTY_DATA, block, 1)
        CONFIG.write_text(text, encoding="utf-8")
    else:
        from helpers.sample.workbook import write_inputs_template
        from helpers.schema import INPUTS_WORKBOOK

        write_inputs_template(ROOT / INPUTS_WORKBOOK)


def git_init():
    git = shutil.which("git")
    if git is None:
        return
    def run(*args):
        subprocess.run([git, *args], cwd=ROOT, check=True, capture_output=True)
    run("-c", "init.defaultBranch=main", "init", "-q")
    strip = f'"{sys.executable}" -m helpers.nbstrip'
    run("config", f"filter.{FILTER}.clean", strip)
    run("config", f"filter.{FILTER}.smudge", "cat")
    run("config", f"filter.{FILTER}.required", "true")
    try:  # readable notebook diffs and merges when nbdime is installed beside the kit
        from helpers.review import configure_nbdime
    except ImportError:  # plain cookiecutter from an environment without the kit
        return
    configure_nbdime(ROOT)


if __name__ == "__main__":
    (ROOT / "reports").mkdir(exist_ok=True)
    (ROOT / "reports" / ".gitkeep").touch()
    (ROOT / "data" / "inputs").mkdir(parents=True, exist_ok=True)
    try:
        copy_notebooks()
        write_data()
        git_init()
    except SystemExit:
        raise
    except Exception as exc:  # one line, not a traceback
        fail(f"could not finish the engagement folder: {exc.__class__.__name__}: {exc}")
