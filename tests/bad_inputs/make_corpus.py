"""Generate the bad-input corpus: one small engagement folder per case of ``cases.py``.

Usage: ``python tests/bad_inputs/make_corpus.py DEST`` writes ``DEST/<case-id>/`` with an
``engagement.yaml`` declaring the case's source and the case's file (CSV bytes in the
case's encoding, or a workbook built with openpyxl). The tests call :func:`write_case`
into ``tmp_path``; nothing generated is committed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

if __package__ in (None, ""):  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from cases import CASES, Case  # type: ignore[no-redef]
else:
    from .cases import CASES, Case

BASE_CONFIG: dict[str, Any] = {
    "client_name": "Maison Durand",
    "engagement_slug": "maison-durand",
    "currency": "EUR",
    "language": "en",
    "period_start": "2024-01",
    "seed": 7,
}


def engagement_yaml(case: Case) -> dict[str, Any]:
    """The case's engagement.yaml as a mapping."""
    config = {**BASE_CONFIG, **case.config}
    config["data"] = {case.source: {"path": case.path, **case.options}}
    return config


def write_workbook(
    path: Path, sheets: dict[str, list[list[Any]]], merged: dict[str, list[str]]
) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cells in merged.get(name, []):
            sheet.merge_cells(cells)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def write_case(case: Case, dest: str | Path) -> Path:
    """Write the case's engagement folder ``dest/<case.id>`` and return it."""
    root = Path(dest) / case.id
    (root / "data" / "raw").mkdir(parents=True, exist_ok=True)
    (root / "data" / "inputs").mkdir(parents=True, exist_ok=True)
    (root / "engagement.yaml").write_text(
        yaml.safe_dump(engagement_yaml(case), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    target = root / case.path
    if case.sheets is not None:
        write_workbook(target, case.sheets, case.merged)
    elif case.text is not None:
        target.write_bytes(case.text.encode(case.encoding))
    return root


def make_corpus(dest: str | Path) -> dict[str, Path]:
    """Write every case; case id -> engagement folder."""
    return {case.id: write_case(case, dest) for case in CASES}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_corpus.py DEST")
    made = make_corpus(sys.argv[1])
    print(f"{len(made)} cases written to {sys.argv[1]}")
