"""The bundled sample client: a deterministic synthetic engagement for demos, tests and benchmarks.

"Maison Durand" distributes professional equipment to small businesses, mid-market
companies, key accounts and consumers. Its data is made to be realistic enough that every
chapter has something true to find (seasonality, growth, a Pareto-shaped base, churn,
leaky journey stages, a pipeline, workshop inputs), and it is written in the messy formats
consultants receive (a French Excel export, a UTF-8 CSV with BOM, an Excel workbook), so
the demo also exercises :mod:`helpers.io`. Same seed, byte-identical files.

The generator lives in :mod:`helpers.sample._api` and is imported on first use, so that
``helpers.sample.workbook`` (the empty workshop workbook of a new engagement) stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "generate",
    "transactions",
    "write_inputs_template",
    "write_sample",
    "write_sample_engagement",
]

_LIGHT = {"write_inputs_template": "helpers.sample.workbook"}


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    module = importlib.import_module(_LIGHT.get(name, "helpers.sample._api"))
    try:
        return getattr(module, name)
    except AttributeError:
        raise AttributeError(f"module 'helpers.sample' has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
