"""What a notebook holds on to: the engagement, its data, and the run it writes into.

Every notebook opens the engagement once, right after its ``parameters`` cell::

    eng = Engagement.open(engagement_dir, run_dir=run_dir, notebook="01_diagnostic",
                          config_overrides=config_overrides)
    tx = eng.load("transactions")          # canonical columns, validated
    eng.save("monthly_revenue", monthly)   # results/01_diagnostic/monthly_revenue.csv
    ltv = eng.result("04_customers", "ltv_by_segment")   # an earlier notebook's result

Sections whose data the engagement does not have call :meth:`Engagement.skip`, which
returns a visible note instead of failing. Warnings about the data (refund lines, zero
amounts) and skipped sections are written to ``notes/<notebook>.json`` in the run folder,
where the runner collects them into the manifest.

The notes also say what the notebook read: ``sources``, the data sources it loaded or
asked about with :meth:`Engagement.has`, and ``upstream``, the notebooks whose results it
read or asked about. The runner hashes those sources' files into the manifest, so that
changing one input file reruns only the notebooks that read it (``stratbook run``), and
checks ``upstream`` against the notebook's declared ``needs``.
"""

from __future__ import annotations

import gc
import html
import json
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.config import CONFIG_FILE, EngagementConfig, load_config
from helpers.errors import DataWarning, MissingDataError

ENV_ENGAGEMENT = "STRATBOOK_ENGAGEMENT"
INTERACTIVE_RUN = "reports/interactive"
RESULTS_DIR = "results"
NOTES_DIR = "notes"
#: the engagement's parsed inputs, shared by every notebook of every run and JupyterLab
#: session (inside ``reports/``, which stays out of git); safe to delete
INPUT_CACHE_DIR = "reports/.cache"
#: parsed workbooks (see :func:`helpers.io.read_table`)
WORKBOOK_CACHE_DIR = f"{INPUT_CACHE_DIR}/workbooks"
#: frames parsed from large CSV files (see :func:`helpers.io.read_table`)
TABLE_CACHE_DIR = f"{INPUT_CACHE_DIR}/tables"


#: characters Markdown would read as formatting (or MathJax as math) in a note's text
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]{}#|$~])")


