"""The notebook context: finding the engagement, saving and reading results, notes."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from helpers.context import ENV_ENGAGEMENT, Engagement
from helpers.errors import MissingDataError


@pytest.fixture
def engagement(tmp_path):
    root = tmp_path / "acme"
    (root / "notebooks").mkdir(parents=True)
    config = {
        "client_name": "Acme",
        "engagement_slug": "acme",
        "period_start": "2024-01",
        "language": "fr",
    }
    (root / "engagement.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return root


def test_open_finds_engagement_from_env_and_from_cwd(engagement, monkeypatch):
    monkeypatch.setenv(ENV_ENGAGEMENT, str(engagement))
    assert Engagement.open(notebook="01_x").root == engagement.resolve()
    monkeypatch.delenv(ENV_ENGAGEMENT)
    monkeypatch.chdir(engagement / "notebooks")
    eng = Engagement.open(notebook="01_x")
    assert eng.root == engagement.resolve()
    assert eng.run_dir == engagement.resolve() / "reports" / "interactive"
    assert eng.language == "fr"


def test_open_outside_an_engagement_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_ENGAGEMENT, raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MissingDataError, match=r"no engagement\.yaml in .* or above; pass"):
        Engagement.open(notebook="01_x")


def test_config_overrides_apply(engagement):
    eng = Engagement.open(engagement, notebook="01_x", config_overrides={"language": "en"})
    assert eng.language == "en"


def test_save_and_read_results_across_notebooks(engagement, tmp_path):
    run = tmp_path / "run"
    first = Engagement.open(engagement, run_dir=run, notebook="01_a")
    frame = pd.DataFrame(
        {"month": pd.to_datetime(["2024-01-01", "2024-02-01"]), "revenue": [1.5, 2.0]}
    )
    assert first.save("monthly", frame) is frame
    text = (run / "results" / "01_a" / "monthly.csv").read_text()
    assert text == "month,revenue\n2024-01-01,1.5\n2024-02-01,2\n"
    second = Engagement.open(engagement, run_dir=run, notebook="02_b")
    assert second.has_result("01_a", "monthly")
    pd.testing.assert_frame_equal(
        second.result("01_a", "monthly"),
        pd.DataFrame({"month": ["2024-01-01", "2024-02-01"], "revenue": [1.5, 2.0]}),
        check_dtype=False,
    )
    with pytest.raises(MissingDataError, match=r"04_c has not saved 'ltv' in this run.*--from 04"):
        second.result("04_c", "ltv")


def test_named_index_is_kept_as_a_column(engagement, tmp_path):
    eng = Engagement.open(engagement, run_dir=tmp_path, notebook="01_a")
    eng.save(
        "by_channel",
        pd.Series([3, 4], index=pd.Index(["web", "store"], name="channel"), name="n").to_frame(),
    )
    assert (tmp_path / "results/01_a/by_channel.csv").read_text() == "channel,n\nweb,3\nstore,4\n"


def test_notes_record_warnings_skips_and_findings(engagement, tmp_path):
    eng = Engagement.open(engagement, run_dir=tmp_path, notebook="04_c")
    note = eng.skip("Parcours client", needs="les événements du parcours (data.journey)")
    assert "Section non traitée : Parcours client" in note.data
    eng.warn("12 refund lines", source="transactions")
    eng.warn("12 refund lines", source="transactions")  # recorded once
    eng.finding("top_segment", "Champions hold 41 % of future value")
    eng.finding("top_segment", "Champions hold 42 % of future value")  # replaced
    notes = json.loads((tmp_path / "notes" / "04_c.json").read_text())
    assert notes == {
        "warnings": [{"message": "12 refund lines", "source": "transactions"}],
        "skipped": [
            {"section": "Parcours client", "needs": "les événements du parcours (data.journey)"}
        ],
        "findings": [{"key": "top_segment", "text": "Champions hold 42 % of future value"}],
        "sources": [],  # nothing loaded: what a notebook reads drives incremental runs
        "upstream": [],
    }
    assert "12 refund lines" in eng.warnings_note().data


def test_data_warnings_raised_by_analysis_code_reach_the_notes(engagement, tmp_path):
    import warnings as w

    from helpers.errors import DataWarning

    original = w.showwarning
    try:
        eng = Engagement.open(engagement, run_dir=tmp_path, notebook="01_a")
        Engagement.open(engagement, run_dir=tmp_path, notebook="01_a")  # re-opened: not stacked
        with w.catch_warnings():
            w.simplefilter("always")
            w.warn("3 customers have net refunds", DataWarning, stacklevel=1)
            w.warn("unrelated", UserWarning, stacklevel=1)
        notes = json.loads((tmp_path / "notes" / "01_a.json").read_text())
        assert notes["warnings"] == [{"message": "3 customers have net refunds"}]
        assert eng.notes["warnings"] == []  # the latest opened context records
    finally:
        w.showwarning = original


def test_notebooks_and_later_runs_share_a_parsed_csv_with_its_warnings(
    engagement, tmp_path, monkeypatch
):
    from pandas.testing import assert_frame_equal

    from helpers import io as kit_io

    monkeypatch.setattr(kit_io, "TABLE_CACHE_MIN_BYTES", 0)
    raw = engagement / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / "transactions.csv").write_text(
        "customer_id,order_date,amount\nC1,2024-01-05,10\nC2,2024-01-06,-4\nC3,2024-02-01,0\n",
        encoding="utf-8",
    )
    config = yaml.safe_load((engagement / "engagement.yaml").read_text(encoding="utf-8"))
    config["data"] = {"transactions": {"path": "data/raw/transactions.csv"}}
    (engagement / "engagement.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    run = tmp_path / "run"
    first = Engagement.open(engagement, run_dir=run, notebook="01_a").load("transactions")
    assert len(list((engagement / "reports" / ".cache" / "tables").glob("*.npz"))) == 1
    assert not (run / ".cache").exists()  # nothing of the client's data in the run folder
    # the next notebook's kernel, and a later run, read the frame back instead of parsing
    monkeypatch.setattr(kit_io, "_read_csv", lambda *a, **k: pytest.fail("parsed again"))
    second = Engagement.open(engagement, run_dir=run, notebook="03_b").load("transactions")
    assert_frame_equal(second, first, check_exact=True)
    later = tmp_path / "later"
    third = Engagement.open(engagement, run_dir=later, notebook="01_a").load("transactions")
    assert_frame_equal(third, first, check_exact=True)
    notes = [json.loads((run / "notes" / f"{nb}.json").read_text()) for nb in ("01_a", "03_b")]
    notes.append(json.loads((later / "notes" / "01_a.json").read_text()))
    assert notes[0]["warnings"] == notes[1]["warnings"] == notes[2]["warnings"]
    assert {w["msg_id"] for w in notes[1]["warnings"]} == {"io.negative_amounts", "io.zero_amounts"}


FREEZE_PROBE = """
import gc, sys, weakref
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from helpers.context import Engagement

assert gc.get_freeze_count() == 0
Engagement.open(sys.argv[1], run_dir=sys.argv[2], notebook="01_a")
frozen = gc.get_freeze_count()
made_since = [[] for _ in range(1000)]  # new objects: a second freeze would take them
Engagement.open(sys.argv[1], run_dir=sys.argv[2], notebook="02_b")
# a chart made and closed after opening: a reference cycle the collector still frees
fig, ax = plt.subplots()
ax.plot([1, 2])
alive = weakref.ref(fig)
plt.close(fig)
del fig, ax
gc.collect()
print(frozen > 10_000, gc.get_freeze_count() <= frozen, alive() is None)
"""


def test_opening_freezes_the_imports_once_and_later_garbage_is_still_freed(engagement, tmp_path):
    """In a fresh process, as in a kernel: the objects alive at the first open are
    frozen (the libraries'), a second open freezes nothing more, and a figure closed
    afterwards is collected."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", FREEZE_PROBE, str(engagement), str(tmp_path / "run")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "True"]
