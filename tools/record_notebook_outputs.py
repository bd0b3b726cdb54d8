"""Record the outputs of the notebooks' ``# NBVAL_CHECK_OUTPUT`` cells on the sample data.

Run by ``make nbval-update`` after a deliberate change to a key number. It builds the
sample engagement, executes every canonical notebook in order with papermill into a
temporary folder, and writes the check cells' outputs to ``tests/notebook_outputs.json``,
which the root ``conftest.py`` gives nbval as the expected outputs.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import nbformat
import papermill

ROOT = Path(__file__).resolve().parents[1]
CHECK_MARKER = "# NBVAL_CHECK_OUTPUT"
KEEP = ("output_type", "data", "text", "name")


def main() -> int:
    from helpers.sample import write_sample_engagement

    with tempfile.TemporaryDirectory(prefix="stratbook-record-") as tmp:
        engagement = write_sample_engagement(Path(tmp) / "sample-client")
        os.environ["STRATBOOK_ENGAGEMENT"] = str(engagement)
        recorded: dict[str, dict[str, list]] = {}
        for notebook in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
            out = Path(tmp) / notebook.name
            papermill.execute_notebook(
                notebook, out, cwd=notebook.parent, kernel_name="python3", progress_bar=False
            )
            executed = nbformat.read(out, as_version=4)
            cells = {}
            for cell in executed.cells:
                if cell.cell_type == "code" and cell.source.lstrip().startswith(CHECK_MARKER):
                    cells[cell.id] = [
                        {k: v for k, v in output.items() if k in KEEP} for output in cell.outputs
                    ]
            recorded[notebook.stem] = cells
            sys.stderr.write(f"{notebook.stem}: {len(cells)} check cell(s)\n")
    target = ROOT / "tests" / "notebook_outputs.json"
    target.write_text(json.dumps(recorded, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    sys.stderr.write(f"wrote {target}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