def _md_text(text: str) -> str:
    """Text (a client name, a data value) to put in a Markdown note so that it shows as
    typed: HTML escaped, Markdown punctuation backslash-escaped."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", html.escape(str(text), quote=False))


def _find_engagement(start: Path) -> Path:
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).exists():
            return folder
    raise MissingDataError(
        f"no {CONFIG_FILE} in {start} or above; pass engagement_dir, set "
        f"${ENV_ENGAGEMENT}, or open the notebook inside an engagement folder"
    )


def _freeze_imports() -> None:
    """Take what the process holds now out of the cyclic garbage collector's sight, once.

    Opening the engagement comes right after a notebook's imports: the ~200,000 objects
    the collector tracks are then the libraries' (pandas, matplotlib, scikit-learn...),
    and live as long as the kernel. Each full collection later in the notebook walked
    them all again, about 0.2 s each in the demo's kernels; frozen
    (:func:`gc.freeze`), they are skipped, and the frames and charts the notebook makes
    are collected as before. Frozen garbage would never be freed: after the imports a
    full collection finds none, and only the first call in a process freezes (nothing
    frozen yet), not a later one that could follow unreachable charts or frames.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """Write a result table the same way every time (byte-identical for equal frames)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    df.to_csv(tmp, index=False, lineterminator="\n", float_format="%.10g", date_format="%Y-%m-%d")
    tmp.replace(path)
    return path


@dataclass
class Engagement:
    """An engagement opened by a notebook: config, data loading and the run folder."""

    config: EngagementConfig
    run_dir: Path
    notebook: str
    notes: dict[str, list[dict[str, str]]] = field(
        default_factory=lambda: {
            "warnings": [],
            "skipped": [],
            "findings": [],
            "sources": [],
            "upstream": [],
        }
    )
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    _transactions: Any = field(default=None, repr=False)

    # ---- opening ------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        engagement_dir: str | Path | None = None,
        *,
        run_dir: str | Path | None = None,
        notebook: str,
        config_overrides: dict[str, Any] | None = None,
    ) -> Engagement:
        """Open the engagement for one notebook.

        ``engagement_dir`` defaults to ``$STRATBOOK_ENGAGEMENT``, else the first folder
        holding ``engagement.yaml`` from the working directory up. ``run_dir`` defaults
        to ``reports/interactive`` inside the engagement (what JupyterLab sessions use).

        The first call in a process also freezes what the process holds (see
        :func:`_freeze_imports`).
        """
        if engagement_dir is None:
            env = os.environ.get(ENV_ENGAGEMENT)
            root = Path(env) if env else _find_engagement(Path.cwd())
        else:
            root = Path(engagement_dir)
        config = load_config(root, overrides=config_overrides)
        run = Path(run_dir) if run_dir is not None else config.root / INTERACTIVE_RUN
        eng = cls(config=config, run_dir=run.resolve(), notebook=notebook)
        eng._write_notes()
        eng._record_data_warnings()
        _freeze_imports()
        return eng

    def _record_data_warnings(self) -> None:
        """Route every :class:`DataWarning` shown from now on into this run's notes.

        Analysis functions warn about the data they meet (customers with net refunds,
        short histories); the notebook shows the warning as usual and the manifest and
        the report get it too. The previous ``showwarning`` is kept and called.
        """
        previous = warnings.showwarning
        if getattr(previous, "_stratbook", False):
            previous = previous.__wrapped__  # a notebook re-opened: replace, don't stack

        def showwarning(message, category, filename, lineno, file=None, line=None):
            if issubclass(category, DataWarning):
                self.warn(message)
            return previous(message, category, filename, lineno, file, line)

        showwarning._stratbook = True  # type: ignore[attr-defined]
        showwarning.__wrapped__ = previous  # type: ignore[attr-defined]
        warnings.showwarning = showwarning

    # ---- shortcuts ----------------------------------------------------------------------
    @property
    def root(self) -> Path:
        return self.config.root

    @property
    def language(self) -> str:
        return self.config.language

    @property
    def currency(self) -> str:
        return self.config.currency

    @property
    def seed(self) -> int:
        return self.config.seed

    # ---- data ---------------------------------------------------------------------------
    def has(self, source: str) -> bool:
        """Whether the engagement has this data source (declared and on disk).

        The question is recorded (``sources`` in the notes): a notebook that skipped a
        section for want of a file reruns when that file appears.
        """
        self._record("sources", source)
        return self.config.has(source)

    def _record(self, kind: str, name: str) -> None:
        """Note that the notebook read (or asked about) a source or an upstream result."""
        if name not in self.notes[kind]:
            self.notes[kind].append(name)
            self._write_notes()

    def load(self, source: str) -> pd.DataFrame:
        """Load a canonical table through :mod:`helpers.io` (cached; returns a copy).

        Data warnings raised while loading (refunds, zero amounts...) are recorded in the
        run's notes and shown by the notebook. The source is recorded in the notes as
        read (see the module docstring). A workbook is parsed once per version of the
        file: its cells are cached in the engagement (:data:`WORKBOOK_CACHE_DIR`) for the
        other notebooks and later runs; so is the frame read from a large CSV file
        (:data:`TABLE_CACHE_DIR`). The cache is keyed by the file's bytes and the kit's
        reading code, never by the run.
        """
        self._record("sources", source)
        if source not in self._cache:
            from helpers.io import load_source

            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", DataWarning)
                frame = load_source(
                    self.config,
                    source,
                    workbook_cache=self.config.root / WORKBOOK_CACHE_DIR,
                    table_cache=self.config.root / TABLE_CACHE_DIR,
                )
            for w in caught:
                if issubclass(w.category, DataWarning):
                    self.warn(w.message, source=source)
                else:
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            self._cache[source] = frame
        return self._cache[source].copy()

    @property
    def engine(self) -> str:
        """What summarises the transactions: ``"pandas"`` or ``"duckdb"`` (``engine`` in
        engagement.yaml; ``auto`` decided by the file, see :func:`helpers.engine.engine_for`)."""
        from helpers.engine import engine_for

        settings = self.config.duckdb
        chosen, note = engine_for(
            self.config.source_path("transactions"),
            self.config.engine,
            threshold_bytes=int(settings.auto_threshold_mb * 1024 * 1024),
        )
        if note:
            self.warn(note, source="transactions")
        return chosen

    def transactions(self) -> Any:
        """The transactions for per-customer and per-month tables, whatever the engine.

        Under ``pandas`` a :class:`helpers.engine.FrameTransactions` over
        :meth:`load` ``("transactions")``; under ``duckdb`` a
        :class:`helpers.engine.TransactionFile` that never loads the lines (its
        ``frame`` is ``None``: sections needing lines check it). Same methods, same
        numbers: ``rfm``, ``rfm_summary``, ``holdout_period``, ``calibration_holdout``,
        ``main_channel``, ``monthly_revenue``.
        """
        if self._transactions is None:
            from helpers import engine

            if self.engine == "duckdb":
                txs = engine.TransactionFile.from_config(self.config)
                for message in txs.warnings():
                    self.warn(message, source="transactions")
            else:
                txs = engine.FrameTransactions(self.load("transactions"))
            self._transactions = txs
        return self._transactions

    # ---- results ------------------------------------------------------------------------
    def results_dir(self, notebook: str | None = None) -> Path:
        return self.run_dir / RESULTS_DIR / (notebook or self.notebook)

    def save(self, name: str, df: pd.DataFrame) -> pd.DataFrame:
        """Save a key table as ``results/<notebook>/<name>.csv`` and return it unchanged.

        An index that carries information (named, or not a plain range) is kept as
        columns.
        """
        out = df
        if not isinstance(df.index, pd.RangeIndex) or any(n is not None for n in df.index.names):
            out = df.reset_index()
        write_csv(out, self.results_dir() / f"{name}.csv")
        return df

    def has_result(self, notebook: str, name: str) -> bool:
        """Whether an earlier notebook saved this table in the same run (recorded as a
        read of that notebook: it must be among the notebook's declared ``needs``)."""
        self._record("upstream", notebook)
        return (self.results_dir(notebook) / f"{name}.csv").exists()

    def result(self, notebook: str, name: str) -> pd.DataFrame:
        """Read a table an earlier notebook saved in the same run.

        The runner only guarantees that notebooks named in this notebook's ``needs``
        (notebook metadata ``stratbook.needs``) ran before it; reading another one fails
        the notebook when the run ends.
        """
        self._record("upstream", notebook)
        path = self.results_dir(notebook) / f"{name}.csv"
        if not path.exists():
            raise MissingDataError(
                f"{notebook} has not saved {name!r} in this run ({path.parent}); run "
                f"{notebook} first (stratbook run --from {notebook[:2]})"
            )
        return pd.read_csv(path)

    # ---- notes --------------------------------------------------------------------------
    def warn(self, message: str | Warning, *, source: str | None = None) -> None:
        """Record a data warning for the manifest and the report.

        A warning made by :func:`helpers.i18n.data_warning` keeps its message id and
        fields, so the report can show it in the engagement's language.
        """
        entry: dict[str, Any] = {"message": str(message)}
        if getattr(message, "msg_id", None):
            entry["msg_id"] = message.msg_id  # type: ignore[union-attr]
            entry["fields"] = message.fields  # type: ignore[union-attr]
        if source:
            entry["source"] = source
        if entry not in self.notes["warnings"]:
            self.notes["warnings"].append(entry)
            self._write_notes()

    def skip(self, section: str, *, needs: str) -> Any:
        """Record a skipped section and return a note to display in its place."""
        from IPython.display import Markdown

        from helpers.i18n import label, translate

        entry = {"section": section, "needs": needs}
        if entry not in self.notes["skipped"]:
            self.notes["skipped"].append(entry)
            self._write_notes()
        text = label(_LABELS, "skipped", self.language).format(
            section=translate(section, self.language), needs=translate(needs, self.language)
        )
        return Markdown(f"> **{_md_text(text)}**")

    def finding(self, key: str, text: str) -> str:
        """Declare a headline finding for the executive summary; returns the text."""
        entry = {"key": key, "text": text}
        self.notes["findings"] = [f for f in self.notes["findings"] if f["key"] != key]
        self.notes["findings"].append(entry)
        self._write_notes()
        return text

    def warnings_note(self) -> Any:
        """The data warnings recorded so far, as a note to display (or ``None``)."""
        from IPython.display import Markdown

        from helpers.i18n import label, note_text

        if not self.notes["warnings"]:
            return None
        title = label(_LABELS, "warnings", self.language)
        items = "\n".join(
            f"> - {_md_text(note_text(w, self.language))}" for w in self.notes["warnings"]
        )
        return Markdown(f"> **{_md_text(title)}**\n>\n{items}")

    def _write_notes(self) -> None:
        path = self.run_dir / NOTES_DIR / f"{self.notebook}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.notes, indent=2, ensure_ascii=False) + "\n", "utf-8")
        tmp.replace(path)


_LABELS = {
    "en": {
        "skipped": "Section skipped: {section}. It needs {needs}.",
        "warnings": "Data warnings",
    },
    "fr": {
        "skipped": "Section non traitée : {section}. Il faut {needs}.",
        "warnings": "Avertissements sur les données",
    },
}

__all__ = ["ENV_ENGAGEMENT", "Engagement", "write_csv"]
