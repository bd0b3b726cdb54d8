"""Strip outputs from notebooks before they are committed (client confidentiality).

Executed notebooks hold client numbers in their outputs. An engagement made by
``stratbook new`` declares ``*.ipynb filter=stratbook-strip`` in ``.gitattributes`` and
sets ``git config filter.stratbook-strip.clean "<python> -m helpers.nbstrip"``, so git
stores every notebook without outputs, execution counts or run metadata, while the
working copy keeps them.
"""

from __future__ import annotations

import json
import sys
from typing import Any

#: notebook-level metadata written by runs (papermill) that says nothing about the source
RUN_METADATA = ("papermill", "widgets", "execution")
#: cell-level metadata written by runs
CELL_RUN_METADATA = ("execution", "papermill", "collapsed", "scrolled", "ExecuteTime")


def strip_notebook(notebook: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a notebook (nbformat 4 JSON) without outputs and run metadata."""
    out = json.loads(json.dumps(notebook))
    for key in RUN_METADATA:
        out.get("metadata", {}).pop(key, None)
    for cell in out.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        for key in CELL_RUN_METADATA:
            cell.get("metadata", {}).pop(key, None)
    return out


def strip_text(text: str) -> str:
    """Strip a notebook given as JSON text; text that is not a notebook is returned as is."""
    try:
        notebook = json.loads(text)
    except ValueError:
        return text
    if not isinstance(notebook, dict) or "cells" not in notebook:
        return text
    return json.dumps(strip_notebook(notebook), indent=1, ensure_ascii=False) + "\n"


def main() -> None:
    """git clean filter: notebook on stdin, stripped notebook on stdout."""
    data = sys.stdin.buffer.read().decode("utf-8")
    sys.stdout.buffer.write(strip_text(data).encode("utf-8"))


if __name__ == "__main__":
    main()
